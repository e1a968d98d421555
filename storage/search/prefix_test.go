package search_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/storage/search"
)

// A Prefixes field finds what the word being typed begins exactly as a plain text field does
// (through the indexed leading parts instead of expanding the prefix), from the first character,
// while whole words still match whole words only, and the field's other words keep working.
func TestPrefixesField(t *testing.T) {
	fields := []search.Field{
		{Name: "title", Kind: search.Text, Store: true},
		{Name: "body", Kind: search.Text, Prefixes: true},
	}
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, fields)
	all := []*note{
		{Account: 1, Title: "ana", Body: "5511987654321 São Paulo"},
		{Account: 1, Title: "bia", Body: "5521912345678 Rio"},
		{Account: 1, Title: "caio", Body: "551198"},
		{Account: 2, Title: "dora", Body: "5511987654321"},
		{Account: 1, Title: "eva", Body: strings.Repeat("7", 30)},
		{Account: 1, Title: "ca"},
	}
	put(t, db, all...)
	drain(t, db, ix)
	for _, c := range []struct {
		text string
		want string
	}{
		{"55", "ana bia caio"},
		{"5511", "ana caio"},
		{"551198", "ana caio"},
		{"5511987654321", "ana"},
		{"551198 ", "caio"}, // a finished word is a whole word
		{"551198 sao", ""},  // and must be there whole
		{"551198 Sao", ""},  //
		{"5511987654321 sao", "ana"},
		{"rio 5521", "bia"},
		{"559", ""},
		{"cai", "caio"},                  // other fields: unchanged
		{"ca", "ca"},                     // ... where two letters are a whole word
		{"5", "ana bia caio"},            // but not in a Prefixes field
		{strings.Repeat("7", 25), "eva"}, // longer than the indexed parts
	} {
		res, err := ix.Search(context.Background(), search.Query{Account: 1, Text: c.text})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			for _, n := range all {
				if n.ID == h.ID {
					got = append(got, n.Title)
				}
			}
		}
		slices.Sort(got)
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q found %q, want %q", c.text, got, c.want)
		}
	}
}

// Highlight gives the same fragments as a highlighted Search, for just the ids asked, and
// nothing for an id that does not match.
func TestHighlightIDs(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	a := &note{Account: 1, Title: "Não recebi o pedido", Body: "<b>urgent</b> pedido from José"}
	b := &note{Account: 1, Title: "outro pedido", Body: "nada"}
	c := &note{Account: 1, Title: "sem nada", Body: "nada"}
	put(t, db, a, b, c)
	drain(t, db, ix)
	q := search.Query{Account: 1, Text: "nao pedido", Highlight: true}
	res, err := ix.Search(context.Background(), q)
	if err != nil || len(res.Hits) != 1 {
		t.Fatal(res, err)
	}
	got, err := ix.Highlight(context.Background(), q, "note", []uint64{a.ID, b.ID, c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !slices.Equal(got[a.ID]["title"], res.Hits[0].Fragments["title"]) ||
		!slices.Equal(got[a.ID]["body"], res.Hits[0].Fragments["body"]) || got[a.ID]["title"] == nil {
		t.Fatalf("Highlight = %v, Search gave %v", got, res.Hits[0].Fragments)
	}
	if _, err := ix.Highlight(context.Background(), q, "nope", []uint64{a.ID}); err == nil {
		t.Fatal("unknown type accepted")
	}
}
