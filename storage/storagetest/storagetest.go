// Package storagetest opens real stores for tests: a bbolt file in the given dir that is checked
// for consistency (bbolt's tx.Check) and closed when the test ends.
package storagetest

import (
	"testing"

	"github.com/parleyhq/parley/storage"
)

// Open opens the store in dir and registers its check and close with t.
func Open(t testing.TB, dir string, opts storage.Options) *storage.DB {
	t.Helper()
	db, err := storage.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("store check: %v", err)
		}
		db.Close()
	})
	return db
}

// Verify opens the store a killed process left in dir, checks it and closes it: whatever a
// crash leaves behind must open and be consistent.
func Verify(t testing.TB, dir string) {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatalf("reopen after a crash: %v", err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatalf("store damaged by a crash: %v", err)
	}
}
