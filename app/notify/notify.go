// Package notify is the notification centre: per-user notifications in an account (the bell),
// their read state, and each user's preferences per notification type and channel.
package notify

import (
	"context"
	"strconv"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/mail"
	"github.com/parleyhq/parley/storage"
)

// Notification is one item in a user's bell.
type Notification struct {
	ID        uint64     `json:"id"`
	AccountID uint64     `json:"account_id"`
	UserID    uint64     `json:"user_id"`
	Type      string     `json:"type"`
	Title     string     `json:"title"`
	Body      string     `json:"body,omitempty"`
	Link      string     `json:"link,omitempty"`
	ReadAt    *time.Time `json:"read_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// EventCreated is the change-feed type pushed to the user's open windows.
const EventCreated = "notification.created"

// EventRead tells the user's other windows that the unread count changed.
const EventRead = "notification.read"

// Notifications are scoped by account; "user" orders a user's items by id (= time) and "unread"
// holds only unread ones, so the badge count is an index count.
var Notifications = storage.NewCollection(storage.Def[Notification]{
	Name:    "notifications",
	ID:      func(n *Notification) *uint64 { return &n.ID },
	Account: func(n *Notification) uint64 { return n.AccountID },
	Indexes: []storage.Index[Notification]{
		{Name: "user", Keys: func(n *Notification) [][]byte { return [][]byte{storage.Uint(n.UserID)} }},
		{Name: "unread", Keys: func(n *Notification) [][]byte {
			if n.ReadAt != nil {
				return nil
			}
			return [][]byte{storage.Uint(n.UserID)}
		}},
	},
})

// Type describes a kind of notification for the preferences page.
type Type struct {
	Key          string `json:"key"`
	NameEN       string `json:"name_en"`
	NamePT       string `json:"name_pt"`
	DefaultApp   bool   `json:"default_app"`
	DefaultEmail bool   `json:"default_email"`
}

// Types known so far; areas append theirs as they arrive.
var Types = []Type{
	{Key: "security", NameEN: "Security alerts (sign-ins, two-factor changes)", NamePT: "Alertas de segurança (acessos, verificação em duas etapas)", DefaultApp: true, DefaultEmail: true},
	{Key: "account_added", NameEN: "Added to an account", NamePT: "Adicionado a uma conta", DefaultApp: true, DefaultEmail: true},
	{Key: "team_added", NameEN: "Added to a team", NamePT: "Adicionado a um time", DefaultApp: true, DefaultEmail: false},
	{Key: "conversation_assigned", NameEN: "A conversation is assigned to me", NamePT: "Uma conversa é atribuída a mim", DefaultApp: true, DefaultEmail: false},
	{Key: "conversation_mention", NameEN: "Someone mentions me in a private note", NamePT: "Alguém me menciona em uma nota privada", DefaultApp: true, DefaultEmail: true},
	{Key: "conversation_new_message", NameEN: "New message in a conversation assigned to me", NamePT: "Nova mensagem em uma conversa atribuída a mim", DefaultApp: false, DefaultEmail: false},
	{Key: "sla_breached", NameEN: "An SLA target is missed", NamePT: "Uma meta de SLA é descumprida", DefaultApp: true, DefaultEmail: true},
	{Key: "manual_action_assigned", NameEN: "A manual action is waiting for me", NamePT: "Uma ação manual aguarda por mim", DefaultApp: true, DefaultEmail: false},
	{Key: "webhook_disabled", NameEN: "A webhook is turned off after failing for a day", NamePT: "Um webhook é desativado após falhar por um dia", DefaultApp: true, DefaultEmail: true},
	{Key: "contact_import_finished", NameEN: "A contact import I started finishes", NamePT: "Uma importação de contatos que iniciei termina", DefaultApp: true, DefaultEmail: false},
	{Key: "task_assigned", NameEN: "A task is assigned to me", NamePT: "Uma tarefa é atribuída a mim", DefaultApp: true, DefaultEmail: false},
	{Key: "task_reminder", NameEN: "A task reminder is due (email follows the reminder's own setting)", NamePT: "Um lembrete de tarefa chegou (o e-mail segue a escolha do próprio lembrete)", DefaultApp: true, DefaultEmail: false},
	{Key: "task_sla_breached", NameEN: "A task misses its SLA", NamePT: "Uma tarefa descumpre o SLA", DefaultApp: true, DefaultEmail: false},
}

// Channels a user can choose per type.
type Channels struct {
	App   bool `json:"app"`
	Email bool `json:"email"`
}

// Prefs are a user's choices; a type missing from the map uses its defaults.
type Prefs struct {
	UserID uint64              `json:"user_id"`
	Types  map[string]Channels `json:"types"`
}

// PrefsStore keeps one record per user (installation-wide; the id is the user id).
var PrefsStore = storage.NewCollection(storage.Def[Prefs]{
	Name:    "notify_prefs",
	ID:      func(p *Prefs) *uint64 { return &p.UserID },
	Account: func(*Prefs) uint64 { return 0 },
})

// Effective returns the user's channels for every known type.
func Effective(tx *storage.Tx, userID uint64) map[string]Channels {
	out := map[string]Channels{}
	for _, t := range Types {
		out[t.Key] = Channels{App: t.DefaultApp, Email: t.DefaultEmail}
	}
	if p, err := PrefsStore.Get(tx, 0, userID); err == nil {
		for k, c := range p.Types {
			if _, known := out[k]; known {
				out[k] = c
			}
		}
	}
	return out
}

// SetPrefs replaces a user's preferences; unknown types are refused by name.
func SetPrefs(tx *storage.Tx, userID uint64, types map[string]Channels) error {
	var fe apperr.Fields
	known := map[string]bool{}
	for _, t := range Types {
		known[t.Key] = true
	}
	for k := range types {
		if !known[k] {
			fe.Add("notification_prefs."+k, "is not a notification type")
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return PrefsStore.Put(tx, &Prefs{UserID: userID, Types: types})
}

// Send creates a notification in tx when the user wants this type in the app, and pushes it;
// when the user wants it by email too, it queues a message to the user's address (sent after
// tx commits, by the mail worker). The caller writes Title and Body in the recipient's language.
func Send(tx *storage.Tx, n Notification) error {
	ch := Effective(tx, n.UserID)[n.Type]
	id, err := sendApp(tx, n, ch)
	if err != nil || !ch.Email {
		return err
	}
	key := "" // without a notification record there is nothing to key on; tx makes it once anyway
	if id != 0 {
		key = "notification:" + strconv.FormatUint(id, 10)
	}
	return mail.Queue(tx, mail.Message{AccountID: n.AccountID, UserID: n.UserID, Subject: n.Title, Text: n.Body, Link: n.Link, Key: key})
}

// SendApp is Send without the email half, for notices that choose their own channels (a task
// reminder set to "in-app" and/or "email" queues its own email, once).
func SendApp(tx *storage.Tx, n Notification) error {
	_, err := sendApp(tx, n, Effective(tx, n.UserID)[n.Type])
	return err
}

// sendApp puts n in the bell when ch has the app channel, returning its id (0 when not).
func sendApp(tx *storage.Tx, n Notification, ch Channels) (uint64, error) {
	if !ch.App {
		return 0, nil
	}
	n.ID, n.ReadAt = 0, nil
	n.CreatedAt = time.Now().UTC()
	if err := Notifications.Put(tx, &n); err != nil {
		return 0, err
	}
	return n.ID, tx.EmitData(storage.Event{Account: n.AccountID, Type: EventCreated, Entity: "notifications", ID: n.ID}, n)
}

// Service serves a user's bell.
type Service struct{ db *storage.DB }

// New builds the service.
func New(db *storage.DB) *Service { return &Service{db: db} }

// ListResult is a page of the bell.
type ListResult struct {
	Items       []Notification `json:"items"`
	UnreadCount int            `json:"unread_count"`
	Next        string         `json:"next,omitempty"`
}

// List returns the actor's notifications in its account, newest first.
func (s *Service) List(ctx context.Context, actor access.Actor, cursor string, limit int) (ListResult, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var res ListResult
	err := s.db.View(func(tx *storage.Tx) error {
		page, err := Notifications.Scan(tx, actor.AccountID, storage.Query{Index: "user", Prefix: storage.Uint(actor.UserID), Reverse: true, Limit: limit, Cursor: cursor})
		if err != nil {
			return err
		}
		res.Items, res.Next = page.Items, page.Next
		res.UnreadCount, err = Notifications.Count(tx, actor.AccountID, storage.Query{Index: "unread", Prefix: storage.Uint(actor.UserID)})
		return err
	})
	if res.Items == nil {
		res.Items = []Notification{}
	}
	return res, err
}

// MarkRead marks one of the actor's notifications read.
func (s *Service) MarkRead(ctx context.Context, actor access.Actor, id uint64) error {
	return s.db.Update(func(tx *storage.Tx) error {
		n, err := Notifications.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if n.UserID != actor.UserID {
			return apperr.NotFoundf("notification %d not found", id)
		}
		if n.ReadAt != nil {
			return nil
		}
		now := time.Now().UTC()
		n.ReadAt = &now
		if err := Notifications.Put(tx, n); err != nil {
			return err
		}
		return tx.EmitData(storage.Event{Account: actor.AccountID, Type: EventRead}, map[string]uint64{"user_id": actor.UserID})
	})
}

// MarkAllRead marks every unread notification of the actor in its account read.
func (s *Service) MarkAllRead(ctx context.Context, actor access.Actor) error {
	return s.db.Update(func(tx *storage.Tx) error {
		ids, err := Notifications.IDs(tx, actor.AccountID, storage.Query{Index: "unread", Prefix: storage.Uint(actor.UserID)})
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		for _, id := range ids {
			n, err := Notifications.Get(tx, actor.AccountID, id)
			if err != nil {
				return err
			}
			n.ReadAt = &now
			if err := Notifications.Put(tx, n); err != nil {
				return err
			}
		}
		return tx.EmitData(storage.Event{Account: actor.AccountID, Type: EventRead}, map[string]uint64{"user_id": actor.UserID})
	})
}
