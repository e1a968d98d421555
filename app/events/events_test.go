package events_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/events"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fastOptions keeps retries short so recovery tests finish quickly; nothing asserts on timing.
func fastOptions() events.Options {
	return events.Options{Logger: quiet, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, PruneInterval: time.Hour}
}

func openDB(t testing.TB, dir string) *storage.DB {
	t.Helper()
	db := storagetest.Open(t, dir, storage.Options{})
	return db
}

// emit commits n events in one transaction and returns the last sequence.
func emit(t testing.TB, db *storage.DB, n int) uint64 {
	t.Helper()
	var last uint64
	err := db.Update(func(tx *storage.Tx) error {
		for i := 0; i < n; i++ {
			if err := tx.Emit(storage.Event{Account: 1, Type: "test.happened", Entity: "test", ID: uint64(i + 1)}); err != nil {
				return err
			}
		}
		last = tx.OutboxHead()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// eventually polls cond until it holds; the deadline only stops a broken dispatcher from hanging
// the test run.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func status(d *events.Dispatcher, name string) events.ConsumerStatus {
	for _, s := range d.Status() {
		if s.Name == name {
			return s
		}
	}
	panic("no consumer " + name)
}

func start(t testing.TB, d *events.Dispatcher) {
	t.Helper()
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
}

// recorder is a consumer that remembers every sequence and batch size it was handed.
type recorder struct {
	mu      sync.Mutex
	seqs    []uint64
	batches []int
}

func (r *recorder) handle(_ context.Context, batch []storage.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, len(batch))
	for _, e := range batch {
		r.seqs = append(r.seqs, e.Seq)
	}
	return nil
}

func (r *recorder) snapshot() ([]uint64, []int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seqs), slices.Clone(r.batches)
}

func seqRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func TestInOrderDeliveryToSeveralConsumers(t *testing.T) {
	db := openDB(t, t.TempDir())
	emit(t, db, 120) // before Start: a durable consumer with no cursor reads from the beginning
	d := events.New(db, fastOptions())
	sizes := map[string]int{"one": 1, "seven": 7, "default": 0}
	recs := map[string]*recorder{}
	for name, size := range sizes {
		recs[name] = &recorder{}
		d.Register(events.Consumer{Name: name, BatchSize: size, Handle: recs[name].handle})
	}
	start(t, d)
	var head uint64
	for i := 1; i <= 20; i++ {
		head = emit(t, db, i) // after Start, in transactions of varying size
	}
	if head != 120+210 {
		t.Fatalf("head = %d", head)
	}
	for name := range sizes {
		eventually(t, name+" cursor at head", func() bool { return status(d, name).Cursor == head })
	}
	for name, size := range sizes {
		seqs, batches := recs[name].snapshot()
		if !slices.Equal(seqs, seqRange(1, head)) {
			t.Errorf("%s got %d events, not 1..%d in order: %v", name, len(seqs), head, seqs)
		}
		if size == 0 {
			size = events.DefaultBatchSize
		}
		for _, n := range batches {
			if n < 1 || n > size {
				t.Errorf("%s got a batch of %d with BatchSize %d", name, n, size)
			}
		}
		s := status(d, name)
		if s.Lag != 0 || s.Head != head || s.Failures != 0 || s.LastError != "" {
			t.Errorf("%s status %+v", name, s)
		}
	}
	// The durable cursors are in bbolt, where pruning and the next start read them.
	db.View(func(tx *storage.Tx) error {
		for name := range sizes {
			if c := tx.ConsumerCursor(name); c != head {
				t.Errorf("stored cursor of %s = %d, want %d", name, c, head)
			}
		}
		return nil
	})
}

