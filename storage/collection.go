package storage

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"

	json "github.com/go-json-experiment/json/v1" // encoding/json's behaviour on the json/v2 engine: records decode in half the time
	"github.com/parleyhq/parley/app/apperr"
	bolt "go.etcd.io/bbolt"
)

// Index is a secondary index declared by a collection. Keys returns the index keys of a record
// (none to leave it out of the index, several for multi-valued fields such as labels); they are
// written in the same transaction as the record. Keys are scoped by account automatically.
type Index[T any] struct {
	Name string
	// Unique makes a second record with the same key a Conflict; nothing is written then.
	Unique bool
	// Field is the JSON field named in a conflict error (defaults to Name).
	Field string
	Keys  func(v *T) [][]byte
}

// Tally is a set of named counters a collection keeps per group key: Keys returns the groups a
// record belongs to (several for multi-valued fields such as labels; duplicates count once), and
// the counter of each group is the number of records of the account in it. Counters are updated
// in the same transaction as Put and Delete, so reading one is O(1) where counting an index
// prefix walks every key. Keys are scoped by account automatically.
type Tally[T any] struct {
	Name string
	Keys func(v *T) [][]byte
}

// Def declares a collection.
type Def[T any] struct {
	// Name is the collection's bucket name; it never changes once data exists.
	Name string
	// ID points at the record's id; a zero id is assigned from the collection's sequence on Put.
	ID func(v *T) *uint64
	// Account returns the tenant a record belongs to (0 for installation-wide records).
	Account func(v *T) uint64
	Indexes []Index[T]
	// Tallies are the group counters the collection keeps (see Tally).
	Tallies []Tally[T]
	// Feed appends a storage.changed / storage.deleted event for every Put / Delete, so consumers
	// such as the search indexer hear about every change without each service remembering to.
	Feed bool
	// Shared is how many decoded records View and EachView keep for reuse (0: none). Lists and
	// views decode the same few hundred records (the top of the inbox, their contacts, their last
	// messages) on every request; decoding is most of their time.
	Shared int
}

// Collection is a typed, account-scoped set of records stored as JSON.
type Collection[T any] struct {
	def     Def[T]
	data    []byte
	indexes map[string]*index[T]
	order   []*index[T]
	tallies map[string]bool
	shared  *sharedRecords[T]
}

type index[T any] struct {
	Index[T]
	bucket []byte
}

// NewCollection validates a declaration; it panics on a programming error (missing name or id).
func NewCollection[T any](def Def[T]) *Collection[T] {
	if def.Name == "" || def.ID == nil || def.Account == nil {
		panic("storage: collection needs Name, ID and Account")
	}
	c := &Collection[T]{def: def, data: []byte("c/" + def.Name), indexes: map[string]*index[T]{}, tallies: map[string]bool{}}
	if def.Shared > 0 {
		c.shared = newSharedRecords[T](def.Shared)
	}
	for _, t := range def.Tallies {
		if t.Name == "" || t.Keys == nil || c.tallies[t.Name] {
			panic("storage: tally on " + def.Name + " needs a unique Name and Keys")
		}
		c.tallies[t.Name] = true
	}
	for _, ix := range def.Indexes {
		if ix.Field == "" {
			ix.Field = ix.Name
		}
		kind := "i/"
		if ix.Unique {
			kind = "u/"
		}
		x := &index[T]{Index: ix, bucket: []byte(kind + def.Name + "/" + ix.Name)}
		if _, dup := c.indexes[ix.Name]; dup {
			panic("storage: duplicate index " + ix.Name + " on " + def.Name)
		}
		c.indexes[ix.Name] = x
		c.order = append(c.order, x)
	}
	return c
}

// Name is the collection's name, also the Entity of its feed events.
func (c *Collection[T]) Name() string { return c.def.Name }

func recKey(account, id uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, account)
	binary.BigEndian.PutUint64(k[8:], id)
	return k
}

func (c *Collection[T]) bucket(tx *Tx, name []byte) (*bolt.Bucket, error) {
	if b := tx.b.Bucket(name); b != nil || !tx.b.Writable() {
		return b, nil
	}
	return tx.b.CreateBucket(name)
}

