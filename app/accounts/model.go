// Package accounts holds the tenants of an installation and who works in them: accounts with
// their settings, plan and module switches, memberships (agents and administrators), custom
// roles, teams, the first-run setup and the operator's platform calls.
package accounts

import (
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// Account is a tenant: a business using Parley.
type Account struct {
	ID         uint64          `json:"id"`
	Name       string          `json:"name"`
	TimeZone   string          `json:"time_zone"`
	Language   string          `json:"language"`
	Currency   string          `json:"currency"`
	Require2FA bool            `json:"require_2fa"`
	Modules    map[string]bool `json:"modules"`
	Plan       Plan            `json:"plan"`
	// DoNotDisturb holds back automated messages at night.
	DoNotDisturb DoNotDisturb `json:"do_not_disturb"`
	// OwnerPrivacy limits agents to the contacts, deals and orders they own (and unowned ones),
	// the "owner-based wallet" of the spec. Administrators always see everything.
	OwnerPrivacy bool      `json:"owner_privacy"`
	CreatedAt    time.Time `json:"created_at"`
}

// Plan holds the limits the operator sets for an account. Zero means unlimited.
type Plan struct {
	MaxAgents int `json:"max_agents"`
}

// Accounts are installation-wide records (account 0 scope); their id is the tenant id.
var Accounts = storage.NewCollection(storage.Def[Account]{
	Name:    "accounts",
	ID:      func(a *Account) *uint64 { return &a.ID },
	Account: func(*Account) uint64 { return 0 },
})

// Member is a user's membership in an account: the agent record of Chatwoot's API.
type Member struct {
	ID           uint64      `json:"id"`
	AccountID    uint64      `json:"account_id"`
	UserID       uint64      `json:"user_id"`
	Role         access.Role `json:"role"`
	CustomRoleID uint64      `json:"custom_role_id,omitempty"`
	Availability string      `json:"availability_status"`
	CreatedAt    time.Time   `json:"created_at"`
}

// Members are scoped by account; "user" finds a user's membership, "role" lists administrators.
var Members = storage.NewCollection(storage.Def[Member]{
	Name:    "members",
	ID:      func(m *Member) *uint64 { return &m.ID },
	Account: func(m *Member) uint64 { return m.AccountID },
	Indexes: []storage.Index[Member]{
		{Name: "user", Unique: true, Field: "email", Keys: func(m *Member) [][]byte { return [][]byte{storage.Uint(m.UserID)} }},
		{Name: "role", Keys: func(m *Member) [][]byte { return [][]byte{storage.Str(string(m.Role))} }},
	},
})

// CustomRole refines what agents holding it may do, module by module.
type CustomRole struct {
	ID          uint64                  `json:"id"`
	AccountID   uint64                  `json:"account_id"`
	Name        string                  `json:"name"`
	Description string                  `json:"description"`
	Permissions map[string]access.Level `json:"permissions"`
	// OwnConversationsOnly limits holders to conversations assigned to them, to their teams, or
	// unassigned in their inboxes.
	OwnConversationsOnly bool      `json:"own_conversations_only"`
	CreatedAt            time.Time `json:"created_at"`
}

// CustomRoles are scoped by account with unique names.
var CustomRoles = storage.NewCollection(storage.Def[CustomRole]{
	Name:    "custom_roles",
	ID:      func(r *CustomRole) *uint64 { return &r.ID },
	Account: func(r *CustomRole) uint64 { return r.AccountID },
	Indexes: []storage.Index[CustomRole]{
		{Name: "name", Unique: true, Keys: func(r *CustomRole) [][]byte { return [][]byte{storage.Str(storage.Fold(r.Name))} }},
	},
})

// Team groups agents (Sales, Support) for assignment and inbox access.
type Team struct {
	ID              uint64    `json:"id"`
	AccountID       uint64    `json:"account_id"`
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	AllowAutoAssign bool      `json:"allow_auto_assign"`
	MemberIDs       []uint64  `json:"member_ids"`
	CreatedAt       time.Time `json:"created_at"`
}

// Teams are scoped by account with unique names.
var Teams = storage.NewCollection(storage.Def[Team]{
	Name:    "teams",
	ID:      func(t *Team) *uint64 { return &t.ID },
	Account: func(t *Team) uint64 { return t.AccountID },
	Shared:  256,
	Indexes: []storage.Index[Team]{
		{Name: "name", Unique: true, Keys: func(t *Team) [][]byte { return [][]byte{storage.Str(storage.Fold(t.Name))} }},
	},
})

// Module is an area of the product as the sidebar shows it.
type Module struct {
	Key       string `json:"key"`
	NameEN    string `json:"name_en"`
	NamePT    string `json:"name_pt"`
	Optional  bool   `json:"optional"`
	DefaultOn bool   `json:"default_on"`
}

// Modules lists every area of the spec in sidebar order. Optional modules are switches the
// operator turns per account; a disabled module's routes answer 404 and its menu entry hides.
var Modules = []Module{
	{"conversations", "Conversations", "Conversas", false, true},
	{"contacts", "Contacts", "Contatos", false, true},
	{"companies", "Companies", "Empresas", true, true},
	{"crm", "CRM pipelines", "Funis de CRM", true, true},
	{"orders", "Orders", "Pedidos", true, false},
	{"custom_objects", "Custom objects", "Objetos personalizados", true, false},
	{"catalog", "Catalog", "Catálogo", true, true},
	{"payments", "Payments", "Pagamentos", true, true},
	{"calendar", "Calendar", "Agenda", true, true},
	{"tasks", "Tasks", "Tarefas", true, true},
	{"followups", "Follow-ups", "Follow-ups", true, true},
	{"automation", "Automation", "Automação", true, true},
	{"maestro", "Maestro AI", "Maestro IA", true, false},
	{"marketing", "Marketing Studio", "Estúdio de Marketing", true, false},
	{"contracts", "Contracts", "Contratos", true, true},
	{"sales", "Sales & Gamification", "Vendas e Gamificação", true, false},
	{"media", "Media", "Mídia", true, true},
	{"chat", "Internal chat", "Chat interno", true, true},
	{"reports", "Reports", "Relatórios", false, true},
	{"campaigns", "Campaigns", "Campanhas", true, true},
}

// ModuleByKey finds a module definition.
func ModuleByKey(key string) (Module, bool) {
	for _, m := range Modules {
		if m.Key == key {
			return m, true
		}
	}
	return Module{}, false
}

// Enabled reports whether a module is on for the account (mandatory modules always are).
func (a *Account) Enabled(key string) bool {
	m, ok := ModuleByKey(key)
	if !ok {
		return false
	}
	if !m.Optional {
		return true
	}
	if on, set := a.Modules[key]; set {
		return on
	}
	return m.DefaultOn
}

// EnabledModules lists the keys of the modules on for the account, in sidebar order.
func (a *Account) EnabledModules() []string {
	var out []string
	for _, m := range Modules {
		if a.Enabled(m.Key) {
			out = append(out, m.Key)
		}
	}
	return out
}
