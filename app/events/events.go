// Package events delivers the storage outbox (the change feed) to named consumers: each keeps its
// own cursor, gets events in order, at least once, and a failing consumer is retried with backoff
// without holding up the others.
package events

import (
	"context"

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
}
