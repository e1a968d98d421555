package crm

import (
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// CONTRACT placeholders, replaced by the deals work.

func (s *Service) mergeDeals(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	return nil
}

func (s *Service) unlinkDeals(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	return nil
}

func (s *Service) hasOpenDealCriterion(tx *storage.Tx, account uint64, operator string, values []any) (map[uint64]bool, error) {
	return nil, nil
}
