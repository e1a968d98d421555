package contacts_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/search"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/encoding/charmap"
)

// impEnv is an account on a real store with a running import worker and a search index of
// contacts and companies.
type impEnv struct {
	t      testing.TB
	db     *storage.DB
	svc    *contacts.Service
	blobs  *blob.Store
	ix     *search.Index
	acct   uint64
	admin  access.Actor
	cursor uint64
}

func newImpEnv(t testing.TB) *impEnv {
	t.Helper()
	dir := t.TempDir()
	db := storagetest.Open(t, dir, storage.Options{})
	acc := accounts.New(db, auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost}))
	res, err := acc.Setup(ctx, accounts.SetupInput{AccountName: "Loja", Name: "Olga Owner", Email: "owner@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix, err := search.Open(db, filepath.Join(dir, "index"), append(contacts.SearchTypes(), contacts.CompanySearchTypes()...), search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	e := &impEnv{t: t, db: db, svc: contacts.New(db), blobs: blob.New(db), ix: ix, acct: res.AccountID,
		admin: access.Actor{UserID: res.UserID, AccountID: res.AccountID, Role: access.Administrator}}
	e.svc.SetSearch(ix)
	if err := e.svc.StartImports(ctx, e.blobs, quiet); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.svc.StopImports)
	return e
}

// agent is a plain agent of the env's account.
func (e *impEnv) agent(id uint64) access.Actor {
	return access.Actor{UserID: id, AccountID: e.acct, Role: access.Agent, Permissions: access.AgentDefaults}
}

