package search

import (
	"errors"

	"github.com/blevesearch/bleve/v2/index/scorch"
	zap "github.com/blevesearch/zapx/v16"
	"github.com/parleyhq/parley/storage"
)

// ReleaseMapped hands the pages of the index's segment files that searches and merges have
// read back to the kernel, as storage.DB.ReleaseMapped does for the store: they stay in the
// kernel's cache of the files, out of the process's resident memory.
func (ix *Index) ReleaseMapped() error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return nil
	}
	adv, err := ix.idx.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	// The snapshot holds a reference to each of its segments, so none is closed and unmapped
	// (and its addresses reused) while its pages are released.
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil
	}
	var errs []error
	for _, s := range snap.Segments() {
		// Only a segment opened from a file is mapped; one still in memory is heap, which a
		// release would zero.
		if seg, ok := s.Segment().(*zap.Segment); ok {
			errs = append(errs, storage.ReleaseMapping(seg.Data()))
		}
	}
	return errors.Join(errs...)
}
