// Package access says who is acting and what they may do. Services take an Actor and check it
// themselves (the UI hiding a button is a courtesy, not a control).
package access

import (
	"context"

	"github.com/parleyhq/parley/app/apperr"
)

// Role is a member's base role in an account.
type Role string

// The two built-in roles; custom roles refine an agent's permissions per module.
const (
	Administrator Role = "administrator"
	Agent         Role = "agent"
)

// Level is a permission level on one module.
type Level string

// Levels in increasing order of power.
const (
	None   Level = "none"
	View   Level = "view"
	Manage Level = "manage"
)

func (l Level) rank() int {
	switch l {
	case View:
		return 1
	case Manage:
		return 2
	}
	return 0
}

// Valid reports whether l is one of the three levels.
func (l Level) Valid() bool { return l == None || l == View || l == Manage }

// Settings is the pseudo-module guarding account settings; only administrators reach it.
const Settings = "settings"

// AgentDefaults are a plain agent's permissions: they work conversations and customers, see
// reports of their own work, and never reach settings.
var AgentDefaults = map[string]Level{
	"conversations": Manage, "contacts": Manage, "companies": Manage, "crm": Manage, "orders": Manage,
	"custom_objects": View, "catalog": View, "payments": View, "calendar": Manage, "tasks": Manage,
	"followups": View, "automation": None, "maestro": View, "marketing": None, "contracts": View,
	"sales": View, "media": Manage, "chat": Manage, "reports": View, "campaigns": None,
}

// Actor is the person (or token) behind a call, as seen in one account.
type Actor struct {
	UserID   uint64
	UserName string
	// AccountID is the account the call acts in (0 for installation-level calls).
	AccountID uint64
	Role      Role
	// Permissions hold the effective per-module levels for agents (from their custom role or the
	// defaults). Administrators are not limited by it.
	Permissions map[string]Level
	// OwnConversationsOnly limits an agent to conversations assigned to them, to their teams, or
	// unassigned in their inboxes (a custom role's option); plain agents see every conversation
	// of the inboxes they work in.
	OwnConversationsOnly bool
	// Operator is the installation's super admin.
	Operator  bool
	IP        string
	UserAgent string
	// System marks work done by Parley itself (scheduler, migrations, demo data).
	System bool
}

// SystemActor acts for Parley itself in an account (jobs, automation, demo data).
func SystemActor(account uint64) Actor {
	return Actor{AccountID: account, Role: Administrator, UserName: "Parley", System: true}
}

// IsAdmin reports whether the actor administers its account.
func (a Actor) IsAdmin() bool { return a.System || a.Role == Administrator }

// Level is the actor's effective level on module.
func (a Actor) Level(module string) Level {
	if a.IsAdmin() {
		return Manage
	}
	if module == Settings {
		return None
	}
	if l, ok := a.Permissions[module]; ok {
		return l
	}
	return None
}

// Can reports whether the actor has at least level on module.
func (a Actor) Can(module string, level Level) bool { return a.Level(module).rank() >= level.rank() }

// Require returns Forbidden unless the actor has at least level on module.
func (a Actor) Require(module string, level Level) error {
	if a.Can(module, level) {
		return nil
	}
	if module == Settings {
		return apperr.Forbiddenf("only administrators can change settings")
	}
	return apperr.Forbiddenf("your role does not allow %s access to %s", level, module)
}

// RequireAdmin returns Forbidden unless the actor administers the account.
func (a Actor) RequireAdmin() error { return a.Require(Settings, Manage) }

// RequireAccount returns NotFound when the actor works in another account than account: ids of
// other tenants must look exactly like missing ones.
func (a Actor) RequireAccount(account uint64) error {
	if a.AccountID != account || account == 0 {
		return apperr.NotFoundf("account %d not found", account)
	}
	return nil
}

type ctxKey struct{}

// WithActor stores the actor in ctx for the services a handler calls.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// FromContext returns the actor stored by WithActor.
func FromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(ctxKey{}).(Actor)
	return a, ok
}
