package contacts

import (
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/storage"
)

// Scope says whose records an actor may see under owner-based privacy. Contacts, deals and
// orders all use it, so "my wallet" means the same thing everywhere.
type Scope struct {
	all  bool
	user uint64
}

// ScopeOf reads the account's owner-privacy switch: with it off, or for administrators and
// Parley itself, everything is visible; with it on an agent sees what they own and what has no
// owner yet (as HubSpot's "owned only" does, so a new lead from a channel is never invisible).
func ScopeOf(tx *storage.Tx, actor access.Actor) (Scope, error) {
	if actor.IsAdmin() {
		return Scope{all: true}, nil
	}
	a, err := accounts.Accounts.Get(tx, 0, actor.AccountID)
	if err != nil {
		return Scope{}, err
	}
	return Scope{all: !a.OwnerPrivacy, user: actor.UserID}, nil
}

// All reports whether nothing is hidden from the actor.
func (s Scope) All() bool { return s.all }

// Sees reports whether a record owned by owner (0: nobody) is visible.
func (s Scope) Sees(owner uint64) bool { return s.all || owner == 0 || owner == s.user }
