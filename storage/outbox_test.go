package storage_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/storage"
)

// Events served from memory (the recent ring) must be exactly what the outbox file gives back:
// same sequences, times, payloads; nothing from a transaction that rolled back; and a range the
// ring no longer holds whole is read from the file.
func TestEventsFromMemoryMatchTheOutbox(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	emit := func(n int, fail bool) error {
		return db.Update(func(tx *storage.Tx) error {
			for i := range n {
				at := time.Date(2026, 11, 21, 10, 0, i, 5, time.FixedZone("BRT", -3*3600))
				if err := tx.EmitData(storage.Event{Account: 7, Type: "thing.happened", Entity: "thing", ID: uint64(i + 1), Time: at},
					map[string]any{"n": i, "text": "olá"}); err != nil {
					return err
				}
			}
			if fail {
				return errors.New("rolled back")
			}
			return nil
		})
	}
	if err := emit(3, false); err != nil {
		t.Fatal(err)
	}
	if err := emit(4, true); err == nil {
		t.Fatal("the failing transaction committed")
	}
	// Concurrent batches hand their events over in any order.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db.Batch(func(tx *storage.Tx) error {
				return tx.Emit(storage.Event{Account: 7, Type: "batch.happened", Data: json.RawMessage(`{"ok":true}`)})
			})
		}()
	}
	wg.Wait()
	read := func(db *storage.DB, after uint64, limit int) []storage.Event {
		var out []storage.Event
		if err := db.View(func(tx *storage.Tx) (err error) { out, err = tx.Events(after, limit); return err }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	fromMemory := read(db, 0, 0)
	if len(fromMemory) != 11 || fromMemory[10].Seq != 11 {
		t.Fatalf("got %d events (last %+v), want 11: the rolled-back ones must not count", len(fromMemory), fromMemory[len(fromMemory)-1])
	}
	partial := read(db, 2, 3)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fromFile := read(db, 0, 0)
	if !reflect.DeepEqual(fromMemory, fromFile) {
		t.Fatalf("memory and file disagree:\n%+v\n%+v", fromMemory, fromFile)
	}
	if !reflect.DeepEqual(partial, fromFile[2:5]) {
		t.Errorf("Events(2, 3) = %+v, want seqs 3..5", partial)
	}

	// Overrun the ring: the oldest events are gone from memory and come from the file.
	err = db.Update(func(tx *storage.Tx) error {
		for range 9000 {
			if err := tx.Emit(storage.Event{Account: 7, Type: "bulk"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	old := read(db, 0, 20)
	if len(old) != 20 || old[0].Seq != 1 || old[19].Seq != 20 || old[0].Type != "thing.happened" {
		t.Errorf("after the ring wrapped, Events(0, 20) = %d events from %d", len(old), old[0].Seq)
	}
	tail := read(db, 11+9000-5, 0)
	if len(tail) != 5 || tail[4].Seq != 11+9000 {
		t.Errorf("the tail = %d events", len(tail))
	}
}