// Get loads a record of the account. A record of another account is NotFound, like a missing one.
func (c *Collection[T]) Get(tx *Tx, account, id uint64) (*T, error) {
	_, raw, err := c.stored(tx, account, id)
	if err != nil {
		return nil, err
	}
	return c.decode(raw)
}

// stored is a record's key and stored bytes (valid during tx only), or NotFound.
func (c *Collection[T]) stored(tx *Tx, account, id uint64) (key, raw []byte, err error) {
	b := tx.b.Bucket(c.data)
	if b == nil {
		return nil, nil, c.notFound(id)
	}
	key = recKey(account, id)
	if raw = b.Get(key); raw == nil {
		return nil, nil, c.notFound(id)
	}
	return key, raw, nil
}

// View loads a record like Get, but the record may be shared with other readers: the caller
// must not modify it or anything it points to (it is for building views and answers). A record
// decoded earlier is reused only while its stored bytes are unchanged, so View never returns
// anything Get would not.
func (c *Collection[T]) View(tx *Tx, account, id uint64) (*T, error) {
	if c.shared == nil {
		return c.Get(tx, account, id)
	}
	key, raw, err := c.stored(tx, account, id)
	if err != nil {
		return nil, err
	}
	return c.shared.get(key, raw, c.decode)
}

// Exists reports whether the account has a record with that id.
func (c *Collection[T]) Exists(tx *Tx, account, id uint64) bool {
	b := tx.b.Bucket(c.data)
	return b != nil && b.Get(recKey(account, id)) != nil
}

func (c *Collection[T]) notFound(id uint64) error {
	return apperr.NotFoundf("%s %d not found", c.def.Name, id)
}

func (c *Collection[T]) decode(v []byte) (*T, error) {
	t := new(T)
	if err := json.Unmarshal(v, t); err != nil {
		return nil, fmt.Errorf("storage: decode %s: %w", c.def.Name, err)
	}
	return t, nil
}

// GetBy loads the record holding key in a unique index.
func (c *Collection[T]) GetBy(tx *Tx, account uint64, indexName string, key []byte) (*T, error) {
	ix := c.mustIndex(indexName)
	if !ix.Unique {
		panic("storage: GetBy on non-unique index " + indexName)
	}
	b := tx.b.Bucket(ix.bucket)
	if b == nil {
		return nil, apperr.NotFoundf("%s not found", c.def.Name)
	}
	v := b.Get(Key(u64(account), key))
	if v == nil {
		return nil, apperr.NotFoundf("%s not found", c.def.Name)
	}
	return c.Get(tx, account, decodeU64(v))
}

func (c *Collection[T]) mustIndex(name string) *index[T] {
	ix, ok := c.indexes[name]
	if !ok {
		panic("storage: unknown index " + name + " on " + c.def.Name)
	}
	return ix
}

// Put inserts or replaces a record, assigning an id when it has none, and brings every index up
// to date in the same transaction. A unique clash returns a Conflict naming the field and writes
// nothing.
func (c *Collection[T]) Put(tx *Tx, v *T) error {
	if !tx.b.Writable() {
		return fmt.Errorf("storage: put %s in a read-only transaction", c.def.Name)
	}
	data, err := c.bucket(tx, c.data)
	if err != nil {
		return fmt.Errorf("storage: put %s: %w", c.def.Name, err)
	}
	account := c.def.Account(v)
	idp := c.def.ID(v)
	if *idp == 0 {
		if *idp, err = data.NextSequence(); err != nil {
			return fmt.Errorf("storage: put %s: %w", c.def.Name, err)
		}
	} else if data.Sequence() < *idp {
		// An explicit id (restore, migration) must never be handed out again.
		if err := data.SetSequence(*idp); err != nil {
			return fmt.Errorf("storage: put %s: %w", c.def.Name, err)
		}
	}
	id := *idp
	key := recKey(account, id)

	var old *T
	if raw := data.Get(key); raw != nil {
		if old, err = c.decode(raw); err != nil {
			return err
		}
	}
	newKeys := make([][][]byte, len(c.order))
	oldKeys := make([][][]byte, len(c.order))
	for i, ix := range c.order {
		newKeys[i] = ix.Keys(v)
		if old != nil {
			oldKeys[i] = ix.Keys(old)
		}
	}
	// Check every unique index before writing anything.
	for i, ix := range c.order {
		if !ix.Unique {
			continue
		}
		b := tx.b.Bucket(ix.bucket)
		if b == nil {
			continue
		}
		for _, k := range newKeys[i] {
			if owner := b.Get(Key(u64(account), k)); owner != nil && decodeU64(owner) != id {
				return &apperr.Error{Kind: apperr.Conflict, Message: fmt.Sprintf("%s already exists", c.def.Name),
					Fields: map[string]string{ix.Field: "is already taken"}}
			}
		}
	}
	for i, ix := range c.order {
		if err := c.reindex(tx, ix, account, id, oldKeys[i], newKeys[i]); err != nil {
			return fmt.Errorf("storage: put %s index %s: %w", c.def.Name, ix.Name, err)
		}
	}
	if err := c.retally(tx, account, old, v); err != nil {
		return err
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("storage: encode %s: %w", c.def.Name, err)
	}
	if err := data.Put(key, enc); err != nil {
		return fmt.Errorf("storage: put %s: %w", c.def.Name, err)
	}
	if old == nil {
		if err := tx.addCount(c.def.Name, account, 1); err != nil {
			return err
		}
	}
	if c.def.Feed {
		return tx.Emit(Event{Account: account, Type: EventChanged, Entity: c.def.Name, ID: id})
	}
	return nil
}

