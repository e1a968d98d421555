// Package mail sends the installation's own email (reminders, notifications): messages are
// queued in the store inside the transaction that decides to send them, and a worker delivers
// them through the operator's SMTP server with retries.
package mail

import (
	"io"
	"log/slog"
	"sync"
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
	// Language picks the language of the lines the mail service adds ("Open in Parley"); the
	// caller writes Subject and Text in the recipient's language. Empty means the account's.
	Language string `json:"language,omitempty"`
}

// Outgoing holds queued and recently sent messages of each account ("key": idempotency). The
// worker finds due messages through entries, which look across accounts.
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

// entry mirrors every message installation-wide (account 0, same id as the message) because
// the worker and the operator's list look across accounts, and collection indexes are scoped
// by account. It is written and removed together with its message.
type entry struct {
	ID        uint64    `json:"id"`
	AccountID uint64    `json:"account_id"`
	State     string    `json:"state"`
	NextAt    time.Time `json:"next_at"`
	DoneAt    time.Time `json:"done_at,omitzero"`
}

// entries: "due" holds queued messages by next attempt; "done" holds sent and failed ones by
// when they finished, for pruning. Record order (= id) is queuing order, for the latest list.
var entries = storage.NewCollection(storage.Def[entry]{
	Name:    "mail_entries",
	ID:      func(e *entry) *uint64 { return &e.ID },
	Account: func(*entry) uint64 { return 0 },
	Indexes: []storage.Index[entry]{
		{Name: "due", Keys: func(e *entry) [][]byte {
			if e.State != StateQueued {
				return nil
			}
			return [][]byte{storage.Time(e.NextAt)}
		}},
		{Name: "done", Keys: func(e *entry) [][]byte {
			if e.State == StateQueued {
				return nil
			}
			return [][]byte{storage.Time(e.DoneAt)}
		}},
	},
})

// put stores m and its installation-wide entry together.
func put(tx *storage.Tx, m *Message, doneAt time.Time) error {
	if err := Outgoing.Put(tx, m); err != nil {
		return err
	}
	return entries.Put(tx, &entry{ID: m.ID, AccountID: m.AccountID, State: m.State, NextAt: m.NextAt, DoneAt: doneAt})
}

// Queue stores a message to send in tx. A message with a Key already queued (or sent) in the
// account is not queued again. The worker hears about it when tx commits.
func Queue(tx *storage.Tx, m Message) error {
	if m.Key != "" {
		if _, err := Outgoing.GetBy(tx, m.AccountID, "key", storage.Str(m.Key)); err == nil {
			return nil
		}
	}
	m.ID, m.State, m.Attempts, m.LastError, m.MessageID, m.SentAt = 0, StateQueued, 0, "", "", nil
	m.CreatedAt = time.Now().UTC()
	m.NextAt = m.CreatedAt
	if err := put(tx, &m, time.Time{}); err != nil {
		return err
	}
	db := tx.DB()
	tx.OnCommit(func() { wake(db) })
	return nil
}

// wakers holds one wake-up channel per open store, so Queue (which only has a transaction) can
// nudge the worker serving that store.
var wakers sync.Map // *storage.DB -> chan struct{}

func wakeChan(db *storage.DB) chan struct{} {
	c, _ := wakers.LoadOrStore(db, make(chan struct{}, 1))
	return c.(chan struct{})
}

func wake(db *storage.DB) {
	select {
	case wakeChan(db) <- struct{}{}:
	default:
	}
}

// Service delivers queued messages and keeps the operator's SMTP settings.
type Service struct {
	db        *storage.DB
	now       func() time.Time
	publicURL string
	address   func(tx *storage.Tx, userID uint64) (email, name string, err error)
	language  func(tx *storage.Tx, accountID uint64) string
	log       *slog.Logger

	mu     sync.Mutex
	cancel func()
	done   chan struct{}
}

// Deps are what the mail service needs.
type Deps struct {
	DB *storage.DB
	// PublicURL starts the "Open in Parley" link; without it the line is left out.
	PublicURL string
	// Address resolves a user's current email and name at send time (mail cannot import the
	// user store: the user store's neighbours import mail).
	Address func(tx *storage.Tx, userID uint64) (email, name string, err error)
	// Language gives an account's language for messages that do not carry one.
	Language func(tx *storage.Tx, accountID uint64) string
	// Now is the clock (tests move it); time.Now by default.
	Now    func() time.Time
	Logger *slog.Logger
}

// New builds the service. It sends nothing until Start.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{db: d.DB, now: d.Now, publicURL: d.PublicURL, address: d.Address, language: d.Language, log: d.Logger}
}
