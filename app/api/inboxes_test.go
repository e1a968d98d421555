package api

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/storage"
)

func TestInboxesAPI(t *testing.T) {
	h := newHarness(t)
	var p problem
	if code := h.do("POST", "/inboxes", h.agentToken, map[string]any{"name": "Mine", "channel_type": "Channel::Api"}, &p); code != 403 {
		t.Fatalf("agent creating: %d %+v", code, p)
	}
	p = problem{}
	if code := h.do("POST", "/inboxes", h.adminToken, map[string]any{"name": "WA", "channel_type": "Channel::WhatsappWeb"}, &p); code != 422 || p.at("body.channel_type") == "" {
		t.Fatalf("later channel: %d %+v", code, p)
	}

	var in map[string]any
	code := h.do("POST", "/inboxes", h.adminToken, map[string]any{
		"name": "Site", "channel_type": "Channel::Api", "channel": map[string]any{"webhook_url": "https://example.com/h", "hmac_token": "secret!"},
		"greeting_enabled": true, "greeting_message": "Olá!", "working_hours_enabled": true,
		"working_hours": []map[string]any{{"day_of_week": 1, "open_hour": 9, "open_minutes": 30, "close_hour": 18, "close_minutes": 0}},
	}, &in)
	if code != 201 {
		t.Fatalf("create: %d %v", code, in)
	}
	for k, want := range map[string]any{"name": "Site", "channel_type": "Channel::Api", "timezone": "America/Sao_Paulo", "greeting_message": "Olá!", "enabled": true, "sla_policy_id": nil} {
		if in[k] != want {
			t.Errorf("inbox.%s = %v, want %v", k, in[k], want)
		}
	}
	ch := in["channel"].(map[string]any)
	if ch["hmac_token"] != nil || ch["webhook_url"] != "https://example.com/h" {
		t.Errorf("channel: %v", ch)
	}
	if ident, _ := in["inbox_identifier"].(string); len(ident) != 24 {
		t.Errorf("identifier %v", in["inbox_identifier"])
	}
	monday := in["working_hours"].([]any)[1].(map[string]any)
	if monday["open_hour"] != 9.0 || monday["open_minutes"] != 30.0 || monday["close_hour"] != 18.0 || monday["closed_all_day"] != false {
		t.Errorf("monday: %v", monday)
	}
	id := itoa(uint64(in["id"].(float64)))

	p = problem{}
	if code := h.do("POST", "/inboxes", h.adminToken, map[string]any{"name": "SITE", "channel_type": "Channel::Api"}, &p); code != 409 || p.at("body.name") == "" {
		t.Fatalf("same name: %d %+v", code, p)
	}
	p = problem{}
	if code := h.do("PATCH", "/inboxes/"+id, h.adminToken, map[string]any{"working_hours": []map[string]any{{"day_of_week": 2, "open_hour": 18, "close_hour": 9}}}, &p); code != 422 || !strings.Contains(p.at("body.working_hours[0]"), "Tuesday") {
		t.Fatalf("bad hours: %d %+v", code, p)
	}

	// The agent works no inbox yet.
	var list struct {
		Payload []map[string]any `json:"payload"`
	}
	if code := h.do("GET", "/inboxes", h.agentToken, nil, &list); code != 200 || len(list.Payload) != 0 {
		t.Fatalf("agent list: %d %v", code, list)
	}
	if code := h.do("GET", "/inboxes/"+id, h.agentToken, nil, nil); code != 404 {
		t.Fatalf("agent get: %d", code)
	}
	var members struct {
		Payload []map[string]any `json:"payload"`
	}
	if code := h.do("POST", "/inbox_members", h.agentToken, map[string]any{"inbox_id": in["id"], "user_ids": []uint64{h.agentID}}, nil); code != 403 {
		t.Fatalf("agent setting members: %d", code)
	}
	p = problem{}
	if code := h.do("POST", "/inbox_members", h.adminToken, map[string]any{"inbox_id": in["id"], "user_ids": []uint64{h.agentID, 777}}, &p); code != 422 || p.at("body.user_ids") == "" {
		t.Fatalf("stranger as member: %d %+v", code, p)
	}
	if code := h.do("POST", "/inbox_members", h.adminToken, map[string]any{"inbox_id": in["id"], "user_ids": []uint64{h.agentID}}, &members); code != 200 || len(members.Payload) != 1 || members.Payload[0]["name"] != "Bruno Lima" {
		t.Fatalf("set members: %d %v", code, members)
	}
	if code := h.do("GET", "/inboxes", h.agentToken, nil, &list); code != 200 || len(list.Payload) != 1 {
		t.Fatalf("agent list after joining: %d %v", code, list)
	}
	members.Payload = nil
	if code := h.do("GET", "/inbox_members/"+id, h.agentToken, nil, &members); code != 200 || len(members.Payload) != 1 {
		t.Fatalf("members: %d %v", code, members)
	}
	if code := h.do("PATCH", "/inbox_members", h.adminToken, map[string]any{"inbox_id": in["id"], "user_ids": []uint64{}}, &members); code != 200 || len(members.Payload) != 0 {
		t.Fatalf("clear members: %d %v", code, members)
	}

	var up map[string]any
	if code := h.do("PATCH", "/inboxes/"+id, h.adminToken, map[string]any{"enable_auto_assignment": true, "auto_assignment_config": map[string]any{"max_assignment_limit": 3}, "csat_survey_enabled": true}, &up); code != 200 ||
		up["enable_auto_assignment"] != true || up["auto_assignment_config"].(map[string]any)["max_assignment_limit"] != 3.0 || up["greeting_message"] != "Olá!" {
		t.Fatalf("patch: %d %v", code, up)
	}
	if code := h.do("PATCH", "/inboxes/"+id, h.agentToken, map[string]any{"name": "x"}, nil); code != 403 {
		t.Fatalf("agent patch: %d", code)
	}

	// Deleting: refused while the app counts conversations, then done.
	h.inboxes.InUse = func(*storage.Tx, uint64, uint64) int { return 1 }
	if code := h.do("DELETE", "/inboxes/"+id, h.adminToken, nil, nil); code != 409 {
		t.Fatalf("delete in use: %d", code)
	}
	h.inboxes.InUse = func(*storage.Tx, uint64, uint64) int { return 0 }
	if code := h.do("DELETE", "/inboxes/"+id, h.agentToken, nil, nil); code != 403 {
		t.Fatalf("agent delete: %d", code)
	}
	if code := h.do("DELETE", "/inboxes/"+id, h.adminToken, nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code := h.do("GET", "/inboxes/"+id, h.adminToken, nil, nil); code != 404 {
		t.Fatalf("deleted inbox: %d", code)
	}
}