func (c *Collection[T]) reindex(tx *Tx, ix *index[T], account, id uint64, oldKeys, newKeys [][]byte) error {
	if len(oldKeys) == 0 && len(newKeys) == 0 {
		return nil
	}
	b, err := c.bucket(tx, ix.bucket)
	if err != nil {
		return err
	}
	entry := func(k []byte) []byte {
		if ix.Unique {
			return Key(u64(account), k)
		}
		return Key(u64(account), k, u64(id))
	}
	for _, k := range oldKeys {
		if !containsKey(newKeys, k) {
			if err := b.Delete(entry(k)); err != nil {
				return err
			}
		}
	}
	for _, k := range newKeys {
		if containsKey(oldKeys, k) {
			continue
		}
		val := []byte{}
		if ix.Unique {
			val = u64(id)
		}
		if err := b.Put(entry(k), val); err != nil {
			return err
		}
	}
	return nil
}

func containsKey(keys [][]byte, k []byte) bool {
	for _, x := range keys {
		if bytes.Equal(x, k) {
			return true
		}
	}
	return false
}

// Delete removes a record and its index entries.
func (c *Collection[T]) Delete(tx *Tx, account, id uint64) error {
	old, err := c.Get(tx, account, id)
	if err != nil {
		return err
	}
	for _, ix := range c.order {
		if err := c.reindex(tx, ix, account, id, ix.Keys(old), nil); err != nil {
			return fmt.Errorf("storage: delete %s index %s: %w", c.def.Name, ix.Name, err)
		}
	}
	if err := c.retally(tx, account, old, nil); err != nil {
		return err
	}
	if err := tx.b.Bucket(c.data).Delete(recKey(account, id)); err != nil {
		return fmt.Errorf("storage: delete %s: %w", c.def.Name, err)
	}
	if err := tx.addCount(c.def.Name, account, -1); err != nil {
		return err
	}
	if c.def.Feed {
		return tx.Emit(Event{Account: account, Type: EventDeleted, Entity: c.def.Name, ID: id})
	}
	return nil
}

// Len is the number of records the account has in the collection (kept as a counter, O(1)).
func (c *Collection[T]) Len(tx *Tx, account uint64) int {
	v := tx.b.Bucket(bucketCounts).Get(Key([]byte(c.def.Name+"/"), u64(account)))
	if len(v) != 8 {
		return 0
	}
	return int(int64(decodeU64(v)))
}

func (tx *Tx) addCount(name string, account uint64, delta int64) error {
	b := tx.b.Bucket(bucketCounts)
	key := Key([]byte(name+"/"), u64(account))
	var n int64
	if v := b.Get(key); len(v) == 8 {
		n = int64(decodeU64(v))
	}
	return b.Put(key, u64(uint64(n+delta)))
}

// tallyKey is where a group counter lives in the counts bucket. The leading NUL keeps it apart
// from the Len counters (keyed by collection name, which never starts with NUL).
func (c *Collection[T]) tallyKey(name string, account uint64, group []byte) []byte {
	return Key(c.tallyPrefix(), Str(name), u64(account), group)
}

