// Package audit keeps the trail of security-relevant and settings actions: who did what, to
// what, when and from where. Entries are written in the same transaction as the change they
// describe, so the trail never misses a committed change nor shows one that rolled back.
package audit

import (
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// Entry is one audited action.
type Entry struct {
	ID        uint64    `json:"id"`
	AccountID uint64    `json:"account_id"`
	UserID    uint64    `json:"user_id"`
	UserName  string    `json:"user_name"`
	Action    string    `json:"action"`
	Entity    string    `json:"entity,omitempty"`
	EntityID  uint64    `json:"entity_id,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Entries holds the trail per account (account 0 for installation-level actions).
var Entries = storage.NewCollection(storage.Def[Entry]{
	Name:    "audit",
	ID:      func(e *Entry) *uint64 { return &e.ID },
	Account: func(e *Entry) uint64 { return e.AccountID },
	Indexes: []storage.Index[Entry]{
		{Name: "user", Keys: func(e *Entry) [][]byte { return [][]byte{storage.Uint(e.UserID)} }},
		{Name: "action", Keys: func(e *Entry) [][]byte { return [][]byte{storage.Str(e.Action)} }},
	},
})

// Record appends an entry for the actor's account in tx.
func Record(tx *storage.Tx, actor access.Actor, action, entity string, entityID uint64, detail string) error {
	return RecordIn(tx, actor.AccountID, actor, action, entity, entityID, detail)
}

// RecordIn appends an entry to a given account's trail (platform actions on an account, sign-in
// events that belong to every account of the user).
func RecordIn(tx *storage.Tx, account uint64, actor access.Actor, action, entity string, entityID uint64, detail string) error {
	return Entries.Put(tx, &Entry{
		AccountID: account, UserID: actor.UserID, UserName: actor.UserName, Action: action,
		Entity: entity, EntityID: entityID, Detail: detail, IP: actor.IP, UserAgent: actor.UserAgent,
		CreatedAt: time.Now().UTC(),
	})
}

// Filter narrows a listing.
type Filter struct {
	UserID uint64
	Action string
	Cursor string
	Limit  int
}

// List returns the account's entries, newest first. Only administrators read the trail.
func List(db *storage.DB, actor access.Actor, f Filter) (storage.Page[Entry], error) {
	if err := actor.RequireAdmin(); err != nil {
		return storage.Page[Entry]{}, err
	}
	q := storage.Query{Reverse: true, Limit: f.Limit, Cursor: f.Cursor}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	switch {
	case f.UserID != 0:
		q.Index, q.Prefix = "user", storage.Uint(f.UserID)
	case f.Action != "":
		q.Index, q.Prefix = "action", storage.Str(f.Action)
	}
	var page storage.Page[Entry]
	err := db.View(func(tx *storage.Tx) (err error) {
		page, err = Entries.Scan(tx, actor.AccountID, q)
		return err
	})
	if page.Items == nil {
		page.Items = []Entry{}
	}
	return page, err
}
