package crm

import (
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
)

// MergeContacts moves the deals, orders and custom object associations of contact from to
// contact into (contacts.Linker).
func (s *Service) MergeContacts(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	for _, f := range []func(*storage.Tx, uint64, uint64, uint64, access.Actor) error{s.mergeDeals, s.mergeOrders, s.mergeAssociations} {
		if err := f(tx, account, from, into, actor); err != nil {
			return err
		}
	}
	return nil
}

// DeleteContact unlinks the deals of a deleted contact and drops its orders and associations
// (contacts.Linker): an order belongs to its contact, a deal outlives it.
func (s *Service) DeleteContact(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	for _, f := range []func(*storage.Tx, uint64, uint64, access.Actor) error{s.unlinkDeals, s.deleteOrders, s.deleteAssociations} {
		if err := f(tx, account, id, actor); err != nil {
			return err
		}
	}
	return nil
}

// RegisterCriteria adds the CRM's conditions to the contact filter: "has_open_deal" and
// "custom_object_type" (associated with a record of object type X).
func (s *Service) RegisterCriteria(c *contacts.Service) {
	c.AddCriterion("has_open_deal", s.hasOpenDealCriterion)
	c.AddCriterion("custom_object_type", s.objectTypeCriterion)
}

// MergeCompanies moves the deals of company from to company into (contacts.CompanyLinker).
func (s *Service) MergeCompanies(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	return relinkCompanyDeals(tx, account, from, into, actor)
}

// DeleteCompany unlinks the deals of a deleted company (contacts.CompanyLinker): the deal stays.
func (s *Service) DeleteCompany(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	return relinkCompanyDeals(tx, account, id, 0, actor)
}

func relinkCompanyDeals(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	ids, err := Deals.IDs(tx, account, storage.Query{Index: "company", Prefix: storage.Uint(from)})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, id := range ids {
		d, err := Deals.Get(tx, account, id)
		if err != nil {
			return err
		}
		d.CompanyID, d.UpdatedAt = into, now
		if err := Deals.Put(tx, d); err != nil {
			return err
		}
		ev := storage.Event{Account: account, Type: EventDealUpdated, Entity: Deals.Name(), ID: d.ID, Actor: actor.UserID}
		if err := tx.EmitData(ev, d); err != nil {
			return err
		}
	}
	return nil
}
