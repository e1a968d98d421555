package inboxes

import (
	"context"
	"errors"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/storage"
)

// Secret is a channel secret as shown once, when it is rotated.
type Secret struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// rotatable lists the secrets each channel type has.
var rotatable = map[string][]string{
	ChannelAPI:       {KeyHMACToken, KeyWebhookSecret},
	ChannelWebWidget: {KeyHMACToken},
}

// RotateSecret replaces a channel secret with a new random one (administrators). The answer is
// the only place the value is ever shown: whoever set up the site or integration copies it
// there, and the old value stops working at once.
func (s *Service) RotateSecret(ctx context.Context, actor access.Actor, id uint64, name string) (*Secret, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out Secret
	err := s.db.Update(func(tx *storage.Tx) error {
		x, err := Inboxes.Get(tx, actor.AccountID, id)
		if err != nil {
			return apperr.NotFoundf("inbox %d not found", id)
		}
		ok := false
		for _, n := range rotatable[x.ChannelType] {
			ok = ok || n == name
		}
		if !ok {
			return apperr.Field("name", "this inbox has no secret named "+name)
		}
		out = Secret{Name: name, Value: RandomToken(secretLength)}
		x.Channel = cloneMap(x.Channel)
		x.Channel[name] = out.Value
		x.UpdatedAt = time.Now().UTC()
		if err := Inboxes.Put(tx, x); err != nil {
			return err
		}
		if err := s.emit(tx, actor, EventInboxUpdated, x.ID, ViewOf(x, timezone(tx, actor.AccountID))); err != nil {
			return err
		}
		return audit.Record(tx, actor, "inbox.secret_rotated", "inbox", x.ID, x.Name+": "+name)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// BlobRefs counts references to stored files, so a replaced avatar's file can be reclaimed
// (the blob store; inboxes do not import it).
type BlobRefs interface {
	AddRef(tx *storage.Tx, account uint64, hash string, size int64) error
	Release(tx *storage.Tx, account uint64, hash string) error
}

// SetAvatar sets (hash non-empty) or removes (hash "") the widget's avatar (administrators):
// the file is already in the blob store; the inbox takes a reference to it and gives up the
// previous one.
func (s *Service) SetAvatar(ctx context.Context, actor access.Actor, id uint64, hash string, size int64, refs BlobRefs) (*InboxView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out InboxView
	err := s.db.Update(func(tx *storage.Tx) error {
		x, err := Inboxes.Get(tx, actor.AccountID, id)
		if err != nil {
			return apperr.NotFoundf("inbox %d not found", id)
		}
		old := x.ChannelString(KeyAvatarHash)
		if old != hash {
			if hash != "" {
				if err := refs.AddRef(tx, x.AccountID, hash, size); err != nil {
					return err
				}
			}
			if old != "" {
				if err := refs.Release(tx, x.AccountID, old); err != nil {
					return err
				}
			}
		}
		x.Channel = cloneMap(x.Channel)
		if hash == "" {
			delete(x.Channel, KeyAvatarHash)
		} else {
			x.Channel[KeyAvatarHash] = hash
		}
		x.UpdatedAt = time.Now().UTC()
		if err := Inboxes.Put(tx, x); err != nil {
			return err
		}
		out = ViewOf(x, timezone(tx, actor.AccountID))
		if err := s.emit(tx, actor, EventInboxUpdated, x.ID, out); err != nil {
			return err
		}
		what := "avatar set"
		if hash == "" {
			what = "avatar removed"
		}
		return audit.Record(tx, actor, "inbox.updated", "inbox", x.ID, x.Name+": "+what)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

var errFound = errors.New("found")

// IsAvatar reports whether hash is some inbox's widget avatar: those are served publicly, like
// agents' avatars, and nothing else from the blob store is. Inboxes are few, so a walk is cheap.
func IsAvatar(tx *storage.Tx, hash string) bool {
	err := Inboxes.EachAccount(tx, func(_ uint64, in *Inbox) error {
		if in.ChannelString(KeyAvatarHash) == hash {
			return errFound
		}
		return nil
	})
	return errors.Is(err, errFound)
}

// ByToken finds an inbox from its public identifier (a website token), installation-wide.
func ByToken(tx *storage.Tx, token string) (*Inbox, error) {
	if token == "" {
		return nil, apperr.NotFoundf("inbox not found")
	}
	p, err := PublicIDs.GetBy(tx, 0, "token", storage.Str(token))
	if err != nil {
		return nil, apperr.NotFoundf("inbox not found")
	}
	in, err := Inboxes.Get(tx, p.AccountID, p.ID)
	if err != nil {
		return nil, apperr.NotFoundf("inbox not found")
	}
	return in, nil
}
