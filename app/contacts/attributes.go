package contacts

import (
	"strings"
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

// KeyFromName turns a display name into a stable key: accents folded ("Situação" ->
// "situacao"), lower case, runs of anything but a-z and 0-9 become one "_", at most 64
// characters, never starting with a digit ("2ª via" -> "f_2a_via"). Custom objects use it too.
func KeyFromName(name string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(name) {
		if f, ok := foldAccent[r]; ok {
			r = f
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(r)
		default:
			sep = true
		}
	}
	key := b.String()
	if key != "" && key[0] >= '0' && key[0] <= '9' {
		key = "f_" + key
	}
	if len(key) > 64 {
		key = strings.TrimRight(key[:64], "_")
	}
	return key
}

// foldAccent maps the accented letters of Portuguese, Spanish and French to their base letter.
var foldAccent = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "áàâãäåª", 'e': "éèêë", 'i': "íìîï", 'o': "óòôõöº", 'u': "úùûü", 'c': "ç", 'n': "ñ", 'y': "ýÿ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()
