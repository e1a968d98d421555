package crm

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/storage"
)

// Limits of line items. maxMoney keeps every sum of a deal far from int64's edge.
const (
	MaxLineItems       = 200
	maxMoney     int64 = 1e16
	maxQuantity        = 1e9
)

// LineItemInput is the line item form. Quantity and discount are decimals: quantity to 3
// places, a percent discount to 2; a fixed discount is cents.
type LineItemInput struct {
	ProductID      uint64   `json:"product_id,omitempty"`
	Name           *string  `json:"name,omitempty"`
	Quantity       *float64 `json:"quantity,omitempty"`
	UnitPriceCents *int64   `json:"unit_price_cents,omitempty"`
	DiscountType   *string  `json:"discount_type,omitempty" enum:"none,fixed,percent"`
	DiscountValue  *float64 `json:"discount_value,omitempty"`
	Currency       *string  `json:"currency,omitempty"`
}

// LineItemView is a line item as the API shows it, with its computed amounts.
type LineItemView struct {
	ID             uint64  `json:"id"`
	ProductID      uint64  `json:"product_id"`
	Name           string  `json:"name"`
	SKU            string  `json:"sku"`
	Quantity       float64 `json:"quantity"`
	UnitPriceCents int64   `json:"unit_price_cents"`
	DiscountType   string  `json:"discount_type"`
	DiscountValue  float64 `json:"discount_value"`
	SubtotalCents  int64   `json:"subtotal_cents"`
	DiscountCents  int64   `json:"discount_cents"`
	TotalCents     int64   `json:"total_cents"`
	Position       int     `json:"position"`
}

// Amounts are a line's subtotal, discount and total in cents.
type Amounts struct {
	Subtotal, Discount, Total int64
}

// roundDiv is n/d rounded half away from zero, in big integers (no overflow on the way).
func roundDiv(n *big.Int, d int64) *big.Int {
	q, r := new(big.Int), new(big.Int)
	q.QuoRem(n, big.NewInt(d), r)
	if r.Sign() != 0 && new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(big.NewInt(d)) >= 0 {
		q.Add(q, big.NewInt(int64(n.Sign())))
	}
	return q
}

// Compute works out a line: subtotal = quantity × unit price rounded half away from zero;
// discount = the fixed cents, or subtotal × percent rounded the same way; total = subtotal −
// discount, never below zero. ok is false when an amount is too large to keep.
func (l *LineItem) Compute() (a Amounts, ok bool) {
	sub := roundDiv(new(big.Int).Mul(big.NewInt(l.QuantityMilli), big.NewInt(l.UnitPriceCents)), 1000)
	if !sub.IsInt64() || sub.Int64() > maxMoney {
		return a, false
	}
	a.Subtotal = sub.Int64()
	switch l.DiscountType {
	case DiscountFixed:
		a.Discount = l.DiscountValue
	case DiscountPercent:
		a.Discount = roundDiv(new(big.Int).Mul(sub, big.NewInt(l.DiscountValue)), 10000).Int64()
	}
	a.Total = max(0, a.Subtotal-a.Discount)
	return a, true
}

func viewLineItem(l *LineItem) LineItemView {
	a, _ := l.Compute()
	v := LineItemView{ID: l.ID, ProductID: l.ProductID, Name: l.Name, SKU: l.SKU, Quantity: float64(l.QuantityMilli) / 1000,
		UnitPriceCents: l.UnitPriceCents, DiscountType: l.DiscountType, DiscountValue: float64(l.DiscountValue),
		SubtotalCents: a.Subtotal, DiscountCents: a.Discount, TotalCents: a.Total, Position: l.Position}
	if l.DiscountType == DiscountPercent {
		v.DiscountValue = float64(l.DiscountValue) / 100
	}
	return v
}

// scaled turns a decimal into an integer of 10^places units, or false when it has more places.
func scaled(v float64, places int) (int64, bool) {
	m := math.Pow10(places)
	n := math.Round(v * m)
	if math.Abs(v*m-n) > 1e-6 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, false
	}
	return int64(n), true
}

