package contacts

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
)

// CompanyDocType is the name of company documents in the search index.
const CompanyDocType = "company"

// MaxLinkContacts caps how many contacts one request links to a company.
const MaxLinkContacts = 100

// CompanyView is a company as the API shows it; times are unix seconds.
type CompanyView struct {
	ID               uint64         `json:"id"`
	Name             string         `json:"name"`
	Domain           string         `json:"domain"`
	Description      string         `json:"description"`
	AvatarURL        string         `json:"avatar_url"`
	CustomAttributes map[string]any `json:"custom_attributes"`
	ContactsCount    int            `json:"contacts_count"`
	CreatedAt        int64          `json:"created_at"`
	UpdatedAt        int64          `json:"updated_at"`
}

// CompanyList is one page of companies with Chatwoot's meta.
type CompanyList struct {
	Meta    ContactListMeta `json:"meta"`
	Payload []CompanyView   `json:"payload"`
}

// CompanyInput holds the editable fields of a company; nil leaves a field alone. Custom
// attributes merge into what the company has: a null value removes a key.
type CompanyInput struct {
	Name             *string        `json:"name,omitempty"`
	Domain           *string        `json:"domain,omitempty"`
	Description      *string        `json:"description,omitempty"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
}

// companyView shapes c for actor; under owner privacy its contact count is of the contacts the
// actor may see, as the company's contact list shows them.
func companyView(tx *storage.Tx, actor access.Actor, c *Company) (CompanyView, error) {
	scope, err := ScopeOf(tx, actor)
	if err != nil {
		return CompanyView{}, err
	}
	q := storage.Query{Index: "company", Prefix: storage.Uint(c.ID)}
	var n int
	if scope.All() {
		n, err = Contacts.Count(tx, c.AccountID, q)
	} else {
		err = Contacts.Each(tx, c.AccountID, q, func(ct *Contact) bool {
			if scope.Sees(ct.OwnerID) {
				n++
			}
			return true
		})
	}
	v := CompanyView{ID: c.ID, Name: c.Name, Domain: c.Domain, Description: c.Description,
		CustomAttributes: c.CustomAttributes, ContactsCount: n, CreatedAt: c.CreatedAt.Unix(), UpdatedAt: c.UpdatedAt.Unix()}
	if v.CustomAttributes == nil {
		v.CustomAttributes = map[string]any{}
	}
	return v, err
}

func emitCompany(tx *storage.Tx, typ string, c *Company, actor uint64) error {
	return tx.EmitData(storage.Event{Account: c.AccountID, Type: typ, Entity: Companies.Name(), ID: c.ID, Actor: actor}, c)
}

// NormalizeDomain reduces what people paste ("https://www.Acme.com.br/contato", "acme.com:443")
// to the host name that identifies a company ("acme.com.br"). ok is false when what remains is
// not a host name with a dot; "" is ok and stays "".
func NormalizeDomain(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", true
	}
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	s, _, _ = strings.Cut(s, ":")
	s = strings.TrimSuffix(s, ".")
	s = strings.TrimPrefix(s, "www.")
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return "", false
			}
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "abcdefghijklmnopqrstuvwxyz") != "" && !strings.HasPrefix(tld, "xn--") {
		return "", false
	}
	return s, true
}

// applyCompany validates in onto c, collecting every problem at once.
func applyCompany(tx *storage.Tx, c *Company, in CompanyInput) error {
	var fe apperr.Fields
	if in.Name != nil {
		switch n := strings.TrimSpace(*in.Name); {
		case n == "":
			fe.Add("name", "cannot be empty")
		case len(n) > maxText:
			fe.Add("name", fmt.Sprintf("must be at most %d characters", maxText))
		default:
			c.Name = n
		}
	}
	if in.Domain != nil {
		if d, ok := NormalizeDomain(*in.Domain); ok {
			c.Domain = d
		} else {
			fe.Add("domain", "is not a domain name such as acme.com")
		}
	}
	if in.Description != nil {
		if d := strings.TrimSpace(*in.Description); len(d) > 5000 {
			fe.Add("description", "must be at most 5000 characters")
		} else {
			c.Description = d
		}
	}
	if len(in.CustomAttributes) > 0 {
		vals, afe := ValidateAttributes(tx, c.AccountID, ModelCompany, in.CustomAttributes)
		for k, m := range afe {
			fe.Add(k, m)
		}
		for k, v := range vals {
			if strings.TrimSpace(k) == "" || len(k) > 64 {
				fe.Add("custom_attributes", "has a key that is empty or longer than 64 characters")
				break
			}
			if c.CustomAttributes == nil {
				c.CustomAttributes = map[string]any{}
			}
			if v == nil {
				delete(c.CustomAttributes, k)
			} else {
				c.CustomAttributes[k] = v
			}
		}
	}
	if c.Name == "" {
		fe.Add("name", "is required")
	}
	return fe.Err()
}

// putCompany writes c, turning a domain clash into a Conflict that names the company holding it.
func putCompany(tx *storage.Tx, c *Company) error {
	if c.Domain != "" {
		if other, err := Companies.GetBy(tx, c.AccountID, "domain", storage.Str(c.Domain)); err == nil && other.ID != c.ID {
			return &apperr.Error{Kind: apperr.Conflict, Message: fmt.Sprintf("%s (#%d) already has the domain %s", other.Name, other.ID, c.Domain),
				Fields: map[string]string{"domain": fmt.Sprintf("is already used by %s (#%d)", other.Name, other.ID)}}
		}
	}
	return Companies.Put(tx, c)
}

// CreateCompany adds a company.
func (s *Service) CreateCompany(ctx context.Context, actor access.Actor, in CompanyInput) (*CompanyView, error) {
	if err := actor.Require(CompaniesModule, access.Manage); err != nil {
		return nil, err
	}
	var out CompanyView
	err := s.db.Update(func(tx *storage.Tx) error {
		now := time.Now().UTC()
		c := &Company{AccountID: actor.AccountID, CreatedAt: now, UpdatedAt: now}
		if err := applyCompany(tx, c, in); err != nil {
			return err
		}
		if err := putCompany(tx, c); err != nil {
			return err
		}
		var err error
		if out, err = companyView(tx, actor, c); err != nil {
			return err
		}
		return emitCompany(tx, EventCompanyCreated, c, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetCompany returns one company of the actor's account.
func (s *Service) GetCompany(ctx context.Context, actor access.Actor, id uint64) (*CompanyView, error) {
	if err := actor.Require(CompaniesModule, access.View); err != nil {
		return nil, err
	}
	var out CompanyView
	err := s.db.View(func(tx *storage.Tx) error {
		c, err := Companies.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		out, err = companyView(tx, actor, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateCompany changes a company; a new name is copied to its contacts' company_name in the
// same transaction, so lists and exports never show the old one.
func (s *Service) UpdateCompany(ctx context.Context, actor access.Actor, id uint64, in CompanyInput) (*CompanyView, error) {
	if err := actor.Require(CompaniesModule, access.Manage); err != nil {
		return nil, err
	}
	var out CompanyView
	err := s.db.Update(func(tx *storage.Tx) error {
		c, err := Companies.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		oldName := c.Name
		if err := applyCompany(tx, c, in); err != nil {
			return err
		}
		c.UpdatedAt = time.Now().UTC()
		if err := putCompany(tx, c); err != nil {
			return err
		}
		if c.Name != oldName {
			err := eachCompanyContact(tx, c.AccountID, c.ID, func(ct *Contact) error {
				ct.Company, ct.UpdatedAt = c.Name, c.UpdatedAt
				return putContact(tx, ct, actor.UserID)
			})
			if err != nil {
				return err
			}
		}
		if out, err = companyView(tx, actor, c); err != nil {
			return err
		}
		return emitCompany(tx, EventCompanyUpdated, c, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// eachCompanyContact calls fn for every contact linked to a company. It collects the ids
// first: fn rewrites the index being walked.
func eachCompanyContact(tx *storage.Tx, account, company uint64, fn func(c *Contact) error) error {
	ids, err := Contacts.IDs(tx, account, storage.Query{Index: "company", Prefix: storage.Uint(company)})
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := Contacts.Get(tx, account, id)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

func putContact(tx *storage.Tx, c *Contact, actor uint64) error {
	if err := Contacts.Put(tx, c); err != nil {
		return err
	}
	return emit(tx, EventContactUpdated, c, actor)
}

// DeleteCompany removes a company. Its contacts stay, unlinked, keeping the company name as
// text (it still says where they work).
func (s *Service) DeleteCompany(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(CompaniesModule, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		c, err := Companies.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		err = eachCompanyContact(tx, c.AccountID, c.ID, func(ct *Contact) error {
			ct.CompanyID, ct.UpdatedAt = 0, now
			return putContact(tx, ct, actor.UserID)
		})
		if err != nil {
			return err
		}
		for _, l := range s.linkers {
			if cl, ok := l.(CompanyLinker); ok {
				if err := cl.DeleteCompany(tx, c.AccountID, c.ID, actor); err != nil {
					return err
				}
			}
		}
		if err := Companies.Delete(tx, c.AccountID, c.ID); err != nil {
			return err
		}
		return emitCompany(tx, EventCompanyDeleted, c, actor.UserID)
	})
}

// companySorts are the orders of the company list.
var companySorts = map[string]storage.Query{
	"name":        {Index: "name"},
	"-name":       {Index: "name", Reverse: true},
	"created_at":  {},
	"-created_at": {Reverse: true},
}

// ListCompanies returns one page (1-based, PerPage) of the account's companies; with q it
// searches by keyword instead (best match first).
func (s *Service) ListCompanies(ctx context.Context, actor access.Actor, page int, sortBy, q string) (*CompanyList, error) {
	if strings.TrimSpace(q) != "" {
		return s.SearchCompanies(ctx, actor, q, page)
	}
	if err := actor.Require(CompaniesModule, access.View); err != nil {
		return nil, err
	}
	if sortBy == "" {
		sortBy = "name"
	}
	query, ok := companySorts[sortBy]
	if !ok {
		return nil, apperr.Field("sort", "must be name, -name, created_at or -created_at")
	}
	page = max(page, 1)
	out := &CompanyList{Meta: ContactListMeta{CurrentPage: page}, Payload: []CompanyView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		out.Meta.Count = Companies.Len(tx, actor.AccountID)
		skip := (page - 1) * PerPage
		var ferr error
		err := Companies.Each(tx, actor.AccountID, query, func(c *Company) bool {
			if skip > 0 {
				skip--
				return true
			}
			v, err := companyView(tx, actor, c)
			if err != nil {
				ferr = err
				return false
			}
			out.Payload = append(out.Payload, v)
			return len(out.Payload) < PerPage
		})
		if err != nil {
			return err
		}
		return ferr
	})
	return out, err
}

// SearchCompanies finds companies by name, domain, description or attribute text.
func (s *Service) SearchCompanies(ctx context.Context, actor access.Actor, q string, page int) (*CompanyList, error) {
	if err := actor.Require(CompaniesModule, access.View); err != nil {
		return nil, err
	}
	if strings.TrimSpace(q) == "" {
		return s.ListCompanies(ctx, actor, page, "", "")
	}
	if s.ix == nil {
		return nil, apperr.Unavailablef("search is starting; try again in a moment")
	}
	page = max(page, 1)
	from := (page - 1) * PerPage
	if from > search.MaxFrom {
		return nil, apperr.Field("page", "is too far; narrow the search instead")
	}
	res, err := s.ix.Search(ctx, search.Query{Account: actor.AccountID, Types: []string{CompanyDocType}, Text: q, From: from, Size: PerPage})
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Fields["text"] != "" {
			return nil, apperr.Field("q", e.Fields["text"])
		}
		return nil, err
	}
	out := &CompanyList{Meta: ContactListMeta{Count: int(res.Total), CurrentPage: page}, Payload: []CompanyView{}}
	err = s.db.View(func(tx *storage.Tx) error {
		for _, h := range res.Hits {
			c, err := Companies.Get(tx, actor.AccountID, h.ID)
			if err != nil {
				continue // the index may lag a deletion by a moment
			}
			v, err := companyView(tx, actor, c)
			if err != nil {
				return err
			}
			out.Payload = append(out.Payload, v)
		}
		return nil
	})
	return out, err
}

// CompanyContacts returns one page of a company's contacts that the actor may see.
func (s *Service) CompanyContacts(ctx context.Context, actor access.Actor, id uint64, page int) (*ContactList, error) {
	if err := actor.Require(CompaniesModule, access.View); err != nil {
		return nil, err
	}
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	page = max(page, 1)
	out := &ContactList{Meta: ContactListMeta{CurrentPage: page}, Payload: []ContactView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		if !Companies.Exists(tx, actor.AccountID, id) {
			return apperr.NotFoundf("company %d not found", id)
		}
		scope, err := ScopeOf(tx, actor)
		if err != nil {
			return err
		}
		skip := (page - 1) * PerPage
		return Contacts.Each(tx, actor.AccountID, storage.Query{Index: "company", Prefix: storage.Uint(id)}, func(c *Contact) bool {
			if !scope.Sees(c.OwnerID) {
				return true
			}
			out.Meta.Count++
			if skip > 0 {
				skip--
			} else if len(out.Payload) < PerPage {
				out.Payload = append(out.Payload, ViewOf(c))
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LinkContacts links contacts to a company (moving them from another one): their company_id
// and company_name follow the company.
func (s *Service) LinkContacts(ctx context.Context, actor access.Actor, id uint64, contactIDs []uint64) (*CompanyView, error) {
	if err := actor.Require(CompaniesModule, access.Manage); err != nil {
		return nil, err
	}
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	switch {
	case len(contactIDs) == 0:
		return nil, apperr.Field("contact_ids", "must list at least one contact")
	case len(contactIDs) > MaxLinkContacts:
		return nil, apperr.Field("contact_ids", fmt.Sprintf("must list at most %d contacts", MaxLinkContacts))
	}
	var out CompanyView
	err := s.db.Update(func(tx *storage.Tx) error {
		co, err := Companies.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		scope, err := ScopeOf(tx, actor)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		for i, cid := range contactIDs {
			c, err := Contacts.Get(tx, actor.AccountID, cid)
			if err != nil || !scope.Sees(c.OwnerID) {
				return apperr.Field(fmt.Sprintf("contact_ids[%d]", i), fmt.Sprintf("contact %d not found", cid))
			}
			if c.CompanyID == co.ID && c.Company == co.Name {
				continue
			}
			c.CompanyID, c.Company, c.UpdatedAt = co.ID, co.Name, now
			if err := putContact(tx, c, actor.UserID); err != nil {
				return err
			}
		}
		out, err = companyView(tx, actor, co)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UnlinkContact takes a contact out of a company; its company_name is cleared too, since the
// user said this is not where the contact works.
func (s *Service) UnlinkContact(ctx context.Context, actor access.Actor, id, contactID uint64) error {
	if err := actor.Require(CompaniesModule, access.Manage); err != nil {
		return err
	}
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		if !Companies.Exists(tx, actor.AccountID, id) {
			return apperr.NotFoundf("company %d not found", id)
		}
		scope, err := ScopeOf(tx, actor)
		if err != nil {
			return err
		}
		c, err := Contacts.Get(tx, actor.AccountID, contactID)
		if err != nil || c.CompanyID != id || !scope.Sees(c.OwnerID) {
			return apperr.NotFoundf("contact %d is not linked to company %d", contactID, id)
		}
		c.CompanyID, c.Company, c.UpdatedAt = 0, "", time.Now().UTC()
		return putContact(tx, c, actor.UserID)
	})
}

// MergeCompanies folds mergee into the company id: contacts move over, blank fields of the kept
// company are filled from the mergee (the domain too), and the mergee is deleted.
func (s *Service) MergeCompanies(ctx context.Context, actor access.Actor, id, mergeeID uint64) (*CompanyView, error) {
	if err := actor.Require(CompaniesModule, access.Manage); err != nil {
		return nil, err
	}
	if mergeeID == id {
		return nil, apperr.Field("mergee_id", "must be another company")
	}
	var out CompanyView
	err := s.db.Update(func(tx *storage.Tx) error {
		base, err := Companies.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		m, err := Companies.Get(tx, actor.AccountID, mergeeID)
		if err != nil {
			return apperr.Field("mergee_id", fmt.Sprintf("company %d not found", mergeeID))
		}
		now := time.Now().UTC()
		err = eachCompanyContact(tx, m.AccountID, m.ID, func(c *Contact) error {
			c.CompanyID, c.Company, c.UpdatedAt = base.ID, base.Name, now
			return putContact(tx, c, actor.UserID)
		})
		if err != nil {
			return err
		}
		for _, l := range s.linkers {
			if cl, ok := l.(CompanyLinker); ok {
				if err := cl.MergeCompanies(tx, m.AccountID, m.ID, base.ID, actor); err != nil {
					return err
				}
			}
		}
		// The mergee goes first so its domain is free for the kept company.
		if err := Companies.Delete(tx, m.AccountID, m.ID); err != nil {
			return err
		}
		if err := emitCompany(tx, EventCompanyDeleted, m, actor.UserID); err != nil {
			return err
		}
		if base.Domain == "" {
			base.Domain = m.Domain
		}
		if base.Description == "" {
			base.Description = m.Description
		}
		if base.AvatarHash == "" {
			base.AvatarHash = m.AvatarHash
		}
		keys := make([]string, 0, len(m.CustomAttributes))
		for k := range m.CustomAttributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, has := base.CustomAttributes[k]; !has {
				if base.CustomAttributes == nil {
					base.CustomAttributes = map[string]any{}
				}
				base.CustomAttributes[k] = m.CustomAttributes[k]
			}
		}
		base.UpdatedAt = now
		if err := putCompany(tx, base); err != nil {
			return err
		}
		if out, err = companyView(tx, actor, base); err != nil {
			return err
		}
		return emitCompany(tx, EventCompanyUpdated, base, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CompanySearchTypes are the company documents of the search index: name, domain,
// description and the text of custom attributes.
func CompanySearchTypes() []search.DocType {
	doc := func(_ *storage.Tx, c *Company) (map[string]any, bool) {
		return map[string]any{"name": c.Name, "domain": c.Domain, "description": c.Description, "attributes": AttributeText(c.CustomAttributes)}, true
	}
	return []search.DocType{search.CollectionType(CompanyDocType, Companies, func(c *Company) uint64 { return c.ID }, doc,
		search.Field{Name: "name", Kind: search.Text},
		search.Field{Name: "domain", Kind: search.Text},
		search.Field{Name: "description", Kind: search.Text},
		search.Field{Name: "attributes", Kind: search.Text},
	)}
}
