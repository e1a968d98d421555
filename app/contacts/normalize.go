package contacts

import (
	"net/mail"
	"strings"
)

// phoneSeparators are what people type between the digits of a phone number.
var phoneSeparators = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "", "\u00a0", "")

// NormalizePhone turns a typed phone number into E.164 ("+5511999998888"): separators (spaces,
// dashes, dots, parentheses) go, a bare string of digits gets its "+", and what remains must be
// "+" and 8 to 15 digits. ok is false for anything else; "" is ok and stays "" (no phone).
// Phones are a dedup key, so every way of writing a number must land on one spelling.
func NormalizePhone(s string) (string, bool) {
	s = phoneSeparators.Replace(strings.TrimSpace(s))
	if s == "" {
		return "", true
	}
	digits := strings.TrimPrefix(s, "+")
	if len(digits) < 8 || len(digits) > 15 {
		return "", false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return "+" + digits, true
}

// NormalizeEmail lower-cases and checks an email address; "" is ok and stays "" (no email).
// Emails are a dedup key, so "Ana@X.com" and "ana@x.com" must be one person.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", true
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || !strings.Contains(s[at+1:], ".") && s[at+1:] != "localhost" {
		return "", false
	}
	return s, true
}

// Messages of the field errors above, shared by every path that validates contacts.
const (
	phoneProblem = "must be a phone number in international format, such as +5511999998888"
	emailProblem = "is not a valid email address"
)
