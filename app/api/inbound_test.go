package api

import (
	"strconv"
	"strings"
	"testing"
)

// An integration pushes its customers' messages into an API inbox: contacts and conversations
// are found or made, a repeat is a duplicate, a bad message names its place and stores nothing,
// and only API inboxes the caller works in take them.
func TestInboundFilesMessagesAsAChannel(t *testing.T) {
	h := newHarness(t)
	var api, widget struct{ ID uint64 }
	if code, body := h.call("POST", "/inboxes", h.adminToken, map[string]any{"name": "ERP", "channel": map[string]any{"type": "api"}}, &api); code != 201 {
		t.Fatalf("api inbox: %d %s", code, body)
	}
	if code, body := h.call("POST", "/inboxes", h.adminToken, map[string]any{"name": "Site", "channel": map[string]any{"type": "web_widget", "website_url": "https://exemplo.com.br"}}, &widget); code != 201 {
		t.Fatalf("widget inbox: %d %s", code, body)
	}
	path := "/inboxes/" + strconv.FormatUint(api.ID, 10) + "/inbound"
	type result struct {
		Payload []struct {
			ConversationID  uint64 `json:"conversation_id"`
			DisplayID       uint64 `json:"display_id"`
			MessageID       uint64 `json:"message_id"`
			ContactID       uint64 `json:"contact_id"`
			Duplicate       bool   `json:"duplicate"`
			NewConversation bool   `json:"new_conversation"`
		} `json:"payload"`
	}
	msg := func(contact, source, content string) map[string]any {
		return map[string]any{"contact": map[string]any{"source_id": contact, "name": "Cliente " + contact, "phone_number": "+5511988887777"}, "source_id": source, "content": content}
	}
	var r result
	if code, body := h.call("POST", path, h.adminToken, map[string]any{"messages": []any{msg("erp-1", "m1", "Oi, meu pedido?"), msg("erp-1", "m2", "Número 4412")}}, &r); code != 200 {
		t.Fatalf("inbound: %d %s", code, body)
	}
	if len(r.Payload) != 2 || !r.Payload[0].NewConversation || r.Payload[1].NewConversation || r.Payload[0].DisplayID != r.Payload[1].DisplayID || r.Payload[0].ContactID == 0 {
		t.Fatalf("%+v", r.Payload)
	}
	var page struct {
		Payload []struct {
			Content     string `json:"content"`
			MessageType int    `json:"message_type"`
		} `json:"payload"`
	}
	conv := "/conversations/" + strconv.FormatUint(r.Payload[0].DisplayID, 10)
	if code := h.do("GET", conv+"/messages", h.adminToken, nil, &page); code != 200 || len(page.Payload) != 2 || page.Payload[1].Content != "Número 4412" || page.Payload[1].MessageType != 0 {
		t.Fatalf("%d %+v", code, page.Payload)
	}

	// The same source id again is a duplicate that stores nothing.
	var again result
	if code := h.do("POST", path, h.adminToken, map[string]any{"messages": []any{msg("erp-1", "m2", "Número 4412")}}, &again); code != 200 || !again.Payload[0].Duplicate || again.Payload[0].MessageID != r.Payload[1].MessageID {
		t.Fatalf("%d %+v", code, again.Payload)
	}

	// One bad message refuses the call, naming it; the good one beside it is not stored.
	code, body := h.call("POST", path, h.adminToken, map[string]any{"messages": []any{msg("erp-2", "m3", "ok"), msg("erp-2", "m4", "")}}, nil)
	if code != 422 || !strings.Contains(body, "messages[1].content") {
		t.Fatalf("%d %s", code, body)
	}
	if code := h.do("POST", path, h.adminToken, map[string]any{"messages": []any{msg("erp-2", "m3", "ok")}}, &r); code != 200 || !r.Payload[0].NewConversation {
		t.Fatalf("the refused call left something behind: %d %+v", code, r.Payload)
	}
	code, body = h.call("POST", path, h.adminToken, map[string]any{"messages": []any{map[string]any{"contact": map[string]any{"source_id": " "}, "content": "x"}}}, nil)
	if code != 422 || !strings.Contains(body, "messages[0].contact.source_id") {
		t.Fatalf("%d %s", code, body)
	}
	code, body = h.call("POST", path, h.adminToken, map[string]any{"messages": []any{map[string]any{"contact": map[string]any{"source_id": "x"}, "content": "x", "at": "2999-01-01T00:00:00Z"}}}, nil)
	if code != 422 || !strings.Contains(body, "messages[0].at") {
		t.Fatalf("%d %s", code, body)
	}

	// Only API inboxes, and only for someone who works the inbox.
	wpath := "/inboxes/" + strconv.FormatUint(widget.ID, 10) + "/inbound"
	if code, body := h.call("POST", wpath, h.adminToken, map[string]any{"messages": []any{msg("v", "1", "oi")}}, nil); code != 422 || !strings.Contains(body, "inbox_id") {
		t.Fatalf("widget inbox: %d %s", code, body)
	}
	if code, body := h.call("POST", path, h.agentToken, map[string]any{"messages": []any{msg("erp-3", "m9", "oi")}}, nil); code != 403 {
		t.Fatalf("an agent outside the inbox: %d %s", code, body)
	}
	if code := h.do("POST", "/inboxes/999999/inbound", h.adminToken, map[string]any{"messages": []any{msg("v", "1", "oi")}}, nil); code != 404 {
		t.Fatalf("unknown inbox: %d", code)
	}
}
