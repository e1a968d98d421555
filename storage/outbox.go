package storage

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	jsonv1 "github.com/go-json-experiment/json/v1" // encoding/json's behaviour on the json/v2 engine, twice as fast to decode
)

// Feed event types appended by collections declared with Feed.
const (
	EventChanged = "storage.changed"
	EventDeleted = "storage.deleted"
)

// Event is one entry of the change feed. Services emit domain events (Type such as
// "conversation_created") with the entity they touched; Data carries the payload consumers need
// that cannot be re-read later (for instance the previous status).
type Event struct {
	Seq     uint64          `json:"seq"`
	Account uint64          `json:"account_id"`
	Type    string          `json:"type"`
	Entity  string          `json:"entity,omitempty"`
	ID      uint64          `json:"id,omitempty"`
	Actor   uint64          `json:"actor_id,omitempty"`
	Time    time.Time       `json:"time"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// DecodeData decodes the event's payload into v, as encoding/json would (every consumer of a
// busy feed decodes each event's payload: this is twice as fast).
func (e *Event) DecodeData(v any) error { return jsonv1.Unmarshal(e.Data, v) }

// Emit appends an event to the outbox in this transaction: it is delivered if and only if the
// transaction commits.
func (tx *Tx) Emit(e Event) error {
	b := tx.b.Bucket(bucketOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("storage: emit %s: %w", e.Type, err)
	}
	e.Seq = seq
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC() // as the outbox gives it back, for readers served from memory

	raw, err := jsonv1.Marshal(e)
	if err != nil {
		return fmt.Errorf("storage: encode event %s: %w", e.Type, err)
	}
	if err := b.Put(u64(seq), raw); err != nil {
		return fmt.Errorf("storage: emit %s: %w", e.Type, err)
	}
	tx.emitted = true
	if len(tx.pending) == 0 {
		tx.b.OnCommit(func() { tx.db.recent.add(tx.pending) })
	}
	tx.pending = append(tx.pending, e)
	return nil
}

// EmitData is Emit with a payload encoded as JSON.
func (tx *Tx) EmitData(e Event, data any) error {
	raw, err := jsonv1.Marshal(data)
	if err != nil {
		return fmt.Errorf("storage: encode event %s: %w", e.Type, err)
	}
	e.Data = raw
	return tx.Emit(e)
}

// Events returns up to limit events with a sequence greater than after, in order. Events
// committed lately come from memory (DB.recent): every consumer at the head of the feed reads the
// same few, and decoding them once per consumer from the file cost more than handling them.
func (tx *Tx) Events(after uint64, limit int) ([]Event, error) {
	upTo := tx.OutboxHead()
	if limit > 0 && after+uint64(limit) < upTo {
		upTo = after + uint64(limit)
	}
	if upTo <= after {
		return nil, nil
	}
	if out, ok := tx.db.recent.get(after, upTo); ok {
		return out, nil
	}
	c := tx.b.Bucket(bucketOutbox).Cursor()
	var out []Event
	for k, v := c.Seek(u64(after + 1)); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
		var e Event
		if err := jsonv1.Unmarshal(v, &e); err != nil {
			return out, fmt.Errorf("storage: decode event %d: %w", decodeU64(k), err)
		}
		out = append(out, e)
	}
	return out, nil
}

// OutboxHead is the sequence of the last event ever appended (0 for none).
func (tx *Tx) OutboxHead() uint64 { return tx.b.Bucket(bucketOutbox).Sequence() }

// OutboxTail is the sequence of the oldest event still kept (0 when the outbox is empty).
func (tx *Tx) OutboxTail() uint64 {
	k, _ := tx.b.Bucket(bucketOutbox).Cursor().First()
	if k == nil {
		return 0
	}
	return decodeU64(k)
}

// PruneOutbox deletes events with a sequence up to and including upTo, at most max of them, and
// returns how many it deleted. Callers pass the lowest cursor of all durable consumers.
func (tx *Tx) PruneOutbox(upTo uint64, max int) (int, error) {
	// The keys are collected first and deleted after: a cursor's First after each Delete walks
	// the leaves emptied so far, which made pruning a large backlog quadratic.
	b := tx.b.Bucket(bucketOutbox)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && decodeU64(k) <= upTo && len(keys) < max; k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for i, k := range keys {
		if err := b.Delete(k); err != nil {
			return i, err
		}
	}
	return len(keys), nil
}

// ConsumerCursor is the last sequence a named consumer has finished (0 for a new consumer).
func (tx *Tx) ConsumerCursor(name string) uint64 {
	v := tx.b.Bucket(bucketCursors).Get([]byte(name))
	if len(v) != 8 {
		return 0
	}
	return decodeU64(v)
}

// SetConsumerCursor records that a consumer has finished every event up to seq.
func (tx *Tx) SetConsumerCursor(name string, seq uint64) error {
	return tx.b.Bucket(bucketCursors).Put([]byte(name), u64(seq))
}

// ConsumerCursors lists every durable cursor, for status pages and pruning.
func (tx *Tx) ConsumerCursors() map[string]uint64 {
	out := map[string]uint64{}
	tx.b.Bucket(bucketCursors).ForEach(func(k, v []byte) error {
		if len(v) == 8 {
			out[string(k)] = decodeU64(v)
		}
		return nil
	})
	return out
}

// recentCap is how many committed events DB.recent keeps: a few seconds of a busy inbox, so a
// consumer that keeps up never reads the file, at a few MB of memory.
const recentCap = 8192

// recentEvents holds the last events committed, each in slot Seq % len(buf). Commits may hand
// their events over out of order (bbolt runs commit handlers after releasing the writer lock),
// and a transaction that rolled back hands nothing, so a range is served only when every slot in
// it holds the sequence asked for; otherwise the caller reads the outbox.
type recentEvents struct {
	mu  sync.RWMutex
	buf []Event
}

func (r *recentEvents) add(es []Event) {
	r.mu.Lock()
	for _, e := range es {
		r.buf[e.Seq%uint64(len(r.buf))] = e
	}
	r.mu.Unlock()
}

// get returns the events after..upTo (after excluded) when all are held.
func (r *recentEvents) get(after, upTo uint64) ([]Event, bool) {
	n := upTo - after
	if n > uint64(len(r.buf)) {
		return nil, false
	}
	out := make([]Event, 0, n)
	r.mu.RLock()
	defer r.mu.RUnlock()
	for seq := after + 1; seq <= upTo; seq++ {
		e := r.buf[seq%uint64(len(r.buf))]
		if e.Seq != seq {
			return nil, false
		}
		out = append(out, e)
	}
	return out, true
}
