package search_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
	"github.com/parleyhq/parley/storage/storagetest"
)

// note is the test document type: a record in a Feed collection, indexed by the "note" type.
type note struct {
	ID      uint64    `json:"id"`
	Account uint64    `json:"account_id"`
	Title   string    `json:"title"`
	Body    string    `json:"body"`
	Tag     string    `json:"tag"`
	Rank    int       `json:"rank"`
	Created time.Time `json:"created_at"`
	// Private notes exist in the store but are not searchable.
	Private bool `json:"private"`
}

var notes = storage.NewCollection(storage.Def[note]{
	Name:    "notes",
	ID:      func(n *note) *uint64 { return &n.ID },
	Account: func(n *note) uint64 { return n.Account },
	Feed:    true,
})

func noteDoc(n *note) map[string]any {
	return map[string]any{"title": n.Title, "body": n.Body, "tag": n.Tag, "rank": n.Rank, "created_at": n.Created}
}

func noteFields() []search.Field {
	return []search.Field{
		{Name: "title", Kind: search.Text, Store: true},
		{Name: "body", Kind: search.Text, Store: true},
		{Name: "tag", Kind: search.Keyword},
		{Name: "rank", Kind: search.Number},
		{Name: "created_at", Kind: search.Date},
	}
}

func noteType(fields []search.Field) search.DocType {
	return search.DocType{
		Name:   "note",
		Entity: notes.Name(),
		Load: func(tx *storage.Tx, account, id uint64) (map[string]any, bool, error) {
			n, err := notes.Get(tx, account, id)
			if apperr.Is(err, apperr.NotFound) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			return noteDoc(n), !n.Private, nil
		},
		Each: func(tx *storage.Tx, fn func(account, id uint64, doc map[string]any) error) error {
			return notes.EachAccount(tx, func(account uint64, n *note) error {
				if n.Private {
					return nil
				}
				return fn(account, n.ID, noteDoc(n))
			})
		},
		Fields: fields,
	}
}

var quiet = slog.New(slog.DiscardHandler)

func openStore(t testing.TB, dir string) *storage.DB {
	t.Helper()
	db := storagetest.Open(t, dir, storage.Options{})
	return db
}

