// Package crm holds the sales side of the account: pipelines with their stages, deals moving
// across them (with notes, attachments, checklists and line items), the orders registry and
// custom objects associated with contacts and deals. Contacts and companies live in contacts.
package crm

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// Access modules (and module switches) of this package. "CRM management" in the spec is the
// Manage level on Module.
const (
	Module        = "crm"
	OrdersModule  = "orders"
	ObjectsModule = "custom_objects"
)

// Stage kinds: a deal in a won or lost stage is closed.
const (
	StageOpen = "open"
	StageWon  = "won"
	StageLost = "lost"
)

// Stage is one column of a pipeline's board. Its id is unique in the account (tx.NextNumber
// "crm_stage"), so a deal needs only its stage id to be placed.
type Stage struct {
	ID          uint64 `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`       // #rrggbb
	Probability int    `json:"probability"` // 0–100; won stages are 100, lost stages 0
	Kind        string `json:"kind"`        // open, won or lost
}

// Pipeline is a funnel: an ordered list of stages (order of the slice is the board's order).
type Pipeline struct {
	ID        uint64  `json:"id"`
	AccountID uint64  `json:"account_id"`
	Name      string  `json:"name"`
	Position  int     `json:"position"`
	Stages    []Stage `json:"stages"`
	// StaleDays is how long an open deal may sit in one stage before it counts as stalled.
	StaleDays int       `json:"stale_days"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Pipelines are scoped by account.
var Pipelines = storage.NewCollection(storage.Def[Pipeline]{
	Name:    "pipelines",
	ID:      func(p *Pipeline) *uint64 { return &p.ID },
	Account: func(p *Pipeline) uint64 { return p.AccountID },
	Feed:    true,
})

// Deal statuses.
const (
	DealOpen = "open"
	DealWon  = "won"
	DealLost = "lost"
)

// Counters are the deal's cached tallies shown on its card, kept in step with its parts in the
// same transaction that changes them.
type Counters struct {
	Notes          int `json:"notes"`
	Attachments    int `json:"attachments"`
	ChecklistDone  int `json:"checklist_done"`
	ChecklistTotal int `json:"checklist_total"`
	LineItems      int `json:"line_items"`
}

// Deal is an opportunity. Money is in minor units (cents) of Currency.
type Deal struct {
	ID         uint64 `json:"id"`
	AccountID  uint64 `json:"account_id"`
	PipelineID uint64 `json:"pipeline_id"`
	StageID    uint64 `json:"stage_id"`
	// Position orders deals within a stage (gaps let a move write one record).
	Position   int64  `json:"position"`
	Title      string `json:"title"`
	ValueCents int64  `json:"value_cents"`
	Currency   string `json:"currency"`
	Priority   string `json:"priority"` // low, medium, high, urgent
	OwnerID    uint64 `json:"owner_id,omitempty"`
	ContactID  uint64 `json:"contact_id,omitempty"`
	CompanyID  uint64 `json:"company_id,omitempty"`
	TeamID     uint64 `json:"team_id,omitempty"`
	// ExpectedCloseOn is a calendar date, YYYY-MM-DD in the account's time zone.
	ExpectedCloseOn  string         `json:"expected_close_on,omitempty"`
	Status           string         `json:"status"`
	ClosedAt         time.Time      `json:"closed_at,omitzero"`
	CloseReason      string         `json:"close_reason,omitempty"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
	Counters         Counters       `json:"counters"`
	StageChangedAt   time.Time      `json:"stage_changed_at"`
	LastActivityAt   time.Time      `json:"last_activity_at"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

// Deals are scoped by account: "stage" orders a board column, "contact", "company" and
// "owner" find a record's deals.
var Deals = storage.NewCollection(storage.Def[Deal]{
	Name:    "deals",
	ID:      func(d *Deal) *uint64 { return &d.ID },
	Account: func(d *Deal) uint64 { return d.AccountID },
	Feed:    true,
	Indexes: []storage.Index[Deal]{
		{Name: "stage", Keys: func(d *Deal) [][]byte { return [][]byte{storage.Key(storage.Uint(d.StageID), storage.Int(d.Position))} }},
		{Name: "pipeline", Keys: func(d *Deal) [][]byte { return [][]byte{storage.Uint(d.PipelineID)} }},
		{Name: "contact", Keys: func(d *Deal) [][]byte { return optUint(d.ContactID) }},
		{Name: "company", Keys: func(d *Deal) [][]byte { return optUint(d.CompanyID) }},
		{Name: "owner", Keys: func(d *Deal) [][]byte { return optUint(d.OwnerID) }},
	},
})

func optUint(v uint64) [][]byte {
	if v == 0 {
		return nil
	}
	return [][]byte{storage.Uint(v)}
}

// Event types of deals.
const (
	EventDealCreated = "deal_created"
	EventDealUpdated = "deal_updated"
	EventDealDeleted = "deal_deleted"
)
