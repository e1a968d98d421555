package conversations

import (
	"context"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// The contact's side of a conversation: what the website widget and the public client API
// (Chatwoot's /public/api/v1/inboxes/{inbox_identifier}/…) may do as the contact. A visitor is
// always one contact identity (contact inbox) and reaches only that identity's conversations;
// private notes and activity lines never reach them.

// Visitor is the contact identity a public request acts as, resolved by the client API from the
// inbox identifier and the contact identifier (its source id).
type Visitor struct {
	AccountID      uint64
	InboxID        uint64
	ContactID      uint64
	ContactInboxID uint64
	// IP is the caller's address, for the activity the conversation records (not stored on the
	// message).
	IP string
}

// PublicConversation is a conversation as its contact sees it (Chatwoot's public API shape).
type PublicConversation struct {
	ID                uint64        `json:"id"` // the display number
	InboxID           uint64        `json:"inbox_id"`
	Status            Status        `json:"status"`
	ContactLastSeenAt int64         `json:"contact_last_seen_at"`
	AgentLastSeenAt   int64         `json:"agent_last_seen_at"`
	CreatedAt         int64         `json:"created_at"`
	LastActivityAt    int64         `json:"last_activity_at"`
	CSATEnabled       bool          `json:"csat_survey_enabled"`
	Messages          []MessageView `json:"messages"` // the latest messages, oldest first
}

// ContactConversationInput starts a conversation from the contact's side.
type ContactConversationInput struct {
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
	// SourceID is an idempotency key: a retry with the same key returns the same conversation.
	SourceID string `json:"source_id,omitempty"`
}

// ContactMessageInput is a message the contact writes.
type ContactMessageInput struct {
	Content string `json:"content"`
	// SourceID is the idempotency key: a retry with the same key stores nothing new and returns
	// the message stored the first time.
	SourceID string `json:"source_id,omitempty"`
	// EchoID is the client's temporary id, echoed back in content_attributes.echo_id so the
	// widget can replace its pending bubble.
	EchoID      string       `json:"echo_id,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// ContactConversations lists the visitor's conversations, newest first.
func (s *Service) ContactConversations(ctx context.Context, v Visitor) ([]PublicConversation, error) {
	return nil, apperr.Unavailablef("not implemented")
}

// ContactConversation returns one of the visitor's conversations by display number.
func (s *Service) ContactConversation(ctx context.Context, v Visitor, displayID uint64) (*PublicConversation, error) {
	return nil, apperr.Unavailablef("not implemented")
}

// StartContactConversation opens a new (empty) conversation for the visitor: numbered, hooks
// run (greeting, auto-assignment, SLA), conversation_created emitted.
func (s *Service) StartContactConversation(ctx context.Context, v Visitor, in ContactConversationInput) (*PublicConversation, error) {
	return nil, apperr.Unavailablef("not implemented")
}

// ContactMessages pages a conversation's messages as the visitor sees them (no notes, no
// activity lines), oldest first: up to limit messages with ids below before (0: the latest).
func (s *Service) ContactMessages(ctx context.Context, v Visitor, displayID, before uint64, limit int) ([]MessageView, error) {
	return nil, apperr.Unavailablef("not implemented")
}

// ContactPost stores the visitor's message in one of their conversations through the ingest
// path (dedup by SourceID, reopening a resolved conversation, hooks). duplicate reports a retry.
func (s *Service) ContactPost(ctx context.Context, v Visitor, displayID uint64, in ContactMessageInput) (m *MessageView, duplicate bool, err error) {
	return nil, false, apperr.Unavailablef("not implemented")
}

// ContactResolve lets the visitor end their conversation ("end conversation" in the widget).
func (s *Service) ContactResolve(ctx context.Context, v Visitor, displayID uint64) (*PublicConversation, error) {
	return nil, apperr.Unavailablef("not implemented")
}

// ContactTyping tells the agents the visitor started or stopped typing (an event only).
func (s *Service) ContactTyping(ctx context.Context, v Visitor, displayID uint64, on bool) error {
	return apperr.Unavailablef("not implemented")
}

// ContactSeen records that the visitor has read the conversation up to now: the agents' messages
// sent before it show as read.
func (s *Service) ContactSeen(ctx context.Context, v Visitor, displayID uint64) error {
	return apperr.Unavailablef("not implemented")
}

// PublicMessageView shapes m for its contact (signed attachment links, the agent's name and
// avatar but nothing else about them). The widget's realtime push uses it for events.
func (s *Service) PublicMessageView(tx *storage.Tx, c *Conversation, m *Message) MessageView {
	return MessageView{}
}

// Public reports whether the contact may see m: not a private note, not an activity line.
func Public(m *Message) bool { return !m.Private && m.Type != Activity }
