package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// Bodies follow Chatwoot's webhook payloads, so receivers written for Chatwoot work: every body
// has "event"; conversations and messages reuse the API's views (ids are display numbers,
// message_type is a word in message bodies as in Chatwoot's webhooks); "account" and "inbox"
// are {id, name}.

// chatwootTime is how Chatwoot's message webhooks write created_at.
const chatwootTime = "2006-01-02T15:04:05.000Z"

// messageTypeName turns the API's numeric message type back into Chatwoot's webhook word.
var messageTypeName = map[int]string{0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}

// toMap re-reads a view as a JSON object so fields can be added; numbers stay exact.
func toMap(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	out := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&out) != nil {
		return map[string]any{}
	}
	return out
}

// eventData is what the conversation events carry that a body needs.
type eventData struct {
	Conversation conversations.Ref      `json:"conversation"`
	Message      *conversations.Message `json:"message"`
	Previous     conversations.Status   `json:"previous_status"`
	Changed      []string               `json:"changed"`
	User         *struct {
		ID   uint64 `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"user"`
	// IsPrivate marks an agent typing a private note.
	IsPrivate bool `json:"is_private"`
	// Contact is who types when the contact does (the widget, the client API).
	Contact *struct {
		ID   uint64 `json:"id"`
		Name string `json:"name"`
	} `json:"contact"`
}

// body builds the JSON posted for e, or nil when there is nothing left to tell about (the
// conversation or message was deleted before the event was handled). It runs outside any
// transaction: the conversation views open their own.
func (s *Service) body(ctx context.Context, e storage.Event) ([]byte, error) {
	var out map[string]any
	var err error
	switch e.Type {
	case "conversation_created", "conversation_updated", "conversation_status_changed",
		"message_created", "message_updated", "conversation_typing_on", "conversation_typing_off":
		out, err = s.conversationEventBody(ctx, e)
	case "contact_created", "contact_updated":
		out, err = s.contactBody(e)
	default:
		ev, _ := lookupEvent(e.Type)
		if ev.Body != nil {
			out, err = ev.Body(ctx, e)
		} else {
			out = map[string]any{}
			if len(e.Data) > 0 {
				dec := json.NewDecoder(bytes.NewReader(e.Data))
				dec.UseNumber()
				dec.Decode(&out)
			}
		}
		if out != nil {
			if _, ok := out["account"]; !ok {
				out["account"] = s.accountRef(e.Account)
			}
		}
	}
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil // gone before the event was handled: nothing to tell
	}
	if err != nil || out == nil {
		return nil, err
	}
	out["event"] = e.Type
	return json.Marshal(out)
}

func (s *Service) accountRef(id uint64) map[string]any {
	out := map[string]any{"id": id, "name": ""}
	s.DB.View(func(tx *storage.Tx) error {
		if a, err := accounts.Accounts.Get(tx, 0, id); err == nil {
			out["name"] = a.Name
		}
		return nil
	})
	return out
}

func (s *Service) inboxRef(account, id uint64) map[string]any {
	out := map[string]any{"id": id, "name": ""}
	s.DB.View(func(tx *storage.Tx) error {
		if in, err := inboxes.Inboxes.Get(tx, account, id); err == nil {
			out["name"] = in.Name
		}
		return nil
	})
	return out
}

