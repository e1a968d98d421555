package search_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
)

// A Phrases field is an index-only speed-up: every phrase finds exactly what the same phrase finds
// in a plain text field, word order and all, including the phrases whose word pairs are each
// in a text without the phrase being there.
// TestWordRuns: a Phrases field indexes each pair of adjacent words, and the three words around
// each joining word ("de", "of"...), folded like the words themselves.
func TestWordRuns(t *testing.T) {
	got := strings.Join(search.WordRuns("Prazo DE entrega, da nota e proof of São Paulo"), "|")
	want := "prazo de|prazo de entrega|de entrega|entrega da|entrega da nota|da nota|nota e|nota e proof|e proof|proof of|proof of sao|of sao|sao paulo"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := search.WordRuns("de"); len(got) != 0 {
		t.Fatalf("one word: %q", got)
	}
	if got := strings.Join(search.WordRuns("a de"), "|"); got != "a de" {
		t.Fatalf("a joining word at the end: %q", got)
	}
}

func TestPhrasesFieldFindsWhatAPhraseFinds(t *testing.T) {
	db := openStore(t, t.TempDir())
	runs := openIndex(t, db, []search.Field{
		{Name: "title", Kind: search.Text, Store: true},
		{Name: "body", Kind: search.Text, Store: true, Phrases: true},
	})
	plain, err := search.Open(db, filepath.Join(db.Dir(), "plain"), []search.DocType{noteType([]search.Field{
		{Name: "title", Kind: search.Text, Store: true},
		{Name: "body", Kind: search.Text, Store: true},
	})}, search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	all := []*note{
		{Account: 1, Title: "a", Body: "Bom dia, recebi o pedido"},
		{Account: 1, Title: "b", Body: "o dia foi bom"},
		{Account: 1, Title: "c", Body: "Qual o prazo de entrega?"},
		{Account: 1, Title: "d", Body: "prazo de pagamento e depois de entrega"}, // both pairs, not the phrase
		{Account: 1, Title: "e", Body: "BOM DIA! Prazo de entrega da nota fiscal"},
		{Account: 2, Title: "f", Body: "bom dia"},
		{Account: 1, Title: "g", Body: "a segunda via do boleto, por favor"},
		{Account: 1, Title: "h", Body: "segunda via do cliente e via do boleto"}, // every pair, not the phrase
		{Account: 1, Title: "i", Body: "Here is the proof of payment"},
		{Account: 1, Title: "j", Body: "proof of the order, payment of proof"}, // no phrase, no triple
	}
	put(t, db, all...)
	drain(t, db, runs)
	drain(t, db, plain)
	titles := func(ix *search.Index, text string) string {
		res, err := ix.Search(context.Background(), search.Query{Account: 1, Text: text})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, all[h.ID-1].Title)
		}
		slices.Sort(got)
		return strings.Join(got, " ")
	}
	for _, c := range []struct{ text, want string }{
		{`"bom dia"`, "a e"},
		{`"BÓM DIA"`, "a e"},
		{`"dia bom"`, ""},
		{`"dia recebi"`, "a"}, // punctuation between words does not break a phrase
		{`"prazo de entrega"`, "c e"},
		{`"de entrega da nota fiscal"`, "e"},
		{`"prazo de entrega" nota`, "e"},
		{`"prazo de entrega" pedido`, ""},
		{`"bom"`, "a b e"}, // one word in quotes is a word
		{`"pedido recebi"`, ""},
		{`"bom dia`, "a e"}, // an unclosed quote runs to the end
		{`"segunda via do boleto"`, "g"},
		{`"a segunda via do boleto por favor"`, "g"},
		{`"segunda via do"`, "g h"},
		{`"via do boleto"`, "g h"},
		{`"via do boleto por"`, "g"},
		// Three words around a joining word are one term; longer phrases use them too.
		{`"proof of payment"`, "i"},
		{`"Proof Of Payment"`, "i"},
		{`"payment of proof"`, "j"},
		{`"proof of the"`, "j"},
		{`"pagamento e depois"`, "d"},
		{`"prazo e entrega"`, ""},
		{`"prazo de entrega da nota"`, "e"},
		{`"depois de entrega"`, "d"},
	} {
		got := titles(runs, c.text)
		if got != c.want {
			t.Errorf("%q found %q, want %q", c.text, got, c.want)
		}
		if p := titles(plain, c.text); p != got {
			t.Errorf("%q: the word pairs found %q, a plain field %q", c.text, got, p)
		}
	}

	// Highlights mark the phrase's words in the text itself.
	res, err := runs.Search(context.Background(), search.Query{Account: 1, Text: `"prazo de entrega"`, Highlight: true})
	if err != nil || len(res.Hits) != 2 {
		t.Fatal(res, err)
	}
	for _, h := range res.Hits {
		body := strings.Join(h.Fragments["body"], " ")
		if !strings.Contains(body, "<mark>Prazo</mark> <mark>de</mark> <mark>entrega</mark>") &&
			!strings.Contains(body, "<mark>prazo</mark> <mark>de</mark> <mark>entrega</mark>") {
			t.Errorf("fragments of %d = %q", h.ID, h.Fragments)
		}
	}
}

