package conversations

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// MaxInboundBatch bounds the messages of one Receive call: a page of a channel's catch-up, small
// enough that one bad message does not cost much work to redo.
const MaxInboundBatch = 100

// InboundMessage is what an integration pushes into an API inbox: a message its customer wrote,
// named by the customer's identity in the integration rather than by a Parley conversation.
type InboundMessage struct {
	Contact           InboundContact `json:"contact"`
	SourceID          string         `json:"source_id,omitempty" doc:"the integration's id of the message; a repeat is answered as a duplicate and stores nothing"`
	ThreadKey         string         `json:"thread_key,omitempty" doc:"keeps messages with the same key in one conversation (an e-mail thread, a ticket)"`
	Content           string         `json:"content,omitempty"`
	ContentType       string         `json:"content_type,omitempty"`
	ContentAttributes map[string]any `json:"content_attributes,omitempty"`
	Attachments       []Attachment   `json:"attachments,omitempty" doc:"files uploaded before (by hash), locations or contact cards"`
	At                *time.Time     `json:"at,omitempty" doc:"when the customer wrote it (default: now); never in the future"`
}

// InboundContact identifies the customer in the integration: source_id is its stable id there;
// name, e-mail and phone fill a contact Parley creates.
type InboundContact struct {
	SourceID string `json:"source_id"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone_number,omitempty"`
}

// Receive stores messages an integration received in an API inbox, as a channel would: each
// finds or creates its contact and conversation, reopens a resolved one and runs the incoming
// hooks (assignment, automation, notifications, webhooks). Concurrent calls share commits
// (micro-batching), so many integrations posting one message each cost few fsyncs; a call's
// messages are stored together or, when one is invalid, not at all (the error names its index).
func (s *Service) Receive(ctx context.Context, actor access.Actor, inboxID uint64, msgs []InboundMessage) ([]IngestResult, error) {
	if err := actor.Require(module, access.Manage); err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, apperr.Field("messages", "must have at least one message")
	}
	if len(msgs) > MaxInboundBatch {
		return nil, apperr.Field("messages", fmt.Sprintf("must have at most %d messages", MaxInboundBatch))
	}
	now := time.Now().UTC()
	ins := make([]Inbound, len(msgs))
	for i, m := range msgs {
		var fe apperr.Fields
		if strings.TrimSpace(m.Contact.SourceID) == "" {
			fe.Add("contact.source_id", "is required")
		}
		m.ContentType = checkContent(m.Content, m.ContentType, len(m.Attachments), &fe)
		at := now
		if m.At != nil {
			if m.At.After(now.Add(time.Minute)) {
				fe.Add("at", "must not be in the future")
			}
			at = m.At.UTC()
		}
		atts := s.checkAttachments(m.Attachments, &fe)
		if err := fe.Err(); err != nil {
			return nil, prefixFields(err, fmt.Sprintf("messages[%d].", i))
		}
		if len(atts) == 0 {
			atts = nil
		}
		ins[i] = Inbound{InboxID: inboxID, SourceID: strings.TrimSpace(m.SourceID), ThreadKey: m.ThreadKey,
			Content: m.Content, ContentType: m.ContentType, ContentAttributes: m.ContentAttributes, Attachments: atts, At: at,
			Contact: contacts.Identity{SourceID: strings.TrimSpace(m.Contact.SourceID), Name: m.Contact.Name, Email: m.Contact.Email, Phone: m.Contact.Phone}}
	}
	out := make([]IngestResult, len(ins))
	err := s.DB.Batch(func(tx *storage.Tx) error {
		in, err := inboxes.Inboxes.Get(tx, actor.AccountID, inboxID)
		if err != nil {
			return apperr.NotFoundf("inbox %d not found", inboxID)
		}
		if in.ChannelType != inboxes.ChannelAPI {
			return apperr.Field("inbox_id", "messages can be pushed only into API inboxes")
		}
		if !actor.IsAdmin() && !worksIn(tx, in, actor.UserID) {
			return apperr.Forbiddenf("you do not work in inbox %s", in.Name)
		}
		ing, err := s.ingester(tx, actor.AccountID)
		if err != nil {
			return err
		}
		ing.inboxes[in.ID] = in // read above; decoding it again per call cost as much as a message
		for i, m := range ins {
			if out[i], err = ing.one(m); err != nil {
				return prefixFields(err, fmt.Sprintf("messages[%d].", i))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
