package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/backup"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/storagetest"
)

// item is a record with an attachment.
type item struct {
	ID      uint64 `json:"id"`
	Account uint64 `json:"account_id"`
	Blob    string `json:"blob"`
}

var items = storage.NewCollection(storage.Def[item]{
	Name:    "items",
	ID:      func(v *item) *uint64 { return &v.ID },
	Account: func(v *item) uint64 { return v.Account },
	Feed:    true,
})

var migrations = []storage.Migration{{Name: "noop", Up: func(*storage.Tx) error { return nil }}}

func open(t *testing.T, dir string) *storage.DB {
	t.Helper()
	db := storagetest.Open(t, dir, storage.Options{Migrations: migrations})
	return db
}

// addItem uploads an attachment and commits a record referencing it.
func addItem(db *storage.DB, blobs *blob.Store, account uint64, content string) (*item, error) {
	ref, err := blobs.Write(context.Background(), strings.NewReader(content), 1<<20)
	if err != nil {
		return nil, err
	}
	it := &item{Account: account, Blob: ref.Hash}
	return it, db.Update(func(tx *storage.Tx) error {
		if err := items.Put(tx, it); err != nil {
			return err
		}
		return blobs.AddRef(tx, account, ref.Hash, ref.Size)
	})
}

func removeItem(db *storage.DB, blobs *blob.Store, it *item) error {
	return db.Update(func(tx *storage.Tx) error {
		if err := items.Delete(tx, it.Account, it.ID); err != nil {
			return err
		}
		return blobs.Release(tx, it.Account, it.Blob)
	})
}

