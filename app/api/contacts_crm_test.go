package api

import (
	"strings"
	"testing"
)

// TestContactsCRMAPI walks the contacts CRM routes over HTTP in Chatwoot's shapes: attribute
// definitions, typed attributes on contacts, tags, notes, filter, segments, merge and delete.
func TestContactsCRMAPI(t *testing.T) {
	h := newHarness(t)
	var def map[string]any
	if code := h.do("POST", "/custom_attribute_definitions", h.adminToken, map[string]any{
		"attribute_display_name": "Renda mensal", "attribute_display_type": "currency", "attribute_model": "contact_attribute",
	}, &def); code != 201 || def["attribute_key"] != "renda_mensal" || def["attribute_model"] != "contact_attribute" {
		t.Fatalf("create definition: %d %v", code, def)
	}
	var p problem
	if code := h.do("POST", "/custom_attribute_definitions", h.agentToken, map[string]any{
		"attribute_display_name": "X", "attribute_display_type": "text", "attribute_model": "contact_attribute",
	}, &p); code != 403 {
		t.Errorf("agent defines: %d", code)
	}
	p = problem{}
	if code := h.do("POST", "/custom_attribute_definitions", h.adminToken, map[string]any{
		"attribute_display_name": "Renda mensal", "attribute_display_type": "text", "attribute_model": "contact_attribute",
	}, &p); code != 409 || !strings.Contains(p.at("body.attribute_key"), "already exists") {
		t.Errorf("duplicate: %d %+v", code, p)
	}
	var defs []map[string]any
	if code := h.do("GET", "/custom_attribute_definitions?attribute_model=1", h.agentToken, nil, &defs); code != 200 || len(defs) != 1 {
		t.Errorf("list: %d %v", code, defs)
	}
	if code := h.do("GET", "/custom_attribute_definitions?attribute_model=0", h.agentToken, nil, &defs); code != 200 || len(defs) != 0 {
		t.Errorf("conversation list: %d %v", code, defs)
	}

	var created struct {
		Payload struct {
			Contact map[string]any `json:"contact"`
		} `json:"payload"`
	}
	if code := h.do("POST", "/contacts", h.agentToken, map[string]any{"name": "Ana", "tags": []string{"VIP"}, "custom_attributes": map[string]any{"renda_mensal": "1500,50"}}, &created); code != 201 {
		t.Fatalf("create contact: %d", code)
	}
	ana := created.Payload.Contact
	id := itoa(uint64(ana["id"].(float64)))
	if ana["custom_attributes"].(map[string]any)["renda_mensal"] != 1500.5 || ana["owner_id"] != float64(h.agentID) || ana["tags"].([]any)[0] != "VIP" {
		t.Errorf("contact %v", ana)
	}
	p = problem{}
	if code := h.do("PATCH", "/contacts/"+id, h.agentToken, map[string]any{"custom_attributes": map[string]any{"renda_mensal": "muito"}}, &p); code != 422 || p.at("body.custom_attributes.renda_mensal") == "" {
		t.Errorf("bad attribute: %d %+v", code, p)
	}

	var labels struct{ Payload []string }
	if code := h.do("POST", "/contacts/"+id+"/labels", h.agentToken, map[string]any{"labels": []string{"lead", "Lead", "cliente"}}, &labels); code != 200 || strings.Join(labels.Payload, ",") != "lead,cliente" {
		t.Errorf("set labels: %d %v", code, labels)
	}
	if code := h.do("GET", "/contacts/"+id+"/labels", h.agentToken, nil, &labels); code != 200 || len(labels.Payload) != 2 {
		t.Errorf("labels: %d %v", code, labels)
	}
	var tags struct {
		Payload []struct {
			Name  string
			Count int
		}
	}
	if code := h.do("GET", "/contacts/tags", h.agentToken, nil, &tags); code != 200 || len(tags.Payload) != 2 || tags.Payload[0].Name != "cliente" || tags.Payload[0].Count != 1 {
		t.Errorf("tags: %d %+v", code, tags)
	}

	var note map[string]any
	if code := h.do("POST", "/contacts/"+id+"/notes", h.agentToken, map[string]any{"content": "ligar às 10h"}, &note); code != 201 || note["content"] != "ligar às 10h" || note["user"].(map[string]any)["name"] != "Bruno Lima" {
		t.Fatalf("note: %d %v", code, note)
	}
	noteID := itoa(uint64(note["id"].(float64)))
	if code := h.do("PATCH", "/contacts/"+id+"/notes/"+noteID, h.adminToken, map[string]any{"content": "ligar às 11h"}, &note); code != 200 || note["content"] != "ligar às 11h" {
		t.Errorf("admin edits note: %d %v", code, note)
	}
	var notes []map[string]any
	if code := h.do("GET", "/contacts/"+id+"/notes", h.agentToken, nil, &notes); code != 200 || len(notes) != 1 {
		t.Errorf("notes: %d %v", code, notes)
	}
	if code := h.do("DELETE", "/contacts/"+id+"/notes/"+noteID, h.agentToken, nil, nil); code != 204 {
		t.Errorf("delete note: %d", code)
	}

	h.do("POST", "/contacts", h.adminToken, map[string]any{"name": "Bia", "custom_attributes": map[string]any{"renda_mensal": 90}}, nil)
	var list struct {
		Meta    struct{ Count, CurrentPage int } `json:"meta"`
		Payload []map[string]any                 `json:"payload"`
	}
	filter := map[string]any{"payload": []map[string]any{{"attribute_key": "renda_mensal", "filter_operator": "is_greater_than", "values": []any{"100"}, "query_operator": nil}}}
	if code := h.do("POST", "/contacts/filter?page=1", h.agentToken, filter, &list); code != 200 || list.Meta.Count != 1 || list.Payload[0]["name"] != "Ana" {
		t.Errorf("filter: %d %+v", code, list)
	}
	p = problem{}
	if code := h.do("POST", "/contacts/filter", h.agentToken, map[string]any{"payload": []map[string]any{{"attribute_key": "name", "filter_operator": "bigger", "values": []any{}}}}, &p); code != 422 || p.at("body.payload[0].filter_operator") == "" {
		t.Errorf("bad filter: %d %+v", code, p)
	}

	var seg map[string]any
	if code := h.do("POST", "/segments", h.agentToken, map[string]any{"name": "Renda alta", "filter_type": "contact", "query": filter}, &seg); code != 201 || seg["filter_type"] != "contact" {
		t.Fatalf("segment: %d %v", code, seg)
	}
	var segs []map[string]any
	if code := h.do("GET", "/segments", h.agentToken, nil, &segs); code != 200 || len(segs) != 1 {
		t.Errorf("segments: %d %v", code, segs)
	}
	if code := h.do("GET", "/segments", h.adminToken, nil, &segs); code != 200 || len(segs) != 0 {
		t.Errorf("admin's segments: %d %v", code, segs)
	}
	segID := itoa(uint64(seg["id"].(float64)))
	if code := h.do("DELETE", "/segments/"+segID, h.adminToken, nil, nil); code != 404 {
		t.Errorf("someone else's segment: %d", code)
	}

	var dup struct {
		Payload struct {
			Contact map[string]any `json:"contact"`
		} `json:"payload"`
	}
	h.do("POST", "/contacts", h.adminToken, map[string]any{"name": "Ana 2", "email": "ana@example.com"}, &dup)
	dupID := uint64(dup.Payload.Contact["id"].(float64))
	var merged struct{ Payload map[string]any }
	if code := h.do("POST", "/actions/contact_merge", h.agentToken, map[string]any{"base_contact_id": ana["id"], "mergee_contact_id": dupID}, &merged); code != 200 ||
		merged.Payload["email"] != "ana@example.com" || merged.Payload["name"] != "Ana" {
		t.Errorf("merge: %d %v", code, merged)
	}
	if code := h.do("DELETE", "/contacts/"+id, h.agentToken, nil, nil); code != 403 {
		t.Errorf("agent deletes contact: %d", code)
	}
	if code := h.do("DELETE", "/contacts/"+id, h.adminToken, nil, nil); code != 204 {
		t.Errorf("admin deletes contact: %d", code)
	}
	if code := h.do("GET", "/contacts/"+id, h.adminToken, nil, nil); code != 404 {
		t.Errorf("deleted contact: %d", code)
	}
	if code := h.do("DELETE", "/custom_attribute_definitions/"+itoa(uint64(def["id"].(float64))), h.adminToken, nil, nil); code != 204 {
		t.Errorf("delete definition: %d", code)
	}
}
