package blob_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/storagetest"
)

func openStore(t *testing.T) (*storage.DB, *blob.Store) {
	t.Helper()
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	return db, blob.New(db)
}

func write(t *testing.T, s *blob.Store, content string) blob.Ref {
	t.Helper()
	ref, err := s.Write(context.Background(), strings.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// files lists every regular file under the blobs dir, tmp included.
func files(t *testing.T, db *storage.DB) []string {
	t.Helper()
	var out []string
	filepath.Walk(filepath.Join(db.Dir(), blob.Dir), func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	return out
}

func TestWriteAndRead(t *testing.T) {
	db, s := openStore(t)
	png := "\x89PNG\r\n\x1a\n" + strings.Repeat("pixels", 1000)
	ref := write(t, s, png)
	sum := sha256.Sum256([]byte(png))
	if ref.Hash != hex.EncodeToString(sum[:]) || ref.Size != int64(len(png)) || ref.ContentType != "image/png" {
		t.Fatalf("ref = %+v", ref)
	}
	want := filepath.Join(db.Dir(), "blobs", ref.Hash[:2], ref.Hash[2:])
	if s.Path(ref.Hash) != want || !exists(want) {
		t.Fatalf("Path = %s, want an existing %s", s.Path(ref.Hash), want)
	}
	f, err := s.Open(ref.Hash)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if string(got) != png {
		t.Fatal("read back different content")
	}
	if text := write(t, s, "hello, plain text"); text.ContentType != "text/plain; charset=utf-8" {
		t.Fatalf("content type = %q", text.ContentType)
	}
	if _, err := s.Open(strings.Repeat("0", 64)); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("missing blob: %v", err)
	}
	if _, err := s.Open("../../parley.db"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("bad hash: %v", err)
	}
	if left := files(t, db); len(left) != 2 {
		t.Fatalf("files = %v, want the two blobs and no temporary file", left)
	}
}

func TestSizeLimitLeavesNothing(t *testing.T) {
	db, s := openStore(t)
	_, err := s.Write(context.Background(), strings.NewReader(strings.Repeat("x", 2<<20+1)), 2<<20)
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || e.Fields["file"] != "is larger than 2 MB" {
		t.Fatalf("got %v, want file: is larger than 2 MB", err)
	}
	if left := files(t, db); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	// Exactly at the limit is fine.
	if _, err := s.Write(context.Background(), strings.NewReader(strings.Repeat("x", 2<<20)), 2<<20); err != nil {
		t.Fatal(err)
	}
	// A cancelled upload leaves nothing either.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Write(ctx, strings.NewReader("abc"), 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if left := files(t, db); len(left) != 1 {
		t.Fatalf("files = %v, want only the blob at the limit", left)
	}
}

func TestDedupe(t *testing.T) {
	db, s := openStore(t)
	a := write(t, s, "same bytes")
	b := write(t, s, "same bytes")
	if a != b {
		t.Fatalf("%+v != %+v", a, b)
	}
	if left := files(t, db); len(left) != 1 {
		t.Fatalf("files = %v, want one", left)
	}
}

func TestRefcountDeletesAfterLastRelease(t *testing.T) {
	db, s := openStore(t)
	ref := write(t, s, "shared attachment")
	path := s.Path(ref.Hash)
	update := func(fn func(tx *storage.Tx) error) {
		t.Helper()
		if err := db.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	// Two records of account 1 and one of account 2 use the file.
	update(func(tx *storage.Tx) error {
		for _, acc := range []uint64{1, 1, 2} {
			if err := s.AddRef(tx, acc, ref.Hash, ref.Size); err != nil {
				return err
			}
		}
		return nil
	})
	update(func(tx *storage.Tx) error { return s.Release(tx, 1, ref.Hash) })
	update(func(tx *storage.Tx) error { return s.Release(tx, 1, ref.Hash) })
	if !exists(path) {
		t.Fatal("deleted while account 2 still uses it")
	}
	// A release that rolls back deletes nothing.
	boom := errors.New("boom")
	if err := db.Update(func(tx *storage.Tx) error {
		if err := s.Release(tx, 2, ref.Hash); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if !exists(path) {
		t.Fatal("deleted by a rolled-back release")
	}
	update(func(tx *storage.Tx) error { return s.Release(tx, 2, ref.Hash) })
	if exists(path) {
		t.Fatal("still there after the last release committed")
	}
	// Releasing what is not held is a bug, reported as such.
	if err := db.Update(func(tx *storage.Tx) error { return s.Release(tx, 2, ref.Hash) }); err == nil {
		t.Fatal("release of a reference not held succeeded")
	}
	// And a reference to a file that is gone is refused.
	if err := db.Update(func(tx *storage.Tx) error { return s.AddRef(tx, 1, ref.Hash, ref.Size) }); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("AddRef of a deleted blob: %v", err)
	}
}

func TestUsageCountsEachBlobOncePerAccount(t *testing.T) {
	db, s := openStore(t)
	small := write(t, s, "12345")
	big := write(t, s, strings.Repeat("b", 1000))
	usage := func(acc uint64) (n int64) {
		db.View(func(tx *storage.Tx) error { n = s.Usage(tx, acc); return nil })
		return n
	}
	if err := db.Update(func(tx *storage.Tx) error {
		for _, r := range []struct {
			acc uint64
			ref blob.Ref
		}{{1, small}, {1, small}, {1, small}, {1, big}, {2, big}} {
			if err := s.AddRef(tx, r.acc, r.ref.Hash, r.ref.Size); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if u1, u2 := usage(1), usage(2); u1 != 1005 || u2 != 1000 {
		t.Fatalf("usage = %d, %d; want 1005, 1000", u1, u2)
	}
	release := func(acc uint64, ref blob.Ref) {
		t.Helper()
		if err := db.Update(func(tx *storage.Tx) error { return s.Release(tx, acc, ref.Hash) }); err != nil {
			t.Fatal(err)
		}
	}
	release(1, small)
	release(1, small)
	if u := usage(1); u != 1005 {
		t.Fatalf("usage after releasing 2 of 3 refs = %d, want 1005", u)
	}
	release(1, small)
	release(1, big)
	if u1, u2 := usage(1), usage(2); u1 != 0 || u2 != 1000 {
		t.Fatalf("usage = %d, %d; want 0, 1000", u1, u2)
	}
	if exists(s.Path(small.Hash)) || !exists(s.Path(big.Hash)) {
		t.Fatal("wrong files deleted")
	}
}

func TestSweep(t *testing.T) {
	db, s := openStore(t)
	old := time.Now().Add(-48 * time.Hour)
	age := func(path string) {
		t.Helper()
		if err := os.Chtimes(path, old, old); err != nil {
			t.Fatal(err)
		}
	}
	used := write(t, s, "referenced")
	orphan := write(t, s, "abandoned upload")
	fresh := write(t, s, "uploaded a moment ago")
	if err := db.Update(func(tx *storage.Tx) error { return s.AddRef(tx, 1, used.Hash, used.Size) }); err != nil {
		t.Fatal(err)
	}
	age(s.Path(used.Hash))
	age(s.Path(orphan.Hash))
	oldTmp := filepath.Join(db.Dir(), "blobs", "tmp", "upload-crashed")
	newTmp := filepath.Join(db.Dir(), "blobs", "tmp", "upload-in-progress")
	os.WriteFile(oldTmp, []byte("half"), 0o600)
	os.WriteFile(newTmp, []byte("half"), 0o600)
	age(oldTmp)

	n, err := s.Sweep(context.Background(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("removed %d files, want 2 (the orphan and the old tmp file)", n)
	}
	for path, want := range map[string]bool{
		s.Path(used.Hash): true, s.Path(orphan.Hash): false, s.Path(fresh.Hash): true, oldTmp: false, newTmp: true,
	} {
		if exists(path) != want {
			t.Errorf("%s exists = %t, want %t", path, !want, want)
		}
	}

	// Uploading content that is already stored (unreferenced and old) refreshes it, so a sweep
	// between the upload and its AddRef spares it.
	stale := write(t, s, "uploaded, abandoned, uploaded again")
	age(s.Path(stale.Hash))
	again := write(t, s, "uploaded, abandoned, uploaded again")
	if _, err := s.Sweep(context.Background(), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *storage.Tx) error { return s.AddRef(tx, 1, again.Hash, again.Size) }); err != nil {
		t.Fatalf("AddRef after a sweep of a re-uploaded blob: %v", err)
	}
}

func TestHoldDeletesDefersToSweep(t *testing.T) {
	db, s := openStore(t)
	ref := write(t, s, "kept for the backup")
	if err := db.Update(func(tx *storage.Tx) error { return s.AddRef(tx, 1, ref.Hash, ref.Size) }); err != nil {
		t.Fatal(err)
	}
	release := blob.HoldDeletes(db)
	if err := db.Update(func(tx *storage.Tx) error { return s.Release(tx, 1, ref.Hash) }); err != nil {
		t.Fatal(err)
	}
	if !exists(s.Path(ref.Hash)) {
		t.Fatal("deleted during a hold")
	}
	release()
	if n, err := s.Sweep(context.Background(), -time.Hour); err != nil || n != 1 || exists(s.Path(ref.Hash)) {
		t.Fatalf("sweep after the hold: %d, %v", n, err)
	}
	if hashes, err := blob.Files(db.Dir()); err != nil || len(hashes) != 0 {
		t.Fatalf("Files = %v, %v", hashes, err)
	}
}
