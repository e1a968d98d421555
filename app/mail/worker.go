package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// Backoff is the wait after each failed attempt; after the last one the message fails.
var Backoff = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// Limits of the queue.
const (
	// Unsent is how long a message waits for a mail server to be set up before it fails.
	Unsent = 3 * 24 * time.Hour
	// Keep is how long sent and failed messages stay for the operator's list.
	Keep = 30 * 24 * time.Hour
	// idle is the longest the worker sleeps without a wake-up (it also expires old messages).
	idle = time.Minute
	// batch caps the messages one pass handles, so Stop is never far away.
	batch = 100
)

// ErrNoServer is the last error of messages that waited too long for a mail server.
const errNoServer = "no mail server was set up"

// Start runs the delivery worker until ctx ends or Stop.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	s.cancel, s.done = cancel, make(chan struct{})
	go s.run(ctx, s.done)
	return nil
}

// Stop ends the worker and waits for the message in flight.
func (s *Service) Stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel, s.done = nil, nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (s *Service) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	woken := wakeChan(s.db)
	for {
		next, err := s.Deliver(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("mail delivery failed", "err", err)
		}
		wait := idle
		if !next.IsZero() {
			wait = min(max(next.Sub(s.now()), 0), idle)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-woken:
		case <-t.C:
		}
		t.Stop()
	}
}