func TestBackupWhileWritingRestores(t *testing.T) {
	db := open(t, t.TempDir())
	blobs := blob.New(db)
	for i := range 50 {
		if _, err := addItem(db, blobs, 1+uint64(i%2), fmt.Sprintf("attachment %d", i)); err != nil {
			t.Fatal(err)
		}
	}

	// A writer keeps adding and deleting records with attachments during the backup.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var commits atomic.Int64
	var writerErr error
	var failed atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		var mine []*item
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			it, err := addItem(db, blobs, 1+uint64(i%3), fmt.Sprintf("written during the backup %d", i))
			if err != nil {
				writerErr = err
				failed.Store(true)
				return
			}
			mine = append(mine, it)
			if i%3 == 2 {
				if err := removeItem(db, blobs, mine[0]); err != nil {
					writerErr = err
					failed.Store(true)
					return
				}
				mine = mine[1:]
			}
			commits.Add(1)
		}
	}()
	// The first bytes of the archive are written inside the snapshot: hold them until the
	// writer has committed more, so commits provably land while the backup runs.
	var archive bytes.Buffer
	var before, during int64
	gate := writerFunc(func(p []byte) (int, error) {
		if before == 0 {
			before = commits.Load()
			for commits.Load() < before+15 && !failed.Load() {
				time.Sleep(time.Millisecond)
			}
		}
		return archive.Write(p)
	})
	err := backup.Write(context.Background(), db, gate)
	during = commits.Load() - before
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if writerErr != nil {
		t.Fatal(writerErr)
	}
	t.Logf("writer committed %d times during the backup (%d bytes)", during, archive.Len())

	dir := filepath.Join(t.TempDir(), "restored")
	if err := backup.Restore(bytes.NewReader(archive.Bytes()), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index")); !os.IsNotExist(err) {
		t.Fatal("restore created an index dir")
	}
	restored := open(t, dir)
	if v, err := restored.SchemaVersion(); err != nil || v != 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	rblobs := blob.New(restored)
	n := 0
	err = restored.View(func(tx *storage.Tx) error {
		for _, acc := range []uint64{1, 2, 3} {
			count, err := items.Count(tx, acc, storage.Query{})
			if err != nil {
				return err
			}
			if count != items.Len(tx, acc) {
				return fmt.Errorf("account %d: %d records but a counter of %d: not one snapshot", acc, count, items.Len(tx, acc))
			}
		}
		return items.EachAccount(tx, func(acc uint64, it *item) error {
			n++
			if blob.Refs(tx, acc, it.Blob) == 0 {
				return fmt.Errorf("item %d: no reference to its blob", it.ID)
			}
			f, err := rblobs.Open(it.Blob)
			if err != nil {
				return fmt.Errorf("item %d: %w", it.ID, err)
			}
			defer f.Close()
			h := sha256.New()
			io.Copy(h, f)
			if hex.EncodeToString(h.Sum(nil)) != it.Blob {
				return fmt.Errorf("item %d: blob content differs", it.ID)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("restored %d items, want at least the 50 written before", n)
	}
	// The restored store takes new writes.
	if _, err := addItem(restored, rblobs, 1, "after restore"); err != nil {
		t.Fatal(err)
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestRestoreRefusesNonEmptyDir(t *testing.T) {
	db := open(t, t.TempDir())
	var archive bytes.Buffer
	if err := backup.Write(context.Background(), db, &archive); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600)
	err := backup.Restore(bytes.NewReader(archive.Bytes()), dir)
	if e, ok := apperr.As(err); !ok || !strings.Contains(e.Fields["dir"], "is not empty") {
		t.Fatalf("got %v, want a refusal naming the dir", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(got) != "mine" {
		t.Fatal("existing file touched")
	}
	// An empty existing dir is fine.
	if err := backup.Restore(bytes.NewReader(archive.Bytes()), t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

type entry struct {
	name string
	body []byte
}

// craft builds an archive by hand: a manifest listing files, then the entries.
func craft(t *testing.T, listed []backup.File, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	raw, _ := json.Marshal(backup.Manifest{Format: backup.Format, CreatedAt: time.Now(), Files: listed})
	for _, e := range append([]entry{{backup.ManifestName, raw}}, entries...) {
		tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o600, Size: int64(len(e.body)), Typeflag: tar.TypeReg})
		tw.Write(e.body)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// storeFile returns the bytes of a valid, empty store.
func storeFile(t *testing.T) []byte {
	dir := t.TempDir()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := os.ReadFile(filepath.Join(dir, storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestRestoreRefusesTamperedArchives(t *testing.T) {
	dbFile := storeFile(t)
	good := sha256.Sum256([]byte("payload"))
	goodHash := hex.EncodeToString(good[:])
	goodPath := "blobs/" + goodHash[:2] + "/" + goodHash[2:]
	other := strings.Repeat("ab", 32)
	cases := map[string][]byte{
		"path traversal": craft(t, []backup.File{{storage.FileName, int64(len(dbFile))}, {"../x", 4}},
			entry{storage.FileName, dbFile}, entry{"../x", []byte("evil")}),
		"traversal not listed": craft(t, []backup.File{{storage.FileName, int64(len(dbFile))}},
			entry{storage.FileName, dbFile}, entry{"blobs/../../x", []byte("evil")}),
		"absolute path": craft(t, []backup.File{{storage.FileName, int64(len(dbFile))}, {"/tmp/x", 4}},
			entry{storage.FileName, dbFile}, entry{"/tmp/x", []byte("evil")}),
		"blob content differs from its name": craft(t, []backup.File{{storage.FileName, int64(len(dbFile))}, {"blobs/ab/" + other[2:], 7}},
			entry{storage.FileName, dbFile}, entry{"blobs/ab/" + other[2:], []byte("payload")}),
		"size differs from manifest": craft(t, []backup.File{{storage.FileName, int64(len(dbFile))}, {goodPath, 99}},
			entry{storage.FileName, dbFile}, entry{goodPath, []byte("payload")}),
		"file missing": craft(t, []backup.File{{storage.FileName, int64(len(dbFile))}, {goodPath, 7}},
			entry{storage.FileName, dbFile}),
		"damaged store": craft(t, []backup.File{{storage.FileName, 4096}},
			entry{storage.FileName, bytes.Repeat([]byte("x"), 4096)}),
		"not an archive": []byte("hello"),
	}
	for name, archive := range cases {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "data")
			err := backup.Restore(bytes.NewReader(archive), dir)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("got %v, want an invalid backup", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("left %v in the data dir", entries)
			}
			if _, err := os.Stat(filepath.Join(parent, "x")); !os.IsNotExist(err) {
				t.Fatal("wrote outside the data dir")
			}
		})
	}
	// The same hand-made archive without tampering restores: the cases above fail for their
	// tampering, not for being hand-made.
	ok := craft(t, []backup.File{{storage.FileName, int64(len(dbFile))}, {goodPath, 7}},
		entry{storage.FileName, dbFile}, entry{goodPath, []byte("payload")})
	if err := backup.Restore(bytes.NewReader(ok), filepath.Join(t.TempDir(), "data")); err != nil {
		t.Fatal(err)
	}
}

func TestDailyKeepsNewest(t *testing.T) {
	db := open(t, t.TempDir())
	if _, err := addItem(db, blob.New(db), 1, "attachment"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "backups")
	start := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	var paths []string
	for day := range 5 {
		p, err := backup.Daily(context.Background(), db, dir, 3, start.AddDate(0, 0, day))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if want := filepath.Join(dir, "parley-20260305-023000.tar.gz"); paths[4] != want {
		t.Fatalf("path = %s, want %s", paths[4], want)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"parley-20260303-023000.tar.gz", "parley-20260304-023000.tar.gz", "parley-20260305-023000.tar.gz"}
	if !slices.Equal(names, want) {
		t.Fatalf("backups = %v, want %v", names, want)
	}
	f, err := os.Open(paths[4])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := backup.Restore(f, filepath.Join(t.TempDir(), "data")); err != nil {
		t.Fatalf("the newest daily backup does not restore: %v", err)
	}
}
