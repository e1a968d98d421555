package contacts

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/storage"
)

// MaxNoteLength bounds a note (Chatwoot's limit is similar): a note, not a document.
const MaxNoteLength = 10000

// ContactNote is what the team writes down about a contact (Chatwoot's contact notes).
type ContactNote struct {
	ID        uint64 `json:"id"`
	AccountID uint64 `json:"account_id"`
	ContactID uint64 `json:"contact_id"`
	// UserID is the author (0: written by Parley itself or an API token).
	UserID    uint64    `json:"user_id"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Notes: "contact" lists a contact's notes by creation time.
var Notes = storage.NewCollection(storage.Def[ContactNote]{
	Name:    "contact_notes",
	ID:      func(n *ContactNote) *uint64 { return &n.ID },
	Account: func(n *ContactNote) uint64 { return n.AccountID },
	Feed:    true,
	Indexes: []storage.Index[ContactNote]{
		{Name: "contact", Keys: func(n *ContactNote) [][]byte {
			return [][]byte{storage.Key(storage.Uint(n.ContactID), storage.Time(n.CreatedAt))}
		}},
	},
})

// Event types of notes.
const (
	EventNoteCreated = "contact_note_created"
	EventNoteUpdated = "contact_note_updated"
	EventNoteDeleted = "contact_note_deleted"
)

// ContactNoteUser is a note's author as the API shows it.
type ContactNoteUser struct {
	ID        uint64 `json:"id"`
	Name      string `json:"name"`
	Thumbnail string `json:"thumbnail"`
}

// ContactNoteView is a note as the API shows it (Chatwoot's shape; times in unix seconds).
type ContactNoteView struct {
	ID        uint64           `json:"id"`
	Content   string           `json:"content"`
	ContactID uint64           `json:"contact_id"`
	User      *ContactNoteUser `json:"user"`
	CreatedAt int64            `json:"created_at"`
	UpdatedAt int64            `json:"updated_at"`
}

func noteView(tx *storage.Tx, n *ContactNote) ContactNoteView {
	v := ContactNoteView{ID: n.ID, Content: n.Content, ContactID: n.ContactID, CreatedAt: n.CreatedAt.Unix(), UpdatedAt: n.UpdatedAt.Unix()}
	if n.UserID != 0 {
		if u, err := auth.Users.Get(tx, 0, n.UserID); err == nil {
			v.User = &ContactNoteUser{ID: u.ID, Name: u.Name, Thumbnail: accounts.AvatarURL(u.AvatarHash)}
		}
	}
	return v
}

func noteContent(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", apperr.Field("content", "cannot be empty")
	case n > MaxNoteLength:
		return "", apperr.Field("content", fmt.Sprintf("must be at most %d characters", MaxNoteLength))
	}
	return s, nil
}

// Notes returns a contact's notes, newest first.
func (s *Service) Notes(ctx context.Context, actor access.Actor, contactID uint64) ([]ContactNoteView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	out := []ContactNoteView{}
	err := s.db.View(func(tx *storage.Tx) error {
		if _, err := visible(tx, actor, contactID); err != nil {
			return err
		}
		return Notes.Each(tx, actor.AccountID, storage.Query{Index: "contact", Prefix: storage.Uint(contactID), Reverse: true}, func(n *ContactNote) bool {
			out = append(out, noteView(tx, n))
			return true
		})
	})
	return out, err
}

// AddNote writes a note on a contact the actor sees.
func (s *Service) AddNote(ctx context.Context, actor access.Actor, contactID uint64, content string) (*ContactNoteView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	content, err := noteContent(content)
	if err != nil {
		return nil, err
	}
	var out ContactNoteView
	err = s.db.Update(func(tx *storage.Tx) error {
		if _, err := visible(tx, actor, contactID); err != nil {
			return err
		}
		now := time.Now().UTC()
		n := &ContactNote{AccountID: actor.AccountID, ContactID: contactID, UserID: actor.UserID, Content: content, CreatedAt: now, UpdatedAt: now}
		if err := Notes.Put(tx, n); err != nil {
			return err
		}
		out = noteView(tx, n)
		return emitNote(tx, EventNoteCreated, n, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ownNote loads note id of contact contactID for a change: only its author or an
// administrator may change it.
func ownNote(tx *storage.Tx, actor access.Actor, contactID, id uint64) (*ContactNote, error) {
	if _, err := visible(tx, actor, contactID); err != nil {
		return nil, err
	}
	n, err := Notes.Get(tx, actor.AccountID, id)
	if err != nil || n.ContactID != contactID {
		return nil, apperr.NotFoundf("note %d not found", id)
	}
	if !actor.IsAdmin() && (n.UserID == 0 || n.UserID != actor.UserID) {
		return nil, apperr.Forbiddenf("only the author or an administrator can change this note")
	}
	return n, nil
}

// UpdateNote changes a note's text.
func (s *Service) UpdateNote(ctx context.Context, actor access.Actor, contactID, id uint64, content string) (*ContactNoteView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	content, err := noteContent(content)
	if err != nil {
		return nil, err
	}
	var out ContactNoteView
	err = s.db.Update(func(tx *storage.Tx) error {
		n, err := ownNote(tx, actor, contactID, id)
		if err != nil {
			return err
		}
		n.Content, n.UpdatedAt = content, time.Now().UTC()
		if err := Notes.Put(tx, n); err != nil {
			return err
		}
		out = noteView(tx, n)
		return emitNote(tx, EventNoteUpdated, n, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteNote removes a note.
func (s *Service) DeleteNote(ctx context.Context, actor access.Actor, contactID, id uint64) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		n, err := ownNote(tx, actor, contactID, id)
		if err != nil {
			return err
		}
		if err := Notes.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emitNote(tx, EventNoteDeleted, n, actor.UserID)
	})
}

func emitNote(tx *storage.Tx, typ string, n *ContactNote, actor uint64) error {
	return tx.EmitData(storage.Event{Account: n.AccountID, Type: typ, Entity: Notes.Name(), ID: n.ID, Actor: actor}, n)
}

// moveNotes re-points a contact's notes at another contact (merge); dropNotes deletes them.
func moveNotes(tx *storage.Tx, account, from, into uint64) error {
	ids, err := Notes.IDs(tx, account, storage.Query{Index: "contact", Prefix: storage.Uint(from)})
	if err != nil {
		return err
	}
	for _, id := range ids {
		n, err := Notes.Get(tx, account, id)
		if err != nil {
			return err
		}
		if into == 0 {
			err = Notes.Delete(tx, account, id)
		} else {
			n.ContactID = into
			err = Notes.Put(tx, n)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
