package channels

// CONTRACT STUB — the replies/channels helper replaces this file.

import (
	"context"
	"log/slog"

	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/storage"
)

// Outbox is the change-feed consumer that delivers outgoing messages through their adapters.
type Outbox struct {
	db       *storage.DB
	convs    *conversations.Service
	adapters map[string]Adapter
	log      *slog.Logger
}

// NewOutbox builds the consumer for the given adapters.
func NewOutbox(db *storage.DB, convs *conversations.Service, log *slog.Logger, adapters ...Adapter) *Outbox {
	o := &Outbox{db: db, convs: convs, adapters: map[string]Adapter{}, log: log}
	for _, a := range adapters {
		o.adapters[a.ChannelType()] = a
	}
	return o
}

// Handle delivers the outgoing messages of a batch of events.
func (o *Outbox) Handle(ctx context.Context, batch []storage.Event) error { return nil }
