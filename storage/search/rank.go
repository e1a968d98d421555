package search

import (
	"container/heap"
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// rank runs q and returns how many documents match and the best from+size of them, best first:
// by score, ties broken by document id, which is what a Bleve request sorted by "-_score", "_id"
// returns.
//
// Bleve's collector reads the id of every match before it compares it when the order involves
// the id, and that read was three quarters of a common word's search (48,000 matches: 22 ms,
// 5.5 ms without it). Here a match's id is read only when its score ties with a document it is
// compared with, so a match that scores below every kept document costs a comparison.
//
// The tie-break is what keeps pages from overlapping: a merge of segments renumbers documents,
// so Bleve's own tie-break (the document number) can change between two page requests.
func (ix *Index) rank(ctx context.Context, q query.Query, from, size int) (total uint64, hits []*search.DocumentMatch, err error) {
	adv, err := ix.idx.Advanced()
	if err != nil {
		return 0, nil, fmt.Errorf("search: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return 0, nil, fmt.Errorf("search: open reader: %w", err)
	}
	defer func() {
		if cerr := r.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("search: close reader: %w", cerr)
		}
	}()
	s, err := q.Searcher(ctx, r, ix.mapping, search.SearcherOptions{})
	if err != nil {
		return 0, nil, fmt.Errorf("search: %w", err)
	}
	defer func() {
		if cerr := s.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("search: %w", cerr)
		}
	}()
	keep := from + size
	sctx := &search.SearchContext{
		DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize()+keep+1, 0),
		IndexReader:       r,
	}
	kept := &worstFirst{r: r, hits: make([]*search.DocumentMatch, 0, keep)}
	for {
		// As often as Bleve's collector looks: a cancelled search stops within a moment.
		if total%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, nil, err
			}
		}
		d, err := s.Next(sctx)
		if err != nil {
			return 0, nil, fmt.Errorf("search: %w", err)
		}
		if d == nil {
			break
		}
		total++
		switch {
		case len(kept.hits) < keep:
			heap.Push(kept, d)
		case kept.after(d, kept.hits[0]):
			sctx.DocumentMatchPool.Put(d)
		default:
			worst := kept.hits[0]
			kept.hits[0] = d
			heap.Fix(kept, 0)
			sctx.DocumentMatchPool.Put(worst)
		}
		if kept.err != nil {
			return 0, nil, kept.err
		}
	}
	// Pop gives the worst first: fill the page from its end.
	hits = make([]*search.DocumentMatch, len(kept.hits))
	for i := len(hits) - 1; i >= 0; i-- {
		hits[i] = heap.Pop(kept).(*search.DocumentMatch)
	}
	if kept.err != nil {
		return 0, nil, kept.err
	}
	for _, d := range hits {
		if kept.id(d); kept.err != nil {
			return 0, nil, kept.err
		}
	}
	if from >= len(hits) {
		return total, nil, nil
	}
	return total, hits[from:], nil
}

// worstFirst is a heap of the matches kept so far with the one that ranks last on top.
type worstFirst struct {
	r    index.IndexReader
	hits []*search.DocumentMatch
	err  error // the first failure to read an id
}

// after reports whether a ranks after b: a lower score, or the same score and a greater id.
func (h *worstFirst) after(a, b *search.DocumentMatch) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return h.id(a) > h.id(b)
}

// id reads d's document id once.
func (h *worstFirst) id(d *search.DocumentMatch) string {
	if d.ID == "" && h.err == nil {
		id, err := h.r.ExternalID(d.IndexInternalID)
		if err != nil {
			h.err = fmt.Errorf("search: read document id: %w", err)
		}
		d.ID = id
	}
	return d.ID
}

func (h *worstFirst) Len() int           { return len(h.hits) }
func (h *worstFirst) Less(i, j int) bool { return h.after(h.hits[i], h.hits[j]) }
func (h *worstFirst) Swap(i, j int)      { h.hits[i], h.hits[j] = h.hits[j], h.hits[i] }
func (h *worstFirst) Push(x any)         { h.hits = append(h.hits, x.(*search.DocumentMatch)) }
func (h *worstFirst) Pop() any {
	last := h.hits[len(h.hits)-1]
	h.hits = h.hits[:len(h.hits)-1]
	return last
}
