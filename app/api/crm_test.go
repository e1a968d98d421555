package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/crm"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/realtime"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/search"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

// newDealAPI is crmAPI with the CRM service wired in and deals in the search index.
func newDealAPI(t *testing.T) (*crmAPI, *accounts.Service) {
	t.Helper()
	dir := t.TempDir()
	db := storagetest.Open(t, dir, storage.Options{})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix, err := search.Open(db, filepath.Join(dir, "index"), append(contacts.SearchTypes(), crm.SearchTypes()...), search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	a := auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost})
	acc := accounts.New(db, a)
	bs := blob.New(db)
	cs := contacts.New(db)
	cs.SetSearch(ix)
	c := crm.New(crm.Deps{DB: db, Blobs: bs, Catalog: catalog.New(db), Logger: quiet})
	c.SetSearch(ix)
	srv := httptest.NewServer(New(Deps{DB: db, Auth: a, Accounts: acc, Notify: notify.New(db), Hub: realtime.New(), Blobs: bs,
		Contacts: cs, CRM: c, Logger: quiet}))
	t.Cleanup(srv.Close)
	res, err := acc.Setup(context.Background(), accounts.SetupInput{AccountName: "Loja", Name: "Olga Owner", Email: "owner@example.com", Password: "correct horse", TimeZone: "America/Sao_Paulo", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	admin := access.Actor{UserID: res.UserID, AccountID: res.AccountID, Role: access.Administrator}
	// The agent's role can see the CRM but not manage it.
	var roleID uint64
	err = db.Update(func(tx *storage.Tx) error {
		r := &accounts.CustomRole{AccountID: res.AccountID, Name: "Viewer", Permissions: map[string]access.Level{crm.Module: access.View}}
		err := accounts.CustomRoles.Put(tx, r)
		roleID = r.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ag, err := acc.AddAgent(context.Background(), admin, accounts.NewAgent{Name: "Vera Viewer", Email: "vera@example.com", Role: access.Agent, CustomRoleID: roleID, Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	h := &crmAPI{t: t, db: db, ix: ix, srv: srv, acct: res.AccountID, adminToken: res.Token, agentID: ag.ID}
	err = db.Update(func(tx *storage.Tx) (err error) { h.agentToken, err = a.IssueSession(tx, ag.ID, "", ""); return err })
	if err != nil {
		t.Fatal(err)
	}
	return h, acc
}

func TestDealAPI(t *testing.T) {
	h, acc := newDealAPI(t)
	var tmpls struct {
		Payload []crm.Template `json:"payload"`
	}
	if code := h.do("GET", "/pipelines/templates", h.adminToken, nil, &tmpls); code != 200 || len(tmpls.Payload) != 6 || tmpls.Payload[0].Name != "B2B sales" {
		t.Fatalf("templates %d %+v", code, tmpls)
	}
	var p crm.PipelineView
	if code := h.do("POST", "/pipelines", h.adminToken, map[string]any{"template": "b2b_sales"}, &p); code != 201 || len(p.Stages) != 7 {
		t.Fatalf("create pipeline %d %+v", code, p)
	}
	var prob problem
	bad := map[string]any{"name": "X", "stages": []map[string]any{{"name": "A"}, {"name": "B"}, {"name": "C"}, {"name": "D"}, {"name": "W", "kind": "won", "probability": 80}}}
	if code := h.do("POST", "/pipelines", h.adminToken, bad, &prob); code != 422 || prob.at("body.stages[4].probability") == "" {
		t.Fatalf("bad stages %d %+v", code, prob)
	}
	var d crm.DealView
	if code := h.do("POST", "/deals", h.adminToken, map[string]any{"pipeline_id": p.ID, "title": "Consultoria Acme", "value_cents": 150000, "priority": "high"}, &d); code != 201 ||
		d.StageID != p.Stages[0].ID || d.Currency != "BRL" || d.Priority != "high" || d.Owner == nil || d.Health != crm.HealthOnTrack {
		t.Fatalf("create deal %d %+v", code, d)
	}
	if code := h.do("POST", "/deals", h.agentToken, map[string]any{"pipeline_id": p.ID, "title": "x"}, nil); code != 403 {
		t.Fatalf("viewer creates: %d", code)
	}
	if code := h.do("POST", "/deals/"+itoa(d.ID)+"/move", h.agentToken, map[string]any{"stage_id": p.Stages[1].ID}, nil); code != 403 {
		t.Fatalf("viewer moves: %d", code)
	}
	if code := h.do("GET", "/deals/"+itoa(d.ID), h.agentToken, nil, nil); code != 200 {
		t.Fatalf("viewer reads: %d", code)
	}
	if code := h.do("POST", "/deals/"+itoa(d.ID)+"/move", h.adminToken, map[string]any{"stage_id": p.Stages[1].ID, "index": 0}, &d); code != 200 || d.StageID != p.Stages[1].ID {
		t.Fatalf("move %d %+v", code, d)
	}
	var board crm.Board
	if code := h.do("GET", "/pipelines/"+itoa(p.ID)+"/board?priority=high", h.adminToken, nil, &board); code != 200 || board.Columns[1].Count != 1 || board.Columns[1].TotalCents["BRL"] != 150000 || board.Columns[1].WeightedCents["BRL"] != 37500 {
		t.Fatalf("board %d %+v", code, board.Columns)
	}
	var li crm.LineItemView
	if code := h.do("POST", "/deals/"+itoa(d.ID)+"/line_items", h.adminToken, map[string]any{"name": "Horas", "quantity": 10, "unit_price_cents": 20000, "discount_type": "percent", "discount_value": 5}, &li); code != 201 || li.TotalCents != 190000 {
		t.Fatalf("line item %d %+v", code, li)
	}
	if code := h.do("PATCH", "/deals/"+itoa(d.ID), h.adminToken, map[string]any{"value_cents": 1}, &prob); code != 422 || prob.at("body.value_cents") == "" {
		t.Fatalf("value with lines %d %+v", code, prob)
	}
	// Attachments: upload, download with its name, counters.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "proposta.pdf")
	fw.Write([]byte("%PDF-1.4 hello"))
	mw.Close()
	req, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/accounts/"+itoa(h.acct)+"/deals/"+itoa(d.ID)+"/attachments", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+h.adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("upload %d", res.StatusCode)
	}
	var files struct {
		Payload []crm.DealAttachmentView `json:"payload"`
	}
	h.do("GET", "/deals/"+itoa(d.ID)+"/attachments", h.adminToken, nil, &files)
	if len(files.Payload) != 1 {
		t.Fatalf("files %+v", files)
	}
	req, _ = http.NewRequest("GET", h.srv.URL+files.Payload[0].URL, nil)
	req.Header.Set("Authorization", "Bearer "+h.adminToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(got) != "%PDF-1.4 hello" || res.Header.Get("Content-Disposition") != `attachment; filename=proposta.pdf` {
		t.Fatalf("download %d %q %q", res.StatusCode, got, res.Header.Get("Content-Disposition"))
	}
	req, _ = http.NewRequest("GET", h.srv.URL+files.Payload[0].URL, nil)
	if res, err = http.DefaultClient.Do(req); err != nil || res.StatusCode != 401 {
		t.Fatalf("download without a session: %v %d", err, res.StatusCode)
	}
	h.do("GET", "/deals/"+itoa(d.ID), h.adminToken, nil, &d)
	if d.ValueCents != 190000 || d.ValueMode != "auto" || d.Counters.Attachments != 1 || d.Counters.LineItems != 1 {
		t.Fatalf("deal after parts %+v", d)
	}
	// Keyword search through Bleve.
	h.index()
	var list crm.DealList
	if code := h.do("GET", "/deals?q=acme", h.adminToken, nil, &list); code != 200 || list.Meta.Count != 1 || list.Payload[0].ID != d.ID {
		t.Fatalf("search %d %+v", code, list)
	}
	var miss crm.DealList
	if code := h.do("GET", "/deals?q=zzzz", h.adminToken, nil, &miss); code != 200 || miss.Meta.Count != 0 {
		t.Fatalf("search miss %d %+v", code, miss.Meta)
	}
	var hist struct {
		Payload []crm.DealHistoryView `json:"payload"`
	}
	if code := h.do("GET", "/deals/"+itoa(d.ID)+"/history", h.adminToken, nil, &hist); code != 200 || len(hist.Payload) != 2 || hist.Payload[0].ToStageID != p.Stages[1].ID {
		t.Fatalf("history %d %+v", code, hist)
	}
	if code := h.do("DELETE", "/pipelines/"+itoa(p.ID), h.adminToken, nil, nil); code != 409 {
		t.Fatalf("delete pipeline with deals: %d", code)
	}
	// The module switch.
	var owner uint64
	h.db.View(func(tx *storage.Tx) error {
		m, _ := accounts.Members.Scan(tx, h.acct, storage.Query{Index: "role", Prefix: storage.Str(string(access.Administrator))})
		owner = m.Items[0].UserID
		return nil
	})
	h.db.Update(func(tx *storage.Tx) error {
		u, _ := auth.Users.Get(tx, 0, owner)
		u.Operator = true
		return auth.Users.Put(tx, u)
	})
	if _, err := acc.PlatformSet(context.Background(), access.Actor{UserID: owner, Operator: true}, h.acct, accounts.PlatformUpdate{Modules: map[string]bool{crm.Module: false}}); err != nil {
		t.Fatal(err)
	}
	if code := h.do("GET", "/deals/"+itoa(d.ID), h.adminToken, nil, nil); code != 404 {
		t.Fatalf("module off: %d", code)
	}
}
