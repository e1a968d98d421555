// Package storage is Parley's embedded engine: one bbolt file per data dir holding every record,
// typed collections with indexes kept in the same transaction as the record, per-account
// sequences, a durable outbox (the change feed), schema migrations, content-addressed blobs and
// hot backups. Everything above it (services, search, scheduler) treats bbolt as the truth.
package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the bbolt file inside the data dir.
const FileName = "parley.db"

// ErrInUse is returned by Open when another process holds the data dir.
var ErrInUse = errors.New("data dir is in use by another Parley process")

// Bucket names of the engine's own buckets. Collection buckets are prefixed so they never clash.
var (
	bucketMeta    = []byte("_meta")
	bucketOutbox  = []byte("_outbox")
	bucketSeq     = []byte("_seq")
	bucketCounts  = []byte("_counts")
	bucketCursors = []byte("_cursors")

	keySchemaVersion = []byte("schema_version")
	keyWrittenBy     = []byte("written_by")
)

// Migration is one step of the schema: it runs once, in its own write transaction. The list is
// append-only; the schema version stored in the file is the number of steps applied.
type Migration struct {
	Name string
	Up   func(tx *Tx) error
}

// Options tunes Open. The zero value is usable.
type Options struct {
	// Migrations is the full, append-only list of schema steps this binary knows.
	Migrations []Migration
	// Version names the binary in the meta bucket, so a refusal can say who wrote the file.
	Version string
	// LockTimeout bounds the wait for the file lock held by another process (default 1s).
	LockTimeout time.Duration
	// NoSync skips fsync on commit. Only for benchmarks and throwaway stores.
	NoSync bool
}

// DB is an open store. It is safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	dir  string

	mu      sync.Mutex
	changed chan struct{} // closed and replaced after every commit that appended events
	recent  recentEvents

	batchMu  sync.Mutex
	batchQ   []*batchCall // Batch calls waiting for the next group commit
	batching bool         // a goroutine is committing groups; new calls only queue
}

// Open opens (creating when needed) the store in dir, takes the exclusive lock on it and runs any
// pending migrations. A second process on the same dir gets ErrInUse within LockTimeout.
func Open(dir string, opts Options) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: create data dir: %w", err)
	}
	timeout := opts.LockTimeout
	if timeout == 0 {
		timeout = time.Second
	}
	path := filepath.Join(dir, FileName)
	// The list of free pages is written at Close only, not at every commit: a store that has
	// grown and shrunk holds hundreds of thousands of free pages, and writing their list with
	// every commit was most of a one-message commit (3.5 ms at p50 on the 1M bench store; 1.2
	// without). After a crash the next Open rebuilds the list by walking every page (about a
	// second per 2 GB). The map free list allocates and frees without walking the whole list.
	b, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         timeout,
		FreelistType:    bolt.FreelistMapType,
		NoFreelistSync:  true,
		InitialMmapSize: 1 << 28,
		NoSync:          opts.NoSync,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("storage: open %s: %w", dir, ErrInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	db := &DB{bolt: b, dir: dir, changed: make(chan struct{}), recent: recentEvents{buf: make([]Event, recentCap)}}
	if err := db.migrate(opts); err != nil {
		b.Close()
		return nil, err
	}
	return db, nil
}

// Dir is the data dir the store lives in; blobs, index and backups sit beside the file.
func (db *DB) Dir() string { return db.dir }

// Path is the bbolt file.
func (db *DB) Path() string { return db.bolt.Path() }

// Close writes the list of free pages (so the next Open reads it instead of rebuilding it),
// then releases the file and its lock.
func (db *DB) Close() error {
	err := db.bolt.Update(func(*bolt.Tx) error {
		// Inside the write lock: no other commit reads the flag meanwhile. This commit, and only
		// this one, writes the list.
		db.bolt.NoFreelistSync = false
		return nil
	})
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		err = nil // closed before
	}
	if cerr := db.bolt.Close(); err == nil {
		err = cerr
	}
	return err
}

// Bolt exposes the underlying bbolt handle for the engine's siblings (backup, checks).
func (db *DB) Bolt() *bolt.DB { return db.bolt }