func openIndex(t testing.TB, db *storage.DB, fields []search.Field) *search.Index {
	t.Helper()
	ix, err := search.Open(db, filepath.Join(db.Dir(), "index"), []search.DocType{noteType(fields)}, search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ix
}

func put(t testing.TB, db *storage.DB, ns ...*note) {
	t.Helper()
	if err := db.Update(func(tx *storage.Tx) error {
		for _, n := range ns {
			if err := notes.Put(tx, n); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func del(t testing.TB, db *storage.DB, account, id uint64) {
	t.Helper()
	if err := db.Update(func(tx *storage.Tx) error { return notes.Delete(tx, account, id) }); err != nil {
		t.Fatal(err)
	}
}

// drain runs the indexer until it has applied every event in the outbox, the way the events
// dispatcher does: from the index's own cursor, in batches.
func drain(t testing.TB, db *storage.DB, ix *search.Index) {
	t.Helper()
	if err := drainErr(db, ix); err != nil {
		t.Fatal(err)
	}
}

func drainErr(db *storage.DB, ix *search.Index) error {
	if err := ix.Wait(context.Background()); err != nil {
		return err
	}
	for {
		cur, err := ix.Cursor()
		if err != nil {
			return err
		}
		var batch []storage.Event
		if err := db.View(func(tx *storage.Tx) error {
			batch, err = tx.Events(cur, 256)
			return err
		}); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		if err := ix.Apply(context.Background(), batch); err != nil {
			return err
		}
	}
}

func find(t testing.TB, ix *search.Index, q search.Query) []uint64 {
	t.Helper()
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	var ids []uint64
	for _, h := range res.Hits {
		if h.Type != "note" {
			t.Fatalf("hit of type %q", h.Type)
		}
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids
}

func ids(v ...uint64) []uint64 { return v }

func TestIndexOnChangeAndDeleteWhenGone(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())

	a := &note{Account: 1, Title: "Invoice overdue", Body: "customer asked about the invoice"}
	b := &note{Account: 1, Title: "Delivery", Body: "parcel left the warehouse"}
	c := &note{Account: 1, Title: "Secret", Body: "invoice draft", Private: true}
	put(t, db, a, b, c)
	if got := find(t, ix, search.Query{Account: 1, Text: "invoice"}); len(got) != 0 {
		t.Fatalf("found %v before the indexer ran", got)
	}
	drain(t, db, ix)
	if got := find(t, ix, search.Query{Account: 1, Text: "invoice"}); !slices.Equal(got, ids(a.ID)) {
		t.Fatalf("invoice: got %v, want [%d] (the private note is not searchable)", got, a.ID)
	}

	// An edit replaces the document.
	a.Title, a.Body = "Payment received", "all settled"
	put(t, db, a)
	drain(t, db, ix)
	if got := find(t, ix, search.Query{Account: 1, Text: "invoice"}); len(got) != 0 {
		t.Fatalf("old words still match: %v", got)
	}
	if got := find(t, ix, search.Query{Account: 1, Text: "settled"}); !slices.Equal(got, ids(a.ID)) {
		t.Fatalf("settled: got %v", got)
	}

	// A deleted record leaves the index; so does one that stops being searchable.
	del(t, db, 1, b.ID)
	a.Private = true
	put(t, db, a)
	drain(t, db, ix)
	if got := find(t, ix, search.Query{Account: 1, Text: "parcel"}); len(got) != 0 {
		t.Fatalf("deleted record still found: %v", got)
	}
	if got := find(t, ix, search.Query{Account: 1, Text: "settled"}); len(got) != 0 {
		t.Fatalf("private record still found: %v", got)
	}
	if n, err := ix.DocCount(); err != nil || n != 0 {
		t.Fatalf("DocCount = %d, %v; want 0", n, err)
	}
	var head uint64
	db.View(func(tx *storage.Tx) error { head = tx.OutboxHead(); return nil })
	if cur, err := ix.Cursor(); err != nil || cur != head {
		t.Fatalf("Cursor = %d, %v; want the outbox head %d", cur, err, head)
	}
}

func TestAccountIsolation(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	one := &note{Account: 1, Title: "shared word", Tag: "x"}
	two := &note{Account: 2, Title: "shared word", Tag: "x"}
	put(t, db, one, two)
	drain(t, db, ix)

	if got := find(t, ix, search.Query{Account: 1, Text: "shared"}); !slices.Equal(got, ids(one.ID)) {
		t.Fatalf("account 1 sees %v, want [%d]", got, one.ID)
	}
	if got := find(t, ix, search.Query{Account: 2, Filters: map[string]string{"tag": "x"}}); !slices.Equal(got, ids(two.ID)) {
		t.Fatalf("account 2 sees %v, want [%d]", got, two.ID)
	}
	if got := find(t, ix, search.Query{Account: 3, Text: "shared"}); len(got) != 0 {
		t.Fatalf("account 3 sees %v", got)
	}
	// The account field cannot be reached through filters.
	_, err := ix.Search(context.Background(), search.Query{Account: 1, Filters: map[string]string{"_account": "2"}})
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("filter on _account: got %v, want an invalid-field error", err)
	}
}

func TestAccentFoldingPrefixAndPhrase(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	nao := &note{Account: 1, Title: "Não recebi o pedido", Body: "Cliente José reclamou"}
	ana := &note{Account: 1, Title: "Ligar para Anabela", Body: "pedido recebi ontem"}
	put(t, db, nao, ana)
	drain(t, db, ix)

	cases := []struct {
		text string
		want []uint64
	}{
		{"nao", ids(nao.ID)},
		{"NÃO", ids(nao.ID)},
		{"jose reclamou", ids(nao.ID)},
		{"JOSÉ", ids(nao.ID)},
		{"ana", ids(ana.ID)},       // the last word is a prefix while typing
		{"ana ", nil},              // a finished word is not
		{"ligar ana", ids(ana.ID)}, // earlier words are whole words
		{"lig anabela", nil},       // ... so "lig" does not match "ligar"
		{"pedido recebi", ids(nao.ID, ana.ID)},
		{`"recebi o pedido"`, ids(nao.ID)}, // a phrase keeps its order
		{`"pedido recebi"`, ids(ana.ID)},
		{`"recebi o pedido" jose`, ids(nao.ID)},
		{"pedido inexistente", nil},
	}
	for _, c := range cases {
		if got := find(t, ix, search.Query{Account: 1, Text: c.text}); !slices.Equal(got, c.want) {
			t.Errorf("%q: got %v, want %v", c.text, got, c.want)
		}
	}
}

func TestHighlights(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	n := &note{Account: 1, Title: "Não recebi o pedido", Body: "<b>urgent</b> pedido from José"}
	put(t, db, n)
	drain(t, db, ix)

	res, err := ix.Search(context.Background(), search.Query{Account: 1, Text: "nao pedido", Highlight: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 {
		t.Fatalf("hits = %+v", res.Hits)
	}
	f := res.Hits[0].Fragments
	if title := strings.Join(f["title"], " "); !strings.Contains(title, "<mark>Não</mark>") || !strings.Contains(title, "<mark>pedido</mark>") {
		t.Errorf("title fragments = %q", f["title"])
	}
	body := strings.Join(f["body"], " ")
	if !strings.Contains(body, "<mark>pedido</mark>") {
		t.Errorf("body fragments = %q", f["body"])
	}
	if strings.Contains(body, "<b>") || !strings.Contains(body, "&lt;b&gt;") {
		t.Errorf("body fragment is not HTML-escaped: %q", body)
	}

	res, err = ix.Search(context.Background(), search.Query{Account: 1, Text: "pedido"})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Fragments != nil {
		t.Fatalf("without Highlight: %+v, %v", res, err)
	}
}

func TestPagingSortAndFilters(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var all []*note
	for i := range 45 {
		tag := "even"
		if i%2 == 1 {
			tag = "odd"
		}
		// Ranks are a permutation of 0..44 so that rank order differs from id order.
		all = append(all, &note{Account: 7, Title: fmt.Sprintf("ticket number %d", i), Tag: tag,
			Rank: (i * 17) % 45, Created: base.Add(time.Duration(44-i) * time.Hour)})
	}
	put(t, db, all...)
	drain(t, db, ix)

	var got []uint64
	for from := 0; from < 60; from += 20 {
		res, err := ix.Search(context.Background(), search.Query{Account: 7, Text: "ticket", Sort: "-rank", From: from, Size: 20})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 45 {
			t.Fatalf("Total = %d, want 45", res.Total)
		}
		for _, h := range res.Hits {
			got = append(got, h.ID)
		}
	}
	want := make([]*note, len(all))
	copy(want, all)
	slices.SortFunc(want, func(a, b *note) int { return b.Rank - a.Rank })
	for i, n := range want {
		if i >= len(got) || got[i] != n.ID {
			t.Fatalf("page order by -rank: got %v, want id %d at %d", got, n.ID, i)
		}
	}

	res, err := ix.Search(context.Background(), search.Query{Account: 7, Filters: map[string]string{"tag": "odd"}, Sort: "created_at", Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 22 || len(res.Hits) != 22 {
		t.Fatalf("odd: total %d, %d hits; want 22", res.Total, len(res.Hits))
	}
	for i := 1; i < len(res.Hits); i++ {
		// Created decreases with the index, so ascending created_at means descending ids.
		if res.Hits[i].ID > res.Hits[i-1].ID {
			t.Fatalf("created_at order broken at %d: %v", i, res.Hits)
		}
	}
	if got := find(t, ix, search.Query{Account: 7, Text: "ticket 13", Filters: map[string]string{"tag": "odd"}}); !slices.Equal(got, ids(all[13].ID)) {
		t.Fatalf("text + filter: got %v", got)
	}
	if got := find(t, ix, search.Query{Account: 7, Text: "ticket 13", Filters: map[string]string{"tag": "even"}}); len(got) != 0 {
		t.Fatalf("text + wrong filter: got %v", got)
	}
	res, err = ix.Search(context.Background(), search.Query{Account: 7, Text: "ticket"})
	if err != nil || len(res.Hits) != search.DefaultSize {
		t.Fatalf("default size: %d hits, %v", len(res.Hits), err)
	}
}

func TestBadInput(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	cases := []struct {
		q     search.Query
		field string
	}{
		{search.Query{Text: "x"}, "account"},
		{search.Query{Account: 1}, "text"},
		{search.Query{Account: 1, Text: "   "}, "text"},
		{search.Query{Account: 1, Text: "!!! ..."}, "text"},
		{search.Query{Account: 1, Text: "x", Size: 101}, "size"},
		{search.Query{Account: 1, Text: "x", Size: -1}, "size"},
		{search.Query{Account: 1, Text: "x", From: -5}, "from"},
		{search.Query{Account: 1, Text: "x", Types: []string{"contact"}}, "types"},
		{search.Query{Account: 1, Filters: map[string]string{"title": "x"}}, "filters.title"},
		{search.Query{Account: 1, Text: "x", Sort: "-body"}, "sort"},
		{search.Query{Account: 1, Text: "x", Sort: "tag"}, "sort"}, // a keyword that is not Sortable
	}
	for _, c := range cases {
		_, err := ix.Search(context.Background(), c.q)
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid || e.Fields[c.field] == "" {
			t.Errorf("%+v: got %v, want an invalid %q", c.q, err, c.field)
		}
	}
	if _, err := ix.Search(context.Background(), search.Query{Account: 1, Text: "x", Size: 100, Types: []string{"note"}}); err != nil {
		t.Errorf("a valid query failed: %v", err)
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	a := &note{Account: 1, Title: "alpha"}
	b := &note{Account: 1, Title: "beta"}
	put(t, db, a, b)
	del(t, db, 1, b.ID)
	var events []storage.Event
	db.View(func(tx *storage.Tx) error {
		var err error
		events, err = tx.Events(0, 0)
		return err
	})
	for range 3 {
		if err := ix.Apply(context.Background(), events); err != nil {
			t.Fatal(err)
		}
	}
	// Replaying only the first event (b still existing at that time) must neither bring b back
	// nor move the cursor back.
	if err := ix.Apply(context.Background(), events[:1]); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.DocCount(); n != 1 {
		t.Fatalf("DocCount = %d, want 1", n)
	}
	if got := find(t, ix, search.Query{Account: 1, Text: "beta"}); len(got) != 0 {
		t.Fatalf("deleted record came back: %v", got)
	}
	if cur, _ := ix.Cursor(); cur != events[len(events)-1].Seq {
		t.Fatalf("Cursor = %d, want %d", cur, events[len(events)-1].Seq)
	}
	// Events of other entities and without an id only move the cursor.
	if err := db.Update(func(tx *storage.Tx) error {
		return tx.Emit(storage.Event{Account: 1, Type: "something_else", Entity: "contacts", ID: a.ID})
	}); err != nil {
		t.Fatal(err)
	}
	drain(t, db, ix)
	if got := find(t, ix, search.Query{Account: 1, Text: "alpha"}); !slices.Equal(got, ids(a.ID)) {
		t.Fatalf("alpha: got %v", got)
	}
}

// populated returns a store with an index that holds three notes of account 1, then closes the
// index so a test can tamper with it.
func populated(t *testing.T) (*storage.DB, []*note) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	ns := []*note{{Account: 1, Title: "first", Tag: "a"}, {Account: 1, Title: "second", Tag: "a"}, {Account: 1, Title: "third", Tag: "b"}}
	put(t, db, ns...)
	drain(t, db, ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	return db, ns
}

func wantAll(t *testing.T, ix *search.Index, ns []*note) {
	t.Helper()
	var want []uint64
	for _, n := range ns {
		want = append(want, n.ID)
	}
	if got := find(t, ix, search.Query{Account: 1, Text: "first second third"}); len(got) != 0 {
		t.Fatalf("AND semantics broken: %v", got)
	}
	var got []uint64
	for _, w := range []string{"first", "second", "third"} {
		got = append(got, find(t, ix, search.Query{Account: 1, Text: w})...)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("after reopen: got %v, want %v", got, want)
	}
	if n, err := ix.DocCount(); err != nil || n != uint64(len(ns)) {
		t.Fatalf("DocCount = %d, %v", n, err)
	}
}

func TestRebuildWhenDirMissing(t *testing.T) {
	db, ns := populated(t)
	if err := os.RemoveAll(filepath.Join(db.Dir(), "index")); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t, db, noteFields())
	wantAll(t, ix, ns)
}

func TestRebuildWhenCorrupt(t *testing.T) {
	for _, which := range []string{"root.bolt", ".zap", "index_meta.json", "every file"} {
		t.Run(which, func(t *testing.T) {
			db, ns := populated(t)
			n := 0
			filepath.Walk(filepath.Join(db.Dir(), "index"), func(path string, info os.FileInfo, err error) error {
				if err != nil || info.IsDir() || (which != "every file" && !strings.HasSuffix(path, which)) {
					return err
				}
				n++
				garbage := []byte(strings.Repeat("not an index file ", 1+int(info.Size())/18))
				return os.WriteFile(path, garbage[:max(info.Size(), 64)], 0o600)
			})
			if n == 0 {
				t.Fatalf("no %s file in the index", which)
			}
			ix := openIndex(t, db, noteFields())
			wantAll(t, ix, ns)
		})
	}
}

// An index opened again with the same types is trusted as it is: its fingerprint, which
// includes Bleve's description of the mapping, comes out the same each time.
func TestReopenKeepsTheIndex(t *testing.T) {
	db, ns := populated(t)
	for range 3 {
		var log strings.Builder
		ix, err := search.Open(db, filepath.Join(db.Dir(), "index"), []search.DocType{noteType(noteFields())},
			search.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if ix.Rebuilding() || strings.Contains(log.String(), "rebuilding") {
			t.Fatalf("reopen rebuilt the index: %s", log.String())
		}
		wantAll(t, ix, ns)
		ix.Close()
	}
}

func TestRebuildWhenMappingChanges(t *testing.T) {
	db := openStore(t, t.TempDir())
	// Version one of the type has no tag field.
	ix := openIndex(t, db, noteFields()[:2])
	n := &note{Account: 1, Title: "tagged", Tag: "vip"}
	put(t, db, n)
	drain(t, db, ix)
	if _, err := ix.Search(context.Background(), search.Query{Account: 1, Filters: map[string]string{"tag": "vip"}}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("filter on an undeclared field: %v", err)
	}
	ix.Close()

	// Version two declares it: the index must be rebuilt for old documents to have it.
	ix = openIndex(t, db, noteFields())
	if got := find(t, ix, search.Query{Account: 1, Filters: map[string]string{"tag": "vip"}}); !slices.Equal(got, ids(n.ID)) {
		t.Fatalf("after a mapping change: got %v, want [%d]", got, n.ID)
	}
}

func TestRebuildWhenOutboxWasPruned(t *testing.T) {
	db, ns := populated(t)
	// Changes made while the index was closed, then pruned before it could see them.
	extra := &note{Account: 1, Title: "second edition"}
	put(t, db, extra)
	del(t, db, 1, ns[0].ID)
	if err := db.Update(func(tx *storage.Tx) error {
		_, err := tx.PruneOutbox(tx.OutboxHead(), 1<<20)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t, db, noteFields())
	if got := find(t, ix, search.Query{Account: 1, Text: "second"}); !slices.Equal(got, ids(ns[1].ID, extra.ID)) {
		t.Fatalf("second: got %v", got)
	}
	if got := find(t, ix, search.Query{Account: 1, Text: "first"}); len(got) != 0 {
		t.Fatalf("deleted while closed, still found: %v", got)
	}
}

func TestRebuildKeepsServingAndCatchesUp(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	put(t, db, &note{Account: 1, Title: "before"})
	drain(t, db, ix)
	if err := ix.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	late := &note{Account: 1, Title: "after"}
	put(t, db, late)
	drain(t, db, ix)
	if got := find(t, ix, search.Query{Account: 1, Text: "after"}); !slices.Equal(got, ids(late.ID)) {
		t.Fatalf("after rebuild: %v", got)
	}
	if _, err := os.Stat(filepath.Join(db.Dir(), "index.rebuild")); !os.IsNotExist(err) {
		t.Fatalf("rebuild left its work dir behind: %v", err)
	}
}

// A record saved again without a change to its document is not indexed again (Bleve would
// delete and re-insert it), while a real change, and a deletion after a skip, still reach the
// index.
func TestUnchangedDocumentsAreNotRewritten(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	n := &note{Account: 1, Title: "pedido atrasado", Body: "entrega", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	put(t, db, n)
	drain(t, db, ix)
	if got := ix.ApplyStats(); got.Written != 1 || got.Unchanged != 0 {
		t.Fatalf("after the first save: %+v", got)
	}
	put(t, db, n, n) // saved twice more, same document
	drain(t, db, ix)
	if got := ix.ApplyStats(); got.Written != 1 || got.Unchanged != 1 {
		t.Fatalf("after saving it unchanged: %+v, want 1 written and 1 unchanged (the two events are one document)", got)
	}
	n.Title = "pedido entregue"
	put(t, db, n)
	drain(t, db, ix)
	if got := ix.ApplyStats(); got.Written != 2 {
		t.Fatalf("after a change: %+v", got)
	}
	if got := find(t, ix, search.Query{Account: 1, Text: "entregue"}); !slices.Equal(got, ids(n.ID)) {
		t.Errorf("the changed title is not found: %v", got)
	}
	del(t, db, 1, n.ID)
	drain(t, db, ix)
	if got := find(t, ix, search.Query{Account: 1, Text: "pedido"}); len(got) != 0 {
		t.Errorf("the deleted note is still found: %v", got)
	}
	put(t, db, &note{ID: n.ID, Account: 1, Title: n.Title, Body: n.Body, Created: n.Created})
	drain(t, db, ix)
	if got := find(t, ix, search.Query{Account: 1, Text: "entregue"}); !slices.Equal(got, ids(n.ID)) {
		t.Errorf("a note saved again after its deletion, as it was, is not found: %v", got)
	}
}

// TestAccountIsolationWhenASecondAccountArrives starts with an index of one account (where a
// search leaves out the account clause), then indexes a second account's documents, reopens the
// index, and checks that neither account ever sees the other's, nor a third account anything.
func TestAccountIsolationWhenASecondAccountArrives(t *testing.T) {
	dir := t.TempDir()
	db := openStore(t, dir)
	ix := openIndex(t, db, noteFields())
	one := &note{Account: 1, Title: "shared word"}
	put(t, db, one)
	drain(t, db, ix)
	if got := find(t, ix, search.Query{Account: 1, Text: "shared"}); !slices.Equal(got, ids(one.ID)) {
		t.Fatalf("account 1 alone sees %v, want [%d]", got, one.ID)
	}
	if got := find(t, ix, search.Query{Account: 2, Text: "shared"}); len(got) != 0 {
		t.Fatalf("account 2 sees %v before it has documents", got)
	}
	two := &note{Account: 2, Title: "shared word"}
	put(t, db, two)
	drain(t, db, ix)
	check := func(when string, ix *search.Index) {
		t.Helper()
		if got := find(t, ix, search.Query{Account: 1, Text: "shared"}); !slices.Equal(got, ids(one.ID)) {
			t.Fatalf("%s: account 1 sees %v, want [%d]", when, got, one.ID)
		}
		if got := find(t, ix, search.Query{Account: 2, Text: "shared"}); !slices.Equal(got, ids(two.ID)) {
			t.Fatalf("%s: account 2 sees %v, want [%d]", when, got, two.ID)
		}
		if got := find(t, ix, search.Query{Account: 3, Text: "shared"}); len(got) != 0 {
			t.Fatalf("%s: account 3 sees %v", when, got)
		}
	}
	check("after the second account arrived", ix)
	// Deleting account 2's document does not make account 1 the sole owner of what is left in
	// the segments; a reopen learns the accounts from the index itself.
	del(t, db, 2, two.ID)
	drain(t, db, ix)
	ix.Close()
	ix = openIndex(t, db, noteFields())
	two = &note{Account: 2, Title: "shared word"}
	put(t, db, two)
	drain(t, db, ix)
	check("after a reopen", ix)
}
