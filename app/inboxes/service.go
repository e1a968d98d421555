package inboxes

// CONTRACT STUB — the contacts/inboxes helper replaces this file.

import (
	"github.com/parleyhq/parley/storage"
)

// Service holds the rules of inboxes.
type Service struct{ db *storage.DB }

// New builds the service.
func New(db *storage.DB) *Service { return &Service{db: db} }