func TestFailingConsumerDoesNotBlockOthersAndRecovers(t *testing.T) {
	db := openDB(t, t.TempDir())
	d := events.New(db, fastOptions())
	good := &recorder{}
	d.Register(events.Consumer{Name: "good", Handle: good.handle})

	var broken atomic.Bool
	broken.Store(true)
	var attempts atomic.Int32
	var mu sync.Mutex
	var firstSeqs []uint64 // first sequence of every batch handed to "bad"
	bad := &recorder{}
	d.Register(events.Consumer{Name: "bad", BatchSize: 10, Handle: func(ctx context.Context, batch []storage.Event) error {
		mu.Lock()
		firstSeqs = append(firstSeqs, batch[0].Seq)
		mu.Unlock()
		if broken.Load() {
			if attempts.Add(1) == 1 {
				panic("handler bug")
			}
			return errors.New("webhook endpoint said 503")
		}
		return bad.handle(ctx, batch)
	}})
	start(t, d)
	head := emit(t, db, 50)

	eventually(t, "good consumer to finish", func() bool { return status(d, "good").Cursor == head })
	eventually(t, "bad consumer to fail a few times", func() bool { return status(d, "bad").Failures >= 3 })
	s := status(d, "bad")
	if s.Cursor != 0 || s.Lag != head {
		t.Errorf("failing consumer moved: %+v", s)
	}
	if !strings.Contains(s.LastError, "503") || s.LastErrorAt.IsZero() || s.NextRetryAt.IsZero() {
		t.Errorf("failure not visible in status: %+v", s)
	}
	if !s.NextRetryAt.After(s.LastErrorAt) {
		t.Errorf("next retry %v is not after the error %v", s.NextRetryAt, s.LastErrorAt)
	}

	broken.Store(false)
	eventually(t, "bad consumer to recover", func() bool { return status(d, "bad").Cursor == head })
	s = status(d, "bad")
	if s.Failures != 0 || !s.NextRetryAt.IsZero() {
		t.Errorf("recovered consumer still marked failing: %+v", s)
	}
	seqs, _ := bad.snapshot()
	if !slices.Equal(seqs, seqRange(1, head)) {
		t.Errorf("recovered consumer got %v", seqs)
	}
	mu.Lock()
	defer mu.Unlock()
	failed := int(attempts.Load())
	for i, first := range firstSeqs[:failed+1] {
		if first != 1 {
			t.Errorf("attempt %d started at %d: a failed batch must be retried from its start", i, first)
		}
	}
}

func TestCursorSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	cursorFile := filepath.Join(t.TempDir(), "cursor")
	external := func(r *recorder) events.Consumer {
		return events.Consumer{Name: "external", Handle: r.handle,
			LoadCursor: func() (uint64, error) {
				raw, err := os.ReadFile(cursorFile)
				if errors.Is(err, os.ErrNotExist) {
					return 0, nil
				} else if err != nil {
					return 0, err
				}
				return strconv.ParseUint(string(raw), 10, 64)
			},
			SaveCursor: func(seq uint64) error { return os.WriteFile(cursorFile, []byte(fmt.Sprint(seq)), 0o600) },
		}
	}
	round := func(n int) (inBolt, outside []uint64, head uint64) {
		db, err := storage.Open(dir, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		head = emit(t, db, n)
		a, b := &recorder{}, &recorder{}
		d := events.New(db, fastOptions())
		d.Register(events.Consumer{Name: "bolt", Handle: a.handle})
		d.Register(external(b))
		if err := d.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		eventually(t, "both consumers at head", func() bool {
			return status(d, "bolt").Cursor == head && status(d, "external").Cursor == head
		})
		d.Stop()
		if err := db.Check(); err != nil {
			t.Fatal(err)
		}
		inBolt, _ = a.snapshot()
		outside, _ = b.snapshot()
		return inBolt, outside, head
	}
	a1, b1, head1 := round(30)
	a2, b2, head2 := round(12)
	if !slices.Equal(a1, seqRange(1, head1)) || !slices.Equal(b1, seqRange(1, head1)) {
		t.Fatalf("first run: %v / %v", a1, b1)
	}
	if !slices.Equal(a2, seqRange(head1+1, head2)) {
		t.Errorf("after reopen the bbolt-cursor consumer got %v, want %d..%d", a2, head1+1, head2)
	}
	if !slices.Equal(b2, seqRange(head1+1, head2)) {
		t.Errorf("after reopen the external-cursor consumer got %v, want %d..%d", b2, head1+1, head2)
	}
}

