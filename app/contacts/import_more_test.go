package contacts_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
)

func TestImportResumesAfterStop(t *testing.T) {
	e := newImpEnv(t)
	rows := contacts.ImportBatch + contacts.ImportBatch/2
	data, created, updated, bad := bigFile(rows)
	fired := make(chan struct{})
	contacts.SetImportBatchHook(func(processed int) bool {
		if processed == contacts.ImportBatch {
			close(fired)
			return true
		}
		return false
	})
	t.Cleanup(func() { contacts.SetImportBatchHook(nil) })
	v := e.upload(e.admin, "a.csv", data)
	mustStart(t, e, v.ID, v.Mapping)
	select {
	case <-fired:
	case <-time.After(time.Minute):
		t.Fatal("the first batch never committed")
	}
	e.svc.StopImports()
	mid, err := e.svc.GetImport(ctx, e.admin, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if mid.Status != "running" || mid.Processed != contacts.ImportBatch || mid.Created+mid.Updated+mid.Failed != contacts.ImportBatch {
		t.Fatalf("after the stop: %+v", mid)
	}
	if n := e.count(); n != mid.Created {
		t.Fatalf("%d contacts after the first batch, import counted %d", n, mid.Created)
	}
	if err := e.svc.StartImports(ctx, e.blobs, nil); err != nil {
		t.Fatal(err)
	}
	done := e.wait(e.admin, v.ID)
	if done.Status != "done" || done.Processed != rows || done.Created != created || done.Updated != updated || done.Failed != len(bad) {
		t.Fatalf("after resuming: %+v, want %d/%d/%d", done, created, updated, len(bad))
	}
	if n := e.count(); n != created {
		t.Fatalf("%d contacts, want %d", n, created)
	}
	if rows := e.errorsCSV(e.admin, v.ID); len(rows) != len(bad)+1 {
		t.Fatalf("%d error rows, want %d", len(rows)-1, len(bad))
	}
}

func TestImportTenantIsolation(t *testing.T) {
	e := newImpEnv(t)
	v := e.importAll(e.admin, []byte("name,email\nAna,ana@x.com\n"))
	var other uint64
	e.db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Outra"}
		err := accounts.Accounts.Put(tx, a)
		other = a.ID
		return err
	})
	stranger := access.Actor{UserID: e.admin.UserID, AccountID: other, Role: access.Administrator}
	if _, err := e.svc.GetImport(ctx, stranger, v.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("get: %v", err)
	}
	if _, err := e.svc.StartImport(ctx, stranger, v.ID, nil); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("start: %v", err)
	}
	if err := e.svc.ImportErrorsCSV(ctx, stranger, v.ID, &bytes.Buffer{}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("errors: %v", err)
	}
	if l, _ := e.svc.ListImports(ctx, stranger); len(l.Payload) != 0 {
		t.Fatalf("list: %+v", l)
	}
	// The same email in the other account is another person.
	w := e.importAll(stranger, []byte("name,email\nAna B,ana@x.com\n"))
	if w.Created != 1 || w.Updated != 0 {
		t.Fatalf("%+v", w)
	}
	if l, _ := e.svc.ListImports(ctx, e.admin); len(l.Payload) != 1 || l.Payload[0].ID != v.ID {
		t.Fatalf("list: %+v", l)
	}
}

func TestImportOwnerAndExportPrivacy(t *testing.T) {
	e := newImpEnv(t)
	agent := e.agent(77)
	v := e.importAll(agent, []byte("name,email,tags\nAna,ana@x.com,vip\n"))
	if v.Created != 1 {
		t.Fatalf("%+v", v)
	}
	e.importAll(e.admin, []byte("name,email,tags\nBeto,beto@x.com,vip\nCaio,caio@x.com,\n"))
	var ana *contacts.Contact
	e.db.View(func(tx *storage.Tx) (err error) {
		ana, err = contacts.Contacts.GetBy(tx, e.acct, "email", storage.Str("ana@x.com"))
		return err
	})
	if ana.OwnerID != 77 {
		t.Fatalf("an agent's import must own its contacts: %+v", ana)
	}
	// Beto belongs to another agent: with owner privacy on, agent 77 exports Ana and the unowned Caio.
	e.db.Update(func(tx *storage.Tx) error {
		b, err := contacts.Contacts.GetBy(tx, e.acct, "email", storage.Str("beto@x.com"))
		if err != nil {
			return err
		}
		b.OwnerID = 99
		if err := contacts.Contacts.Put(tx, b); err != nil {
			return err
		}
		a, err := accounts.Accounts.Get(tx, 0, e.acct)
		if err != nil {
			return err
		}
		a.OwnerPrivacy = true
		return accounts.Accounts.Put(tx, a)
	})
	export := func(actor access.Actor, tag string) string {
		var buf bytes.Buffer
		if err := e.svc.Export(ctx, actor, &buf, contacts.ExportOptions{Tag: tag}); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range readCSV(t, buf.Bytes())[1:] {
			names = append(names, r[1])
		}
		return strings.Join(names, ",")
	}
	if got := export(agent, ""); got != "Ana,Caio" {
		t.Fatalf("agent export: %s", got)
	}
	if got := export(e.admin, ""); got != "Ana,Beto,Caio" {
		t.Fatalf("admin export: %s", got)
	}
	if got := export(e.admin, "VIP"); got != "Ana,Beto" {
		t.Fatalf("tag export: %s", got)
	}
	var buf bytes.Buffer
	e.svc.Export(ctx, e.admin, &buf, contacts.ExportOptions{})
	head := readCSV(t, buf.Bytes())[0]
	if strings.Join(head, ",") != "id,name,email,phone_number,identifier,city,country,company_name,tags,created_at" {
		t.Fatalf("header %v", head)
	}
	// An export reads back as an import: every row matches by id-less identity and updates.
	back := e.importAll(e.admin, buf.Bytes())
	if back.Updated != 3 || back.Created != 0 || back.Failed != 0 {
		t.Fatalf("re-import %+v", back)
	}
}

