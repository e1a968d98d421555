package accounts

import (
	"context"
	"strings"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/storage"
)

// PlatformAccount is an account as the operator sees it.
type PlatformAccount struct {
	Account
	AgentsCount int `json:"agents_count"`
}

func requireOperator(actor access.Actor) error {
	if !actor.Operator {
		return apperr.Forbiddenf("only the installation operator can manage accounts")
	}
	return nil
}

// PlatformList lists every account of the installation (operator only).
func (s *Service) PlatformList(ctx context.Context, actor access.Actor) ([]PlatformAccount, error) {
	if err := requireOperator(actor); err != nil {
		return nil, err
	}
	out := []PlatformAccount{}
	err := s.db.View(func(tx *storage.Tx) error {
		return Accounts.Each(tx, 0, storage.Query{}, func(a *Account) bool {
			out = append(out, PlatformAccount{Account: *a, AgentsCount: Members.Len(tx, a.ID)})
			return true
		})
	})
	return out, err
}

// NewPlatformAccount is the operator's create-account form.
type NewPlatformAccount struct {
	Name       string `json:"name"`
	TimeZone   string `json:"time_zone,omitempty"`
	Language   string `json:"language,omitempty"`
	Currency   string `json:"currency,omitempty"`
	OwnerEmail string `json:"owner_email,omitempty"`
}

// PlatformCreate creates an account. Its first administrator is the user with OwnerEmail, or
// the operator when none is given.
func (s *Service) PlatformCreate(ctx context.Context, actor access.Actor, in NewPlatformAccount) (*PlatformAccount, error) {
	if err := requireOperator(actor); err != nil {
		return nil, err
	}
	acct, err := newAccount(in.Name, in.TimeZone, in.Language, in.Currency)
	if err != nil {
		return nil, err
	}
	var out *PlatformAccount
	err = s.db.Update(func(tx *storage.Tx) error {
		ownerID := actor.UserID
		if e := strings.TrimSpace(in.OwnerEmail); e != "" {
			u, err := auth.UserByEmail(tx, e)
			if err != nil {
				return apperr.Field("owner_email", "has no user yet; create the account without it and add them as an agent")
			}
			ownerID = u.ID
		}
		owner, err := auth.Users.Get(tx, 0, ownerID)
		if err != nil {
			return err
		}
		if err := Accounts.Put(tx, acct); err != nil {
			return err
		}
		if err := addMember(tx, acct, owner, access.Administrator, 0); err != nil {
			return err
		}
		if err := Teams.Put(tx, &Team{AccountID: acct.ID, Name: "General", Description: "Everyone in the account", MemberIDs: []uint64{owner.ID}, CreatedAt: acct.CreatedAt}); err != nil {
			return err
		}
		out = &PlatformAccount{Account: *acct, AgentsCount: 1}
		return audit.RecordIn(tx, acct.ID, actor, "platform.account_created", "account", acct.ID, acct.Name)
	})
	return out, err
}

// PlatformUpdate is the operator's edit form; nil leaves a field alone.
type PlatformUpdate struct {
	Name    *string         `json:"name,omitempty"`
	Plan    *Plan           `json:"plan,omitempty"`
	Modules map[string]bool `json:"modules,omitempty"`
}

// PlatformSet changes an account's name, plan and module switches (operator only).
func (s *Service) PlatformSet(ctx context.Context, actor access.Actor, id uint64, in PlatformUpdate) (*PlatformAccount, error) {
	if err := requireOperator(actor); err != nil {
		return nil, err
	}
	var out *PlatformAccount
	err := s.db.Update(func(tx *storage.Tx) error {
		a, err := Accounts.Get(tx, 0, id)
		if err != nil {
			return err
		}
		if err := (AccountSettings{Name: in.Name}).apply(a); err != nil {
			return err
		}
		var fe apperr.Fields
		if in.Plan != nil {
			if in.Plan.MaxAgents < 0 {
				fe.Add("plan.max_agents", "must be 0 (unlimited) or more")
			}
			a.Plan = *in.Plan
		}
		for k, on := range in.Modules {
			m, ok := ModuleByKey(k)
			switch {
			case !ok:
				fe.Add("modules."+k, "is not a module")
			case !m.Optional && !on:
				fe.Add("modules."+k, "cannot be turned off")
			default:
				if a.Modules == nil {
					a.Modules = map[string]bool{}
				}
				a.Modules[k] = on
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := Accounts.Put(tx, a); err != nil {
			return err
		}
		out = &PlatformAccount{Account: *a, AgentsCount: Members.Len(tx, a.ID)}
		if err := tx.EmitData(storage.Event{Account: id, Type: EventAccountUpdated, Entity: "accounts", ID: id, Actor: actor.UserID}, a); err != nil {
			return err
		}
		return audit.RecordIn(tx, id, actor, "platform.account_updated", "account", id, "")
	})
	return out, err
}
