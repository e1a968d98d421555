//go:build unix

package events_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/events"
	"github.com/parleyhq/parley/internal/crashtest"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

// crashDirEnv tells a re-executed test binary to act as the crashing child, in that data dir.
const crashDirEnv = "PARLEY_EVENTS_CRASH_DIR"
const crashRunEnv = "PARLEY_EVENTS_CRASH_RUN"

type crashItem struct {
	ID      uint64 `json:"id"`
	Account uint64 `json:"account_id"`
	Note    string `json:"note"`
}

var crashItems = storage.NewCollection(storage.Def[crashItem]{
	Name:    "crash_items",
	ID:      func(v *crashItem) *uint64 { return &v.ID },
	Account: func(v *crashItem) uint64 { return v.Account },
	Feed:    true,
})

// seen entries are value = run, event seq, record id (8 bytes each), keyed by a bucket sequence so
// the bucket reads back in delivery order.
func logSeen(tx *storage.Tx, consumer string, run uint64, batch []storage.Event) error {
	b, err := tx.Bolt().CreateBucketIfNotExists([]byte("seen/" + consumer))
	if err != nil {
		return err
	}
	for _, e := range batch {
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		v := binary.BigEndian.AppendUint64(nil, run)
		v = binary.BigEndian.AppendUint64(v, e.Seq)
		v = binary.BigEndian.AppendUint64(v, e.ID)
		if err := b.Put(binary.BigEndian.AppendUint64(nil, n), v); err != nil {
			return err
		}
	}
	return nil
}

var inlineCursorKey = []byte("\xffcursor") // sorts after every 8-byte sequence key

// crashConsumers are the three cursor styles: bbolt cursor (at least once), cursor written with
// the effects in one transaction (exactly once), cursor in a file (at least once). Each fails now
// and then so retries happen between crashes too.
func crashConsumers(db *storage.DB, dir string, run uint64, flaky *atomic.Uint64) []events.Consumer {
	failSometimes := func() error {
		if flaky.Add(1)%13 == 0 {
			return errors.New("transient failure")
		}
		return nil
	}
	cursorFile := filepath.Join(dir, "external.cursor")
	return []events.Consumer{
		{Name: "log", BatchSize: 5, Handle: func(_ context.Context, batch []storage.Event) error {
			if err := failSometimes(); err != nil {
				return err
			}
			return db.Update(func(tx *storage.Tx) error { return logSeen(tx, "log", run, batch) })
		}},
		{Name: "inline", BatchSize: 9,
			LoadCursor: func() (uint64, error) {
				var c uint64
				err := db.View(func(tx *storage.Tx) error {
					if b := tx.Bolt().Bucket([]byte("seen/inline")); b != nil {
						if v := b.Get(inlineCursorKey); len(v) == 8 {
							c = binary.BigEndian.Uint64(v)
						}
					}
					return nil
				})
				return c, err
			},
			Handle: func(_ context.Context, batch []storage.Event) error {
				if err := failSometimes(); err != nil {
					return err
				}
				return db.Update(func(tx *storage.Tx) error {
					if err := logSeen(tx, "inline", run, batch); err != nil {
						return err
					}
					last := binary.BigEndian.AppendUint64(nil, batch[len(batch)-1].Seq)
					return tx.Bolt().Bucket([]byte("seen/inline")).Put(inlineCursorKey, last)
				})
			}},
		{Name: "file", BatchSize: 64,
			LoadCursor: func() (uint64, error) {
				raw, err := os.ReadFile(cursorFile)
				if errors.Is(err, os.ErrNotExist) {
					return 0, nil
				} else if err != nil {
					return 0, err
				}
				return strconv.ParseUint(string(raw), 10, 64)
			},
			SaveCursor: func(seq uint64) error {
				tmp := cursorFile + ".tmp"
				if err := os.WriteFile(tmp, []byte(fmt.Sprint(seq)), 0o600); err != nil {
					return err
				}
				return os.Rename(tmp, cursorFile)
			},
			Handle: func(_ context.Context, batch []storage.Event) error {
				if err := failSometimes(); err != nil {
					return err
				}
				return db.Update(func(tx *storage.Tx) error { return logSeen(tx, "file", run, batch) })
			}},
	}
}

