package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// Headers of every attempt. The delivery id stays the same across retries and resends, so a
// receiver drops what it has seen; the signature covers "<timestamp>.<body>" so a captured
// request cannot be replayed later with a fresh timestamp.
const (
	HeaderEvent     = "X-Parley-Event"
	HeaderDelivery  = "X-Parley-Delivery"
	HeaderTimestamp = "X-Parley-Timestamp"
	HeaderSignature = "X-Parley-Signature"
)

// Parallel is how many deliveries are posted at once (never two to the same target).
const Parallel = 4

// dueBatch caps the deliveries claimed per scan of the queue.
const dueBatch = 64

// Sign is the signature header value of body posted at timestamp (unix seconds) with secret:
// "sha256=" + hex(HMAC-SHA256(secret, "<timestamp>.<body>")).
func Sign(secret string, timestamp int64, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(h, "%d.", timestamp)
	h.Write(body)
	return "sha256=" + hex.EncodeToString(h.Sum(nil))
}

// RunDue posts every delivery due by the clock's now, one attempt per target at a time and
// Parallel at most, records each attempt, and returns how many attempts were made meanwhile.
// Tests call it after moving the clock; the worker dispatches without waiting.
func (s *Service) RunDue(ctx context.Context) (int, error) {
	before := s.tried.Load()
	for ctx.Err() == nil {
		started, _, _, err := s.dispatch(ctx)
		if err != nil {
			return int(s.tried.Load() - before), err
		}
		s.fl.mu.Lock()
		idle := started == 0 && s.fl.n == 0
		s.fl.mu.Unlock()
		if idle {
			break
		}
		s.landAll()
	}
	return int(s.tried.Load() - before), ctx.Err()
}

// scanLimit caps the queue entries one dispatch looks at: deliveries piling up for busy targets
// are skipped, and past this many the next look comes a second later.
const scanLimit = 10_000

// dispatch starts an attempt for each due delivery whose target has none in the air, while
// fewer than Parallel are, and returns how many it started and when the next queued delivery
// is due (ok false: none, or the worker must wait for an attempt to land).
func (s *Service) dispatch(ctx context.Context) (started int, next time.Time, ok bool, err error) {
	s.fl.mu.Lock()
	defer s.fl.mu.Unlock()
	now := s.now()
	var jobs []queued
	picked := map[string]bool{}
	scanned := 0
	err = s.DB.View(func(tx *storage.Tx) error {
		return queue.Each(tx, 0, storage.Query{Index: "due"}, func(q *queued) bool {
			if q.Due.After(now) {
				next, ok = q.Due, true
				return false
			}
			if s.fl.n+len(jobs) >= Parallel {
				return false // an attempt landing wakes the worker
			}
			if scanned++; scanned > scanLimit {
				next, ok = now.Add(time.Second), true
				return false
			}
			if q.WebhookID == 0 && q.InboxID == 0 { // queued before targets were kept here
				if d, err := Deliveries.Get(tx, q.AccountID, q.ID); err == nil {
					q.WebhookID, q.InboxID = d.WebhookID, d.InboxID
				}
			}
			key := q.target()
			if s.fl.busy[key] || picked[key] {
				return true
			}
			picked[key] = true
			jobs = append(jobs, *q)
			return true
		})
	})
	if err != nil {
		return 0, time.Time{}, false, err
	}
	for _, q := range jobs {
		key := q.target()
		s.fl.busy[key] = true
		s.fl.n++
		go s.fly(ctx, q, key)
	}
	return len(jobs), next, ok, nil
}

