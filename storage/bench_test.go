package storage_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/storage"
)

// benchRec is a small record with two indexes, like a conversation listed by status and by
// last activity.
type benchRec struct {
	ID       uint64    `json:"id"`
	Account  uint64    `json:"account_id"`
	Status   string    `json:"status"`
	Assignee uint64    `json:"assignee_id"`
	Subject  string    `json:"subject"`
	Activity time.Time `json:"last_activity_at"`
}

var benchRecs = storage.NewCollection(storage.Def[benchRec]{
	Name:    "bench_recs",
	ID:      func(r *benchRec) *uint64 { return &r.ID },
	Account: func(r *benchRec) uint64 { return r.Account },
	Indexes: []storage.Index[benchRec]{
		{Name: "status_activity", Keys: func(r *benchRec) [][]byte {
			return [][]byte{storage.Key(storage.Str(r.Status), storage.Time(r.Activity))}
		}},
		{Name: "assignee", Keys: func(r *benchRec) [][]byte {
			return [][]byte{storage.Key(storage.Uint(r.Assignee), storage.Time(r.Activity))}
		}},
	},
})

var benchStatuses = []string{"open", "pending", "resolved", "snoozed"}

func benchRecord(i int) *benchRec {
	return &benchRec{Account: 1, Status: benchStatuses[i%len(benchStatuses)], Assignee: uint64(i % 10),
		Subject:  fmt.Sprintf("Pedido %d não chegou", i),
		Activity: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)}
}

func benchDB(b *testing.B) *storage.DB {
	db, err := storage.Open(b.TempDir(), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := db.Check(); err != nil {
			b.Error(err)
		}
		db.Close()
	})
	return db
}

func fill(b *testing.B, db *storage.DB, n int) {
	for i := 0; i < n; i += 1000 {
		if err := db.Update(func(tx *storage.Tx) error {
			for j := i; j < min(i+1000, n); j++ {
				if err := benchRecs.Put(tx, benchRecord(j)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPut inserts records with two indexes in batches of 1000 per transaction, with fsync.
// One op is one record.
func BenchmarkPut(b *testing.B) {
	db := benchDB(b)
	b.ResetTimer()
	fill(b, db, b.N)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkGet reads one record by id from a 100k-record collection.
func BenchmarkGet(b *testing.B) {
	db := benchDB(b)
	const n = 100_000
	fill(b, db, n)
	b.ResetTimer()
	err := db.View(func(tx *storage.Tx) error {
		for i := 0; i < b.N; i++ {
			id := uint64(1 + (i*7919)%n)
			r, err := benchRecs.Get(tx, 1, id)
			if err != nil {
				return err
			}
			if r.ID != id {
				return fmt.Errorf("got %d, want %d", r.ID, id)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkScanPage lists 50 records by an index (open, newest activity first) from a
// 100k-record collection, continuing from the previous page's cursor each time.
func BenchmarkScanPage(b *testing.B) {
	db := benchDB(b)
	const n = 100_000
	fill(b, db, n)
	b.ResetTimer()
	cursor := ""
	for i := 0; i < b.N; i++ {
		err := db.View(func(tx *storage.Tx) error {
			page, err := benchRecs.Scan(tx, 1, storage.Query{Index: "status_activity", Prefix: storage.Str("open"),
				Reverse: true, Limit: 50, Cursor: cursor})
			if err != nil {
				return err
			}
			if len(page.Items) == 0 || page.Items[0].Status != "open" {
				return fmt.Errorf("page %d: %d items", i, len(page.Items))
			}
			cursor = page.Next // "" after the last page starts over
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
