package conversations

import (
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// CONTRACT placeholders, replaced by the contacts work (contacts.Linker).

// MergeContacts moves contact from's conversations to contact into.
func (s *Service) MergeContacts(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	return nil
}

// DeleteContact deletes a deleted contact's conversations.
func (s *Service) DeleteContact(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	return nil
}
