// Package webhooks tells other systems what happens in an account: account webhooks (a URL and
// the events it subscribes to) and the API channel's inbox webhook receive Chatwoot-shaped JSON
// bodies, signed, retried with backoff for a day from the durable change feed, and logged per
// attempt.
//
// Delivery is at least once: the change-feed consumer turns events into Delivery records in
// one transaction (a unique key per target and event makes a replayed batch harmless), and the
// worker posts them outside any transaction. A crash between a POST and recording it sends the
// same delivery again after the restart, with the same X-Parley-Delivery id: receivers dedup on
// it. A delivery committed before a crash is never lost.
package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// Deps are what the service needs.
type Deps struct {
	DB     *storage.DB
	Notify *notify.Service
	// Conversations builds the conversation and message bodies with the API's own views.
	Conversations *conversations.Service
	Logger        *slog.Logger
	// Client posts the deliveries (default: a client with a 10 s timeout that follows no
	// redirect, since a redirected POST turns into a GET).
	Client *http.Client
	// Now is the clock (tests move it); default time.Now.
	Now func() time.Time
}

// Service holds webhooks and delivers them.
type Service struct {
	Deps
	wakeC  chan struct{}
	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup // the worker loop
	fl     flights
	tried  atomic.Int64 // attempts made and recorded, for RunDue's count
}

// flights are the attempts in the air: how many, and their targets. The worker makes at most
// one attempt per target at a time, so a receiver that hangs holds up its own deliveries and
// nobody else's.
type flights struct {
	mu   sync.Mutex
	done sync.Cond // signalled when an attempt lands
	busy map[string]bool
	n    int
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Client == nil {
		d.Client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	s := &Service{Deps: d, wakeC: make(chan struct{}, 1)}
	s.fl.done.L = &s.fl.mu
	s.fl.busy = map[string]bool{}
	return s
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// wake tells the worker new deliveries may be due; it never blocks.
func (s *Service) wake() {
	select {
	case s.wakeC <- struct{}{}:
	default:
	}
}

// Start runs the delivery worker until ctx ends or Stop. It can be started again after Stop.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return errors.New("webhooks: already started")
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(1)
	go s.loop(ctx)
	return nil
}

// Stop stops the delivery worker and waits for attempts in flight (they are cut short and
// left pending, to be sent again on the next start).
func (s *Service) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.wg.Wait()
	s.landAll()
	s.cancel = nil
}

// landAll waits until no attempt is in the air.
func (s *Service) landAll() {
	s.fl.mu.Lock()
	for s.fl.n > 0 {
		s.fl.done.Wait()
	}
	s.fl.mu.Unlock()
}

// idleWait is how long the worker sleeps with nothing queued (a wake-up comes sooner).
const idleWait = time.Hour

// loop starts what is due, then sleeps until the next due delivery or a wake-up (an attempt
// landing is one: its target may have more to send).
func (s *Service) loop(ctx context.Context) {
	defer s.wg.Done()
	for {
		wait := idleWait
		if _, next, ok, err := s.dispatch(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.Logger.Error("webhook deliveries failed", "err", err)
			wait = 5 * time.Second
		} else if ok {
			wait = max(next.Sub(s.now()), 0)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-s.wakeC:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// nextDue is when the earliest pending delivery is due.
func (s *Service) nextDue() (time.Time, bool) {
	var due time.Time
	found := false
	s.DB.View(func(tx *storage.Tx) error {
		return queue.Each(tx, 0, storage.Query{Index: "due", Limit: 1}, func(q *queued) bool {
			due, found = q.Due, true
			return false
		})
	})
	return due, found
}
