package conversations

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// The views below are the JSON the API answers, shaped like Chatwoot's so its clients and
// integrations work: ids are display numbers, times are unix seconds, absent things are null.

// ConversationView is a conversation as the API shows it to one person.
type ConversationView struct {
	ID                   uint64           `json:"id"` // the display number
	UUID                 string           `json:"uuid"`
	AccountID            uint64           `json:"account_id"`
	InboxID              uint64           `json:"inbox_id"`
	Status               Status           `json:"status"`
	Priority             *Priority        `json:"priority"`
	Labels               []string         `json:"labels"`
	SnoozedUntil         *int64           `json:"snoozed_until"`
	UnreadCount          uint64           `json:"unread_count"`
	LastActivityAt       int64            `json:"last_activity_at"`
	CreatedAt            int64            `json:"created_at"`
	Timestamp            int64            `json:"timestamp"`
	FirstReplyCreatedAt  *int64           `json:"first_reply_created_at"`
	WaitingSince         *int64           `json:"waiting_since"`
	CustomAttributes     map[string]any   `json:"custom_attributes"`
	AdditionalAttributes map[string]any   `json:"additional_attributes"`
	CanReply             bool             `json:"can_reply"`
	BotEnabled           bool             `json:"bot_enabled"`
	TeamID               *uint64          `json:"team_id"`
	Meta                 ConversationMeta `json:"meta"`
	// Messages holds the last message that is not an activity line (the list preview).
	Messages []MessageView `json:"messages"`
	SLA      *SLAView      `json:"sla"`
}

// ConversationMeta is who a conversation is with and who works it.
type ConversationMeta struct {
	Sender       ContactSummary `json:"sender"`
	Assignee     *AssigneeView  `json:"assignee"`
	Team         *TeamSummary   `json:"team"`
	Channel      string         `json:"channel"`
	HMACVerified bool           `json:"hmac_verified"`
}

