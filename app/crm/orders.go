package crm

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
)

// Order is one entry of the orders registry: a record of something a contact bought, typed in
// by hand or sent by an integration. The registry is a log: Parley charges nothing and moves
// no money here; payments and commerce integrations only report what happened elsewhere.
// Money is in minor units (cents) of Currency.
type Order struct {
	ID         uint64    `json:"id"`
	AccountID  uint64    `json:"account_id"`
	ContactID  uint64    `json:"contact_id"`
	DealID     uint64    `json:"deal_id,omitempty"`
	Title      string    `json:"title"`
	ValueCents int64     `json:"value_cents"`
	Currency   string    `json:"currency"`
	Status     string    `json:"status"`
	Source     string    `json:"source"`
	OrderedAt  time.Time `json:"ordered_at"`
	PaidAt     time.Time `json:"paid_at,omitzero"`
	// ExternalID is the order's id in the system that sent it; with Source it is unique, so an
	// integration resending an order updates it instead of duplicating it.
	ExternalID string    `json:"external_id,omitempty"`
	Notes      string    `json:"notes,omitempty"`
	CreatedBy  uint64    `json:"created_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Orders are scoped by account: "contact" and "deal" list a record's orders newest first,
// "ordered" lists the account's, "external" makes (source, external id) unique.
var Orders = storage.NewCollection(storage.Def[Order]{
	Name:    "orders",
	ID:      func(o *Order) *uint64 { return &o.ID },
	Account: func(o *Order) uint64 { return o.AccountID },
	Feed:    true,
	Indexes: []storage.Index[Order]{
		{Name: "contact", Keys: func(o *Order) [][]byte {
			return [][]byte{storage.Key(storage.Uint(o.ContactID), storage.Time(o.OrderedAt))}
		}},
		{Name: "deal", Keys: func(o *Order) [][]byte {
			if o.DealID == 0 {
				return nil
			}
			return [][]byte{storage.Key(storage.Uint(o.DealID), storage.Time(o.OrderedAt))}
		}},
		{Name: "ordered", Keys: func(o *Order) [][]byte { return [][]byte{storage.Time(o.OrderedAt)} }},
		{Name: "external", Unique: true, Field: "external_id", Keys: func(o *Order) [][]byte {
			if o.ExternalID == "" {
				return nil
			}
			return [][]byte{orderExternalKey(o.Source, o.ExternalID)}
		}},
	},
})

func orderExternalKey(source, externalID string) []byte {
	return storage.Key(storage.Str(source), storage.Str(externalID))
}

// Order statuses and sources (the spec's values, which integrations send as is).
var (
	OrderStatuses = []string{"pending", "paid", "partially_paid", "overdue", "refunded", "canceled", "failed"}
	OrderSources  = []string{"manual", "webhook", "api", "payments", "commerce"}
)

// Event types of orders.
const (
	EventOrderCreated = "order_created"
	EventOrderUpdated = "order_updated"
	EventOrderDeleted = "order_deleted"
)

// OrdersPerPage is the size of a page of the orders list.
const OrdersPerPage = 25

// OrderInput holds the fields of an order; nil leaves a field alone (on create it takes the
// default). Times are RFC 3339 or a calendar date (YYYY-MM-DD, midnight in the account's time
// zone); an empty paid_at clears it, a deal_id of 0 unlinks the deal.
type OrderInput struct {
	ContactID  *uint64 `json:"contact_id,omitempty"`
	DealID     *uint64 `json:"deal_id,omitempty"`
	Title      *string `json:"title,omitempty"`
	ValueCents *int64  `json:"value_cents,omitempty"`
	Currency   *string `json:"currency,omitempty" doc:"ISO 4217 code; defaults to the account's currency"`
	Status     *string `json:"status,omitempty" doc:"pending (default), paid, partially_paid, overdue, refunded, canceled or failed"`
	Source     *string `json:"source,omitempty" doc:"manual (default), webhook, api, payments or commerce"`
	OrderedAt  *string `json:"ordered_at,omitempty" doc:"RFC 3339 or YYYY-MM-DD; defaults to now"`
	PaidAt     *string `json:"paid_at,omitempty" doc:"RFC 3339 or YYYY-MM-DD; set to now when the status becomes paid without one"`
	ExternalID *string `json:"external_id,omitempty" doc:"The order's id in the sending system; with source it identifies the order, so sending it again updates it"`
	Notes      *string `json:"notes,omitempty"`
}

// OrderRef and OrderDealRef name what an order points at in its view.
type (
	OrderRef struct {
		ID   uint64 `json:"id"`
		Name string `json:"name"`
	}
	OrderDealRef struct {
		ID    uint64 `json:"id"`
		Title string `json:"title"`
	}
)

// OrderView is an order as the API shows it: times in unix seconds, paid_at null when unpaid.
type OrderView struct {
	ID         uint64        `json:"id"`
	AccountID  uint64        `json:"account_id"`
	ContactID  uint64        `json:"contact_id"`
	DealID     *uint64       `json:"deal_id"`
	Title      string        `json:"title"`
	ValueCents int64         `json:"value_cents"`
	Currency   string        `json:"currency"`
	Status     string        `json:"status"`
	Source     string        `json:"source"`
	OrderedAt  int64         `json:"ordered_at"`
	PaidAt     *int64        `json:"paid_at"`
	ExternalID string        `json:"external_id"`
	Notes      string        `json:"notes"`
	CreatedBy  uint64        `json:"created_by"`
	CreatedAt  int64         `json:"created_at"`
	UpdatedAt  int64         `json:"updated_at"`
	Contact    OrderRef      `json:"contact"`
	Deal       *OrderDealRef `json:"deal"`
}

// OrderList is one page of orders.
type OrderList struct {
	Meta    ListMeta    `json:"meta"`
	Payload []OrderView `json:"payload"`
}

// OrderFilter narrows the orders list; zero values do not filter.
type OrderFilter struct {
	ContactID uint64
	DealID    uint64
	Status    string
	Source    string
	Page      int
}

func orderView(tx *storage.Tx, o *Order) OrderView {
	v := OrderView{ID: o.ID, AccountID: o.AccountID, ContactID: o.ContactID, Title: o.Title, ValueCents: o.ValueCents,
		Currency: o.Currency, Status: o.Status, Source: o.Source, OrderedAt: o.OrderedAt.Unix(), ExternalID: o.ExternalID,
		Notes: o.Notes, CreatedBy: o.CreatedBy, CreatedAt: o.CreatedAt.Unix(), UpdatedAt: o.UpdatedAt.Unix(),
		Contact: OrderRef{ID: o.ContactID}}
	if !o.PaidAt.IsZero() {
		p := o.PaidAt.Unix()
		v.PaidAt = &p
	}
	if c, err := contacts.Contacts.Get(tx, o.AccountID, o.ContactID); err == nil {
		v.Contact.Name = c.Name
	}
	if o.DealID != 0 {
		id := o.DealID
		v.DealID = &id
		v.Deal = &OrderDealRef{ID: id}
		if d, err := Deals.Get(tx, o.AccountID, id); err == nil {
			v.Deal.Title = d.Title
		}
	}
	return v
}

// orderVisible applies owner-based privacy: an order is visible when its contact or its deal
// is.
func orderVisible(tx *storage.Tx, scope contacts.Scope, o *Order) bool {
	if scope.All() {
		return true
	}
	if c, err := contacts.Contacts.Get(tx, o.AccountID, o.ContactID); err == nil && scope.Sees(c.OwnerID) {
		return true
	}
	if o.DealID != 0 {
		if d, err := Deals.Get(tx, o.AccountID, o.DealID); err == nil && scope.Sees(d.OwnerID) {
			return true
		}
	}
	return false
}

// ParseTimeInput reads an instant typed as RFC 3339 or as a calendar date (midnight of that
// day in loc).
func ParseTimeInput(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// apply copies in onto o and checks the fields that need no lookups.
func (in OrderInput) apply(o *Order, loc *time.Location, fe *apperr.Fields) {
	if in.ContactID != nil {
		o.ContactID = *in.ContactID
	}
	if o.ContactID == 0 {
		fe.Add("contact_id", "is required")
	}
	if in.DealID != nil {
		o.DealID = *in.DealID
	}
	if in.Title != nil {
		o.Title = strings.TrimSpace(*in.Title)
	}
	if n := utf8.RuneCountInString(o.Title); n == 0 || n > 200 {
		fe.Add("title", "must have 1 to 200 characters")
	}
	if in.ValueCents != nil {
		o.ValueCents = *in.ValueCents
	}
	if o.ValueCents < 0 || o.ValueCents > maxMoney {
		fe.Add("value_cents", "must be between 0 and 10000000000000000")
	}
	if in.Currency != nil {
		c, ok := catalog.NormalizeCurrency(*in.Currency)
		if !ok {
			fe.Add("currency", "must be a three-letter ISO 4217 code such as BRL")
		}
		o.Currency = c
	}
	if in.Status != nil {
		o.Status = strings.TrimSpace(*in.Status)
		if !slices.Contains(OrderStatuses, o.Status) {
			fe.Add("status", "must be one of "+strings.Join(OrderStatuses, ", "))
		}
	}
	if in.Source != nil {
		o.Source = strings.TrimSpace(*in.Source)
		if !slices.Contains(OrderSources, o.Source) {
			fe.Add("source", "must be one of "+strings.Join(OrderSources, ", "))
		}
	}
	if in.OrderedAt != nil {
		if t, ok := ParseTimeInput(*in.OrderedAt, loc); ok {
			o.OrderedAt = t
		} else {
			fe.Add("ordered_at", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		}
	}
	if in.PaidAt != nil {
		if strings.TrimSpace(*in.PaidAt) == "" {
			o.PaidAt = time.Time{}
		} else if t, ok := ParseTimeInput(*in.PaidAt, loc); ok {
			o.PaidAt = t
		} else {
			fe.Add("paid_at", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		}
	}
	if in.ExternalID != nil {
		o.ExternalID = strings.TrimSpace(*in.ExternalID)
		if utf8.RuneCountInString(o.ExternalID) > 200 {
			fe.Add("external_id", "must have at most 200 characters")
		}
	}
	if in.Notes != nil {
		o.Notes = strings.TrimSpace(*in.Notes)
		if utf8.RuneCountInString(o.Notes) > 2000 {
			fe.Add("notes", "must have at most 2000 characters")
		}
	}
}

// checkOrderLinks checks, in tx, that the order's contact exists and that its deal exists and
// belongs to the same contact when it has one. A contact or deal the order did not point at
// before (was: the order as stored, nil on create) must also be visible to the actor: privacy
// hides other owners' records like missing ones, and the order's view names them.
func checkOrderLinks(tx *storage.Tx, scope contacts.Scope, o, was *Order) error {
	c, err := contacts.Contacts.Get(tx, o.AccountID, o.ContactID)
	if err != nil || (was == nil || was.ContactID != o.ContactID) && !scope.Sees(c.OwnerID) {
		return apperr.Field("contact_id", "is not a contact of this account")
	}
	if o.DealID != 0 {
		d, err := Deals.Get(tx, o.AccountID, o.DealID)
		if err != nil || (was == nil || was.DealID != o.DealID) && !scope.Sees(d.OwnerID) {
			return apperr.Field("deal_id", "is not a deal of this account")
		}
		if d.ContactID != 0 && d.ContactID != o.ContactID {
			return apperr.Field("deal_id", "belongs to another contact")
		}
	}
	return nil
}

func emitOrder(tx *storage.Tx, typ string, o *Order, actor uint64) error {
	return tx.EmitData(storage.Event{Account: o.AccountID, Type: typ, Entity: Orders.Name(), ID: o.ID, Actor: actor}, o)
}

// ListOrders returns one page of the orders the actor may see, newest ordered_at first.
func (s *Service) ListOrders(ctx context.Context, actor access.Actor, f OrderFilter) (*OrderList, error) {
	if err := actor.Require(OrdersModule, access.View); err != nil {
		return nil, err
	}
	if f.Status != "" && !slices.Contains(OrderStatuses, f.Status) {
		return nil, apperr.Field("status", "must be one of "+strings.Join(OrderStatuses, ", "))
	}
	if f.Source != "" && !slices.Contains(OrderSources, f.Source) {
		return nil, apperr.Field("source", "must be one of "+strings.Join(OrderSources, ", "))
	}
	page := max(f.Page, 1)
	q := storage.Query{Index: "ordered", Reverse: true}
	switch {
	case f.ContactID != 0:
		q = storage.Query{Index: "contact", Prefix: storage.Uint(f.ContactID), Reverse: true}
	case f.DealID != 0:
		q = storage.Query{Index: "deal", Prefix: storage.Uint(f.DealID), Reverse: true}
	}
	out := &OrderList{Meta: ListMeta{CurrentPage: page}, Payload: []OrderView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		scope, err := contacts.ScopeOf(tx, actor)
		if err != nil {
			return err
		}
		skip := (page - 1) * OrdersPerPage
		return Orders.Each(tx, actor.AccountID, q, func(o *Order) bool {
			if (f.DealID != 0 && o.DealID != f.DealID) || (f.Status != "" && o.Status != f.Status) ||
				(f.Source != "" && o.Source != f.Source) || !orderVisible(tx, scope, o) {
				return true
			}
			out.Meta.Count++
			if skip > 0 {
				skip--
			} else if len(out.Payload) < OrdersPerPage {
				out.Payload = append(out.Payload, orderView(tx, o))
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// getVisibleOrder loads an order the actor may see; others look missing.
func getVisibleOrder(tx *storage.Tx, actor access.Actor, id uint64) (*Order, error) {
	o, err := Orders.Get(tx, actor.AccountID, id)
	if err != nil {
		return nil, err
	}
	scope, err := contacts.ScopeOf(tx, actor)
	if err != nil {
		return nil, err
	}
	if !orderVisible(tx, scope, o) {
		return nil, apperr.NotFoundf("orders %d not found", id)
	}
	return o, nil
}

// GetOrder returns one order the actor may see.
func (s *Service) GetOrder(ctx context.Context, actor access.Actor, id uint64) (*OrderView, error) {
	if err := actor.Require(OrdersModule, access.View); err != nil {
		return nil, err
	}
	var out OrderView
	err := s.db.View(func(tx *storage.Tx) error {
		o, err := getVisibleOrder(tx, actor, id)
		if err == nil {
			out = orderView(tx, o)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateOrder records an order. When the body's (source, external_id) is already recorded,
// that order is updated from the body instead and created is false: integrations resend
// orders, and a resend must not count twice. The lookup and the write share one transaction,
// so concurrent resends still leave one order.
func (s *Service) CreateOrder(ctx context.Context, actor access.Actor, in OrderInput) (view *OrderView, created bool, err error) {
	if err := actor.Require(OrdersModule, access.Manage); err != nil {
		return nil, false, err
	}
	var out OrderView
	err = s.db.Update(func(tx *storage.Tx) error {
		acct, err := accounts.Accounts.Get(tx, 0, actor.AccountID)
		if err != nil {
			return err
		}
		scope, err := contacts.ScopeOf(tx, actor)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		o := &Order{AccountID: actor.AccountID, Currency: acct.Currency, Status: "pending", Source: "manual", OrderedAt: now,
			CreatedBy: actor.UserID, CreatedAt: now}
		var was *Order // the stored order a resend updates
		if in.ExternalID != nil && strings.TrimSpace(*in.ExternalID) != "" {
			source := "manual"
			if in.Source != nil {
				source = strings.TrimSpace(*in.Source)
			}
			old, err := Orders.GetBy(tx, actor.AccountID, "external", orderExternalKey(source, strings.TrimSpace(*in.ExternalID)))
			if err == nil {
				if !orderVisible(tx, scope, old) {
					return apperr.Field("external_id", "is already used by an order you cannot see")
				}
				stored := *old
				was, o = &stored, old
			} else if !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		created = o.ID == 0
		var fe apperr.Fields
		in.apply(o, acct.Location(), &fe)
		if err := fe.Err(); err != nil {
			return err
		}
		if o.Status == "paid" && o.PaidAt.IsZero() {
			o.PaidAt = now
		}
		if err := checkOrderLinks(tx, scope, o, was); err != nil {
			return err
		}
		o.UpdatedAt = now
		if err := Orders.Put(tx, o); err != nil {
			return err
		}
		out = orderView(tx, o)
		typ := EventOrderUpdated
		if created {
			typ = EventOrderCreated
		}
		return emitOrder(tx, typ, o, actor.UserID)
	})
	if err != nil {
		return nil, false, err
	}
	return &out, created, nil
}

// UpdateOrder changes an order the actor may see.
func (s *Service) UpdateOrder(ctx context.Context, actor access.Actor, id uint64, in OrderInput) (*OrderView, error) {
	if err := actor.Require(OrdersModule, access.Manage); err != nil {
		return nil, err
	}
	var out OrderView
	err := s.db.Update(func(tx *storage.Tx) error {
		o, err := getVisibleOrder(tx, actor, id)
		if err != nil {
			return err
		}
		was := *o
		acct, err := accounts.Accounts.Get(tx, 0, actor.AccountID)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		in.apply(o, acct.Location(), &fe)
		if err := fe.Err(); err != nil {
			return err
		}
		now := time.Now().UTC()
		if o.Status == "paid" && o.PaidAt.IsZero() {
			o.PaidAt = now
		}
		scope, err := contacts.ScopeOf(tx, actor)
		if err != nil {
			return err
		}
		if err := checkOrderLinks(tx, scope, o, &was); err != nil {
			return err
		}
		o.UpdatedAt = now
		if err := Orders.Put(tx, o); err != nil {
			return err
		}
		out = orderView(tx, o)
		return emitOrder(tx, EventOrderUpdated, o, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteOrder removes an order the actor may see.
func (s *Service) DeleteOrder(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(OrdersModule, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		o, err := getVisibleOrder(tx, actor, id)
		if err != nil {
			return err
		}
		if err := Orders.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emitOrder(tx, EventOrderDeleted, o, actor.UserID)
	})
}

// contactOrders lists the orders of one contact in tx.
func contactOrders(tx *storage.Tx, account, contact uint64) ([]Order, error) {
	page, err := Orders.Scan(tx, account, storage.Query{Index: "contact", Prefix: storage.Uint(contact)})
	return page.Items, err
}

// mergeOrders moves the orders of contact from to contact into (a merge keeps every order).
func (s *Service) mergeOrders(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	list, err := contactOrders(tx, account, from)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for i := range list {
		o := &list[i]
		o.ContactID, o.UpdatedAt = into, now
		if err := Orders.Put(tx, o); err != nil {
			return err
		}
		if err := emitOrder(tx, EventOrderUpdated, o, actor.UserID); err != nil {
			return err
		}
	}
	return nil
}

// deleteOrders drops the orders of a deleted contact: an order means nothing without its buyer.
func (s *Service) deleteOrders(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	list, err := contactOrders(tx, account, id)
	if err != nil {
		return err
	}
	for i := range list {
		if err := Orders.Delete(tx, account, list[i].ID); err != nil {
			return err
		}
		if err := emitOrder(tx, EventOrderDeleted, &list[i], actor.UserID); err != nil {
			return err
		}
	}
	return nil
}

// unlinkDealOrders clears the deal of a deleted deal's orders: an order belongs to its
// contact and outlives the deal it came from.
func unlinkDealOrders(tx *storage.Tx, account, deal uint64, actor access.Actor) error {
	page, err := Orders.Scan(tx, account, storage.Query{Index: "deal", Prefix: storage.Uint(deal)})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for i := range page.Items {
		o := &page.Items[i]
		o.DealID, o.UpdatedAt = 0, now
		if err := Orders.Put(tx, o); err != nil {
			return err
		}
		if err := emitOrder(tx, EventOrderUpdated, o, actor.UserID); err != nil {
			return err
		}
	}
	return nil
}
