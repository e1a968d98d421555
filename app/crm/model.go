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

// Gap is the distance between neighbouring deal positions in a column: a move writes only the
// moved deal until two neighbours touch, and then the column is renumbered once.
const Gap int64 = 1 << 20

// Priorities of a deal.
var Priorities = []string{"low", "medium", "high", "urgent"}

// StageChange is one line of a deal's stage history: every move between stages (and every
// won, lost or reopen) leaves one, so the time spent in each stage can be reported later.
type StageChange struct {
	ID             uint64    `json:"id"`
	AccountID      uint64    `json:"account_id"`
	DealID         uint64    `json:"deal_id"`
	FromStageID    uint64    `json:"from_stage_id,omitempty"`
	ToStageID      uint64    `json:"to_stage_id"`
	FromPipelineID uint64    `json:"from_pipeline_id,omitempty"`
	ToPipelineID   uint64    `json:"to_pipeline_id"`
	Status         string    `json:"status"`
	UserID         uint64    `json:"user_id,omitempty"`
	At             time.Time `json:"at"`
}

// dealIndex is the index every deal part declares: it lists the parts of one deal by id.
func dealIndex[T any](id func(*T) uint64) []storage.Index[T] {
	return []storage.Index[T]{{Name: "deal", Keys: func(v *T) [][]byte { return [][]byte{storage.Uint(id(v))} }}}
}

// StageHistory is scoped by account; "deal" lists a deal's changes in the order they happened.
var StageHistory = storage.NewCollection(storage.Def[StageChange]{
	Name:    "deal_stage_history",
	ID:      func(h *StageChange) *uint64 { return &h.ID },
	Account: func(h *StageChange) uint64 { return h.AccountID },
	Indexes: dealIndex(func(h *StageChange) uint64 { return h.DealID }),
})

// Note is a free-text note on a deal.
type Note struct {
	ID        uint64    `json:"id"`
	AccountID uint64    `json:"account_id"`
	DealID    uint64    `json:"deal_id"`
	UserID    uint64    `json:"user_id"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Notes are scoped by account and listed per deal.
var Notes = storage.NewCollection(storage.Def[Note]{
	Name:    "deal_notes",
	ID:      func(n *Note) *uint64 { return &n.ID },
	Account: func(n *Note) uint64 { return n.AccountID },
	Indexes: dealIndex(func(n *Note) uint64 { return n.DealID }),
})

// Attachment is a file kept on a deal (a proposal, a contract draft). The bytes are a blob;
// the record holds one reference to it.
type Attachment struct {
	ID          uint64    `json:"id"`
	AccountID   uint64    `json:"account_id"`
	DealID      uint64    `json:"deal_id"`
	UserID      uint64    `json:"user_id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Hash        string    `json:"hash"`
	CreatedAt   time.Time `json:"created_at"`
}

// Attachments are scoped by account and listed per deal.
var Attachments = storage.NewCollection(storage.Def[Attachment]{
	Name:    "deal_attachments",
	ID:      func(a *Attachment) *uint64 { return &a.ID },
	Account: func(a *Attachment) uint64 { return a.AccountID },
	Indexes: dealIndex(func(a *Attachment) uint64 { return a.DealID }),
})

// ChecklistItem is one step of a deal's checklist.
type ChecklistItem struct {
	ID        uint64    `json:"id"`
	AccountID uint64    `json:"account_id"`
	DealID    uint64    `json:"deal_id"`
	Text      string    `json:"text"`
	Done      bool      `json:"done"`
	Position  int       `json:"position"`
	DoneAt    time.Time `json:"done_at,omitzero"`
	DoneBy    uint64    `json:"done_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Checklist items are scoped by account and listed per deal.
var Checklist = storage.NewCollection(storage.Def[ChecklistItem]{
	Name:    "deal_checklist",
	ID:      func(c *ChecklistItem) *uint64 { return &c.ID },
	Account: func(c *ChecklistItem) uint64 { return c.AccountID },
	Indexes: dealIndex(func(c *ChecklistItem) uint64 { return c.DealID }),
})

// Discount types of a line item.
const (
	DiscountNone    = "none"
	DiscountFixed   = "fixed"
	DiscountPercent = "percent"
)

// LineItem is one line of a deal: a catalog product copied at the time it was added (a
// snapshot, so later catalog edits change nothing) or a one-off line. Quantities are kept in
// thousandths and percent discounts in hundredths of a percent so every sum is an integer.
type LineItem struct {
	ID             uint64 `json:"id"`
	AccountID      uint64 `json:"account_id"`
	DealID         uint64 `json:"deal_id"`
	ProductID      uint64 `json:"product_id,omitempty"`
	Name           string `json:"name"`
	SKU            string `json:"sku,omitempty"`
	QuantityMilli  int64  `json:"quantity_milli"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	DiscountType   string `json:"discount_type"`
	// DiscountValue is cents for a fixed discount, hundredths of a percent for a percentage.
	DiscountValue int64     `json:"discount_value"`
	Position      int       `json:"position"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// LineItems are scoped by account and listed per deal.
var LineItems = storage.NewCollection(storage.Def[LineItem]{
	Name:    "deal_line_items",
	ID:      func(l *LineItem) *uint64 { return &l.ID },
	Account: func(l *LineItem) uint64 { return l.AccountID },
	Indexes: dealIndex(func(l *LineItem) uint64 { return l.DealID }),
})

// DealFilters narrow the board and the deal list; a saved view keeps one set of them.
type DealFilters struct {
	OwnerID   uint64 `json:"owner_id,omitempty"`
	Priority  string `json:"priority,omitempty"`
	Q         string `json:"q,omitempty"`
	TeamID    uint64 `json:"team_id,omitempty"`
	ContactID uint64 `json:"contact_id,omitempty"`
	CompanyID uint64 `json:"company_id,omitempty"`
	// CloseFrom and CloseTo bound expected_close_on (YYYY-MM-DD, both inclusive).
	CloseFrom string `json:"close_from,omitempty"`
	CloseTo   string `json:"close_to,omitempty"`
	Status    string `json:"status,omitempty"`
}

// SavedView is a named set of deal filters a user keeps for themselves.
type SavedView struct {
	ID         uint64      `json:"id"`
	AccountID  uint64      `json:"account_id"`
	UserID     uint64      `json:"user_id"`
	Name       string      `json:"name"`
	PipelineID uint64      `json:"pipeline_id,omitempty"`
	Filters    DealFilters `json:"filters"`
	CreatedAt  time.Time   `json:"created_at"`
}

// SavedViews are scoped by account; "name" is unique per user.
var SavedViews = storage.NewCollection(storage.Def[SavedView]{
	Name:    "deal_views",
	ID:      func(v *SavedView) *uint64 { return &v.ID },
	Account: func(v *SavedView) uint64 { return v.AccountID },
	Indexes: []storage.Index[SavedView]{
		{Name: "user", Keys: func(v *SavedView) [][]byte { return [][]byte{storage.Uint(v.UserID)} }},
		{Name: "name", Unique: true, Keys: func(v *SavedView) [][]byte {
			return [][]byte{storage.Key(storage.Uint(v.UserID), storage.Str(storage.Fold(v.Name)))}
		}},
	},
})