func (db *DB) migrate(opts Options) error {
	var version uint64
	var writtenBy string
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketOutbox, bucketSeq, bucketCounts, bucketCursors} {
			if _, err := btx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := btx.Bucket(bucketMeta)
		if v := meta.Get(keySchemaVersion); len(v) == 8 {
			version = binary.BigEndian.Uint64(v)
		}
		writtenBy = string(meta.Get(keyWrittenBy))
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: read schema version: %w", err)
	}
	known := uint64(len(opts.Migrations))
	if version > known {
		who := writtenBy
		if who == "" {
			who = "a newer Parley"
		}
		return fmt.Errorf("storage: the data in %s was written by %s (schema %d) and this binary only knows schema %d: install that version or newer",
			db.dir, who, version, known)
	}
	for i := version; i < known; i++ {
		m := opts.Migrations[i]
		err := db.Update(func(tx *Tx) error {
			if err := m.Up(tx); err != nil {
				return err
			}
			meta := tx.b.Bucket(bucketMeta)
			if err := meta.Put(keySchemaVersion, u64(i+1)); err != nil {
				return err
			}
			return meta.Put(keyWrittenBy, []byte(opts.Version))
		})
		if err != nil {
			return fmt.Errorf("storage: migration %d (%s): %w", i+1, m.Name, err)
		}
	}
	if opts.Version != "" && writtenBy != opts.Version {
		return db.Update(func(tx *Tx) error { return tx.b.Bucket(bucketMeta).Put(keyWrittenBy, []byte(opts.Version)) })
	}
	return nil
}

// SchemaVersion is the number of migrations applied to the file.
func (db *DB) SchemaVersion() (uint64, error) {
	var v uint64
	err := db.View(func(tx *Tx) error {
		if b := tx.b.Bucket(bucketMeta).Get(keySchemaVersion); len(b) == 8 {
			v = binary.BigEndian.Uint64(b)
		}
		return nil
	})
	return v, err
}

// Tx is a read or write transaction. Keep it short and free of I/O: a write transaction blocks
// every other writer.
type Tx struct {
	b       *bolt.Tx
	db      *DB
	emitted bool
	// pending are the events this transaction appended, handed to DB.recent when it commits.
	pending []Event
}

// Update runs fn in a write transaction; everything fn wrote (records, indexes, events, jobs)
// commits together or not at all.
func (db *DB) Update(fn func(tx *Tx) error) error {
	var emitted bool
	err := db.bolt.Update(func(b *bolt.Tx) error {
		tx := &Tx{b: b, db: db}
		if err := fn(tx); err != nil {
			return err
		}
		emitted = tx.emitted
		return nil
	})
	if err == nil && emitted {
		db.signal()
	}
	return err
}

// Batch runs fn in a write transaction shared with other goroutines calling Batch at the same
// time, so that many small writes cost one commit and one fsync. Use it where many goroutines
// write at once (webhook receivers, widget messages); a single goroutine that has many records
// should put them all in one Update instead.
//
// The store commits groups back to back: a call that finds no commit running starts one at once
// (a lone writer waits for nobody), and calls that arrive while a commit runs all go into the
// next one. So a group is as large as the load makes it, with no timer (bbolt's own Batch closes
// a group after a fixed delay, which under load queues many small commits on the writer lock).
//
// fn may run more than once (when a companion fails, the others are run again without it, and the
// failing call is run again alone), so it must only write through tx and must reset anything it
// sets outside.
func (db *DB) Batch(fn func(tx *Tx) error) error {
	c := &batchCall{fn: fn, done: make(chan error, 1)}
	db.batchMu.Lock()
	db.batchQ = append(db.batchQ, c)
	if !db.batching {
		db.batching = true
		go db.commitGroups()
	}
	db.batchMu.Unlock()
	err := <-c.done
	if errors.Is(err, errTrySolo) {
		err = db.Update(fn)
	}
	return err
}

// maxBatchCalls bounds one group, so one commit's transaction (and the time its callers wait)
// stays short whatever the queue.
const maxBatchCalls = 1000

// batchCall is one caller of Batch waiting for its group's commit.
type batchCall struct {
	fn   func(tx *Tx) error
	done chan error
}

