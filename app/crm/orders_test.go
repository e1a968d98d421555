package crm_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/crm"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

// odEnv is an account (BRL, pt-BR) with an administrator and a plain agent, a second account,
// and the CRM service on a real store. Names carry an "od" prefix: the deals tests share the
// package.
type odEnv struct {
	t     *testing.T
	db    *storage.DB
	svc   *crm.Service
	acct  uint64
	admin access.Actor
	agent access.Actor
	other access.Actor
}

var odCtx = context.Background()

func odPtr[T any](v T) *T { return &v }

func newODEnv(t *testing.T) *odEnv {
	t.Helper()
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	acc := accounts.New(db, auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost}))
	res, err := acc.Setup(odCtx, accounts.SetupInput{AccountName: "Loja", Name: "Olga", Email: "olga@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	e := &odEnv{t: t, db: db, svc: crm.New(crm.Deps{DB: db, Catalog: catalog.New(db)}), acct: res.AccountID}
	e.admin = access.Actor{UserID: res.UserID, AccountID: res.AccountID, Role: access.Administrator}
	e.agent = access.Actor{UserID: 777, AccountID: res.AccountID, Role: access.Agent, Permissions: access.AgentDefaults}
	e.must(db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Other", Currency: "USD", TimeZone: "UTC"}
		if err := accounts.Accounts.Put(tx, a); err != nil {
			return err
		}
		e.other = access.Actor{UserID: 5000, AccountID: a.ID, Role: access.Administrator}
		return nil
	}))
	return e
}

func (e *odEnv) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *odEnv) contact(account uint64, name string, owner uint64) uint64 {
	e.t.Helper()
	c := &contacts.Contact{AccountID: account, Name: name, OwnerID: owner, CreatedAt: time.Now()}
	e.must(e.db.Update(func(tx *storage.Tx) error { return contacts.Contacts.Put(tx, c) }))
	return c.ID
}

func (e *odEnv) deal(title string, contact, owner uint64) uint64 {
	e.t.Helper()
	d := &crm.Deal{AccountID: e.acct, Title: title, ContactID: contact, OwnerID: owner, Status: crm.DealOpen, Currency: "BRL"}
	e.must(e.db.Update(func(tx *storage.Tx) error { return crm.Deals.Put(tx, d) }))
	return d.ID
}

func (e *odEnv) privacy(on bool) {
	e.must(e.db.Update(func(tx *storage.Tx) error {
		a, err := accounts.Accounts.Get(tx, 0, e.acct)
		if err != nil {
			return err
		}
		a.OwnerPrivacy = on
		return accounts.Accounts.Put(tx, a)
	}))
}

// events lists the domain events (not the storage feed) emitted for entity.
func (e *odEnv) events(entity string) []string {
	var out []string
	e.db.View(func(tx *storage.Tx) error {
		evs, _ := tx.Events(0, 100000)
		for _, ev := range evs {
			if ev.Entity == entity && ev.Type != storage.EventChanged && ev.Type != storage.EventDeleted {
				out = append(out, ev.Type)
			}
		}
		return nil
	})
	return out
}

func odField(t *testing.T, err error, field, msg string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Fields[field] == "" || (msg != "" && e.Fields[field] != msg) {
		t.Fatalf("want %q on %q, got %v", msg, field, err)
	}
}

