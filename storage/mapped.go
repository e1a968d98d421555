package storage

import bolt "go.etcd.io/bbolt"

// ReleaseMapped hands the pages of the store file that the process has read back to the
// kernel. bbolt reads through a memory map, so every page a transaction has touched since
// the start (a bulk import walks most of the file) stays counted in the process's resident
// memory, although it is only the kernel's cache of the file. Released pages stay in that
// cache: the next read of one is a minor fault, not a disk read. On systems other than
// Linux it does nothing.
func (db *DB) ReleaseMapped() error {
	// A read transaction holds bbolt's mmap lock, so the map cannot be replaced (the file
	// growing) while its pages are released.
	return db.bolt.View(func(tx *bolt.Tx) error {
		return releasePages(db.bolt.Info().Data, uintptr(tx.Size()))
	})
}

// ReleaseMapping is ReleaseMapped for another read-only file mapping (search index segments).
// The caller must keep the mapping alive until it returns; b must never be heap memory,
// whose contents the release would zero.
func ReleaseMapping(b []byte) error { return releaseMapping(b) }
