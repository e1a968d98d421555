package contacts

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// exportChunk is how many contacts one read transaction of an export covers: a slow download
// must not hold a read transaction (and the file's growth) for minutes.
const exportChunk = 1000

// ExportOptions narrow an export. Tag keeps the contacts with that tag; Match, when set,
// keeps the contacts it accepts (segments and filter conditions plug in here).
type ExportOptions struct {
	Tag   string
	Match func(tx *storage.Tx, c *Contact) (bool, error)
}

// Export writes the contacts the actor may see as CSV: id, the import template's columns
// (so an export can be edited and imported back), then created_at. UTF-8 with a BOM.
func (s *Service) Export(ctx context.Context, actor access.Actor, w io.Writer, opts ExportOptions) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	var attrs []AttributeDefinition
	var scope Scope
	err := s.db.View(func(tx *storage.Tx) (err error) {
		if scope, err = ScopeOf(tx, actor); err != nil {
			return err
		}
		attrs, err = contactAttributes(tx, actor.AccountID)
		return err
	})
	if err != nil {
		return err
	}
	if err := writeBOM(w); err != nil {
		return err
	}
	cw := newSafeCSV(w)
	head := append([]string{"id"}, standardTargets...)
	for _, d := range attrs {
		head = append(head, d.Key)
	}
	cw.Write(append(head, "created_at"))

	q := storage.Query{}
	if tag := strings.TrimSpace(opts.Tag); tag != "" {
		q = storage.Query{Index: "tag", Prefix: storage.Str(storage.Fold(tag))}
	}
	var last uint64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var rows [][]string
		q.From = storage.Uint(last + 1)
		q.Limit = exportChunk
		n := 0
		err := s.db.View(func(tx *storage.Tx) error {
			var ferr error
			err := Contacts.Each(tx, actor.AccountID, q, func(c *Contact) bool {
				n++
				last = c.ID
				if !scope.Sees(c.OwnerID) {
					return true
				}
				if opts.Match != nil {
					ok, err := opts.Match(tx, c)
					if err != nil {
						ferr = err
						return false
					}
					if !ok {
						return true
					}
				}
				rows = append(rows, exportRow(c, attrs))
				return true
			})
			if err != nil {
				return err
			}
			return ferr
		})
		if err != nil {
			return err
		}
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		if n < exportChunk {
			return nil
		}
	}
}

func exportRow(c *Contact, attrs []AttributeDefinition) []string {
	row := []string{fmt.Sprint(c.ID), c.Name, c.Email, c.Phone, c.Identifier, c.City, c.Country, c.Company, strings.Join(c.Tags, ", ")}
	for _, d := range attrs {
		row = append(row, cellOf(c.CustomAttributes[d.Key]))
	}
	return append(row, c.CreatedAt.UTC().Format(time.RFC3339))
}

// cellOf writes an attribute value as a spreadsheet cell: numbers without exponents, lists
// comma-separated, nothing for a missing value.
func cellOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = cellOf(p)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

// FilterExport checks filter conditions and returns the options that export just the
// contacts they match (no conditions: every contact). It runs before the download starts:
// once a stream has begun, a bad condition could no longer be answered as a 422.
func (s *Service) FilterExport(ctx context.Context, actor access.Actor, conds []FilterCondition) (ExportOptions, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return ExportOptions{}, err
	}
	if len(conds) == 0 {
		return ExportOptions{}, nil
	}
	var match func(*Contact) bool
	err := s.db.View(func(tx *storage.Tx) (err error) {
		match, err = s.compileFilter(tx, actor, conds)
		return err
	})
	if err != nil {
		return ExportOptions{}, err
	}
	return ExportOptions{Match: func(_ *storage.Tx, c *Contact) (bool, error) { return match(c), nil }}, nil
}
