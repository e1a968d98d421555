package search

import (
	"context"

	"github.com/blevesearch/bleve/v2"
)

// BleveOrder runs q through Bleve's own collector, sorted the way the request says (by score,
// ties by id), for tests to check that rank returns the same page.
func (ix *Index) BleveOrder(ctx context.Context, q Query) (ids []string, total uint64, err error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	req, err := ix.request(q, false)
	if err != nil {
		return nil, 0, err
	}
	var res *bleve.SearchResult
	if res, err = ix.idx.SearchInContext(ctx, req); err != nil {
		return nil, 0, err
	}
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids, res.Total, nil
}

// WordRuns is what a Phrases field's companion indexes for text: its word pairs and the
// triples around joining words (tests only).
func WordRuns(text string) []string {
	m, err := buildMapping(nil)
	if err != nil {
		panic(err)
	}
	var out []string
	for _, tok := range m.AnalyzerNamed(pairsAnalyzer).Analyze([]byte(text)) {
		out = append(out, string(tok.Term))
	}
	return out
}
