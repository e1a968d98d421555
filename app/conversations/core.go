package conversations

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"time"

	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/search"
)

// Deps are what the service needs.
type Deps struct {
	DB     *storage.DB
	Blobs  *blob.Store
	Jobs   *scheduler.Scheduler
	Search *search.Index // nil until the app has opened it; search then answers Unavailable
	Logger *slog.Logger
	// Now is the clock (tests move it); default time.Now.
	Now func() time.Time
}

// Service holds the rules of conversations. Build it with New before the scheduler starts: it
// registers its job handlers there.
type Service struct {
	Deps
}

// New builds the service and registers its scheduled jobs.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Service{Deps: d}
	if d.Jobs != nil {
		s.registerJobs()
	}
	return s
}

// SetSearch hands the service the search index once it is open (the index needs the doc types
// this package registers, so it is opened after New).
func (s *Service) SetSearch(ix *search.Index) { s.Search = ix }

func (s *Service) now() time.Time { return s.Now().UTC() }

// newToken is an unguessable id for public links.
func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Ref is the part of a conversation every event carries, so consumers (realtime push, webhooks)
// can decide who may see it without reading the store.
type Ref struct {
	ID        uint64 `json:"id"`
	DisplayID uint64 `json:"display_id"`
	InboxID   uint64 `json:"inbox_id"`
	ContactID uint64 `json:"contact_id"`
	// ContactInboxID is the contact's identity the conversation runs on (a widget visitor's
	// pushes are addressed by it).
	ContactInboxID uint64   `json:"contact_inbox_id"`
	AssigneeID     uint64   `json:"assignee_id"`
	TeamID         uint64   `json:"team_id"`
	Status         Status   `json:"status"`
	Priority       Priority `json:"priority"`
	Labels         []string `json:"labels"`
}

// RefOf summarises c for an event.
func RefOf(c *Conversation) Ref {
	return Ref{ID: c.ID, DisplayID: c.DisplayID, InboxID: c.InboxID, ContactID: c.ContactID, ContactInboxID: c.ContactInboxID, AssigneeID: c.AssigneeID, TeamID: c.TeamID, Status: c.Status, Priority: c.Priority, Labels: c.Labels}
}

// EventData is the payload of every conversation and message event.
type EventData struct {
	Conversation Ref `json:"conversation"`
	// Message is set on message events.
	Message *Message `json:"message,omitempty"`
	// PreviousStatus is set on conversation_status_changed.
	PreviousStatus Status `json:"previous_status,omitempty"`
	// Changed names what a conversation_updated changed (assignee, team, labels, priority…).
	Changed []string `json:"changed,omitempty"`
	// UserID targets an event at one user's windows (conversation_read).
	UserID uint64 `json:"user_id,omitempty"`
}

// emit appends a conversation event.
func emit(tx *storage.Tx, c *Conversation, typ string, actor uint64, d EventData) error {
	d.Conversation = RefOf(c)
	return tx.EmitData(storage.Event{Account: c.AccountID, Type: typ, Entity: Conversations.Name(), ID: c.ID, Actor: actor}, d)
}

// putConversation stores c (stamping UpdatedAt) without an event of its own.
func (s *Service) putConversation(tx *storage.Tx, c *Conversation) error {
	c.UpdatedAt = s.now()
	return Conversations.Put(tx, c)
}

// appendMessage stores m in c and keeps c's counters, clocks and activity up to date, then
// emits message_created. It is the only way a message enters a conversation: ingest, agents'
// replies, notes, activity lines, automated and scheduled messages all come through here.
// m.ID, AccountID, ConversationID and InboxID are filled in; a zero CreatedAt is now.
func (s *Service) appendMessage(tx *storage.Tx, c *Conversation, m *Message, actor uint64) error {
	now := s.now()
	m.AccountID, m.ConversationID, m.InboxID = c.AccountID, c.ID, c.InboxID
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	m.UpdatedAt = now
	if m.ContentType == "" {
		m.ContentType = "text"
	}
	if m.Status == "" {
		m.Status = StatusSent
		if m.Type == Outgoing && !m.Private {
			m.Status = StatusSending
		}
	}
	if err := Messages.Put(tx, m); err != nil {
		return err
	}
	if s.Blobs != nil {
		for _, a := range m.Attachments {
			if a.Hash != "" {
				if err := s.Blobs.AddRef(tx, c.AccountID, a.Hash, a.Size); err != nil {
					return err
				}
			}
		}
	}
	if m.Type != Activity {
		c.LastMessageID = m.ID
		c.LastActivityAt = m.CreatedAt
	}
	switch {
	case m.Type == Incoming:
		c.Incoming++
		if c.WaitingSince == nil {
			t := m.CreatedAt
			c.WaitingSince = &t
		}
	case m.Type == Outgoing && !m.Private && m.SenderType == SenderUser:
		// Only a person's reply answers the contact: bots and automated messages do not stop
		// the response clocks.
		if c.FirstReplyAt == nil {
			t := m.CreatedAt
			c.FirstReplyAt = &t
		}
		c.WaitingSince = nil
	}
	if err := s.putConversation(tx, c); err != nil {
		return err
	}
	return emit(tx, c, EventMessageCreated, actor, EventData{Message: m})
}
