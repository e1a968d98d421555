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
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/parleyhq/parley/app/apperr"
)

// minExpand is the shortest word being typed that is expanded into the words it begins in a
// field without Prefixes; a shorter one matches whole words only. One or two letters expand
// into a large part of an index's words ("p" into every word beginning with p: 130 ms over a
// million messages) and find nothing a user can use.
const minExpand = 3

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
	// last word also matches as a prefix, so results follow the typing ("ana" finds "anabela";
	// from three letters on, or in a Prefixes field from the first).
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
//
// Highlights are made in a second pass over the page's hits only: asking Bleve for them in the
// ranking query makes it decode the term positions of every match, not just of the page, which
// on a common word costs more than the ranking itself.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	if err := ix.await(ctx); err != nil {
		return Result{}, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return Result{}, errors.New("search: index is closed")
	}
	// Held until the search is done, so Apply cannot add another account's documents between
	// the look at accounts and the search that relies on it.
	ix.acctMu.RLock()
	defer ix.acctMu.RUnlock()
	sole := len(ix.accounts) == 1 && ix.accounts[q.Account]
	req, err := ix.request(q, sole)
	if err != nil {
		return Result{}, err
	}
	var total uint64
	var hits []*bsearch.DocumentMatch
	if q.Sort == "" {
		total, hits, err = ix.rank(ctx, req.Query, req.From, req.Size)
	} else {
		var res *bleve.SearchResult
		if res, err = ix.idx.SearchInContext(ctx, req); err == nil {
			total, hits = res.Total, res.Hits
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	out := Result{Total: total, Hits: make([]Hit, 0, len(hits))}
	for _, h := range hits {
		typ, idStr, ok := strings.Cut(h.ID, ":")
		id, err := strconv.ParseUint(idStr, 10, 64)
		if !ok || err != nil {
			return Result{}, fmt.Errorf("search: unexpected document id %q", h.ID)
		}
		out.Hits = append(out.Hits, Hit{Type: typ, ID: id, Score: h.Score})
	}
	if q.Highlight && len(out.Hits) > 0 {
		docIDs := make([]string, len(hits))
		for i, h := range hits {
			docIDs[i] = h.ID
		}
		frags, err := ix.fragments(ctx, q, docIDs)
		if err != nil {
			return Result{}, err
		}
		for i := range out.Hits {
			out.Hits[i].Fragments = frags[hits[i].ID]
		}
	}
	return out, nil
}

// Highlight returns the fragments Search with Highlight would give the records ids of type
// typ (q says the account, types and text), keyed by id; records without a fragment are
// absent. A caller that filters hits (by visibility) searches without Highlight and asks here
// for the few it keeps.
func (ix *Index) Highlight(ctx context.Context, q Query, typ string, ids []uint64) (map[uint64]map[string][]string, error) {
	t, ok := ix.byName[typ]
	if !ok {
		return nil, apperr.Field("types", fmt.Sprintf("has an unknown type %q", typ))
	}
	if len(ids) == 0 {
		return map[uint64]map[string][]string{}, nil
	}
	docIDs := make([]string, len(ids))
	for i, id := range ids {
		docIDs[i] = docID(t, id)
	}
	q.Types = []string{typ}
	if err := ix.await(ctx); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return nil, errors.New("search: index is closed")
	}
	frags, err := ix.fragments(ctx, q, docIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]map[string][]string, len(frags))
	for i, id := range ids {
		if f := frags[docIDs[i]]; f != nil {
			out[id] = f
		}
	}
	return out, nil
}

// fragments highlights q's text in the documents docIDs (of q's account), keyed by document
// id. Only the text clauses are matched: they alone give the positions highlights mark, and
// the documents are already known to pass the rest. The caller holds ix.mu.
func (ix *Index) fragments(ctx context.Context, q Query, docIDs []string) (map[string]map[string][]string, error) {
	types, err := ix.typesOf(q.Types)
	if err != nil {
		return nil, err
	}
	var hlFields []string
	for _, f := range textFieldsOf(types) {
		if f.Store {
			hlFields = append(hlFields, f.name)
		}
	}
	out := map[string]map[string][]string{}
	if len(hlFields) == 0 || strings.TrimSpace(q.Text) == "" {
		return out, nil
	}
	clauses, err := ix.textClauses(q.Text, textFieldsOf(types), false)
	if err != nil || len(clauses) == 0 {
		return out, err
	}
	must := append([]query.Query{bleve.NewDocIDQuery(docIDs)}, clauses...)
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(must...), len(docIDs), 0, false)
	req.Highlight = bleve.NewHighlightWithStyle(html.Name)
	req.Highlight.Fields = hlFields
	req.Score = "none"
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: highlight: %w", err)
	}
	for _, h := range res.Hits {
		if len(h.Fragments) == 0 {
			continue
		}
		byField := make(map[string][]string, len(h.Fragments))
		for name, frags := range h.Fragments {
			byField[fieldOf(name)] = frags
		}
		out[h.ID] = byField
	}
	return out, nil
}

// typesOf resolves type names (all types when none).
func (ix *Index) typesOf(names []string) ([]*DocType, error) {
	if len(names) == 0 {
		return ix.types, nil
	}
	types := make([]*DocType, 0, len(names))
	for _, name := range names {
		t, ok := ix.byName[name]
		if !ok {
			return nil, apperr.Field("types", fmt.Sprintf("has an unknown type %q", name))
		}
		types = append(types, t)
	}
	return types, nil
}

