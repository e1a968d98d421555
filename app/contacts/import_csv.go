package contacts

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/apperr"
	"golang.org/x/text/encoding/charmap"
)

// Encodings a CSV file is read as (ContactImport.Encoding).
const (
	EncodingUTF8    = "utf-8"
	EncodingUTF8BOM = "utf-8-bom"
	EncodingLatin1  = "latin-1"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeCSV returns the file as UTF-8 and the encoding it was read as. Spreadsheets save CSV
// as UTF-8 with a BOM (Excel's "CSV UTF-8"), plain UTF-8, or Windows-1252 (Excel's default
// "CSV" on a Brazilian Windows): bytes that are not valid UTF-8 can only be the last, and
// Windows-1252 is a superset of Latin-1 for every printable character.
func decodeCSV(raw []byte) ([]byte, string) {
	if bytes.HasPrefix(raw, utf8BOM) {
		return raw[len(utf8BOM):], EncodingUTF8BOM
	}
	if utf8.Valid(raw) {
		return raw, EncodingUTF8
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil { // cannot happen: every byte maps to a rune
		return raw, EncodingLatin1
	}
	return out, EncodingLatin1
}

// sniffDelimiter picks the separator of the header line: the one of ",", ";" and tab that
// occurs most outside quotes. Brazilian Excel writes ";" because "," is the decimal mark.
func sniffDelimiter(text []byte) rune {
	counts := map[rune]int{',': 0, ';': 0, '\t': 0}
	quoted := false
	for _, r := range string(firstLine(text)) {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted:
			if _, ok := counts[r]; ok {
				counts[r]++
			}
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// firstLine is the text up to the first line break outside quotes (a header may be quoted).
func firstLine(text []byte) []byte {
	quoted := false
	for i, b := range text {
		switch {
		case b == '"':
			quoted = !quoted
		case (b == '\n' || b == '\r') && !quoted:
			return text[:i]
		}
	}
	return text
}

// csvRows reads the records of a decoded file with their physical line numbers.
type csvRows struct {
	r *csv.Reader
}

func newCSVRows(text []byte, delim rune) *csvRows {
	r := csv.NewReader(bytes.NewReader(text))
	r.Comma = delim
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	return &csvRows{r: r}
}

// next returns the next record and the line it starts on. A record the CSV reader cannot make
// sense of comes back with a reason instead (the file goes on), io.EOF at the end.
func (c *csvRows) next() (fields []string, line int, reason string, err error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return nil, 0, "", io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.StartLine, "cannot be read: " + pe.Err.Error(), nil
		}
		return nil, 0, "", err
	}
	line, _ = c.r.FieldPos(0)
	return rec, line, "", nil
}

// Targets of an import column besides "attr:<key>"; "" skips the column.
const (
	TargetName       = "name"
	TargetEmail      = "email"
	TargetPhone      = "phone_number"
	TargetIdentifier = "identifier"
	TargetCity       = "city"
	TargetCountry    = "country"
	TargetCompany    = "company_name"
	TargetTags       = "tags"
	// TargetAttrPrefix precedes a contact attribute key ("attr:plano").
	TargetAttrPrefix = "attr:"
)

// standardTargets are the template's columns, in its order.
var standardTargets = []string{TargetName, TargetEmail, TargetPhone, TargetIdentifier, TargetCity, TargetCountry, TargetCompany, TargetTags}

// headerAliases are the spellings of the standard columns people use in English and
// Portuguese spreadsheets, compared after headerKey.
var headerAliases = map[string]string{
	"name": TargetName, "nome": TargetName, "fullname": TargetName, "nomecompleto": TargetName, "contato": TargetName, "contact": TargetName,
	"email": TargetEmail, "emailaddress": TargetEmail, "enderecodeemail": TargetEmail, "mail": TargetEmail,
	"phone": TargetPhone, "phonenumber": TargetPhone, "telefone": TargetPhone, "celular": TargetPhone, "whatsapp": TargetPhone,
	"fone": TargetPhone, "tel": TargetPhone, "mobile": TargetPhone,
	"identifier": TargetIdentifier, "identificador": TargetIdentifier, "idexterno": TargetIdentifier, "externalid": TargetIdentifier,
	"city": TargetCity, "cidade": TargetCity,
	"country": TargetCountry, "pais": TargetCountry,
	"company": TargetCompany, "companyname": TargetCompany, "empresa": TargetCompany,
	"tags": TargetTags, "tag": TargetTags, "etiquetas": TargetTags, "etiqueta": TargetTags,
}

// headerKey compares headers ignoring case, accents, spaces and punctuation ("E-mail" ==
// "email", "País" == "pais").
func headerKey(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if f, ok := foldAccent[r]; ok {
			r = f
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// suggestMapping maps each header to a standard field or contact attribute it names; a
// target goes to the first header naming it, the rest are skipped.
func suggestMapping(headers []string, attrs []AttributeDefinition) []ImportColumn {
	byKey := map[string]string{}
	for k, t := range headerAliases {
		byKey[k] = t
	}
	for _, d := range attrs {
		for _, n := range []string{d.Key, d.DisplayName} {
			if k := headerKey(n); k != "" {
				if _, taken := byKey[k]; !taken {
					byKey[k] = TargetAttrPrefix + d.Key
				}
			}
		}
	}
	used := map[string]bool{}
	out := make([]ImportColumn, len(headers))
	for i, h := range headers {
		out[i] = ImportColumn{Column: i, Header: h}
		if t := byKey[headerKey(h)]; t != "" && !used[t] {
			out[i].Target = t
			used[t] = true
		}
	}
	return out
}

// checkMapping validates a mapping against the file's headers and the account's contact
// attributes, naming the entry at fault ("mapping[3].target").
func checkMapping(mapping []ImportColumn, headers []string, attrs map[string]bool) ([]ImportColumn, error) {
	var fe apperr.Fields
	used := map[string]bool{}
	identity := false
	out := make([]ImportColumn, 0, len(mapping))
	for i, m := range mapping {
		at := fmt.Sprintf("mapping[%d]", i)
		if m.Column < 0 || m.Column >= len(headers) {
			fe.Add(at+".column", fmt.Sprintf("must be a column of the file (0 to %d)", len(headers)-1))
			continue
		}
		m.Header = headers[m.Column]
		m.Target = strings.TrimSpace(m.Target)
		if m.Target == "" {
			continue
		}
		switch {
		case strings.HasPrefix(m.Target, TargetAttrPrefix):
			if !attrs[strings.TrimPrefix(m.Target, TargetAttrPrefix)] {
				fe.Add(at+".target", "is not a contact attribute of this account")
				continue
			}
		case !isStandardTarget(m.Target):
			fe.Add(at+".target", "must be one of name, email, phone_number, identifier, city, country, company_name, tags or attr:<attribute key>")
			continue
		}
		if used[m.Target] {
			fe.Add(at+".target", fmt.Sprintf("%s is already mapped to another column", m.Target))
			continue
		}
		used[m.Target] = true
		switch m.Target {
		case TargetName, TargetEmail, TargetPhone, TargetIdentifier:
			identity = true
		}
		out = append(out, m)
	}
	if !identity && len(fe) == 0 {
		fe.Add("mapping", "must map at least one of name, email, phone_number or identifier")
	}
	return out, fe.Err()
}

func isStandardTarget(t string) bool {
	for _, s := range standardTargets {
		if s == t {
			return true
		}
	}
	return false
}

// splitTags reads a tags cell: tags separated by commas, semicolons or "|".
func splitTags(cell string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// mergeTags adds tags to have, ignoring case for duplicates and keeping the first spelling.
func mergeTags(have, add []string) []string {
	seen := map[string]bool{}
	for _, t := range have {
		seen[strings.ToLower(t)] = true
	}
	for _, t := range add {
		if k := strings.ToLower(t); !seen[k] {
			seen[k] = true
			have = append(have, t)
		}
	}
	return have
}
