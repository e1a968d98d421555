// Package backup writes and restores hot backups of a data dir: one tar.gz holding a manifest, a
// consistent snapshot of parley.db taken while writers keep working, and every blob file. The
// search index is not included: it holds no truth and is rebuilt when its dir is missing.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	bolt "go.etcd.io/bbolt"
)

// Format is the archive layout version this binary writes and the newest it restores.
const Format = 1

// ManifestName is the first entry of every archive.
const ManifestName = "manifest.json"

// Manifest describes an archive; Restore checks every entry against it.
type Manifest struct {
	Format        int       `json:"format"`
	CreatedAt     time.Time `json:"created_at"`
	SchemaVersion uint64    `json:"schema_version"`
	Files         []File    `json:"files"`
}

// File is one archived file, by its slash-separated path inside the data dir.
type File struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Write streams a backup of db to w. The store snapshot comes from one read transaction, so it
// is consistent whatever commits meanwhile; blob deletions are held for the duration, so every
// blob the snapshot references is in the archive.
func Write(ctx context.Context, db *storage.DB, w io.Writer) error {
	release := blob.HoldDeletes(db)
	defer release()
	schema, err := db.SchemaVersion()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return db.Bolt().View(func(tx *bolt.Tx) error {
		// Listed after the snapshot began: a blob referenced by the snapshot was renamed into
		// place before its reference committed, so it is in the list.
		hashes, err := blob.Files(db.Dir())
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		slices.Sort(hashes)
		m := Manifest{Format: Format, CreatedAt: time.Now().UTC(), SchemaVersion: schema,
			Files: []File{{Path: storage.FileName, Size: tx.Size()}}}
		blobs := blob.New(db)
		for _, h := range hashes {
			info, err := os.Stat(blobs.Path(h))
			if err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			m.Files = append(m.Files, File{Path: blobPath(h), Size: info.Size()})
		}

		gz := gzip.NewWriter(w)
		tw := tar.NewWriter(gz)
		raw, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return fmt.Errorf("backup: manifest: %w", err)
		}
		if err := writeEntry(tw, ManifestName, int64(len(raw)), m.CreatedAt, func(w io.Writer) error {
			_, err := w.Write(raw)
			return err
		}); err != nil {
			return err
		}
		if err := writeEntry(tw, storage.FileName, tx.Size(), m.CreatedAt, func(w io.Writer) error {
			_, err := tx.WriteTo(w)
			return err
		}); err != nil {
			return err
		}
		for i, h := range hashes {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := writeEntry(tw, blobPath(h), m.Files[i+1].Size, m.CreatedAt, func(w io.Writer) error {
				f, err := os.Open(blobs.Path(h))
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = io.Copy(w, f)
				return err
			}); err != nil {
				return err
			}
		}
		if err := tw.Close(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := gz.Close(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return nil
	})
}

func blobPath(hash string) string { return path.Join(blob.Dir, hash[:2], hash[2:]) }

func writeEntry(tw *tar.Writer, name string, size int64, mod time.Time, body func(io.Writer) error) error {
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: mod, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("backup: %s: %w", name, err)
	}
	if err := body(tw); err != nil {
		return fmt.Errorf("backup: %s: %w", name, err)
	}
	return nil
}

