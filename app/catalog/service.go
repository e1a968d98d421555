package catalog

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// PerPage is the size of a page of the product list.
const PerPage = 25

// Service holds the rules of the catalog.
type Service struct {
	db *storage.DB
}

// New builds the service.
func New(db *storage.DB) *Service { return &Service{db: db} }

// ProductView is a product as the API shows it (times in unix seconds).
type ProductView struct {
	ID          uint64 `json:"id"`
	Name        string `json:"name"`
	SKU         string `json:"sku"`
	Description string `json:"description"`
	PriceCents  int64  `json:"price_cents"`
	Currency    string `json:"currency"`
	Active      bool   `json:"active"`
	CreatedAt   int64  `json:"created_at"`
	UpdatedAt   int64  `json:"updated_at"`
}

// ViewOf shapes p for the API.
func ViewOf(p *Product) ProductView {
	return ProductView{ID: p.ID, Name: p.Name, SKU: p.SKU, Description: p.Description, PriceCents: p.PriceCents,
		Currency: p.Currency, Active: p.Active, CreatedAt: p.CreatedAt.Unix(), UpdatedAt: p.UpdatedAt.Unix()}
}

// ProductListMeta counts the matches of a listing and says which page this is (1-based).
type ProductListMeta struct {
	Count       int `json:"count"`
	CurrentPage int `json:"current_page"`
}

// ProductList is one page of products, in the Chatwoot list shape.
type ProductList struct {
	Meta    ProductListMeta `json:"meta"`
	Payload []ProductView   `json:"payload"`
}

// ProductInput holds the editable fields of a product; nil leaves a field alone (on create,
// nil takes the default: the account's currency, active).
type ProductInput struct {
	Name        *string `json:"name,omitempty"`
	SKU         *string `json:"sku,omitempty"`
	Description *string `json:"description,omitempty"`
	PriceCents  *int64  `json:"price_cents,omitempty"`
	Currency    *string `json:"currency,omitempty"`
	Active      *bool   `json:"active,omitempty"`
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// NormalizeCurrency upper-cases a currency code and checks it looks like ISO 4217; the CRM
// uses it for deals and orders so one rule holds everywhere money is typed in.
func NormalizeCurrency(s string) (string, bool) {
	c := strings.ToUpper(strings.TrimSpace(s))
	return c, currencyRE.MatchString(c)
}

// MaxPriceCents bounds a price as the CRM bounds every amount, far from int64's edge.
const MaxPriceCents int64 = 1e16

func (in ProductInput) apply(p *Product) error {
	var fe apperr.Fields
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	if n := utf8.RuneCountInString(p.Name); n == 0 || n > 200 {
		fe.Add("name", "must have 1 to 200 characters")
	}
	if in.SKU != nil {
		p.SKU = strings.TrimSpace(*in.SKU)
		if utf8.RuneCountInString(p.SKU) > 100 {
			fe.Add("sku", "must have at most 100 characters")
		}
	}
	if in.Description != nil {
		p.Description = strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(p.Description) > 5000 {
			fe.Add("description", "must have at most 5000 characters")
		}
	}
	if in.PriceCents != nil {
		p.PriceCents = *in.PriceCents
	}
	if p.PriceCents < 0 || p.PriceCents > MaxPriceCents {
		fe.Add("price_cents", "must be between 0 and 10000000000000000")
	}
	if in.Currency != nil {
		c, ok := NormalizeCurrency(*in.Currency)
		if !ok {
			fe.Add("currency", "must be a three-letter ISO 4217 code such as BRL")
		}
		p.Currency = c
	}
	if in.Active != nil {
		p.Active = *in.Active
	}
	return fe.Err()
}

func emit(tx *storage.Tx, typ string, p *Product, actor uint64) error {
	return tx.EmitData(storage.Event{Account: p.AccountID, Type: typ, Entity: Products.Name(), ID: p.ID, Actor: actor}, p)
}

// List returns one page of the account's products ordered by name. q keeps those whose name
// or SKU contains it (case-insensitively); active, when set, keeps only active or archived
// ones. A catalog is small enough to filter while walking the name index.
func (s *Service) List(ctx context.Context, actor access.Actor, q string, active *bool, page int) (*ProductList, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	page = max(page, 1)
	q = storage.Fold(q)
	out := &ProductList{Meta: ProductListMeta{CurrentPage: page}, Payload: []ProductView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		skip := (page - 1) * PerPage
		return Products.Each(tx, actor.AccountID, storage.Query{Index: "name"}, func(p *Product) bool {
			if active != nil && p.Active != *active {
				return true
			}
			if q != "" && !strings.Contains(storage.Fold(p.Name), q) && !strings.Contains(storage.Fold(p.SKU), q) {
				return true
			}
			out.Meta.Count++
			if skip > 0 {
				skip--
			} else if len(out.Payload) < PerPage {
				out.Payload = append(out.Payload, ViewOf(p))
			}
			return true
		})
	})
	return out, err
}

// Get returns one product of the actor's account.
func (s *Service) Get(ctx context.Context, actor access.Actor, id uint64) (*ProductView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out ProductView
	err := s.db.View(func(tx *storage.Tx) error {
		p, err := Products.Get(tx, actor.AccountID, id)
		if err == nil {
			out = ViewOf(p)
		}
		return err
	})
	return &out, err
}

// Create adds a product. The SKU is unique case-insensitively (Conflict on "sku"); the
// currency defaults to the account's.
func (s *Service) Create(ctx context.Context, actor access.Actor, in ProductInput) (*ProductView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	p := &Product{AccountID: actor.AccountID, Active: true, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(p); err != nil {
		return nil, err
	}
	var out ProductView
	err := s.db.Update(func(tx *storage.Tx) error {
		if p.Currency == "" {
			a, err := accounts.Accounts.Get(tx, 0, actor.AccountID)
			if err != nil {
				return err
			}
			p.Currency = a.Currency
		}
		if err := Products.Put(tx, p); err != nil {
			return err
		}
		out = ViewOf(p)
		return emit(tx, EventProductCreated, p, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Update changes a product. Line items already built keep their copy of the old name and
// price.
func (s *Service) Update(ctx context.Context, actor access.Actor, id uint64, in ProductInput) (*ProductView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out ProductView
	err := s.db.Update(func(tx *storage.Tx) error {
		p, err := Products.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := in.apply(p); err != nil {
			return err
		}
		p.UpdatedAt = time.Now().UTC()
		if err := Products.Put(tx, p); err != nil {
			return err
		}
		out = ViewOf(p)
		return emit(tx, EventProductUpdated, p, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete removes a product. Deals that used it keep their line items (they are snapshots).
func (s *Service) Delete(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		p, err := Products.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := Products.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emit(tx, EventProductDeleted, p, actor.UserID)
	})
}

// Snapshot loads a product for a deal's line item inside the caller's transaction: the item
// copies its name and price, so later catalog edits never change the deal. A missing product
// (or one of another account) and an archived one are field errors on "product_id".
func (s *Service) Snapshot(tx *storage.Tx, account, productID uint64) (*Product, error) {
	p, err := Products.Get(tx, account, productID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.Field("product_id", "is not a product of this catalog")
	}
	if err != nil {
		return nil, err
	}
	if !p.Active {
		return nil, apperr.Field("product_id", "is archived")
	}
	return p, nil
}
