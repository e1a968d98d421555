package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// csAPI is the harness with a pt-BR account and an API inbox with the CSAT survey on that the
// agent works.
type csAPI struct {
	*harness
	inbox uint64
}

func newCSAPI(t *testing.T) *csAPI {
	t.Helper()
	h := &csAPI{harness: newHarness(t, withAccount(func(in *accounts.SetupInput) {
		in.AccountName, in.Language = "Padaria Pão Quente", "pt-BR"
	}))}
	in := &inboxes.Inbox{AccountID: h.acct, Name: "Site", ChannelType: inboxes.ChannelAPI, Enabled: true, CSATEnabled: true, MemberIDs: []uint64{h.agentID}}
	if err := h.db.Update(func(tx *storage.Tx) error { return inboxes.Inboxes.Put(tx, in) }); err != nil {
		t.Fatal(err)
	}
	h.inbox = in.ID
	return h
}

func TestLabelsAndSLAPoliciesAPI(t *testing.T) {
	h := newCSAPI(t)
	var p problem
	if code, _ := h.call("POST", "/labels", h.adminToken, map[string]any{"title": "two words"}, &p); code != 422 || p.at("body.title") == "" {
		t.Fatalf("bad title: %d %+v", code, p)
	}
	if code, _ := h.call("POST", "/labels", h.agentToken, map[string]any{"title": "vip"}, nil); code != 403 {
		t.Fatalf("agent creates a label: %d", code)
	}
	var l conversations.Label
	if code, raw := h.call("POST", "/labels", h.adminToken, map[string]any{"title": "VIP", "color": "#00ff00", "show_on_sidebar": true}, &l); code != 201 || l.Title != "vip" {
		t.Fatalf("create: %d %s", code, raw)
	}
	p = problem{}
	if code, _ := h.call("POST", "/labels", h.adminToken, map[string]any{"title": "vip"}, &p); code != 409 || p.at("body.title") == "" {
		t.Fatalf("duplicate: %d %+v", code, p)
	}
	var list struct {
		Payload []conversations.Label `json:"payload"`
	}
	if code, _ := h.call("GET", "/labels", h.agentToken, nil, &list); code != 200 || len(list.Payload) != 1 || list.Payload[0].Color != "#00FF00" {
		t.Fatalf("list: %d %+v", code, list)
	}
	if code, _ := h.call("PATCH", "/labels/"+itoa(l.ID), h.adminToken, map[string]any{"description": "Best customers"}, &l); code != 200 || l.Description != "Best customers" || l.Title != "vip" {
		t.Fatalf("update: %d %+v", code, l)
	}
	if code, _ := h.call("DELETE", "/labels/"+itoa(l.ID), h.adminToken, nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := h.call("GET", "/labels/"+itoa(l.ID), h.adminToken, nil, nil); code != 404 {
		t.Fatalf("deleted label: %d", code)
	}

	p = problem{}
	if code, _ := h.call("POST", "/sla_policies", h.adminToken, map[string]any{"name": "Gold"}, &p); code != 422 || p.at("body.first_response_time_threshold") == "" {
		t.Fatalf("policy without targets: %d %+v", code, p)
	}
	var pol conversations.SLAPolicy
	if code, raw := h.call("POST", "/sla_policies", h.adminToken, map[string]any{"name": "Gold", "first_response_time_threshold": 30, "only_during_business_hours": true}, &pol); code != 201 || pol.FirstResponseMinutes != 30 {
		t.Fatalf("create policy: %d %s", code, raw)
	}
	var pols struct {
		Payload []conversations.SLAPolicy `json:"payload"`
	}
	if code, _ := h.call("GET", "/sla_policies", h.agentToken, nil, &pols); code != 200 || len(pols.Payload) != 1 {
		t.Fatalf("list policies: %d %+v", code, pols)
	}

	// Apply the policy to a conversation the agent works; a stranger's id looks missing.
	res, err := h.convs.Ingest(context.Background(), h.acct, conversations.Inbound{InboxID: h.inbox, Contact: contacts.Identity{SourceID: "c-1", Name: "Carla"}, Content: "oi"})
	if err != nil {
		t.Fatal(err)
	}
	var view map[string]any
	if code, raw := h.call("POST", "/conversations/"+itoa(res.DisplayID)+"/sla", h.agentToken, map[string]any{"sla_policy_id": pol.ID}, &view); code != 200 {
		t.Fatalf("apply: %d %s", code, raw)
	}
	if sla, _ := view["sla"].(map[string]any); sla == nil || sla["name"] != "Gold" || sla["state"] != "on_track" {
		t.Fatalf("applied view: %v", view["sla"])
	}
	if code, _ := h.call("POST", "/conversations/999/sla", h.agentToken, map[string]any{"sla_policy_id": pol.ID}, nil); code != 404 {
		t.Fatalf("missing conversation: %d", code)
	}
	if code, _ := h.call("DELETE", "/sla_policies/"+itoa(pol.ID), h.agentToken, nil, nil); code != 403 {
		t.Fatalf("agent deletes a policy: %d", code)
	}
}

func TestScheduledMessagesAPI(t *testing.T) {
	h := newCSAPI(t)
	ctx := context.Background()
	res, err := h.convs.Ingest(ctx, h.acct, conversations.Inbound{InboxID: h.inbox, Contact: contacts.Identity{SourceID: "c-1", Name: "Carla"}, Content: "oi"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/conversations/" + itoa(res.DisplayID) + "/scheduled_messages"
	var p problem
	if code, _ := h.call("POST", path, h.agentToken, map[string]any{"content": "x", "send_at": time.Now().Add(-time.Hour)}, &p); code != 422 || p.at("body.send_at") == "" {
		t.Fatalf("past send_at: %d %+v", code, p)
	}
	var sm conversations.ScheduledMessage
	if code, raw := h.call("POST", path, h.agentToken, map[string]any{"content": "Bom dia!", "send_at": time.Now().Add(time.Hour)}, &sm); code != 201 || sm.ConversationID != res.DisplayID || sm.Status != "scheduled" {
		t.Fatalf("schedule: %d %s", code, raw)
	}
	if code, _ := h.call("PATCH", path+"/"+itoa(sm.ID), h.agentToken, map[string]any{"content": "Boa tarde!"}, &sm); code != 200 || sm.Content != "Boa tarde!" {
		t.Fatalf("update: %d %+v", code, sm)
	}
	if code, _ := h.call("DELETE", path+"/"+itoa(sm.ID), h.agentToken, nil, nil); code != 204 {
		t.Fatalf("cancel: %d", code)
	}
	var list struct {
		Payload []conversations.ScheduledMessage `json:"payload"`
	}
	if code, _ := h.call("GET", path, h.agentToken, nil, &list); code != 200 || len(list.Payload) != 1 || list.Payload[0].Status != "cancelled" {
		t.Fatalf("list: %d %+v", code, list)
	}

}

// TestCSATSurveyPublicPage: a resolved conversation's survey page is served in the account's
// language without signing in, answers are posted as JSON (validated by field, rate-limited per
// address) and reach the report.
func TestCSATSurveyPublicPage(t *testing.T) {
	h := newCSAPI(t)
	ctx := context.Background()
	res, err := h.convs.Ingest(ctx, h.acct, conversations.Inbound{InboxID: h.inbox, Contact: contacts.Identity{SourceID: "c-1", Name: "Carla"}, Content: "oi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.convs.ToggleStatus(ctx, h.owner, res.DisplayID, conversations.StatusChange{Status: conversations.Resolved}); err != nil {
		t.Fatal(err)
	}
	c, err := h.convs.Visible(ctx, h.owner, res.DisplayID)
	if err != nil {
		t.Fatal(err)
	}
	survey, page := h.req("GET", "/survey/responses/"+c.Token, "", "", nil)
	csp := survey.Header.Get("Content-Security-Policy")
	if survey.StatusCode != 200 || !strings.Contains(string(page), "Como foi seu atendimento com Padaria Pão Quente?") || !strings.Contains(string(page), `lang="pt-BR"`) ||
		!strings.Contains(string(page), "Excelente") || !strings.Contains(csp, "script-src 'nonce-") {
		t.Fatalf("survey page: %d %q\n%s", survey.StatusCode, csp, page)
	}
	if code, page := h.call("GET", "/survey/responses/not-a-token", "", nil, nil); code != 404 || !strings.Contains(page, "not valid") {
		t.Fatalf("unknown survey: %d %s", code, page)
	}
	var p problem
	if code, _ := h.call("POST", "/public/api/v1/csat_survey/"+c.Token, "", map[string]any{"rating": 9}, &p); code != 422 || p.at("body.rating") == "" {
		t.Fatalf("rating 9: %d %+v", code, p)
	}
	var ok map[string]any
	if code, raw := h.call("POST", "/public/api/v1/csat_survey/"+c.Token, "", map[string]any{"rating": 5, "feedback_message": "Muito bom"}, &ok); code != 200 || ok["rating"] != 5.0 {
		t.Fatalf("answer: %d %s", code, raw)
	}
	var info conversations.SurveyInfo
	if code, _ := h.call("GET", "/public/api/v1/csat_survey/"+c.Token, "", nil, &info); code != 200 || info.Rating != 5 || info.Language != "pt-BR" {
		t.Fatalf("survey info: %d %+v", code, info)
	}
	var metrics conversations.CSATSummary
	if code, raw := h.call("GET", "/csat_survey_responses/metrics", h.agentToken, nil, &metrics); code != 200 || metrics.Count != 1 || metrics.Average != 5 || metrics.ResponseRate != 100 {
		t.Fatalf("metrics: %d %s", code, raw)
	}
	var list conversations.CSATPage
	if code, raw := h.call("GET", "/csat_survey_responses?rating=5", h.adminToken, nil, &list); code != 200 || list.Total != 1 || list.Items[0].ConversationID != res.DisplayID || list.Items[0].Comment != "Muito bom" {
		t.Fatalf("responses: %d %s", code, raw)
	}
	// The same address may answer a few times in a row, then has to wait.
	limited := 0
	for i := 0; i < 12; i++ {
		if code, _ := h.call("POST", "/public/api/v1/csat_survey/"+c.Token, "", map[string]any{"rating": 4}, nil); code == 429 {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("12 more answers in a row from one address were all accepted")
	}
}
