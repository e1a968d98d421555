package conversations

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// The contact's side of a conversation: what the website widget and the public client API
// (Chatwoot's /public/api/v1/inboxes/{inbox_identifier}/…) may do as the contact. A visitor is
// always one contact identity (contact inbox) and reaches only that identity's conversations;
// private notes and activity lines never reach them.

// Limits of what a contact writes (the agents' are larger: see maxContent).
const (
	// MaxContactContent is the longest message a contact may send, in characters.
	MaxContactContent = 5000
	// PublicConversationMessages is how many of the latest messages a PublicConversation carries.
	PublicConversationMessages = 20
	// ContactMessagesPage is the largest page of ContactMessages.
	ContactMessagesPage = 50
	// contactConversationsMax caps the visitor's list: a widget shows a handful, and an
	// integration that needs more pages by conversation.
	contactConversationsMax = 25
	// seenReadBack bounds how many of the latest messages ContactSeen turns "read".
	seenReadBack = 50
	maxKeyLen    = 200
)

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
	// Content is required unless the message carries attachments.
	Content string `json:"content,omitempty"`
	// SourceID is the idempotency key: a retry with the same key stores nothing new and returns
	// the message stored the first time.
	SourceID string `json:"source_id,omitempty"`
	// EchoID is the client's temporary id, echoed back in content_attributes.echo_id so the
	// widget can replace its pending bubble.
	EchoID      string       `json:"echo_id,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// contactTypingData is the payload of a contact's typing event: who types is the contact, so
// the agents' windows show "Maria is typing".
type contactTypingData struct {
	EventData
	Contact struct {
		ID   uint64 `json:"id"`
		Name string `json:"name"`
	} `json:"contact"`
}

// threadKeyOf scopes a visitor's conversation idempotency key to their identity: the thread
// index is per inbox, and two visitors must never share a key's conversation.
func threadKeyOf(v Visitor, key string) string {
	return fmt.Sprintf("contact:%d:%s", v.ContactInboxID, key)
}

// visitorConversation loads conversation number displayID if it is the visitor's (NotFound
// otherwise, whether missing or someone else's, so ids do not leak).
func visitorConversation(tx *storage.Tx, v Visitor, displayID uint64) (*Conversation, error) {
	c, err := Conversations.GetBy(tx, v.AccountID, "display", storage.Uint(displayID))
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if err != nil || c.ContactInboxID != v.ContactInboxID || c.InboxID != v.InboxID || v.ContactInboxID == 0 {
		return nil, apperr.NotFoundf("conversation %d not found", displayID)
	}
	return c, nil
}

// visitorIdentity loads the visitor's contact identity and contact, checking they still hang
// together (a merged or deleted contact reads as NotFound).
func visitorIdentity(tx *storage.Tx, v Visitor) (*contacts.ContactInbox, *contacts.Contact, error) {
	ci, err := contacts.ContactInboxes.Get(tx, v.AccountID, v.ContactInboxID)
	if err != nil || ci.InboxID != v.InboxID {
		return nil, nil, apperr.NotFoundf("contact not found")
	}
	ct, err := contacts.Contacts.Get(tx, v.AccountID, ci.ContactID)
	if err != nil {
		return nil, nil, apperr.NotFoundf("contact not found")
	}
	return ci, ct, nil
}

// mediaKeyTx is mediaKey inside the caller's transaction (the push builds views inside one): a
// read-only transaction on a store without a key yet gets none, and links are left empty.
func (s *Service) mediaKeyTx(tx *storage.Tx) []byte {
	if k, ok := mediaKeys.Load(s.DB); ok {
		return k.([]byte)
	}
	if k, err := installSecrets.Get(tx, 0, mediaSecretID); err == nil {
		mediaKeys.Store(s.DB, k.Key)
		return k.Key
	}
	return nil
}

// publicView shapes m with an existing view set (see PublicMessageView).
func publicView(vs *viewSet, c *Conversation, m *Message) MessageView {
	out := vs.message(c, m)
	out.Mentions = nil
	if out.Sender != nil && out.Sender.Type == SenderUser {
		out.Sender = &SenderView{ID: out.Sender.ID, Name: out.Sender.Name, AvatarURL: out.Sender.AvatarURL, Type: SenderUser}
	}
	if len(out.Attachments) > 0 && vs.key == nil {
		for i := range out.Attachments {
			out.Attachments[i].DataURL, out.Attachments[i].ThumbURL = "", ""
		}
	}
	return out
}

// PublicMessageView shapes m for its contact (signed attachment links, the agent's name and
// avatar but nothing else about them). The widget's realtime push uses it for events; callers
// check Public(m) first: this does not hide a note's content.
func (s *Service) PublicMessageView(tx *storage.Tx, c *Conversation, m *Message) MessageView {
	return publicView(s.views(tx, s.mediaKeyTx(tx), c.AccountID, 0), c, m)
}

// Public reports whether the contact may see m: not a private note, not an activity line.
func Public(m *Message) bool { return !m.Private && m.Type != Activity }

// latestPublic lists up to n of c's latest public messages, oldest first, below message id
// before (0: the latest).
func latestPublic(tx *storage.Tx, vs *viewSet, c *Conversation, before uint64, n int) ([]MessageView, error) {
	q := storage.Query{Index: "conversation", Prefix: storage.Uint(c.ID), Reverse: true}
	if before != 0 {
		q.To = storage.Uint(before)
	}
	var ms []*Message
	err := Messages.Each(tx, c.AccountID, q, func(m *Message) bool {
		if Public(m) {
			ms = append(ms, m)
		}
		return len(ms) < n
	})
	if err != nil {
		return nil, err
	}
	out := make([]MessageView, 0, len(ms))
	for i := len(ms) - 1; i >= 0; i-- {
		out = append(out, publicView(vs, c, ms[i]))
	}
	return out, nil
}

// publicConversation builds c as its contact sees it.
func publicConversation(tx *storage.Tx, vs *viewSet, c *Conversation) (PublicConversation, error) {
	out := PublicConversation{ID: c.DisplayID, InboxID: c.InboxID, Status: c.Status, CreatedAt: unix(c.CreatedAt),
		LastActivityAt: unix(c.LastActivityAt)}
	if c.ContactLastSeenAt != nil {
		out.ContactLastSeenAt = unix(*c.ContactLastSeenAt)
	}
	if in := vs.inbox(c.InboxID); in != nil {
		out.CSATEnabled = in.CSATEnabled
	}
	var err error
	out.Messages, err = latestPublic(tx, vs, c, 0, PublicConversationMessages)
	return out, err
}

// contactViews starts a view set for the contact side (no viewer: nobody's unread counts).
func (s *Service) contactViews(tx *storage.Tx, v Visitor) *viewSet {
	return s.views(tx, s.mediaKeyTx(tx), v.AccountID, 0)
}

// ContactConversations lists the visitor's conversations, newest first.
func (s *Service) ContactConversations(ctx context.Context, v Visitor) ([]PublicConversation, error) {
	if _, err := s.mediaKey(); err != nil {
		return nil, err
	}
	out := []PublicConversation{}
	err := s.DB.View(func(tx *storage.Tx) error {
		if _, _, err := visitorIdentity(tx, v); err != nil {
			return err
		}
		vs := s.contactViews(tx, v)
		var list []*Conversation
		err := Conversations.Each(tx, v.AccountID, storage.Query{Index: "contact_inbox", Prefix: storage.Uint(v.ContactInboxID), Reverse: true, Limit: contactConversationsMax}, func(c *Conversation) bool {
			list = append(list, c)
			return true
		})
		if err != nil {
			return err
		}
		for _, c := range list {
			pc, err := publicConversation(tx, vs, c)
			if err != nil {
				return err
			}
			out = append(out, pc)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ContactConversation returns one of the visitor's conversations by display number.
func (s *Service) ContactConversation(ctx context.Context, v Visitor, displayID uint64) (*PublicConversation, error) {
	if _, err := s.mediaKey(); err != nil {
		return nil, err
	}
	var out PublicConversation
	err := s.DB.View(func(tx *storage.Tx) error {
		c, err := visitorConversation(tx, v, displayID)
		if err != nil {
			return err
		}
		out, err = publicConversation(tx, s.contactViews(tx, v), c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// contactInbox loads the visitor's inbox, refusing when it no longer accepts messages.
func contactInbox(tx *storage.Tx, v Visitor) (*inboxes.Inbox, error) {
	in, err := inboxes.Inboxes.Get(tx, v.AccountID, v.InboxID)
	if err != nil {
		return nil, apperr.NotFoundf("inbox not found")
	}
	if !in.Enabled {
		return nil, apperr.Unavailablef("this inbox is not accepting messages")
	}
	return in, nil
}

// StartContactConversation opens a new (empty) conversation for the visitor: numbered, hooks
// run (greeting, auto-assignment, SLA), conversation_created emitted.
func (s *Service) StartContactConversation(ctx context.Context, v Visitor, in ContactConversationInput) (*PublicConversation, error) {
	in.SourceID = strings.TrimSpace(in.SourceID)
	var fe apperr.Fields
	if len(in.SourceID) > maxKeyLen {
		fe.Add("source_id", "must be at most 200 characters")
	}
	if len(in.CustomAttributes) > 100 {
		fe.Add("custom_attributes", "must have at most 100 keys")
	}
	for k := range in.CustomAttributes {
		if strings.TrimSpace(k) == "" {
			fe.Add("custom_attributes", "keys must not be blank")
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if _, err := s.mediaKey(); err != nil {
		return nil, err
	}
	var out PublicConversation
	err := s.DB.Update(func(tx *storage.Tx) error {
		acct, err := account(tx, v.AccountID)
		if err != nil {
			return err
		}
		inbox, err := contactInbox(tx, v)
		if err != nil {
			return err
		}
		ci, contact, err := visitorIdentity(tx, v)
		if err != nil {
			return err
		}
		if contact.Blocked {
			return apperr.Forbiddenf("this contact cannot start conversations")
		}
		var thread string
		if in.SourceID != "" {
			thread = threadKeyOf(v, in.SourceID)
			c, err := Conversations.GetBy(tx, v.AccountID, "thread", storage.Key(storage.Uint(inbox.ID), storage.Str(thread)))
			if err == nil {
				out, err = publicConversation(tx, s.contactViews(tx, v), c)
				return err
			}
			if !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		c := &Conversation{AccountID: acct.ID, InboxID: inbox.ID, ContactID: contact.ID, ContactInboxID: ci.ID, Status: Open,
			ThreadKey: thread, CustomAttributes: in.CustomAttributes}
		if c.AssigneeID, err = pickAssignee(tx, inbox); err != nil {
			return err
		}
		if err := s.startConversation(tx, acct, inbox, c, 0); err != nil {
			return err
		}
		// The greeting welcomes a conversation however it starts; the out-of-office reply waits
		// for the contact's first message (it answers a message).
		if inbox.Greeting.Enabled && strings.TrimSpace(inbox.Greeting.Message) != "" {
			if err := s.sendAutomated(tx, acct, c, automated{Kind: AutoGreeting, Content: inbox.Greeting.Message}); err != nil {
				return err
			}
		}
		if c.AssigneeID != 0 {
			if err := s.announceAssignee(tx, acct, access.SystemActor(acct.ID), c, true); err != nil {
				return err
			}
		}
		out, err = publicConversation(tx, s.contactViews(tx, v), c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ContactMessages pages a conversation's messages as the visitor sees them (no notes, no
// activity lines), oldest first: up to limit messages with ids below before (0: the latest).
func (s *Service) ContactMessages(ctx context.Context, v Visitor, displayID, before uint64, limit int) ([]MessageView, error) {
	if limit <= 0 || limit > ContactMessagesPage {
		limit = ContactMessagesPage
	}
	if _, err := s.mediaKey(); err != nil {
		return nil, err
	}
	var out []MessageView
	err := s.DB.View(func(tx *storage.Tx) error {
		c, err := visitorConversation(tx, v, displayID)
		if err != nil {
			return err
		}
		out, err = latestPublic(tx, s.contactViews(tx, v), c, before, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ContactPost stores the visitor's message in one of their conversations through the ingest
// path (dedup by SourceID, reopening a resolved conversation, hooks). duplicate reports a retry.
// Attached files must already be in the blob store; whether the visitor may attach them (they
// uploaded them) is the caller's check.
func (s *Service) ContactPost(ctx context.Context, v Visitor, displayID uint64, in ContactMessageInput) (m *MessageView, duplicate bool, err error) {
	in.SourceID = strings.TrimSpace(in.SourceID)
	var fe apperr.Fields
	if strings.TrimSpace(in.Content) == "" && len(in.Attachments) == 0 {
		fe.Add("content", "is required")
	}
	if utf8.RuneCountInString(in.Content) > MaxContactContent {
		fe.Add("content", "must be at most 5,000 characters")
	}
	if len(in.SourceID) > maxKeyLen {
		fe.Add("source_id", "must be at most 200 characters")
	}
	if len(in.EchoID) > maxKeyLen {
		fe.Add("echo_id", "must be at most 200 characters")
	}
	atts := s.checkAttachments(in.Attachments, &fe)
	if err := fe.Err(); err != nil {
		return nil, false, err
	}
	if len(atts) == 0 {
		atts = nil
	}
	if _, err := s.mediaKey(); err != nil {
		return nil, false, err
	}
	var out MessageView
	err = s.DB.Batch(func(tx *storage.Tx) error {
		if _, err := contactInbox(tx, v); err != nil {
			return err
		}
		c, err := visitorConversation(tx, v, displayID)
		if err != nil {
			return err
		}
		ci, contact, err := visitorIdentity(tx, v)
		if err != nil {
			return err
		}
		if contact.Blocked {
			return apperr.Forbiddenf("this contact cannot send messages")
		}
		var attrs map[string]any
		if in.EchoID != "" {
			attrs = map[string]any{"echo_id": in.EchoID}
		}
		res, err := s.IngestTx(tx, v.AccountID, Inbound{InboxID: v.InboxID, Contact: contacts.Identity{SourceID: ci.SourceID},
			SourceID: in.SourceID, Content: in.Content, ContentAttributes: attrs, Attachments: atts, ConversationID: c.ID})
		if err != nil {
			return err
		}
		msg, err := Messages.Get(tx, v.AccountID, res.MessageID)
		if err != nil {
			return err
		}
		if res.Duplicate {
			// The key is the inbox's: another visitor's message under the same key is not a
			// retry of this one, and must not be shown.
			if c, err = Conversations.Get(tx, v.AccountID, msg.ConversationID); err != nil || c.ContactInboxID != v.ContactInboxID {
				return apperr.Field("source_id", "is already used by another message")
			}
		} else if c, err = Conversations.Get(tx, v.AccountID, c.ID); err != nil {
			return err
		}
		duplicate = res.Duplicate
		out = publicView(s.contactViews(tx, v), c, msg)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return &out, duplicate, nil
}

// contactActor is the visitor acting on their conversation, named as the contact in activity
// lines ("Resolved by Maria").
func contactActor(v Visitor, contact *contacts.Contact) access.Actor {
	return access.Actor{AccountID: v.AccountID, UserName: contact.Name, IP: v.IP}
}

// ContactResolve lets the visitor end their conversation ("end conversation" in the widget).
func (s *Service) ContactResolve(ctx context.Context, v Visitor, displayID uint64) (*PublicConversation, error) {
	if _, err := s.mediaKey(); err != nil {
		return nil, err
	}
	var out PublicConversation
	err := s.DB.Update(func(tx *storage.Tx) error {
		acct, err := account(tx, v.AccountID)
		if err != nil {
			return err
		}
		c, err := visitorConversation(tx, v, displayID)
		if err != nil {
			return err
		}
		_, contact, err := visitorIdentity(tx, v)
		if err != nil {
			return err
		}
		if c.Status != Resolved {
			if err := s.setStatusTx(tx, acct, contactActor(v, contact), c, StatusChange{Status: Resolved}); err != nil {
				return err
			}
		}
		out, err = publicConversation(tx, s.contactViews(tx, v), c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ContactTyping tells the agents the visitor started or stopped typing (an event only). A
// disabled inbox refuses, as it refuses messages.
func (s *Service) ContactTyping(ctx context.Context, v Visitor, displayID uint64, on bool) error {
	return s.DB.Update(func(tx *storage.Tx) error {
		if _, err := contactInbox(tx, v); err != nil {
			return err
		}
		c, err := visitorConversation(tx, v, displayID)
		if err != nil {
			return err
		}
		_, contact, err := visitorIdentity(tx, v)
		if err != nil {
			return err
		}
		typ := EventTypingOff
		if on {
			typ = EventTypingOn
		}
		d := contactTypingData{EventData: EventData{Conversation: RefOf(c)}}
		d.Contact.ID, d.Contact.Name = contact.ID, contact.Name
		return tx.EmitData(storage.Event{Account: c.AccountID, Type: typ, Entity: Conversations.Name(), ID: c.ID}, d)
	})
}

// ContactSeen records that the visitor has read the conversation up to now: the agents' messages
// sent before it show as read. A disabled inbox refuses, as it refuses messages.
func (s *Service) ContactSeen(ctx context.Context, v Visitor, displayID uint64) error {
	return s.DB.Update(func(tx *storage.Tx) error {
		if _, err := contactInbox(tx, v); err != nil {
			return err
		}
		c, err := visitorConversation(tx, v, displayID)
		if err != nil {
			return err
		}
		now := s.now()
		c.ContactLastSeenAt = &now
		if err := s.putConversation(tx, c); err != nil {
			return err
		}
		var unread []uint64
		err = Messages.Each(tx, v.AccountID, storage.Query{Index: "conversation", Prefix: storage.Uint(c.ID), Reverse: true, Limit: seenReadBack}, func(m *Message) bool {
			if m.Type == Outgoing && !m.Private && (m.Status == StatusSent || m.Status == StatusDelivered) && !m.CreatedAt.After(now) {
				unread = append(unread, m.ID)
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, id := range unread {
			if err := s.SetDeliveryTx(tx, v.AccountID, id, StatusRead, "", ""); err != nil {
				return err
			}
		}
		return nil
	})
}
