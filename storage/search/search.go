// Package search keeps Parley's full-text index (Bleve, scorch) beside the bbolt store. The index
// holds no truth: every document is re-read from bbolt when its record changes, the last applied
// outbox sequence is stored inside the index atomically with the documents, and any doubt about
// the index (missing, unreadable, built with another mapping, out of step with the store) is
// settled by deleting it and rebuilding from bbolt. Searches return ids; callers hydrate the
// records from bbolt.
package search

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/token/edgengram"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// MappingVersion is part of the index fingerprint. Bump it whenever the way documents are analysed
// or built changes in a way the registered fields do not show (analyser, a Load that now emits
// different values): every installation then rebuilds its index on the next start.
//
// Version 2 indexes every text field under its type's name (see indexedName) and adds Phrases;
// version 3 adds the triples around joining words to Phrases (see joiningWords).
const MappingVersion = 3

// textAnalyzer lowercases and folds accents, so "Não" finds "nao" and "JOSÉ" finds "jose": the
// product is used in Portuguese and English, where people type without accents.
const textAnalyzer = "parley_text"

// foldFilter folds each token to ASCII. Bleve ships folding only as a char filter, which rewrites
// the text before tokenizing and so shifts the offsets highlights rely on ("Não" would be marked
// as "<mark>Nã</mark>o"); folding tokens keeps their offsets in the original text.
const foldFilter = "parley_fold"

// prefixAnalyzer is textAnalyzer followed by every leading part of each word (see
// Field.Prefixes), up to maxPrefix characters.
const (
	prefixAnalyzer = "parley_prefix"
	prefixFilter   = "parley_edge"
	maxPrefix      = 20
	// prefixSuffix names the companion field that holds a Prefixes field's leading parts.
	prefixSuffix = "#prefix"
)

// pairsAnalyzer is textAnalyzer followed by each pair of adjacent words (see Field.Phrases),
// joined by a space, and each three adjacent words whose middle one is a joining word.
const (
	pairsAnalyzer = "parley_pairs"
	pairsFilter   = "parley_pairs"
	// pairsSuffix names the companion field that holds a Phrases field's word pairs.
	pairsSuffix = "#pairs"
	// wordRunsFilter is the type of pairsFilter (see wordRuns).
	wordRunsFilter = "parley_word_runs"
)

// joiningWords are the words that join the others of a phrase ("prazo de entrega", "proof of
// payment"). They are among the commonest words, so checking a phrase's word order through
// their positions reads the most (107 ms at the p99 of a three-word phrase over a million
// messages); the three words around each of them are indexed as one term instead. Triples of
// every word made the phrase one term too, but slowed the build by 13% and ingest by a third;
// these, in at most a quarter of the positions, cost far less.
var joiningWords = []string{"de", "da", "do", "das", "dos", "e", "em", "para", "com", "of", "and"}

// joining is joiningWords as a set, for queries.
var joining = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range joiningWords {
		m[w] = true
	}
	return m
}()

// wordRuns emits each pair of adjacent words, and the three words around each joining word,
// each joined by single spaces. Positions are not kept (the companion field has none).
type wordRuns struct{ joins map[string]bool }

// Filter replaces the words with their pairs and triples.
func (f wordRuns) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in))
	for i := 0; i+1 < len(in); i++ {
		a, b := in[i], in[i+1]
		out = append(out, &analysis.Token{Term: joinWords(a.Term, b.Term), Start: a.Start, End: b.End, Position: a.Position, Type: analysis.Shingle})
		if i+2 < len(in) && f.joins[string(b.Term)] {
			c := in[i+2]
			out = append(out, &analysis.Token{Term: joinWords(a.Term, b.Term, c.Term), Start: a.Start, End: c.End, Position: a.Position, Type: analysis.Shingle})
		}
	}
	return out
}

func joinWords(words ...[]byte) []byte {
	return bytes.Join(words, []byte(" "))
}

// runTerm is the term wordRuns indexes for adjacent words (a pair, or a triple around a joining
// word).
func runTerm(words ...string) string { return strings.Join(words, " ") }

