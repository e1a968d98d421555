package contacts

// CONTRACT STUB — the contacts/inboxes helper replaces this file.

import (
	"github.com/parleyhq/parley/storage"
)

// Service holds the rules of contacts.
type Service struct{ db *storage.DB }

// New builds the service.
func New(db *storage.DB) *Service { return &Service{db: db} }

// FindOrCreate returns the contact and contact inbox for a channel identity in inbox, creating
// them when new (matching an existing contact by identifier, then phone, then email).
func FindOrCreate(tx *storage.Tx, account, inboxID uint64, id Identity) (*Contact, *ContactInbox, bool, error) {
	panic("contract stub")
}
