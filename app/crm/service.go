package crm

import (
	"log/slog"

	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/search"
)

// Deps are what the CRM needs.
type Deps struct {
	DB    *storage.DB
	Blobs *blob.Store
	// Catalog supplies products for line items (their name and price are copied, not linked).
	Catalog *catalog.Service
	Logger  *slog.Logger
}

// Service holds the rules of pipelines, deals, orders and custom objects.
type Service struct {
	db      *storage.DB
	blobs   *blob.Store
	catalog *catalog.Service
	ix      *search.Index
	log     *slog.Logger
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{db: d.DB, blobs: d.Blobs, catalog: d.Catalog, log: d.Logger}
}

// SetSearch hands the service the search index once it is open (see contacts.SetSearch).
func (s *Service) SetSearch(ix *search.Index) { s.ix = ix }

// SearchTypes are the CRM's documents in the search index (deals: see search.go).
func SearchTypes() []search.DocType { return searchTypes() }
