package contacts_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
)

// Cells that a spreadsheet would run as formulas come out of every CSV with a leading quote;
// phones and negative numbers stay readable; an export still imports back unchanged.
func TestCSVFormulaInjection(t *testing.T) {
	e := newImpEnv(t)
	people := []contacts.Contact{
		{Name: `=HYPERLINK("http://evil","x")`, Email: "a@x.com", Phone: "+5511987654321", City: "@SUM(1)", Company: "-2+3", Tags: []string{"+vip"}},
		{Name: "'=already quoted", Email: "b@x.com", City: "\tTab", Company: "-12.5"},
		{Name: "Plain", Email: "c@x.com", City: "São Paulo"},
	}
	e.db.Update(func(tx *storage.Tx) error {
		for i := range people {
			people[i].AccountID = e.acct
			if err := contacts.Contacts.Put(tx, &people[i]); err != nil {
				return err
			}
		}
		return nil
	})
	var buf bytes.Buffer
	if err := e.svc.Export(ctx, e.admin, &buf, contacts.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	a, b := rows[1], rows[2]
	for _, c := range []struct{ got, want string }{
		{a[col["name"]], `'=HYPERLINK("http://evil","x")`},
		{a[col["phone_number"]], "+5511987654321"},
		{a[col["city"]], "'@SUM(1)"},
		{a[col["company_name"]], "'-2+3"},
		{a[col["tags"]], "'+vip"},
		{b[col["name"]], "''=already quoted"},
		{b[col["city"]], "'\tTab"},
		{b[col["company_name"]], "-12.5"},
		{rows[3][col["city"]], "São Paulo"},
	} {
		if c.got != c.want {
			t.Errorf("cell %q, want %q", c.got, c.want)
		}
	}
	back := e.importAll(e.admin, buf.Bytes())
	if back.Updated != 3 || back.Failed != 0 {
		t.Fatalf("re-import %+v", back)
	}
	e.db.View(func(tx *storage.Tx) error {
		for _, p := range people {
			c, err := contacts.Contacts.Get(tx, e.acct, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != p.Name || c.City != strings.TrimSpace(p.City) || c.Company != p.Company || c.Phone != p.Phone || strings.Join(c.Tags, ",") != strings.Join(p.Tags, ",") {
				t.Errorf("after the round trip %+v, was %+v", c, p)
			}
		}
		return nil
	})

	// The error report repeats what the user uploaded: escaped too, header included.
	v := e.importAll(e.admin, []byte("name,email,=cmd\n=1+2,bad@,@x\n"))
	errs := e.errorsCSV(e.admin, v.ID)
	if got := strings.Join(errs[0], "|"); got != "line|reason|name|email|'=cmd" {
		t.Errorf("error header %q", got)
	}
	if got := strings.Join(errs[1][2:], "|"); got != "'=1+2|bad@|'@x" {
		t.Errorf("error row %q", got)
	}
}
