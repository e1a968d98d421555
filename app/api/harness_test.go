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
	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/crm"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/mail"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/realtime"
	"github.com/parleyhq/parley/app/replies"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/app/tasks"
	"github.com/parleyhq/parley/app/webhooks"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/search"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

// harness is the API on a real temp store, wired the way app.New wires it: the search index
// holds every document type the app registers, and contacts, inboxes, conversations, replies,
// the catalog, the CRM and webhooks are all there (no background workers run unless asked).
// An account is set up with its owner (an administrator) and one agent, both signed in.
type harness struct {
	t      *testing.T
	db     *storage.DB
	ix     *search.Index
	srv    *httptest.Server
	server *Server
	log    *slog.Logger

	auth     *auth.Service
	accounts *accounts.Service
	notify   *notify.Service
	hub      *realtime.Hub
	blobs    *blob.Store
	jobs     *scheduler.Scheduler
	contacts *contacts.Service
	inboxes  *inboxes.Service
	convs    *conversations.Service
	replies  *replies.Service
	catalog  *catalog.Service
	crm      *crm.Service
	hooks    *webhooks.Service
	tasks    *tasks.Service
	mail     *mail.Service

	acct       uint64
	owner      access.Actor // the account's owner, an administrator
	adminToken string       // the owner's session
	agentID    uint64
	agentToken string
	cursor     uint64 // how far index has fed the change feed
}

// harnessConfig is what the options change; the defaults are the usual test account.
type harnessConfig struct {
	setup      accounts.SetupInput
	agent      accounts.NewAgent
	agentPerms map[string]access.Level
	imports    bool
	deps       func(h *harness, d *Deps)
}

type harnessOption func(*harnessConfig)

// withAccount changes the account's setup (name, language, time zone…).
func withAccount(f func(in *accounts.SetupInput)) harnessOption {
	return func(c *harnessConfig) { f(&c.setup) }
}

// withAgent names the signed-in agent; perms, when not nil, give the agent a custom role with
// those levels instead of the plain agent role's.
func withAgent(name, email string, perms map[string]access.Level) harnessOption {
	return func(c *harnessConfig) { c.agent.Name, c.agent.Email, c.agentPerms = name, email, perms }
}

// withImports runs the contact import worker for the test.
func withImports() harnessOption { return func(c *harnessConfig) { c.imports = true } }

// withDeps lets a test add to the API's dependencies (the client API, the widget, a UI) from
// the harness's services before the server is built.
func withDeps(f func(h *harness, d *Deps)) harnessOption {
	return func(c *harnessConfig) { c.deps = f }
}

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	cfg := harnessConfig{
		setup: accounts.SetupInput{AccountName: "Loja", Name: "Olga Owner", Email: "owner@example.com", Password: "correct horse",
			TimeZone: "America/Sao_Paulo", Language: "en"},
		agent: accounts.NewAgent{Name: "Bruno Lima", Email: "bruno@example.com", Role: access.Agent, Password: "long enough pw"},
	}
	for _, o := range opts {
		o(&cfg)
	}
	dir := t.TempDir()
	db := storagetest.Open(t, dir, storage.Options{})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	types := append(contacts.SearchTypes(), contacts.CompanySearchTypes()...)
	types = append(types, conversations.SearchTypes()...)
	types = append(types, crm.SearchTypes()...)
	ix, err := search.Open(db, filepath.Join(dir, "index"), types, search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })

	h := &harness{t: t, db: db, ix: ix, log: quiet, hub: realtime.New(), blobs: blob.New(db), notify: notify.New(db)}
	h.auth = auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost})
	h.accounts = accounts.New(db, h.auth)
	h.jobs = scheduler.New(db, scheduler.Options{Logger: quiet})
	h.contacts = contacts.New(db)
	h.inboxes = inboxes.New(db)
	h.convs = conversations.New(conversations.Deps{DB: db, Blobs: h.blobs, Jobs: h.jobs, Search: ix, Logger: quiet})
	h.contacts.SetSearch(ix)
	h.catalog = catalog.New(db)
	h.crm = crm.New(crm.Deps{DB: db, Blobs: h.blobs, Catalog: h.catalog, Logger: quiet})
	h.crm.SetSearch(ix)
	h.contacts.AddLinker(h.convs)
	h.contacts.AddLinker(h.crm)
	h.crm.RegisterCriteria(h.contacts)
	h.inboxes.InUse = conversations.InboxConversations
	h.replies = replies.New(db, h.convs)
	h.hub.SetFilter(h.convs.RealtimeFilter)
	h.tasks = tasks.New(tasks.Deps{DB: db, Jobs: h.jobs, Logger: quiet})
	h.mail = mail.New(mail.Deps{DB: db, Address: auth.Address})
	h.hooks = webhooks.New(webhooks.Deps{DB: db, Notify: h.notify, Conversations: h.convs, Logger: quiet})
	if cfg.imports {
		if err := h.contacts.StartImports(context.Background(), h.blobs, quiet); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.contacts.StopImports)
	}

	deps := Deps{DB: db, Auth: h.auth, Accounts: h.accounts, Notify: h.notify, Hub: h.hub, Blobs: h.blobs,
		Contacts: h.contacts, Inboxes: h.inboxes, Conversations: h.convs, Replies: h.replies,
		CRM: h.crm, Catalog: h.catalog, Tasks: h.tasks, Mail: h.mail, Webhooks: h.hooks, Logger: quiet}
	if cfg.deps != nil {
		cfg.deps(h, &deps)
	}
	h.server = New(deps)
	h.srv = httptest.NewServer(h.server)
	t.Cleanup(h.srv.Close)

	res, err := h.accounts.Setup(context.Background(), cfg.setup)
	if err != nil {
		t.Fatal(err)
	}
	h.acct, h.adminToken = res.AccountID, res.Token
	h.owner = access.Actor{UserID: res.UserID, UserName: cfg.setup.Name, AccountID: res.AccountID, Role: access.Administrator}
	if cfg.agentPerms != nil {
		r := &accounts.CustomRole{AccountID: h.acct, Name: "Custom", Permissions: cfg.agentPerms}
		if err := db.Update(func(tx *storage.Tx) error { return accounts.CustomRoles.Put(tx, r) }); err != nil {
			t.Fatal(err)
		}
		cfg.agent.CustomRoleID = r.ID
	}
	h.agentID, h.agentToken = h.addAgent(cfg.agent)
	return h
}

