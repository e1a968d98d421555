package conversations

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
)

// module is the permission module of everything in this package.
const module = "conversations"

// Limits of what people write.
const (
	maxContent     = 10000
	maxAttachments = 15
)

// EventConversationDeleted tells open windows a conversation is gone (administrators delete).
const EventConversationDeleted = "conversation_deleted"

// Notification types this package sends (registered in notify.Types by the app).
const (
	NotifyAssigned = "conversation_assigned"
	NotifyMention  = "conversation_mention"
	// NotifyNewMessage tells an assignee their contact wrote (off by default).
	NotifyNewMessage = "conversation_new_message"
)

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
	// SenderID names the account user who wrote an echo from elsewhere (a history import);
	// zero leaves the echo without a sender.
	SenderID uint64    `json:"sender_id,omitempty"`
	At       time.Time `json:"at,omitzero"`
	// ConversationID (the internal id) continues one given conversation of the same contact
	// identity, reopening it when resolved, instead of the latest one (the client API posts
	// into the conversation the visitor has open).
	ConversationID uint64 `json:"conversation_id,omitempty"`
}

// IngestResult says where an inbound message landed. A message from a blocked contact is
// dropped: the result is zero but for ContactID, and there is no error.
type IngestResult struct {
	ConversationID  uint64 `json:"conversation_id"`
	DisplayID       uint64 `json:"display_id"`
	MessageID       uint64 `json:"message_id"`
	ContactID       uint64 `json:"contact_id"`
	Duplicate       bool   `json:"duplicate"`
	NewConversation bool   `json:"new_conversation"`
}

// NewMessage is an agent's (or an integration's) message in a conversation. Attachments refer to
// files uploaded before (by hash), or are locations and contact cards.
type NewMessage struct {
	Content           string         `json:"content,omitempty"`
	MessageType       string         `json:"message_type,omitempty"` // outgoing (default) or incoming
	Private           bool           `json:"private,omitempty"`
	ContentType       string         `json:"content_type,omitempty"`
	ContentAttributes map[string]any `json:"content_attributes,omitempty"`
	Attachments       []Attachment   `json:"attachments,omitempty"`
	SourceID          string         `json:"source_id,omitempty"`
}

// StatusChange is a toggle_status request. An empty status toggles between open and resolved,
// as Chatwoot does.
type StatusChange struct {
	Status       Status     `json:"status"`
	SnoozedUntil *time.Time `json:"snoozed_until,omitempty"`
}

// Assignment sets the assignee and/or team; a pointer to 0 clears it.
type Assignment struct {
	AssigneeID *uint64 `json:"assignee_id,omitempty"`
	TeamID     *uint64 `json:"team_id,omitempty"`
}

// NewConversation is a conversation an agent or an integration starts with a contact.
type NewConversation struct {
	InboxID   uint64 `json:"inbox_id"`
	ContactID uint64 `json:"contact_id"`
	// SourceID is the contact's id in the inbox's channel; without it the contact's existing
	// identity in the inbox is used, or one is made up (API inboxes).
	SourceID             string         `json:"source_id,omitempty"`
	AssigneeID           uint64         `json:"assignee_id,omitempty"`
	TeamID               uint64         `json:"team_id,omitempty"`
	Status               Status         `json:"status,omitempty"`
	Message              *FirstMessage  `json:"message,omitempty"`
	CustomAttributes     map[string]any `json:"custom_attributes,omitempty"`
	AdditionalAttributes map[string]any `json:"additional_attributes,omitempty"`
}