// TestCrashHelperProcess is the child of TestCrashDeliversEveryCommittedEvent: it commits records
// (each with its feed event) and runs the consumers until the parent kills it.
func TestCrashHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for the crash test")
	}
	run, _ := strconv.ParseUint(os.Getenv(crashRunEnv), 10, 64)
	db, err := storage.Open(dir, storage.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	opts := fastOptions()
	opts.PruneInterval = 5 * time.Millisecond
	opts.PruneBatch = 50
	d := events.New(db, opts)
	var flaky atomic.Uint64
	for _, c := range crashConsumers(db, dir, run, &flaky) {
		d.Register(c)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		err := db.Update(func(tx *storage.Tx) error {
			for j := 0; j <= i%17; j++ {
				if err := crashItems.Put(tx, &crashItem{Account: uint64(1 + j%3), Note: fmt.Sprint(run, "/", i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			crashtest.Ready()
		}
	}
}

type seenEntry struct{ run, seq, id uint64 }

func TestCrashDeliversEveryCommittedEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	dir := t.TempDir()
	const rounds = 5
	for round := 1; round <= rounds; round++ {
		killChild(t, round, dir)
		storagetest.Verify(t, dir)
	}

	// Drain: a last, uninterrupted run delivers whatever the crashes left behind.
	db := openDB(t, dir)
	d := events.New(db, fastOptions())
	var flaky atomic.Uint64
	consumers := crashConsumers(db, dir, rounds+1, &flaky)
	for _, c := range consumers {
		d.Register(c)
	}
	start(t, d)
	eventually(t, "consumers to drain", func() bool {
		for _, s := range d.Status() {
			if s.Lag != 0 {
				return false
			}
		}
		return true
	})
	d.Stop()

	committed := map[uint64]bool{}
	var head uint64
	err := db.View(func(tx *storage.Tx) error {
		head = tx.OutboxHead()
		return crashItems.EachAccount(tx, func(_ uint64, v *crashItem) error {
			committed[v.ID] = true
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(committed) < rounds {
		t.Fatalf("the child committed only %d records", len(committed))
	}
	t.Logf("%d records committed over %d crashes, outbox head %d", len(committed), rounds, head)

	for _, c := range consumers {
		var log []seenEntry
		db.View(func(tx *storage.Tx) error {
			b := tx.Bolt().Bucket([]byte("seen/" + c.Name))
			if b == nil {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				if len(k) == 8 {
					log = append(log, seenEntry{binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:]), binary.BigEndian.Uint64(v[16:])})
				}
				return nil
			})
		})
		delivered := map[uint64]bool{}
		seqCount := map[uint64]int{}
		for i, e := range log {
			delivered[e.id] = true
			seqCount[e.seq]++
			if !committed[e.id] {
				t.Errorf("%s got record %d, which never committed", c.Name, e.id)
			}
			switch {
			case i == 0:
				if e.seq != 1 {
					t.Errorf("%s started at %d", c.Name, e.seq)
				}
			case e.run == log[i-1].run:
				// Within one process: strictly in order, nothing skipped.
				if e.seq != log[i-1].seq+1 {
					t.Errorf("%s run %d: %d after %d", c.Name, e.run, e.seq, log[i-1].seq)
				}
			default:
				// After a crash: resumes at or before where it was, never past an unseen event.
				if e.seq > log[i-1].seq+1 || e.run < log[i-1].run {
					t.Errorf("%s resumed at %d (run %d) after %d (run %d)", c.Name, e.seq, e.run, log[i-1].seq, log[i-1].run)
				}
			}
		}
		for id := range committed {
			if !delivered[id] {
				t.Errorf("%s never got the event of committed record %d", c.Name, id)
			}
		}
		if uint64(len(seqCount)) != head {
			t.Errorf("%s saw %d distinct events, head is %d", c.Name, len(seqCount), head)
		}
		dups := len(log) - len(seqCount)
		if c.Name == "inline" && dups != 0 {
			t.Errorf("inline consumer stores its cursor with its effects but got %d duplicates", dups)
		}
		t.Logf("%s: %d deliveries, %d redelivered after crashes", c.Name, len(log), dups)
	}
}

// killChild runs the helper process on dir and SIGKILLs it at a random moment after its first
// commit.
func killChild(t *testing.T, round int, dir string) {
	t.Helper()
	crashtest.Kill(t, "TestCrashHelperProcess", []string{crashDirEnv + "=" + dir, crashRunEnv + "=" + strconv.Itoa(round)}, 50*time.Millisecond, 400*time.Millisecond)
}
