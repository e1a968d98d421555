package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/realtime"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/search"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

// importAPI is the contacts and companies HTTP surface with a running import worker.
type importAPI struct {
	t     *testing.T
	srv   *httptest.Server
	acc   *accounts.Service
	acct  uint64
	admin access.Actor
	token string
}

func newImportAPI(t *testing.T) *importAPI {
	t.Helper()
	dir := t.TempDir()
	db := storagetest.Open(t, dir, storage.Options{})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix, err := search.Open(db, filepath.Join(dir, "index"), append(contacts.SearchTypes(), contacts.CompanySearchTypes()...), search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	a := auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost})
	acc := accounts.New(db, a)
	cs := contacts.New(db)
	cs.SetSearch(ix)
	blobs := blob.New(db)
	if err := cs.StartImports(context.Background(), blobs, quiet); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cs.StopImports)
	s := New(Deps{DB: db, Auth: a, Accounts: acc, Notify: notify.New(db), Hub: realtime.New(), Blobs: blobs, Contacts: cs, Logger: quiet})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	res, err := acc.Setup(context.Background(), accounts.SetupInput{AccountName: "Loja", Name: "Olga", Email: "owner@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	return &importAPI{t: t, srv: srv, acc: acc, acct: res.AccountID, token: res.Token,
		admin: access.Actor{UserID: res.UserID, AccountID: res.AccountID, Role: access.Administrator}}
}

func (h *importAPI) req(method, path, contentType string, body io.Reader) (*http.Response, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+"/api/v1/accounts/"+itoa(h.acct)+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res, raw
}

func (h *importAPI) json(method, path string, body, out any) int {
	h.t.Helper()
	var r io.Reader
	ct := ""
	if body != nil {
		b, _ := json.Marshal(body)
		r, ct = bytes.NewReader(b), "application/json"
	}
	res, raw := h.req(method, path, ct, r)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

func (h *importAPI) upload(field, name string, data []byte) (int, []byte) {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(data)
	mw.Close()
	res, raw := h.req(http.MethodPost, "/contact_imports", mw.FormDataContentType(), &body)
	return res.StatusCode, raw
}

func TestContactImportAPI(t *testing.T) {
	h := newImportAPI(t)
	code, raw := h.upload("file", "lista.csv", []byte("\xef\xbb\xbfnome;e-mail;celular\nJoão;joao@x.com;+5511987654321\nAna;ana@;\n"))
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
		code, raw := h.upload(c.field, "x.csv", []byte(c.data))
		var p problem
		json.Unmarshal(raw, &p)
		if code != 422 || p.at("body.file") == "" && p.at("file") == "" {
			t.Errorf("%s: %d %s", name, code, raw)
		}
	}
	var p problem
	if code := h.json("POST", "/contact_imports/"+id+"/start", map[string]any{"mapping": []map[string]any{{"column": 0, "target": "name"}, {"column": 7, "target": "city"}}}, &p); code != 422 || p.at("body.mapping[1].column") == "" {
		t.Fatalf("%d %+v", code, p)
	}
	if code := h.json("POST", "/contact_imports/"+id+"/start", map[string]any{"mapping": v["mapping"]}, &v); code != 200 || v["status"] != "queued" {
		t.Fatalf("%d %v", code, v)
	}
	deadline := time.Now().Add(time.Minute)
	for v["status"] != "done" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		h.json("GET", "/contact_imports/"+id, nil, &v)
	}
	if v["status"] != "done" || v["created"] != 1.0 || v["failed_rows"] != 1.0 || v["finished_at"] == nil {
		t.Fatalf("%v", v)
	}
	var list struct{ Payload []map[string]any }
	if h.json("GET", "/contact_imports", nil, &list); len(list.Payload) != 1 {
		t.Fatalf("%+v", list)
	}
	res, body := h.req("GET", "/contact_imports/"+id+"/errors.csv", "", nil)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(body), `3,"e-mail ""ana@"" is not a valid email address",Ana,ana@,`) {
		t.Fatalf("%v %q", res.Header, body)
	}
	res, body = h.req("GET", "/contacts/import_template.csv", "", nil)
	if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || !bytes.HasPrefix(body, []byte("\xef\xbb\xbfname,email,phone_number")) || !strings.Contains(string(body), "São Paulo") {
		t.Fatalf("%v %q", res.Header, body)
	}
	res, body = h.req("GET", "/contacts/export.csv", "", nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), "João,joao@x.com,+5511987654321") {
		t.Fatalf("%d %q", res.StatusCode, body)
	}
}