func TestEphemeralStartsAtHead(t *testing.T) {
	db := openDB(t, t.TempDir())
	emit(t, db, 25)
	d := events.New(db, fastOptions())
	live := &recorder{}
	d.Register(events.Consumer{Name: "push", Ephemeral: true, Handle: live.handle})
	start(t, d)
	if s := status(d, "push"); s.Cursor != 25 || s.Lag != 0 || !s.Ephemeral {
		t.Fatalf("ephemeral consumer did not start at head: %+v", s)
	}
	head := emit(t, db, 5)
	eventually(t, "ephemeral consumer at head", func() bool { return status(d, "push").Cursor == head })
	if seqs, _ := live.snapshot(); !slices.Equal(seqs, seqRange(26, 30)) {
		t.Errorf("ephemeral consumer got %v, want 26..30", seqs)
	}
	db.View(func(tx *storage.Tx) error {
		if c, ok := tx.ConsumerCursors()["push"]; ok {
			t.Errorf("ephemeral consumer stored a cursor %d", c)
		}
		return nil
	})
}

func TestPruneKeepsEventsALaggingConsumerHasNotRead(t *testing.T) {
	db := openDB(t, t.TempDir())
	opts := fastOptions()
	opts.PruneBatch = 7 // several prune transactions per call
	d := events.New(db, opts)
	fast := &recorder{}
	d.Register(events.Consumer{Name: "fast", Handle: fast.handle})
	d.Register(events.Consumer{Name: "push", Ephemeral: true, Handle: func(context.Context, []storage.Event) error {
		return errors.New("ephemeral consumers never hold the outbox back")
	}})
	var stuck atomic.Bool
	stuck.Store(true)
	slow := &recorder{}
	d.Register(events.Consumer{Name: "slow", BatchSize: 10, Handle: func(ctx context.Context, batch []storage.Event) error {
		if stuck.Load() && batch[0].Seq > 30 {
			return errors.New("stuck")
		}
		return slow.handle(ctx, batch)
	}})
	head := emit(t, db, 100)

	// Before Start the stored cursors (none yet) are the bound: nothing may go.
	if n, err := d.Prune(); err != nil || n != 0 {
		t.Fatalf("prune before any delivery deleted %d (%v)", n, err)
	}
	start(t, d)
	eventually(t, "fast consumer at head", func() bool { return status(d, "fast").Cursor == head })
	eventually(t, "slow consumer stuck at 30", func() bool {
		s := status(d, "slow")
		return s.Cursor == 30 && s.Failures > 0
	})
	n, err := d.Prune()
	if err != nil || n != 30 {
		t.Fatalf("prune deleted %d (%v), want 30", n, err)
	}
	db.View(func(tx *storage.Tx) error {
		if tail := tx.OutboxTail(); tail != 31 {
			t.Errorf("outbox tail = %d, want 31", tail)
		}
		return nil
	})

	stuck.Store(false)
	eventually(t, "slow consumer at head", func() bool { return status(d, "slow").Cursor == head })
	if seqs, _ := slow.snapshot(); !slices.Equal(seqs, seqRange(1, head)) {
		t.Errorf("slow consumer lost events to pruning: %v", seqs)
	}
	if n, err := d.Prune(); err != nil || n != 70 {
		t.Fatalf("second prune deleted %d (%v), want 70", n, err)
	}
	db.View(func(tx *storage.Tx) error {
		if tail := tx.OutboxTail(); tail != 0 {
			t.Errorf("outbox not empty: tail %d", tail)
		}
		if tx.OutboxHead() != head {
			t.Errorf("pruning moved the head")
		}
		return nil
	})
}

