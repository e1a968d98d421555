// Package widget is the website channel: the live-chat widget a site embeds with one script tag.
// It serves the widget's settings to the page (appearance, availability, pre-chat form), checks
// the embedding site against the inbox's allowed domains, and pushes the agents' replies,
// typing and status changes to the visitor's open tabs.
package widget

import (
	"context"
	"log/slog"

	"github.com/parleyhq/parley/app/channels"
	"github.com/parleyhq/parley/app/channels/client"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/realtime"
	"github.com/parleyhq/parley/storage"
)

// Deps are what the service needs.
type Deps struct {
	DB            *storage.DB
	Client        *client.Service
	Conversations *conversations.Service
	// Hub tells which agents have a window open (presence).
	Hub    *realtime.Hub
	Logger *slog.Logger
}

// Service holds the widget's rules and its visitors' live connections.
type Service struct {
	Deps
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{Deps: d}
}

// Handle is the ephemeral change-feed consumer that pushes events to visitors.
func (s *Service) Handle(ctx context.Context, batch []storage.Event) error { return nil }

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
