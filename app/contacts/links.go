package contacts

import (
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// Linker is an area that keeps records pointing at contacts (conversations, deals, orders,
// custom object associations). Contacts cannot import those areas (they import contacts), so
// each one registers itself and is told, inside the same write transaction, when a contact is
// merged into another or deleted. A Linker must not do I/O: it only moves or drops its records.
type Linker interface {
	// MergeContacts re-points every record of contact from at contact into.
	MergeContacts(tx *storage.Tx, account, from, into uint64, actor access.Actor) error
	// DeleteContact drops or unlinks the records of a contact that is being deleted.
	DeleteContact(tx *storage.Tx, account, id uint64, actor access.Actor) error
}

// AddLinker registers an area to hear about merges and deletions. Call it while wiring, before
// the service is used.
func (s *Service) AddLinker(l Linker) { s.linkers = append(s.linkers, l) }

// Criterion answers a filter condition that another area owns ("has an open deal",
// "associated with custom object type X"): the ids of the actor's account's contacts that match
// operator and values. Operators and values are those of the contact filter payload. It gets
// the actor so that what owner privacy hides (another rep's deal) cannot be probed through a
// filter.
type Criterion func(tx *storage.Tx, actor access.Actor, operator string, values []any) (map[uint64]bool, error)

// AddCriterion registers a filter condition under attribute key (as used in the filter
// payload's attribute_key). Call it while wiring, before the service is used.
func (s *Service) AddCriterion(key string, c Criterion) {
	if s.criteria == nil {
		s.criteria = map[string]Criterion{}
	}
	s.criteria[key] = c
}

// CompanyLinker is a Linker that also keeps records pointing at companies (deals): it hears,
// in the same transaction, when a company is merged into another or deleted.
type CompanyLinker interface {
	// MergeCompanies re-points every record of company from at company into.
	MergeCompanies(tx *storage.Tx, account, from, into uint64, actor access.Actor) error
	// DeleteCompany unlinks the records of a company that is being deleted.
	DeleteCompany(tx *storage.Tx, account, id uint64, actor access.Actor) error
}