func TestPruneWaitsForExternalCursor(t *testing.T) {
	db := openDB(t, t.TempDir())
	emit(t, db, 10)
	d := events.New(db, fastOptions())
	d.Register(events.Consumer{Name: "index", Handle: func(context.Context, []storage.Event) error { return nil },
		LoadCursor: func() (uint64, error) { return 10, nil }})
	if n, err := d.Prune(); err != nil || n != 0 {
		t.Fatalf("pruned %d (%v) before the external cursor was known", n, err)
	}
}

func TestRegisterRejectsDuplicates(t *testing.T) {
	db := openDB(t, t.TempDir())
	d := events.New(db, fastOptions())
	h := func(context.Context, []storage.Event) error { return nil }
	d.Register(events.Consumer{Name: "search", Handle: h})
	defer func() {
		if recover() == nil {
			t.Error("duplicate consumer name did not panic")
		}
	}()
	d.Register(events.Consumer{Name: "search", Handle: h})
}

func BenchmarkDispatch(b *testing.B) {
	db, err := storage.Open(b.TempDir(), storage.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for left := b.N; left > 0; left -= 1000 {
		emit(b, db, min(left, 1000))
	}
	var seen atomic.Int64
	done := make(chan struct{})
	d := events.New(db, events.Options{Logger: quiet})
	d.Register(events.Consumer{Name: "bench", Handle: func(_ context.Context, batch []storage.Event) error {
		if seen.Add(int64(len(batch))) == int64(b.N) {
			close(done)
		}
		return nil
	}})
	b.ResetTimer()
	if err := d.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	<-done
	b.StopTimer()
	d.Stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// TestStatusBeforeStart is what `parley doctor` shows on a stopped store: each consumer where it
// will resume, not zero.
func TestStatusBeforeStart(t *testing.T) {
	db := openDB(t, t.TempDir())
	for i := 0; i < 5; i++ {
		db.Update(func(tx *storage.Tx) error { return tx.Emit(storage.Event{Account: 1, Type: "x"}) })
	}
	db.Update(func(tx *storage.Tx) error { return tx.SetConsumerCursor("durable", 3) })
	d := events.New(db, events.Options{})
	noop := func(context.Context, []storage.Event) error { return nil }
	d.Register(events.Consumer{Name: "durable", Handle: noop})
	d.Register(events.Consumer{Name: "outside", Handle: noop, LoadCursor: func() (uint64, error) { return 4, nil }})
	d.Register(events.Consumer{Name: "push", Handle: noop, Ephemeral: true})
	want := map[string]uint64{"durable": 2, "outside": 1, "push": 0}
	for _, s := range d.Status() {
		if s.Lag != want[s.Name] {
			t.Errorf("%s: lag %d, want %d", s.Name, s.Lag, want[s.Name])
		}
	}
}

// A LazyCursor consumer writes no cursor per batch: within the interval the stored cursor stays
// behind, it is saved when the consumer goes idle after the interval, and always at Stop, so a
// restart resumes after the last event handled.
func TestLazyCursorSavedAfterTheIntervalAndAtStop(t *testing.T) {
	dir := t.TempDir()
	stored := func(db *storage.DB) uint64 {
		var c uint64
		db.View(func(tx *storage.Tx) error { c = tx.ConsumerCursor("lazy"); return nil })
		return c
	}
	run := func(interval time.Duration, n int, check func(db *storage.DB, d *events.Dispatcher, head uint64)) []uint64 {
		db, err := storage.Open(dir, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		opts := fastOptions()
		opts.CursorInterval = interval
		r := &recorder{}
		d := events.New(db, opts)
		d.Register(events.Consumer{Name: "lazy", Handle: r.handle, LazyCursor: true, BatchSize: 5})
		if err := d.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		var head uint64
		for range n {
			head = emit(t, db, 3)
		}
		eventually(t, "the consumer at head", func() bool { return status(d, "lazy").Cursor == head })
		check(db, d, head)
		d.Stop()
		if got := stored(db); got != head {
			t.Errorf("cursor stored at stop = %d, want %d", got, head)
		}
		seqs, _ := r.snapshot()
		return seqs
	}
	first := run(time.Hour, 10, func(db *storage.DB, _ *events.Dispatcher, head uint64) {
		if got := stored(db); got != 0 {
			t.Errorf("within the interval the stored cursor moved to %d; want it saved lazily", got)
		}
	})
	if !slices.Equal(first, seqRange(1, 30)) {
		t.Fatalf("first run handled %v", first)
	}
	second := run(time.Millisecond, 4, func(db *storage.DB, _ *events.Dispatcher, head uint64) {
		eventually(t, "the idle consumer to save its cursor", func() bool { return stored(db) == head })
	})
	if !slices.Equal(second, seqRange(31, 42)) {
		t.Errorf("after the restart the consumer handled %v, want 31..42", second)
	}
}

// A lingering consumer lets a short batch fill: events committed one by one within the linger
// arrive together, and a full batch does not wait.
func TestLingerGathersAShortBatch(t *testing.T) {
	db := openDB(t, t.TempDir())
	r := &recorder{}
	d := events.New(db, fastOptions())
	d.Register(events.Consumer{Name: "lingering", Handle: r.handle, BatchSize: 5, Linger: time.Hour})
	start(t, d)
	for range 3 {
		emit(t, db, 1)
	}
	head := emit(t, db, 2)
	eventually(t, "the full batch", func() bool { return status(d, "lingering").Cursor == head })
	seqs, batches := r.snapshot()
	if !slices.Equal(seqs, seqRange(1, 5)) || !slices.Equal(batches, []int{5}) {
		t.Errorf("got seqs %v in batches %v, want 1..5 in one batch", seqs, batches)
	}
}

// A consumer with Wait is handed nothing until Wait returns, then reads from the cursor it
// loads after; a failing Wait is a failure retried with backoff; Stop ends a Wait in progress.
func TestWaitHoldsTheConsumerUntilItReturns(t *testing.T) {
	db := openDB(t, t.TempDir())
	emit(t, db, 5)
	d := events.New(db, fastOptions())
	release := make(chan struct{})
	var calls atomic.Int32
	rec := &recorder{}
	d.Register(events.Consumer{Name: "held", Handle: rec.handle,
		Wait: func(ctx context.Context) error {
			if calls.Add(1) == 1 {
				return errors.New("not yet")
			}
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
		LoadCursor: func() (uint64, error) {
			select {
			case <-release:
				return 2, nil
			default:
				return 0, errors.New("loaded before Wait returned")
			}
		}})
	stuck := &recorder{}
	d.Register(events.Consumer{Name: "stuck", Handle: stuck.handle,
		Wait: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }})
	start(t, d)
	eventually(t, "the failed Wait retried", func() bool { return calls.Load() >= 2 })
	if s := status(d, "held"); s.Failures != 1 || !strings.Contains(s.LastError, "not yet") {
		t.Fatalf("status after a failed Wait: %+v", s)
	}
	time.Sleep(20 * time.Millisecond)
	if seqs, _ := rec.snapshot(); len(seqs) != 0 {
		t.Fatalf("handed %v while waiting", seqs)
	}
	close(release)
	eventually(t, "events after the loaded cursor", func() bool {
		seqs, _ := rec.snapshot()
		return slices.Equal(seqs, seqRange(3, 5))
	})
	if seqs, _ := stuck.snapshot(); len(seqs) != 0 {
		t.Fatalf("a consumer still waiting was handed %v", seqs)
	}
	d.Stop() // returns although "stuck" is still in its Wait
}
