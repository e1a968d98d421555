// Package client is the contact's side of an inbox: the public client API (Chatwoot's
// /public/api/v1/inboxes/{inbox_identifier}/…) through which the website widget and API-channel
// integrations create contacts, conversations and messages, with HMAC identity, idempotency keys
// and per-visitor and per-address rate limits.
package client

import (
	"log/slog"

	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
)

// Deps are what the service needs.
type Deps struct {
	DB            *storage.DB
	Blobs         *blob.Store
	Conversations *conversations.Service
	Logger        *slog.Logger
}

// Service answers the public client API.
type Service struct {
	Deps
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{Deps: d}
}