// Restore unpacks a backup into dir, which must be empty or missing: it never mixes a backup
// with existing data. Every entry must be listed in the manifest with its size, blobs must match
// their hashes and the store must pass bbolt's check; on any failure dir is left empty again.
// The search index is rebuilt by the app when it starts.
func Restore(r io.Reader, dir string) (err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("restore: %w", err)
	case len(entries) > 0:
		return apperr.Field("dir", fmt.Sprintf("%s is not empty: restore into a new, empty data dir", dir))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer func() {
		if err != nil {
			emptyDir(dir)
		}
	}()

	gz, err := gzip.NewReader(r)
	if err != nil {
		return invalid("is not a Parley backup (not gzip): %v", err)
	}
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != ManifestName {
		return invalid("is not a Parley backup: %s must come first", ManifestName)
	}
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(tr, 10<<20)).Decode(&m); err != nil {
		return invalid("has an unreadable manifest: %v", err)
	}
	if m.Format < 1 || m.Format > Format {
		return invalid("has format %d; this version of Parley restores up to format %d: install a newer one", m.Format, Format)
	}
	want := map[string]int64{}
	for _, f := range m.Files {
		if err := checkName(f.Path); err != nil {
			return err
		}
		want[f.Path] = f.Size
	}
	if _, ok := want[storage.FileName]; !ok {
		return invalid("has no %s", storage.FileName)
	}

	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return invalid("is damaged: %v", err)
		}
		if err := checkName(hdr.Name); err != nil {
			return err
		}
		size, listed := want[hdr.Name]
		if !listed {
			return invalid("holds %q, which its manifest does not list (or lists twice)", hdr.Name)
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Size != size {
			return invalid("holds %q as something other than the %d-byte file its manifest lists", hdr.Name, size)
		}
		delete(want, hdr.Name)
		if err := extract(tr, filepath.Join(dir, filepath.FromSlash(hdr.Name)), hdr.Name, size); err != nil {
			return err
		}
	}
	if len(want) > 0 {
		missing := make([]string, 0, len(want))
		for p := range want {
			missing = append(missing, p)
		}
		slices.Sort(missing)
		return invalid("is incomplete: %s missing", strings.Join(missing, ", "))
	}
	return checkStore(filepath.Join(dir, storage.FileName))
}

func invalid(format string, args ...any) error {
	return apperr.Field("backup", fmt.Sprintf(format, args...))
}

// checkName accepts only the paths a backup can hold: parley.db and blobs/ab/<62 hex>. Anything
// else, "../x" and absolute paths included, is refused before a byte is written.
func checkName(name string) error {
	if name == storage.FileName {
		return nil
	}
	parts := strings.Split(name, "/")
	if len(parts) == 3 && parts[0] == blob.Dir && len(parts[1]) == 2 && blob.ValidHash(parts[1]+parts[2]) {
		return nil
	}
	return invalid("holds %q, which is not a file a Parley backup contains", name)
}

// extract writes one entry, verifying a blob's content against its name.
func extract(r io.Reader, dst, name string, size int64) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		return invalid("is damaged at %s: %v", name, err)
	}
	if n != size {
		return invalid("is truncated at %s", name)
	}
	if strings.HasPrefix(name, blob.Dir+"/") {
		if sum := hex.EncodeToString(h.Sum(nil)); sum != strings.ReplaceAll(strings.TrimPrefix(name, blob.Dir+"/"), "/", "") {
			return invalid("is damaged: %s does not match its content", name)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return f.Close()
}

// checkStore runs bbolt's consistency check on the restored file.
func checkStore(path string) error {
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return invalid("holds an unreadable %s: %v", storage.FileName, err)
	}
	defer b.Close()
	return b.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return invalid("holds a damaged %s: %v", storage.FileName, err)
		}
		return nil
	})
}

// emptyDir empties dir after a failed restore (it was empty before).
func emptyDir(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// Daily writes dir/parley-YYYYMMDD-HHMMSS.tar.gz (UTC) atomically, then deletes the oldest
// backups beyond keep (at least one is kept). It returns the new archive's path.
func Daily(ctx context.Context, db *storage.DB, dir string, keep int, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	name := filepath.Join(dir, "parley-"+now.UTC().Format("20060102-150405")+".tar.gz")
	tmp, err := os.CreateTemp(dir, ".parley-*.tmp")
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := Write(ctx, db, tmp); err != nil {
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return name, rotate(dir, max(keep, 1))
}

// rotate deletes the oldest archives beyond keep; names sort by time.
func rotate(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("backup: rotate: %w", err)
	}
	var archives []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasPrefix(n, "parley-") && strings.HasSuffix(n, ".tar.gz") {
			archives = append(archives, n)
		}
	}
	slices.Sort(archives)
	for _, n := range archives[:max(len(archives)-keep, 0)] {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			return fmt.Errorf("backup: rotate: %w", err)
		}
	}
	return nil
}