func (c *Collection[T]) tallyPrefix() []byte {
	return Key([]byte("\x00tally/"), Str(c.def.Name))
}

// tallyGroups lists each tally's distinct groups for v (nothing for a nil record).
func (c *Collection[T]) tallyGroups(v *T) [][][]byte {
	out := make([][][]byte, len(c.def.Tallies))
	if v == nil {
		return out
	}
	for i, t := range c.def.Tallies {
		for _, k := range t.Keys(v) {
			if !containsKey(out[i], k) {
				out[i] = append(out[i], k)
			}
		}
	}
	return out
}

// retally moves a record from the groups of old to those of v (either may be nil), writing only
// the counters whose membership changed: a write that leaves every group as it was (a message
// bumping a conversation's activity) touches no counter.
func (c *Collection[T]) retally(tx *Tx, account uint64, old, v *T) error {
	if len(c.def.Tallies) == 0 {
		return nil
	}
	before, after := c.tallyGroups(old), c.tallyGroups(v)
	b := tx.b.Bucket(bucketCounts)
	for i, t := range c.def.Tallies {
		for _, k := range before[i] {
			if !containsKey(after[i], k) {
				if err := addTally(b, c.tallyKey(t.Name, account, k), -1); err != nil {
					return fmt.Errorf("storage: tally %s/%s: %w", c.def.Name, t.Name, err)
				}
			}
		}
		for _, k := range after[i] {
			if !containsKey(before[i], k) {
				if err := addTally(b, c.tallyKey(t.Name, account, k), 1); err != nil {
					return fmt.Errorf("storage: tally %s/%s: %w", c.def.Name, t.Name, err)
				}
			}
		}
	}
	return nil
}

// addTally adds delta to a counter; a counter that reaches zero is deleted, so empty groups
// (a label no longer used) leave nothing behind.
func addTally(b *bolt.Bucket, key []byte, delta int64) error {
	var n int64
	if v := b.Get(key); len(v) == 8 {
		n = int64(decodeU64(v))
	}
	if n += delta; n == 0 {
		return b.Delete(key)
	}
	return b.Put(key, u64(uint64(n)))
}

// Tally reads the counter of one group of a declared tally: how many records of the account
// belong to it. O(1). An unknown tally name is a programming error and panics.
func (c *Collection[T]) Tally(tx *Tx, account uint64, name string, group []byte) int {
	if !c.tallies[name] {
		panic("storage: unknown tally " + name + " on " + c.def.Name)
	}
	v := tx.b.Bucket(bucketCounts).Get(c.tallyKey(name, account, group))
	if len(v) != 8 {
		return 0
	}
	return int(int64(decodeU64(v)))
}

// recount counts every tally group of every account from the records, keyed like the stored
// counters.
func (c *Collection[T]) recount(tx *Tx) (map[string]int64, error) {
	want := map[string]int64{}
	err := c.EachAccount(tx, func(account uint64, v *T) error {
		for i, groups := range c.tallyGroups(v) {
			for _, k := range groups {
				want[string(c.tallyKey(c.def.Tallies[i].Name, account, k))]++
			}
		}
		return nil
	})
	return want, err
}

// storedTallies reads every stored counter of the collection.
func (c *Collection[T]) storedTallies(tx *Tx) map[string]int64 {
	got := map[string]int64{}
	prefix := c.tallyPrefix()
	cur := tx.b.Bucket(bucketCounts).Cursor()
	for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
		if len(v) == 8 {
			got[string(k)] = int64(decodeU64(v))
		} else {
			got[string(k)] = -1 << 62 // never a real count: reported as a mismatch
		}
	}
	return got
}

// RebuildTallies recounts every tally of every account from the records, replacing what was
// stored: the migration that introduces a tally on existing data, and a repair.
func (c *Collection[T]) RebuildTallies(tx *Tx) error {
	if !tx.b.Writable() {
		return fmt.Errorf("storage: rebuild tallies of %s in a read-only transaction", c.def.Name)
	}
	want, err := c.recount(tx)
	if err != nil {
		return fmt.Errorf("storage: rebuild tallies of %s: %w", c.def.Name, err)
	}
	b := tx.b.Bucket(bucketCounts)
	for k := range c.storedTallies(tx) {
		if err := b.Delete([]byte(k)); err != nil {
			return fmt.Errorf("storage: rebuild tallies of %s: %w", c.def.Name, err)
		}
	}
	for k, n := range want {
		if err := b.Put([]byte(k), u64(uint64(n))); err != nil {
			return fmt.Errorf("storage: rebuild tallies of %s: %w", c.def.Name, err)
		}
	}
	return nil
}