type tokenFolder struct {
	fold *asciifolding.AsciiFoldingFilter
}

// Filter folds every token's term in place.
func (f tokenFolder) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, tok := range in {
		tok.Term = f.fold.Filter(tok.Term)
	}
	return in
}

func init() {
	err := registry.RegisterTokenFilter(foldFilter, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return tokenFolder{asciifolding.New()}, nil
	})
	if err != nil {
		panic(err)
	}
	// The joining words are in the filter's configuration, so they are part of the mapping's
	// description and of the index fingerprint: changing them rebuilds the index.
	err = registry.RegisterTokenFilter(wordRunsFilter, func(config map[string]any, _ *registry.Cache) (analysis.TokenFilter, error) {
		f := wordRuns{joins: map[string]bool{}}
		words, _ := config["joins"].([]any)
		for _, w := range words {
			s, ok := w.(string)
			if !ok {
				return nil, fmt.Errorf("search: %s: joins holds %v, not a word", wordRunsFilter, w)
			}
			f.joins[s] = true
		}
		return f, nil
	})
	if err != nil {
		panic(err)
	}
}

// Keys of the index's internal store.
var (
	keyFingerprint = []byte("parley/fingerprint")
	keyApplied     = []byte("parley/applied")
)

// Reserved fields every document carries.
const (
	fieldType    = "_type"
	fieldAccount = "_account"
)

// Kind says how a field is indexed.
type Kind int

// Field kinds.
const (
	// Text is analysed full text (lowercased, accents folded), searched by Query.Text.
	Text Kind = iota + 1
	// Keyword is an exact value (status, tag, email) for Query.Filters.
	Keyword
	// Number is a value to sort results by. Bleve 2.5 builds doc values from indexed terms only,
	// so a number is indexed as well as kept as doc values: without the index a sort on it
	// silently does nothing.
	Number
	// Date is an instant (time.Time or RFC 3339 string) to sort by, indexed like a number.
	Date
)

// String names the kind in the mapping fingerprint and in errors.
func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Keyword:
		return "keyword"
	case Number:
		return "number"
	case Date:
		return "date"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Field describes one field of a document type.
type Field struct {
	Name string
	Kind Kind
	// Store keeps the original value in the index. A text field needs it for highlight fragments;
	// other kinds rarely do, since results are hydrated from bbolt.
	Store bool
	// Sortable keeps doc values for a keyword so results can be ordered by it. Numbers and dates
	// always have doc values; text never does.
	Sortable bool
	// Prefixes also indexes the leading parts of each word of a Text field, so the word being
	// typed is found with one term lookup instead of expanding into every indexed word it
	// begins: a phone-number prefix in a large contact book expands into thousands of numbers.
	// Use it on fields of many distinct short words (phone digits, codes, names).
	Prefixes bool
	// Phrases also indexes each pair of adjacent words of a Text field, so a quoted phrase of
	// two words is one term lookup instead of a walk over the positions of each word ("bom dia"
	// walked every message holding "bom" and "dia"), and a longer one is checked word by word
	// only in the texts that hold each of its pairs. Use it on long text where people search
	// for phrases (message content).
	Phrases bool
}

// DocType is one kind of searchable record, registered by the area that owns it.
type DocType struct {
	// Name is the document type ("contact", "conversation"); it prefixes document ids.
	Name string
	// Entity is the storage collection whose feed events re-index this type.
	Entity string
	// Load reads one record and builds its document; ok is false when the record is gone (or
	// should not be searchable), which removes it from the index. The map may be modified.
	Load func(tx *storage.Tx, account, id uint64) (doc map[string]any, ok bool, err error)
	// Each walks every record of every account, for rebuilds.
	Each func(tx *storage.Tx, fn func(account, id uint64, doc map[string]any) error) error
	// Fields lists what the documents hold; a document key not listed here is ignored.
	Fields []Field
}