// ContactSummary is the contact of a conversation.
type ContactSummary struct {
	ID          uint64 `json:"id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
	Identifier  string `json:"identifier"`
	Thumbnail   string `json:"thumbnail"`
	Blocked     bool   `json:"blocked"`
	Type        string `json:"type"`
}

// AssigneeView is the agent a conversation is assigned to.
type AssigneeView struct {
	ID                 uint64 `json:"id"`
	Name               string `json:"name"`
	AvailableName      string `json:"available_name"`
	Email              string `json:"email"`
	AvatarURL          string `json:"avatar_url"`
	AvailabilityStatus string `json:"availability_status"`
	Type               string `json:"type"`
}

// TeamSummary is the team a conversation is assigned to.
type TeamSummary struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}

// SLAView is a conversation's SLA state.
type SLAView struct {
	PolicyID  uint64   `json:"policy_id"`
	Name      string   `json:"name"`
	State     string   `json:"state"` // on_track, due_soon, breached, met
	NextDueAt *int64   `json:"next_due_at"`
	Breaches  []string `json:"breaches"`
}

// MessageView is a message as the API shows it.
type MessageView struct {
	ID                uint64           `json:"id"`
	Content           string           `json:"content"`
	AccountID         uint64           `json:"account_id"`
	InboxID           uint64           `json:"inbox_id"`
	ConversationID    uint64           `json:"conversation_id"` // the display number
	MessageType       int              `json:"message_type"`    // 0 incoming, 1 outgoing, 2 activity, 3 template
	ContentType       string           `json:"content_type"`
	ContentAttributes map[string]any   `json:"content_attributes"`
	Private           bool             `json:"private"`
	Status            string           `json:"status"`
	Error             string           `json:"error,omitempty"`
	CreatedAt         int64            `json:"created_at"`
	SourceID          *string          `json:"source_id"`
	Sender            *SenderView      `json:"sender"`
	Attachments       []AttachmentView `json:"attachments"`
	Mentions          []uint64         `json:"mentions,omitempty"`
}

// SenderView is who wrote a message: a user, a contact or a bot.
type SenderView struct {
	ID            uint64 `json:"id"`
	Name          string `json:"name"`
	AvailableName string `json:"available_name,omitempty"`
	AvatarURL     string `json:"avatar_url"`
	Thumbnail     string `json:"thumbnail"`
	Email         string `json:"email,omitempty"`
	PhoneNumber   string `json:"phone_number,omitempty"`
	Type          string `json:"type"` // user, contact, agent_bot
}

// AttachmentView is a message's file (with a signed, expiring link), location or contact card.
type AttachmentView struct {
	ID              int     `json:"id"` // the index in the message
	MessageID       uint64  `json:"message_id"`
	FileType        string  `json:"file_type"`
	ContentType     string  `json:"content_type,omitempty"`
	DataURL         string  `json:"data_url"`
	ThumbURL        string  `json:"thumb_url"`
	FileSize        int64   `json:"file_size"`
	Extension       string  `json:"extension"`
	Name            string  `json:"name"`
	CoordinatesLat  float64 `json:"coordinates_lat"`
	CoordinatesLong float64 `json:"coordinates_long"`
	FallbackTitle   string  `json:"fallback_title"`
	PhoneNumber     string  `json:"phone_number,omitempty"`
}

// unix is t in unix seconds.
func unix(t time.Time) int64 { return t.Unix() }

func unixPtr(t *time.Time) *int64 {
	if t == nil || t.IsZero() {
		return nil
	}
	v := t.Unix()
	return &v
}

// messageTypeInt is Chatwoot's number for a message type.
func messageTypeInt(t MessageType) int {
	switch t {
	case Incoming:
		return 0
	case Outgoing:
		return 1
	case Activity:
		return 2
	}
	return 3
}

// viewSet builds views inside one transaction for one viewer, reading each user, contact,
// inbox and team once. The records it reads come from View (shared with other readers): a view
// may alias their slices and maps, and nothing here modifies them.
type viewSet struct {
	s        *Service
	tx       *storage.Tx
	key      []byte
	account  uint64
	viewer   uint64
	now      time.Time
	users    map[uint64]*auth.User
	members  map[uint64]*accounts.Member
	contacts map[uint64]*contacts.Contact
	inboxes  map[uint64]*inboxes.Inbox
	teams    map[uint64]*accounts.Team
	slas     map[uint64]*SLAPolicy
}

// views starts a view set; key is the media signing key (read before the transaction).
func (s *Service) views(tx *storage.Tx, key []byte, account, viewer uint64) *viewSet {
	return &viewSet{s: s, tx: tx, key: key, account: account, viewer: viewer, now: s.now(),
		users: map[uint64]*auth.User{}, members: map[uint64]*accounts.Member{}, contacts: map[uint64]*contacts.Contact{},
		inboxes: map[uint64]*inboxes.Inbox{}, teams: map[uint64]*accounts.Team{}, slas: map[uint64]*SLAPolicy{}}
}

func cached[T any](m map[uint64]*T, id uint64, load func() (*T, error)) *T {
	if v, ok := m[id]; ok {
		return v
	}
	v, err := load()
	if err != nil {
		v = nil
	}
	m[id] = v
	return v
}

func (v *viewSet) user(id uint64) *auth.User {
	return cached(v.users, id, func() (*auth.User, error) { return auth.Users.View(v.tx, 0, id) })
}

func (v *viewSet) member(id uint64) *accounts.Member {
	return cached(v.members, id, func() (*accounts.Member, error) {
		return accounts.Members.GetBy(v.tx, v.account, "user", storage.Uint(id))
	})
}

func (v *viewSet) contact(id uint64) *contacts.Contact {
	return cached(v.contacts, id, func() (*contacts.Contact, error) { return contacts.Contacts.View(v.tx, v.account, id) })
}

func (v *viewSet) inbox(id uint64) *inboxes.Inbox {
	return cached(v.inboxes, id, func() (*inboxes.Inbox, error) { return inboxes.Inboxes.View(v.tx, v.account, id) })
}

func (v *viewSet) team(id uint64) *accounts.Team {
	return cached(v.teams, id, func() (*accounts.Team, error) { return accounts.Teams.View(v.tx, v.account, id) })
}

// contactSummary shows a contact (a deleted one keeps its id with no name).
func (v *viewSet) contactSummary(id uint64) ContactSummary {
	out := ContactSummary{ID: id, Type: SenderContact}
	if c := v.contact(id); c != nil {
		out.Name, out.Email, out.PhoneNumber, out.Identifier, out.Blocked = c.Name, c.Email, c.Phone, c.Identifier, c.Blocked
	}
	return out
}

// assignee shows an agent (nil for 0).
func (v *viewSet) assignee(id uint64) *AssigneeView {
	if id == 0 {
		return nil
	}
	out := &AssigneeView{ID: id, Type: SenderUser, AvailabilityStatus: "offline"}
	if u := v.user(id); u != nil {
		out.Name, out.AvailableName, out.Email, out.AvatarURL = u.Name, u.Name, u.Email, accounts.AvatarURL(u.AvatarHash)
	}
	if m := v.member(id); m != nil && m.Availability != "" {
		out.AvailabilityStatus = m.Availability
	}
	return out
}

func (v *viewSet) teamSummary(id uint64) *TeamSummary {
	if id == 0 {
		return nil
	}
	out := &TeamSummary{ID: id}
	if t := v.team(id); t != nil {
		out.Name = t.Name
	}
	return out
}

// unread is how many of the contact's messages the viewer has not seen.
func unread(c *Conversation, userID uint64) uint64 {
	if seen := c.Seen[userID]; seen < c.Incoming {
		return c.Incoming - seen
	}
	return 0
}

// conversation builds c's view for the viewer.
func (v *viewSet) conversation(c *Conversation) ConversationView {
	out := ConversationView{ID: c.DisplayID, UUID: c.Token, AccountID: c.AccountID, InboxID: c.InboxID, Status: c.Status,
		Labels: c.Labels, SnoozedUntil: unixPtr(c.SnoozedUntil), UnreadCount: unread(c, v.viewer),
		LastActivityAt: unix(c.LastActivityAt), CreatedAt: unix(c.CreatedAt), Timestamp: unix(c.LastActivityAt),
		FirstReplyCreatedAt: unixPtr(c.FirstReplyAt), WaitingSince: unixPtr(c.WaitingSince),
		CustomAttributes: c.CustomAttributes, AdditionalAttributes: c.AdditionalAttributes, Messages: []MessageView{}}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	if out.CustomAttributes == nil {
		out.CustomAttributes = map[string]any{}
	}
	if out.AdditionalAttributes == nil {
		out.AdditionalAttributes = map[string]any{}
	}
	if c.Priority != NoPrio {
		p := c.Priority
		out.Priority = &p
	}
	if c.TeamID != 0 {
		t := c.TeamID
		out.TeamID = &t
	}
	out.Meta.Sender = v.contactSummary(c.ContactID)
	out.Meta.Assignee = v.assignee(c.AssigneeID)
	out.Meta.Team = v.teamSummary(c.TeamID)
	if in := v.inbox(c.InboxID); in != nil {
		out.Meta.Channel, out.CanReply = in.ChannelType, in.Enabled
	}
	if ct := v.contact(c.ContactID); ct != nil {
		out.BotEnabled = !ct.BotOff
		out.CanReply = out.CanReply && !ct.Blocked
	}
	if c.LastMessageID != 0 {
		if m, err := Messages.View(v.tx, v.account, c.LastMessageID); err == nil {
			out.Messages = append(out.Messages, v.message(c, m))
		}
	}
	out.SLA = v.sla(c)
	return out
}

// sla shows a conversation's SLA clock (state per SLAState).
func (v *viewSet) sla(c *Conversation) *SLAView {
	if c.SLA == nil {
		return nil
	}
	out := &SLAView{PolicyID: c.SLA.PolicyID, Breaches: c.SLA.Breaches}
	if out.Breaches == nil {
		out.Breaches = []string{}
	}
	if p := cached(v.slas, c.SLA.PolicyID, func() (*SLAPolicy, error) { return SLAPolicies.View(v.tx, v.account, c.SLA.PolicyID) }); p != nil {
		out.Name = p.Name
	}
	var next *time.Time
	out.State, next = SLAState(c, v.now)
	out.NextDueAt = unixPtr(next)
	return out
}

// message builds m's view; c is its conversation.
func (v *viewSet) message(c *Conversation, m *Message) MessageView {
	out := MessageView{ID: m.ID, Content: m.Content, AccountID: m.AccountID, InboxID: m.InboxID, ConversationID: c.DisplayID,
		MessageType: messageTypeInt(m.Type), ContentType: m.ContentType, ContentAttributes: m.ContentAttributes,
		Private: m.Private, Status: m.Status, Error: m.Error, CreatedAt: unix(m.CreatedAt), Mentions: m.Mentions,
		Attachments: make([]AttachmentView, 0, len(m.Attachments))}
	if out.ContentAttributes == nil {
		out.ContentAttributes = map[string]any{}
	}
	if m.SourceID != "" {
		src := m.SourceID
		out.SourceID = &src
	}
	switch m.SenderType {
	case SenderUser:
		sv := &SenderView{ID: m.SenderID, Type: SenderUser}
		if u := v.user(m.SenderID); u != nil {
			sv.Name, sv.AvailableName, sv.AvatarURL, sv.Thumbnail = u.Name, u.Name, accounts.AvatarURL(u.AvatarHash), accounts.AvatarURL(u.AvatarHash)
		}
		out.Sender = sv
	case SenderContact:
		cs := v.contactSummary(m.SenderID)
		out.Sender = &SenderView{ID: cs.ID, Name: cs.Name, Email: cs.Email, PhoneNumber: cs.PhoneNumber, Type: SenderContact}
	case SenderBot:
		out.Sender = &SenderView{ID: m.SenderID, Name: "Bot", Type: SenderBot}
	}
	for i, a := range m.Attachments {
		av := AttachmentView{ID: i, MessageID: m.ID, FileType: a.FileType, ContentType: a.ContentType, FileSize: a.Size, Name: a.Name,
			CoordinatesLat: a.Latitude, CoordinatesLong: a.Longitude, FallbackTitle: a.Title, PhoneNumber: a.Phone}
		if a.Hash != "" {
			av.DataURL = attachmentURL(v.key, m.AccountID, m.ID, i, v.now)
			if a.FileType == FileImage {
				av.ThumbURL = av.DataURL
			}
			av.Extension = strings.TrimPrefix(filepath.Ext(a.Name), ".")
			if av.Extension == "" {
				av.Extension = strings.TrimPrefix(extensionOf(a.ContentType), ".")
			}
		}
		out.Attachments = append(out.Attachments, av)
	}
	return out
}

// OfContact lists the conversations of one contact the actor may see, newest first (the
// contact panel's "previous conversations"; Chatwoot's GET /contacts/{id}/conversations). A
// contact of another account, or one without visible conversations, gives an empty list.
func (s *Service) OfContact(ctx context.Context, actor access.Actor, contactID uint64) ([]ConversationView, error) {
	if err := actor.Require(module, access.View); err != nil {
		return nil, err
	}
	key, err := s.mediaKey()
	if err != nil {
		return nil, err
	}
	out := []ConversationView{}
	err = s.DB.View(func(tx *storage.Tx) error {
		v := viewerOf(tx, actor)
		vs := s.views(tx, key, actor.AccountID, actor.UserID)
		return Conversations.Each(tx, actor.AccountID, storage.Query{Index: "contact", Prefix: storage.Key(storage.Uint(contactID)), Reverse: true}, func(c *Conversation) bool {
			if v.canSee(c) {
				out = append(out, vs.conversation(c))
			}
			return len(out) < ListPageSize
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