// Types that share a field name are told apart without a type clause: a search within one type
// finds that type only, by text, by filter, and by both.
func TestTypesSharingAFieldName(t *testing.T) {
	db := openStore(t, t.TempDir())
	memo := noteType([]search.Field{
		{Name: "title", Kind: search.Text, Store: true, Prefixes: true},
		{Name: "tag", Kind: search.Keyword},
	})
	memo.Name = "memo"
	ix, err := search.Open(db, filepath.Join(db.Dir(), "index"), []search.DocType{noteType(noteFields()), memo}, search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	put(t, db, &note{Account: 1, Title: "pedido atrasado", Body: "pedido", Tag: "x"})
	drain(t, db, ix)
	types := func(q search.Query) string {
		q.Account = 1
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Type)
		}
		slices.Sort(got)
		return strings.Join(got, " ")
	}
	for _, c := range []struct {
		q    search.Query
		want string
	}{
		{search.Query{Text: "pedido"}, "memo note"},
		{search.Query{Text: "pedido", Types: []string{"memo"}}, "memo"},
		{search.Query{Text: "pedido", Types: []string{"note"}}, "note"},
		{search.Query{Text: "atras", Types: []string{"memo"}}, "memo"}, // through memo's prefixes
		{search.Query{Text: "atras", Types: []string{"note"}}, "note"}, // by expanding the prefix
		{search.Query{Filters: map[string]string{"tag": "x"}, Types: []string{"memo"}}, "memo"},
		{search.Query{Filters: map[string]string{"tag": "x"}}, "memo note"},
		{search.Query{Text: "pedido", Filters: map[string]string{"tag": "x"}, Types: []string{"note"}}, "note"},
		{search.Query{Text: "pedido", Types: []string{"memo", "note"}}, "memo note"},
	} {
		if got := types(c.q); got != c.want {
			t.Errorf("%+v found %q, want %q", c.q, got, c.want)
		}
	}
}

// Ranking by relevance returns what Bleve's collector returns when told to sort by score and
// then by id: the same total and the same page, on every page, with many documents tied.
func TestRankOrdersLikeBleve(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	words := []string{"pedido", "entrega", "prazo", "nota", "boleto"}
	var all []*note
	for i := range 300 {
		// Few distinct texts: most scores tie.
		body := words[i%len(words)] + " " + words[(i/7)%len(words)]
		if i%3 == 0 {
			body += " pedido"
		}
		all = append(all, &note{Account: 1, Title: "n", Body: body})
	}
	put(t, db, all...)
	drain(t, db, ix)
	ctx := context.Background()
	for _, text := range []string{"pedido", "pedido entrega", "prazo nota", "ped", `"nota pedido"`} {
		for _, page := range []struct{ from, size int }{{0, 20}, {20, 20}, {40, 7}, {0, 100}, {290, 20}, {500, 10}} {
			q := search.Query{Account: 1, Text: text, From: page.from, Size: page.size}
			res, err := ix.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			want, total, err := ix.BleveOrder(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.Type+":"+strconv.FormatUint(h.ID, 10))
			}
			if !slices.Equal(got, want) || res.Total != total {
				t.Fatalf("%q %+v: rank gave %d %v, Bleve %d %v", text, page, res.Total, got, total, want)
			}
		}
	}
}

// A rebuild runs behind Open: searches answer that the index is being rebuilt until it is done,
// its consumer's cursor waits, and Close cancels a rebuild in progress, which the next Open
// starts over.
func TestRebuildRunsInTheBackground(t *testing.T) {
	dir := t.TempDir()
	db := openStore(t, dir)
	n := &note{Account: 1, Title: "pedido atrasado"}
	put(t, db, n)
	ctx := context.Background()
	opts := search.Options{Logger: quiet, ReadyWait: 20 * time.Millisecond, BatchSize: 1}

	// A rebuild held at its start.
	release := make(chan struct{})
	held := noteType(noteFields())
	each := held.Each
	held.Each = func(tx *storage.Tx, fn func(account, id uint64, doc map[string]any) error) error {
		<-release
		return each(tx, fn)
	}
	ix, err := search.Open(db, filepath.Join(dir, "index"), []search.DocType{held}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !ix.Rebuilding() {
		t.Fatal("Open waited for the rebuild")
	}
	if _, err := ix.Search(ctx, search.Query{Account: 1, Text: "pedido"}); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("search during the rebuild: %v", err)
	}
	if _, err := ix.Cursor(); err == nil {
		t.Fatal("a cursor during the rebuild")
	}
	close(release)
	if err := ix.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := find(t, ix, search.Query{Account: 1, Text: "pedido"}); !slices.Equal(got, ids(n.ID)) {
		t.Fatalf("after the rebuild: %v", got)
	}
	if cur, err := ix.Cursor(); err != nil || cur == 0 {
		t.Fatalf("cursor after the rebuild: %d, %v", cur, err)
	}
	ix.Close()

	// A rebuild that would never end, under a new mapping, is cancelled by Close.
	endless := noteType(append(noteFields(), search.Field{Name: "extra", Kind: search.Keyword}))
	endless.Each = func(tx *storage.Tx, fn func(account, id uint64, doc map[string]any) error) error {
		for {
			if err := fn(n.Account, n.ID, map[string]any{"title": n.Title}); err != nil {
				return err
			}
			time.Sleep(time.Millisecond)
		}
	}
	ix, err = search.Open(db, filepath.Join(dir, "index"), []search.DocType{endless}, opts)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- ix.Close() }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not stop the rebuild")
	}
	if err := ix.Wait(ctx); err == nil {
		t.Fatal("a cancelled rebuild reported success")
	}

	// The next Open starts over and finishes.
	ix = openIndex(t, db, append(noteFields(), search.Field{Name: "extra", Kind: search.Keyword}))
	if got := find(t, ix, search.Query{Account: 1, Text: "pedido"}); !slices.Equal(got, ids(n.ID)) {
		t.Fatalf("after the next rebuild: %v", got)
	}
}
