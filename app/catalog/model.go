// Package catalog holds the products and services a business sells: what deals' line items
// (and later quotes and payments) pick from. A line item copies a product's name and price, so
// editing the catalog never changes a quote already built.
package catalog

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// Module is the access module (and module switch) guarding the catalog.
const Module = "catalog"

// Product is an item of the catalog. Money is in minor units (cents) of Currency.
type Product struct {
	ID          uint64    `json:"id"`
	AccountID   uint64    `json:"account_id"`
	Name        string    `json:"name"`
	SKU         string    `json:"sku,omitempty"`
	Description string    `json:"description,omitempty"`
	PriceCents  int64     `json:"price_cents"`
	Currency    string    `json:"currency"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Products are scoped by account; "sku" is unique when set, "name" orders the list.
var Products = storage.NewCollection(storage.Def[Product]{
	Name:    "products",
	ID:      func(p *Product) *uint64 { return &p.ID },
	Account: func(p *Product) uint64 { return p.AccountID },
	Feed:    true,
	Indexes: []storage.Index[Product]{
		{Name: "sku", Unique: true, Keys: func(p *Product) [][]byte {
			if p.SKU == "" {
				return nil
			}
			return [][]byte{storage.Str(storage.Fold(p.SKU))}
		}},
		{Name: "name", Keys: func(p *Product) [][]byte { return [][]byte{storage.Str(storage.Fold(p.Name))} }},
	},
})

// Event types of the catalog.
const (
	EventProductCreated = "product_created"
	EventProductUpdated = "product_updated"
	EventProductDeleted = "product_deleted"
)