// conversationBody is the conversation as the API shows it to an administrator, plus the
// contact identity it runs on and its channel, as Chatwoot's conversation payload has them.
func (s *Service) conversationBody(ctx context.Context, account uint64, ref conversations.Ref) (map[string]any, error) {
	if s.Conversations == nil {
		s.Logger.Warn("webhooks: no conversations service wired; conversation events are not delivered")
		return nil, nil
	}
	cv, err := s.Conversations.Get(ctx, access.SystemActor(account), ref.DisplayID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := toMap(cv)
	out["channel"] = cv.Meta.Channel
	ci := map[string]any{"id": ref.ContactInboxID, "contact_id": ref.ContactID, "inbox_id": ref.InboxID, "source_id": nil}
	s.DB.View(func(tx *storage.Tx) error {
		if c, err := contacts.ContactInboxes.Get(tx, account, ref.ContactInboxID); err == nil {
			ci["source_id"] = c.SourceID
			ci["created_at"] = c.CreatedAt.UTC().Format(chatwootTime)
		}
		return nil
	})
	out["contact_inbox"] = ci
	return out, nil
}

func (s *Service) conversationEventBody(ctx context.Context, e storage.Event) (map[string]any, error) {
	var d eventData
	if err := e.DecodeData(&d); err != nil || d.Conversation.DisplayID == 0 {
		return nil, nil // not a conversation event this module knows how to show
	}
	conv, err := s.conversationBody(ctx, e.Account, d.Conversation)
	if conv == nil || err != nil {
		return nil, err
	}
	account, inbox := s.accountRef(e.Account), s.inboxRef(e.Account, d.Conversation.InboxID)
	switch e.Type {
	case "message_created", "message_updated":
		if d.Message == nil {
			return nil, nil
		}
		page, err := s.Conversations.Messages(ctx, access.SystemActor(e.Account), d.Conversation.DisplayID, d.Message.ID+1)
		if apperr.Is(err, apperr.NotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var mv *conversations.MessageView
		for i := range page.Payload {
			if page.Payload[i].ID == d.Message.ID {
				mv = &page.Payload[i]
			}
		}
		if mv == nil {
			return nil, nil
		}
		out := toMap(mv)
		out["message_type"] = messageTypeName[mv.MessageType]
		out["created_at"] = time.Unix(mv.CreatedAt, 0).UTC().Format(chatwootTime)
		if sender, ok := out["sender"].(map[string]any); ok {
			sender["avatar"] = sender["thumbnail"]
		}
		out["conversation"], out["inbox"], out["account"] = conv, inbox, account
		return out, nil
	case "conversation_typing_on", "conversation_typing_off":
		user := map[string]any{"id": e.Actor, "name": "", "type": "user"}
		switch {
		case d.Contact != nil:
			user = map[string]any{"id": d.Contact.ID, "name": d.Contact.Name, "type": "contact"}
		case d.User != nil:
			user["id"], user["name"] = d.User.ID, d.User.Name
			if d.User.Type != "" {
				user["type"] = d.User.Type
			}
		}
		return map[string]any{"user": user, "conversation": conv, "is_private": d.IsPrivate, "inbox": inbox, "account": account}, nil
	}
	out := conv
	switch e.Type {
	case "conversation_status_changed":
		out["changed_attributes"] = []any{map[string]any{"status": map[string]any{"previous_value": d.Previous, "current_value": conv["status"]}}}
	case "conversation_updated":
		changed := []any{}
		for _, name := range d.Changed {
			cur, ok := conv[name]
			if !ok {
				if meta, _ := conv["meta"].(map[string]any); meta != nil {
					cur = meta[name]
				}
			}
			changed = append(changed, map[string]any{name: map[string]any{"previous_value": nil, "current_value": cur}})
		}
		out["changed_attributes"] = changed
	}
	out["inbox"], out["account"] = inbox, account
	return out, nil
}

// contactBody is the contact as the API shows it, from the store (or, when it is already
// deleted, from the event's own copy).
func (s *Service) contactBody(e storage.Event) (map[string]any, error) {
	var c *contacts.Contact
	s.DB.View(func(tx *storage.Tx) error {
		c, _ = contacts.Contacts.Get(tx, e.Account, e.ID)
		return nil
	})
	if c == nil {
		c = &contacts.Contact{}
		if e.DecodeData(c) != nil || c.ID == 0 {
			return nil, nil
		}
	}
	out := toMap(contacts.ViewOf(c))
	out["avatar"], out["type"] = out["thumbnail"], "contact"
	out["account"] = s.accountRef(e.Account)
	return out, nil
}
