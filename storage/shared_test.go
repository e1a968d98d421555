package storage_test

import (
	"errors"
	"testing"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// viewed shares up to 4 decoded records.
var viewed = storage.NewCollection(storage.Def[item]{
	Name:    "viewed",
	ID:      func(v *item) *uint64 { return &v.ID },
	Account: func(v *item) uint64 { return v.Account },
	Shared:  4,
	Indexes: []storage.Index[item]{
		{Name: "status_rank", Keys: func(v *item) [][]byte {
			return [][]byte{storage.Key(storage.Str(v.Status), storage.Int(v.Rank))}
		}},
	},
})

func view(t *testing.T, db *storage.DB, account, id uint64) *item {
	t.Helper()
	var v *item
	if err := db.View(func(tx *storage.Tx) (err error) { v, err = viewed.View(tx, account, id); return err }); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestViewNeverReturnsWhatGetWouldNot: View reuses a decoded record only while its stored
// bytes are the same, so a write, a rolled-back write, another account's id and a delete all
// show through, and the kept records stay within the bound.
func TestViewNeverReturnsWhatGetWouldNot(t *testing.T) {
	db := open(t, t.TempDir())
	v := &item{Account: 1, Status: "open", Rank: 1, Labels: []string{"a"}}
	if err := db.Update(func(tx *storage.Tx) error { return viewed.Put(tx, v) }); err != nil {
		t.Fatal(err)
	}
	first := view(t, db, 1, v.ID)
	if again := view(t, db, 1, v.ID); again != first {
		t.Fatal("an unchanged record was decoded again")
	}

	v.Status = "resolved"
	if err := db.Update(func(tx *storage.Tx) error { return viewed.Put(tx, v) }); err != nil {
		t.Fatal(err)
	}
	if got := view(t, db, 1, v.ID); got.Status != "resolved" || first.Status != "open" {
		t.Fatalf("after a write View gave %q (the earlier value now %q)", got.Status, first.Status)
	}

	// A write rolled back after View saw it inside the transaction.
	boom := errors.New("boom")
	err := db.Update(func(tx *storage.Tx) error {
		w := *v
		w.Status = "pending"
		if err := viewed.Put(tx, &w); err != nil {
			return err
		}
		if got, err := viewed.View(tx, 1, v.ID); err != nil || got.Status != "pending" {
			t.Fatalf("inside the transaction View gave %+v, %v", got, err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := view(t, db, 1, v.ID); got.Status != "resolved" {
		t.Fatalf("after a rollback View gave %q", got.Status)
	}

	// Another account never reaches the record, shared or not.
	err = db.View(func(tx *storage.Tx) error { _, err := viewed.View(tx, 2, v.ID); return err })
	if !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another account's View: %v", err)
	}

	// EachView yields the same shared records, and the bound holds.
	for i := range 10 {
		if err := db.Update(func(tx *storage.Tx) error {
			return viewed.Put(tx, &item{Account: 1, Status: "open", Rank: int64(10 + i)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	var seen int
	err = db.View(func(tx *storage.Tx) error {
		return viewed.EachView(tx, 1, storage.Query{Index: "status_rank", Prefix: storage.Str("open")}, func(*item) bool { seen++; return true })
	})
	if err != nil || seen != 10 {
		t.Fatalf("EachView: %d records, %v", seen, err)
	}
	if n := viewed.SharedLen(); n > 4 {
		t.Fatalf("%d records kept, the bound is 4", n)
	}

	if err := db.Update(func(tx *storage.Tx) error { return viewed.Delete(tx, 1, v.ID) }); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *storage.Tx) error { _, err := viewed.View(tx, 1, v.ID); return err })
	if !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("View of a deleted record: %v", err)
	}
}