// Deliver sends every message that is due now and returns when the next one is due (zero when
// none is waiting for a retry). Without a usable server nothing is sent; messages that waited
// longer than Unsent fail.
func (s *Service) Deliver(ctx context.Context) (time.Time, error) {
	now := s.now().UTC()
	var srv *server
	var due []entry
	var next time.Time
	err := s.db.View(func(tx *storage.Tx) error {
		srv = loadServer(tx)
		q := storage.Query{Index: "due", Limit: batch}
		if srv.ready() {
			q.To = storage.Time(now.Add(time.Nanosecond))
		}
		page, err := entries.Scan(tx, 0, q)
		if err != nil {
			return err
		}
		due = page.Items
		page, err = entries.Scan(tx, 0, storage.Query{Index: "due", From: storage.Time(now.Add(time.Nanosecond)), Limit: 1})
		if err == nil && len(page.Items) == 1 {
			next = page.Items[0].NextAt
		}
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	if !srv.ready() {
		return time.Time{}, s.expire(due, now)
	}
	for _, e := range due {
		if ctx.Err() != nil {
			return next, ctx.Err()
		}
		if err := s.sendOne(ctx, srv, e); err != nil {
			return next, err
		}
	}
	if len(due) == batch {
		return now, nil // more are due: come straight back
	}
	return next, nil
}

// expire fails the queued messages that waited for a mail server longer than Unsent.
func (s *Service) expire(queued []entry, now time.Time) error {
	return s.db.Update(func(tx *storage.Tx) error {
		for _, e := range queued {
			m, err := Outgoing.Get(tx, e.AccountID, e.ID)
			if err != nil || m.State != StateQueued || now.Sub(m.CreatedAt) < Unsent {
				continue
			}
			m.State, m.LastError = StateFailed, errNoServer
			if err := s.finish(tx, m, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// finish stores a message that is done (sent or failed) and announces it.
func (s *Service) finish(tx *storage.Tx, m *Message, now time.Time) error {
	if err := put(tx, m, now); err != nil {
		return err
	}
	typ := EventMessageSent
	if m.State == StateFailed {
		typ = EventMessageFailed
	}
	return tx.EmitData(storage.Event{Type: typ, Entity: Outgoing.Name(), ID: m.ID},
		map[string]any{"account_id": m.AccountID, "state": m.State, "last_error": m.LastError})
}

// sendOne makes one attempt at a message. SMTP errors are the message's (retried); only store
// errors come back.
func (s *Service) sendOne(ctx context.Context, srv *server, e entry) error {
	var m *Message
	var to, name, lang string
	var resolveErr error
	err := s.db.View(func(tx *storage.Tx) (err error) {
		if m, err = Outgoing.Get(tx, e.AccountID, e.ID); err != nil {
			return err
		}
		to, name, resolveErr = s.recipient(tx, m)
		lang = m.Language
		if lang == "" && s.language != nil {
			lang = s.language(tx, m.AccountID)
		}
		return nil
	})
	if apperr.KindOf(err) == apperr.NotFound {
		// The entry outlived its message (never expected): drop it.
		return s.db.Update(func(tx *storage.Tx) error { return entries.Delete(tx, 0, e.ID) })
	}
	if err != nil {
		return err
	}
	if m.State != StateQueued {
		return nil
	}
	now := s.now().UTC()
	var sendErr error
	permanent := false
	switch {
	case resolveErr != nil:
		sendErr, permanent = resolveErr, apperr.KindOf(resolveErr) == apperr.NotFound
		if permanent {
			sendErr = errors.New("the recipient no longer exists")
		}
	case to == "":
		sendErr, permanent = errors.New("the recipient has no email address"), true
	default:
		text := m.Text
		if f := footer(s.publicURL, m.Link, lang); f != "" {
			text = strings.TrimRight(text, "\n") + "\n\n" + f + "\n"
		}
		raw, err := compose(srv, letter{To: to, ToName: name, Subject: m.Subject, Text: text, MessageID: messageID(m), Date: now})
		if err != nil {
			sendErr, permanent = err, true
		} else {
			sendErr = deliver(ctx, srv, to, raw)
		}
	}
	if sendErr != nil && ctx.Err() != nil {
		return ctx.Err() // stopped mid-send: the attempt does not count
	}
	return s.db.Update(func(tx *storage.Tx) error {
		cur, err := Outgoing.Get(tx, m.AccountID, m.ID)
		if err != nil || cur.State != StateQueued {
			return nil
		}
		cur.Attempts++
		if sendErr == nil {
			cur.State, cur.LastError, cur.MessageID, cur.SentAt = StateSent, "", "<"+messageID(cur)+">", &now
			return s.finish(tx, cur, now)
		}
		cur.LastError = sendErr.Error()
		if permanent || cur.Attempts > len(Backoff) {
			cur.State = StateFailed
			return s.finish(tx, cur, now)
		}
		cur.NextAt = now.Add(Backoff[cur.Attempts-1])
		return put(tx, cur, time.Time{})
	})
}

// recipient is the address to send m to: To as given, or the user's address now.
func (s *Service) recipient(tx *storage.Tx, m *Message) (email, name string, err error) {
	if m.To != "" {
		return m.To, "", nil
	}
	if m.UserID == 0 {
		return "", "", nil
	}
	if s.address == nil {
		return "", "", errors.New("mail: no address resolver is wired")
	}
	return s.address(tx, m.UserID)
}

// Prune deletes sent and failed messages older than Keep and returns how many went.
func (s *Service) Prune(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-Keep)
	total := 0
	for ctx.Err() == nil {
		n := 0
		err := s.db.Update(func(tx *storage.Tx) error {
			old, err := entries.Scan(tx, 0, storage.Query{Index: "done", To: storage.Time(cutoff), Limit: 500})
			if err != nil {
				return err
			}
			for _, e := range old.Items {
				if err := Outgoing.Delete(tx, e.AccountID, e.ID); err != nil && apperr.KindOf(err) != apperr.NotFound {
					return err
				}
				if err := entries.Delete(tx, 0, e.ID); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
	return total, ctx.Err()
}

// Latest returns the newest messages of every account, newest first (operator).
func (s *Service) Latest(ctx context.Context, actor access.Actor, limit int) ([]Message, error) {
	if err := requireOperator(actor); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	out := []Message{}
	err := s.db.View(func(tx *storage.Tx) error {
		return entries.Each(tx, 0, storage.Query{Reverse: true, Limit: limit}, func(e *entry) bool {
			if m, err := Outgoing.Get(tx, e.AccountID, e.ID); err == nil {
				out = append(out, *m)
			}
			return true
		})
	})
	return out, err
}

// SendTest sends a test message to `to` right away through the saved settings (operator),
// whether or not mail is turned on. An SMTP failure comes back under the field it points at.
func (s *Service) SendTest(ctx context.Context, actor access.Actor, to string) error {
	if err := requireOperator(actor); err != nil {
		return err
	}
	to = strings.TrimSpace(to)
	if !validAddress(to) {
		return apperr.Field("to", "is not a valid email address (name@example.com)")
	}
	var srv *server
	s.db.View(func(tx *storage.Tx) error { srv = loadServer(tx); return nil })
	if srv.Host == "" || srv.FromAddress == "" {
		return apperr.Field("host", "save the mail server's host and sender address first")
	}
	now := s.now().UTC()
	raw, err := compose(srv, letter{To: to, Subject: "Parley: test message / mensagem de teste",
		Text: "This is a test message from Parley: your mail server settings work.\n\n" +
			"Esta é uma mensagem de teste do Parley: as configurações do servidor de email funcionam.\n",
		MessageID: fmt.Sprintf("mail-test-%d@parley", now.UnixNano()), Date: now})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := deliver(ctx, srv, to, raw); err != nil {
		var se *sendError
		if errors.As(err, &se) {
			return apperr.Field(se.Field, se.Error())
		}
		return apperr.Field("host", err.Error())
	}
	return nil
}
