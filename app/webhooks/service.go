package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// WebhookView is a webhook as the API shows it: times in unix seconds, the secret only right
// after it was made (create, rotate).
type WebhookView struct {
	ID             uint64   `json:"id"`
	AccountID      uint64   `json:"account_id"`
	Name           string   `json:"name"`
	URL            string   `json:"url"`
	Subscriptions  []string `json:"subscriptions"`
	Enabled        bool     `json:"enabled"`
	DisabledReason string   `json:"disabled_reason"`
	FailingSince   *int64   `json:"failing_since"`
	LastDeliveryAt *int64   `json:"last_delivery_at"`
	LastStatusCode int      `json:"last_status_code"`
	CreatedAt      int64    `json:"created_at"`
	UpdatedAt      int64    `json:"updated_at"`
	Secret         string   `json:"secret,omitempty"`
}

// DeliveryView is a delivery in the log; Body and Attempts only in the detail.
type DeliveryView struct {
	ID             uint64        `json:"id"`
	WebhookID      uint64        `json:"webhook_id"`
	InboxID        uint64        `json:"inbox_id"`
	Event          string        `json:"event"`
	Status         string        `json:"status"`
	AttemptsCount  int           `json:"attempts_count"`
	NextAttemptAt  *int64        `json:"next_attempt_at"`
	LastStatusCode int           `json:"last_status_code"`
	LastError      string        `json:"last_error"`
	CreatedAt      int64         `json:"created_at"`
	UpdatedAt      int64         `json:"updated_at"`
	Body           *string       `json:"body,omitempty"`
	Attempts       []AttemptView `json:"attempts,omitempty"`
}

// AttemptView is one attempt of a delivery.
type AttemptView struct {
	At              int64  `json:"at"`
	StatusCode      int    `json:"status_code"`
	LatencyMs       int64  `json:"latency_ms"`
	ResponseExcerpt string `json:"response_excerpt"`
	Error           string `json:"error"`
}

// DeliveryPage is one page of a delivery log, newest first.
type DeliveryPage struct {
	Payload []DeliveryView `json:"payload"`
	Meta    struct {
		Count       int `json:"count"`
		CurrentPage int `json:"current_page"`
	} `json:"meta"`
}

// DeliveryPageSize is how many deliveries a log page holds.
const DeliveryPageSize = 25

// WebhookInput creates or changes a webhook; nil fields are left as they are (URL and
// subscriptions are required on create).
type WebhookInput struct {
	Name          *string   `json:"name,omitempty" maxLength:"100"`
	URL           *string   `json:"url,omitempty" doc:"http or https address that receives the POSTs"`
	Subscriptions *[]string `json:"subscriptions,omitempty" doc:"Event names (see GET …/webhooks/events)"`
	Enabled       *bool     `json:"enabled,omitempty" doc:"Turning a webhook back on clears its failing streak"`
}

// Target narrows a delivery lookup to one webhook or one inbox; the zero Target matches any.
type Target struct {
	WebhookID uint64
	InboxID   uint64
}

func unixPtr(t *time.Time) *int64 {
	if t == nil || t.IsZero() {
		return nil
	}
	v := t.Unix()
	return &v
}

func viewOf(w *Webhook) WebhookView {
	subs := w.Subscriptions
	if subs == nil {
		subs = []string{}
	}
	return WebhookView{ID: w.ID, AccountID: w.AccountID, Name: w.Name, URL: w.URL, Subscriptions: subs, Enabled: w.Enabled,
		DisabledReason: w.DisabledReason, FailingSince: unixPtr(w.FailingSince), LastDeliveryAt: unixPtr(w.LastDeliveryAt),
		LastStatusCode: w.LastStatus, CreatedAt: w.CreatedAt.Unix(), UpdatedAt: w.UpdatedAt.Unix()}
}

