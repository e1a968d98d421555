package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/parleyhq/parley/app/apperr"
)

// Paging limits of Search.
const (
	DefaultSize = 20
	MaxSize     = 100
	MaxFrom     = 10000
)

// Query is one search, always inside one account.
type Query struct {
	// Account is required: a search never crosses tenants.
	Account uint64
	// Types restricts the search to these document types (all when empty).
	Types []string
	// Text is what the user typed: words are AND-ed, "a quoted phrase" matches in order, and the
	// last word also matches as a prefix, so results follow the typing ("ana" finds "anabela").
	// Case and accents do not matter.
	Text string
	// Filters are exact matches on keyword fields.
	Filters map[string]string
	// Sort orders by a number, date or sortable keyword field ("-created_at" for descending);
	// empty orders by relevance.
	Sort string
	// From skips results; Size caps the page (default 20, at most 100).
	From, Size int
	// Highlight asks for fragments of the matching stored text fields.
	Highlight bool
}

// Hit is one matching record: its type and id, for the caller to load from bbolt.
type Hit struct {
	Type  string  `json:"type"`
	ID    uint64  `json:"id"`
	Score float64 `json:"score"`
	// Fragments maps a field to excerpts with the matches wrapped in <mark>; the text around
	// them is HTML-escaped.
	Fragments map[string][]string `json:"fragments,omitempty"`
}

// Result is one page of hits and the total number of matches.
type Result struct {
	Total uint64 `json:"total"`
	Hits  []Hit  `json:"hits"`
}

