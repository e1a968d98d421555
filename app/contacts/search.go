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
// "5511 98" both find +5511987654321 through its digits). The leading parts of names, emails
// and phone digits are indexed too: a prefix of a few letters or digits would otherwise expand
// into every word it begins. No field is stored in the index: hits are hydrated from bbolt and
// contacts get no highlights, so a stored copy would only be rewritten by every merge.
func SearchTypes() []search.DocType {
	doc := func(_ *storage.Tx, c *Contact) (map[string]any, bool) { return contactDoc(c), true }
	return []search.DocType{search.CollectionType(DocType, Contacts, func(c *Contact) uint64 { return c.ID }, doc,
		search.Field{Name: "name", Kind: search.Text, Prefixes: true},
		search.Field{Name: "email", Kind: search.Text, Prefixes: true},
		search.Field{Name: "phone", Kind: search.Text, Prefixes: true},
		search.Field{Name: "identifier", Kind: search.Text},
		search.Field{Name: "company", Kind: search.Text},
		search.Field{Name: "tags", Kind: search.Text},
		search.Field{Name: "attributes", Kind: search.Text},
	)}
}

func contactDoc(c *Contact) map[string]any {
	return map[string]any{
		"name": c.Name, "email": c.Email, "phone": strings.TrimPrefix(c.Phone, "+"),
		"identifier": c.Identifier, "company": c.Company,
		"tags": strings.Join(c.Tags, " "), "attributes": AttributeText(c.CustomAttributes),
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

// Search finds contacts by keyword (name, email, phone, identifier, company, tags, attribute
// values), best match first, one page (1-based, PerPage) at a time. An empty q lists contacts
// as List does. Under owner privacy the hits are filtered, so the count is of the first
// search.MaxFrom hits only.
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
	var scope Scope
	if err := s.db.View(func(tx *storage.Tx) (err error) { scope, err = ScopeOf(tx, actor); return err }); err != nil {
		return nil, err
	}
	out := &ContactList{Meta: ContactListMeta{CurrentPage: page}, Payload: []ContactView{}}
	if scope.All() {
		res, err := s.searchPage(ctx, actor.AccountID, q, from, PerPage)
		if err != nil {
			return nil, err
		}
		out.Meta.Count = int(res.Total)
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
	// Owner privacy: the index does not know owners, so hits are read in batches and the
	// hidden ones skipped.
	const batch = 100
	skip := from
	for at := 0; at <= search.MaxFrom; at += batch {
		res, err := s.searchPage(ctx, actor.AccountID, q, at, batch)
		if err != nil {
			return nil, err
		}
		err = s.db.View(func(tx *storage.Tx) error {
			for _, h := range res.Hits {
				c, err := Contacts.Get(tx, actor.AccountID, h.ID)
				if err != nil || !scope.Sees(c.OwnerID) {
					continue
				}
				out.Meta.Count++
				if skip > 0 {
					skip--
				} else if len(out.Payload) < PerPage {
					out.Payload = append(out.Payload, ViewOf(c))
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if at+batch >= int(res.Total) {
			break
		}
	}
	return out, nil
}

// searchPage runs one query of the contact documents.
func (s *Service) searchPage(ctx context.Context, account uint64, q string, from, size int) (search.Result, error) {
	res, err := s.ix.Search(ctx, search.Query{Account: account, Types: []string{DocType}, Text: searchText(q), From: from, Size: size})
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Fields["text"] != "" {
			return res, apperr.Field("q", e.Fields["text"])
		}
		return res, err
	}
	return res, nil
}