func TestOrdersDefaultsAndValidation(t *testing.T) {
	e := newODEnv(t)
	c := e.contact(e.acct, "Ana", 0)
	before := time.Now().Unix()
	o, created, err := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &c, Title: odPtr("Pedido 1"), ValueCents: odPtr(int64(12990))})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if o.Currency != "BRL" || o.Status != "pending" || o.Source != "manual" || o.PaidAt != nil || o.OrderedAt < before ||
		o.Contact.Name != "Ana" || o.Deal != nil || o.DealID != nil || o.CreatedBy != e.admin.UserID {
		t.Fatalf("defaults: %+v", o)
	}
	// paid without paid_at: paid now; a date is midnight in the account's zone (São Paulo).
	p, _, err := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &c, Title: odPtr("Pago"), Status: odPtr("paid"), OrderedAt: odPtr("2024-03-05")})
	if err != nil {
		t.Fatal(err)
	}
	if p.PaidAt == nil || *p.PaidAt < before {
		t.Fatalf("paid_at defaults to now: %+v", p)
	}
	if want := time.Date(2024, 3, 5, 3, 0, 0, 0, time.UTC).Unix(); p.OrderedAt != want {
		t.Fatalf("ordered_at %d, want %d (midnight in America/Sao_Paulo)", p.OrderedAt, want)
	}
	for field, in := range map[string]crm.OrderInput{
		"contact_id":  {Title: odPtr("x")},
		"title":       {ContactID: &c, Title: odPtr(" ")},
		"value_cents": {ContactID: &c, Title: odPtr("x"), ValueCents: odPtr(int64(-1))},
		"currency":    {ContactID: &c, Title: odPtr("x"), Currency: odPtr("R$")},
		"status":      {ContactID: &c, Title: odPtr("x"), Status: odPtr("done")},
		"source":      {ContactID: &c, Title: odPtr("x"), Source: odPtr("shop")},
		"ordered_at":  {ContactID: &c, Title: odPtr("x"), OrderedAt: odPtr("05/03/2024")},
		"paid_at":     {ContactID: &c, Title: odPtr("x"), PaidAt: odPtr("yesterday")},
		"notes":       {ContactID: &c, Title: odPtr("x"), Notes: odPtr(string(make([]byte, 2001)) + "x")},
	} {
		_, _, err := e.svc.CreateOrder(odCtx, e.admin, in)
		odField(t, err, field, "")
	}
	// Another account's contact looks missing.
	oc := e.contact(e.other.AccountID, "Outsider", 0)
	_, _, err = e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &oc, Title: odPtr("x")})
	odField(t, err, "contact_id", "")
	if _, err := e.svc.GetOrder(odCtx, e.other, o.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("other account reads the order: %v", err)
	}
	// USD order in a BRL account is fine; the list is newest ordered_at first.
	_, _, err = e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &c, Title: odPtr("Old"), Currency: odPtr("usd"), OrderedAt: odPtr("2020-01-01T10:00:00Z")})
	e.must(err)
	l, err := e.svc.ListOrders(odCtx, e.admin, crm.OrderFilter{ContactID: c})
	e.must(err)
	if l.Meta.Count != 3 || l.Payload[0].Title != "Pedido 1" || l.Payload[2].Title != "Old" || l.Payload[2].Currency != "USD" {
		t.Fatalf("list: %+v", l)
	}
	l, _ = e.svc.ListOrders(odCtx, e.admin, crm.OrderFilter{Status: "paid"})
	if l.Meta.Count != 1 || l.Payload[0].ID != p.ID {
		t.Fatalf("status filter: %+v", l)
	}
	if got := e.events("orders"); len(got) != 3 || got[0] != crm.EventOrderCreated {
		t.Fatalf("events %v", got)
	}
}

func TestOrdersExternalIDUpserts(t *testing.T) {
	e := newODEnv(t)
	c := e.contact(e.acct, "Ana", 0)
	in := crm.OrderInput{ContactID: &c, Title: odPtr("Loja #1001"), ValueCents: odPtr(int64(5000)), Source: odPtr("commerce"), ExternalID: odPtr("1001")}
	first, created, err := e.svc.CreateOrder(odCtx, e.admin, in)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	in.Status, in.ValueCents = odPtr("paid"), odPtr(int64(5500))
	again, created, err := e.svc.CreateOrder(odCtx, e.admin, in)
	if err != nil || created || again.ID != first.ID || again.ValueCents != 5500 || again.Status != "paid" || again.PaidAt == nil {
		t.Fatalf("resend updates: created=%v %+v %v", created, again, err)
	}
	// Same external id from another source is another order.
	in.Source = odPtr("payments")
	if _, created, err := e.svc.CreateOrder(odCtx, e.admin, in); err != nil || !created {
		t.Fatalf("other source: %v %v", created, err)
	}
	// Concurrent resends of a new order leave exactly one.
	var wg sync.WaitGroup
	ids := make([]uint64, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, _, err := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &c, Title: odPtr("API"), Source: odPtr("api"), ExternalID: odPtr("X-9")})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = o.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent posts made several orders: %v", ids)
		}
	}
	l, _ := e.svc.ListOrders(odCtx, e.admin, crm.OrderFilter{Source: "api"})
	if l.Meta.Count != 1 {
		t.Fatalf("%d api orders", l.Meta.Count)
	}
	// PATCH onto a taken (source, external id) is a conflict naming external_id.
	_, err = e.svc.UpdateOrder(odCtx, e.admin, ids[0], crm.OrderInput{Source: odPtr("commerce"), ExternalID: odPtr("1001")})
	if !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("clash: %v", err)
	}
	odField(t, err, "external_id", "")
}

