// Package api is the API channel: an inbox whose messages come from the business's own
// integration through Parley's REST API (POST …/conversations/{id}/messages with
// message_type "incoming") and whose agents' replies the integration reads back, through the
// API or from the inbox's webhook URL (posted, signed and retried by package webhooks).
package api

import (
	"context"

	"github.com/parleyhq/parley/app/channels"
	"github.com/parleyhq/parley/app/inboxes"
)

// Adapter serves inboxes of type inboxes.ChannelAPI. It holds no connection: everything it
// receives arrives through HTTP handled elsewhere.
type Adapter struct{}

// New builds the API channel's adapter.
func New() *Adapter { return &Adapter{} }

var _ channels.Adapter = (*Adapter)(nil)

// ChannelType is inboxes.ChannelAPI.
func (*Adapter) ChannelType() string { return inboxes.ChannelAPI }

// Start has nothing to start: the API channel receives through the REST API.
func (*Adapter) Start(ctx context.Context) error { return nil }

// Send accepts the message as delivered: storing it is the delivery. Without a webhook URL the
// integration reads the conversation's messages through the API; with one, package webhooks
// posts the message_created event to it from the change feed (signed, retried for a day, logged
// per attempt), independently of this adapter. There is no provider id to return.
func (*Adapter) Send(ctx context.Context, out channels.Outbound) (string, error) {
	return "", nil
}

// State is always connected: there is no connection that could drop.
func (*Adapter) State(inboxID uint64) channels.State { return channels.Connected }
