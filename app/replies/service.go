package replies

// CONTRACT STUB — the replies helper replaces this file.

import (
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/storage"
)

// Service holds canned responses and macros.
type Service struct {
	db    *storage.DB
	convs *conversations.Service
}

// New builds the service.
func New(db *storage.DB, convs *conversations.Service) *Service {
	return &Service{db: db, convs: convs}
}