// addAgent adds a member to the account and signs them in.
func (h *harness) addAgent(ag accounts.NewAgent) (id uint64, token string) {
	h.t.Helper()
	if ag.Role == "" {
		ag.Role = access.Agent
	}
	if ag.Password == "" {
		ag.Password = "long enough pw"
	}
	u, err := h.accounts.AddAgent(context.Background(), h.owner, ag)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.db.Update(func(tx *storage.Tx) (err error) { token, err = h.auth.IssueSession(tx, u.ID, "", ""); return err }); err != nil {
		h.t.Fatal(err)
	}
	return u.ID, token
}

// url is an account route ("/contacts") under the account's prefix; paths that start with
// "/api/", "/public/" or "/survey/" are taken as they are.
func (h *harness) url(path string) string {
	for _, p := range []string{"/api/", "/public/", "/survey/"} {
		if strings.HasPrefix(path, p) {
			return h.srv.URL + path
		}
	}
	return h.srv.URL + "/api/v1/accounts/" + itoa(h.acct) + path
}

// req sends a raw request as token (none when "") and returns the response with its body read.
func (h *harness) req(method, path, token, contentType string, body io.Reader) (*http.Response, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.url(path), body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res, raw
}

// call sends body as JSON (none when nil) as token, decodes the JSON answer into out (when not
// nil) and returns the status and the raw answer.
func (h *harness) call(method, path, token string, body, out any) (int, string) {
	h.t.Helper()
	var r io.Reader
	ct := ""
	if body != nil {
		b, _ := json.Marshal(body)
		r, ct = bytes.NewReader(b), "application/json"
	}
	res, raw := h.req(method, path, token, ct, r)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return res.StatusCode, string(raw)
}

// do is call for the status alone.
func (h *harness) do(method, path, token string, body, out any) int {
	h.t.Helper()
	code, _ := h.call(method, path, token, body, out)
	return code
}

// upload posts one file as multipart form field to path.
func (h *harness) upload(path, token, field, name string, data []byte) (*http.Response, []byte) {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(data)
	mw.Close()
	return h.req(http.MethodPost, path, token, mw.FormDataContentType(), &body)
}

// index feeds the change feed to the search index, as the app's dispatcher does.
func (h *harness) index() {
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

// module switches an optional module on or off for the account, as the platform operator.
func (h *harness) module(key string, on bool) {
	h.t.Helper()
	op := access.Actor{UserID: h.owner.UserID, Operator: true}
	if _, err := h.accounts.PlatformSet(context.Background(), op, h.acct, accounts.PlatformUpdate{Modules: map[string]bool{key: on}}); err != nil {
		h.t.Fatal(err)
	}
}

// contact stores a contact straight in the store and returns its id.
func (h *harness) contact(name string) uint64 {
	h.t.Helper()
	c := &contacts.Contact{AccountID: h.acct, Name: name, CreatedAt: time.Now()}
	if err := h.db.Update(func(tx *storage.Tx) error { return contacts.Contacts.Put(tx, c) }); err != nil {
		h.t.Fatal(err)
	}
	return c.ID
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
