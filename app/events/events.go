// Package events delivers the storage outbox (the change feed) to named consumers: each keeps its
// own cursor, gets events in order, at least once, and a failing consumer is retried with backoff
// without holding up the others.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"sync"
	"time"

	"github.com/parleyhq/parley/storage"
)

// Consumer is one reader of the change feed.
type Consumer struct {
	// Name identifies the consumer and its durable cursor; it must stay stable across releases.
	Name string
	// Handle processes a batch of events in sequence order. Returning an error retries the same
	// batch later with backoff; handlers must therefore be idempotent.
	Handle func(ctx context.Context, batch []storage.Event) error
	// BatchSize caps the events per Handle call (default 256).
	BatchSize int
	// Ephemeral consumers (realtime push) start at the head of the feed and keep no cursor.
	Ephemeral bool
	// LoadCursor and SaveCursor, when set, keep the cursor outside bbolt (the search index keeps it
	// inside itself, atomically with the documents). SaveCursor may be nil when Handle already
	// stored it.
	LoadCursor func() (uint64, error)
	SaveCursor func(seq uint64) error
	// Wait, when set, is waited for before the cursor is loaded: the consumer has nothing to do
	// until it returns (the search index while it is rebuilt). An error other than the stop of
	// the dispatcher counts as a failure and is retried with backoff.
	Wait func(ctx context.Context) error
	// LazyCursor saves the cursor at most once per Options.CursorInterval and when the consumer
	// stops, instead of in a write transaction after every batch. It is for consumers that
	// handle most events by ignoring them and whose effects dedupe (webhooks key deliveries by
	// event, the outbox re-reads a message's status): a crash replays at most an interval's
	// events, while a busy inbox is spared a commit and an fsync per consumer per batch.
	LazyCursor bool
	// Linger is how long the consumer lets a short batch fill before handling it (0: at once).
	// The search index wants it: each batch becomes a segment that the merger later rewrites,
	// so a few large batches cost far less than many of one event, at the price of the delay.
	Linger time.Duration
}

// DefaultBatchSize is the BatchSize of a consumer that sets none.
const DefaultBatchSize = 256

// Options tunes a Dispatcher. The zero value is the production setting.
type Options struct {
	// Logger receives failures and recoveries (default slog.Default()).
	Logger *slog.Logger
	// MinBackoff and MaxBackoff bound the wait before a failed batch is retried; the wait doubles
	// with each consecutive failure (defaults 1s and 5min).
	MinBackoff, MaxBackoff time.Duration
	// PruneInterval is how often delivered events are deleted from the outbox (default 10s).
	// Pruning often keeps the outbox small, so the pages it frees are soon reused and bbolt's
	// free list, which every commit writes out whole, stays short.
	PruneInterval time.Duration
	// PruneBatch caps the events deleted per write transaction, so pruning a large backlog never
	// holds the writer lock for long (default 10,000).
	PruneBatch int
	// CursorInterval is how long a LazyCursor consumer's cursor may go unsaved (default 1s).
	CursorInterval time.Duration
}

