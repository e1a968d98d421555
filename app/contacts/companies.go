package contacts

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// CompaniesModule is the access module (and module switch) guarding companies.
const CompaniesModule = "companies"

// Company is an organisation several contacts belong to (B2B accounts). The domain is the
// dedup key: two companies never share one.
type Company struct {
	ID               uint64         `json:"id"`
	AccountID        uint64         `json:"account_id"`
	Name             string         `json:"name"`
	Domain           string         `json:"domain,omitempty"` // lower case, no scheme or www.
	Description      string         `json:"description,omitempty"`
	AvatarHash       string         `json:"avatar_hash,omitempty"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

// Companies are scoped by account; "domain" is unique, "name" orders the list.
var Companies = storage.NewCollection(storage.Def[Company]{
	Name:    "companies",
	ID:      func(c *Company) *uint64 { return &c.ID },
	Account: func(c *Company) uint64 { return c.AccountID },
	Feed:    true,
	Indexes: []storage.Index[Company]{
		{Name: "domain", Unique: true, Keys: func(c *Company) [][]byte { return optKey(c.Domain) }},
		{Name: "name", Keys: func(c *Company) [][]byte { return [][]byte{storage.Str(storage.Fold(c.Name))} }},
	},
})

// Event types of companies.
const (
	EventCompanyCreated = "company_created"
	EventCompanyUpdated = "company_updated"
	EventCompanyDeleted = "company_deleted"
)
