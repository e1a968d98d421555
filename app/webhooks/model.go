package webhooks

import (
	"strconv"
	"time"

	"github.com/parleyhq/parley/storage"
)

// MaxPerAccount caps an account's webhooks: each one multiplies the deliveries every event
// causes, and twenty endpoints is far beyond what a small business wires up.
const MaxPerAccount = 20

// Webhook is an account webhook: a URL and the events it subscribes to.
type Webhook struct {
	ID            uint64   `json:"id"`
	AccountID     uint64   `json:"account_id"`
	Name          string   `json:"name"`
	URL           string   `json:"url"`
	Subscriptions []string `json:"subscriptions"`
	// Secret signs every delivery; the API shows it only on create and rotate.
	Secret  string `json:"secret"`
	Enabled bool   `json:"enabled"`
	// DisabledReason says why Parley turned the webhook off (the last error of a day of failures).
	DisabledReason string `json:"disabled_reason,omitempty"`
	// FailingSince is the first failed attempt of the current streak; a success clears it.
	FailingSince   *time.Time `json:"failing_since,omitempty"`
	LastDeliveryAt *time.Time `json:"last_delivery_at,omitempty"`
	LastStatus     int        `json:"last_status,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Webhooks are scoped by account and listed by id (creation order).
var Webhooks = storage.NewCollection(storage.Def[Webhook]{
	Name:    "webhooks",
	ID:      func(w *Webhook) *uint64 { return &w.ID },
	Account: func(w *Webhook) uint64 { return w.AccountID },
})

// Delivery states.
const (
	Pending   = "pending"
	Succeeded = "succeeded"
	Failed    = "failed"
	Cancelled = "cancelled"
)

// Attempt is one POST of a delivery.
type Attempt struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"`
	LatencyMs  int64     `json:"latency_ms"`
	// ResponseExcerpt is the start of the receiver's answer (ResponseExcerptBytes at most).
	ResponseExcerpt string `json:"response_excerpt,omitempty"`
	Error           string `json:"error,omitempty"`
}

// ResponseExcerptBytes caps what an attempt keeps of the receiver's answer.
const ResponseExcerptBytes = 512

// Delivery is one event bound for one target (an account webhook, or an API inbox's webhook
// URL), with every attempt made to deliver it.
type Delivery struct {
	ID        uint64 `json:"id"`
	AccountID uint64 `json:"account_id"`
	// WebhookID is the account webhook (0 for an inbox webhook).
	WebhookID uint64 `json:"webhook_id,omitempty"`
	// InboxID is the API channel inbox of an inbox webhook (0 for an account webhook).
	InboxID uint64 `json:"inbox_id,omitempty"`
	Event   string `json:"event"`
	// EventSeq is the change-feed sequence the delivery came from (0 for pings), part of the
	// unique key that keeps a redelivered event batch from creating a second delivery.
	EventSeq uint64 `json:"event_seq,omitempty"`
	// Body is the exact JSON posted, built once: retries and resends post the same bytes.
	Body     string    `json:"body"`
	Status   string    `json:"status"`
	Attempts []Attempt `json:"attempts,omitempty"`
	// NextAttemptAt is when a pending delivery is due.
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	// WindowStart starts the retry window (creation, or the last resend); Tries counts the
	// attempts made in it and sets the backoff.
	WindowStart time.Time `json:"window_start"`
	Tries       int       `json:"tries"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// target is the unique key part naming where a delivery goes.
func (d *Delivery) target() []byte {
	return storage.Key(storage.Uint(d.WebhookID), storage.Uint(d.InboxID))
}

// Deliveries are scoped by account. "webhook" and "inbox" list a target's log newest first (a
// reverse scan: ids grow with time), "webhook_status" filters it by state, "event" is the
// idempotency key of the change-feed consumer and "created" finds what pruning removes.
var Deliveries = storage.NewCollection(storage.Def[Delivery]{
	Name:    "webhook_deliveries",
	ID:      func(d *Delivery) *uint64 { return &d.ID },
	Account: func(d *Delivery) uint64 { return d.AccountID },
	Indexes: []storage.Index[Delivery]{
		{Name: "webhook", Keys: func(d *Delivery) [][]byte {
			if d.WebhookID == 0 {
				return nil
			}
			return [][]byte{storage.Uint(d.WebhookID)}
		}},
		{Name: "webhook_status", Keys: func(d *Delivery) [][]byte {
			if d.WebhookID == 0 {
				return nil
			}
			return [][]byte{storage.Key(storage.Uint(d.WebhookID), storage.Str(d.Status))}
		}},
		{Name: "inbox", Keys: func(d *Delivery) [][]byte {
			if d.InboxID == 0 {
				return nil
			}
			return [][]byte{storage.Uint(d.InboxID)}
		}},
		{Name: "event", Unique: true, Keys: func(d *Delivery) [][]byte {
			if d.EventSeq == 0 {
				return nil
			}
			return [][]byte{storage.Key(d.target(), storage.Uint(d.EventSeq))}
		}},
		{Name: "created", Keys: func(d *Delivery) [][]byte { return [][]byte{storage.Time(d.CreatedAt)} }},
	},
})

// queued is a pending delivery in the installation-wide due queue. Collection indexes are
// scoped by account, so the worker could not find the next due delivery of every account in
// one seek; this queue (kept in the same transaction as the delivery) can.
type queued struct {
	ID        uint64    `json:"id"` // the delivery id
	AccountID uint64    `json:"account_id"`
	Due       time.Time `json:"due"`
	// The delivery's target, so the worker keeps to one attempt per target without reading
	// every delivery it skips.
	WebhookID uint64 `json:"webhook_id,omitempty"`
	InboxID   uint64 `json:"inbox_id,omitempty"`
}

// target names where the delivery goes, for the worker's one attempt per target at a time.
func (q *queued) target() string {
	return strconv.FormatUint(q.AccountID, 10) + "/" + strconv.FormatUint(q.WebhookID, 10) + "/" + strconv.FormatUint(q.InboxID, 10)
}

var queue = storage.NewCollection(storage.Def[queued]{
	Name:    "webhook_queue",
	ID:      func(q *queued) *uint64 { return &q.ID },
	Account: func(*queued) uint64 { return 0 },
	Indexes: []storage.Index[queued]{
		{Name: "due", Keys: func(q *queued) [][]byte { return [][]byte{storage.Time(q.Due)} }},
	},
})

// putDelivery stores d and keeps the due queue in step with it: a pending delivery is queued
// at its NextAttemptAt, any other is not queued.
func putDelivery(tx *storage.Tx, d *Delivery) error {
	if err := Deliveries.Put(tx, d); err != nil {
		return err
	}
	if d.Status == Pending && d.NextAttemptAt != nil {
		return queue.Put(tx, &queued{ID: d.ID, AccountID: d.AccountID, Due: *d.NextAttemptAt, WebhookID: d.WebhookID, InboxID: d.InboxID})
	}
	return unqueue(tx, d.ID)
}

func unqueue(tx *storage.Tx, id uint64) error {
	if !queue.Exists(tx, 0, id) {
		return nil
	}
	return queue.Delete(tx, 0, id)
}

// Change-feed event types of this area. They carry no data (the secret must never travel), so
// the settings page re-reads what changed.
const (
	EventWebhookCreated  = "webhook.created"
	EventWebhookUpdated  = "webhook.updated"
	EventWebhookDeleted  = "webhook.deleted"
	EventWebhookDisabled = "webhook.disabled"
)