func deliveryView(d *Delivery, detail bool) DeliveryView {
	out := DeliveryView{ID: d.ID, WebhookID: d.WebhookID, InboxID: d.InboxID, Event: d.Event, Status: d.Status,
		AttemptsCount: len(d.Attempts), NextAttemptAt: unixPtr(d.NextAttemptAt), CreatedAt: d.CreatedAt.Unix(), UpdatedAt: d.UpdatedAt.Unix()}
	if n := len(d.Attempts); n > 0 {
		out.LastStatusCode, out.LastError = d.Attempts[n-1].StatusCode, d.Attempts[n-1].Error
	}
	if detail {
		body := d.Body
		out.Body = &body
		out.Attempts = make([]AttemptView, 0, len(d.Attempts))
		for _, a := range d.Attempts {
			out.Attempts = append(out.Attempts, AttemptView{At: a.At.Unix(), StatusCode: a.StatusCode, LatencyMs: a.LatencyMs, ResponseExcerpt: a.ResponseExcerpt, Error: a.Error})
		}
	}
	return out
}

func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validate applies in to w, naming every bad field.
func (in WebhookInput) apply(w *Webhook, creating bool) error {
	var fe apperr.Fields
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if len([]rune(name)) > 100 {
			fe.Add("name", "is longer than 100 characters")
		}
		w.Name = name
	}
	if in.URL != nil || creating {
		raw := ""
		if in.URL != nil {
			raw = strings.TrimSpace(*in.URL)
		}
		u, err := url.Parse(raw)
		switch {
		case raw == "":
			fe.Add("url", "is required")
		case len(raw) > 2000:
			fe.Add("url", "is longer than 2000 characters")
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
			fe.Add("url", "must be an http:// or https:// address with a host")
		}
		w.URL = raw
	}
	if in.Subscriptions != nil || creating {
		var subs []string
		if in.Subscriptions != nil {
			for _, name := range *in.Subscriptions {
				name = strings.TrimSpace(name)
				if _, ok := lookupEvent(name); !ok {
					fe.Add("subscriptions", fmt.Sprintf("%q is not an event you can subscribe to", name))
					continue
				}
				if !slices.Contains(subs, name) {
					subs = append(subs, name)
				}
			}
		}
		if len(subs) == 0 && fe["subscriptions"] == "" {
			fe.Add("subscriptions", "choose at least one event")
		}
		w.Subscriptions = subs
	}
	return fe.Err()
}

// List returns the account's webhooks (administrators only).
func (s *Service) List(ctx context.Context, actor access.Actor) ([]WebhookView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	out := []WebhookView{}
	err := s.DB.View(func(tx *storage.Tx) error {
		return Webhooks.Each(tx, actor.AccountID, storage.Query{}, func(w *Webhook) bool {
			out = append(out, viewOf(w))
			return true
		})
	})
	return out, err
}

// Get returns one webhook.
func (s *Service) Get(ctx context.Context, actor access.Actor, id uint64) (*WebhookView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out WebhookView
	err := s.DB.View(func(tx *storage.Tx) error {
		w, err := Webhooks.Get(tx, actor.AccountID, id)
		if err == nil {
			out = viewOf(w)
		}
		return err
	})
	return &out, err
}

// Create adds a webhook, enabled, with a new secret that the answer shows this once.
func (s *Service) Create(ctx context.Context, actor access.Actor, in WebhookInput) (*WebhookView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	now := s.now()
	w := &Webhook{AccountID: actor.AccountID, Enabled: true, Secret: newSecret(), CreatedAt: now, UpdatedAt: now}
	if err := in.apply(w, true); err != nil {
		return nil, err
	}
	err := s.DB.Update(func(tx *storage.Tx) error {
		if Webhooks.Len(tx, actor.AccountID) >= MaxPerAccount {
			return apperr.Conflictf("an account can have at most %d webhooks", MaxPerAccount)
		}
		if err := Webhooks.Put(tx, w); err != nil {
			return err
		}
		if err := audit.Record(tx, actor, "webhook.create", Webhooks.Name(), w.ID, w.URL); err != nil {
			return err
		}
		return tx.Emit(storage.Event{Account: w.AccountID, Type: EventWebhookCreated, Entity: Webhooks.Name(), ID: w.ID, Actor: actor.UserID})
	})
	if err != nil {
		return nil, err
	}
	v := viewOf(w)
	v.Secret = w.Secret
	return &v, nil
}