func TestOrdersDealMustMatchContact(t *testing.T) {
	e := newODEnv(t)
	ana, bia := e.contact(e.acct, "Ana", 0), e.contact(e.acct, "Bia", 0)
	dAna, dNone := e.deal("Ana's deal", ana, 0), e.deal("Open deal", 0, 0)
	_, _, err := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &bia, DealID: &dAna, Title: odPtr("x")})
	odField(t, err, "deal_id", "belongs to another contact")
	_, _, err = e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &bia, DealID: odPtr(uint64(9999)), Title: odPtr("x")})
	odField(t, err, "deal_id", "")
	o, _, err := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &ana, DealID: &dAna, Title: odPtr("x")})
	if err != nil || o.Deal == nil || o.Deal.Title != "Ana's deal" || *o.DealID != dAna {
		t.Fatalf("%+v %v", o, err)
	}
	if _, _, err := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &bia, DealID: &dNone, Title: odPtr("y")}); err != nil {
		t.Fatalf("a deal without contact takes any: %v", err)
	}
	// Moving the order to Bia while it points at Ana's deal is refused; unlinking the deal works.
	_, err = e.svc.UpdateOrder(odCtx, e.admin, o.ID, crm.OrderInput{ContactID: &bia})
	odField(t, err, "deal_id", "belongs to another contact")
	up, err := e.svc.UpdateOrder(odCtx, e.admin, o.ID, crm.OrderInput{ContactID: &bia, DealID: odPtr(uint64(0))})
	if err != nil || up.Deal != nil || up.ContactID != bia {
		t.Fatalf("%+v %v", up, err)
	}
	l, _ := e.svc.ListOrders(odCtx, e.admin, crm.OrderFilter{DealID: dNone})
	if l.Meta.Count != 1 || l.Payload[0].Title != "y" {
		t.Fatalf("deal filter: %+v", l)
	}
}

func TestOrdersPrivacy(t *testing.T) {
	e := newODEnv(t)
	mine := e.contact(e.acct, "Mine", e.agent.UserID)
	theirs := e.contact(e.acct, "Theirs", 4242)
	dealMine := e.deal("My deal on their contact", 0, e.agent.UserID)
	o1, _, _ := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &mine, Title: odPtr("mine")})
	o2, _, _ := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &theirs, Title: odPtr("theirs")})
	o3, _, err := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &theirs, DealID: &dealMine, Title: odPtr("via deal")})
	e.must(err)
	l, _ := e.svc.ListOrders(odCtx, e.agent, crm.OrderFilter{})
	if l.Meta.Count != 3 {
		t.Fatalf("privacy off: agent sees %d", l.Meta.Count)
	}
	e.privacy(true)
	l, _ = e.svc.ListOrders(odCtx, e.agent, crm.OrderFilter{})
	seen := map[uint64]bool{}
	for _, o := range l.Payload {
		seen[o.ID] = true
	}
	if l.Meta.Count != 2 || !seen[o1.ID] || !seen[o3.ID] || seen[o2.ID] {
		t.Fatalf("privacy on: %+v", l.Payload)
	}
	if _, err := e.svc.GetOrder(odCtx, e.agent, o2.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("hidden order readable: %v", err)
	}
	if err := e.svc.DeleteOrder(odCtx, e.agent, o2.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("hidden order deletable: %v", err)
	}
	_, _, err = e.svc.CreateOrder(odCtx, e.agent, crm.OrderInput{ContactID: &theirs, Title: odPtr("x")})
	odField(t, err, "contact_id", "")
	if _, err := e.svc.GetOrder(odCtx, e.agent, o3.ID); err != nil {
		t.Fatalf("visible through the deal: %v", err)
	}
	if _, err := e.svc.GetOrder(odCtx, e.admin, o2.ID); err != nil {
		t.Fatalf("admins see all: %v", err)
	}
	none := access.Actor{UserID: 8, AccountID: e.acct, Role: access.Agent, Permissions: map[string]access.Level{"orders": access.View}}
	if _, _, err := e.svc.CreateOrder(odCtx, none, crm.OrderInput{ContactID: &mine, Title: odPtr("x")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("orders View cannot write: %v", err)
	}
}

func TestOrdersMergeAndDelete(t *testing.T) {
	e := newODEnv(t)
	a, b := e.contact(e.acct, "A", 0), e.contact(e.acct, "B", 0)
	for _, c := range []uint64{a, a, b} {
		_, _, err := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: odPtr(c), Title: odPtr("o")})
		e.must(err)
	}
	e.must(e.db.Update(func(tx *storage.Tx) error { return e.svc.MergeContacts(tx, e.acct, a, b, e.admin) }))
	l, _ := e.svc.ListOrders(odCtx, e.admin, crm.OrderFilter{ContactID: b})
	if l.Meta.Count != 3 {
		t.Fatalf("merge kept %d orders on the base", l.Meta.Count)
	}
	if l, _ := e.svc.ListOrders(odCtx, e.admin, crm.OrderFilter{ContactID: a}); l.Meta.Count != 0 {
		t.Fatalf("mergee still has %d", l.Meta.Count)
	}
	e.must(e.db.Update(func(tx *storage.Tx) error { return e.svc.DeleteContact(tx, e.acct, b, e.admin) }))
	if l, _ := e.svc.ListOrders(odCtx, e.admin, crm.OrderFilter{}); l.Meta.Count != 0 {
		t.Fatalf("deleted contact's orders remain: %d", l.Meta.Count)
	}
	ev := e.events("orders")
	if n := len(ev); n != 3+2+3 || ev[n-1] != crm.EventOrderDeleted {
		t.Fatalf("events %v", ev)
	}
}
