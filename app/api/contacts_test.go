package api

import (
	"strings"
	"testing"
)

func TestContactsAPI(t *testing.T) {
	h := newHarness(t)
	var inbox map[string]any
	if code := h.do("POST", "/inboxes", h.adminToken, map[string]any{"name": "API", "channel": map[string]any{"type": "api"}}, &inbox); code != 201 {
		t.Fatalf("inbox: %d %v", code, inbox)
	}

	var created struct {
		Payload struct {
			Contact      map[string]any `json:"contact"`
			ContactInbox map[string]any `json:"contact_inbox"`
		} `json:"payload"`
	}
	code := h.do("POST", "/contacts", h.agentToken, map[string]any{
		"name": "Ana Souza", "email": "Ana@Example.com", "phone_number": "+55 (11) 91234-5678",
		"inbox_id": inbox["id"], "source_id": "crm-77", "custom_attributes": map[string]any{"plan": "gold"},
		"unknown_chatwoot_field": true,
	}, &created)
	if code != 201 {
		t.Fatalf("create: %d", code)
	}
	c := created.Payload.Contact
	for k, want := range map[string]any{"name": "Ana Souza", "email": "ana@example.com", "phone_number": "+5511912345678", "thumbnail": "", "blocked": false, "bot_enabled": true, "last_activity_at": nil} {
		if got, ok := c[k]; !ok || got != want {
			t.Errorf("contact.%s = %v, want %v", k, got, want)
		}
	}
	if _, ok := c["created_at"].(float64); !ok || c["custom_attributes"].(map[string]any)["plan"] != "gold" {
		t.Errorf("contact: %v", c)
	}
	if ci := created.Payload.ContactInbox; ci["source_id"] != "crm-77" || ci["inbox_id"] != inbox["id"] {
		t.Errorf("contact_inbox: %v", ci)
	}
	id := itoa(uint64(c["id"].(float64)))

	var p problem
	if code := h.do("POST", "/contacts", h.adminToken, map[string]any{"name": "Dup", "email": "ana@example.com"}, &p); code != 409 || p.at("body.email") == "" {
		t.Fatalf("duplicate email: %d %+v", code, p)
	}
	p = problem{}
	if code := h.do("POST", "/contacts", h.adminToken, map[string]any{"name": "Bad", "phone_number": "123"}, &p); code != 422 || !strings.Contains(p.at("body.phone_number"), "international") {
		t.Fatalf("bad phone: %d %+v", code, p)
	}

	var one struct {
		Payload map[string]any `json:"payload"`
	}
	if code := h.do("GET", "/contacts/"+id, h.agentToken, nil, &one); code != 200 || one.Payload["name"] != "Ana Souza" {
		t.Fatalf("get: %d %v", code, one)
	}
	if code := h.do("PATCH", "/contacts/"+id, h.agentToken, map[string]any{"city": "Recife", "custom_attributes": map[string]any{"vip": true}}, &one); code != 200 ||
		one.Payload["city"] != "Recife" || one.Payload["custom_attributes"].(map[string]any)["plan"] != "gold" {
		t.Fatalf("patch: %d %v", code, one)
	}
	if code := h.do("PUT", "/contacts/"+id, h.agentToken, map[string]any{"blocked": true}, &one); code != 200 || one.Payload["blocked"] != true {
		t.Fatalf("put: %d %v", code, one)
	}
	if code := h.do("GET", "/contacts/999", h.agentToken, nil, nil); code != 404 {
		t.Fatalf("missing contact: %d", code)
	}

	for _, n := range []string{"Bia", "Caio", "Duda"} {
		if code := h.do("POST", "/contacts", h.adminToken, map[string]any{"name": n}, nil); code != 201 {
			t.Fatalf("create %s: %d", n, code)
		}
	}
	var list struct {
		Meta struct {
			Count       int `json:"count"`
			CurrentPage int `json:"current_page"`
		} `json:"meta"`
		Payload []map[string]any `json:"payload"`
	}
	if code := h.do("GET", "/contacts?sort=-name", h.agentToken, nil, &list); code != 200 || list.Meta.Count != 4 || list.Meta.CurrentPage != 1 || len(list.Payload) != 4 || list.Payload[0]["name"] != "Duda" {
		t.Fatalf("list: %d %+v", code, list)
	}
	if code := h.do("GET", "/contacts?sort=email", h.agentToken, nil, nil); code != 422 {
		t.Fatalf("bad sort: %d", code)
	}

	h.index()
	list.Payload = nil
	if code := h.do("GET", "/contacts/search?q=souz", h.agentToken, nil, &list); code != 200 || len(list.Payload) != 1 || list.Payload[0]["name"] != "Ana Souza" || list.Meta.Count != 1 {
		t.Fatalf("search: %d %+v", code, list)
	}
	if code := h.do("GET", "/contacts/search?q=91234", h.agentToken, nil, &list); code != 200 || len(list.Payload) != 0 {
		t.Fatalf("search by a middle of the phone (prefixes only): %d %+v", code, list)
	}
	if code := h.do("GET", "/contacts/search?q=5511912", h.agentToken, nil, &list); code != 200 || len(list.Payload) != 1 {
		t.Fatalf("search by phone: %d %+v", code, list)
	}
}