// FirstMessage is the outgoing message a new conversation starts with.
type FirstMessage struct {
	Content     string       `json:"content"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// validStatus reports whether st is one of the four statuses.
func validStatus(st Status) bool {
	return st == Open || st == Pending || st == Resolved || st == Snoozed
}

// account loads the account a call works in.
func account(tx *storage.Tx, id uint64) (*accounts.Account, error) {
	a, err := accounts.Accounts.Get(tx, 0, id)
	if err != nil {
		return nil, apperr.NotFoundf("account %d not found", id)
	}
	return a, nil
}

// inboxOf loads c's inbox; a deleted inbox reads as a disabled one, so hooks never see nil.
func inboxOf(tx *storage.Tx, c *Conversation) *inboxes.Inbox {
	if in, err := inboxes.Inboxes.Get(tx, c.AccountID, c.InboxID); err == nil {
		return in
	}
	return &inboxes.Inbox{ID: c.InboxID, AccountID: c.AccountID}
}

// load finds conversation number id for actor: NotFound when missing or invisible to them.
func (s *Service) load(tx *storage.Tx, actor access.Actor, id uint64) (*Conversation, error) {
	c, err := Conversations.GetBy(tx, actor.AccountID, "display", storage.Uint(id))
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if err != nil || !viewerOf(tx, actor).canSee(c) {
		return nil, apperr.NotFoundf("conversation %d not found", id)
	}
	return c, nil
}

// update runs fn on conversation number id in one write transaction, for an actor allowed to
// act on conversations and to see this one.
func (s *Service) update(actor access.Actor, id uint64, fn func(tx *storage.Tx, acct *accounts.Account, c *Conversation) error) (*Conversation, error) {
	if err := actor.Require(module, access.Manage); err != nil {
		return nil, err
	}
	var out *Conversation
	err := s.DB.Update(func(tx *storage.Tx) error {
		acct, err := account(tx, actor.AccountID)
		if err != nil {
			return err
		}
		c, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if err := fn(tx, acct, c); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// Visible loads conversation number id if the actor may see it (NotFound otherwise).
func (s *Service) Visible(ctx context.Context, actor access.Actor, id uint64) (*Conversation, error) {
	if err := actor.Require(module, access.View); err != nil {
		return nil, err
	}
	var c *Conversation
	err := s.DB.View(func(tx *storage.Tx) (err error) {
		c, err = s.load(tx, actor, id)
		return err
	})
	return c, err
}

// Get returns conversation number id as the API shows it to actor.
func (s *Service) Get(ctx context.Context, actor access.Actor, id uint64) (*ConversationView, error) {
	if err := actor.Require(module, access.View); err != nil {
		return nil, err
	}
	key, err := s.mediaKey()
	if err != nil {
		return nil, err
	}
	var out ConversationView
	err = s.DB.View(func(tx *storage.Tx) error {
		c, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		out = s.views(tx, key, actor.AccountID, actor.UserID).conversation(c)
		return nil
	})
	return &out, err
}

// Create starts a conversation with a contact in an inbox the actor works in, optionally
// assigned and with a first outgoing message. Without an assignee the inbox's auto-assignment
// applies.
func (s *Service) Create(ctx context.Context, actor access.Actor, in NewConversation) (*ConversationView, error) {
	if err := actor.Require(module, access.Manage); err != nil {
		return nil, err
	}
	key, err := s.mediaKey()
	if err != nil {
		return nil, err
	}
	var out ConversationView
	err = s.DB.Update(func(tx *storage.Tx) error {
		acct, err := account(tx, actor.AccountID)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		inbox, err := inboxes.Inboxes.Get(tx, acct.ID, in.InboxID)
		switch {
		case err != nil:
			fe.Add("inbox_id", "is not an inbox of this account")
			inbox = nil
		case !viewerOf(tx, actor).all && !worksIn(tx, inbox, actor.UserID):
			fe.Add("inbox_id", "is not an inbox you work in")
		case !inbox.Enabled:
			fe.Add("inbox_id", "is disabled")
		}
		contact, err := contacts.Contacts.Get(tx, acct.ID, in.ContactID)
		if err != nil {
			fe.Add("contact_id", "is not a contact of this account")
		}
		if in.Status == "" {
			in.Status = Open
		}
		if !validStatus(in.Status) {
			fe.Add("status", "must be open, pending, resolved or snoozed")
		}
		if in.AssigneeID != 0 && inbox != nil {
			checkAssignee(tx, inbox, in.AssigneeID, &fe)
		}
		if in.TeamID != 0 && !accounts.Teams.Exists(tx, acct.ID, in.TeamID) {
			fe.Add("team_id", "is not a team of this account")
		}
		if in.Message != nil && utf8.RuneCountInString(in.Message.Content) > maxContent {
			fe.Add("message.content", "must be at most 10,000 characters")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		ci, err := contactInboxFor(tx, inbox, contact, in.SourceID, s.now())
		if err != nil {
			return err
		}
		c := &Conversation{AccountID: acct.ID, InboxID: inbox.ID, ContactID: contact.ID, ContactInboxID: ci.ID,
			Status: in.Status, AssigneeID: in.AssigneeID, TeamID: in.TeamID,
			CustomAttributes: in.CustomAttributes, AdditionalAttributes: in.AdditionalAttributes}
		auto := false
		if c.AssigneeID == 0 {
			if c.AssigneeID, err = pickAssignee(tx, inbox); err != nil {
				return err
			}
			auto = c.AssigneeID != 0
		}
		if err := s.startConversation(tx, acct, inbox, c, actor.UserID); err != nil {
			return err
		}
		if in.Message != nil && (strings.TrimSpace(in.Message.Content) != "" || len(in.Message.Attachments) > 0) {
			if _, err := s.createMessageTx(tx, acct, actor, c, NewMessage{Content: in.Message.Content, Attachments: in.Message.Attachments}); err != nil {
				return prefixFields(err, "message.")
			}
		}
		if c.AssigneeID != 0 {
			if err := s.announceAssignee(tx, acct, actor, c, auto); err != nil {
				return err
			}
		}
		if c.TeamID != 0 {
			if err := s.announceTeam(tx, acct, actor, c); err != nil {
				return err
			}
		}
		out = s.views(tx, key, acct.ID, actor.UserID).conversation(c)
		return nil
	})
	return &out, err
}

// prefixFields renames the fields of a validation error (message.content for content).
func prefixFields(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	var fe apperr.Fields
	for k, v := range e.Fields {
		fe.Add(prefix+k, v)
	}
	return fe.Err()
}

// startConversation numbers and stores a new conversation, runs the creation hook and announces
// it.
func (s *Service) startConversation(tx *storage.Tx, acct *accounts.Account, inbox *inboxes.Inbox, c *Conversation, actor uint64) error {
	n, err := tx.NextNumber(acct.ID, "conversation")
	if err != nil {
		return err
	}
	now := s.now()
	c.DisplayID, c.Token, c.CreatedAt, c.LastActivityAt = n, newToken(), now, now
	if err := s.putConversation(tx, c); err != nil {
		return err
	}
	if err := s.afterCreated(tx, acct, inbox, c); err != nil {
		return err
	}
	return emit(tx, c, EventConversationCreated, actor, EventData{})
}

// contactInboxFor finds or makes the contact's identity in an inbox for a conversation an agent
// starts.
func contactInboxFor(tx *storage.Tx, inbox *inboxes.Inbox, contact *contacts.Contact, sourceID string, now time.Time) (*contacts.ContactInbox, error) {
	sourceID = strings.TrimSpace(sourceID)
	if sourceID != "" {
		ci, err := contacts.ContactInboxes.GetBy(tx, inbox.AccountID, "source", storage.Key(storage.Uint(inbox.ID), storage.Str(sourceID)))
		if err == nil {
			if ci.ContactID != contact.ID {
				return nil, apperr.Field("source_id", "belongs to another contact in this inbox")
			}
			return ci, nil
		}
	} else {
		var found *contacts.ContactInbox
		contacts.ContactInboxes.Each(tx, inbox.AccountID, storage.Query{Index: "contact", Prefix: storage.Uint(contact.ID)}, func(ci *contacts.ContactInbox) bool {
			if ci.InboxID == inbox.ID {
				found = ci
				return false
			}
			return true
		})
		if found != nil {
			return found, nil
		}
		sourceID = newToken()
	}
	ci := &contacts.ContactInbox{AccountID: inbox.AccountID, ContactID: contact.ID, InboxID: inbox.ID, SourceID: sourceID, CreatedAt: now}
	return ci, contacts.ContactInboxes.Put(tx, ci)
}

// contentTypes are the message content types Parley accepts from the API.
var contentTypes = []string{"text", "input_text", "input_textarea", "input_email", "input_select", "cards", "form", "article", "incoming_email", "input_csat", "location", "contact"}

// mentionRE finds Chatwoot's mention links in a private note: [@Ana](mention://user/5/Ana).
var mentionRE = regexp.MustCompile(`\[@?([^\]]*)\]\(mention://user/(\d+)/[^)]*\)`)

// mentionsIn lists the members of the account a note mentions, once each, in order.
func mentionsIn(tx *storage.Tx, account uint64, content string) []uint64 {
	var ids []uint64
	for _, m := range mentionRE.FindAllStringSubmatch(content, -1) {
		id, err := strconv.ParseUint(m[2], 10, 64)
		if err != nil || slices.Contains(ids, id) {
			continue
		}
		if _, err := accounts.Members.GetBy(tx, account, "user", storage.Uint(id)); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// plainMentions renders mention links as @Name, for notification bodies.
func plainMentions(content string) string {
	return mentionRE.ReplaceAllStringFunc(content, func(s string) string {
		m := mentionRE.FindStringSubmatch(s)
		return "@" + strings.TrimPrefix(m[1], "@")
	})
}

// excerpt shortens text for a notification body.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// Link is where the UI opens conversation number id (notification links).
func Link(displayID uint64) string { return fmt.Sprintf("/conversations/%d", displayID) }

// checkAttachments validates the attachments of a message: uploaded files must be in the blob
// store (their size is read from it, not trusted), locations need coordinates, contact cards a
// name or phone.
func (s *Service) checkAttachments(in []Attachment, fe *apperr.Fields) []Attachment {
	if len(in) > maxAttachments {
		fe.Add("attachments", fmt.Sprintf("must be at most %d", maxAttachments))
		return nil
	}
	out := make([]Attachment, 0, len(in))
	for i, a := range in {
		field := fmt.Sprintf("attachments[%d]", i)
		switch {
		case a.Hash != "":
			if !blob.ValidHash(a.Hash) {
				fe.Add(field+".hash", "is not a file hash")
				continue
			}
			if s.Blobs == nil {
				fe.Add(field+".hash", "files are not available")
				continue
			}
			st, err := os.Stat(s.Blobs.Path(a.Hash))
			if err != nil {
				fe.Add(field+".hash", "is not an uploaded file: upload it again")
				continue
			}
			a.Size = st.Size()
			if a.ContentType == "" {
				a.ContentType = "application/octet-stream"
			}
			if a.FileType == "" || a.FileType == FileLocation || a.FileType == FileContact {
				a.FileType = FileTypeOf(a.ContentType)
			}
			if a.Name == "" {
				a.Name = "file" + extensionOf(a.ContentType)
			}
		case a.FileType == FileLocation:
			if a.Latitude == 0 && a.Longitude == 0 {
				fe.Add(field+".coordinates_lat", "a location needs coordinates")
			}
		case a.FileType == FileContact:
			if a.Title == "" && a.Phone == "" {
				fe.Add(field+".fallback_title", "a contact card needs a name or a phone number")
			}
		default:
			fe.Add(field+".hash", "is required (upload the file first)")
		}
		out = append(out, a)
	}
	return out
}

// CreateMessage adds an agent's message or note to conversation number id.
func (s *Service) CreateMessage(ctx context.Context, actor access.Actor, id uint64, in NewMessage) (*Message, error) {
	var m *Message
	_, err := s.update(actor, id, func(tx *storage.Tx, acct *accounts.Account, c *Conversation) (err error) {
		m, err = s.createMessageTx(tx, acct, actor, c, in)
		return err
	})
	return m, err
}

// PostMessage is CreateMessage answering the message as the API shows it.
func (s *Service) PostMessage(ctx context.Context, actor access.Actor, id uint64, in NewMessage) (*MessageView, error) {
	key, err := s.mediaKey()
	if err != nil {
		return nil, err
	}
	var out MessageView
	_, err = s.update(actor, id, func(tx *storage.Tx, acct *accounts.Account, c *Conversation) error {
		m, err := s.createMessageTx(tx, acct, actor, c, in)
		if err != nil {
			return err
		}
		out = s.views(tx, key, acct.ID, actor.UserID).message(c, m)
		return nil
	})
	return &out, err
}

// checkContent checks a message's text and content type as the API takes them (the type
// defaults to text) and returns the type.
func checkContent(content, contentType string, attachments int, fe *apperr.Fields) string {
	if strings.TrimSpace(content) == "" && attachments == 0 {
		fe.Add("content", "is required")
	}
	if utf8.RuneCountInString(content) > maxContent {
		fe.Add("content", "must be at most 10,000 characters")
	}
	if contentType == "" {
		contentType = "text"
	}
	if !slices.Contains(contentTypes, contentType) {
		fe.Add("content_type", "is not a known content type")
	}
	return contentType
}

// createMessageTx validates and appends an agent's message: outgoing replies (delivered by the
// channel), private notes (mentions notify) or, in API inboxes, incoming messages.
func (s *Service) createMessageTx(tx *storage.Tx, acct *accounts.Account, actor access.Actor, c *Conversation, in NewMessage) (*Message, error) {
	var fe apperr.Fields
	inbox := inboxOf(tx, c)
	typ := Outgoing
	switch in.MessageType {
	case "", string(Outgoing):
	case string(Incoming):
		typ = Incoming
		if inbox.ChannelType != inboxes.ChannelAPI {
			fe.Add("message_type", "incoming messages can be created only in API inboxes")
		}
		if in.Private {
			fe.Add("private", "only outgoing messages can be private notes")
		}
	default:
		fe.Add("message_type", "must be incoming or outgoing")
	}
	in.ContentType = checkContent(in.Content, in.ContentType, len(in.Attachments), &fe)
	atts := s.checkAttachments(in.Attachments, &fe)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	m := &Message{Type: typ, Private: in.Private, Content: in.Content, ContentType: in.ContentType,
		ContentAttributes: in.ContentAttributes, Attachments: atts, SourceID: strings.TrimSpace(in.SourceID)}
	if len(m.Attachments) == 0 {
		m.Attachments = nil
	}
	if typ == Incoming {
		m.SenderType, m.SenderID, m.Status = SenderContact, c.ContactID, StatusSent
		return m, s.receive(tx, acct, inbox, c, m, false, actor.UserID)
	}
	if !actor.System && actor.UserID != 0 {
		m.SenderType, m.SenderID = SenderUser, actor.UserID
	}
	if m.Private {
		m.Mentions = mentionsIn(tx, acct.ID, m.Content)
	}
	if err := s.appendMessage(tx, c, m, actor.UserID); err != nil {
		return nil, err
	}
	if m.Private {
		return m, s.notifyMentions(tx, acct, actor, c, m)
	}
	if m.SenderType == SenderUser {
		return m, s.afterReply(tx, acct, inbox, c, m)
	}
	return m, nil
}

// receive appends a contact's message: a resolved or snoozed conversation opens again, and the
// status change and incoming hooks run.
func (s *Service) receive(tx *storage.Tx, acct *accounts.Account, inbox *inboxes.Inbox, c *Conversation, m *Message, created bool, actor uint64) error {
	old := c.Status
	if c.Status == Resolved || c.Status == Snoozed {
		c.Status, c.SnoozedUntil = Open, nil
	}
	if err := s.appendMessage(tx, c, m, actor); err != nil {
		return err
	}
	if !created && old != c.Status {
		if err := emit(tx, c, EventConversationStatusChanged, actor, EventData{PreviousStatus: old}); err != nil {
			return err
		}
		if err := s.afterStatus(tx, acct, inbox, c, old); err != nil {
			return err
		}
	}
	return s.afterIncoming(tx, acct, inbox, c, m, created)
}

// notifyMentions tells each member a note mentions, who may see the conversation, in their
// language. Mentioning yourself notifies nobody.
func (s *Service) notifyMentions(tx *storage.Tx, acct *accounts.Account, actor access.Actor, c *Conversation, m *Message) error {
	by := actorName(tx, actor)
	for _, uid := range m.Mentions {
		if uid == actor.UserID || !userSees(tx, c, uid) {
			continue
		}
		lang := userLang(tx, uid, acct)
		err := notify.Send(tx, notify.Notification{AccountID: acct.ID, UserID: uid, Type: NotifyMention,
			Title: tr(lang, "%s mentioned you in conversation #%d", "%s mencionou você na conversa #%d", by, c.DisplayID),
			Body:  excerpt(plainMentions(m.Content), 200), Link: Link(c.DisplayID)})
		if err != nil {
			return err
		}
	}
	return nil
}

// ToggleStatus changes conversation number id's status. Snoozing takes an optional time to wake
// (in the future); without one the conversation sleeps until the contact writes.
func (s *Service) ToggleStatus(ctx context.Context, actor access.Actor, id uint64, in StatusChange) (*Conversation, error) {
	return s.update(actor, id, func(tx *storage.Tx, acct *accounts.Account, c *Conversation) error {
		return s.setStatusTx(tx, acct, actor, c, in)
	})
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func (s *Service) setStatusTx(tx *storage.Tx, acct *accounts.Account, actor access.Actor, c *Conversation, in StatusChange) error {
	st := in.Status
	if st == "" {
		st = Open
		if c.Status == Open {
			st = Resolved
		}
	}
	if !validStatus(st) {
		return apperr.Field("status", "must be open, pending, resolved or snoozed")
	}
	var until *time.Time
	if st == Snoozed && in.SnoozedUntil != nil {
		if !in.SnoozedUntil.After(s.now()) {
			return apperr.Field("snoozed_until", "must be in the future")
		}
		t := in.SnoozedUntil.UTC()
		until = &t
	}
	old := c.Status
	if old == st && sameTime(c.SnoozedUntil, until) {
		return nil
	}
	c.Status, c.SnoozedUntil = st, until
	if st == Resolved {
		now := s.now()
		c.ResolvedAt = &now
	}
	if err := s.addActivity(tx, c, statusLine(acct.Language, st, actorName(tx, actor)), actor.UserID); err != nil {
		return err
	}
	if err := emit(tx, c, EventConversationStatusChanged, actor.UserID, EventData{PreviousStatus: old}); err != nil {
		return err
	}
	return s.afterStatus(tx, acct, inboxOf(tx, c), c, old)
}

// SetPriority changes conversation number id's priority ("" or "none" removes it).
func (s *Service) SetPriority(ctx context.Context, actor access.Actor, id uint64, p Priority) (*Conversation, error) {
	if p == "none" {
		p = NoPrio
	}
	if p != NoPrio && p != Urgent && p != High && p != Medium && p != Low {
		return nil, apperr.Field("priority", "must be urgent, high, medium, low or none")
	}
	return s.update(actor, id, func(tx *storage.Tx, acct *accounts.Account, c *Conversation) error {
		if c.Priority == p {
			return nil
		}
		c.Priority = p
		if err := s.addActivity(tx, c, priorityLine(acct.Language, p, actorName(tx, actor)), actor.UserID); err != nil {
			return err
		}
		return emit(tx, c, EventConversationUpdated, actor.UserID, EventData{Changed: []string{"priority"}})
	})
}

// UpdateCustomAttributes replaces conversation number id's custom attributes.
func (s *Service) UpdateCustomAttributes(ctx context.Context, actor access.Actor, id uint64, attrs map[string]any) (map[string]any, error) {
	for k := range attrs {
		if strings.TrimSpace(k) == "" {
			return nil, apperr.Field("custom_attributes", "keys must not be blank")
		}
	}
	if len(attrs) > 100 {
		return nil, apperr.Field("custom_attributes", "must have at most 100 keys")
	}
	c, err := s.update(actor, id, func(tx *storage.Tx, acct *accounts.Account, c *Conversation) error {
		norm, bad := contacts.ValidateAttributes(tx, acct.ID, contacts.ModelConversation, attrs)
		if err := bad.Err(); err != nil {
			return err
		}
		c.CustomAttributes = norm
		if err := s.putConversation(tx, c); err != nil {
			return err
		}
		return emit(tx, c, EventConversationUpdated, actor.UserID, EventData{Changed: []string{"custom_attributes"}})
	})
	if err != nil {
		return nil, err
	}
	if c.CustomAttributes == nil {
		return map[string]any{}, nil
	}
	return c.CustomAttributes, nil
}

// SetBot turns the account's bot on or off for the contact of conversation number id (the
// contact's bot status, toggled from the conversation).
func (s *Service) SetBot(ctx context.Context, actor access.Actor, id uint64, on bool) error {
	_, err := s.update(actor, id, func(tx *storage.Tx, acct *accounts.Account, c *Conversation) error {
		ct, err := contacts.Contacts.Get(tx, acct.ID, c.ContactID)
		if err != nil {
			return err
		}
		if ct.BotOff == !on {
			return nil
		}
		if _, err := contacts.SetBotTx(tx, acct.ID, c.ContactID, on, actor.UserID); err != nil {
			return err
		}
		return emit(tx, c, EventConversationUpdated, actor.UserID, EventData{Changed: []string{"bot_enabled"}})
	})
	return err
}

// typingData is a typing event's payload: the conversation reference plus who is typing.
type typingData struct {
	EventData
	User struct {
		ID   uint64 `json:"id"`
		Name string `json:"name"`
	} `json:"user"`
	// IsPrivate marks an agent writing a private note: the contact's widget must not show it.
	IsPrivate bool `json:"is_private"`
}

// Typing tells the others looking at conversation number id that the actor started or stopped
// typing. Nothing is stored but the event.
func (s *Service) Typing(ctx context.Context, actor access.Actor, id uint64, on bool) error {
	return s.SetTyping(ctx, actor, id, on, false)
}

// SetTyping is Typing saying whether the actor is writing a private note (Chatwoot's
// is_private), which the contact's side must not see.
func (s *Service) SetTyping(ctx context.Context, actor access.Actor, id uint64, on, private bool) error {
	_, err := s.update(actor, id, func(tx *storage.Tx, acct *accounts.Account, c *Conversation) error {
		typ := EventTypingOff
		if on {
			typ = EventTypingOn
		}
		d := typingData{EventData: EventData{Conversation: RefOf(c)}, IsPrivate: private}
		d.User.ID, d.User.Name = actor.UserID, actorName(tx, actor)
		return tx.EmitData(storage.Event{Account: c.AccountID, Type: typ, Entity: Conversations.Name(), ID: c.ID, Actor: actor.UserID}, d)
	})
	return err
}

// Delete removes conversation number id with its messages (administrators only); files its
// messages held are released.
func (s *Service) Delete(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	_, err := s.update(actor, id, func(tx *storage.Tx, _ *accounts.Account, c *Conversation) error {
		return s.deleteConversationTx(tx, actor, c)
	})
	return err
}

// deliveryRank orders the delivery states an outgoing message moves through.
var deliveryRank = map[string]int{StatusSending: 0, StatusSent: 1, StatusDelivered: 2, StatusRead: 3}

// SetDelivery records a channel's delivery report for a message: its state (never moving back:
// read > delivered > sent > sending; failed only from sending or sent, with the error; a failed
// message a retry delivered moves on) and, when the message has none yet, the provider's id.
func (s *Service) SetDelivery(ctx context.Context, account, messageID uint64, status, sourceID, errText string) error {
	return s.DB.Update(func(tx *storage.Tx) error { return s.SetDeliveryTx(tx, account, messageID, status, sourceID, errText) })
}

// SetDeliveryBySource is SetDelivery for a receipt that names the message by the provider's id.
func (s *Service) SetDeliveryBySource(ctx context.Context, account, inboxID uint64, sourceID, status, errText string) error {
	return s.DB.Update(func(tx *storage.Tx) error {
		m, err := Messages.GetBy(tx, account, "source", storage.Key(storage.Uint(inboxID), storage.Str(sourceID)))
		if err != nil {
			return apperr.NotFoundf("message %q not found", sourceID)
		}
		return s.SetDeliveryTx(tx, account, m.ID, status, "", errText)
	})
}

// SetDeliveryTx is SetDelivery inside the caller's transaction.
func (s *Service) SetDeliveryTx(tx *storage.Tx, account, messageID uint64, status, sourceID, errText string) error {
	m, err := Messages.Get(tx, account, messageID)
	if err != nil {
		return err
	}
	_, known := deliveryRank[status]
	if !known && status != StatusFailed {
		return apperr.Field("status", "must be sending, sent, delivered, read or failed")
	}
	changed := false
	if sourceID != "" && m.SourceID == "" {
		m.SourceID, changed = sourceID, true
	}
	switch {
	case status == StatusFailed:
		if m.Status == StatusSending || m.Status == StatusSent {
			m.Status, m.Error, changed = StatusFailed, errText, true
		}
	case m.Status == StatusFailed:
		if status != StatusSending {
			m.Status, m.Error, changed = status, "", true
		}
	case deliveryRank[status] > deliveryRank[m.Status]:
		m.Status, changed = status, true
	}
	if !changed {
		return nil
	}
	m.UpdatedAt = s.now()
	if err := Messages.Put(tx, m); err != nil {
		return err
	}
	c, err := Conversations.Get(tx, account, m.ConversationID)
	if err != nil {
		return err
	}
	return emit(tx, c, EventMessageUpdated, 0, EventData{Message: m})
}
