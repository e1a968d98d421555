package api

import "testing"

func TestCustomObjectsAPI(t *testing.T) {
	h := newHarness(t)
	typ := map[string]any{"name": "Imóveis", "icon": "pi pi-home", "primary_field": "endereco",
		"fields": []map[string]any{{"name": "Endereço", "type": "text", "required": true}, {"name": "Quartos", "type": "number"}}}
	if code := h.do("POST", "/custom_objects/types", h.adminToken, typ, nil); code != 404 {
		t.Fatalf("module off by default: %d", code)
	}
	h.module("custom_objects", true)
	if code := h.do("POST", "/custom_objects/types", h.agentToken, typ, nil); code != 403 {
		t.Fatalf("agent (custom_objects View) defined a type: %d", code)
	}
	var ty map[string]any
	if code := h.do("POST", "/custom_objects/types", h.adminToken, typ, &ty); code != 201 || ty["records_count"].(float64) != 0 {
		t.Fatalf("create type: %d %v", code, ty)
	}
	tid := itoa(uint64(ty["id"].(float64)))

	var rec map[string]any
	rb := map[string]any{"values": map[string]any{"endereco": "Rua A, 1", "quartos": 3}, "external_id": "IM-1"}
	if code := h.do("POST", "/custom_objects/types/"+tid+"/records", h.adminToken, rb, &rec); code != 201 || rec["display_name"] != "Rua A, 1" {
		t.Fatalf("create record: %d %v", code, rec)
	}
	rb["values"] = map[string]any{"quartos": 4}
	var again map[string]any
	if code := h.do("POST", "/custom_objects/types/"+tid+"/records", h.adminToken, rb, &again); code != 200 || again["id"] != rec["id"] ||
		again["values"].(map[string]any)["quartos"] != 4.0 {
		t.Fatalf("dedup: %d %v", code, again)
	}
	var problem struct {
		Errors []struct{ Location string } `json:"errors"`
	}
	if code := h.do("POST", "/custom_objects/types/"+tid+"/records", h.adminToken, map[string]any{"values": map[string]any{"quartos": "muitos"}}, &problem); code != 422 || len(problem.Errors) != 2 {
		t.Fatalf("invalid values: %d %+v", code, problem)
	}
	rid := itoa(uint64(rec["id"].(float64)))
	ana := h.contact("Ana")
	assoc := map[string]any{"target_type": "contact", "target_id": ana, "label": "proprietária", "associated_on": "2024-05-01"}
	var a map[string]any
	if code := h.do("POST", "/custom_objects/records/"+rid+"/associations", h.agentToken, assoc, &a); code != 201 || a["target_name"] != "Ana" {
		t.Fatalf("associate: %d %v", code, a)
	}
	if code := h.do("POST", "/custom_objects/records/"+rid+"/associations", h.agentToken, assoc, nil); code != 409 {
		t.Fatalf("pair twice: %d", code)
	}
	var groups struct {
		Payload []struct {
			Type    map[string]any `json:"type"`
			Records []struct {
				AssociationID float64        `json:"association_id"`
				Label         string         `json:"label"`
				AssociatedOn  string         `json:"associated_on"`
				Record        map[string]any `json:"record"`
			} `json:"records"`
		} `json:"payload"`
	}
	if code := h.do("GET", "/contacts/"+itoa(ana)+"/custom_objects", h.agentToken, nil, &groups); code != 200 || len(groups.Payload) != 1 ||
		groups.Payload[0].Type["icon"] != "pi pi-home" || groups.Payload[0].Records[0].Label != "proprietária" ||
		groups.Payload[0].Records[0].Record["display_name"] != "Rua A, 1" || groups.Payload[0].Records[0].AssociationID != a["id"] {
		t.Fatalf("grouped: %d %+v", code, groups)
	}
	var types struct {
		Payload []map[string]any `json:"payload"`
	}
	if code := h.do("GET", "/custom_objects/types", h.agentToken, nil, &types); code != 200 || types.Payload[0]["records_count"].(float64) != 1 {
		t.Fatalf("types: %d %+v", code, types)
	}
	if code := h.do("DELETE", "/custom_objects/types/"+tid, h.adminToken, nil, nil); code != 409 {
		t.Fatalf("type with records deleted: %d", code)
	}
	if code := h.do("DELETE", "/custom_objects/records/"+rid, h.adminToken, nil, nil); code != 200 && code != 204 {
		t.Fatalf("delete record: %d", code)
	}
	if code := h.do("GET", "/contacts/"+itoa(ana)+"/custom_objects", h.agentToken, nil, &groups); code != 200 || len(groups.Payload) != 0 {
		t.Fatalf("after delete: %d %+v", code, groups)
	}
	if code := h.do("DELETE", "/custom_objects/types/"+tid, h.adminToken, nil, nil); code != 200 && code != 204 {
		t.Fatalf("delete empty type: %d", code)
	}
}
