package storage_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

// TestReleaseMappedDropsTheReadPages: after reading a 16 MB store through its map, the
// process holds those pages; ReleaseMapped gives them back, and every value reads the same
// afterwards.
func TestReleaseMappedDropsTheReadPages(t *testing.T) {
	db := open(t, t.TempDir())
	value := func(i int) []byte { return bytes.Repeat([]byte(fmt.Sprintf("%08d", i)), 512) } // 4 KB
	const n = 4096
	err := db.Update(func(tx *storage.Tx) error {
		b, err := tx.Bolt().CreateBucketIfNotExists([]byte("pages"))
		if err != nil {
			return err
		}
		for i := range n {
			if err := b.Put([]byte(fmt.Sprintf("%08d", i)), value(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	readAll := func() {
		t.Helper()
		err := db.View(func(tx *storage.Tx) error {
			i := 0
			return tx.Bolt().Bucket([]byte("pages")).ForEach(func(k, v []byte) error {
				if !bytes.Equal(v, value(i)) {
					return fmt.Errorf("value %s changed", k)
				}
				i++
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	readAll()
	if kb := storagetest.ResidentKB(t, func(p string) bool { return p == db.Path() }); kb < 12_000 {
		t.Fatalf("after reading 16 MB the map holds only %d KB: the test reads nothing", kb)
	}
	if err := db.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	if kb := storagetest.ResidentKB(t, func(p string) bool { return p == db.Path() }); kb > 256 {
		t.Fatalf("after ReleaseMapped the map still holds %d KB", kb)
	}
	readAll()
	if err := db.Update(func(tx *storage.Tx) error {
		return tx.Bolt().Bucket([]byte("pages")).Put([]byte("after"), []byte("release"))
	}); err != nil {
		t.Fatal(err)
	}
}
