package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/contacts"
)

// uploadImport posts a file to the contact imports as the owner.
func uploadImport(h *harness, field, name string, data []byte) (int, []byte) {
	h.t.Helper()
	res, raw := h.upload("/contact_imports", h.adminToken, field, name, data)
	return res.StatusCode, raw
}

func TestContactImportAPI(t *testing.T) {
	h := newHarness(t, withImports())
	code, raw := uploadImport(h, "file", "lista.csv", []byte("\xef\xbb\xbfnome;e-mail;celular\nJoão;joao@x.com;+5511987654321\nAna;ana@;\n"))
	var v map[string]any
	json.Unmarshal(raw, &v)
	if code != 201 || v["status"] != "uploaded" || v["encoding"] != "utf-8-bom" || v["delimiter"] != ";" || v["total_rows"] != 2.0 || v["started_at"] != nil {
		t.Fatalf("%d %s", code, raw)
	}
	id := itoa(uint64(v["id"].(float64)))
	for name, c := range map[string]struct {
		field string
		data  string
	}{"other field": {"arquivo", "name\nAna\n"}, "empty file": {"file", ""}} {
		code, raw := uploadImport(h, c.field, "x.csv", []byte(c.data))
		var p problem
		json.Unmarshal(raw, &p)
		if code != 422 || p.at("body.file") == "" && p.at("file") == "" {
			t.Errorf("%s: %d %s", name, code, raw)
		}
	}
	var p problem
	if code := h.do("POST", "/contact_imports/"+id+"/start", h.adminToken, map[string]any{"mapping": []map[string]any{{"column": 0, "target": "name"}, {"column": 7, "target": "city"}}}, &p); code != 422 || p.at("body.mapping[1].column") == "" {
		t.Fatalf("%d %+v", code, p)
	}
	if code := h.do("POST", "/contact_imports/"+id+"/start", h.adminToken, map[string]any{"mapping": v["mapping"]}, &v); code != 200 || v["status"] != "queued" {
		t.Fatalf("%d %v", code, v)
	}
	deadline := time.Now().Add(time.Minute)
	for v["status"] != "done" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		h.do("GET", "/contact_imports/"+id, h.adminToken, nil, &v)
	}
	if v["status"] != "done" || v["created"] != 1.0 || v["failed_rows"] != 1.0 || v["finished_at"] == nil {
		t.Fatalf("%v", v)
	}
	var list struct{ Payload []map[string]any }
	if h.do("GET", "/contact_imports", h.adminToken, nil, &list); len(list.Payload) != 1 {
		t.Fatalf("%+v", list)
	}
	res, body := h.req("GET", "/contact_imports/"+id+"/errors.csv", h.adminToken, "", nil)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(body), `3,"e-mail ""ana@"" is not a valid email address",Ana,ana@,`) {
		t.Fatalf("%v %q", res.Header, body)
	}
	res, body = h.req("GET", "/contacts/import_template.csv", h.adminToken, "", nil)
	if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || !bytes.HasPrefix(body, []byte("\xef\xbb\xbfname,email,phone_number")) || !strings.Contains(string(body), "São Paulo") {
		t.Fatalf("%v %q", res.Header, body)
	}
	res, body = h.req("GET", "/contacts/export.csv", h.adminToken, "", nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), "João,joao@x.com,+5511987654321") {
		t.Fatalf("%d %q", res.StatusCode, body)
	}
}

func TestCompaniesAPI(t *testing.T) {
	h := newHarness(t)
	var c map[string]any
	if code := h.do("POST", "/companies", h.adminToken, map[string]any{"name": "Acme", "domain": "https://www.acme.com/"}, &c); code != 201 || c["domain"] != "acme.com" || c["contacts_count"] != 0.0 {
		t.Fatalf("%d %v", code, c)
	}
	var p problem
	if code := h.do("POST", "/companies", h.adminToken, map[string]any{"name": "Acme 2", "domain": "ACME.com"}, &p); code != 409 || !strings.Contains(p.at("body.domain")+p.at("domain"), "Acme") {
		t.Fatalf("%d %+v", code, p)
	}
	if code := h.do("POST", "/companies", h.adminToken, map[string]any{"name": "X", "domain": "acme"}, &p); code != 422 {
		t.Fatalf("%d %+v", code, p)
	}
	var list struct {
		Meta    struct{ Count int }
		Payload []map[string]any
	}
	if code := h.do("GET", "/companies?sort=-name", h.adminToken, nil, &list); code != 200 || list.Meta.Count != 1 || list.Payload[0]["name"] != "Acme" {
		t.Fatalf("%d %+v", code, list)
	}
	h.module(contacts.CompaniesModule, false)
	if code := h.do("GET", "/companies", h.adminToken, nil, nil); code != 404 {
		t.Fatalf("module off: %d", code)
	}
}

func TestContactFilteredExportAPI(t *testing.T) {
	h := newHarness(t)
	for _, c := range []map[string]any{
		{"name": "Ana", "email": "ana@x.com", "city": "Recife"},
		{"name": "Beto", "email": "beto@x.com", "city": "Natal"},
		{"name": "=cmd", "email": "caio@x.com", "city": "Recife"},
	} {
		if code := h.do("POST", "/contacts", h.adminToken, c, nil); code != 201 {
			t.Fatalf("create %v: %d", c, code)
		}
	}
	export := func(body any) (int, string) {
		b, _ := json.Marshal(body)
		res, raw := h.req("POST", "/contacts/export", h.adminToken, "application/json", bytes.NewReader(b))
		return res.StatusCode, string(raw)
	}
	code, csv := export(map[string]any{"payload": []map[string]any{{"attribute_key": "city", "filter_operator": "equal_to", "values": []string{"recife"}}}})
	if code != 200 || !strings.Contains(csv, "Ana,ana@x.com") || strings.Contains(csv, "Beto") || !strings.Contains(csv, "'=cmd,caio@x.com") {
		t.Fatalf("%d %q", code, csv)
	}
	if code, csv := export(map[string]any{}); code != 200 || !strings.Contains(csv, "Beto") || !strings.Contains(csv, "Ana") {
		t.Fatalf("no conditions: %d %q", code, csv)
	}
	res, raw := h.req("POST", "/contacts/export", h.adminToken, "", nil)
	if res.StatusCode != 200 || !strings.Contains(string(raw), "Beto") {
		t.Fatalf("no body: %d %q", res.StatusCode, raw)
	}
	var p problem
	code, csv = export(map[string]any{"payload": []map[string]any{{"attribute_key": "city", "filter_operator": "is_greater_than", "values": []string{"x"}}}})
	json.Unmarshal([]byte(csv), &p)
	if code != 422 || p.at("body.payload[0].filter_operator")+p.at("payload[0].filter_operator") == "" {
		t.Fatalf("bad condition: %d %s", code, csv)
	}
}

// A page number so large that page × size overflows must not wrap round to the first page.
func TestPageNumbersBounded(t *testing.T) {
	h := newHarness(t)
	if code := h.do("POST", "/contacts", h.adminToken, map[string]any{"name": "Ana"}, nil); code != 201 {
		t.Fatal(code)
	}
	var list struct{ Payload []map[string]any }
	if code := h.do("GET", "/contacts?page=4611686018427387905", h.adminToken, nil, &list); code != 422 || len(list.Payload) != 0 {
		t.Fatalf("%d %+v", code, list)
	}
	if code := h.do("GET", "/companies?page=4611686018427387905", h.adminToken, nil, nil); code != 422 {
		t.Fatalf("companies: %d", code)
	}
}
