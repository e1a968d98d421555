// Package contacts holds the people a business talks to: contacts with their standard fields,
// tags and custom attributes, and the channel identities (contact inboxes) through which a
// contact reaches each inbox. Every channel finds or creates its contacts here.
package contacts

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// Contact is a person (or a company's line) the business talks to.
type Contact struct {
	ID         uint64 `json:"id"`
	AccountID  uint64 `json:"account_id"`
	Name       string `json:"name"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone_number,omitempty"` // E.164: +5511999998888
	Identifier string `json:"identifier,omitempty"`   // the business's own id for the person
	AvatarHash string `json:"avatar_hash,omitempty"`
	City       string `json:"city,omitempty"`
	Country    string `json:"country,omitempty"`
	Company    string `json:"company_name,omitempty"`
	// CompanyID links the contact to a company record (Companies module); linking also sets
	// Company to the company's name so the free-text field stays meaningful without the module.
	CompanyID uint64 `json:"company_id,omitempty"`
	// OwnerID is the member (user id) who owns the contact; under owner-based privacy agents see
	// only their own and unowned contacts.
	OwnerID uint64 `json:"owner_id,omitempty"`
	Blocked bool   `json:"blocked"`
	// BotOff turns the account's bot off for this contact: people answer (spec: bot status).
	BotOff           bool           `json:"bot_off"`
	Tags             []string       `json:"tags,omitempty"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
	// AdditionalAttributes are what channels learned (browser, referrer, social handle).
	AdditionalAttributes map[string]any `json:"additional_attributes,omitempty"`
	LastActivityAt       time.Time      `json:"last_activity_at,omitzero"`
	CreatedAt            time.Time      `json:"created_at"`
	UpdatedAt            time.Time      `json:"updated_at"`
}

// Contacts are scoped by account. Email, phone and identifier are unique per account (the
// dedup keys); "name" orders the list; "tag" finds a tag's contacts.
var Contacts = storage.NewCollection(storage.Def[Contact]{
	Name:    "contacts",
	ID:      func(c *Contact) *uint64 { return &c.ID },
	Account: func(c *Contact) uint64 { return c.AccountID },
	Shared:  2048, // the contacts of the listed conversations
	Feed:    true,
	Indexes: []storage.Index[Contact]{
		{Name: "email", Unique: true, Keys: func(c *Contact) [][]byte { return optKey(storage.Fold(c.Email)) }},
		{Name: "phone", Unique: true, Field: "phone_number", Keys: func(c *Contact) [][]byte { return optKey(c.Phone) }},
		{Name: "identifier", Unique: true, Keys: func(c *Contact) [][]byte { return optKey(c.Identifier) }},
		{Name: "name", Keys: func(c *Contact) [][]byte { return [][]byte{storage.Str(storage.Fold(c.Name))} }},
		{Name: "activity", Keys: func(c *Contact) [][]byte { return [][]byte{storage.Time(c.LastActivityAt)} }},
		// owner and company return no key for zero, so records written before they existed
		// need no migration.
		{Name: "owner", Keys: func(c *Contact) [][]byte { return optUint(c.OwnerID) }},
		{Name: "company", Keys: func(c *Contact) [][]byte { return optUint(c.CompanyID) }},
		{Name: "tag", Keys: func(c *Contact) [][]byte {
			out := make([][]byte, 0, len(c.Tags))
			for _, t := range c.Tags {
				out = append(out, storage.Str(storage.Fold(t)))
			}
			return out
		}},
	},
})

func optUint(v uint64) [][]byte {
	if v == 0 {
		return nil
	}
	return [][]byte{storage.Uint(v)}
}

func optKey(s string) [][]byte {
	if s == "" {
		return nil
	}
	return [][]byte{storage.Str(s)}
}

// ContactInbox is a contact's identity in one inbox: the channel's own id for them (a phone
// number, an email address, a widget visitor id, an API integration's id).
type ContactInbox struct {
	ID        uint64    `json:"id"`
	AccountID uint64    `json:"account_id"`
	ContactID uint64    `json:"contact_id"`
	InboxID   uint64    `json:"inbox_id"`
	SourceID  string    `json:"source_id"`
	CreatedAt time.Time `json:"created_at"`
}

// ContactInboxes: "source" finds the identity a channel reports (unique per inbox), "contact"
// lists a contact's identities.
var ContactInboxes = storage.NewCollection(storage.Def[ContactInbox]{
	Name:    "contact_inboxes",
	ID:      func(c *ContactInbox) *uint64 { return &c.ID },
	Account: func(c *ContactInbox) uint64 { return c.AccountID },
	Indexes: []storage.Index[ContactInbox]{
		{Name: "source", Unique: true, Field: "source_id", Keys: func(c *ContactInbox) [][]byte {
			return [][]byte{storage.Key(storage.Uint(c.InboxID), storage.Str(c.SourceID))}
		}},
		{Name: "contact", Keys: func(c *ContactInbox) [][]byte { return [][]byte{storage.Uint(c.ContactID)} }},
	},
})

// Identity is what a channel knows about the sender of an inbound message. SourceID is required;
// the rest fills a new contact and matches an existing one (identifier, then phone, then email).
type Identity struct {
	SourceID   string         `json:"source_id"`
	Name       string         `json:"name,omitempty"`
	Email      string         `json:"email,omitempty"`
	Phone      string         `json:"phone_number,omitempty"`
	Identifier string         `json:"identifier,omitempty"`
	Attributes map[string]any `json:"additional_attributes,omitempty"`
}

// Event types of this area.
const (
	EventContactCreated = "contact_created"
	EventContactUpdated = "contact_updated"
	EventContactDeleted = "contact_deleted"
)
