package contacts_test

import (
	"bytes"
	"fmt"
	"testing"
)

// benchContacts is the size of the contact book searched by BenchmarkSearch.
const benchContacts = 20_000

var (
	benchFirst = []string{"Maria", "José", "Ana", "João", "Antônio", "Francisca", "Carlos", "Paulo", "Pedro", "Lucas",
		"Luiz", "Marcos", "Luís", "Gabriel", "Rafael", "Márcia", "Mariana", "Juliana", "Fernanda", "Patrícia", "Aline",
		"Sandra", "Camila", "Amanda", "Bruna", "Jéssica", "Letícia", "Júlia", "Marta", "Mário", "Joana", "Sarah", "Emma"}
	benchLast = []string{"Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
		"Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa",
		"Araújo", "Marques", "Smith"}
	benchDDD = []int{11, 11, 11, 21, 31, 41, 51, 61, 71, 81, 85}
)

// benchBook is a CSV of n people with Brazilian names, e-mails and mobile numbers (most in São
// Paulo, DDD 11), as the import takes it.
func benchBook(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Nome,E-mail,Telefone,Empresa\n")
	for i := range n {
		first, last := benchFirst[i%len(benchFirst)], benchLast[(i/len(benchFirst))%len(benchLast)]
		ddd := benchDDD[i%len(benchDDD)]
		v := (i * 7919) % 100_000_000 // distinct for every i below 10^8
		fmt.Fprintf(&b, "%s %s %d,p%d@exemplo.com.br,+55 %d 9%04d-%04d,Loja %d\n", first, last, i, i, ddd, v/10000, v%10000, i%500)
	}
	return b.Bytes()
}

// BenchmarkSearch measures the contacts search box over a 20,000-contact book, as the UI sends
// what is typed: name prefixes and phone numbers with and without separators.
func BenchmarkSearch(b *testing.B) {
	e := newImpEnv(b)
	if v := e.importAll(e.admin, benchBook(benchContacts)); v.Created != benchContacts {
		b.Fatalf("%+v", v)
	}
	e.index()
	for _, c := range []struct{ name, q string }{
		{"name-Mar", "Mar"},
		{"name-Joa", "Joã"},
		{"name-full", "Mariana Silva"},
		{"phone-+55-11-9", "+55 11 9"},
		{"phone-1198", "1198"},
		{"phone-full", "+55 31 90003-1676"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.svc.Search(ctx, e.admin, c.q, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
