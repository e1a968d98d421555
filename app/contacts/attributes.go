package contacts

import (
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// Models a custom attribute definition applies to (Chatwoot's attribute_model values, plus the
// CRM records that reuse the same definitions).
const (
	ModelContact      = "contact_attribute"
	ModelConversation = "conversation_attribute"
	ModelCompany      = "company_attribute"
	ModelDeal         = "deal_attribute"
)

// Display types of custom attributes (Chatwoot's attribute_display_type values).
const (
	TypeText     = "text"
	TypeNumber   = "number"
	TypeCurrency = "currency"
	TypePercent  = "percent"
	TypeLink     = "link"
	TypeDate     = "date"
	TypeList     = "list"
	TypeCheckbox = "checkbox"
)

// AttributeDefinition is a custom field the business adds to contacts, conversations,
// companies or deals. Its key is generated from the display name once and never changes, so
// stored values, segments, automation rules and CSV headers keep pointing at it.
type AttributeDefinition struct {
	ID          uint64   `json:"id"`
	AccountID   uint64   `json:"account_id"`
	DisplayName string   `json:"attribute_display_name"`
	DisplayType string   `json:"attribute_display_type"`
	Description string   `json:"attribute_description"`
	Key         string   `json:"attribute_key"`
	Model       string   `json:"attribute_model"`
	Values      []string `json:"attribute_values"`
	// RegexPattern, when set, must match the value's text form; RegexCue is the message shown
	// when it does not.
	RegexPattern string    `json:"regex_pattern"`
	RegexCue     string    `json:"regex_cue"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// AttributeDefinitions are scoped by account; "key" makes (model, key) unique.
var AttributeDefinitions = storage.NewCollection(storage.Def[AttributeDefinition]{
	Name:    "attribute_definitions",
	ID:      func(d *AttributeDefinition) *uint64 { return &d.ID },
	Account: func(d *AttributeDefinition) uint64 { return d.AccountID },
	Feed:    true,
	Indexes: []storage.Index[AttributeDefinition]{
		{Name: "key", Unique: true, Field: "attribute_key", Keys: func(d *AttributeDefinition) [][]byte {
			return [][]byte{storage.Key(storage.Str(d.Model), storage.Str(d.Key))}
		}},
	},
})

// ValidateAttributes checks custom attribute values of one model against the account's
// definitions in tx and returns them normalised (numbers as float64, dates as YYYY-MM-DD,
// checkboxes as bool, list values as the defined spelling). Keys with no definition pass
// through unchanged, as Chatwoot's API allows. Problems are reported per key as
// "custom_attributes.<key>". A nil value (removal) is kept as nil.
//
// CONTRACT: implemented by the attributes work; this placeholder accepts everything.
func ValidateAttributes(tx *storage.Tx, account uint64, model string, values map[string]any) (map[string]any, apperr.Fields) {
	return values, nil
}