// index feeds the change feed written so far to the search index.
func (e *impEnv) index() {
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

func (e *impEnv) upload(actor access.Actor, name string, data []byte) *contacts.ContactImportView {
	e.t.Helper()
	v, err := e.svc.Upload(ctx, actor, name, bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// wait polls an import until it is done or failed.
func (e *impEnv) wait(actor access.Actor, id uint64) *contacts.ContactImportView {
	e.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		v, err := e.svc.GetImport(ctx, actor, id)
		if err != nil {
			e.t.Fatal(err)
		}
		if v.Status == contacts.ImportDone || v.Status == contacts.ImportFailed {
			return v
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("import %d did not finish", id)
	return nil
}

// importAll uploads data, starts it with the suggested mapping and waits for the end.
func (e *impEnv) importAll(actor access.Actor, data []byte) *contacts.ContactImportView {
	e.t.Helper()
	v := e.upload(actor, "contatos.csv", data)
	if _, err := e.svc.StartImport(ctx, actor, v.ID, v.Mapping); err != nil {
		e.t.Fatal(err)
	}
	return e.wait(actor, v.ID)
}

func (e *impEnv) byIdentifier(id string) *contacts.Contact {
	e.t.Helper()
	var c *contacts.Contact
	err := e.db.View(func(tx *storage.Tx) (err error) {
		c, err = contacts.Contacts.GetBy(tx, e.acct, "identifier", storage.Str(id))
		return err
	})
	if err != nil {
		e.t.Fatalf("contact %s: %v", id, err)
	}
	return c
}

func (e *impEnv) count() int {
	var n int
	e.db.View(func(tx *storage.Tx) error { n = contacts.Contacts.Len(tx, e.acct); return nil })
	return n
}

func (e *impEnv) errorsCSV(actor access.Actor, id uint64) [][]string {
	e.t.Helper()
	var buf bytes.Buffer
	if err := e.svc.ImportErrorsCSV(ctx, actor, id, &buf); err != nil {
		e.t.Fatal(err)
	}
	return readCSV(e.t, buf.Bytes())
}

func readCSV(t testing.TB, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		t.Fatalf("CSV without BOM: %q", b[:min(len(b), 20)])
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func targets(m []contacts.ImportColumn) map[string]string {
	out := map[string]string{}
	for _, c := range m {
		out[c.Header] = c.Target
	}
	return out
}

func TestImportUploadReadsFile(t *testing.T) {
	e := newImpEnv(t)
	t.Run("utf-8 with BOM, comma, Portuguese headers", func(t *testing.T) {
		v := e.upload(e.admin, "C:\\Users\\ana\\lista.csv", []byte("\xef\xbb\xbfNome,E-mail,Celular,País,Etiquetas,Identificador,Observação\nJoão,joao@x.com,11 98765 4321,Brasil,vip,7,oi\n"))
		if v.Encoding != "utf-8-bom" || v.Delimiter != "," || v.TotalRows != 1 || v.Status != "uploaded" || v.FileName != "lista.csv" {
			t.Fatalf("%+v", v)
		}
		want := map[string]string{"Nome": "name", "E-mail": "email", "Celular": "phone_number", "País": "country", "Etiquetas": "tags", "Identificador": "identifier", "Observação": ""}
		if got := targets(v.Mapping); !maps(got, want) {
			t.Fatalf("mapping %v", got)
		}
		if len(v.Preview) != 1 || v.Preview[0][0] != "João" {
			t.Fatalf("preview %v", v.Preview)
		}
	})
	t.Run("latin-1, semicolons, quoted newline", func(t *testing.T) {
		text := "nome;cidade;email\n\"Conceição\nda Silva\";São Paulo;c@x.com\nJosé;Maceió;j@x.com\n"
		raw, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		v := e.upload(e.admin, "a.csv", raw)
		if v.Encoding != "latin-1" || v.Delimiter != ";" || v.TotalRows != 2 || v.Preview[0][0] != "Conceição\nda Silva" || v.Preview[1][1] != "Maceió" {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("tabs", func(t *testing.T) {
		v := e.upload(e.admin, "a.tsv", []byte("name\temail\nAna\ta@x.com\n"))
		if v.Delimiter != "\t" || v.Encoding != "utf-8" {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("refused files name file", func(t *testing.T) {
		for name, data := range map[string]string{"empty": "", "header only": "name,email\n", "blank header": " , \n"} {
			_, err := e.svc.Upload(ctx, e.admin, "x.csv", strings.NewReader(data))
			if e, ok := apperr.As(err); !ok || e.Fields["file"] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
	t.Run("agent without manage is refused", func(t *testing.T) {
		viewer := e.agent(50)
		viewer.Permissions = map[string]access.Level{contacts.Module: access.View}
		if _, err := e.svc.Upload(ctx, viewer, "x.csv", strings.NewReader("name\nAna\n")); !apperr.Is(err, apperr.Forbidden) {
			t.Fatal(err)
		}
	})
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestImportMappingErrors(t *testing.T) {
	e := newImpEnv(t)
	v := e.upload(e.admin, "a.csv", []byte("name,email,phone,city\nAna,a@x.com,,Rio\n"))
	cases := []struct {
		mapping []contacts.ImportColumn
		field   string
	}{
		{[]contacts.ImportColumn{{Column: 3, Target: "city"}}, "mapping"},
		{[]contacts.ImportColumn{{Column: 0, Target: "name"}, {Column: 1, Target: "nickname"}}, "mapping[1].target"},
		{[]contacts.ImportColumn{{Column: 0, Target: "name"}, {Column: 1, Target: "name"}}, "mapping[1].target"},
		{[]contacts.ImportColumn{{Column: 0, Target: "name"}, {Column: 3, Target: "attr:plano"}}, "mapping[1].target"},
		{[]contacts.ImportColumn{{Column: 0, Target: "name"}, {Column: 4, Target: "city"}}, "mapping[1].column"},
	}
	for i, c := range cases {
		_, err := e.svc.StartImport(ctx, e.admin, v.ID, c.mapping)
		if ae, ok := apperr.As(err); !ok || ae.Fields[c.field] == "" {
			t.Errorf("case %d: want error on %s, got %v", i, c.field, err)
		}
	}
	if got, _ := e.svc.GetImport(ctx, e.admin, v.ID); got.Status != "uploaded" {
		t.Fatalf("a refused mapping changed the import: %+v", got)
	}
	done := e.wait(e.admin, mustStart(t, e, v.ID, v.Mapping).ID)
	if done.Created != 1 {
		t.Fatalf("%+v", done)
	}
	if _, err := e.svc.StartImport(ctx, e.admin, v.ID, v.Mapping); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second start: %v", err)
	}
}

func mustStart(t *testing.T, e *impEnv, id uint64, m []contacts.ImportColumn) *contacts.ContactImportView {
	t.Helper()
	v, err := e.svc.StartImport(ctx, e.admin, id, m)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestImportRowsMatchAndReportErrors(t *testing.T) {
	e := newImpEnv(t)
	// An existing contact the file updates by phone, and one whose email the file tries to steal.
	existing, err := e.svc.Create(ctx, e.admin, contacts.NewContact{ContactInput: contacts.ContactInput{Name: ptr("Bia"), PhoneNumber: ptr("+5511900000001"), Identifier: ptr("B1")}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.svc.Create(ctx, e.admin, contacts.NewContact{ContactInput: contacts.ContactInput{Name: ptr("Caio"), Email: ptr("caio@x.com")}})
	if err != nil {
		t.Fatal(err)
	}
	file := strings.Join([]string{
		"name,email,phone,identifier,tags,city",
		"Ana Araújo,ANA@x.com,,A1,\"vip, lead\",Rio", // 2 created
		"\"Ana\nAraújo\",,,A1,Lead;novo,",            // 3-4 updated by identifier: tags merge, city kept
		",,+55 (11) 90000-0001,,cliente,Santos",      // 5 updated existing by phone
		"Dani,ana@,,,,",                              // 6 bad email
		"Edu,,12ab,,,",                               // 7 bad phone
		"Fabi,fabi@x.com",                            // 8 field count
		",,,,vip,Recife",                             // 9 no identity
		"Bia 2,caio@x.com,+5511900000001,,,",         // 10 email of another contact
		"Gil,gil@x.com,,,,",                          // 11 created
		"Gil,GIL@x.com,,,,Natal",                     // 12 same person again: updated
	}, "\n")
	v := e.importAll(e.admin, []byte(file))
	if v.Status != "done" || v.TotalRows != 10 || v.Processed != 10 || v.Created != 2 || v.Updated != 3 || v.Failed != 5 || v.FinishedAt == nil || v.StartedAt == nil {
		t.Fatalf("%+v", v)
	}
	ana := e.byIdentifier("A1")
	if ana.Name != "Ana\nAraújo" || ana.Email != "ana@x.com" || ana.City != "Rio" || !slices.Equal(ana.Tags, []string{"vip", "lead", "novo"}) {
		t.Fatalf("ana %+v", ana)
	}
	bia := e.byIdentifier("B1")
	if bia.ID != existing.Contact.ID || bia.City != "Santos" || bia.Name != "Bia" || !slices.Equal(bia.Tags, []string{"cliente"}) {
		t.Fatalf("bia %+v", bia)
	}
	if n := e.count(); n != 4 {
		t.Fatalf("%d contacts", n)
	}
	rows := e.errorsCSV(e.admin, v.ID)
	if strings.Join(rows[0], ",") != "line,reason,name,email,phone,identifier,tags,city" {
		t.Fatalf("header %v", rows[0])
	}
	var lines []string
	for _, r := range rows[1:] {
		lines = append(lines, r[0]+" "+r[1])
	}
	want := []string{
		`6 email "ana@" is not a valid email address`,
		`7 phone "12ab" must be a phone number in international format`,
		`8 has 2 fields`,
		`9 has no name`,
		fmt.Sprintf(`10 email "caio@x.com" belongs to another contact (#%d)`, other.Contact.ID),
	}
	if len(lines) != 5 {
		t.Fatalf("error rows %q", lines)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d: %q, want %q", i, lines[i], w)
		}
	}
	if rows[3][2] != "Fabi" || rows[1][3] != "ana@" {
		t.Errorf("raw fields not kept: %q", rows)
	}
	// the notification reaches the importer with the counts and a link.
	var got []notify.Notification
	e.db.View(func(tx *storage.Tx) error {
		return notify.Notifications.Each(tx, e.acct, storage.Query{}, func(n *notify.Notification) bool {
			got = append(got, *n)
			return true
		})
	})
	if len(got) != 1 || got[0].Type != "contact_import_finished" || got[0].UserID != e.admin.UserID ||
		got[0].Link != fmt.Sprintf("/contacts/import/%d", v.ID) || !strings.Contains(got[0].Body, "2") {
		t.Fatalf("notifications %+v", got)
	}
	// the file is released once the import is done.
	e.db.View(func(tx *storage.Tx) error {
		if u := blob.Usage(tx, e.acct); u != 0 {
			t.Errorf("blob usage %d after the import", u)
		}
		return nil
	})
}
