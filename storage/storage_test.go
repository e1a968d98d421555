package storage_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

type item struct {
	ID      uint64   `json:"id"`
	Account uint64   `json:"account_id"`
	Email   string   `json:"email"`
	Status  string   `json:"status"`
	Rank    int64    `json:"rank"`
	Labels  []string `json:"labels"`
}

var items = storage.NewCollection(storage.Def[item]{
	Name:    "items",
	ID:      func(v *item) *uint64 { return &v.ID },
	Account: func(v *item) uint64 { return v.Account },
	Feed:    true,
	Indexes: []storage.Index[item]{
		{Name: "email", Unique: true, Keys: func(v *item) [][]byte {
			if v.Email == "" {
				return nil
			}
			return [][]byte{storage.Str(storage.Fold(v.Email))}
		}},
		{Name: "status_rank", Keys: func(v *item) [][]byte {
			return [][]byte{storage.Key(storage.Str(v.Status), storage.Int(v.Rank))}
		}},
		{Name: "label", Keys: func(v *item) [][]byte {
			var ks [][]byte
			for _, l := range v.Labels {
				ks = append(ks, storage.Str(l))
			}
			return ks
		}},
	},
})

func open(t *testing.T, dir string, migs ...storage.Migration) *storage.DB {
	t.Helper()
	db := storagetest.Open(t, dir, storage.Options{Migrations: migs, Version: "test"})
	return db
}

func put(t *testing.T, db *storage.DB, v *item) error {
	t.Helper()
	return db.Update(func(tx *storage.Tx) error { return items.Put(tx, v) })
}

func TestUniqueClashWritesNothing(t *testing.T) {
	db := open(t, t.TempDir())
	a := &item{Account: 1, Email: "Ana@x.com", Status: "open", Labels: []string{"vip"}}
	if err := put(t, db, a); err != nil {
		t.Fatal(err)
	}
	// Same email, other case: conflict naming the field.
	b := &item{Account: 1, Email: "ana@X.com", Status: "open", Labels: []string{"vip"}}
	err := put(t, db, b)
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Conflict || e.Fields["email"] == "" {
		t.Fatalf("want conflict on email, got %v", err)
	}
	// Nothing of b was written: the label index still has one entry and the count is 1.
	db.View(func(tx *storage.Tx) error {
		if n, _ := items.Count(tx, 1, storage.Query{Index: "label", Prefix: storage.Str("vip")}); n != 1 {
			t.Errorf("label index has %d entries, want 1", n)
		}
		if n := items.Len(tx, 1); n != 1 {
			t.Errorf("len %d, want 1", n)
		}
		return nil
	})
	// The same email in another account is fine: uniqueness is per account.
	if err := put(t, db, &item{Account: 2, Email: "ana@x.com"}); err != nil {
		t.Fatalf("other account: %v", err)
	}
	// Re-putting the owner with its own email is not a clash.
	a.Status = "closed"
	if err := put(t, db, a); err != nil {
		t.Fatalf("update own record: %v", err)
	}
}

func TestIndexMaintenanceAndIsolation(t *testing.T) {
	db := open(t, t.TempDir())
	v := &item{Account: 1, Email: "a@x", Status: "open", Labels: []string{"a", "b"}}
	put(t, db, v)
	v.Status, v.Labels, v.Email = "pending", []string{"b", "c"}, "new@x"
	if err := put(t, db, v); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *storage.Tx) error {
		count := func(index string, prefix []byte) int {
			n, err := items.Count(tx, 1, storage.Query{Index: index, Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if count("status_rank", storage.Str("open")) != 0 || count("status_rank", storage.Str("pending")) != 1 {
			t.Error("status index not moved")
		}
		if count("label", storage.Str("a")) != 0 || count("label", storage.Str("c")) != 1 || count("label", storage.Str("b")) != 1 {
			t.Error("label index not updated")
		}
		if _, err := items.GetBy(tx, 1, "email", storage.Str("a@x")); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("old email still indexed: %v", err)
		}
		got, err := items.GetBy(tx, 1, "email", storage.Str("new@x"))
		if err != nil || got.ID != v.ID {
			t.Errorf("GetBy new email: %v %v", got, err)
		}
		// Another account cannot read it by id.
		if _, err := items.Get(tx, 2, v.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("cross-account get: %v", err)
		}
		return nil
	})
	if err := db.Update(func(tx *storage.Tx) error { return items.Delete(tx, 1, v.ID) }); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *storage.Tx) error {
		for _, ix := range []string{"label", "status_rank"} {
			if n, _ := items.Count(tx, 1, storage.Query{Index: ix}); n != 0 {
				t.Errorf("index %s keeps %d entries after delete", ix, n)
			}
		}
		if items.Len(tx, 1) != 0 {
			t.Error("count not decremented")
		}
		return nil
	})
	// The email is free again.
	if err := put(t, db, &item{Account: 1, Email: "new@x"}); err != nil {
		t.Fatal(err)
	}
}

