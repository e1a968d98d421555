// Package mail sends the installation's own email (reminders, notifications): messages are
// queued in the store inside the transaction that decides to send them, and a worker delivers
// them through the operator's SMTP server with retries.
package mail

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// Message states.
const (
	StateQueued = "queued"
	StateSent   = "sent"
	StateFailed = "failed"
)

// Message is one outgoing email. Either UserID (the address is the user's at send time) or To
// is set. Key, when set, makes queuing idempotent within the account.
type Message struct {
	ID        uint64     `json:"id"`
	AccountID uint64     `json:"account_id"`
	UserID    uint64     `json:"user_id,omitempty"`
	To        string     `json:"to,omitempty"`
	Subject   string     `json:"subject"`
	Text      string     `json:"text"`
	Link      string     `json:"link,omitempty"`
	Key       string     `json:"key,omitempty"`
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	NextAt    time.Time  `json:"next_at"`
	LastError string     `json:"last_error,omitempty"`
	MessageID string     `json:"message_id,omitempty"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// Outgoing holds queued and recently sent messages ("pending": queued by next attempt time;
// "key": idempotency).
var Outgoing = storage.NewCollection(storage.Def[Message]{
	Name:    "mail_outgoing",
	ID:      func(m *Message) *uint64 { return &m.ID },
	Account: func(m *Message) uint64 { return m.AccountID },
	Indexes: []storage.Index[Message]{
		{Name: "key", Unique: true, Keys: func(m *Message) [][]byte {
			if m.Key == "" {
				return nil
			}
			return [][]byte{storage.Str(m.Key)}
		}},
	},
})

// Queue stores a message to send in tx. A message with a Key already queued (or sent) in the
// account is not queued again.
func Queue(tx *storage.Tx, m Message) error {
	if m.Key != "" {
		if _, err := Outgoing.GetBy(tx, m.AccountID, "key", storage.Str(m.Key)); err == nil {
			return nil
		}
	}
	m.ID, m.State, m.Attempts = 0, StateQueued, 0
	m.CreatedAt = time.Now().UTC()
	m.NextAt = m.CreatedAt
	return Outgoing.Put(tx, &m)
}

// Service delivers queued messages and keeps the operator's SMTP settings.
type Service struct {
	db *storage.DB
}

// Deps are what the mail service needs.
type Deps struct {
	DB *storage.DB
}

// New builds the service.
func New(d Deps) *Service { return &Service{db: d.DB} }