// RebuildIndexes rewrites the named indexes of every account from the records, dropping every
// entry they held: the migration that changes what an index holds, and a repair. The entries are
// sorted before they are written: bbolt splits nodes only at commit, so a transaction that puts
// many keys in random order into one bucket moves ever larger nodes (a minute at 700k entries),
// while keys in order are appended.
func (c *Collection[T]) RebuildIndexes(tx *Tx, names ...string) error {
	if !tx.b.Writable() {
		return fmt.Errorf("storage: rebuild indexes of %s in a read-only transaction", c.def.Name)
	}
	type entry struct{ k, v []byte }
	ixs := make([]*index[T], len(names))
	entries := make([][]entry, len(names))
	for i, name := range names {
		ixs[i] = c.mustIndex(name)
	}
	err := c.EachAccount(tx, func(account uint64, v *T) error {
		id := *c.def.ID(v)
		for i, ix := range ixs {
			for _, k := range ix.Keys(v) {
				if ix.Unique {
					entries[i] = append(entries[i], entry{Key(u64(account), k), u64(id)})
				} else {
					entries[i] = append(entries[i], entry{Key(u64(account), k, u64(id)), []byte{}})
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: rebuild indexes of %s: %w", c.def.Name, err)
	}
	for i, ix := range ixs {
		if tx.b.Bucket(ix.bucket) != nil {
			if err := tx.b.DeleteBucket(ix.bucket); err != nil {
				return fmt.Errorf("storage: rebuild index %s of %s: %w", ix.Name, c.def.Name, err)
			}
		}
		b, err := tx.b.CreateBucket(ix.bucket)
		if err != nil {
			return fmt.Errorf("storage: rebuild index %s of %s: %w", ix.Name, c.def.Name, err)
		}
		es := entries[i]
		slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(a.k, b.k) })
		for j, e := range es {
			if j > 0 && bytes.Equal(e.k, es[j-1].k) {
				if ix.Unique && !bytes.Equal(e.v, es[j-1].v) {
					return fmt.Errorf("storage: rebuild index %s of %s: two records share the key %x", ix.Name, c.def.Name, e.k)
				}
				continue
			}
			if err := b.Put(e.k, e.v); err != nil {
				return fmt.Errorf("storage: rebuild index %s of %s: %w", ix.Name, c.def.Name, err)
			}
		}
		entries[i] = nil
	}
	return nil
}

// CheckTallies compares every stored counter with a recount from the records and describes the
// first difference (nil when they agree). Tests use it after random writes; it reads the whole
// collection.
func (c *Collection[T]) CheckTallies(tx *Tx) error {
	want, err := c.recount(tx)
	if err != nil {
		return err
	}
	got := c.storedTallies(tx)
	for k, n := range want {
		if got[k] != n {
			return fmt.Errorf("storage: tally %s %q is %d, the records say %d", c.def.Name, k, got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			return fmt.Errorf("storage: tally %s %q is %d, the records say 0", c.def.Name, k, n)
		}
	}
	return nil
}

// Query selects a range of a collection, by id (Index "") or over one index, in key order or
// reversed, one page at a time.
type Query struct {
	// Index names the index to walk; empty walks records by id.
	Index string
	// Prefix restricts the walk to index keys starting with it (after the account).
	Prefix []byte
	// Prefixes, when set, walks the union of several prefixes of the index instead of Prefix,
	// merged in the order of what follows the prefix in each key (e.g. the conversations of
	// some inboxes by last activity, from an index keyed inbox then activity). From and To
	// bound each prefix's part. A record under two prefixes comes once per prefix. A merged
	// walk has no Cursor (and Scan gives no Next): page it with Skip.
	Prefixes [][]byte
	// From (inclusive) and To (exclusive) bound the keys after Prefix; nil leaves a side open.
	From, To []byte
	Reverse  bool
	// Limit caps a page; 0 means no cap.
	Limit int
	// Skip passes over that many matching keys before the first record is read (after Cursor):
	// page N of an index walk costs key steps, not record decodes. Count ignores it.
	Skip int
	// Cursor continues after the last record of a previous page (Page.Next).
	Cursor string
}

// Page is one page of a Scan; Next is empty on the last page.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// Scan returns one page of records of the account matching q.
func (c *Collection[T]) Scan(tx *Tx, account uint64, q Query) (Page[T], error) {
	var page Page[T]
	var last []byte
	err := c.walk(tx, account, q, func(k []byte, id uint64) (bool, error) {
		if q.Limit > 0 && len(page.Items) == q.Limit {
			if len(q.Prefixes) == 0 {
				page.Next = base64.RawURLEncoding.EncodeToString(last)
			}
			return false, nil
		}
		v, err := c.Get(tx, account, id)
		if err != nil {
			return false, fmt.Errorf("storage: index of %s points at a missing record %d: %w", c.def.Name, id, err)
		}
		page.Items = append(page.Items, *v)
		last = append(last[:0], k...)
		return true, nil
	})
	return page, err
}

// Each calls fn for every record matching q (Limit and Cursor apply) until fn returns false.
func (c *Collection[T]) Each(tx *Tx, account uint64, q Query, fn func(v *T) bool) error {
	return c.each(tx, account, q, c.Get, fn)
}

// EachView is Each with records loaded by View: fn must not modify them.
func (c *Collection[T]) EachView(tx *Tx, account uint64, q Query, fn func(v *T) bool) error {
	return c.each(tx, account, q, c.View, fn)
}

func (c *Collection[T]) each(tx *Tx, account uint64, q Query, load func(*Tx, uint64, uint64) (*T, error), fn func(v *T) bool) error {
	n := 0
	return c.walk(tx, account, q, func(_ []byte, id uint64) (bool, error) {
		if q.Limit > 0 && n == q.Limit {
			return false, nil
		}
		n++
		v, err := load(tx, account, id)
		if err != nil {
			return false, err
		}
		return fn(v), nil
	})
}

// IDs returns the ids matching q without decoding records.
func (c *Collection[T]) IDs(tx *Tx, account uint64, q Query) ([]uint64, error) {
	var ids []uint64
	err := c.walk(tx, account, q, func(_ []byte, id uint64) (bool, error) {
		if q.Limit > 0 && len(ids) == q.Limit {
			return false, nil
		}
		ids = append(ids, id)
		return true, nil
	})
	return ids, err
}

// Count counts the records matching q without decoding them.
func (c *Collection[T]) Count(tx *Tx, account uint64, q Query) (int, error) {
	q.Limit, q.Cursor, q.Skip = 0, "", 0
	n := 0
	err := c.walk(tx, account, q, func([]byte, uint64) (bool, error) { n++; return true, nil })
	return n, err
}

// EachAccount walks every record of every account in key order (rebuilds, exports, migrations).
func (c *Collection[T]) EachAccount(tx *Tx, fn func(account uint64, v *T) error) error {
	b := tx.b.Bucket(c.data)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, raw []byte) error {
		v, err := c.decode(raw)
		if err != nil {
			return err
		}
		return fn(decodeU64(k[:8]), v)
	})
}

func (c *Collection[T]) walk(tx *Tx, account uint64, q Query, fn func(k []byte, id uint64) (bool, error)) error {
	bucket := c.data
	unique := false
	if q.Index != "" {
		ix := c.mustIndex(q.Index)
		bucket, unique = ix.bucket, ix.Unique
	}
	b := tx.b.Bucket(bucket)
	if b == nil {
		return nil
	}
	skip := q.Skip
	visit := func(k, v []byte) (bool, error) {
		if skip > 0 {
			skip--
			return true, nil
		}
		var id uint64
		switch {
		case q.Index == "":
			id = decodeU64(k[8:16])
		case unique:
			id = decodeU64(v)
		default:
			id = decodeU64(k[len(k)-8:])
		}
		return fn(k, id)
	}
	if len(q.Prefixes) > 0 {
		if q.Cursor != "" {
			return apperr.Field("cursor", "does not apply to this list")
		}
		return mergeRanges(b, account, q, visit)
	}
	prefix := Key(u64(account), q.Prefix)
	var after []byte
	if q.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || !bytes.HasPrefix(raw, prefix) {
			return apperr.Field("cursor", "is not a cursor of this list")
		}
		after = raw
	}
	return scanRange(b, prefix, q.From, q.To, q.Reverse, after, visit)
}