// errTrySolo tells a Batch caller that its fn failed among companions and must run alone, so
// that its error (or panic) is its own and reaches its own goroutine.
var errTrySolo = errors.New("storage: batch call failed; run it alone")

// commitGroups commits the queued Batch calls, one group per transaction, until the queue is
// empty.
func (db *DB) commitGroups() {
	for {
		db.batchMu.Lock()
		group := db.batchQ
		if len(group) > maxBatchCalls {
			group = group[:maxBatchCalls:maxBatchCalls]
			db.batchQ = db.batchQ[maxBatchCalls:]
		} else {
			db.batchQ = nil
		}
		if len(group) == 0 {
			db.batching = false
			db.batchMu.Unlock()
			return
		}
		db.batchMu.Unlock()
		db.commitGroup(group)
	}
}

// commitGroup runs the calls of one group in one write transaction. A call that fails (or
// panics) is taken out and told to run alone; the transaction is rolled back and the others run
// again without it.
func (db *DB) commitGroup(group []*batchCall) {
	for len(group) > 0 {
		failed := -1
		emitted := false
		err := db.bolt.Update(func(b *bolt.Tx) error {
			for i, c := range group {
				tx := &Tx{b: b, db: db}
				if err := runGuarded(c.fn, tx); err != nil {
					failed = i
					return err
				}
				emitted = emitted || tx.emitted
			}
			return nil
		})
		if failed >= 0 {
			group[failed].done <- errTrySolo
			group = append(group[:failed:failed], group[failed+1:]...)
			continue
		}
		if err == nil && emitted {
			db.signal()
		}
		for _, c := range group {
			c.done <- err
		}
		return
	}
}

// runGuarded calls fn, turning a panic into an error so that one caller's bug does not take
// down the goroutine committing everybody's writes (the caller then runs fn alone and panics in
// its own goroutine).
func runGuarded(fn func(tx *Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("storage: batch call panicked: %v", p)
		}
	}()
	return fn(tx)
}

// View runs fn in a read-only transaction over a consistent snapshot.
func (db *DB) View(fn func(tx *Tx) error) error {
	return db.bolt.View(func(b *bolt.Tx) error { return fn(&Tx{b: b, db: db}) })
}

// Bolt exposes the bbolt transaction for code in the engine's family that needs raw buckets.
func (tx *Tx) Bolt() *bolt.Tx { return tx.b }

// DB is the store the transaction belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// Writable tells a write transaction from a read one.
func (tx *Tx) Writable() bool { return tx.b.Writable() }

// OnCommit runs fn after the transaction commits (never if it rolls back). Use it to wake
// in-memory waiters, never to do work that must be durable.
func (tx *Tx) OnCommit(fn func()) { tx.b.OnCommit(fn) }

// Changed returns a channel that is closed at the next commit that appends events. Waiters call
// it again after each wake-up.
func (db *DB) Changed() <-chan struct{} {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.changed
}

func (db *DB) signal() {
	db.mu.Lock()
	close(db.changed)
	db.changed = make(chan struct{})
	db.mu.Unlock()
}

// NextNumber returns the next value of a per-account counter (conversation #1, #2 …). It is part
// of the transaction: a rollback gives the number back.
func (tx *Tx) NextNumber(account uint64, name string) (uint64, error) {
	b := tx.b.Bucket(bucketSeq)
	key := append(u64(account), name...)
	var n uint64
	if v := b.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	if err := b.Put(key, u64(n)); err != nil {
		return 0, fmt.Errorf("storage: next number %s: %w", name, err)
	}
	return n, nil
}

// Check runs bbolt's consistency check over the whole file and returns the first problem. It
// runs in a write transaction: the check compares the pages it reaches with the free list, which
// a concurrent writer changes under a read transaction ("reachable freed" that is not real), so
// it holds the writer lock while it reads. Nothing is written; the transaction rolls back.
func (db *DB) Check() error {
	var problem error
	err := db.bolt.Update(func(b *bolt.Tx) error {
		for err := range b.Check() {
			problem = err
			break
		}
		return errRollback
	})
	if problem != nil {
		return problem
	}
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

// errRollback ends a write transaction that must not commit.
var errRollback = errors.New("storage: rollback")

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}
