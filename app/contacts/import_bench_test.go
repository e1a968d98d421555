package contacts_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
)

// bigFile builds an import of n rows with a BOM and accents: every 100th row is bad (five
// kinds in turn), every other 20th row repeats an earlier person by email, phone or
// identifier, the rest are new people. It returns the file, the expected counts and the
// physical line numbers of the bad rows.
func bigFile(n int) (data []byte, created, updated int, bad []int) {
	var b bytes.Buffer
	b.WriteString("\xef\xbb\xbfNome,E-mail,Telefone,Identificador,Cidade,Etiquetas\n")
	uniq := 0
	for i := range n {
		line := i + 2
		switch {
		case i%100 == 99:
			bad = append(bad, line)
			switch (i / 100) % 5 {
			case 0:
				fmt.Fprintf(&b, "Ruim %d,ana@,,,,\n", i)
			case 1:
				fmt.Fprintf(&b, "Ruim %d,,12ab,,,\n", i)
			case 2:
				fmt.Fprintf(&b, "Ruim %d,x\n", i)
			case 3:
				b.WriteString(",,,,São Paulo,vip\n")
			case 4: // the identifier of one person with the email of another
				fmt.Fprintf(&b, "Ruim %d,p%d@exemplo.com.br,,ID%d,,\n", i, uniq-2, uniq-1)
			}
		case i%20 == 19:
			updated++
			j := uniq / 2
			switch (i / 20) % 3 {
			case 0:
				fmt.Fprintf(&b, "João Araújo %d,P%d@Exemplo.com.br,,,,recompra\n", j, j)
			case 1:
				fmt.Fprintf(&b, "João Araújo %d,,+55 (11) 9%08d,,,\n", j, j)
			case 2:
				fmt.Fprintf(&b, ",,,ID%d,Curitiba,\n", j)
			}
		default:
			fmt.Fprintf(&b, "João Araújo %d,p%d@exemplo.com.br,+55 11 9%08d,ID%d,São Paulo,\"cliente, ação\"\n", uniq, uniq, uniq, uniq)
			uniq++
			created++
		}
	}
	return b.Bytes(), created, updated, bad
}

func TestImport100k(t *testing.T) {
	e := newImpEnv(t)
	data, created, updated, bad := bigFile(100_000)
	start := time.Now()
	v := e.importAll(e.admin, data)
	t.Logf("100,000 rows (%d KB) uploaded and imported in %s", len(data)/1024, time.Since(start))
	if v.Status != "done" || v.Encoding != "utf-8-bom" || v.TotalRows != 100_000 || v.Processed != 100_000 ||
		v.Created != created || v.Updated != updated || v.Failed != len(bad) {
		t.Fatalf("%+v (want created %d updated %d failed %d)", v, created, updated, len(bad))
	}
	if n := e.count(); n != created {
		t.Fatalf("%d contacts, want %d", n, created)
	}
	var lines []int
	e.db.View(func(tx *storage.Tx) error {
		return contacts.ContactImportErrors.Each(tx, e.acct, storage.Query{Index: "import", Prefix: storage.Uint(v.ID)}, func(x *contacts.ContactImportError) bool {
			lines = append(lines, x.Line)
			return true
		})
	})
	if !slices.Equal(lines, bad) {
		t.Fatalf("bad lines %d..., want %d...", lines[:min(5, len(lines))], bad[:5])
	}
	// row 21 (i=19) repeats person 9 by email, row 61 (i=59) person 28 by identifier.
	if c := e.byIdentifier("ID9"); c.Name != "João Araújo 9" || !slices.Equal(c.Tags, []string{"cliente", "ação", "recompra"}) {
		t.Fatalf("%+v", c)
	}
	if c := e.byIdentifier("ID28"); c.City != "Curitiba" || c.Email != "p28@exemplo.com.br" {
		t.Fatalf("%+v", c)
	}
}

func BenchmarkImport10k(b *testing.B) {
	data, _, _, _ := bigFile(10_000)
	for b.Loop() {
		e := newImpEnv(b)
		v, err := e.svc.Upload(ctx, e.admin, "a.csv", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.StartImport(ctx, e.admin, v.ID, v.Mapping); err != nil {
			b.Fatal(err)
		}
		if v = e.wait(e.admin, v.ID); v.Status != "done" {
			b.Fatal(v)
		}
	}
}
