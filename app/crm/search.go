package crm

import (
	"context"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
)

// DealDocType is the name of deal documents in the search index.
const DealDocType = "deal"

// maxSearchHits caps how many matches a keyword filter considers on the board and the list.
const maxSearchHits = 1000

func dealDoc(tx *storage.Tx, d *Deal) map[string]any {
	doc := map[string]any{"title": d.Title, "reason": d.CloseReason}
	if d.ContactID != 0 {
		if c, err := contacts.Contacts.Get(tx, d.AccountID, d.ContactID); err == nil {
			doc["contact"] = c.Name
		}
	}
	if d.CompanyID != 0 {
		if c, err := contacts.Companies.Get(tx, d.AccountID, d.CompanyID); err == nil {
			doc["company"] = c.Name
		}
	}
	doc["attributes"] = contacts.AttributeText(d.CustomAttributes)
	return doc
}

// searchTypes are the CRM's documents: deals by title, contact, company, close reason and
// custom attribute text. A deal is re-indexed when it changes (its contact's or company's
// later rename reaches the index with the deal's next change or a rebuild).
func searchTypes() []search.DocType {
	doc := func(tx *storage.Tx, d *Deal) (map[string]any, bool) { return dealDoc(tx, d), true }
	return []search.DocType{search.CollectionType(DealDocType, Deals, func(d *Deal) uint64 { return d.ID }, doc,
		search.Field{Name: "title", Kind: search.Text},
		search.Field{Name: "contact", Kind: search.Text},
		search.Field{Name: "company", Kind: search.Text},
		search.Field{Name: "reason", Kind: search.Text},
		search.Field{Name: "attributes", Kind: search.Text},
	)}
}

// searchDeals returns the ids of the account's deals matching q, best first (at most
// maxSearchHits); the caller applies visibility and the other filters.
func (s *Service) searchDeals(ctx context.Context, account uint64, q string) ([]uint64, error) {
	if s.ix == nil {
		return nil, apperr.Unavailablef("search is starting; try again in a moment")
	}
	ids := []uint64{}
	for from := 0; from < maxSearchHits && from <= search.MaxFrom; from += 100 {
		res, err := s.ix.Search(ctx, search.Query{Account: account, Types: []string{DealDocType}, Text: q, From: from, Size: 100})
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Fields["text"] != "" {
				return nil, apperr.Field("q", e.Fields["text"])
			}
			return nil, err
		}
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		if len(res.Hits) < 100 {
			break
		}
	}
	return ids, nil
}
