package contacts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

var ctx = context.Background()

// env is an account with an API inbox, on a real store with a real search index.
type env struct {
	t      *testing.T
	db     *storage.DB
	ix     *search.Index
	svc    *contacts.Service
	acct   uint64
	admin  access.Actor
	inbox  uint64
	cursor uint64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	db := storagetest.Open(t, dir, storage.Options{})
	a := auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost})
	acc := accounts.New(db, a)
	res, err := acc.Setup(ctx, accounts.SetupInput{AccountName: "Loja", Name: "Olga Owner", Email: "owner@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(db, filepath.Join(dir, "index"), contacts.SearchTypes(), search.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	e := &env{t: t, db: db, ix: ix, svc: contacts.New(db), acct: res.AccountID}
	e.svc.SetSearch(ix)
	e.admin = access.Actor{UserID: res.UserID, AccountID: res.AccountID, Role: access.Administrator}
	in, err := inboxes.New(db).Create(ctx, e.admin, inboxes.InboxInput{Name: ptr("API"), ChannelType: ptr(inboxes.ChannelAPI)})
	if err != nil {
		t.Fatal(err)
	}
	e.inbox = in.ID
	return e
}

func ptr[T any](v T) *T { return &v }

// index feeds the change feed written so far to the search index, as the app's dispatcher does.
func (e *env) index() {
	e.t.Helper()
	var evs []storage.Event
	e.db.View(func(tx *storage.Tx) (err error) { evs, err = tx.Events(e.cursor, 100000); return err })
	if len(evs) == 0 {
		return
	}
	if err := e.ix.Apply(ctx, evs); err != nil {
		e.t.Fatal(err)
	}
	e.cursor = evs[len(evs)-1].Seq
}

func (e *env) find(id contacts.Identity) (*contacts.Contact, *contacts.ContactInbox, bool) {
	e.t.Helper()
	var c *contacts.Contact
	var ci *contacts.ContactInbox
	var created bool
	err := e.db.Update(func(tx *storage.Tx) (err error) {
		c, ci, created, err = contacts.FindOrCreate(tx, e.acct, e.inbox, id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c, ci, created
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"+55 (11) 99999-8888": "+5511999998888",
		"5511999998888":       "+5511999998888",
		"+1.415.555.2671":     "+14155552671",
		" +351 912 345 678 ":  "+351912345678",
		"":                    "",
	} {
		if got, ok := contacts.NormalizePhone(in); !ok || got != want {
			t.Errorf("%q → %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"1234567", "+1234567890123456", "+55 11 9999x8888", "++5511999998888", "phone"} {
		if got, ok := contacts.NormalizePhone(bad); ok {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
	if got, ok := contacts.NormalizeEmail(" Ana.Silva@Example.COM "); !ok || got != "ana.silva@example.com" {
		t.Errorf("email: %q %v", got, ok)
	}
	for _, bad := range []string{"ana", "ana@", "Ana <ana@example.com>", "ana@example"} {
		if _, ok := contacts.NormalizeEmail(bad); ok {
			t.Errorf("email %q accepted", bad)
		}
	}
}

// TestFindOrCreateMatchOrder: the channel's own id wins, then identifier, then phone, then email.
func TestFindOrCreateMatchOrder(t *testing.T) {
	e := newEnv(t)
	mk := func(in contacts.NewContact) uint64 {
		c, err := e.svc.Create(ctx, e.admin, in)
		if err != nil {
			t.Fatal(err)
		}
		return c.Contact.ID
	}
	byIdent := mk(contacts.NewContact{ContactInput: contacts.ContactInput{Name: ptr("By identifier"), Identifier: ptr("crm-1")}})
	byPhone := mk(contacts.NewContact{ContactInput: contacts.ContactInput{Name: ptr("By phone"), PhoneNumber: ptr("+5511999998888")}})
	byEmail := mk(contacts.NewContact{ContactInput: contacts.ContactInput{Name: ptr("By email"), Email: ptr("ana@example.com")}})

	cases := []struct {
		id   contacts.Identity
		want uint64
	}{
		{contacts.Identity{SourceID: "s1", Identifier: "crm-1", Phone: "+5511999998888", Email: "ana@example.com"}, byIdent},
		{contacts.Identity{SourceID: "s2", Identifier: "crm-unknown", Phone: "55 (11) 99999-8888", Email: "ana@example.com"}, byPhone},
		{contacts.Identity{SourceID: "s3", Phone: "+5511000000000", Email: "ANA@Example.com"}, byEmail},
	}
	for _, c := range cases {
		got, ci, created := e.find(c.id)
		if got.ID != c.want || created {
			t.Errorf("%+v matched %d (%s) created=%v, want %d", c.id, got.ID, got.Name, created, c.want)
		}
		if ci.ContactID != got.ID || ci.InboxID != e.inbox || ci.SourceID != c.id.SourceID {
			t.Errorf("contact inbox %+v", ci)
		}
		if got.LastActivityAt.IsZero() {
			t.Error("last activity not set")
		}
	}
	// A matched contact learns what it lacked, unless someone else holds it: "By phone" gets
	// the unknown identifier, but not ana@example.com, which is "By email"'s.
	e.db.View(func(tx *storage.Tx) error {
		c, _ := contacts.Contacts.Get(tx, e.acct, byPhone)
		if c.Identifier != "crm-unknown" || c.Email != "" {
			t.Errorf("filled blanks: %+v", c)
		}
		return nil
	})
	// The same channel id again is the same contact even with other details.
	got, ci, created := e.find(contacts.Identity{SourceID: "s3", Email: "someone@else.com"})
	if got.ID != byEmail || created || ci.SourceID != "s3" {
		t.Errorf("known source id: %d %v", got.ID, created)
	}
	// The same source id in another inbox is another identity.
	other, err := inboxes.New(e.db).Create(ctx, e.admin, inboxes.InboxInput{Name: ptr("API 2"), ChannelType: ptr(inboxes.ChannelAPI)})
	if err != nil {
		t.Fatal(err)
	}
	e.db.Update(func(tx *storage.Tx) error {
		c, ci2, created, err := contacts.FindOrCreate(tx, e.acct, other.ID, contacts.Identity{SourceID: "s3", Name: "Fresh"})
		if err != nil || !created || c.Name != "Fresh" || ci2.ID == ci.ID {
			t.Errorf("other inbox: %+v %v %v", c, created, err)
		}
		return nil
	})
}

func TestFindOrCreateCreates(t *testing.T) {
	e := newEnv(t)
	err := e.db.Update(func(tx *storage.Tx) error {
		_, _, _, err := contacts.FindOrCreate(tx, e.acct, e.inbox, contacts.Identity{SourceID: "  ", Name: "X"})
		return err
	})
	if ae, ok := apperr.As(err); !ok || ae.Fields["source_id"] == "" {
		t.Fatalf("no source id: %v", err)
	}
	c, _, created := e.find(contacts.Identity{SourceID: "w1", Phone: "+55 11 98888-7777", Email: "Bia@Example.com", Attributes: map[string]any{"browser": "Firefox"}})
	if !created || c.Name != "+5511988887777" || c.Phone != "+5511988887777" || c.Email != "bia@example.com" || c.AdditionalAttributes["browser"] != "Firefox" {
		t.Fatalf("created %+v", c)
	}
	c2, _, _ := e.find(contacts.Identity{SourceID: "w2", Email: "carla@example.com"})
	if c2.Name != "carla@example.com" {
		t.Errorf("email fallback name %q", c2.Name)
	}
	// A channel's malformed phone is dropped rather than losing the message.
	c3, _, created := e.find(contacts.Identity{SourceID: "w3", Phone: "not a phone"})
	if !created || c3.Phone != "" || !regexp.MustCompile(`^Visitor [0-9a-f]{6}$`).MatchString(c3.Name) {
		t.Errorf("visitor: %+v", c3)
	}
	e.db.View(func(tx *storage.Tx) error {
		evs, _ := tx.Events(0, 10000)
		n := 0
		for _, ev := range evs {
			if ev.Type == contacts.EventContactCreated {
				var data contacts.Contact
				json.Unmarshal(ev.Data, &data)
				if data.ID != ev.ID || data.Name == "" {
					t.Errorf("event data %s", ev.Data)
				}
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d contact_created events, want 3", n)
		}
		return nil
	})
}

func TestCreateAndUpdate(t *testing.T) {
	e := newEnv(t)
	cr, err := e.svc.Create(ctx, e.admin, contacts.NewContact{
		ContactInput: contacts.ContactInput{Name: ptr(" Ana Souza "), Email: ptr("Ana@Example.com"), PhoneNumber: ptr("+55 11 91234-5678"),
			CustomAttributes: map[string]any{"plan": "gold", "vip": true}},
		InboxID: e.inbox,
	})
	if err != nil {
		t.Fatal(err)
	}
	if cr.Contact.Name != "Ana Souza" || cr.Contact.Email != "ana@example.com" || cr.Contact.PhoneNumber != "+5511912345678" || !cr.Contact.BotEnabled {
		t.Fatalf("created %+v", cr.Contact)
	}
	if cr.ContactInbox == nil || cr.ContactInbox.InboxID != e.inbox || len(cr.ContactInbox.SourceID) != 36 {
		t.Fatalf("contact inbox %+v", cr.ContactInbox)
	}
	if cr.Contact.LastActivityAt != nil {
		t.Errorf("a contact made by hand has no activity yet")
	}
	id := cr.Contact.ID

	_, err = e.svc.Create(ctx, e.admin, contacts.NewContact{ContactInput: contacts.ContactInput{Email: ptr("ANA@example.com")}})
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Conflict || ae.Fields["email"] == "" {
		t.Fatalf("duplicate email: %v", err)
	}
	_, err = e.svc.Create(ctx, e.admin, contacts.NewContact{ContactInput: contacts.ContactInput{Name: ptr("X")}, InboxID: 999})
	if ae, ok := apperr.As(err); !ok || ae.Fields["inbox_id"] == "" {
		t.Fatalf("unknown inbox: %v", err)
	}
	_, err = e.svc.Create(ctx, e.admin, contacts.NewContact{})
	if ae, ok := apperr.As(err); !ok || ae.Fields["name"] == "" {
		t.Fatalf("empty contact: %v", err)
	}
	_, err = e.svc.Create(ctx, e.admin, contacts.NewContact{ContactInput: contacts.ContactInput{Name: ptr("Y"), PhoneNumber: ptr("12"), Email: ptr("nope")}})
	if ae, ok := apperr.As(err); !ok || ae.Fields["phone_number"] == "" || ae.Fields["email"] == "" {
		t.Fatalf("bad phone and email: %v", err)
	}

	up, err := e.svc.Update(ctx, e.admin, id, contacts.ContactInput{City: ptr("Recife"), Blocked: ptr(true),
		CustomAttributes: map[string]any{"vip": nil, "since": 2020}})
	if err != nil {
		t.Fatal(err)
	}
	if up.City != "Recife" || !up.Blocked || up.Name != "Ana Souza" || up.CustomAttributes["plan"] != "gold" || up.CustomAttributes["vip"] != nil || up.CustomAttributes["since"] == nil {
		t.Fatalf("updated %+v", up)
	}
	other, _ := e.svc.Create(ctx, e.admin, contacts.NewContact{ContactInput: contacts.ContactInput{Name: ptr("Beto"), PhoneNumber: ptr("+5511955554444")}})
	_, err = e.svc.Update(ctx, e.admin, other.Contact.ID, contacts.ContactInput{PhoneNumber: ptr("55 11 91234 5678")})
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Conflict || ae.Fields["phone_number"] == "" {
		t.Fatalf("phone taken: %v", err)
	}
	_, err = e.svc.Update(ctx, e.admin, other.Contact.ID, contacts.ContactInput{Name: ptr("  ")})
	if ae, ok := apperr.As(err); !ok || ae.Fields["name"] == "" {
		t.Fatalf("blank name: %v", err)
	}
	// Clearing the phone frees it.
	if _, err := e.svc.Update(ctx, e.admin, id, contacts.ContactInput{PhoneNumber: ptr("")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Update(ctx, e.admin, other.Contact.ID, contacts.ContactInput{PhoneNumber: ptr("+5511912345678")}); err != nil {
		t.Fatalf("freed phone: %v", err)
	}

	viewer := access.Actor{UserID: 99, AccountID: e.acct, Role: access.Agent, Permissions: map[string]access.Level{"contacts": access.View}}
	if _, err := e.svc.Update(ctx, viewer, id, contacts.ContactInput{City: ptr("X")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("viewer updating: %v", err)
	}
	if _, err := e.svc.Get(ctx, viewer, id); err != nil {
		t.Fatalf("viewer reading: %v", err)
	}
	none := access.Actor{UserID: 98, AccountID: e.acct, Role: access.Agent, Permissions: map[string]access.Level{}}
	if _, err := e.svc.List(ctx, none, 1, ""); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("no access listing: %v", err)
	}
	stranger := access.Actor{UserID: 1, AccountID: e.acct + 1, Role: access.Administrator}
	if _, err := e.svc.Get(ctx, stranger, id); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another account reading: %v", err)
	}
}

func TestSetBot(t *testing.T) {
	e := newEnv(t)
	c, _, _ := e.find(contacts.Identity{SourceID: "b1", Name: "Bot fan"})
	v, err := e.svc.SetBot(ctx, e.admin, c.ID, false)
	if err != nil || v.BotEnabled {
		t.Fatalf("bot off: %+v %v", v, err)
	}
	e.db.View(func(tx *storage.Tx) error {
		got, _ := contacts.Contacts.Get(tx, e.acct, c.ID)
		if !got.BotOff {
			t.Error("not stored")
		}
		evs, _ := tx.Events(0, 10000)
		if last := evs[len(evs)-1]; last.Type != contacts.EventContactUpdated || last.ID != c.ID {
			t.Errorf("last event %+v", last)
		}
		return nil
	})
	if v, _ := e.svc.SetBot(ctx, e.admin, c.ID, true); !v.BotEnabled {
		t.Error("bot back on")
	}
}

func TestListPagesAndSorts(t *testing.T) {
	e := newEnv(t)
	for i := range 20 {
		e.find(contacts.Identity{SourceID: fmt.Sprintf("l%d", i), Name: fmt.Sprintf("Person %02d", 19-i)})
	}
	// Made by hand: no activity, so last in the default order.
	if _, err := e.svc.Create(ctx, e.admin, contacts.NewContact{ContactInput: contacts.ContactInput{Name: ptr("aaron")}}); err != nil {
		t.Fatal(err)
	}
	p1, err := e.svc.List(ctx, e.admin, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := e.svc.List(ctx, e.admin, 2, "")
	if p1.Meta.Count != 21 || len(p1.Payload) != 15 || len(p2.Payload) != 6 || p2.Meta.CurrentPage != 2 {
		t.Fatalf("pages: %+v / %d", p1.Meta, len(p2.Payload))
	}
	if p1.Payload[0].Name != "Person 00" || p2.Payload[5].Name != "aaron" {
		t.Errorf("activity order: first %q, last %q", p1.Payload[0].Name, p2.Payload[5].Name)
	}
	byName, _ := e.svc.List(ctx, e.admin, 1, "name")
	if byName.Payload[0].Name != "aaron" || byName.Payload[1].Name != "Person 00" {
		t.Errorf("name order: %q, %q", byName.Payload[0].Name, byName.Payload[1].Name)
	}
	desc, _ := e.svc.List(ctx, e.admin, 1, "-name")
	if desc.Payload[0].Name != "Person 19" {
		t.Errorf("-name starts with %q", desc.Payload[0].Name)
	}
	if _, err := e.svc.List(ctx, e.admin, 1, "email"); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("unknown sort: %v", err)
	}
	if empty, _ := e.svc.List(ctx, e.admin, 9, ""); len(empty.Payload) != 0 || empty.Payload == nil {
		t.Errorf("past the end: %+v", empty.Payload)
	}
}

func TestSearch(t *testing.T) {
	e := newEnv(t)
	mk := func(name, email, phone, company string) {
		in := contacts.ContactInput{Name: ptr(name), Email: ptr(email), PhoneNumber: ptr(phone), CompanyName: ptr(company)}
		if _, err := e.svc.Create(ctx, e.admin, contacts.NewContact{ContactInput: in}); err != nil {
			t.Fatal(err)
		}
	}
	mk("Anabela Gonçalves", "bela@example.com", "+351912345678", "Padaria Lisboa")
	mk("João Pereira", "joao@empresa.com.br", "+5511987654321", "Empresa SA")
	mk("Ana Lima", "", "", "")
	e.index()

	names := func(q string) []string {
		t.Helper()
		res, err := e.svc.Search(ctx, e.admin, q, 1)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		var out []string
		for _, c := range res.Payload {
			out = append(out, c.Name)
		}
		if res.Meta.Count != len(out) {
			t.Errorf("%q: count %d for %d hits", q, res.Meta.Count, len(out))
		}
		return out
	}
	for q, want := range map[string]string{
		"ana":              "Anabela Gonçalves,Ana Lima",
		"anab":             "Anabela Gonçalves",
		"joao":             "João Pereira",
		"bela@":            "Anabela Gonçalves",
		"+55 11 98765":     "João Pereira",
		"35191":            "Anabela Gonçalves",
		"padaria":          "Anabela Gonçalves",
		"empresa":          "João Pereira",
		"nobody like this": "",
	} {
		got := strings.Join(names(q), ",")
		if q == "ana" { // relevance may order the two either way
			if !strings.Contains(got, "Anabela Gonçalves") || !strings.Contains(got, "Ana Lima") || strings.Count(got, ",") != 1 {
				t.Errorf("%q → %q", q, got)
			}
			continue
		}
		if got != want {
			t.Errorf("%q → %q, want %q", q, got, want)
		}
	}
	// An empty query lists.
	if res, err := e.svc.Search(ctx, e.admin, "  ", 1); err != nil || res.Meta.Count != 3 {
		t.Errorf("empty query: %+v %v", res, err)
	}
	// Another account finds nothing of this one.
	stranger := access.Actor{UserID: 1, AccountID: e.acct + 1, Role: access.Administrator}
	if res, err := e.svc.Search(ctx, stranger, "ana", 1); err != nil || len(res.Payload) != 0 {
		t.Errorf("cross-account search: %+v %v", res, err)
	}
	// Without an index, search says so.
	if _, err := contacts.New(e.db).Search(ctx, e.admin, "ana", 1); !apperr.Is(err, apperr.Unavailable) {
		t.Errorf("no index: %v", err)
	}
}

// A burst of messages from a known identity rewrites the contact (and its search document) at
// most once a minute, not once per message.
func TestFindOrCreateKeepsActivityToTheMinute(t *testing.T) {
	e := newEnv(t)
	first, _, _ := e.find(contacts.Identity{SourceID: "chatty", Name: "Chatty"})
	var before uint64
	e.db.View(func(tx *storage.Tx) error { before = tx.OutboxHead(); return nil })
	for range 5 {
		again, _, created := e.find(contacts.Identity{SourceID: "chatty", Name: "Chatty"})
		if created || again.ID != first.ID || !again.LastActivityAt.Equal(first.LastActivityAt) {
			t.Fatalf("message from the same identity: created=%v id=%d activity %v → %v", created, again.ID, first.LastActivityAt, again.LastActivityAt)
		}
	}
	var after uint64
	e.db.View(func(tx *storage.Tx) error { after = tx.OutboxHead(); return nil })
	if after != before {
		t.Fatalf("the burst wrote %d change events", after-before)
	}
}
