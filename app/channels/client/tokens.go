package client

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// A visitor holds two secrets: the source id, which names them in every client API URL, and
// the pubsub token, which opens the widget's realtime socket. The pubsub token is stored only
// as its SHA-256, like every token Parley keeps.

// pubsubToken is one issued pubsub token (one per contact creation: a device).
type pubsubToken struct {
	ID             uint64    `json:"id"`
	Hash           string    `json:"hash"` // hex SHA-256 of the token
	AccountID      uint64    `json:"account_id"`
	InboxID        uint64    `json:"inbox_id"`
	ContactInboxID uint64    `json:"contact_inbox_id"`
	CreatedAt      time.Time `json:"created_at"`
}

// pubsubTokens are installation-wide (the socket knows no account) and unique by hash.
var pubsubTokens = storage.NewCollection(storage.Def[pubsubToken]{
	Name:    "client_pubsub_tokens",
	ID:      func(p *pubsubToken) *uint64 { return &p.ID },
	Account: func(*pubsubToken) uint64 { return 0 },
	Indexes: []storage.Index[pubsubToken]{
		{Name: "hash", Unique: true, Keys: func(p *pubsubToken) [][]byte { return [][]byte{storage.Str(p.Hash)} }},
	},
})

// identityLink remembers the contact identity a verified (HMAC-signed) user id was given in an
// inbox, so every device of that user gets the same source id and conversations. Only verified
// requests create links: an identity an anonymous visitor made is never handed to anyone else.
type identityLink struct {
	ID             uint64 `json:"id"`
	AccountID      uint64 `json:"account_id"`
	InboxID        uint64 `json:"inbox_id"`
	Identifier     string `json:"identifier"`
	ContactInboxID uint64 `json:"contact_inbox_id"`
}

// identityLinks: "identifier" is unique per inbox.
var identityLinks = storage.NewCollection(storage.Def[identityLink]{
	Name:    "client_identity_links",
	ID:      func(l *identityLink) *uint64 { return &l.ID },
	Account: func(l *identityLink) uint64 { return l.AccountID },
	Indexes: []storage.Index[identityLink]{
		{Name: "identifier", Unique: true, Keys: func(l *identityLink) [][]byte {
			return [][]byte{storage.Key(storage.Uint(l.InboxID), storage.Str(l.Identifier))}
		}},
	},
})

// newSecret is an unguessable token (26 characters, 128 bits).
func newSecret() string { return rand.Text() }

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// issuePubsub makes a pubsub token for a contact identity and returns it (the only time it is
// seen in clear).
func issuePubsub(tx *storage.Tx, in *inboxes.Inbox, ci *contacts.ContactInbox) (string, error) {
	t := newSecret()
	err := pubsubTokens.Put(tx, &pubsubToken{Hash: hashToken(t), AccountID: in.AccountID, InboxID: in.ID, ContactInboxID: ci.ID, CreatedAt: time.Now().UTC()})
	return t, err
}

// IdentifierHash is what a site sends with a signed-in user's id: hex(HMAC-SHA256(the inbox's
// hmac_token, identifier)).
func IdentifierHash(secret, identifier string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(identifier))
	return hex.EncodeToString(m.Sum(nil))
}

// verified reports whether hash signs identifier with the inbox's secret (in constant time).
func verified(in *inboxes.Inbox, identifier, hash string) bool {
	secret := in.ChannelString(inboxes.KeyHMACToken)
	if secret == "" || identifier == "" || hash == "" {
		return false
	}
	return hmac.Equal([]byte(IdentifierHash(secret, identifier)), []byte(strings.ToLower(strings.TrimSpace(hash))))
}

// badHash is the refusal of an identifier without a valid signature where one is required.
func badHash() error {
	return &apperr.Error{Kind: apperr.Unauthorized, Message: "the identifier must come with a valid identifier_hash",
		Fields: map[string]string{"identifier_hash": "does not sign the identifier with this inbox's secret"}}
}

// VisitorByPubsub resolves the visitor a pubsub token was issued to (the widget's socket):
// Unauthorized when the token is unknown, belongs to another inbox or its identity is gone.
func (s *Service) VisitorByPubsub(ctx context.Context, identifier, token string) (conversations.Visitor, error) {
	var v conversations.Visitor
	bad := apperr.Unauthorizedf("invalid pubsub token")
	err := s.DB.View(func(tx *storage.Tx) error {
		in, err := inboxIn(tx, identifier)
		if err != nil {
			return err
		}
		if token == "" {
			return bad
		}
		p, err := pubsubTokens.GetBy(tx, 0, "hash", storage.Str(hashToken(token)))
		if err != nil || p.AccountID != in.AccountID || p.InboxID != in.ID {
			return bad
		}
		ci, err := contacts.ContactInboxes.Get(tx, in.AccountID, p.ContactInboxID)
		if err != nil || ci.InboxID != in.ID {
			return bad
		}
		v = conversations.Visitor{AccountID: in.AccountID, InboxID: in.ID, ContactID: ci.ContactID, ContactInboxID: ci.ID}
		return nil
	})
	return v, err
}
