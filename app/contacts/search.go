package contacts

import (
	"context"
	"strings"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
)

// DocType is the name of contact documents in the search index.
const DocType = "contact"

// SearchTypes are the contact documents of the search index: name, email, phone digits,
// identifier and company as text, so the last word typed matches as a prefix ("+55 11 98" or
// "5511 98" both find +5511987654321 through its digits).
func SearchTypes() []search.DocType {
	return []search.DocType{{
		Name:   DocType,
		Entity: Contacts.Name(),
		Load: func(tx *storage.Tx, account, id uint64) (map[string]any, bool, error) {
			c, err := Contacts.Get(tx, account, id)
			if apperr.Is(err, apperr.NotFound) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			return contactDoc(c), true, nil
		},
		Each: func(tx *storage.Tx, fn func(account, id uint64, doc map[string]any) error) error {
			return Contacts.EachAccount(tx, func(account uint64, c *Contact) error {
				return fn(account, c.ID, contactDoc(c))
			})
		},
		Fields: []search.Field{
			{Name: "name", Kind: search.Text, Store: true},
			{Name: "email", Kind: search.Text},
			{Name: "phone", Kind: search.Text},
			{Name: "identifier", Kind: search.Text},
			{Name: "company", Kind: search.Text},
		},
	}}
}

func contactDoc(c *Contact) map[string]any {
	return map[string]any{
		"name": c.Name, "email": c.Email, "phone": strings.TrimPrefix(c.Phone, "+"),
		"identifier": c.Identifier, "company": c.Company,
	}
}

// searchText makes what the user typed match the indexed phone digits: a query that is a phone
// number written with separators ("+55 (11) 98") becomes its digits.
func searchText(q string) string {
	if p := phoneSeparators.Replace(strings.TrimSpace(q)); len(p) > 1 {
		digits := strings.TrimPrefix(p, "+")
		if digits != "" && strings.Trim(digits, "0123456789") == "" {
			return digits
		}
	}
	return q
}

// Search finds contacts by keyword (name, email, phone, identifier, company), best match
// first, one page (1-based, PerPage) at a time. An empty q lists contacts as List does.
func (s *Service) Search(ctx context.Context, actor access.Actor, q string, page int) (*ContactList, error) {
	if strings.TrimSpace(q) == "" {
		return s.List(ctx, actor, page, "")
	}
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	if s.ix == nil {
		return nil, apperr.Unavailablef("search is starting; try again in a moment")
	}
	page = max(page, 1)
	from := (page - 1) * PerPage
	if from > search.MaxFrom {
		return nil, apperr.Field("page", "is too far; narrow the search instead")
	}
	res, err := s.ix.Search(ctx, search.Query{Account: actor.AccountID, Types: []string{DocType}, Text: searchText(q), From: from, Size: PerPage})
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Fields["text"] != "" {
			return nil, apperr.Field("q", e.Fields["text"])
		}
		return nil, err
	}
	out := &ContactList{Meta: ContactListMeta{Count: int(res.Total), CurrentPage: page}, Payload: []ContactView{}}
	err = s.db.View(func(tx *storage.Tx) error {
		for _, h := range res.Hits {
			// The index may lag a deletion by a moment: skip what the store no longer has.
			if c, err := Contacts.Get(tx, actor.AccountID, h.ID); err == nil {
				out.Payload = append(out.Payload, ViewOf(c))
			}
		}
		return nil
	})
	return out, err
}
