package webhooks

import (
	"context"
	"slices"

	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// plan is one event and the targets it goes to.
type plan struct {
	e     storage.Event
	hooks []uint64
	inbox uint64
}

// Handle is the change-feed consumer that turns events into deliveries: one per enabled
// account webhook subscribed to the event, and one for the API channel inbox's webhook URL when
// the event is about one of its conversations. Bodies are built once, here, from the store as
// it is now; every delivery of the batch is written in one transaction. A batch handed over
// again (after a crash before the cursor moved) finds its deliveries by their unique key and
// adds nothing.
func (s *Service) Handle(ctx context.Context, batch []storage.Event) error {
	var plans []plan
	err := s.DB.View(func(tx *storage.Tx) error {
		hooks := map[uint64][]Webhook{}
		apiInbox := map[[2]uint64]bool{}
		for _, e := range batch {
			if e.Account == 0 {
				continue
			}
			p := plan{e: e}
			if _, ok := lookupEvent(e.Type); ok {
				hs, loaded := hooks[e.Account]
				if !loaded {
					err := Webhooks.Each(tx, e.Account, storage.Query{}, func(w *Webhook) bool {
						if w.Enabled {
							hs = append(hs, *w)
						}
						return true
					})
					if err != nil {
						return err
					}
					hooks[e.Account] = hs
				}
				for _, w := range hs {
					if slices.Contains(w.Subscriptions, e.Type) {
						p.hooks = append(p.hooks, w.ID)
					}
				}
			}
			if inboxEvents[e.Type] {
				var d struct {
					Conversation struct {
						InboxID uint64 `json:"inbox_id"`
					} `json:"conversation"`
				}
				if e.DecodeData(&d) == nil && d.Conversation.InboxID != 0 {
					key := [2]uint64{e.Account, d.Conversation.InboxID}
					ok, seen := apiInbox[key]
					if !seen {
						in, err := inboxes.Inboxes.Get(tx, e.Account, d.Conversation.InboxID)
						ok = err == nil && in.ChannelType == inboxes.ChannelAPI && in.ChannelString(inboxes.KeyWebhookURL) != ""
						apiInbox[key] = ok
					}
					if ok {
						p.inbox = d.Conversation.InboxID
					}
				}
			}
			if len(p.hooks) > 0 || p.inbox != 0 {
				plans = append(plans, p)
			}
		}
		return nil
	})
	if err != nil || len(plans) == 0 {
		return err
	}
	// A body that cannot be built (anything but the thing being gone) fails its own deliveries:
	// returning the error would hand the same batch back forever and stop every account's
	// webhooks behind it.
	bodies := make([][]byte, len(plans))
	failures := make([]error, len(plans))
	for i, p := range plans {
		if bodies[i], failures[i] = s.body(ctx, p.e); failures[i] != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.Logger.Error("webhook body could not be built; its deliveries are failed", "event", p.e.Type, "seq", p.e.Seq, "account", p.e.Account, "err", failures[i])
		}
	}
	return s.DB.Update(func(tx *storage.Tx) error {
		for i, p := range plans {
			if bodies[i] == nil && failures[i] == nil {
				continue
			}
			var ds []*Delivery
			for _, id := range p.hooks {
				ds = append(ds, &Delivery{AccountID: p.e.Account, WebhookID: id, Event: p.e.Type, EventSeq: p.e.Seq, Body: string(bodies[i])})
			}
			if p.inbox != 0 {
				ds = append(ds, &Delivery{AccountID: p.e.Account, InboxID: p.inbox, Event: p.e.Type, EventSeq: p.e.Seq, Body: string(bodies[i])})
			}
			for _, d := range ds {
				put := s.enqueue
				if failures[i] != nil {
					put = func(tx *storage.Tx, d *Delivery) error { return s.enqueueFailed(tx, d, failures[i]) }
				}
				if err := put(tx, d); err != nil {
					return err
				}
			}
		}
		tx.OnCommit(s.wake)
		return nil
	})
}

// enqueue stores a new pending delivery, due now, unless one for the same target and event
// exists already.
func (s *Service) enqueue(tx *storage.Tx, d *Delivery) error {
	if d.EventSeq != 0 {
		if _, err := Deliveries.GetBy(tx, d.AccountID, "event", storage.Key(d.target(), storage.Uint(d.EventSeq))); err == nil {
			return nil
		}
	}
	now := s.now()
	d.Status, d.NextAttemptAt, d.WindowStart, d.CreatedAt, d.UpdatedAt = Pending, &now, now, now, now
	return putDelivery(tx, d)
}

// enqueueFailed stores a delivery whose body could not be built as failed, with the reason in
// its log, so the delivery log shows what was not sent and why (unless it exists already).
func (s *Service) enqueueFailed(tx *storage.Tx, d *Delivery, cause error) error {
	if _, err := Deliveries.GetBy(tx, d.AccountID, "event", storage.Key(d.target(), storage.Uint(d.EventSeq))); err == nil {
		return nil
	}
	now := s.now()
	d.Body = ""
	d.Status, d.NextAttemptAt, d.WindowStart, d.CreatedAt, d.UpdatedAt = Failed, nil, now, now, now
	d.Attempts = []Attempt{{At: now, Error: "the body could not be built: " + cause.Error()}}
	return putDelivery(tx, d)
}