func TestImportTemplate(t *testing.T) {
	e := newImpEnv(t)
	e.db.Update(func(tx *storage.Tx) error {
		return contacts.AttributeDefinitions.Put(tx, &contacts.AttributeDefinition{AccountID: e.acct, DisplayName: "Plano", Key: "plano", Model: contacts.ModelContact, DisplayType: contacts.TypeText})
	})
	var buf bytes.Buffer
	if err := e.svc.ImportTemplate(ctx, e.admin, &buf); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	if strings.Join(rows[0], ",") != "name,email,phone_number,identifier,city,country,company_name,tags,plano" || len(rows) != 3 || rows[1][0] != "João Araújo" || rows[1][4] != "São Paulo" {
		t.Fatalf("%q", rows)
	}
	// The template imports as it is, attribute column mapped by key.
	v := e.upload(e.admin, "modelo.csv", buf.Bytes())
	if tg := targets(v.Mapping); tg["plano"] != "attr:plano" || tg["company_name"] != "company_name" {
		t.Fatalf("%v", tg)
	}
	v = e.wait(e.admin, mustStart(t, e, v.ID, v.Mapping).ID)
	if v.Created != 2 || v.Failed != 0 {
		t.Fatal(fmt.Sprintf("%+v", v))
	}
}

// Under owner privacy an agent's import must not write into contacts the agent cannot see: a
// row matching one is reported, and the hidden contact stays as it was.
func TestImportRespectsOwnerPrivacy(t *testing.T) {
	e := newImpEnv(t)
	e.importAll(e.admin, []byte("name,email,city\nBeto,beto@x.com,Natal\n"))
	e.db.Update(func(tx *storage.Tx) error {
		b, err := contacts.Contacts.GetBy(tx, e.acct, "email", storage.Str("beto@x.com"))
		if err != nil {
			return err
		}
		b.OwnerID = 99
		if err := contacts.Contacts.Put(tx, b); err != nil {
			return err
		}
		a, err := accounts.Accounts.Get(tx, 0, e.acct)
		if err != nil {
			return err
		}
		a.OwnerPrivacy = true
		return accounts.Accounts.Put(tx, a)
	})
	v := e.importAll(e.agent(77), []byte("name,email,city\nHacked,beto@x.com,Recife\nAna,ana@x.com,Recife\n"))
	if v.Created != 1 || v.Updated != 0 || v.Failed != 1 {
		t.Fatalf("%+v", v)
	}
	e.db.View(func(tx *storage.Tx) error {
		b, _ := contacts.Contacts.GetBy(tx, e.acct, "email", storage.Str("beto@x.com"))
		if b.Name != "Beto" || b.City != "Natal" {
			t.Fatalf("a hidden contact was changed by an agent's import: %+v", b)
		}
		return nil
	})
	if rows := e.errorsCSV(e.agent(77), v.ID); len(rows) != 2 || strings.Contains(rows[1][1], "#") {
		t.Fatalf("%q", rows)
	}
}

// The tags column obeys the same limits as the tag editor; a row breaking them is a bad row,
// not the end of the import (a huge tag would not even fit a key of the tag index).
func TestImportTagLimits(t *testing.T) {
	e := newImpEnv(t)
	many := make([]string, contacts.MaxTagsPerContact+1)
	for i := range many {
		many[i] = fmt.Sprintf("t%d", i)
	}
	data := fmt.Sprintf("name,tags\nAna,%s\nBia,\"%s\"\nCaio,vip\n", strings.Repeat("x", 40000), strings.Join(many, ","))
	v := e.importAll(e.admin, []byte(data))
	if v.Status != "done" || v.Created != 1 || v.Failed != 2 {
		t.Fatalf("%+v", v)
	}
	rows := e.errorsCSV(e.admin, v.ID)
	if len(rows) != 3 || !strings.Contains(rows[1][1], "50 characters") || !strings.Contains(rows[2][1], "50 tags") {
		t.Fatalf("%q", [][]string{rows[1][:2], rows[2][:2]})
	}
}
