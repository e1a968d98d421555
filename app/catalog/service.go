package catalog

import "github.com/parleyhq/parley/storage"

// Service holds the rules of the catalog.
type Service struct {
	db *storage.DB
}

// New builds the service.
func New(db *storage.DB) *Service { return &Service{db: db} }
