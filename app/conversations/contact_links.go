package conversations

import (
	"fmt"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/storage"
)

// MergeContacts moves contact from's conversations (and CSAT ratings) to contact into, inside
// the merge's transaction (contacts.Linker). The conversations keep their contact inbox: the
// merge moves the identities themselves to the surviving contact.
func (s *Service) MergeContacts(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	ids, err := Conversations.IDs(tx, account, storage.Query{Index: "contact", Prefix: storage.Uint(from)})
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := Conversations.Get(tx, account, id)
		if err != nil {
			return err
		}
		c.ContactID = into
		if err := s.putConversation(tx, c); err != nil {
			return err
		}
		if err := emit(tx, c, EventConversationUpdated, actor.UserID, EventData{Changed: []string{"contact_id"}}); err != nil {
			return err
		}
	}
	// Ratings have no contact index; an account's ratings are few next to its messages.
	var moved []*CSATResponse
	err = CSATResponses.Each(tx, account, storage.Query{}, func(r *CSATResponse) bool {
		if r.ContactID == from {
			moved = append(moved, r)
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, r := range moved {
		r.ContactID = into
		if err := CSATResponses.Put(tx, r); err != nil {
			return err
		}
	}
	return nil
}

// DeleteContact deletes a deleted contact's conversations with their messages, as Chatwoot
// does: a conversation without its contact could be neither answered nor attributed.
func (s *Service) DeleteContact(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	ids, err := Conversations.IDs(tx, account, storage.Query{Index: "contact", Prefix: storage.Uint(id)})
	if err != nil {
		return err
	}
	for _, cid := range ids {
		c, err := Conversations.Get(tx, account, cid)
		if err != nil {
			return err
		}
		if err := s.deleteConversationTx(tx, actor, c); err != nil {
			return err
		}
	}
	return nil
}

// deleteConversationTx removes c with its messages in tx, releasing the files its messages
// held, and emits conversation_deleted: the one path for Delete and for a deleted contact.
func (s *Service) deleteConversationTx(tx *storage.Tx, actor access.Actor, c *Conversation) error {
	ids, err := Messages.IDs(tx, c.AccountID, storage.Query{Index: "conversation", Prefix: storage.Uint(c.ID)})
	if err != nil {
		return err
	}
	for _, mid := range ids {
		m, err := Messages.Get(tx, c.AccountID, mid)
		if err != nil {
			return err
		}
		if s.Blobs != nil {
			for _, a := range m.Attachments {
				if a.Hash != "" {
					if err := s.Blobs.Release(tx, c.AccountID, a.Hash); err != nil {
						return err
					}
				}
			}
		}
		if err := Messages.Delete(tx, c.AccountID, mid); err != nil {
			return err
		}
	}
	if err := Conversations.Delete(tx, c.AccountID, c.ID); err != nil {
		return err
	}
	if err := emit(tx, c, EventConversationDeleted, actor.UserID, EventData{}); err != nil {
		return err
	}
	return audit.Record(tx, actor, "conversation.deleted", "conversation", c.ID, fmt.Sprintf("#%d", c.DisplayID))
}
