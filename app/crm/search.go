package crm

import (
	"context"
	"fmt"
	"sort"
	"strings"

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
	var attrs []string
	keys := make([]string, 0, len(d.CustomAttributes))
	for k := range d.CustomAttributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := d.CustomAttributes[k].(type) {
		case string:
			attrs = append(attrs, v)
		case float64, int64, int:
			attrs = append(attrs, fmt.Sprint(v))
		}
	}
	doc["attributes"] = strings.Join(attrs, " ")
	return doc
}

// searchTypes are the CRM's documents: deals by title, contact, company, close reason and
// custom attribute text. A deal is re-indexed when it changes (its contact's or company's
// later rename reaches the index with the deal's next change or a rebuild).
func searchTypes() []search.DocType {
	return []search.DocType{{
		Name:   DealDocType,
		Entity: Deals.Name(),
		Load: func(tx *storage.Tx, account, id uint64) (map[string]any, bool, error) {
			d, err := Deals.Get(tx, account, id)
			if apperr.Is(err, apperr.NotFound) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			return dealDoc(tx, d), true, nil
		},
		Each: func(tx *storage.Tx, fn func(account, id uint64, doc map[string]any) error) error {
			return Deals.EachAccount(tx, func(account uint64, d *Deal) error {
				return fn(account, d.ID, dealDoc(tx, d))
			})
		},
		Fields: []search.Field{
			{Name: "title", Kind: search.Text, Store: true},
			{Name: "contact", Kind: search.Text},
			{Name: "company", Kind: search.Text},
			{Name: "reason", Kind: search.Text},
			{Name: "attributes", Kind: search.Text},
		},
	}}
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
