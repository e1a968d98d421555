package search_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyhq/parley/storage/search"
)

var words = []string{"pedido", "entrega", "pagamento", "boleto", "cliente", "atraso", "reembolso",
	"produto", "troca", "garantia", "nota", "fiscal", "endereço", "frete", "cupom", "desconto"}

func benchNote(i int) *note {
	w := func(k int) string { return words[(i*7+k*3)%len(words)] }
	return &note{Account: 1 + uint64(i%4), Tag: words[i%len(words)], Rank: i,
		Title: fmt.Sprintf("%s %s %d", w(0), w(1), i),
		Body:  fmt.Sprintf("o %s do %s chegou com %s e %s, cliente pede %s", w(2), w(3), w(4), w(5), w(6))}
}

// BenchmarkIndexBatch measures the indexer: Apply over batches of 1000 changed records.
func BenchmarkIndexBatch(b *testing.B) {
	db := openStore(b, b.TempDir())
	ix := openIndex(b, db, noteFields())
	b.ResetTimer()
	docs := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := make([]*note, 1000)
		for j := range batch {
			batch[j] = benchNote(docs + j)
		}
		put(b, db, batch...)
		b.StartTimer()
		drain(b, db, ix)
		docs += len(batch)
	}
	b.ReportMetric(float64(docs)/b.Elapsed().Seconds(), "docs/s")
}

func searchFixture(b *testing.B, n int) *search.Index {
	db := openStore(b, b.TempDir())
	ix := openIndex(b, db, noteFields())
	for i := 0; i < n; i += 1000 {
		batch := make([]*note, 1000)
		for j := range batch {
			batch[j] = benchNote(i + j)
		}
		put(b, db, batch...)
	}
	if err := ix.Rebuild(context.Background()); err != nil {
		b.Fatal(err)
	}
	return ix
}

// BenchmarkSearchTerm looks up a rare term (a few hits) in one account of a 20k-document index.
func BenchmarkSearchTerm(b *testing.B) {
	ix := searchFixture(b, 20000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ix.Search(ctx, search.Query{Account: 3, Text: "1234 "})
		if err != nil || res.Total != 1 {
			b.Fatal(res.Total, err)
		}
	}
}

// BenchmarkSearchCommonWord searches a word that about half of the account's 5k documents hold,
// with highlights: the worst case of a one-word search.
func BenchmarkSearchCommonWord(b *testing.B) {
	ix := searchFixture(b, 20000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ix.Search(ctx, search.Query{Account: 2, Text: "reembolso", Highlight: true})
		if err != nil || res.Total < 1000 {
			b.Fatal(res.Total, err)
		}
	}
}

// BenchmarkSearchSortByNumber is the common-word search ordered by a number field.
func BenchmarkSearchSortByNumber(b *testing.B) {
	ix := searchFixture(b, 20000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ix.Search(ctx, search.Query{Account: 2, Text: "reembolso", Sort: "-rank"})
		if err != nil || res.Total == 0 {
			b.Fatal(res.Total, err)
		}
	}
}