// apply validates the editable fields of in onto l.
func (in LineItemInput) apply(l *LineItem, fe *apperr.Fields) {
	if in.Name != nil {
		l.Name = strings.TrimSpace(*in.Name)
	}
	if l.Name == "" {
		fe.Add("name", "is required for a line without a product")
	} else if len([]rune(l.Name)) > maxTitle {
		fe.Add("name", fmt.Sprintf("must be at most %d characters", maxTitle))
	}
	if in.Quantity != nil {
		q, ok := scaled(*in.Quantity, 3)
		switch {
		case !ok:
			fe.Add("quantity", "may have at most 3 decimal places")
		case q <= 0 || *in.Quantity > maxQuantity:
			fe.Add("quantity", "must be greater than 0 and at most 1000000000")
		}
		l.QuantityMilli = q
	}
	if in.UnitPriceCents != nil {
		if *in.UnitPriceCents < 0 || *in.UnitPriceCents > maxMoney {
			fe.Add("unit_price_cents", "must be between 0 and 10000000000000000")
		}
		l.UnitPriceCents = *in.UnitPriceCents
	}
	if in.DiscountType != nil {
		l.DiscountType = *in.DiscountType
	}
	switch l.DiscountType {
	case DiscountNone:
		l.DiscountValue = 0
	case DiscountFixed:
		if in.DiscountValue != nil {
			v, ok := scaled(*in.DiscountValue, 0)
			if !ok || v < 0 || v > maxMoney {
				fe.Add("discount_value", "must be whole cents, 0 or more")
			}
			l.DiscountValue = v
		} else if in.DiscountType != nil {
			l.DiscountValue = 0
		}
	case DiscountPercent:
		if in.DiscountValue != nil {
			v, ok := scaled(*in.DiscountValue, 2)
			if !ok || v < 0 || v > 10000 {
				fe.Add("discount_value", "must be a percentage from 0 to 100 with at most 2 decimal places")
			}
			l.DiscountValue = v
		} else if in.DiscountType != nil {
			l.DiscountValue = 0
		}
	default:
		fe.Add("discount_type", "must be none, fixed or percent")
	}
	if _, ok := l.Compute(); !ok && len(*fe) == 0 {
		fe.Add("quantity", "makes the line's amount too large")
	}
}

// dealItems returns a deal's lines in order.
func dealItems(tx *storage.Tx, account, deal uint64) ([]LineItem, error) {
	page, err := LineItems.Scan(tx, account, storage.Query{Index: "deal", Prefix: storage.Uint(deal)})
	items := page.Items
	for i := 1; i < len(items); i++ { // few lines: insertion sort by position keeps it simple
		for j := i; j > 0 && items[j].Position < items[j-1].Position; j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
	return items, err
}

// recount brings a deal's value and line counter in step with its lines and saves it. With no
// line left the value stays as it was and becomes the deal's manual value again.
func recount(tx *storage.Tx, d *Deal, actor uint64) error {
	items, err := dealItems(tx, d.AccountID, d.ID)
	if err != nil {
		return err
	}
	d.Counters.LineItems = len(items)
	if len(items) > 0 {
		var sum int64
		for i := range items {
			a, _ := items[i].Compute()
			sum += a.Total
		}
		if sum > maxMoney {
			return apperr.Field("quantity", "makes the deal's value too large")
		}
		d.ValueCents = sum
	}
	return touch(tx, d, actor)
}

// LineItems lists a deal's lines.
func (s *Service) LineItems(ctx context.Context, actor access.Actor, dealID uint64) ([]LineItemView, error) {
	out := []LineItemView{}
	err := s.readDeal(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		items, err := dealItems(tx, d.AccountID, d.ID)
		for i := range items {
			out = append(out, viewLineItem(&items[i]))
		}
		return err
	})
	return out, err
}

// readDeal runs fn on a deal the actor may see, in a read transaction.
func (s *Service) readDeal(actor access.Actor, id uint64, fn func(tx *storage.Tx, d *Deal) error) error {
	if err := actor.Require(Module, access.View); err != nil {
		return err
	}
	return s.db.View(func(tx *storage.Tx) error {
		d, err := visibleDeal(tx, actor, id)
		if err != nil {
			return err
		}
		return fn(tx, d)
	})
}

// updateDealPart runs fn on a deal the actor may see and manage, in a write transaction.
func (s *Service) updateDealPart(actor access.Actor, id uint64, fn func(tx *storage.Tx, d *Deal) error) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		d, err := visibleDeal(tx, actor, id)
		if err != nil {
			return err
		}
		return fn(tx, d)
	})
}