// Options tunes Open. The zero value is usable.
type Options struct {
	// BatchSize is the number of documents per Bleve batch during a rebuild (default 1000).
	BatchSize int
	// Logger hears why an index is rebuilt (default slog.Default()).
	Logger *slog.Logger
	// PersistNap is how long Bleve's persister waits between writes to disk (default 0: it
	// writes each batch at once). An Apply returns once its batch is on disk, so a nap makes the
	// feed hand over larger batches, and the small segments of a burst are merged in memory and
	// written as one instead of each being written and then merged again on disk; searches see
	// every batch at once all the same. It delays searchability by up to the nap.
	PersistNap time.Duration
	// ReadyWait is how long a search waits for a rebuild in progress before it answers that the
	// index is being rebuilt (default 3 s: enough for the rebuild of a new or small workspace).
	ReadyWait time.Duration
}

// Index is the open search index. It is safe for concurrent use.
type Index struct {
	db          *storage.DB
	dir         string
	types       []*DocType
	byName      map[string]*DocType
	byEntity    map[string][]*DocType
	mapping     *mapping.IndexMappingImpl
	fingerprint []byte
	opts        Options

	writeMu sync.Mutex   // one writer at a time: Apply, Rebuild, Close
	mu      sync.RWMutex // guards idx against a swap by Rebuild or Close
	idx     bleve.Index
	// indexed is guarded by writeMu.
	indexed fingerprints
	// written and unchanged count Apply's documents since Open (see ApplyStats).
	written, unchanged atomic.Uint64

	// accounts are the accounts that have documents in the index (or had: a deletion does not
	// shrink it). Apply adds to it under acctMu before indexing a new account's documents;
	// Open and Rebuild set it under mu. Only writeMu's holder writes it, so that holder reads it
	// without acctMu. See request for why a search wants to know.
	acctMu   sync.RWMutex
	accounts map[uint64]bool

	// ready is closed once the index is open: at once, or when the rebuild Open started ends
	// (rebuildErr says how; it is written before ready closes). cancel cancels that rebuild.
	ready      chan struct{}
	rebuildErr error
	cancel     context.CancelFunc
}

// indexAccounts lists the accounts idx holds documents of, from the account field's terms.
func indexAccounts(idx bleve.Index) (map[uint64]bool, error) {
	dict, err := idx.FieldDict(fieldAccount)
	if err != nil {
		return nil, fmt.Errorf("search: list accounts: %w", err)
	}
	defer dict.Close()
	out := map[uint64]bool{}
	for {
		e, err := dict.Next()
		if err != nil {
			return nil, fmt.Errorf("search: list accounts: %w", err)
		}
		if e == nil {
			return out, nil
		}
		id, err := strconv.ParseUint(e.Term, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("search: list accounts: unexpected account term %q", e.Term)
		}
		out[id] = true
	}
}

// ApplyStats counts what Apply did with the documents its events named since the index was
// opened: written (indexed or deleted) or left alone because they had not changed.
type ApplyStats struct {
	Written   uint64 `json:"written"`
	Unchanged uint64 `json:"unchanged"`
}

// ApplyStats reports Apply's counts since Open.
func (ix *Index) ApplyStats() ApplyStats {
	return ApplyStats{Written: ix.written.Load(), Unchanged: ix.unchanged.Load()}
}

// fingerprints remembers a hash of the documents indexed lately, so that a record saved again
// without a change to its document (a contact's last-seen time, a message's delivery status) is
// not indexed again: in Bleve an update is a delete plus an insert, and deletes make the merger
// rewrite big segments. Two generations of at most maxFingerprints each bound the memory; a
// document that fell out is simply indexed again.
type fingerprints struct {
	cur, old map[string]uint64
}

const maxFingerprints = 50_000

func (f *fingerprints) get(id string) (uint64, bool) {
	if fp, ok := f.cur[id]; ok {
		return fp, true
	}
	fp, ok := f.old[id]
	return fp, ok
}

func (f *fingerprints) set(id string, fp uint64) {
	if f.cur == nil || len(f.cur) >= maxFingerprints {
		f.old, f.cur = f.cur, make(map[string]uint64, 1024)
	}
	f.cur[id] = fp
}

func (f *fingerprints) forget(id string) {
	delete(f.cur, id)
	delete(f.old, id)
}

