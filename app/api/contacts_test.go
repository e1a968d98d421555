package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/realtime"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/search"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

// crmAPI is the HTTP surface of contacts and inboxes on a real store and search index, with an
// account whose owner (administrator) and one agent are signed in.
type crmAPI struct {
	t          *testing.T
	db         *storage.DB
	ix         *search.Index
	srv        *httptest.Server
	inboxes    *inboxes.Service
	acct       uint64
	adminToken string
	agentToken string
	agentID    uint64
	cursor     uint64
}

func newCRMAPI(t *testing.T) *crmAPI {
	t.Helper()
	dir := t.TempDir()
	db := storagetest.Open(t, dir, storage.Options{})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix, err := search.Open(db, filepath.Join(dir, "index"), contacts.SearchTypes(), search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	a := auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost})
	acc := accounts.New(db, a)
	cs := contacts.New(db)
	cs.SetSearch(ix)
	ibx := inboxes.New(db)
	s := New(Deps{DB: db, Auth: a, Accounts: acc, Notify: notify.New(db), Hub: realtime.New(), Blobs: blob.New(db),
		Contacts: cs, Inboxes: ibx, Logger: quiet})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	res, err := acc.Setup(context.Background(), accounts.SetupInput{AccountName: "Loja", Name: "Olga Owner", Email: "owner@example.com", Password: "correct horse", TimeZone: "America/Sao_Paulo"})
	if err != nil {
		t.Fatal(err)
	}
	admin := access.Actor{UserID: res.UserID, AccountID: res.AccountID, Role: access.Administrator}
	ag, err := acc.AddAgent(context.Background(), admin, accounts.NewAgent{Name: "Bruno Lima", Email: "bruno@example.com", Role: access.Agent, Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	h := &crmAPI{t: t, db: db, ix: ix, srv: srv, inboxes: ibx, acct: res.AccountID, adminToken: res.Token, agentID: ag.ID}
	err = db.Update(func(tx *storage.Tx) (err error) { h.agentToken, err = a.IssueSession(tx, ag.ID, "", ""); return err })
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// do calls the API as token and decodes the JSON answer into out (when not nil).
func (h *crmAPI) do(method, path, token string, body any, out any) int {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.srv.URL+"/api/v1/accounts/"+itoa(h.acct)+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

// index feeds the change feed to the search index, as the app's dispatcher does.
func (h *crmAPI) index() {
	h.t.Helper()
	var evs []storage.Event
	h.db.View(func(tx *storage.Tx) (err error) { evs, err = tx.Events(h.cursor, 100000); return err })
	if len(evs) == 0 {
		return
	}
	if err := h.ix.Apply(context.Background(), evs); err != nil {
		h.t.Fatal(err)
	}
	h.cursor = evs[len(evs)-1].Seq
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// problem is an RFC 9457 answer with field errors.
type problem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

func (p problem) at(location string) string {
	for _, e := range p.Errors {
		if e.Location == location {
			return e.Message
		}
	}
	return ""
}

func TestContactsAPI(t *testing.T) {
	h := newCRMAPI(t)
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
