package contacts

import (
	"github.com/parleyhq/parley/app/accounts"
)

// ContactView is a contact as the API shows it, in Chatwoot's shape: times are unix seconds,
// the avatar is a URL ("thumbnail") and the bot switch reads as bot_enabled.
type ContactView struct {
	ID                   uint64         `json:"id"`
	Name                 string         `json:"name"`
	Email                string         `json:"email"`
	PhoneNumber          string         `json:"phone_number"`
	Identifier           string         `json:"identifier"`
	Thumbnail            string         `json:"thumbnail"`
	Blocked              bool           `json:"blocked"`
	BotEnabled           bool           `json:"bot_enabled"`
	City                 string         `json:"city"`
	Country              string         `json:"country"`
	CompanyName          string         `json:"company_name"`
	CompanyID            uint64         `json:"company_id"`
	OwnerID              uint64         `json:"owner_id"`
	Tags                 []string       `json:"tags"`
	CustomAttributes     map[string]any `json:"custom_attributes"`
	AdditionalAttributes map[string]any `json:"additional_attributes"`
	CreatedAt            int64          `json:"created_at"`
	LastActivityAt       *int64         `json:"last_activity_at"`
}

// ViewOf shapes c for the API (conversations reuse it for a conversation's sender).
func ViewOf(c *Contact) ContactView {
	v := ContactView{
		ID: c.ID, Name: c.Name, Email: c.Email, PhoneNumber: c.Phone, Identifier: c.Identifier,
		Thumbnail: accounts.AvatarURL(c.AvatarHash), Blocked: c.Blocked, BotEnabled: !c.BotOff,
		City: c.City, Country: c.Country, CompanyName: c.Company, CompanyID: c.CompanyID, OwnerID: c.OwnerID, Tags: c.Tags,
		CustomAttributes: c.CustomAttributes, AdditionalAttributes: c.AdditionalAttributes,
		CreatedAt: c.CreatedAt.Unix(),
	}
	if v.CustomAttributes == nil {
		v.CustomAttributes = map[string]any{}
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if v.AdditionalAttributes == nil {
		v.AdditionalAttributes = map[string]any{}
	}
	if !c.LastActivityAt.IsZero() {
		t := c.LastActivityAt.Unix()
		v.LastActivityAt = &t
	}
	return v
}

// ContactInboxView is a contact's identity in one inbox as the API shows it.
type ContactInboxView struct {
	ID        uint64 `json:"id"`
	ContactID uint64 `json:"contact_id"`
	InboxID   uint64 `json:"inbox_id"`
	SourceID  string `json:"source_id"`
}

// ContactList is one page of contacts with Chatwoot's meta.
type ContactList struct {
	Meta    ContactListMeta `json:"meta"`
	Payload []ContactView   `json:"payload"`
}

// ContactListMeta counts the matches of a listing and says which page this is (1-based).
type ContactListMeta struct {
	Count       int `json:"count"`
	CurrentPage int `json:"current_page"`
}
