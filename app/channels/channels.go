// Package channels is the seam between conversations and the outside world. Each channel kind
// (widget, api, email, whatsappweb, whatsappcloud, meta, sms, voice) is an Adapter in its own
// subpackage: it receives messages and hands them to conversations.Ingest, sends the agents'
// outgoing messages, and reports its connection state. The Outbox consumer here delivers every
// outgoing message to its inbox's adapter and records the result.
package channels

import (
	"context"

	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
)

// State is a channel connection's state as the inbox screen shows it.
type State string

// Connection states (WhatsApp Web adds pairing states of its own in Detail).
const (
	Connected    State = "connected"
	Disconnected State = "disconnected"
	NotSetUp     State = "not_set_up"
)

// Outbound is one outgoing message to deliver, with what an adapter needs to address it.
type Outbound struct {
	Inbox        inboxes.Inbox
	Conversation conversations.Conversation
	Contact      contacts.Contact
	// SourceID is the contact's id in this channel (phone number, email, visitor id).
	SourceID string
	Message  conversations.Message
	// IdempotencyKey is stable across retries of the same message ("parley-msg-<id>"): adapters
	// pass it on where the provider supports one.
	IdempotencyKey string
}

// Adapter is one channel kind.
type Adapter interface {
	// ChannelType is the inboxes.Channel* value this adapter serves.
	ChannelType() string
	// Start begins receiving for every inbox of this type (connections, polling); it returns
	// once started and stops when ctx ends. Channels that only receive through HTTP return nil.
	Start(ctx context.Context) error
	// Send delivers one outgoing message and returns the provider's id for it. A returned error
	// marks the message failed with the error's text, so it must read well to an agent.
	Send(ctx context.Context, out Outbound) (sourceID string, err error)
	// State reports an inbox's connection state.
	State(inboxID uint64) State
}