// product reads a catalog product for a snapshot through the catalog, which owns the rules
// (archived products cannot be sold; another account's id is simply not in this catalog).
func (s *Service) product(tx *storage.Tx, account, id uint64) (*catalog.Product, error) {
	if s.catalog == nil {
		return nil, apperr.Field("product_id", "the product catalog is not available")
	}
	return s.catalog.Snapshot(tx, account, id)
}

// AddLineItem adds a line to a deal: a snapshot of a catalog product (name, sku and price
// copied) or a one-off line. The first line sets the deal's currency; later lines must match it.
func (s *Service) AddLineItem(ctx context.Context, actor access.Actor, dealID uint64, in LineItemInput) (*LineItemView, error) {
	var out LineItemView
	err := s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		if d.Counters.LineItems >= MaxLineItems {
			return apperr.Field("line_items", fmt.Sprintf("a deal holds at most %d lines", MaxLineItems))
		}
		// A new line goes after the last one; the count is not enough once a line in the middle
		// was deleted (two lines would share a place and their order would be arbitrary).
		items, err := dealItems(tx, d.AccountID, d.ID)
		if err != nil {
			return err
		}
		next := 0
		if n := len(items); n > 0 {
			next = items[n-1].Position + 1
		}
		now := time.Now().UTC()
		l := &LineItem{AccountID: d.AccountID, DealID: d.ID, QuantityMilli: 1000, DiscountType: DiscountNone,
			Position: next, CreatedAt: now, UpdatedAt: now}
		var fe apperr.Fields
		currency, field := "", "currency"
		if in.ProductID != 0 {
			p, err := s.product(tx, d.AccountID, in.ProductID)
			if err != nil {
				return err
			}
			l.ProductID, l.Name, l.SKU, l.UnitPriceCents = p.ID, p.Name, p.SKU, p.PriceCents
			currency, field = p.Currency, "product_id"
		}
		if in.Currency != nil {
			currency, field = strings.ToUpper(strings.TrimSpace(*in.Currency)), "currency"
			if !validCurrency(currency) {
				fe.Add("currency", "must be a 3-letter ISO code such as BRL")
			}
		}
		in.apply(l, &fe)
		if currency == "" {
			currency = d.Currency
		}
		if d.Counters.LineItems == 0 {
			d.Currency = currency
		} else if currency != d.Currency {
			fe.Add(field, fmt.Sprintf("is priced in %s; this deal is in %s", currency, d.Currency))
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := LineItems.Put(tx, l); err != nil {
			return err
		}
		out = viewLineItem(l)
		return recount(tx, d, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateLineItem changes a line's name, quantity, price or discount (its product stays).
func (s *Service) UpdateLineItem(ctx context.Context, actor access.Actor, dealID, itemID uint64, in LineItemInput) (*LineItemView, error) {
	var out LineItemView
	err := s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		l, err := LineItems.Get(tx, d.AccountID, itemID)
		if err != nil || l.DealID != d.ID {
			return apperr.NotFoundf("line item %d not found", itemID)
		}
		var fe apperr.Fields
		if in.ProductID != 0 && in.ProductID != l.ProductID {
			fe.Add("product_id", "cannot change; add a new line instead")
		}
		if in.Currency != nil && strings.ToUpper(strings.TrimSpace(*in.Currency)) != d.Currency {
			fe.Add("currency", fmt.Sprintf("is set by the first line; this deal is in %s", d.Currency))
		}
		in.apply(l, &fe)
		if err := fe.Err(); err != nil {
			return err
		}
		l.UpdatedAt = time.Now().UTC()
		if err := LineItems.Put(tx, l); err != nil {
			return err
		}
		out = viewLineItem(l)
		return recount(tx, d, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteLineItem removes a line; the deal's value follows (and stays, as manual, after the last).
func (s *Service) DeleteLineItem(ctx context.Context, actor access.Actor, dealID, itemID uint64) error {
	return s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		l, err := LineItems.Get(tx, d.AccountID, itemID)
		if err != nil || l.DealID != d.ID {
			return apperr.NotFoundf("line item %d not found", itemID)
		}
		if err := LineItems.Delete(tx, d.AccountID, l.ID); err != nil {
			return err
		}
		return recount(tx, d, actor.UserID)
	})
}
