// Package widget is the website channel: the live-chat widget a site embeds with one script tag.
// It serves the widget's settings to the page (appearance, availability, pre-chat form), checks
// the embedding site against the inbox's allowed domains, and pushes the agents' replies,
// typing and status changes to the visitor's open tabs.
package widget

import (
	"context"
	"log/slog"
	"time"

	"github.com/parleyhq/parley/app/channels"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/ratelimit"
	"github.com/parleyhq/parley/app/realtime"
	"github.com/parleyhq/parley/storage"
)

// Deps are what the service needs.
type Deps struct {
	DB *storage.DB
	// Client resolves a visitor's realtime token (the client API's service).
	Client        VisitorResolver
	Conversations *conversations.Service
	// Hub tells which agents have a window open (presence).
	Hub    *realtime.Hub
	Logger *slog.Logger
	// Now is the clock (business hours); nil is time.Now.
	Now func() time.Time
}

// Service holds the widget's rules and its visitors' live connections.
type Service struct {
	Deps
	configLimit *ratelimit.Keyed
	visitors    visitorHub
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{Deps: d, configLimit: newConfigLimit()}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Adapter is the website channel's adapter: replies reach the visitor through the push, so
// storing them is the delivery.
type Adapter struct{}

var _ channels.Adapter = Adapter{}

// ChannelType is inboxes.ChannelWebWidget.
func (Adapter) ChannelType() string { return inboxes.ChannelWebWidget }

// Start has nothing to start: visitors connect over HTTP.
func (Adapter) Start(ctx context.Context) error { return nil }

// Send accepts the message: the visitor's open tabs get it from the push, and the rest read it
// from the history when they come back.
func (Adapter) Send(ctx context.Context, out channels.Outbound) (string, error) { return "", nil }

// State is always connected.
func (Adapter) State(inboxID uint64) channels.State { return channels.Connected }
