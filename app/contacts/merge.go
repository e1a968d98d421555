package contacts

import (
	"context"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// Delete removes a contact with everything that hangs on it (administrators only, as in
// Chatwoot): the other areas' records through their linkers (conversations are deleted too),
// the contact's channel identities and notes. One transaction: nothing is left half-deleted.
func (s *Service) Delete(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		c, err := Contacts.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		for _, l := range s.linkers {
			if err := l.DeleteContact(tx, actor.AccountID, id, actor); err != nil {
				return err
			}
		}
		cis, err := ContactInboxes.IDs(tx, actor.AccountID, storage.Query{Index: "contact", Prefix: storage.Uint(id)})
		if err != nil {
			return err
		}
		for _, ci := range cis {
			if err := ContactInboxes.Delete(tx, actor.AccountID, ci); err != nil {
				return err
			}
		}
		if err := moveNotes(tx, actor.AccountID, id, 0); err != nil {
			return err
		}
		if err := Contacts.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emit(tx, EventContactDeleted, c, actor.UserID)
	})
}

// Merge folds contact mergee into contact base (Chatwoot's contact merge) and returns base:
// every conversation, deal, order and association of the mergee moves to base, and so do its
// channel identities, notes and tags. Base's fields win; its blanks are filled from the mergee;
// attributes the base lacks are copied. The mergee is deleted.
func (s *Service) Merge(ctx context.Context, actor access.Actor, baseID, mergeeID uint64) (*ContactView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	if baseID == mergeeID {
		return nil, apperr.Field("mergee_contact_id", "must be another contact than the base")
	}
	var out ContactView
	err := s.db.Update(func(tx *storage.Tx) error {
		base, err := visible(tx, actor, baseID)
		if err != nil {
			return apperr.Field("base_contact_id", "is not a contact of this account")
		}
		mergee, err := visible(tx, actor, mergeeID)
		if err != nil {
			return apperr.Field("mergee_contact_id", "is not a contact of this account")
		}
		for _, l := range s.linkers {
			if err := l.MergeContacts(tx, actor.AccountID, mergeeID, baseID, actor); err != nil {
				return err
			}
		}
		// Identities: source ids are unique per inbox across contacts, so moving cannot clash.
		cis, err := ContactInboxes.IDs(tx, actor.AccountID, storage.Query{Index: "contact", Prefix: storage.Uint(mergeeID)})
		if err != nil {
			return err
		}
		for _, id := range cis {
			ci, err := ContactInboxes.Get(tx, actor.AccountID, id)
			if err != nil {
				return err
			}
			ci.ContactID = baseID
			if err := ContactInboxes.Put(tx, ci); err != nil {
				return err
			}
		}
		if err := moveNotes(tx, actor.AccountID, mergeeID, baseID); err != nil {
			return err
		}
		fillFrom(base, mergee)
		// The mergee goes first: its email, phone and identifier now live on base and the
		// unique indexes would refuse them while it exists.
		if err := Contacts.Delete(tx, actor.AccountID, mergeeID); err != nil {
			return err
		}
		base.UpdatedAt = time.Now().UTC()
		if err := Contacts.Put(tx, base); err != nil {
			return err
		}
		if err := emit(tx, EventContactDeleted, mergee, actor.UserID); err != nil {
			return err
		}
		out = ViewOf(base)
		return emit(tx, EventContactUpdated, base, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// fillFrom completes base with what mergee has and base lacks.
func fillFrom(base, m *Contact) {
	for _, f := range []struct{ dst, src *string }{
		{&base.Name, &m.Name}, {&base.Email, &m.Email}, {&base.Phone, &m.Phone}, {&base.Identifier, &m.Identifier},
		{&base.AvatarHash, &m.AvatarHash}, {&base.City, &m.City}, {&base.Country, &m.Country}, {&base.Company, &m.Company},
	} {
		if *f.dst == "" {
			*f.dst = *f.src
		}
	}
	if base.CompanyID == 0 {
		base.CompanyID = m.CompanyID
	}
	if base.OwnerID == 0 {
		base.OwnerID = m.OwnerID
	}
	base.Blocked = base.Blocked || m.Blocked
	base.Tags = unionTags(base.Tags, m.Tags)
	fillMap := func(dst *map[string]any, src map[string]any) {
		for k, v := range src {
			if _, ok := (*dst)[k]; ok {
				continue
			}
			if *dst == nil {
				*dst = map[string]any{}
			}
			(*dst)[k] = v
		}
	}
	fillMap(&base.CustomAttributes, m.CustomAttributes)
	fillMap(&base.AdditionalAttributes, m.AdditionalAttributes)
	if m.LastActivityAt.After(base.LastActivityAt) {
		base.LastActivityAt = m.LastActivityAt
	}
	if !m.CreatedAt.IsZero() && m.CreatedAt.Before(base.CreatedAt) {
		base.CreatedAt = m.CreatedAt
	}
}