func (f *fingerprints) reset() { f.cur, f.old = nil, nil }

// docHash is a document's fingerprint: its JSON (map keys sorted) hashed.
func docHash(doc map[string]any) (uint64, bool) {
	b, err := json.Marshal(doc)
	if err != nil {
		return 0, false
	}
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64(), true
}

// Open opens the index in dir, rebuilding it from db when it is missing, cannot be opened, was
// built with a different mapping, or is out of step with the store's outbox. The rebuild runs
// in the background: searches wait up to Options.ReadyWait for it, Wait waits for it.
func Open(db *storage.DB, dir string, types []DocType, opts Options) (*Index, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ReadyWait <= 0 {
		opts.ReadyWait = 3 * time.Second
	}
	ix := &Index{db: db, dir: dir, byName: map[string]*DocType{}, byEntity: map[string][]*DocType{}, opts: opts,
		ready: closed}
	for i := range types {
		t := &types[i]
		if err := validateType(t); err != nil {
			return nil, err
		}
		if _, dup := ix.byName[t.Name]; dup {
			return nil, fmt.Errorf("search: document type %q registered twice", t.Name)
		}
		ix.types = append(ix.types, t)
		ix.byName[t.Name] = t
		ix.byEntity[t.Entity] = append(ix.byEntity[t.Entity], t)
	}
	m, err := buildMapping(ix.types)
	if err != nil {
		return nil, err
	}
	ix.mapping = m
	if ix.fingerprint, err = fingerprint(ix.types, m); err != nil {
		return nil, err
	}
	// A rebuild killed midway leaves its work dir; nothing else can be using it while we hold
	// the store.
	if err := os.RemoveAll(dir + ".rebuild"); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}

	idx, reason := ix.openExisting()
	if idx != nil {
		if ix.accounts, err = indexAccounts(idx); err != nil {
			idx.Close()
			return nil, err
		}
		ix.idx = idx
		return ix, nil
	}
	// The rebuild runs in the background: on a large workspace it takes minutes (5 at a million
	// messages), and the rest of the program must not wait for search. Searches meanwhile say
	// the index is being rebuilt; Apply waits for writeMu, taken here so that it goes first.
	opts.Logger.Info("search: rebuilding index", "dir", dir, "reason", reason)
	ctx, cancel := context.WithCancel(context.Background())
	ix.ready, ix.cancel = make(chan struct{}), cancel
	ix.writeMu.Lock()
	go func() {
		defer ix.writeMu.Unlock()
		defer close(ix.ready)
		start := time.Now()
		if err := ix.rebuild(ctx); err != nil {
			ix.rebuildErr = err
			if ctx.Err() == nil {
				opts.Logger.Error("search: rebuild failed; it is tried again at the next start", "err", err)
			}
			return
		}
		opts.Logger.Info("search: index rebuilt", "took", time.Since(start).Round(time.Millisecond))
	}()
	return ix, nil
}

// errRebuilding is the answer of searches while the index is rebuilt.
var errRebuilding = apperr.Unavailablef("the search index is being rebuilt; try again in a few minutes")

