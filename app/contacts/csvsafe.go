package contacts

import (
	"encoding/csv"
	"io"
	"regexp"
	"strings"
)

// formulaStarts are the first characters that make a spreadsheet read a cell as a formula
// (OWASP "CSV injection"): a contact named "=HYPERLINK(…)" must not run when an exported list
// is opened in Excel.
const formulaStarts = "=+-@\t\r"

// plainNumber is a cell a spreadsheet reads as a number, never as a formula ("-12.5").
var plainNumber = regexp.MustCompile(`^-?[0-9]+([.,][0-9]+)?$`)

// escapeCell makes a cell inert in a spreadsheet by prefixing a single quote when it starts
// with a formula character. Phones in E.164 ("+5511…") and plain negative numbers stay as they
// are: they are the common case and cannot run anything. A cell that already starts with
// quotes before a formula character gets one more, so unescapeCell gives back the original.
func escapeCell(s string) string {
	rest := strings.TrimLeft(s, "'")
	if rest == "" || !strings.ContainsRune(formulaStarts, rune(rest[0])) {
		return s
	}
	if len(rest) == len(s) {
		if p, ok := NormalizePhone(s); ok && p == s || plainNumber.MatchString(s) {
			return s
		}
	}
	return "'" + s
}

// unescapeCell undoes escapeCell on an imported cell, so an exported list imports back
// unchanged: one leading quote goes when only quotes stand before a formula character.
func unescapeCell(s string) string {
	rest := strings.TrimLeft(s, "'")
	if len(rest) < len(s) && rest != "" && strings.ContainsRune(formulaStarts, rune(rest[0])) {
		return s[1:]
	}
	return s
}

// safeCSV is a csv.Writer whose every cell goes through escapeCell: every CSV Parley hands
// out (export, import errors, template) is written through it.
type safeCSV struct{ w *csv.Writer }

func newSafeCSV(w io.Writer) *safeCSV { return &safeCSV{w: csv.NewWriter(w)} }

// Write writes one record, escaping its cells.
func (c *safeCSV) Write(rec []string) error {
	out := make([]string, len(rec))
	for i, f := range rec {
		out[i] = escapeCell(f)
	}
	return c.w.Write(out)
}

// WriteAll writes records and flushes.
func (c *safeCSV) WriteAll(recs [][]string) error {
	for _, r := range recs {
		if err := c.Write(r); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// Flush writes what is buffered.
func (c *safeCSV) Flush() { c.w.Flush() }

// Error reports an earlier write or flush error.
func (c *safeCSV) Error() error { return c.w.Error() }