// request validates q and turns it into a Bleve request.
//
// When the index holds only q's account (sole), the account clause is left out: it matches
// every document, and in a segment with deleted documents Bleve steps through a term's postings
// one by one to reach the next candidate, so that clause alone made a rare word cost as much as
// a scan of the index.
func (ix *Index) request(q Query, sole bool) (*bleve.SearchRequest, error) {
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
	var must []query.Query
	var clauses []query.Query
	if text != "" {
		var err error
		if clauses, err = ix.textClauses(q.Text, textFieldsOf(types), true); err != nil {
			return nil, err
		}
	}
	// The type clause matches every document of the type, so it costs a posting-list step per
	// match; it is left out when there is text, which matches only in these types' fields (see
	// indexedName). Its score is the same for every document, so leaving it out does not change
	// the order.
	if len(q.Types) > 0 && len(clauses) == 0 {
		var oneOf []query.Query
		for _, t := range types {
			oneOf = append(oneOf, term(fieldType, t.Name))
		}
		must = append(must, anyOf(oneOf))
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
	// between two page requests (merges renumber documents, the default tie-break). Search
	// ranks by relevance itself (see rank), in this same order.
	sortBy := []string{"-_score", "_id"}
	if q.Sort != "" {
		name := strings.TrimPrefix(q.Sort, "-")
		f, ok := findField(types, name)
		if !ok || f.Kind == Text || (f.Kind == Keyword && !f.Sortable) {
			errs.Add("sort", fmt.Sprintf("cannot sort by %q", name))
		}
		sortBy = []string{q.Sort, "-_score", "_id"}
	}
	if text != "" {
		if len(clauses) == 0 && len(q.Filters) == 0 {
			errs.Add("text", "has no words to search for")
		}
		must = append(must, clauses...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if !sole || len(must) == 0 {
		must = append([]query.Query{term(fieldAccount, strconv.FormatUint(q.Account, 10))}, must...)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(must...), q.Size, q.From, false)
	req.SortBy(sortBy)
	return req, nil
}

// anyOf matches any of qs; a single query is used as is, since a one-clause disjunction scores
// the same and only adds a step per match.
func anyOf(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
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

// textField is a text field of one type as indexed.
type textField struct {
	Field
	name string // see indexedName
}

// textFieldsOf lists the text fields of types.
func textFieldsOf(types []*DocType) []textField {
	var out []textField
	for _, t := range types {
		for _, f := range t.Fields {
			if f.Kind == Text {
				out = append(out, textField{f, indexedName(t, f.Name)})
			}
		}
	}
	return out
}

// textClauses turns the user's text into required clauses, each matching in any of fields.
//
// To rank, a phrase is matched through the word pairs of a Phrases field and the word being typed
// through the leading parts of a Prefixes field. Highlights need the positions of the words in
// the shown field itself, so for them (rank false) both are matched there.
func (ix *Index) textClauses(text string, fields []textField, rank bool) ([]query.Query, error) {
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
	anyField := func(one func(f textField) query.Query) query.Query {
		qs := make([]query.Query, 0, len(fields))
		for _, f := range fields {
			qs = append(qs, one(f))
		}
		return anyOf(qs)
	}
	if len(fields) == 0 {
		return []query.Query{bleve.NewMatchNoneQuery()}, nil
	}
	parts := splitText(text)
	var clauses []query.Query
	for i, p := range parts {
		terms := analyse(p.text)
		if p.phrase && len(terms) > 1 {
			clauses = append(clauses, anyField(func(f textField) query.Query {
				if !rank || !f.Phrases {
					return bleve.NewPhraseQuery(terms, f.name)
				}
				runs := f.name + pairsSuffix
				if len(terms) == 2 {
					return term(runs, runTerm(terms...))
				}
				if len(terms) == 3 && joining[terms[1]] {
					return term(runs, runTerm(terms...)) // indexed as one term (see joiningWords)
				}
				// Each pair (and triple) narrows the texts; the phrase itself checks the order.
				must := make([]query.Query, 0, 2*len(terms))
				for k := range len(terms) - 1 {
					must = append(must, term(runs, runTerm(terms[k], terms[k+1])))
					if k+2 < len(terms) && joining[terms[k+1]] {
						must = append(must, term(runs, runTerm(terms[k:k+3]...)))
					}
				}
				return bleve.NewConjunctionQuery(append(must, bleve.NewPhraseQuery(terms, f.name))...)
			}))
			continue
		}
		for j, t := range terms {
			// The word being typed is still incomplete: match it as a prefix.
			prefix := !p.phrase && i == len(parts)-1 && j == len(terms)-1 && !endsInSpace(text)
			clauses = append(clauses, anyField(func(f textField) query.Query {
				if prefix && rank && f.Prefixes && utf8.RuneCountInString(t) <= maxPrefix {
					return term(f.name+prefixSuffix, t)
				}
				if prefix && (f.Prefixes || utf8.RuneCountInString(t) >= minExpand) {
					pq := bleve.NewPrefixQuery(t)
					pq.SetField(f.name)
					return pq
				}
				return term(f.name, t)
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
