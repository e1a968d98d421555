package crm

import (
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// CONTRACT placeholders, replaced by the orders work.

func (s *Service) mergeOrders(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	return nil
}

func (s *Service) deleteOrders(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	return nil
}
