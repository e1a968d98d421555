package crm

import (
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// CONTRACT placeholders, replaced by the custom objects work.

func (s *Service) mergeAssociations(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	return nil
}

func (s *Service) deleteAssociations(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	return nil
}

func (s *Service) objectTypeCriterion(tx *storage.Tx, account uint64, operator string, values []any) (map[uint64]bool, error) {
	return nil, nil
}
