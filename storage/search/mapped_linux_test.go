package search_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/storage/search"
	"github.com/parleyhq/parley/storage/storagetest"
)

// TestReleaseMappedDropsTheReadSegmentPages: searches read the index's segment files through
// their maps; ReleaseMapped gives those pages back, and searches find the same afterwards.
func TestReleaseMappedDropsTheReadSegmentPages(t *testing.T) {
	db := openStore(t, t.TempDir())
	ix := openIndex(t, db, noteFields())
	var ns []*note
	for i := range 4000 {
		ns = append(ns, &note{Account: 1, Title: fmt.Sprintf("pedido %d", i), Body: fmt.Sprintf("entrega número %d do cliente %d, código c%08d", i, i%97, i*7919)})
	}
	put(t, db, ns...)
	drain(t, db, ix)
	dir := filepath.Join(db.Dir(), "index")
	zap := func(p string) bool { return strings.HasPrefix(p, dir) && strings.HasSuffix(p, ".zap") }
	lookup := func() {
		t.Helper()
		for i := range 200 {
			if got := find(t, ix, search.Query{Account: 1, Text: fmt.Sprintf("c%08d", i*7919)}); len(got) != 1 {
				t.Fatalf("c%08d: found %v", i*7919, got)
			}
		}
	}
	lookup()
	before := storagetest.ResidentKB(t, zap)
	if before < 64 {
		t.Fatalf("after 200 searches the segment maps hold %d KB: the test reads nothing", before)
	}
	// The merger may still be reading the new segments, which maps their pages again: release
	// until it is done.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := ix.ReleaseMapped(); err != nil {
			t.Fatal(err)
		}
		after := storagetest.ResidentKB(t, zap)
		if after <= before/8 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after ReleaseMapped the segment maps hold %d KB (before %d)", after, before)
		}
	}
	lookup()
}