// Search runs q. Mistakes a user can make (no text and no filter, a page too large, an unknown
// type or field) are Invalid errors naming the field.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	req, err := ix.request(q)
	if err != nil {
		return Result{}, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return Result{}, errors.New("search: index is closed")
	}
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	out := Result{Total: res.Total, Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		typ, idStr, ok := strings.Cut(h.ID, ":")
		id, err := strconv.ParseUint(idStr, 10, 64)
		if !ok || err != nil {
			return Result{}, fmt.Errorf("search: unexpected document id %q", h.ID)
		}
		hit := Hit{Type: typ, ID: id, Score: h.Score}
		if len(h.Fragments) > 0 {
			hit.Fragments = h.Fragments
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

// request validates q and turns it into a Bleve request.
func (ix *Index) request(q Query) (*bleve.SearchRequest, error) {
	var errs apperr.Fields
	if q.Account == 0 {
		errs.Add("account", "is required")
	}
	types := ix.types
	if len(q.Types) > 0 {
		types = nil
		for _, name := range q.Types {
			t, ok := ix.byName[name]
			if !ok {
				errs.Add("types", fmt.Sprintf("has an unknown type %q", name))
				continue
			}
			types = append(types, t)
		}
	}
	text := strings.TrimSpace(q.Text)
	if text == "" && len(q.Filters) == 0 {
		errs.Add("text", "is required when there is no filter")
	}
	switch {
	case q.Size < 0:
		errs.Add("size", "must not be negative")
	case q.Size > MaxSize:
		errs.Add("size", fmt.Sprintf("must be at most %d", MaxSize))
	case q.Size == 0:
		q.Size = DefaultSize
	}
	if q.From < 0 || q.From > MaxFrom {
		errs.Add("from", fmt.Sprintf("must be between 0 and %d", MaxFrom))
	}
	must := []query.Query{term(fieldAccount, strconv.FormatUint(q.Account, 10))}
	if len(q.Types) > 0 {
		var oneOf []query.Query
		for _, t := range types {
			oneOf = append(oneOf, term(fieldType, t.Name))
		}
		must = append(must, bleve.NewDisjunctionQuery(oneOf...))
	}
	filterNames := make([]string, 0, len(q.Filters))
	for name := range q.Filters {
		filterNames = append(filterNames, name)
	}
	slices.Sort(filterNames) // stable queries for stable scores
	for _, name := range filterNames {
		if f, ok := findField(types, name); !ok || f.Kind != Keyword {
			errs.Add("filters."+name, "is not a filter of these results")
			continue
		}
		must = append(must, term(name, q.Filters[name]))
	}
	// Ties are broken by id so that pages do not overlap or skip when Bleve merges segments
	// between two page requests (merges renumber documents, the default tie-break).
	sortBy := []string{"-_score", "_id"}
	if q.Sort != "" {
		name := strings.TrimPrefix(q.Sort, "-")
		f, ok := findField(types, name)
		if !ok || f.Kind == Text || (f.Kind == Keyword && !f.Sortable) {
			errs.Add("sort", fmt.Sprintf("cannot sort by %q", name))
		}
		sortBy = []string{q.Sort, "-_score", "_id"}
	}
	textFields := fieldsOf(types, func(f Field) bool { return f.Kind == Text })
	if text != "" {
		clauses, err := ix.textClauses(q.Text, textFields)
		if err != nil {
			return nil, err
		}
		if len(clauses) == 0 && len(q.Filters) == 0 {
			errs.Add("text", "has no words to search for")
		}
		must = append(must, clauses...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(must...), q.Size, q.From, false)
	req.SortBy(sortBy)
	if q.Highlight {
		req.Highlight = bleve.NewHighlightWithStyle(html.Name)
		req.Highlight.Fields = fieldsOf(types, func(f Field) bool { return f.Kind == Text && f.Store })
	}
	return req, nil
}

func term(field, value string) query.Query {
	t := bleve.NewTermQuery(value)
	t.SetField(field)
	return t
}

func findField(types []*DocType, name string) (Field, bool) {
	for _, t := range types {
		for _, f := range t.Fields {
			if f.Name == name {
				return f, true
			}
		}
	}
	return Field{}, false
}

// fieldsOf lists the distinct names of the fields that pass keep, in registration order.
func fieldsOf(types []*DocType, keep func(Field) bool) []string {
	var names []string
	for _, t := range types {
		for _, f := range t.Fields {
			if keep(f) && !slices.Contains(names, f.Name) {
				names = append(names, f.Name)
			}
		}
	}
	return names
}

// textClauses turns the user's text into required clauses, each matching in any text field.
func (ix *Index) textClauses(text string, fields []string) ([]query.Query, error) {
	analyzer := ix.mapping.AnalyzerNamed(textAnalyzer)
	if analyzer == nil {
		return nil, errors.New("search: text analyzer is missing")
	}
	analyse := func(s string) []string {
		var out []string
		for _, tok := range analyzer.Analyze([]byte(s)) {
			out = append(out, string(tok.Term))
		}
		return out
	}
	anyField := func(one func(field string) query.Query) query.Query {
		qs := make([]query.Query, 0, len(fields))
		for _, f := range fields {
			qs = append(qs, one(f))
		}
		return bleve.NewDisjunctionQuery(qs...)
	}
	if len(fields) == 0 {
		return []query.Query{bleve.NewMatchNoneQuery()}, nil
	}
	parts := splitText(text)
	var clauses []query.Query
	for i, p := range parts {
		terms := analyse(p.text)
		if p.phrase && len(terms) > 1 {
			clauses = append(clauses, anyField(func(f string) query.Query { return bleve.NewPhraseQuery(terms, f) }))
			continue
		}
		for j, t := range terms {
			// The word being typed is still incomplete: match it as a prefix.
			prefix := !p.phrase && i == len(parts)-1 && j == len(terms)-1 && !endsInSpace(text)
			clauses = append(clauses, anyField(func(f string) query.Query {
				if prefix {
					pq := bleve.NewPrefixQuery(t)
					pq.SetField(f)
					return pq
				}
				return term(f, t)
			}))
		}
	}
	return clauses, nil
}

type textPart struct {
	text   string
	phrase bool
}

// splitText splits user text into words and "quoted phrases"; an unclosed quote runs to the end.
func splitText(s string) []textPart {
	var parts []textPart
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if s == "" {
			return parts
		}
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				parts = append(parts, textPart{s[1:], true})
				return parts
			}
			parts = append(parts, textPart{s[1 : end+1], true})
			s = s[end+2:]
			continue
		}
		end := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
		if end < 0 {
			end = len(s)
		}
		parts = append(parts, textPart{s[:end], false})
		s = s[end:]
	}
}

func endsInSpace(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsSpace(r)
}
