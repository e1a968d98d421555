package storage

import (
	"encoding/json"
	"fmt"
	"time"
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
		e.Time = time.Now().UTC()
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("storage: encode event %s: %w", e.Type, err)
	}
	if err := b.Put(u64(seq), raw); err != nil {
		return fmt.Errorf("storage: emit %s: %w", e.Type, err)
	}
	tx.emitted = true
	return nil
}

// EmitData is Emit with a payload encoded as JSON.
func (tx *Tx) EmitData(e Event, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("storage: encode event %s: %w", e.Type, err)
	}
	e.Data = raw
	return tx.Emit(e)
}

// Events returns up to limit events with a sequence greater than after, in order.
func (tx *Tx) Events(after uint64, limit int) ([]Event, error) {
	c := tx.b.Bucket(bucketOutbox).Cursor()
	var out []Event
	for k, v := c.Seek(u64(after + 1)); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
		var e Event
		if err := json.Unmarshal(v, &e); err != nil {
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
	c := tx.b.Bucket(bucketOutbox).Cursor()
	n := 0
	for k, _ := c.First(); k != nil && decodeU64(k) <= upTo && n < max; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
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
