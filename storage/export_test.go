package storage

// QueuedBatchCalls is how many Batch calls wait for the next group commit (tests only).
func (db *DB) QueuedBatchCalls() (queued int, committing bool) {
	db.batchMu.Lock()
	defer db.batchMu.Unlock()
	return len(db.batchQ), db.batching
}

// SharedLen is how many decoded records View keeps for the collection (tests only).
func (c *Collection[T]) SharedLen() int {
	if c.shared == nil {
		return 0
	}
	return c.shared.len()
}
