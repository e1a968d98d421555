package contacts

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	ModelTask         = "task_attribute"
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
func ValidateAttributes(tx *storage.Tx, account uint64, model string, values map[string]any) (map[string]any, apperr.Fields) {
	if len(values) == 0 {
		return values, nil
	}
	defs, err := definitionsOf(tx, account, model)
	if err != nil {
		return nil, apperr.Fields{"custom_attributes": "could not be checked: " + err.Error()}
	}
	var fe apperr.Fields
	out := make(map[string]any, len(values))
	for k, v := range values {
		d, ok := defs[k]
		if !ok || v == nil {
			out[k] = v
			continue
		}
		nv, problem := d.normalize(v)
		if problem != "" {
			fe.Add("custom_attributes."+k, problem)
			continue
		}
		out[k] = nv
	}
	if len(fe) > 0 {
		return nil, fe
	}
	return out, nil
}

// definitionsOf maps the keys of a model's definitions to them.
func definitionsOf(tx *storage.Tx, account uint64, model string) (map[string]*AttributeDefinition, error) {
	defs := map[string]*AttributeDefinition{}
	err := AttributeDefinitions.Each(tx, account, storage.Query{Index: "key", Prefix: storage.Str(model)}, func(d *AttributeDefinition) bool {
		defs[d.Key] = d
		return true
	})
	return defs, err
}

// maxAttributeText is the longest text value an attribute holds (a note, not a document).
const maxAttributeText = 1000

// normalize checks one value against the definition and returns its stored form, or a
// message saying what is wrong.
func (d *AttributeDefinition) normalize(v any) (any, string) {
	var text string // the form the regex sees
	var out any
	switch d.DisplayType {
	case TypeNumber, TypeCurrency, TypePercent:
		f, ok := toNumber(v)
		if !ok {
			return nil, "must be a number"
		}
		out, text = f, strconv.FormatFloat(f, 'f', -1, 64)
	case TypeLink:
		s, ok := v.(string)
		s = strings.TrimSpace(s)
		u, err := url.Parse(s)
		if !ok || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, "must be a link starting with http:// or https://"
		}
		out, text = s, s
	case TypeDate:
		s, ok := v.(string)
		day, good := parseDay(s)
		if !ok || !good {
			return nil, "must be a date as YYYY-MM-DD"
		}
		return day, ""
	case TypeList:
		s, ok := scalarText(v)
		if ok {
			for _, val := range d.Values {
				if strings.EqualFold(strings.TrimSpace(s), val) {
					return val, ""
				}
			}
		}
		return nil, "must be one of: " + strings.Join(d.Values, ", ")
	case TypeCheckbox:
		b, ok := toBool(v)
		if !ok {
			return nil, "must be true or false"
		}
		return b, ""
	default: // text
		s, ok := scalarText(v)
		if !ok {
			return nil, "must be text"
		}
		s = strings.TrimSpace(s)
		if utf8.RuneCountInString(s) > maxAttributeText {
			return nil, fmt.Sprintf("must be at most %d characters", maxAttributeText)
		}
		out, text = s, s
	}
	if d.RegexPattern != "" {
		re, err := regexp.Compile(d.RegexPattern)
		if err == nil && !re.MatchString(text) {
			if d.RegexCue != "" {
				return nil, d.RegexCue
			}
			return nil, "does not match the required format"
		}
	}
	return out, ""
}

// scalarText is the text of a string, number or bool (CSV and forms send everything as text,
// API clients send JSON types).
// AttributeText is custom attribute values as one text for the search index (contacts,
// companies and deals): scalar values only, in key order so a document is stable.
func AttributeText(values map[string]any) string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if t, ok := scalarText(values[k]); ok && t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}

func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// toNumber reads a JSON number or a numeric string; a lone comma is a decimal comma
// ("1234,56", as Brazilians write it).
func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		s := strings.TrimSpace(x)
		if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
			s = strings.Replace(s, ",", ".", 1)
		}
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// toBool reads a JSON bool or the words people type for yes and no (English and Portuguese).
func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case float64:
		if x == 0 || x == 1 {
			return x == 1, true
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "sim", "1":
			return true, true
		case "false", "no", "não", "nao", "0":
			return false, true
		}
	}
	return false, false
}

// parseDay reads "YYYY-MM-DD" or an RFC 3339 instant and returns the day as YYYY-MM-DD (the
// day in the instant's own offset: that is the day the sender meant).
func parseDay(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.DateOnly), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Format(time.DateOnly), true
	}
	return "", false
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