func TestCompaniesAPI(t *testing.T) {
	h := newImportAPI(t)
	var c map[string]any
	if code := h.json("POST", "/companies", map[string]any{"name": "Acme", "domain": "https://www.acme.com/"}, &c); code != 201 || c["domain"] != "acme.com" || c["contacts_count"] != 0.0 {
		t.Fatalf("%d %v", code, c)
	}
	var p problem
	if code := h.json("POST", "/companies", map[string]any{"name": "Acme 2", "domain": "ACME.com"}, &p); code != 409 || !strings.Contains(p.at("body.domain")+p.at("domain"), "Acme") {
		t.Fatalf("%d %+v", code, p)
	}
	if code := h.json("POST", "/companies", map[string]any{"name": "X", "domain": "acme"}, &p); code != 422 {
		t.Fatalf("%d %+v", code, p)
	}
	var list struct {
		Meta    struct{ Count int }
		Payload []map[string]any
	}
	if code := h.json("GET", "/companies?sort=-name", nil, &list); code != 200 || list.Meta.Count != 1 || list.Payload[0]["name"] != "Acme" {
		t.Fatalf("%d %+v", code, list)
	}
	op := access.Actor{UserID: h.admin.UserID, Operator: true}
	if _, err := h.acc.PlatformSet(context.Background(), op, h.acct, accounts.PlatformUpdate{Modules: map[string]bool{contacts.CompaniesModule: false}}); err != nil {
		t.Fatal(err)
	}
	if code := h.json("GET", "/companies", nil, nil); code != 404 {
		t.Fatalf("module off: %d", code)
	}
}

func TestContactFilteredExportAPI(t *testing.T) {
	h := newImportAPI(t)
	for _, c := range []map[string]any{
		{"name": "Ana", "email": "ana@x.com", "city": "Recife"},
		{"name": "Beto", "email": "beto@x.com", "city": "Natal"},
		{"name": "=cmd", "email": "caio@x.com", "city": "Recife"},
	} {
		if code := h.json("POST", "/contacts", c, nil); code != 201 {
			t.Fatalf("create %v: %d", c, code)
		}
	}
	export := func(body any) (int, string) {
		b, _ := json.Marshal(body)
		res, raw := h.req("POST", "/contacts/export", "application/json", bytes.NewReader(b))
		return res.StatusCode, string(raw)
	}
	code, csv := export(map[string]any{"payload": []map[string]any{{"attribute_key": "city", "filter_operator": "equal_to", "values": []string{"recife"}}}})
	if code != 200 || !strings.Contains(csv, "Ana,ana@x.com") || strings.Contains(csv, "Beto") || !strings.Contains(csv, "'=cmd,caio@x.com") {
		t.Fatalf("%d %q", code, csv)
	}
	if code, csv := export(map[string]any{}); code != 200 || !strings.Contains(csv, "Beto") || !strings.Contains(csv, "Ana") {
		t.Fatalf("no conditions: %d %q", code, csv)
	}
	res, raw := h.req("POST", "/contacts/export", "", nil)
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
	h := newImportAPI(t)
	if code := h.json("POST", "/contacts", map[string]any{"name": "Ana"}, nil); code != 201 {
		t.Fatal(code)
	}
	var list struct{ Payload []map[string]any }
	if code := h.json("GET", "/contacts?page=4611686018427387905", nil, &list); code != 422 || len(list.Payload) != 0 {
		t.Fatalf("%d %+v", code, list)
	}
	if code := h.json("GET", "/companies?page=4611686018427387905", nil, nil); code != 422 {
		t.Fatalf("companies: %d", code)
	}
}