// fly makes one attempt and lands it: the target is free again and the worker looks for more.
func (s *Service) fly(ctx context.Context, q queued, key string) {
	tried, err := s.attempt(ctx, q.AccountID, q.ID)
	if tried {
		s.tried.Add(1)
	}
	if err != nil && ctx.Err() == nil {
		s.Logger.Error("webhook delivery failed", "delivery", q.ID, "err", err)
		// The store failed to record it: the delivery is still due, and trying again at once
		// would post it again at once. Hold its target a moment.
		t := time.NewTimer(5 * time.Second)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	s.fl.mu.Lock()
	delete(s.fl.busy, key)
	s.fl.n--
	s.fl.done.Broadcast()
	s.fl.mu.Unlock()
	s.wake()
}

// attempt posts one delivery outside any transaction and records the outcome. A delivery whose
// target is gone or turned off is cancelled instead. tried reports a POST was made and recorded.
func (s *Service) attempt(ctx context.Context, account, id uint64) (tried bool, err error) {
	var (
		d           *Delivery
		url, secret string
		drop        string // why the delivery is cancelled without an attempt
	)
	err = s.DB.View(func(tx *storage.Tx) error {
		var err error
		if d, err = Deliveries.Get(tx, account, id); err != nil {
			d = nil
			return nil
		}
		if d.Status != Pending {
			return nil
		}
		if d.WebhookID != 0 {
			w, err := Webhooks.Get(tx, account, d.WebhookID)
			switch {
			case err != nil:
				drop = "the webhook was deleted"
			case !w.Enabled:
				drop = "the webhook is disabled"
			default:
				url, secret = w.URL, w.Secret
			}
			return nil
		}
		in, err := inboxes.Inboxes.Get(tx, account, d.InboxID)
		if err == nil {
			url, secret = in.ChannelString(inboxes.KeyWebhookURL), in.ChannelString(inboxes.KeyWebhookSecret)
		}
		if url == "" {
			drop = "the inbox has no webhook URL"
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if d == nil || d.Status != Pending || drop != "" {
		return false, s.DB.Update(func(tx *storage.Tx) error {
			cur, err := Deliveries.Get(tx, account, id)
			if err != nil {
				return unqueue(tx, id)
			}
			if cur.Status == Pending {
				cur.Status, cur.NextAttemptAt, cur.UpdatedAt = Cancelled, nil, s.now()
				if drop != "" {
					cur.Attempts = append(cur.Attempts, Attempt{At: s.now(), Error: "cancelled: " + drop})
				}
			}
			return putDelivery(tx, cur)
		})
	}
	at := s.now()
	res := s.post(ctx, d, url, secret, at)
	if ctx.Err() != nil {
		return false, nil // shutting down: not recorded, sent again after the restart
	}
	return true, s.DB.Update(func(tx *storage.Tx) error { return s.record(tx, account, id, res) })
}

// post makes one HTTP attempt.
func (s *Service) post(ctx context.Context, d *Delivery, url, secret string, at time.Time) Attempt {
	res := Attempt{At: at}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(d.Body))
	if err != nil {
		res.Error = err.Error()
		return res
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	id := strconv.FormatUint(d.ID, 10)
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Parley-Webhooks/1.0")
	h.Set(HeaderEvent, d.Event)
	h.Set(HeaderDelivery, id)
	h.Set("X-Chatwoot-Delivery", id)
	if secret != "" {
		sig := Sign(secret, at.Unix(), []byte(d.Body))
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		h.Set("X-Chatwoot-Timestamp", ts)
		h.Set("X-Chatwoot-Signature", sig)
	}
	start := time.Now()
	resp, err := s.Client.Do(req)
	res.LatencyMs = time.Since(start).Milliseconds()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, ResponseExcerptBytes))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	res.StatusCode = resp.StatusCode
	res.ResponseExcerpt = strings.ToValidUTF8(string(excerpt), "")
	if !ok(res) {
		res.Error = "HTTP " + resp.Status
	}
	return res
}

// ok reports a successful attempt: any 2xx answer.
func ok(a Attempt) bool { return a.StatusCode >= 200 && a.StatusCode < 300 }

// record appends an attempt to a delivery, schedules the next one or settles it, and keeps
// the webhook's health: a success ends a failing streak, and a streak of a day disables it.
func (s *Service) record(tx *storage.Tx, account, id uint64, a Attempt) error {
	d, err := Deliveries.Get(tx, account, id)
	if err != nil {
		return unqueue(tx, id) // pruned or deleted while in flight
	}
	now := s.now()
	d.Attempts = append(d.Attempts, a)
	d.UpdatedAt = now
	if d.Status == Pending {
		d.Tries++
		if ok(a) {
			d.Status, d.NextAttemptAt = Succeeded, nil
		} else if next, more := NextAttempt(d.WindowStart, d.Tries, now); more {
			d.NextAttemptAt = &next
		} else {
			d.Status, d.NextAttemptAt = Failed, nil
		}
	}
	if err := putDelivery(tx, d); err != nil {
		return err
	}
	if d.WebhookID == 0 {
		return nil
	}
	w, err := Webhooks.Get(tx, account, d.WebhookID)
	if err != nil {
		return nil
	}
	w.LastDeliveryAt, w.LastStatus = &now, a.StatusCode
	if ok(a) {
		w.FailingSince = nil
	} else if w.FailingSince == nil {
		w.FailingSince = &now
	} else if w.Enabled && now.Sub(*w.FailingSince) >= RetryWindow {
		return s.disable(tx, w, a.Error)
	}
	return Webhooks.Put(tx, w)
}

// disable turns off a webhook that has failed for a day, cancels what it still had to
// deliver, and tells the account's administrators.
func (s *Service) disable(tx *storage.Tx, w *Webhook, lastErr string) error {
	now := s.now()
	w.Enabled, w.UpdatedAt = false, now
	w.DisabledReason = "failing for 24 hours; last error: " + lastErr
	if err := Webhooks.Put(tx, w); err != nil {
		return err
	}
	if err := cancelPending(tx, w, now); err != nil {
		return err
	}
	if err := tx.Emit(storage.Event{Account: w.AccountID, Type: EventWebhookDisabled, Entity: Webhooks.Name(), ID: w.ID}); err != nil {
		return err
	}
	var admins []uint64
	err := accounts.Members.Each(tx, w.AccountID, storage.Query{Index: "role", Prefix: storage.Str(string(access.Administrator))}, func(m *accounts.Member) bool {
		admins = append(admins, m.UserID)
		return true
	})
	if err != nil {
		return err
	}
	label := w.Name
	if label == "" {
		label = w.URL
	}
	for _, uid := range admins {
		title := "Webhook disabled: " + label
		body := "It failed for 24 hours (last error: " + lastErr + "). Fix the receiving end, then turn the webhook back on."
		if u, err := auth.Users.Get(tx, 0, uid); err == nil && u.Language == "pt-BR" {
			title = "Webhook desativado: " + label
			body = "Ele falhou por 24 horas (último erro: " + lastErr + "). Corrija o destino e ative o webhook novamente."
		}
		err := notify.Send(tx, notify.Notification{AccountID: w.AccountID, UserID: uid, Type: NotifyDisabled, Title: title, Body: body,
			Link: fmt.Sprintf("/settings/webhooks/%d", w.ID)})
		if err != nil {
			return err
		}
	}
	return nil
}

// NotifyDisabled is the notification type sent when a webhook is turned off for failing.
const NotifyDisabled = "webhook_disabled"

// cancelPending cancels a webhook's pending deliveries.
func cancelPending(tx *storage.Tx, w *Webhook, now time.Time) error {
	ids, err := Deliveries.IDs(tx, w.AccountID, storage.Query{Index: "webhook_status", Prefix: storage.Key(storage.Uint(w.ID), storage.Str(Pending))})
	if err != nil {
		return err
	}
	for _, id := range ids {
		d, err := Deliveries.Get(tx, w.AccountID, id)
		if err != nil {
			return err
		}
		d.Status, d.NextAttemptAt, d.UpdatedAt = Cancelled, nil, now
		if err := putDelivery(tx, d); err != nil {
			return err
		}
	}
	return nil
}

// PruneAge is how long the delivery log keeps a settled delivery.
const PruneAge = 7 * 24 * time.Hour

// Prune deletes settled deliveries older than PruneAge in every account, a thousand per transaction,
// and returns how many it deleted. The app runs it hourly.
func (s *Service) Prune(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-PruneAge)
	var accts []uint64
	err := s.DB.View(func(tx *storage.Tx) error {
		return accounts.Accounts.Each(tx, 0, storage.Query{}, func(a *accounts.Account) bool {
			accts = append(accts, a.ID)
			return true
		})
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, acct := range accts {
		for ctx.Err() == nil {
			n := 0
			err := s.DB.Update(func(tx *storage.Tx) error {
				// A pending delivery (one resent late in its week) still has to go out: it is
				// pruned once settled.
				var ids []uint64
				err := Deliveries.Each(tx, acct, storage.Query{Index: "created", To: storage.Time(cutoff)}, func(d *Delivery) bool {
					if d.Status != Pending {
						ids = append(ids, d.ID)
					}
					return len(ids) < 1000
				})
				if err != nil {
					return err
				}
				for _, id := range ids {
					if err := Deliveries.Delete(tx, acct, id); err != nil {
						return err
					}
					if err := unqueue(tx, id); err != nil {
						return err
					}
				}
				n = len(ids)
				return nil
			})
			if err != nil {
				return total, err
			}
			total += n
			if n < 1000 {
				break
			}
		}
	}
	return total, ctx.Err()
}