// await waits up to Options.ReadyWait for a rebuild Open started.
func (ix *Index) await(ctx context.Context) error {
	select {
	case <-ix.ready:
	default:
		t := time.NewTimer(ix.opts.ReadyWait)
		defer t.Stop()
		select {
		case <-ix.ready:
		case <-t.C:
			return errRebuilding
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if ix.rebuildErr != nil {
		return fmt.Errorf("search: the index could not be rebuilt: %w", ix.rebuildErr)
	}
	return nil
}

// Wait waits for a rebuild Open started (without Options.ReadyWait's limit) and says how it
// ended.
func (ix *Index) Wait(ctx context.Context) error {
	select {
	case <-ix.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	return ix.await(ctx)
}

// Rebuilding reports whether a rebuild Open started is still running.
func (ix *Index) Rebuilding() bool {
	select {
	case <-ix.ready:
		return false
	default:
		return true
	}
}

func validateType(t *DocType) error {
	if t.Name == "" || strings.ContainsAny(t.Name, ":.") {
		return fmt.Errorf("search: document type name %q must be non-empty and free of ':' and '.'", t.Name)
	}
	if t.Entity == "" || t.Load == nil || t.Each == nil {
		return fmt.Errorf("search: document type %s needs Entity, Load and Each", t.Name)
	}
	seen := map[string]bool{}
	for _, f := range t.Fields {
		if f.Name == "" || strings.HasPrefix(f.Name, "_") || strings.Contains(f.Name, ".") {
			return fmt.Errorf("search: %s: field name %q is empty or reserved", t.Name, f.Name)
		}
		if (f.Prefixes || f.Phrases) && f.Kind != Text {
			return fmt.Errorf("search: %s.%s: only text fields take Prefixes and Phrases", t.Name, f.Name)
		}
		if f.Kind < Text || f.Kind > Date {
			return fmt.Errorf("search: %s.%s: unknown kind %d", t.Name, f.Name, f.Kind)
		}
		if seen[f.Name] {
			return fmt.Errorf("search: %s.%s declared twice", t.Name, f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

func buildMapping(types []*DocType) (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	err := m.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name, foldFilter},
	})
	if err != nil {
		return nil, fmt.Errorf("search: analyzer: %w", err)
	}
	// Each derived analyzer is textAnalyzer followed by one more filter.
	for _, d := range []struct {
		analyzer, filter string
		config           map[string]any
	}{
		{prefixAnalyzer, prefixFilter, map[string]any{"type": edgengram.Name, "back": false, "min": 1.0, "max": float64(maxPrefix)}},
		{pairsAnalyzer, pairsFilter, map[string]any{"type": wordRunsFilter, "joins": joinsConfig()}},
	} {
		if err := m.AddCustomTokenFilter(d.filter, d.config); err != nil {
			return nil, fmt.Errorf("search: filter %s: %w", d.filter, err)
		}
		err := m.AddCustomAnalyzer(d.analyzer, map[string]any{
			"type":          custom.Name,
			"tokenizer":     unicode.Name,
			"token_filters": []string{lowercase.Name, foldFilter, d.filter},
		})
		if err != nil {
			return nil, fmt.Errorf("search: analyzer %s: %w", d.analyzer, err)
		}
	}
	m.TypeField = fieldType
	m.DefaultAnalyzer = textAnalyzer
	m.IndexDynamic, m.StoreDynamic, m.DocValuesDynamic = false, false, false
	// Documents of an unregistered type index nothing.
	m.DefaultMapping = bleve.NewDocumentDisabledMapping()
	for _, t := range types {
		dm := bleve.NewDocumentStaticMapping()
		// No field goes into Bleve's catch-all "_all" (every query names its fields), but Bleve
		// still composes it for each document unless it is disabled: 7% of a contact import's CPU.
		dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
		dm.AddFieldMappingsAt(fieldType, keywordField(false, false))
		dm.AddFieldMappingsAt(fieldAccount, keywordField(false, false))
		for _, f := range t.Fields {
			fm := fieldMapping(f)
			fms := []*mapping.FieldMapping{fm}
			if f.Kind == Text {
				fm.Name = indexedName(t, f.Name)
				if f.Prefixes {
					fms = append(fms, companion(fm.Name+prefixSuffix, prefixAnalyzer, false))
				}
				if f.Phrases {
					// No positions: with them, and with word triples besides, the index
					// grew by half at a million messages and ingest slowed by a third.
					fms = append(fms, companion(fm.Name+pairsSuffix, pairsAnalyzer, false))
				}
			}
			dm.AddFieldMappingsAt(f.Name, fms...)
		}
		m.AddDocumentMapping(t.Name, dm)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("search: mapping: %w", err)
	}
	return m, nil
}

// joinsConfig is joiningWords as a filter's configuration (JSON's own types).
func joinsConfig() []any {
	out := make([]any, len(joiningWords))
	for i, w := range joiningWords {
		out[i] = w
	}
	return out
}

// indexedName is the name a text field is indexed under: its type's name and its own. Types
// share field names (a contact, a company and a deal each have a name), and a search within one
// type would otherwise need the type clause, which matches every document of the type and so
// costs a posting-list step per match in segments with deleted documents (see request).
func indexedName(t *DocType, field string) string { return t.Name + "." + field }

// fieldOf is the field name of an indexed name: the inverse of indexedName.
func fieldOf(indexed string) string {
	_, field, _ := strings.Cut(indexed, ".")
	return field
}

// companion maps a derived text field (prefixes, word pairs) that is searched but never shown.
func companion(name, analyzer string, positions bool) *mapping.FieldMapping {
	fm := bleve.NewTextFieldMapping()
	fm.Name = name
	fm.Analyzer = analyzer
	fm.Store, fm.IncludeInAll, fm.DocValues = false, false, false
	fm.IncludeTermVectors = positions
	return fm
}

func keywordField(store, docValues bool) *mapping.FieldMapping {
	fm := bleve.NewKeywordFieldMapping()
	fm.Analyzer = keyword.Name
	fm.Store, fm.DocValues, fm.IncludeInAll, fm.IncludeTermVectors = store, docValues, false, false
	return fm
}

func fieldMapping(f Field) *mapping.FieldMapping {
	var fm *mapping.FieldMapping
	switch f.Kind {
	case Text:
		fm = bleve.NewTextFieldMapping()
		fm.Analyzer = textAnalyzer
		fm.IncludeTermVectors = true // phrase queries and highlight positions
		fm.DocValues = false
	case Keyword:
		return keywordField(f.Store, f.Sortable)
	case Number:
		fm = bleve.NewNumericFieldMapping()
		fm.Index, fm.DocValues = true, true
	case Date:
		fm = bleve.NewDateTimeFieldMapping()
		fm.Index, fm.DocValues = true, true
	}
	fm.Store = f.Store
	fm.IncludeInAll = false
	return fm
}

// fingerprint identifies the mapping: MappingVersion, every type's name, entity and fields, and
// Bleve's own description of the mapping, analyzers included, so that a change to how text is
// analysed rebuilds the index even where nobody bumped MappingVersion.
func fingerprint(types []*DocType, m *mapping.IndexMappingImpl) ([]byte, error) {
	described, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("search: describe mapping: %w", err)
	}
	h := sha256.New()
	h.Write(described)
	fmt.Fprintf(h, "v%d\n", MappingVersion)
	for _, t := range types {
		fmt.Fprintf(h, "type %s %s\n", t.Name, t.Entity)
		for _, f := range t.Fields {
			fmt.Fprintf(h, "  %s %s store=%t sortable=%t", f.Name, f.Kind, f.Store, f.Sortable)
			if f.Prefixes {
				fmt.Fprintf(h, " prefixes")
			}
			if f.Phrases {
				fmt.Fprintf(h, " phrases")
			}
			fmt.Fprintln(h)
		}
	}
	return []byte(hex.EncodeToString(h.Sum(nil))), nil
}

// openExisting opens the index in dir if it can be trusted, or returns why not.
func (ix *Index) openExisting() (bleve.Index, string) {
	if _, err := os.Stat(ix.dir); errors.Is(err, os.ErrNotExist) {
		return nil, "missing"
	}
	idx, err := openBleve(ix.dir, ix.scorchConfig())
	if err != nil {
		return nil, "cannot be opened: " + err.Error()
	}
	reason, err := ix.distrust(idx)
	if err != nil {
		reason = "cannot be read: " + err.Error()
	}
	if reason != "" {
		idx.Close()
		return nil, reason
	}
	return idx, ""
}

// scorchConfig is the index's runtime configuration: the persister naps (Options.PersistNap)
// between writes to disk.
func (ix *Index) scorchConfig() map[string]any { return scorchConfig(ix.opts.PersistNap) }

// scorchConfig with a nap; a rebuild passes none, since each of its batches waits for the disk
// and a nap per batch would add minutes to a large rebuild.
func scorchConfig(nap time.Duration) map[string]any {
	return map[string]any{
		"bolt_timeout": "1s",
		"scorchPersisterOptions": map[string]any{
			"PersisterNapTimeMSec":      int(nap.Milliseconds()),
			"PersisterNapUnderNumFiles": 1000,
		},
	}
}

// openBleve opens an existing index, turning a panic on corrupt files into an error.
func openBleve(dir string, config map[string]any) (idx bleve.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			idx, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return bleve.OpenUsing(dir, config)
}

// distrust returns a reason to throw the index away, or "" when it matches the store.
func (ix *Index) distrust(idx bleve.Index) (reason string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	fp, err := idx.GetInternal(keyFingerprint)
	if err != nil {
		return "", err
	}
	if string(fp) != string(ix.fingerprint) {
		return "mapping changed (or an earlier rebuild did not finish)", nil
	}
	if _, err := idx.DocCount(); err != nil {
		return "", err
	}
	applied, err := appliedSeq(idx)
	if err != nil {
		return "", err
	}
	var head, tail uint64
	if err := ix.db.View(func(tx *storage.Tx) error {
		head, tail = tx.OutboxHead(), tx.OutboxTail()
		return nil
	}); err != nil {
		return "", fmt.Errorf("search: read outbox: %w", err)
	}
	switch {
	case applied > head:
		return fmt.Sprintf("index is ahead of the store (applied %d, outbox head %d): the store was replaced", applied, head), nil
	case applied < head && (tail == 0 || tail > applied+1):
		return fmt.Sprintf("events %d..%d it has not applied were pruned from the outbox", applied+1, head), nil
	}
	return "", nil
}

func appliedSeq(idx bleve.Index) (uint64, error) {
	v, err := idx.GetInternal(keyApplied)
	if err != nil {
		return 0, fmt.Errorf("search: read applied sequence: %w", err)
	}
	if len(v) != 8 {
		return 0, nil
	}
	return binary.BigEndian.Uint64(v), nil
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func docID(t *DocType, id uint64) string { return t.Name + ":" + strconv.FormatUint(id, 10) }

// document adds the reserved fields to a record's document.
func document(t *DocType, account uint64, doc map[string]any) map[string]any {
	if doc == nil {
		doc = map[string]any{}
	}
	doc[fieldType] = t.Name
	doc[fieldAccount] = strconv.FormatUint(account, 10)
	return doc
}

// closed is a closed channel: the ready of an index that needed no rebuild.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Rebuild builds a new index from every registered type in one consistent snapshot of the store
// and swaps it in; searches keep using the old index until the new one is complete. A crash
// midway leaves the old index (or none) and the next Open starts over.
func (ix *Index) Rebuild(ctx context.Context) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	return ix.rebuild(ctx)
}

// rebuild is Rebuild for the holder of writeMu.
func (ix *Index) rebuild(ctx context.Context) error {
	tmp := ix.dir + ".rebuild"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	idx, err := bleve.NewUsing(tmp, ix.mapping, scorch.Name, scorch.Name, scorchConfig(0))
	if err != nil {
		return fmt.Errorf("search: rebuild: create index: %w", err)
	}
	err = ix.db.View(func(tx *storage.Tx) error {
		head := tx.OutboxHead()
		batch := idx.NewBatch()
		for _, t := range ix.types {
			err := t.Each(tx, func(account, id uint64, doc map[string]any) error {
				if err := batch.Index(docID(t, id), document(t, account, doc)); err != nil {
					return fmt.Errorf("%s %d: %w", t.Name, id, err)
				}
				if batch.Size() < ix.opts.BatchSize {
					return nil
				}
				if err := ctx.Err(); err != nil {
					return err
				}
				err := idx.Batch(batch)
				batch.Reset()
				return err
			})
			if err != nil {
				return err
			}
		}
		// The sequence and fingerprint go with the last documents: an index without its
		// fingerprint is an unfinished rebuild.
		batch.SetInternal(keyApplied, u64(head))
		batch.SetInternal(keyFingerprint, ix.fingerprint)
		return idx.Batch(batch)
	})
	if cerr := idx.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("search: rebuild: %w", err)
	}

	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx != nil {
		ix.idx.Close()
		ix.idx = nil
	}
	if err := os.RemoveAll(ix.dir); err != nil {
		return fmt.Errorf("search: rebuild: remove old index: %w", err)
	}
	if err := os.Rename(tmp, ix.dir); err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	ix.indexed.reset()
	if ix.idx, err = openBleve(ix.dir, ix.scorchConfig()); err != nil {
		return fmt.Errorf("search: rebuild: reopen: %w", err)
	}
	if ix.accounts, err = indexAccounts(ix.idx); err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	return nil
}

// Apply is the indexer's event consumer: it re-reads every record the events touch and indexes
// or deletes it, in one Bleve batch that also records the last sequence, so the index and its
// cursor move together. Replaying events is harmless.
func (ix *Index) Apply(ctx context.Context, events []storage.Event) error {
	if len(events) == 0 {
		return nil
	}
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return errors.New("search: index is closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	type target struct {
		t           *DocType
		account, id uint64
	}
	var last uint64
	var todo []target
	seen := map[target]bool{}
	for _, e := range events {
		last = max(last, e.Seq)
		if e.ID == 0 {
			continue
		}
		for _, t := range ix.byEntity[e.Entity] {
			k := target{t, e.Account, e.ID}
			if !seen[k] {
				seen[k] = true
				todo = append(todo, k)
			}
		}
	}
	applied, err := appliedSeq(ix.idx)
	if err != nil {
		return err
	}
	batch := ix.idx.NewBatch()
	type done struct {
		id string
		fp uint64 // 0: deleted
	}
	var dones []done
	var wrote uint64
	err = ix.db.View(func(tx *storage.Tx) error {
		for _, k := range todo {
			doc, ok, err := k.t.Load(tx, k.account, k.id)
			if err != nil {
				return fmt.Errorf("load %s %d: %w", k.t.Name, k.id, err)
			}
			id := docID(k.t, k.id)
			if !ok {
				batch.Delete(id)
				dones = append(dones, done{id: id})
				wrote++
				continue
			}
			doc = document(k.t, k.account, doc)
			if !ix.accounts[k.account] { // read without acctMu: only writeMu's holder writes it
				ix.acctMu.Lock()
				ix.accounts[k.account] = true
				ix.acctMu.Unlock()
			}
			fp, hashed := docHash(doc)
			if was, ok := ix.indexed.get(id); hashed && ok && was == fp {
				ix.unchanged.Add(1)
				continue
			}
			if err := batch.Index(id, doc); err != nil {
				return fmt.Errorf("%s %d: %w", k.t.Name, k.id, err)
			}
			wrote++
			if hashed {
				dones = append(dones, done{id: id, fp: fp})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("search: apply: %w", err)
	}
	if last > applied { // a replay after a rebuild must not move the cursor back
		batch.SetInternal(keyApplied, u64(last))
	}
	if batch.Size() == 0 {
		return nil
	}
	if err := ix.idx.Batch(batch); err != nil {
		return fmt.Errorf("search: apply: %w", err)
	}
	ix.written.Add(wrote)
	for _, d := range dones {
		if d.fp == 0 {
			ix.indexed.forget(d.id)
		} else {
			ix.indexed.set(d.id, d.fp)
		}
	}
	return nil
}

// Cursor is the last outbox sequence whose changes the index holds.
func (ix *Index) Cursor() (uint64, error) {
	// Its consumer waits for the rebuild (Wait) and then resumes from the rebuilt index's
	// cursor; a look at the cursor meanwhile (parley doctor) is told why there is none.
	if ix.Rebuilding() {
		return 0, errRebuilding
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, errors.New("search: index is closed")
	}
	return appliedSeq(ix.idx)
}

// DocCount is the number of documents in the index.
func (ix *Index) DocCount() (uint64, error) {
	if err := ix.await(context.Background()); err != nil {
		return 0, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, errors.New("search: index is closed")
	}
	return ix.idx.DocCount()
}

// Close waits for a running Apply or Rebuild and closes the index.
func (ix *Index) Close() error {
	if ix.cancel != nil {
		ix.cancel()
	}
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return nil
	}
	err := ix.idx.Close()
	ix.idx = nil
	return err
}