// Update changes a webhook. Turning it back on clears its failing streak and the reason it
// was turned off; turning it off cancels what it still had to deliver.
func (s *Service) Update(ctx context.Context, actor access.Actor, id uint64, in WebhookInput) (*WebhookView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out WebhookView
	err := s.DB.Update(func(tx *storage.Tx) error {
		w, err := Webhooks.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := in.apply(w, false); err != nil {
			return err
		}
		now := s.now()
		if in.Enabled != nil {
			switch {
			case *in.Enabled && !w.Enabled:
				w.Enabled, w.FailingSince, w.DisabledReason = true, nil, ""
			case !*in.Enabled && w.Enabled:
				w.Enabled = false
				if err := cancelPending(tx, w, now); err != nil {
					return err
				}
			}
		}
		w.UpdatedAt = now
		if err := Webhooks.Put(tx, w); err != nil {
			return err
		}
		detail, _ := json.Marshal(in)
		if err := audit.Record(tx, actor, "webhook.update", Webhooks.Name(), w.ID, string(detail)); err != nil {
			return err
		}
		out = viewOf(w)
		return tx.Emit(storage.Event{Account: w.AccountID, Type: EventWebhookUpdated, Entity: Webhooks.Name(), ID: w.ID, Actor: actor.UserID})
	})
	return &out, err
}

// Delete removes a webhook and cancels its pending deliveries; its log stays until pruned.
func (s *Service) Delete(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.DB.Update(func(tx *storage.Tx) error {
		w, err := Webhooks.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := cancelPending(tx, w, s.now()); err != nil {
			return err
		}
		if err := Webhooks.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		if err := audit.Record(tx, actor, "webhook.delete", Webhooks.Name(), id, w.URL); err != nil {
			return err
		}
		return tx.Emit(storage.Event{Account: w.AccountID, Type: EventWebhookDeleted, Entity: Webhooks.Name(), ID: id, Actor: actor.UserID})
	})
}

