// Package blob keeps attachments and media as content-addressed files under DataDir/blobs, with
// their reference counts and each account's usage in bbolt. A file is named by the SHA-256 of its
// content, so the same upload is stored once however many records and accounts use it; records
// add and release references inside their own transaction, and a file no record references is
// deleted after the commit that released it (or later by Sweep).
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	bolt "go.etcd.io/bbolt"
)

// Dir is the blobs folder inside the data dir; TmpDir holds uploads in progress.
const (
	Dir    = "blobs"
	TmpDir = "tmp"
)

// Buckets: per (account, hash) reference counts, per-hash global count and size, per-account bytes.
var (
	bucketRefs   = []byte("_blob_refs")
	bucketGlobal = []byte("_blob_global")
	bucketUsage  = []byte("_blob_usage")
)

// Ref describes a stored blob.
type Ref struct {
	Hash        string `json:"hash"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
}

// Store is the blob store of one data dir.
type Store struct {
	db   *storage.DB
	root string
}

// New returns the store of db's data dir. Nothing is created until the first Write.
func New(db *storage.DB) *Store {
	return &Store{db: db, root: filepath.Join(db.Dir(), Dir)}
}

// Path is where the blob with this hash lives (whether or not it exists).
func (s *Store) Path(hash string) string {
	if len(hash) < 3 {
		return filepath.Join(s.root, "invalid")
	}
	return filepath.Join(s.root, hash[:2], hash[2:])
}

// ValidHash reports whether h is a lowercase hex SHA-256, the only names blobs have.
func ValidHash(h string) bool {
	if len(h) != sha256.Size*2 {
		return false
	}
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func checkHash(h string) error {
	if !ValidHash(h) {
		return apperr.Field("hash", "is not a blob hash")
	}
	return nil
}

// Write streams r into the store, at most limit bytes, and returns its reference. The content is
// hashed while it is written to a temporary file, synced, then renamed into place; when the same
// content is already stored the copy is dropped. A stream over the limit leaves nothing behind.
// The blob is unreferenced until a record calls AddRef; Sweep collects it if none ever does.
func (s *Store) Write(ctx context.Context, r io.Reader, limit int64) (Ref, error) {
	tmpDir := filepath.Join(s.root, TmpDir)
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	f, err := os.CreateTemp(tmpDir, "upload-*")
	if err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()

	h := sha256.New()
	sniff := &head{max: 512}
	n, err := io.Copy(io.MultiWriter(f, h, sniff), io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return Ref{}, fmt.Errorf("blob: write: %w", err)
	}
	if n > limit {
		return Ref{}, apperr.Field("file", "is larger than "+humanSize(limit))
	}
	if err := f.Sync(); err != nil {
		return Ref{}, fmt.Errorf("blob: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return Ref{}, fmt.Errorf("blob: close: %w", err)
	}
	ref := Ref{Hash: hex.EncodeToString(h.Sum(nil)), Size: n, ContentType: http.DetectContentType(sniff.buf)}
	dst := s.Path(ref.Hash)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	if _, err := os.Stat(dst); err == nil {
		// Already stored. Touch it so Sweep sees a fresh upload and leaves it for the caller's
		// AddRef.
		now := time.Now()
		if err := os.Chtimes(dst, now, now); err != nil {
			return Ref{}, fmt.Errorf("blob: %w", err)
		}
		os.Remove(tmp)
		done = true
		return ref, nil
	}
	if err := os.Rename(tmp, dst); err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	done = true
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return Ref{}, err
	}
	return ref, nil
}

// head keeps the first max bytes written to it, for content sniffing.
type head struct {
	buf []byte
	max int
}

func (h *head) Write(p []byte) (int, error) {
	if room := h.max - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// ctxReader stops a long upload when its request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func humanSize(n int64) string {
	const mb = 1 << 20
	switch {
	case n >= mb && n%mb == 0:
		return fmt.Sprintf("%d MB", n/mb)
	case n >= mb:
		return fmt.Sprintf("%.1f MB", float64(n)/mb)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob: sync %s: %w", dir, err)
	}
	return nil
}

// Open opens a stored blob for reading; a missing one is NotFound.
func (s *Store) Open(hash string) (*os.File, error) {
	if err := checkHash(hash); err != nil {
		return nil, err
	}
	f, err := os.Open(s.Path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, apperr.NotFoundf("file %s not found", hash)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return f, nil
}

func refKey(account uint64, sum []byte) []byte {
	return append(binary.BigEndian.AppendUint64(nil, account), sum...)
}

func getU64(b *bolt.Bucket, key []byte) uint64 {
	if b == nil {
		return 0
	}
	if v := b.Get(key); len(v) >= 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func bucket(tx *storage.Tx, name []byte) (*bolt.Bucket, error) {
	return tx.Bolt().CreateBucketIfNotExists(name)
}

// AddRef records, in the caller's transaction, that a record of account uses the blob. The first
// reference of an account adds the blob's size to the account's usage. The blob must be stored:
// a reference to a missing file is NotFound and nothing is written.
func (s *Store) AddRef(tx *storage.Tx, account uint64, hash string, size int64) error {
	if err := checkHash(hash); err != nil {
		return err
	}
	if size < 0 {
		return apperr.Field("size", "must not be negative")
	}
	// Checked inside the write transaction, which deletions also run in (see remove), so a
	// blob seen here cannot disappear before this reference commits.
	if _, err := os.Stat(s.Path(hash)); err != nil {
		return apperr.NotFoundf("file %s not found: upload it again", hash)
	}
	sum, _ := hex.DecodeString(hash)
	refs, err := bucket(tx, bucketRefs)
	if err != nil {
		return fmt.Errorf("blob: add ref: %w", err)
	}
	global, err := bucket(tx, bucketGlobal)
	if err != nil {
		return fmt.Errorf("blob: add ref: %w", err)
	}
	usage, err := bucket(tx, bucketUsage)
	if err != nil {
		return fmt.Errorf("blob: add ref: %w", err)
	}
	key := refKey(account, sum)
	n := getU64(refs, key) + 1
	if err := refs.Put(key, binary.BigEndian.AppendUint64(nil, n)); err != nil {
		return fmt.Errorf("blob: add ref: %w", err)
	}
	if g := global.Get(sum); len(g) == 16 {
		size = int64(binary.BigEndian.Uint64(g[8:])) // the size first recorded is the truth
	}
	g := binary.BigEndian.AppendUint64(nil, getU64(global, sum)+1)
	if err := global.Put(sum, binary.BigEndian.AppendUint64(g, uint64(size))); err != nil {
		return fmt.Errorf("blob: add ref: %w", err)
	}
	if n == 1 {
		akey := binary.BigEndian.AppendUint64(nil, account)
		if err := usage.Put(akey, binary.BigEndian.AppendUint64(nil, getU64(usage, akey)+uint64(size))); err != nil {
			return fmt.Errorf("blob: add ref: %w", err)
		}
	}
	return nil
}

// Release drops one reference of account to the blob in the caller's transaction. The account's
// last reference gives its usage back; the last reference of all deletes the file once the
// transaction commits.
func (s *Store) Release(tx *storage.Tx, account uint64, hash string) error {
	if err := checkHash(hash); err != nil {
		return err
	}
	sum, _ := hex.DecodeString(hash)
	refs, global, usage := tx.Bolt().Bucket(bucketRefs), tx.Bolt().Bucket(bucketGlobal), tx.Bolt().Bucket(bucketUsage)
	key := refKey(account, sum)
	n := getU64(refs, key)
	g := []byte(nil)
	if global != nil {
		g = global.Get(sum)
	}
	if n == 0 || len(g) != 16 {
		return fmt.Errorf("blob: release %s: account %d holds no reference to it", hash, account)
	}
	count, size := binary.BigEndian.Uint64(g), binary.BigEndian.Uint64(g[8:])
	var err error
	if n == 1 {
		err = refs.Delete(key)
		if err == nil {
			akey := binary.BigEndian.AppendUint64(nil, account)
			used := getU64(usage, akey)
			err = usage.Put(akey, binary.BigEndian.AppendUint64(nil, used-min(used, size)))
		}
	} else {
		err = refs.Put(key, binary.BigEndian.AppendUint64(nil, n-1))
	}
	if err != nil {
		return fmt.Errorf("blob: release: %w", err)
	}
	if count > 1 {
		g := binary.BigEndian.AppendUint64(nil, count-1)
		if err := global.Put(sum, binary.BigEndian.AppendUint64(g, size)); err != nil {
			return fmt.Errorf("blob: release: %w", err)
		}
		return nil
	}
	if err := global.Delete(sum); err != nil {
		return fmt.Errorf("blob: release: %w", err)
	}
	tx.OnCommit(func() {
		// Best effort: a file that cannot be removed now is an orphan Sweep collects later.
		_, _ = s.remove([]string{hash}, time.Time{})
	})
	return nil
}

// Refs is the number of references account holds to the blob.
func Refs(tx *storage.Tx, account uint64, hash string) uint64 {
	sum, err := hex.DecodeString(hash)
	if err != nil {
		return 0
	}
	return getU64(tx.Bolt().Bucket(bucketRefs), refKey(account, sum))
}

// Usage is the bytes of distinct blobs the account's records reference.
func Usage(tx *storage.Tx, account uint64) int64 {
	return int64(getU64(tx.Bolt().Bucket(bucketUsage), binary.BigEndian.AppendUint64(nil, account)))
}

// Usage is the package-level Usage, for callers holding a Store.
func (s *Store) Usage(tx *storage.Tx, account uint64) int64 { return Usage(tx, account) }

// remove deletes the files of hashes that no record references, in a write transaction so that
// no AddRef can commit a reference to a file being deleted (AddRef checks the file inside its own
// write transaction). A file modified after notAfter (a fresh upload waiting for its AddRef) is
// kept; the zero time keeps nothing. It skips the work while a backup holds deletions.
func (s *Store) remove(hashes []string, notAfter time.Time) (int, error) {
	release, ok := tryHoldDeletes(s.db)
	if !ok {
		return 0, nil
	}
	defer release()
	removed := 0
	err := s.db.Update(func(tx *storage.Tx) error {
		global := tx.Bolt().Bucket(bucketGlobal)
		for _, h := range hashes {
			sum, err := hex.DecodeString(h)
			if err != nil || getU64(global, sum) > 0 {
				continue
			}
			path := s.Path(h)
			if !notAfter.IsZero() {
				if info, err := os.Stat(path); err != nil || info.ModTime().After(notAfter) {
					continue
				}
			}
			if err := os.Remove(path); err == nil {
				removed++
			} else if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("blob: remove %s: %w", h, err)
			}
		}
		return nil
	})
	return removed, err
}

// Sweep deletes blob files no record references and upload leftovers in blobs/tmp, when they are
// older than olderThan (so an upload waiting for its record is spared). It returns how many files
// it removed.
func (s *Store) Sweep(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	entries, err := os.ReadDir(s.root)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("blob: sweep: %w", err)
	}
	var batch []string
	flush := func() error {
		n, err := s.remove(batch, cutoff)
		removed += n
		batch = batch[:0]
		return err
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(s.root, e.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			return removed, fmt.Errorf("blob: sweep: %w", err)
		}
		for _, f := range files {
			if e.Name() == TmpDir {
				if info, err := f.Info(); err == nil && info.ModTime().Before(cutoff) {
					if os.Remove(filepath.Join(dir, f.Name())) == nil {
						removed++
					}
				}
				continue
			}
			h := e.Name() + f.Name()
			if !ValidHash(h) {
				continue
			}
			if batch = append(batch, h); len(batch) == 256 {
				if err := flush(); err != nil {
					return removed, err
				}
			}
		}
	}
	return removed, flush()
}

// Deletion holds: a backup copying blob files holds deletions so that every file its snapshot
// references is still there when it gets to it. Deletions skipped meanwhile are left to Sweep.
var (
	holdsMu sync.Mutex
	holds   = map[string]*sync.RWMutex{}
)

func holdFor(db *storage.DB) *sync.RWMutex {
	holdsMu.Lock()
	defer holdsMu.Unlock()
	key := filepath.Clean(db.Dir())
	if holds[key] == nil {
		holds[key] = &sync.RWMutex{}
	}
	return holds[key]
}

// HoldDeletes stops blob files of db's data dir from being deleted until release is called; it
// waits for deletions in progress to finish.
func HoldDeletes(db *storage.DB) (release func()) {
	m := holdFor(db)
	m.Lock()
	return m.Unlock
}

func tryHoldDeletes(db *storage.DB) (func(), bool) {
	m := holdFor(db)
	if !m.TryRLock() {
		return nil, false
	}
	return m.RUnlock, true
}

// Files lists the hashes of every stored blob (not uploads in progress), for backups.
func Files(dataDir string) ([]string, error) {
	root := filepath.Join(dataDir, Dir)
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == root {
			return fs.SkipAll
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == TmpDir && filepath.Dir(path) == root {
				return fs.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if h := strings.ReplaceAll(rel, string(filepath.Separator), ""); ValidHash(h) {
			out = append(out, h)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob: list: %w", err)
	}
	return out, nil
}