// rangeCursor steps through the keys of one prefix's range, for mergeRanges.
type rangeCursor struct {
	c          *bolt.Cursor
	prefix, hi []byte
	lo         []byte
	reverse    bool
	k, v       []byte
}

func (r *rangeCursor) settle(k, v []byte) {
	if k == nil || !bytes.HasPrefix(k, r.prefix) || bytes.Compare(k, r.lo) < 0 || (r.hi != nil && bytes.Compare(k, r.hi) >= 0) {
		k, v = nil, nil
	}
	r.k, r.v = k, v
}

func (r *rangeCursor) first() {
	if !r.reverse {
		r.settle(r.c.Seek(r.lo))
		return
	}
	var k, v []byte
	if r.hi == nil {
		k, v = r.c.Last()
	} else if k, v = r.c.Seek(r.hi); k == nil {
		k, v = r.c.Last()
	} else {
		k, v = r.c.Prev()
	}
	r.settle(k, v)
}

func (r *rangeCursor) next() {
	if r.reverse {
		r.settle(r.c.Prev())
	} else {
		r.settle(r.c.Next())
	}
}

// mergeRanges walks the ranges of q.Prefixes in b as one, ordered by the key after each prefix.
func mergeRanges(b *bolt.Bucket, account uint64, q Query, fn func(k, v []byte) (bool, error)) error {
	cs := make([]*rangeCursor, 0, len(q.Prefixes))
	for _, p := range q.Prefixes {
		prefix := Key(u64(account), p)
		r := &rangeCursor{c: b.Cursor(), prefix: prefix, lo: Key(prefix, q.From), reverse: q.Reverse}
		if q.To != nil {
			r.hi = Key(prefix, q.To)
		} else {
			r.hi = prefixEnd(prefix)
		}
		if r.first(); r.k != nil {
			cs = append(cs, r)
		}
	}
	for len(cs) > 0 {
		best := 0
		for i := 1; i < len(cs); i++ {
			c := bytes.Compare(cs[i].k[len(cs[i].prefix):], cs[best].k[len(cs[best].prefix):])
			if (!q.Reverse && c < 0) || (q.Reverse && c > 0) {
				best = i
			}
		}
		r := cs[best]
		if more, err := fn(r.k, r.v); err != nil || !more {
			return err
		}
		if r.next(); r.k == nil {
			cs = append(cs[:best], cs[best+1:]...)
		}
	}
	return nil
}

