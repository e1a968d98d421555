package contacts_test

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
)

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		"acme.com": "acme.com", "https://www.Acme.com.br/contato?x=1": "acme.com.br", "ACME.COM.": "acme.com",
		"http://acme.com:8080": "acme.com", "www.loja-do-ze.com.br": "loja-do-ze.com.br", "vendas@acme.com": "acme.com", " ": "",
	} {
		if got, ok := contacts.NormalizeDomain(in); !ok || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"acme", "acme..com", "-acme.com", "acme.c0m", "açaí.com", "acme com.br"} {
		if got, ok := contacts.NormalizeDomain(bad); ok {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}

func (e *impEnv) company(name, domain string) *contacts.CompanyView {
	e.t.Helper()
	c, err := e.svc.CreateCompany(ctx, e.admin, contacts.CompanyInput{Name: ptr(name), Domain: ptr(domain)})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *impEnv) contact(name string) uint64 {
	e.t.Helper()
	c, err := e.svc.Create(ctx, e.admin, contacts.NewContact{ContactInput: contacts.ContactInput{Name: ptr(name)}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Contact.ID
}

func (e *impEnv) get(id uint64) *contacts.Contact {
	e.t.Helper()
	var c *contacts.Contact
	if err := e.db.View(func(tx *storage.Tx) (err error) { c, err = contacts.Contacts.Get(tx, e.acct, id); return err }); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func TestCompanyDedupByDomain(t *testing.T) {
	e := newImpEnv(t)
	acme := e.company("Acme", "https://www.acme.com.br/")
	if acme.Domain != "acme.com.br" {
		t.Fatalf("%+v", acme)
	}
	for _, d := range []string{"acme.com.br", "ACME.com.br", "http://www.acme.com.br/sobre", "acme.com.br:443"} {
		_, err := e.svc.CreateCompany(ctx, e.admin, contacts.CompanyInput{Name: ptr("Acme 2"), Domain: ptr(d)})
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.Conflict || ae.Fields["domain"] == "" || !strings.Contains(ae.Fields["domain"], "Acme (#") {
			t.Errorf("%s: %v", d, err)
		}
	}
	_, err := e.svc.CreateCompany(ctx, e.admin, contacts.CompanyInput{Name: ptr(" "), Domain: ptr("nope")})
	if ae, ok := apperr.As(err); !ok || ae.Fields["domain"] != "is not a domain name such as acme.com" || ae.Fields["name"] == "" {
		t.Fatalf("%v", err)
	}
	other := e.company("Outra", "")
	if _, err := e.svc.UpdateCompany(ctx, e.admin, other.ID, contacts.CompanyInput{Domain: ptr("www.acme.com.br")}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("update onto a taken domain: %v", err)
	}
	// Two companies without a domain are fine.
	e.company("Terceira", "")
}

func TestCompanyLinkRenameDelete(t *testing.T) {
	e := newImpEnv(t)
	acme := e.company("Acme", "acme.com")
	ana, bia := e.contact("Ana"), e.contact("Bia")
	v, err := e.svc.LinkContacts(ctx, e.admin, acme.ID, []uint64{ana, bia})
	if err != nil || v.ContactsCount != 2 {
		t.Fatalf("%+v %v", v, err)
	}
	if c := e.get(ana); c.CompanyID != acme.ID || c.Company != "Acme" {
		t.Fatalf("%+v", c)
	}
	if _, err := e.svc.LinkContacts(ctx, e.admin, acme.ID, []uint64{ana, 9999}); err == nil {
		t.Fatal("linked a missing contact")
	}
	if _, err := e.svc.UpdateCompany(ctx, e.admin, acme.ID, contacts.CompanyInput{Name: ptr("Acme Ltda")}); err != nil {
		t.Fatal(err)
	}
	if c := e.get(bia); c.Company != "Acme Ltda" {
		t.Fatalf("rename did not reach the contact: %+v", c)
	}
	list, err := e.svc.CompanyContacts(ctx, e.admin, acme.ID, 1)
	if err != nil || list.Meta.Count != 2 {
		t.Fatalf("%+v %v", list, err)
	}
	if err := e.svc.UnlinkContact(ctx, e.admin, acme.ID, bia); err != nil {
		t.Fatal(err)
	}
	if c := e.get(bia); c.CompanyID != 0 || c.Company != "" {
		t.Fatalf("%+v", c)
	}
	if err := e.svc.UnlinkContact(ctx, e.admin, acme.ID, bia); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("second unlink: %v", err)
	}
	if err := e.svc.DeleteCompany(ctx, e.admin, acme.ID); err != nil {
		t.Fatal(err)
	}
	if c := e.get(ana); c.CompanyID != 0 || c.Company != "Acme Ltda" {
		t.Fatalf("delete must unlink and keep the name: %+v", c)
	}
	if _, err := e.svc.GetCompany(ctx, e.admin, acme.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatal(err)
	}
	// every write emitted its events
	seen := map[string]int{}
	e.db.View(func(tx *storage.Tx) error {
		evs, err := tx.Events(0, 10000)
		for _, ev := range evs {
			seen[ev.Type]++
		}
		return err
	})
	if seen[contacts.EventCompanyCreated] != 1 || seen[contacts.EventCompanyUpdated] != 1 || seen[contacts.EventCompanyDeleted] != 1 || seen[contacts.EventContactUpdated] != 6 {
		t.Fatalf("events %v", seen)
	}
}

func TestCompanyMerge(t *testing.T) {
	e := newImpEnv(t)
	base := e.company("Acme", "")
	m, err := e.svc.CreateCompany(ctx, e.admin, contacts.CompanyInput{Name: ptr("ACME SA"), Domain: ptr("acme.com"), Description: ptr("fábrica"), CustomAttributes: map[string]any{"setor": "indústria"}})
	if err != nil {
		t.Fatal(err)
	}
	ana, bia := e.contact("Ana"), e.contact("Bia")
	e.svc.LinkContacts(ctx, e.admin, base.ID, []uint64{ana})
	e.svc.LinkContacts(ctx, e.admin, m.ID, []uint64{bia})
	if _, err := e.svc.MergeCompanies(ctx, e.admin, base.ID, base.ID); err == nil {
		t.Fatal("merged a company into itself")
	}
	v, err := e.svc.MergeCompanies(ctx, e.admin, base.ID, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Domain != "acme.com" || v.Description != "fábrica" || v.CustomAttributes["setor"] != "indústria" || v.ContactsCount != 2 || v.Name != "Acme" {
		t.Fatalf("%+v", v)
	}
	if c := e.get(bia); c.CompanyID != base.ID || c.Company != "Acme" {
		t.Fatalf("%+v", c)
	}
	if _, err := e.svc.GetCompany(ctx, e.admin, m.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatal(err)
	}
}

func TestCompanyListSearchAndAccess(t *testing.T) {
	e := newImpEnv(t)
	e.company("Zeta Transportes", "zeta.com.br")
	e.company("Alfa Padaria", "alfa.com")
	e.index()
	l, err := e.svc.ListCompanies(ctx, e.admin, 1, "name", "")
	if err != nil || l.Meta.Count != 2 || l.Payload[0].Name != "Alfa Padaria" {
		t.Fatalf("%+v %v", l, err)
	}
	l, _ = e.svc.ListCompanies(ctx, e.admin, 1, "-created_at", "")
	if l.Payload[0].Name != "Alfa Padaria" {
		t.Fatalf("%+v", l)
	}
	for q, want := range map[string]string{"padaria": "Alfa Padaria", "zeta.com": "Zeta Transportes", "transp": "Zeta Transportes"} {
		r, err := e.svc.ListCompanies(ctx, e.admin, 1, "", q)
		if err != nil || len(r.Payload) != 1 || r.Payload[0].Name != want {
			t.Errorf("%s: %+v %v", q, r, err)
		}
	}
	viewer := e.agent(5)
	viewer.Permissions = map[string]access.Level{contacts.CompaniesModule: access.View, contacts.Module: access.View}
	if _, err := e.svc.ListCompanies(ctx, viewer, 1, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateCompany(ctx, viewer, contacts.CompanyInput{Name: ptr("X")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("create without manage: %v", err)
	}
	// Another account sees none of it.
	var other uint64
	e.db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Outra"}
		err := accounts.Accounts.Put(tx, a)
		other = a.ID
		return err
	})
	stranger := access.Actor{UserID: 1, AccountID: other, Role: access.Administrator}
	if l, _ := e.svc.ListCompanies(ctx, stranger, 1, "", ""); l.Meta.Count != 0 {
		t.Fatalf("%+v", l)
	}
	if r, _ := e.svc.ListCompanies(ctx, stranger, 1, "", "padaria"); len(r.Payload) != 0 {
		t.Fatalf("%+v", r)
	}
	if _, err := e.svc.GetCompany(ctx, stranger, 1); !apperr.Is(err, apperr.NotFound) {
		t.Fatal(err)
	}
}

// Under owner privacy a company's contact count is of the contacts the agent may see, the same
// ones its contact list shows: a count that includes hidden contacts would reveal them.
func TestCompanyCountRespectsPrivacy(t *testing.T) {
	e := newImpEnv(t)
	co := e.company("Acme", "acme.com")
	mine, theirs, nobody := e.contact("Minha"), e.contact("Deles"), e.contact("Ninguém")
	const me, other = 901, 902
	err := e.db.Update(func(tx *storage.Tx) error {
		for id, owner := range map[uint64]uint64{mine: me, theirs: other, nobody: 0} {
			c, err := contacts.Contacts.Get(tx, e.acct, id)
			if err != nil {
				return err
			}
			c.OwnerID = owner
			if err := contacts.Contacts.Put(tx, c); err != nil {
				return err
			}
		}
		a, err := accounts.Accounts.Get(tx, 0, e.acct)
		if err != nil {
			return err
		}
		a.OwnerPrivacy = true
		return accounts.Accounts.Put(tx, a)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.LinkContacts(ctx, e.admin, co.ID, []uint64{mine, theirs, nobody}); err != nil {
		t.Fatal(err)
	}
	count := func(actor access.Actor) int {
		t.Helper()
		v, err := e.svc.GetCompany(ctx, actor, co.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v.ContactsCount
	}
	if n := count(e.admin); n != 3 {
		t.Fatalf("admin sees %d contacts, want 3", n)
	}
	if n := count(e.agent(me)); n != 2 {
		t.Fatalf("agent sees %d contacts, want 2 (own and unowned)", n)
	}
}