// RotateSecret gives the webhook a new secret and returns it (the only time it is shown).
// Deliveries still pending are signed with the new one.
func (s *Service) RotateSecret(ctx context.Context, actor access.Actor, id uint64) (string, error) {
	if err := actor.RequireAdmin(); err != nil {
		return "", err
	}
	secret := newSecret()
	err := s.DB.Update(func(tx *storage.Tx) error {
		w, err := Webhooks.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		w.Secret, w.UpdatedAt = secret, s.now()
		if err := Webhooks.Put(tx, w); err != nil {
			return err
		}
		return audit.Record(tx, actor, "webhook.rotate_secret", Webhooks.Name(), id, "")
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Test queues a "ping" delivery to the webhook, due now.
func (s *Service) Test(ctx context.Context, actor access.Actor, id uint64) (*DeliveryView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out DeliveryView
	err := s.DB.Update(func(tx *storage.Tx) error {
		w, err := Webhooks.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if !w.Enabled {
			return apperr.Conflictf("the webhook is disabled: turn it on first")
		}
		body, _ := json.Marshal(map[string]any{"event": "ping", "webhook_id": w.ID, "account": map[string]any{"id": w.AccountID}})
		d := &Delivery{AccountID: w.AccountID, WebhookID: w.ID, Event: "ping", Body: string(body)}
		if err := s.enqueue(tx, d); err != nil {
			return err
		}
		out = deliveryView(d, true)
		tx.OnCommit(s.wake)
		return nil
	})
	return &out, err
}

var statuses = []string{Pending, Succeeded, Failed, Cancelled}

// Deliveries pages a webhook's log, newest first, optionally only one status.
func (s *Service) Deliveries(ctx context.Context, actor access.Actor, webhookID uint64, page int, status string) (*DeliveryPage, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	if status != "" && !slices.Contains(statuses, status) {
		return nil, apperr.Field("status", "must be pending, succeeded, failed or cancelled")
	}
	q := storage.Query{Index: "webhook", Prefix: storage.Uint(webhookID), Reverse: true}
	if status != "" {
		q = storage.Query{Index: "webhook_status", Prefix: storage.Key(storage.Uint(webhookID), storage.Str(status)), Reverse: true}
	}
	return s.page(actor, page, q, func(tx *storage.Tx) error {
		_, err := Webhooks.Get(tx, actor.AccountID, webhookID)
		return err
	})
}

// InboxDeliveries pages the log of an API channel inbox's webhook URL, newest first.
func (s *Service) InboxDeliveries(ctx context.Context, actor access.Actor, inboxID uint64, page int) (*DeliveryPage, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.page(actor, page, storage.Query{Index: "inbox", Prefix: storage.Uint(inboxID), Reverse: true}, func(tx *storage.Tx) error {
		_, err := inboxes.Inboxes.Get(tx, actor.AccountID, inboxID)
		return err
	})
}

func (s *Service) page(actor access.Actor, page int, q storage.Query, check func(tx *storage.Tx) error) (*DeliveryPage, error) {
	page = max(page, 1)
	out := &DeliveryPage{Payload: []DeliveryView{}}
	out.Meta.CurrentPage = page
	err := s.DB.View(func(tx *storage.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		n, err := Deliveries.Count(tx, actor.AccountID, q)
		if err != nil {
			return err
		}
		out.Meta.Count = n
		skip := (page - 1) * DeliveryPageSize
		return Deliveries.Each(tx, actor.AccountID, q, func(d *Delivery) bool {
			if skip > 0 {
				skip--
				return true
			}
			out.Payload = append(out.Payload, deliveryView(d, false))
			return len(out.Payload) < DeliveryPageSize
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (t Target) matches(d *Delivery) bool {
	return (t.WebhookID == 0 || d.WebhookID == t.WebhookID) && (t.InboxID == 0 || d.InboxID == t.InboxID)
}

// Delivery returns one delivery with its body and attempts; t names the webhook or inbox the
// caller reached it through.
func (s *Service) Delivery(ctx context.Context, actor access.Actor, t Target, id uint64) (*DeliveryView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out DeliveryView
	err := s.DB.View(func(tx *storage.Tx) error {
		d, err := Deliveries.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if !t.matches(d) {
			return apperr.NotFoundf("delivery %d not found", id)
		}
		out = deliveryView(d, true)
		return nil
	})
	return &out, err
}

// Resend sends a settled delivery again: it goes back to pending, due now, with a fresh day of
// retries; the same body is posted and its attempt log keeps growing. A pending delivery is
// left as it is.
func (s *Service) Resend(ctx context.Context, actor access.Actor, t Target, id uint64) (*DeliveryView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out DeliveryView
	err := s.DB.Update(func(tx *storage.Tx) error {
		d, err := Deliveries.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if !t.matches(d) {
			return apperr.NotFoundf("delivery %d not found", id)
		}
		if d.WebhookID != 0 {
			w, err := Webhooks.Get(tx, actor.AccountID, d.WebhookID)
			if err != nil {
				return apperr.Conflictf("the webhook of this delivery was deleted")
			}
			if !w.Enabled {
				return apperr.Conflictf("the webhook is disabled: turn it on first")
			}
		}
		if d.Body == "" {
			return apperr.Conflictf("this delivery has nothing to send: its body could not be built (see its log)")
		}
		if d.Status != Pending {
			now := s.now()
			d.Status, d.NextAttemptAt, d.WindowStart, d.Tries, d.UpdatedAt = Pending, &now, now, 0, now
			if err := putDelivery(tx, d); err != nil {
				return err
			}
			if err := audit.Record(tx, actor, "webhook.resend", Deliveries.Name(), d.ID, d.Event); err != nil {
				return err
			}
			tx.OnCommit(s.wake)
		}
		out = deliveryView(d, true)
		return nil
	})
	return &out, err
}
