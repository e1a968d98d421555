// Package replies holds what agents reuse while answering: canned responses (snippets, inserted
// with "/" in the composer, with {{contact.name}}-style variables) and macros (a named list of
// actions run on a conversation in one click).
package replies

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// CannedResponse is a reusable reply; ShortCode is what the agent types after "/".
type CannedResponse struct {
	ID        uint64    `json:"id"`
	AccountID uint64    `json:"account_id"`
	ShortCode string    `json:"short_code"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CannedResponses are scoped by account with unique short codes.
var CannedResponses = storage.NewCollection(storage.Def[CannedResponse]{
	Name:    "canned_responses",
	ID:      func(c *CannedResponse) *uint64 { return &c.ID },
	Account: func(c *CannedResponse) uint64 { return c.AccountID },
	Indexes: []storage.Index[CannedResponse]{
		{Name: "short_code", Unique: true, Keys: func(c *CannedResponse) [][]byte { return [][]byte{storage.Str(storage.Fold(c.ShortCode))} }},
	},
})

// Macro visibility.
const (
	Personal = "personal" // only its author sees and runs it
	Global   = "global"   // everyone in the account
)

// Macro is a named list of actions run on a conversation.
type Macro struct {
	ID         uint64    `json:"id"`
	AccountID  uint64    `json:"account_id"`
	Name       string    `json:"name"`
	Visibility string    `json:"visibility"`
	CreatedBy  uint64    `json:"created_by_id"`
	Actions    []Action  `json:"actions"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Action is one step of a macro, in Chatwoot's shape: add_label ["billing"], remove_label,
// assign_agent [user id], assign_team [team id], change_status ["resolved"|"snoozed"|…],
// change_priority ["high"], send_message ["text"], send_canned_response [canned id],
// add_private_note ["text"], remove_assigned_agent, remove_assigned_team.
type Action struct {
	Name   string `json:"action_name"`
	Params []any  `json:"action_params,omitempty"`
}

// Macros are scoped by account.
var Macros = storage.NewCollection(storage.Def[Macro]{
	Name:    "macros",
	ID:      func(m *Macro) *uint64 { return &m.ID },
	Account: func(m *Macro) uint64 { return m.AccountID },
})