func TestCursorPagingBothWays(t *testing.T) {
	db := open(t, t.TempDir())
	db.Update(func(tx *storage.Tx) error {
		for i := 0; i < 23; i++ {
			status := "open"
			if i%2 == 1 {
				status = "closed"
			}
			if err := items.Put(tx, &item{Account: 1, Status: status, Rank: int64(i - 10)}); err != nil {
				return err
			}
			// Noise in another account with the same status must never appear.
			if err := items.Put(tx, &item{Account: 2, Status: status, Rank: int64(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	collect := func(reverse bool) []int64 {
		var ranks []int64
		cursor := ""
		pages := 0
		for {
			var page storage.Page[item]
			db.View(func(tx *storage.Tx) (err error) {
				page, err = items.Scan(tx, 1, storage.Query{Index: "status_rank", Prefix: storage.Str("open"), Reverse: reverse, Limit: 5, Cursor: cursor})
				return err
			})
			pages++
			for _, it := range page.Items {
				if it.Account != 1 || it.Status != "open" {
					t.Fatalf("foreign item %+v", it)
				}
				ranks = append(ranks, it.Rank)
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		if pages != 3 {
			t.Errorf("reverse=%v: %d pages, want 3 (12 items by 5)", reverse, pages)
		}
		return ranks
	}
	fwd := collect(false)
	if len(fwd) != 12 || fwd[0] != -10 || fwd[11] != 12 {
		t.Fatalf("forward ranks %v", fwd)
	}
	for i := 1; i < len(fwd); i++ {
		if fwd[i] <= fwd[i-1] {
			t.Fatalf("forward not ascending (negative ranks must sort first): %v", fwd)
		}
	}
	rev := collect(true)
	for i := range rev {
		if rev[i] != fwd[len(fwd)-1-i] {
			t.Fatalf("reverse %v is not forward %v reversed", rev, fwd)
		}
	}
	// Range bounds inside the prefix: ranks in [0, 6).
	db.View(func(tx *storage.Tx) error {
		page, err := items.Scan(tx, 1, storage.Query{Index: "status_rank", Prefix: storage.Str("open"), From: storage.Int(0), To: storage.Int(6)})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 3 || page.Items[0].Rank != 0 || page.Items[2].Rank != 4 {
			t.Errorf("range %+v", page.Items)
		}
		// A cursor from another list is refused with a field error.
		_, err = items.Scan(tx, 1, storage.Query{Index: "status_rank", Prefix: storage.Str("closed"), Cursor: "AAAA"})
		if e, ok := apperr.As(err); !ok || e.Fields["cursor"] == "" {
			t.Errorf("bad cursor: %v", err)
		}
		return nil
	})
}

func TestNumbersAndFeed(t *testing.T) {
	db := open(t, t.TempDir())
	var nums []uint64
	db.Update(func(tx *storage.Tx) error {
		for _, acc := range []uint64{1, 1, 2, 1} {
			n, err := tx.NextNumber(acc, "conversation")
			if err != nil {
				return err
			}
			nums = append(nums, n)
		}
		return nil
	})
	if fmt.Sprint(nums) != "[1 2 1 3]" {
		t.Fatalf("numbers %v", nums)
	}
	// A rolled-back transaction gives nothing away: no number, no record, no event.
	changed := db.Changed()
	db.Update(func(tx *storage.Tx) error {
		tx.NextNumber(1, "conversation")
		items.Put(tx, &item{Account: 1})
		return errors.New("abort")
	})
	select {
	case <-changed:
		t.Fatal("rolled-back tx signalled a change")
	default:
	}
	put(t, db, &item{Account: 1, Email: "x@y"})
	select {
	case <-changed:
	default:
		t.Fatal("commit with events did not signal")
	}
	db.View(func(tx *storage.Tx) error {
		evs, _ := tx.Events(0, 0)
		if len(evs) != 1 || evs[0].Type != storage.EventChanged || evs[0].Entity != "items" || evs[0].Account != 1 {
			t.Fatalf("events %+v", evs)
		}
		n, _ := tx.NextNumber(1, "x")
		_ = n
		return nil
	})
	db.Update(func(tx *storage.Tx) error {
		n, _ := tx.NextNumber(1, "conversation")
		if n != 4 {
			t.Errorf("after rollback next number %d, want 4", n)
		}
		return nil
	})
}

func TestMigrations(t *testing.T) {
	dir := t.TempDir()
	var ran []string
	m := func(name string) storage.Migration {
		return storage.Migration{Name: name, Up: func(tx *storage.Tx) error {
			ran = append(ran, name)
			return items.Put(tx, &item{Account: 1, Email: name})
		}}
	}
	db, err := storage.Open(dir, storage.Options{Migrations: []storage.Migration{m("one")}, Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	// An old file is upgraded by the steps it has not seen, once.
	db, err = storage.Open(dir, storage.Options{Migrations: []storage.Migration{m("one"), m("two")}, Version: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := db.SchemaVersion(); v != 2 || strings.Join(ran, ",") != "one,two" {
		t.Fatalf("version %d ran %v", v, ran)
	}
	db.Close()
	// A failing step leaves the version where it was and nothing of its writes.
	bad := storage.Migration{Name: "bad", Up: func(tx *storage.Tx) error {
		items.Put(tx, &item{Account: 1, Email: "bad"})
		return errors.New("boom")
	}}
	if _, err := storage.Open(dir, storage.Options{Migrations: []storage.Migration{m("one"), m("two"), bad}}); err == nil || !strings.Contains(err.Error(), "migration 3 (bad)") {
		t.Fatalf("failing migration: %v", err)
	}
	// A binary that knows fewer steps refuses the newer file and says so.
	_, err = storage.Open(dir, storage.Options{Migrations: []storage.Migration{m("one")}})
	if err == nil || !strings.Contains(err.Error(), "written by v2 (schema 2)") {
		t.Fatalf("newer file: %v", err)
	}
	db = open(t, dir, m("one"), m("two"))
	db.View(func(tx *storage.Tx) error {
		if items.Len(tx, 1) != 2 {
			t.Errorf("records after migrations: %d", items.Len(tx, 1))
		}
		return nil
	})
}

// TestSecondOpener starts a real second process on the same data dir: it must fail within about
// a second with an error that says the dir is in use.
func TestSecondOpener(t *testing.T) {
	if dir := os.Getenv("PARLEY_TEST_SECOND_OPENER"); dir != "" {
		_, err := storage.Open(dir, storage.Options{})
		if errors.Is(err, storage.ErrInUse) {
			fmt.Println("ERR:", err)
			os.Exit(3)
		}
		fmt.Println("unexpected:", err)
		os.Exit(4)
	}
	dir := t.TempDir()
	db := open(t, dir)
	_ = db
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondOpener$")
	cmd.Env = append(os.Environ(), "PARLEY_TEST_SECOND_OPENER="+dir)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("second opener: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "data dir is in use") || !strings.Contains(string(out), filepath.Base(dir)) {
		t.Errorf("message does not name the problem: %s", out)
	}
	t.Logf("second opener refused after %v", time.Since(start).Round(time.Millisecond))
}

// TestBatchConcurrentWriters checks that concurrent Batch callers all commit, each with its own
// error isolated: a failing caller writes nothing and does not sink the others.
func TestBatchConcurrentWriters(t *testing.T) {
	db := open(t, t.TempDir())
	const writers = 40
	errs := make(chan error, writers)
	for i := 0; i < writers; i++ {
		go func(i int) {
			errs <- db.Batch(func(tx *storage.Tx) error {
				if err := items.Put(tx, &item{Account: 1, Email: fmt.Sprintf("w%d@x", i%(writers-1))}); err != nil {
					return err
				}
				return nil
			})
		}(i)
	}
	conflicts := 0
	for i := 0; i < writers; i++ {
		if err := <-errs; err != nil {
			if !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("writer: %v", err)
			}
			conflicts++
		}
	}
	// Two writers share one email: exactly one of them must lose.
	if conflicts != 1 {
		t.Fatalf("%d conflicts, want 1", conflicts)
	}
	db.View(func(tx *storage.Tx) error {
		if n := items.Len(tx, 1); n != writers-1 {
			t.Errorf("%d records, want %d", n, writers-1)
		}
		evs, _ := tx.Events(0, 0)
		if len(evs) != writers-1 {
			t.Errorf("%d events, want %d", len(evs), writers-1)
		}
		return nil
	})
}

// TestBatchGroupsWhatQueuedDuringACommit holds the writer lock while one Batch call waits for it
// and 30 more arrive: the 30 must share the next commit (one transaction), not a commit each.
func TestBatchGroupsWhatQueuedDuringACommit(t *testing.T) {
	db := open(t, t.TempDir())
	hold, held := make(chan struct{}), make(chan struct{})
	go db.Update(func(tx *storage.Tx) error {
		close(held)
		<-hold
		return nil
	})
	<-held

	var mu sync.Mutex
	txs := map[any]int{} // bbolt transaction -> calls committed in it
	call := func(i int) error {
		return db.Batch(func(tx *storage.Tx) error {
			b := tx.Bolt()
			tx.OnCommit(func() {
				mu.Lock()
				txs[b]++
				mu.Unlock()
			})
			return items.Put(tx, &item{Account: 1, Email: fmt.Sprintf("g%d@x", i)})
		})
	}
	errs := make(chan error, 31)
	go func() { errs <- call(0) }()
	waitFor(t, func() bool { q, busy := db.QueuedBatchCalls(); return q == 0 && busy })
	for i := 1; i <= 30; i++ {
		go func(i int) { errs <- call(i) }(i)
	}
	waitFor(t, func() bool { q, _ := db.QueuedBatchCalls(); return q == 30 })
	close(hold)
	for i := 0; i <= 30; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var sizes []int
	for _, n := range txs {
		sizes = append(sizes, n)
	}
	sort.Ints(sizes)
	if fmt.Sprint(sizes) != "[1 30]" {
		t.Fatalf("calls per commit %v, want [1 30]", sizes)
	}
	db.View(func(tx *storage.Tx) error {
		if n := items.Len(tx, 1); n != 31 {
			t.Errorf("%d records, want 31", n)
		}
		return nil
	})
}

// TestBatchPanicStaysWithItsCaller checks that a call panicking among companions panics in its
// own goroutine (where the HTTP server recovers it), writes nothing, and lets the others commit.
func TestBatchPanicStaysWithItsCaller(t *testing.T) {
	db := open(t, t.TempDir())
	const writers = 20
	type result struct {
		err      error
		panicked any
	}
	results := make(chan result, writers)
	for i := 0; i < writers; i++ {
		go func(i int) {
			var r result
			defer func() {
				r.panicked = recover()
				results <- r
			}()
			r.err = db.Batch(func(tx *storage.Tx) error {
				if err := items.Put(tx, &item{Account: 1, Email: fmt.Sprintf("p%d@x", i)}); err != nil {
					return err
				}
				if i == 7 {
					panic("boom")
				}
				return nil
			})
		}(i)
	}
	panics := 0
	for i := 0; i < writers; i++ {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.panicked != nil {
			if r.panicked != "boom" {
				t.Fatalf("panic %v", r.panicked)
			}
			panics++
		}
	}
	if panics != 1 {
		t.Fatalf("%d panics reached their caller, want 1", panics)
	}
	db.View(func(tx *storage.Tx) error {
		if n := items.Len(tx, 1); n != writers-1 {
			t.Errorf("%d records, want %d", n, writers-1)
		}
		if _, err := items.GetBy(tx, 1, "email", storage.Str("p7@x")); err == nil {
			t.Error("the panicking call's record was written")
		}
		return nil
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// freelistSynced reads the bbolt file's two meta pages and reports whether the newer one points
// at a written list of free pages (bbolt's meta layout: a 16-byte page header, then magic,
// version, page size, flags, the root bucket (16 bytes), the free list's page, the high water
// mark and the transaction id).
func freelistSynced(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	meta := func(page int) (freelist, txid uint64) {
		m := f[page*4096+16:]
		return binary.LittleEndian.Uint64(m[32:]), binary.LittleEndian.Uint64(m[48:])
	}
	fl0, tx0 := meta(0)
	fl1, tx1 := meta(1)
	if tx1 > tx0 {
		fl0 = fl1
	}
	return fl0 != ^uint64(0)
}

// TestFreeListWrittenAtCloseOnly: commits leave the list of free pages unwritten (writing it
// was most of a small commit), Close writes it so the next Open need not rebuild it, and a store
// left without it (a crash) opens with every record.
func TestFreeListWrittenAtCloseOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, storage.FileName)
	db, err := storage.Open(dir, storage.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := put(t, db, &item{Account: 1, Status: "open", Rank: int64(i), Email: fmt.Sprintf("u%d@x", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if freelistSynced(t, path) {
		t.Fatal("a commit wrote the list of free pages")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if !freelistSynced(t, path) {
		t.Fatal("Close did not write the list of free pages")
	}
	if err := db.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}

	// A crash: the store is left as the last commit wrote it.
	db, err = storage.Open(dir, storage.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := put(t, db, &item{Account: 1, Status: "open", Rank: 99}); err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(t.TempDir(), storage.FileName)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(crashed, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if freelistSynced(t, crashed) {
		t.Fatal("the crashed copy has a list of free pages")
	}
	db, err = storage.Open(filepath.Dir(crashed), storage.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *storage.Tx) error {
		if n := items.Len(tx, 1); n != 51 {
			return fmt.Errorf("%d records after the crash, want 51", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := put(t, db, &item{Account: 1, Status: "open", Rank: 100}); err != nil {
		t.Fatal(err)
	}
}
