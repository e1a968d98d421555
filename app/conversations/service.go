package conversations

// CONTRACT STUB — the conversations-core helper replaces this file. Signatures are fixed: other
// packages (replies, channels, api) compile against them.

import (
	"context"
	"errors"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/contacts"
)

var errTODO = errors.New("not implemented yet")

// Inbound is one message a channel received (or, with Echo, one the business sent from elsewhere,
// such as the phone's WhatsApp app).
type Inbound struct {
	InboxID           uint64            `json:"inbox_id"`
	Contact           contacts.Identity `json:"contact"`
	SourceID          string            `json:"source_id,omitempty"`
	ThreadKey         string            `json:"thread_key,omitempty"`
	Content           string            `json:"content"`
	ContentType       string            `json:"content_type,omitempty"`
	ContentAttributes map[string]any    `json:"content_attributes,omitempty"`
	Attachments       []Attachment      `json:"attachments,omitempty"`
	Echo              bool              `json:"echo,omitempty"`
	At                time.Time         `json:"at,omitzero"`
}

// IngestResult says where an inbound message landed.
type IngestResult struct {
	ConversationID  uint64 `json:"conversation_id"`
	DisplayID       uint64 `json:"display_id"`
	MessageID       uint64 `json:"message_id"`
	ContactID       uint64 `json:"contact_id"`
	Duplicate       bool   `json:"duplicate"`
	NewConversation bool   `json:"new_conversation"`
}

// NewMessage is an agent's (or an integration's) message in a conversation.
type NewMessage struct {
	Content           string         `json:"content"`
	MessageType       string         `json:"message_type,omitempty"` // outgoing (default) or incoming
	Private           bool           `json:"private,omitempty"`
	ContentType       string         `json:"content_type,omitempty"`
	ContentAttributes map[string]any `json:"content_attributes,omitempty"`
	Attachments       []Attachment   `json:"attachments,omitempty"`
	SourceID          string         `json:"source_id,omitempty"`
}

// StatusChange is a toggle_status request.
type StatusChange struct {
	Status       Status     `json:"status"`
	SnoozedUntil *time.Time `json:"snoozed_until,omitempty"`
}

// Assignment sets the assignee and/or team; a pointer to 0 clears it.
type Assignment struct {
	AssigneeID *uint64 `json:"assignee_id,omitempty"`
	TeamID     *uint64 `json:"team_id,omitempty"`
}

// Ingest stores one inbound message (see Inbound).
func (s *Service) Ingest(ctx context.Context, account uint64, in Inbound) (IngestResult, error) {
	return IngestResult{}, errTODO
}

// CreateMessage adds an agent's message or note to conversation number id.
func (s *Service) CreateMessage(ctx context.Context, actor access.Actor, id uint64, in NewMessage) (*Message, error) {
	return nil, errTODO
}

// ToggleStatus changes conversation number id's status.
func (s *Service) ToggleStatus(ctx context.Context, actor access.Actor, id uint64, in StatusChange) (*Conversation, error) {
	return nil, errTODO
}

// SetPriority changes conversation number id's priority.
func (s *Service) SetPriority(ctx context.Context, actor access.Actor, id uint64, p Priority) (*Conversation, error) {
	return nil, errTODO
}

// Assign sets conversation number id's assignee and/or team.
func (s *Service) Assign(ctx context.Context, actor access.Actor, id uint64, in Assignment) (*Conversation, error) {
	return nil, errTODO
}

// AddLabels adds labels to conversation number id and returns its labels.
func (s *Service) AddLabels(ctx context.Context, actor access.Actor, id uint64, labels []string) ([]string, error) {
	return nil, errTODO
}

// RemoveLabels removes labels from conversation number id and returns its labels.
func (s *Service) RemoveLabels(ctx context.Context, actor access.Actor, id uint64, labels []string) ([]string, error) {
	return nil, errTODO
}

// Visible loads conversation number id if the actor may see it (NotFound otherwise).
func (s *Service) Visible(ctx context.Context, actor access.Actor, id uint64) (*Conversation, error) {
	return nil, errTODO
}