// ConsumerStatus is one consumer's position and health, for status pages and `parley doctor`.
type ConsumerStatus struct {
	Name string `json:"name"`
	// Cursor is the last sequence the consumer finished; Head the last sequence appended.
	Cursor uint64 `json:"cursor"`
	Head   uint64 `json:"head"`
	Lag    uint64 `json:"lag"`
	// Failures counts consecutive failed attempts; it is reset by the next success.
	Failures    int       `json:"failures"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	NextRetryAt time.Time `json:"next_retry_at,omitzero"`
	Ephemeral   bool      `json:"ephemeral,omitempty"`
}

// Dispatcher runs one goroutine per registered consumer plus the outbox pruner.
type Dispatcher struct {
	db   *storage.DB
	opts Options
	log  *slog.Logger

	mu        sync.Mutex
	consumers []*runner
	started   bool
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// runner is a consumer and its in-memory state; the fields below c are guarded by Dispatcher.mu.
type runner struct {
	c Consumer

	loaded      bool   // cursor is known (loaded at start, or set to the head for ephemerals)
	cursor      uint64 // last sequence durably finished (in memory only for ephemerals)
	failures    int
	lastError   string
	lastErrorAt time.Time
	nextRetryAt time.Time
}

// New builds a dispatcher over the store's outbox. Register consumers, then Start it.
func New(db *storage.DB, opts Options) *Dispatcher {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.PruneInterval <= 0 {
		opts.PruneInterval = 10 * time.Second
	}
	if opts.PruneBatch <= 0 {
		opts.PruneBatch = 10_000
	}
	if opts.CursorInterval <= 0 {
		opts.CursorInterval = time.Second
	}
	return &Dispatcher{db: db, opts: opts, log: opts.Logger}
}

// Register adds a consumer. It must be called before Start; a missing name or handler, a
// duplicate name or a late registration is a programming error and panics.
func (d *Dispatcher) Register(c Consumer) {
	if c.Name == "" || c.Handle == nil {
		panic("events: consumer needs Name and Handle")
	}
	if c.Ephemeral && (c.LoadCursor != nil || c.SaveCursor != nil) {
		panic("events: ephemeral consumer " + c.Name + " cannot keep a cursor")
	}
	if c.SaveCursor != nil && c.LoadCursor == nil {
		panic("events: consumer " + c.Name + " has SaveCursor without LoadCursor")
	}
	if c.LazyCursor && (c.Ephemeral || c.LoadCursor != nil) {
		panic("events: consumer " + c.Name + " keeps its cursor elsewhere; LazyCursor is for cursors the dispatcher saves")
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started {
		panic("events: Register(" + c.Name + ") after Start")
	}
	for _, r := range d.consumers {
		if r.c.Name == c.Name {
			panic("events: duplicate consumer " + c.Name)
		}
	}
	d.consumers = append(d.consumers, &runner{c: c})
}

// Start launches the consumers and the pruner. Ephemeral consumers are positioned at the head
// here, so they see every event committed after Start returns. Call Stop to end them.
func (d *Dispatcher) Start(ctx context.Context) error {
	var head uint64
	if err := d.db.View(func(tx *storage.Tx) error { head = tx.OutboxHead(); return nil }); err != nil {
		return fmt.Errorf("events: read outbox head: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started {
		return errors.New("events: dispatcher already started")
	}
	d.started = true
	ctx, d.cancel = context.WithCancel(ctx)
	for _, r := range d.consumers {
		if r.c.Ephemeral {
			r.cursor, r.loaded = head, true
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.run(ctx, r)
		}()
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.pruneLoop(ctx)
	}()
	return nil
}

// Stop cancels the consumers and waits for them; a Handle call in progress sees its context
// cancelled and its batch is delivered again at the next start.
func (d *Dispatcher) Stop() {
	d.mu.Lock()
	cancel := d.cancel
	d.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	d.wg.Wait()
}

// Status reports every consumer's cursor, lag and last failure, in registration order.
func (d *Dispatcher) Status() []ConsumerStatus {
	var head uint64
	stored := map[string]uint64{}
	d.db.View(func(tx *storage.Tx) error {
		head = tx.OutboxHead()
		stored = tx.ConsumerCursors()
		return nil
	})
	// Before Start (parley doctor on a stopped store) the outside cursors are read here, so the
	// report shows where each consumer will resume rather than zero.
	outside := map[string]uint64{}
	for _, r := range d.consumers {
		if r.c.LoadCursor != nil && !d.isLoaded(r) {
			if c, err := r.c.LoadCursor(); err == nil {
				outside[r.c.Name] = c
			}
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]ConsumerStatus, 0, len(d.consumers))
	for _, r := range d.consumers {
		cursor := r.cursor
		switch {
		case r.loaded:
		case r.c.Ephemeral:
			cursor = head // starts at the head: it never lags behind history
		case r.c.LoadCursor != nil:
			cursor = outside[r.c.Name]
		default:
			cursor = stored[r.c.Name]
		}
		s := ConsumerStatus{
			Name: r.c.Name, Cursor: cursor, Head: head,
			Failures: r.failures, LastError: r.lastError, LastErrorAt: r.lastErrorAt,
			NextRetryAt: r.nextRetryAt, Ephemeral: r.c.Ephemeral,
		}
		if head > cursor {
			s.Lag = head - cursor
		}
		out = append(out, s)
	}
	return out
}

// run is one consumer's loop: load the cursor, then read, handle and advance until ctx ends.
func (d *Dispatcher) run(ctx context.Context, r *runner) {
	for !d.isLoaded(r) {
		if r.c.Wait != nil {
			if err := r.c.Wait(ctx); err != nil {
				if ctx.Err() != nil || !d.fail(ctx, r, fmt.Errorf("wait: %w", err)) {
					return
				}
				continue
			}
		}
		cursor, err := d.loadCursor(r)
		if err == nil {
			d.mu.Lock()
			r.cursor, r.loaded = cursor, true
			d.mu.Unlock()
			break
		}
		if !d.fail(ctx, r, fmt.Errorf("load cursor: %w", err)) {
			return
		}
	}
	var lingerUntil time.Time
	lazy := &lazyCursor{}
	if r.c.LazyCursor {
		lazy.saved, lazy.at = r.cursor, time.Now()
		defer d.flushLazy(r, lazy, true)
	}
	for ctx.Err() == nil {
		// Take the wake-up channel before reading, so a commit between the read and the wait
		// still wakes us.
		changed := d.db.Changed()
		d.mu.Lock()
		cursor := r.cursor
		d.mu.Unlock()
		var batch []storage.Event
		err := d.db.View(func(tx *storage.Tx) error {
			var err error
			batch, err = tx.Events(cursor, r.c.BatchSize)
			return err
		})
		if err != nil {
			if !d.fail(ctx, r, fmt.Errorf("read outbox after %d: %w", cursor, err)) {
				return
			}
			continue
		}
		if len(batch) == 0 {
			var flush <-chan time.Time
			var t *time.Timer
			if r.c.LazyCursor && lazy.saved != cursor {
				t = time.NewTimer(max(0, d.opts.CursorInterval-time.Since(lazy.at)))
				flush = t.C
			}
			select {
			case <-changed:
			case <-ctx.Done():
			case <-flush:
				d.flushLazy(r, lazy, true)
			}
			if t != nil {
				t.Stop()
			}
			continue
		}
		// A short batch waits until it is full or Linger has passed since it was first seen.
		if r.c.Linger > 0 && len(batch) < r.c.BatchSize {
			if lingerUntil.IsZero() {
				lingerUntil = time.Now().Add(r.c.Linger)
			}
			if wait := time.Until(lingerUntil); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-changed:
				case <-ctx.Done():
				}
				t.Stop()
				continue
			}
		}
		lingerUntil = time.Time{}
		if err := d.deliver(ctx, r, batch); err != nil {
			if ctx.Err() != nil {
				return // cancelled by Stop, not a failure of the consumer
			}
			if !d.fail(ctx, r, err) {
				return
			}
			continue
		}
		d.succeed(r, batch[len(batch)-1].Seq)
		if r.c.LazyCursor {
			d.flushLazy(r, lazy, false)
		}
	}
}

// lazyCursor is what a LazyCursor consumer's loop knows of its stored cursor.
type lazyCursor struct {
	saved uint64
	at    time.Time
}

// flushLazy saves a LazyCursor consumer's cursor when it moved and the interval is over (or
// now, when forced: the loop is idle or ending). A failed save is logged and tried again later;
// the events since the stored cursor are handled again after a restart, which these consumers
// tolerate.
func (d *Dispatcher) flushLazy(r *runner, l *lazyCursor, force bool) {
	d.mu.Lock()
	cursor := r.cursor
	d.mu.Unlock()
	if cursor == l.saved || (!force && time.Since(l.at) < d.opts.CursorInterval) {
		return
	}
	if err := d.db.Update(func(tx *storage.Tx) error { return tx.SetConsumerCursor(r.c.Name, cursor) }); err != nil {
		d.log.Warn("events: save cursor", "consumer", r.c.Name, "cursor", cursor, "err", err)
		return
	}
	l.saved, l.at = cursor, time.Now()
}

func (d *Dispatcher) isLoaded(r *runner) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return r.loaded
}

func (d *Dispatcher) loadCursor(r *runner) (uint64, error) {
	if r.c.LoadCursor != nil {
		return r.c.LoadCursor()
	}
	var cursor uint64
	err := d.db.View(func(tx *storage.Tx) error { cursor = tx.ConsumerCursor(r.c.Name); return nil })
	return cursor, err
}

// deliver hands one batch to the consumer and records its new cursor. A panic in Handle counts as
// a failure of this consumer instead of taking the whole program down.
func (d *Dispatcher) deliver(ctx context.Context, r *runner, batch []storage.Event) (err error) {
	last := batch[len(batch)-1].Seq
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			}
		}()
		err = r.c.Handle(ctx, batch)
	}()
	if err != nil {
		return err
	}
	switch {
	case r.c.Ephemeral, r.c.LazyCursor:
	case r.c.SaveCursor != nil:
		if err := r.c.SaveCursor(last); err != nil {
			return fmt.Errorf("save cursor %d: %w", last, err)
		}
	case r.c.LoadCursor != nil:
		// Handle stored the cursor itself, atomically with its own effects.
	default:
		if err := d.db.Update(func(tx *storage.Tx) error { return tx.SetConsumerCursor(r.c.Name, last) }); err != nil {
			return fmt.Errorf("save cursor %d: %w", last, err)
		}
	}
	return nil
}

func (d *Dispatcher) succeed(r *runner, cursor uint64) {
	d.mu.Lock()
	recovered := r.failures
	r.cursor = cursor
	r.failures = 0
	r.nextRetryAt = time.Time{}
	d.mu.Unlock()
	if recovered > 0 {
		d.log.Info("events: consumer recovered", "consumer", r.c.Name, "after_failures", recovered, "cursor", cursor)
	}
}

// fail records a failure, then waits out the backoff. It reports false when ctx ended meanwhile.
func (d *Dispatcher) fail(ctx context.Context, r *runner, err error) bool {
	now := time.Now()
	d.mu.Lock()
	r.failures++
	wait := d.backoff(r.failures)
	r.lastError = err.Error()
	r.lastErrorAt = now.UTC()
	r.nextRetryAt = now.Add(wait).UTC()
	failures := r.failures
	d.mu.Unlock()
	d.log.Warn("events: consumer failed", "consumer", r.c.Name, "failures", failures, "retry_in", wait, "err", err)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// backoff is MinBackoff doubled per consecutive failure, capped at MaxBackoff.
func (d *Dispatcher) backoff(failures int) time.Duration {
	f := float64(d.opts.MinBackoff) * math.Pow(2, float64(failures-1))
	if f >= float64(d.opts.MaxBackoff) {
		return d.opts.MaxBackoff
	}
	return time.Duration(f)
}

func (d *Dispatcher) pruneLoop(ctx context.Context) {
	t := time.NewTicker(d.opts.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := d.Prune(); err != nil {
				d.log.Warn("events: prune outbox", "err", err)
			}
		}
	}
}

// Prune deletes the events every durable consumer has finished, in short transactions, and
// returns how many it deleted. It deletes nothing while a consumer's cursor is unknown (not yet
// loaded from outside bbolt) and when no durable consumer is registered, because then nobody can
// say which events are done with.
func (d *Dispatcher) Prune() (int, error) {
	upTo, ok, err := d.pruneBound()
	if err != nil || !ok {
		return 0, err
	}
	total := 0
	for {
		var n int
		err := d.db.Update(func(tx *storage.Tx) error {
			var err error
			n, err = tx.PruneOutbox(upTo, d.opts.PruneBatch)
			return err
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("events: prune outbox up to %d: %w", upTo, err)
		}
		if n < d.opts.PruneBatch {
			return total, nil
		}
	}
}

// pruneBound is the lowest cursor of the registered durable consumers.
func (d *Dispatcher) pruneBound() (uint64, bool, error) {
	var stored map[string]uint64
	if err := d.db.View(func(tx *storage.Tx) error { stored = tx.ConsumerCursors(); return nil }); err != nil {
		return 0, false, fmt.Errorf("events: read cursors: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	upTo, found := uint64(math.MaxUint64), false
	for _, r := range d.consumers {
		if r.c.Ephemeral {
			continue
		}
		cursor := r.cursor
		if !r.loaded {
			if r.c.LoadCursor != nil {
				return 0, false, nil
			}
			cursor = stored[r.c.Name]
		}
		upTo, found = min(upTo, cursor), true
	}
	return upTo, found, nil
}
