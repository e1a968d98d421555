package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// TemporaryError is implemented by adapter errors worth retrying (the provider is down, a rate
// limit, a dropped connection). The outbox returns such an error to the dispatcher, which
// retries the batch with backoff; any other error marks the message failed at once.
type TemporaryError interface{ Temporary() bool }

// Temporary wraps err as a temporary failure, for adapters whose errors do not say so already.
func Temporary(err error) error { return temporary{err} }

type temporary struct{ error }

func (temporary) Temporary() bool { return true }
func (t temporary) Unwrap() error { return t.error }
func isTemporary(err error) bool {
	var t TemporaryError
	return errors.As(err, &t) && t.Temporary()
}

// DefaultMaxAttempts is how many temporary failures in a row a message gets before it is
// marked failed (with backoff from 1s doubling, about a quarter of an hour): one channel's
// outage must not hold every other channel's messages back for long.
const DefaultMaxAttempts = 10

// ErrNoAdapter is the error text of messages of channels this build cannot send through.
const ErrNoAdapter = "this channel cannot send yet"

// Outbox is the change-feed consumer that delivers outgoing messages through their adapters.
// Delivery is at least once: a message is re-read before sending and skipped unless it is still
// "sending", so a batch redelivered after a crash or a retry does not send it twice (only a
// crash between the provider's answer and recording it can; adapters pass IdempotencyKey on
// where the provider dedups).
type Outbox struct {
	db       *storage.DB
	convs    *conversations.Service
	adapters map[string]Adapter
	log      *slog.Logger
	// MaxAttempts overrides DefaultMaxAttempts (tests).
	MaxAttempts int

	mu       sync.Mutex
	attempts map[uint64]int // message id → consecutive temporary failures (in memory)
}

// NewOutbox builds the consumer for the given adapters.
func NewOutbox(db *storage.DB, convs *conversations.Service, log *slog.Logger, adapters ...Adapter) *Outbox {
	if log == nil {
		log = slog.Default()
	}
	o := &Outbox{db: db, convs: convs, adapters: map[string]Adapter{}, log: log, attempts: map[uint64]int{}}
	for _, a := range adapters {
		o.adapters[a.ChannelType()] = a
	}
	return o
}

// Adapter returns the adapter serving a channel type (nil when this build has none).
func (o *Outbox) Adapter(channelType string) Adapter { return o.adapters[channelType] }

// Handle delivers the outgoing messages of a batch of events. It returns an error only for a
// temporary failure (or a store error), so the dispatcher retries the batch; the messages it
// already delivered are skipped on the retry because they are no longer "sending".
func (o *Outbox) Handle(ctx context.Context, batch []storage.Event) error {
	for _, e := range batch {
		if e.Type != conversations.EventMessageCreated || len(e.Data) == 0 {
			continue
		}
		var d conversations.EventData
		if err := e.DecodeData(&d); err != nil {
			o.log.Error("outbox: undecodable message event", "seq", e.Seq, "err", err)
			continue
		}
		m := d.Message
		if m == nil || !deliverable(m) {
			continue
		}
		if err := o.deliver(ctx, e.Account, m.ID); err != nil {
			return err
		}
	}
	return nil
}

// deliverable says whether a message is the business's outgoing message still to send: notes,
// incoming and activity lines never leave, and an echo (sent from the phone's own app) is
// stored already sent.
func deliverable(m *conversations.Message) bool {
	return m.Type == conversations.Outgoing && !m.Private && m.Status == conversations.StatusSending
}

// deliver sends message id of account through its inbox's adapter and records the result.
func (o *Outbox) deliver(ctx context.Context, account, id uint64) error {
	var out Outbound
	var gone string // why the message cannot be sent at all
	err := o.db.View(func(tx *storage.Tx) error {
		m, err := conversations.Messages.Get(tx, account, id)
		if err != nil {
			return err
		}
		out.Message = *m
		if !deliverable(m) {
			return nil
		}
		c, err := conversations.Conversations.Get(tx, account, m.ConversationID)
		if err != nil {
			gone = "the conversation no longer exists"
			return nil
		}
		out.Conversation = *c
		in, err := inboxes.Inboxes.Get(tx, account, c.InboxID)
		if err != nil {
			gone = "the inbox no longer exists"
			return nil
		}
		out.Inbox = *in
		if ct, err := contacts.Contacts.Get(tx, account, c.ContactID); err == nil {
			out.Contact = *ct
		}
		if ci, err := contacts.ContactInboxes.Get(tx, account, c.ContactInboxID); err == nil {
			out.SourceID = ci.SourceID
		}
		return nil
	})
	switch {
	case apperr.Is(err, apperr.NotFound):
		return nil // deleted since: nothing to send
	case err != nil:
		return err
	case !deliverable(&out.Message):
		return nil // already sent (or failed) by an earlier delivery of this event
	case gone != "":
		return o.record(ctx, account, id, conversations.StatusFailed, "", gone)
	case out.Message.SourceID != "":
		// An integration posted a message it had delivered itself, with the channel's id for
		// it: sending it again would duplicate it; it only needs to stop showing "sending".
		return o.record(ctx, account, id, conversations.StatusSent, "", "")
	}
	a := o.adapters[out.Inbox.ChannelType]
	if a == nil {
		return o.record(ctx, account, id, conversations.StatusFailed, "", ErrNoAdapter)
	}
	out.IdempotencyKey = fmt.Sprintf("parley-msg-%d", id)
	// Outside any transaction: a provider call can take seconds and must not hold the writer.
	sourceID, err := a.Send(ctx, out)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: the next start delivers it
		}
		if isTemporary(err) && o.retry(id) {
			o.log.Warn("outbox: temporary delivery failure, will retry", "account", account, "message", id, "inbox", out.Inbox.ID, "err", err)
			return fmt.Errorf("outbox: message %d: %w", id, err)
		}
		o.forget(id)
		return o.record(ctx, account, id, conversations.StatusFailed, "", err.Error())
	}
	o.forget(id)
	return o.record(ctx, account, id, conversations.StatusSent, sourceID, "")
}

// retry counts a temporary failure and reports whether the message gets another attempt.
func (o *Outbox) retry(id uint64) bool {
	max := o.MaxAttempts
	if max <= 0 {
		max = DefaultMaxAttempts
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts[id]++
	return o.attempts[id] < max
}

func (o *Outbox) forget(id uint64) {
	o.mu.Lock()
	delete(o.attempts, id)
	o.mu.Unlock()
}

// record stores the delivery result through the conversations service (which emits the
// message_updated event the inbox shows ticks and errors from).
func (o *Outbox) record(ctx context.Context, account, id uint64, status, sourceID, errText string) error {
	err := o.convs.SetDelivery(ctx, account, id, status, sourceID, errText)
	if apperr.Is(err, apperr.NotFound) {
		return nil // deleted meanwhile: nothing left to record
	}
	if err != nil {
		return fmt.Errorf("outbox: record delivery of message %d: %w", id, err)
	}
	return nil
}