// scanRange walks the keys of b that start with prefix and lie in [prefix+from, prefix+to),
// forwards or backwards, strictly after the key `after` in walk order when it is set.
func scanRange(b *bolt.Bucket, prefix, from, to []byte, reverse bool, after []byte, fn func(k, v []byte) (bool, error)) error {
	lo := Key(prefix, from)
	var hi []byte
	if to != nil {
		hi = Key(prefix, to)
	} else {
		hi = prefixEnd(prefix)
	}
	inRange := func(k []byte) bool {
		return k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k, lo) >= 0 && (hi == nil || bytes.Compare(k, hi) < 0)
	}
	c := b.Cursor()
	var k, v []byte
	if !reverse {
		start := lo
		if after != nil && bytes.Compare(after, lo) >= 0 {
			start = after
		}
		k, v = c.Seek(start)
		if after != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
		for ; inRange(k); k, v = c.Next() {
			if more, err := fn(k, v); err != nil || !more {
				return err
			}
		}
		return nil
	}
	end := hi
	if after != nil && (end == nil || bytes.Compare(after, end) < 0) {
		end = after
	}
	if end == nil {
		k, v = c.Last()
	} else if k, v = c.Seek(end); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; inRange(k); k, v = c.Prev() {
		if more, err := fn(k, v); err != nil || !more {
			return err
		}
	}
	return nil
}

// prefixEnd is the smallest key greater than every key with the prefix (nil when unbounded).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
