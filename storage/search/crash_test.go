package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/crashtest"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
)

const (
	crashDirEnv  = "PARLEY_SEARCH_CRASH_DIR"
	crashSeedEnv = "PARLEY_SEARCH_CRASH_SEED"
	crashTag     = "crash"
)

// TestCrashConvergence kills a process that writes, deletes and indexes records at random
// moments (sometimes in the middle of a full rebuild) and checks after every kill that, once the
// indexer has caught up from its own cursor, the index holds exactly the committed records with
// their latest content.
func TestCrashConvergence(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
		crashChild(dir, seed)
		return
	}
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	dir := t.TempDir()
	rounds := 10
	for round := range rounds {
		crashtest.Kill(t, "TestCrashConvergence", []string{crashDirEnv + "=" + dir, crashSeedEnv + "=" + strconv.Itoa(round)}, 20*time.Millisecond, 400*time.Millisecond)
		checkConverged(t, dir, round)
	}
}

// checkConverged reopens the store and index left by a killed child, catches the indexer up and
// compares the index with the records.
func checkConverged(t *testing.T, dir string, round int) {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatalf("round %d: reopen store: %v", round, err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatalf("round %d: store check: %v", round, err)
	}
	ix, err := search.Open(db, filepath.Join(dir, "index"), []search.DocType{noteType(noteFields())}, search.Options{})
	if err != nil {
		t.Fatalf("round %d: reopen index: %v", round, err)
	}
	defer ix.Close()
	drain(t, db, ix)

	want := map[uint64][]uint64{} // account → ids
	var records []note
	db.View(func(tx *storage.Tx) error {
		return notes.EachAccount(tx, func(account uint64, n *note) error {
			want[account] = append(want[account], n.ID)
			records = append(records, *n)
			return nil
		})
	})
	if len(records) == 0 {
		t.Fatalf("round %d: the child committed nothing", round)
	}
	for account := uint64(1); account <= 3; account++ {
		var got []uint64
		for from := 0; ; from += search.MaxSize {
			res, err := ix.Search(context.Background(), search.Query{Account: account, Filters: map[string]string{"tag": crashTag}, From: from, Size: search.MaxSize})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
			if len(res.Hits) < search.MaxSize {
				break
			}
		}
		slices.Sort(got)
		slices.Sort(want[account])
		if !slices.Equal(got, want[account]) {
			t.Fatalf("round %d account %d: index holds %d ids, store %d\nindex %v\nstore %v", round, account, len(got), len(want[account]), got, want[account])
		}
	}
	if n, err := ix.DocCount(); err != nil || n != uint64(len(records)) {
		t.Fatalf("round %d: DocCount = %d, %v; want %d", round, n, err, len(records))
	}
	// Every record is found by its latest title, and only by it.
	for _, n := range records {
		res, err := ix.Search(context.Background(), search.Query{Account: n.Account, Text: `"` + n.Title + `"`})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 || res.Hits[0].ID != n.ID {
			t.Fatalf("round %d: title %q of note %d finds %+v", round, n.Title, n.ID, res.Hits)
		}
	}
	t.Logf("round %d: %d records, index converged", round, len(records))
}

// crashChild writes, edits and deletes notes while an indexer follows the feed, until killed.
func crashChild(dir string, seed uint64) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(3)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	db, err := storage.Open(dir, storage.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		fail(err)
	}
	ix, err := search.Open(db, filepath.Join(dir, "index"), []search.DocType{noteType(noteFields())}, search.Options{BatchSize: 50})
	if err != nil {
		fail(err)
	}
	var live []note
	db.View(func(tx *storage.Tx) error {
		return notes.EachAccount(tx, func(_ uint64, n *note) error { live = append(live, *n); return nil })
	})

	go func() { // the indexer, as the events dispatcher runs it
		for {
			changed := db.Changed()
			if err := drainErr(db, ix); err != nil {
				fail(err)
			}
			<-changed
		}
	}()
	if seed%2 == 1 {
		go func() { // a `parley reindex` racing the writer, so some kills land mid-rebuild
			for {
				if err := ix.Rebuild(context.Background()); err != nil {
					fail(err)
				}
			}
		}()
	}

	crashtest.Ready()
	for version := 1; ; version++ {
		err := db.Update(func(tx *storage.Tx) error {
			for range 1 + rng.IntN(20) {
				switch op := rng.IntN(10); {
				case op < 6 || len(live) == 0:
					n := note{Account: 1 + rng.Uint64N(3), Tag: crashTag}
					if err := notes.Put(tx, &n); err != nil {
						return err
					}
					n.Title = fmt.Sprintf("n%dv%d", n.ID, version)
					if err := notes.Put(tx, &n); err != nil {
						return err
					}
					live = append(live, n)
				case op < 8:
					i := rng.IntN(len(live))
					live[i].Title = fmt.Sprintf("n%dv%d", live[i].ID, version)
					if err := notes.Put(tx, &live[i]); err != nil {
						return err
					}
				default:
					i := rng.IntN(len(live))
					if err := notes.Delete(tx, live[i].Account, live[i].ID); err != nil {
						return err
					}
					live = slices.Delete(live, i, i+1)
				}
			}
			return nil
		})
		if err != nil {
			fail(err)
		}
	}
}
