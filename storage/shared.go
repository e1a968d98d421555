package storage

import (
	"bytes"
	"sync"
)

// sharedRecords keeps up to max decoded records of a collection, each with the stored bytes it
// was decoded from. A record is reused only when the bytes read now are equal, so an entry can
// never be stale: a write, a rollback or a restore changes the bytes and the next read decodes
// again. Comparing a few hundred bytes costs far less than decoding them.
type sharedRecords[T any] struct {
	mu  sync.Mutex
	max int
	m   map[[16]byte]sharedRecord[T]
}

type sharedRecord[T any] struct {
	raw []byte
	v   *T
}

func newSharedRecords[T any](max int) *sharedRecords[T] {
	return &sharedRecords[T]{max: max, m: make(map[[16]byte]sharedRecord[T], max)}
}

// get returns the record stored under key as raw, decoding it only when no entry holds these
// bytes. raw is only read during the call (it points into the transaction's pages).
func (s *sharedRecords[T]) get(key, raw []byte, decode func([]byte) (*T, error)) (*T, error) {
	k := [16]byte(key)
	s.mu.Lock()
	e, ok := s.m[k]
	s.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.v, nil
	}
	v, err := decode(raw)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if _, ok := s.m[k]; !ok && len(s.m) >= s.max {
		// Evict one entry at random (map order): the hot records are read again and come
		// back; a list's working set is far below max.
		for old := range s.m {
			delete(s.m, old)
			break
		}
	}
	s.m[k] = sharedRecord[T]{raw: bytes.Clone(raw), v: v}
	s.mu.Unlock()
	return v, nil
}

// len is how many records are kept (for tests).
func (s *sharedRecords[T]) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
