package storage

// QueuedBatchCalls is how many Batch calls wait for the next group commit (tests only).
func (db *DB) QueuedBatchCalls() (queued int, committing bool) {
	db.batchMu.Lock()
	defer db.batchMu.Unlock()
	return len(db.batchQ), db.batching
}
