// Package tasks holds the account's to-dos: tasks in lists, with assignees, due dates, labels,
// custom attributes and links to a contact, conversation, deal or company; subtasks and
// dependencies (cycles refused); recurrence (RRULE) that makes the next occurrence when one is
// completed; reminders that fire exactly once through the durable scheduler; SLA targets; task
// templates; and the manual actions queue that automation hands to people.
package tasks

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// Module is the access module and module switch of tasks.
const Module = "tasks"

// Statuses of a task. Done and cancelled are closed: they no longer block other tasks.
const (
	StatusTodo       = "todo"
	StatusInProgress = "in_progress"
	StatusDone       = "done"
	StatusCancelled  = "cancelled"
)

// Statuses in board order.
var Statuses = []string{StatusTodo, StatusInProgress, StatusDone, StatusCancelled}

// Priorities of a task, lowest first ("none" is the default).
var Priorities = []string{"none", "low", "medium", "high", "urgent"}

// Manual action kinds: a task with an ActionKind is a step automation handed to a person.
var ActionKinds = []string{"call", "message", "email", "other"}

// Limits that keep one task's record small.
const (
	MaxTitle       = 255
	MaxDescription = 20000
	MaxLabels      = 20
	MaxLabel       = 50
	MaxAssignees   = 20
	MaxChecklist   = 100
	MaxBlockers    = 50
	MaxReminders   = 10
	// MaxDepth is how deep subtasks nest (a task, its subtask, … five levels in all).
	MaxDepth = 5
)

// Gap is the distance between neighbouring positions in a board column (as crm.Gap): a move
// writes one task until two neighbours touch, then the column is renumbered.
const Gap int64 = 1 << 20

// TaskChecklistItem is one line of a task's checklist; ids are unique within the task. (The
// Task prefix keeps its OpenAPI schema name apart from crm's ChecklistItem.)
type TaskChecklistItem struct {
	ID   uint64 `json:"id"`
	Text string `json:"text"`
	Done bool   `json:"done"`
}

// Recurrence is how a task repeats, stored as the fields of an RRULE and evaluated in the
// account's time zone, so "every Monday 09:00" stays 09:00 local across daylight-saving changes.
type Recurrence struct {
	// Freq is daily, weekly, monthly or yearly.
	Freq string `json:"freq"`
	// Interval repeats every n periods (1 = every day/week/…).
	Interval int `json:"interval,omitempty"`
	// Weekdays are MO TU WE TH FR SA SU (weekly: which days; empty = the due date's weekday).
	Weekdays []string `json:"weekdays,omitempty"`
	// Until ends the series after this date (YYYY-MM-DD, inclusive, account time zone).
	Until string `json:"until,omitempty"`
	// Count ends the series after this many occurrences in all (the first task included).
	Count int `json:"count,omitempty"`
	// Anchor is set by Parley, not by clients: the series' first due time, which the rule
	// repeats from (so a month-end series returns to the 31st after a shorter month).
	Anchor *time.Time `json:"anchor,omitempty" readOnly:"true"`
}

// SLA is the task's targets and where it stands, set from the matching policy at creation.
type SLA struct {
	PolicyID uint64     `json:"policy_id"`
	StartBy  *time.Time `json:"start_by,omitempty"`
	FinishBy *time.Time `json:"finish_by,omitempty"`
	// StartBreachedAt / FinishBreachedAt are when a target was missed (kept once set).
	StartBreachedAt  *time.Time `json:"start_breached_at,omitempty"`
	FinishBreachedAt *time.Time `json:"finish_breached_at,omitempty"`
}

// Task is one to-do. Dates are UTC; a task with AllDay has a due date, not a time: DueAt is
// 00:00 of that date in the account's time zone.
type Task struct {
	ID          uint64 `json:"id"`
	AccountID   uint64 `json:"account_id"`
	ListID      uint64 `json:"list_id,omitempty"`
	ParentID    uint64 `json:"parent_id,omitempty"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Status      string `json:"status"`
	Priority    string `json:"priority"`
	// Position orders the task in its board column (status).
	Position    int64      `json:"position"`
	AssigneeIDs []uint64   `json:"assignee_ids,omitempty"`
	CreatorID   uint64     `json:"creator_id,omitempty"`
	StartAt     *time.Time `json:"start_at,omitempty"`
	DueAt       *time.Time `json:"due_at,omitempty"`
	AllDay      bool       `json:"all_day,omitempty"`
	Labels      []string   `json:"labels,omitempty"`
	// CustomAttributes follow the "task_attribute" definitions (contacts.ModelTask).
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
	ContactID        uint64         `json:"contact_id,omitempty"`
	// ConversationID is the conversation's display number (as in its URL), like Chatwoot's API.
	ConversationID uint64 `json:"conversation_id,omitempty"`
	DealID         uint64 `json:"deal_id,omitempty"`
	CompanyID      uint64 `json:"company_id,omitempty"`
	// BlockedBy are the tasks that must be done or cancelled before this one (dependencies).
	BlockedBy []uint64        `json:"blocked_by,omitempty"`
	Checklist []ChecklistItem `json:"checklist,omitempty"`

	Recurrence *Recurrence `json:"recurrence,omitempty"`
	// SeriesID is the first task of a recurring series (its own id on that task); Occurrence
	// counts from 1. The "series" unique index on both is what makes generation idempotent.
	SeriesID   uint64 `json:"series_id,omitempty"`
	Occurrence int    `json:"occurrence,omitempty"`
	// NextID is the occurrence generated when this one was completed.
	NextID uint64 `json:"next_id,omitempty"`

	SLA        *SLA   `json:"sla,omitempty"`
	TemplateID uint64 `json:"template_id,omitempty"`
	// ActionKind marks a manual action (call, message, email, other); Source names the
	// workflow that queued it.
	ActionKind string `json:"action_kind,omitempty"`
	Source     string `json:"source,omitempty"`

	StartedAt   *time.Time `json:"started_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	CompletedBy uint64     `json:"completed_by,omitempty"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Closed reports whether the task is done or cancelled (it then blocks nothing).
func (t *Task) Closed() bool { return t.Status == StatusDone || t.Status == StatusCancelled }

func optUint(v uint64) [][]byte {
	if v == 0 {
		return nil
	}
	return [][]byte{storage.Uint(v)}
}

// Tasks are scoped by account. Index keys:
//   - "column": status, position (the board);
//   - "list": list id (0 = no list), then id;
//   - "parent": the subtasks of a task;
//   - "assignee": one key per assignee, then due time (zero when none) — "my tasks";
//   - "due": due time, for the calendar and overdue sweeps;
//   - "contact", "conversation", "deal", "company": a record's tasks;
//   - "blocker": one key per task in BlockedBy — who a task blocks;
//   - "series" (unique): series id, occurrence;
//   - "action": open manual actions by assignee, then due time.
var Tasks = storage.NewCollection(storage.Def[Task]{
	Name:    "tasks",
	ID:      func(t *Task) *uint64 { return &t.ID },
	Account: func(t *Task) uint64 { return t.AccountID },
	Feed:    true,
	Indexes: []storage.Index[Task]{
		{Name: "column", Keys: func(t *Task) [][]byte { return [][]byte{storage.Key(storage.Str(t.Status), storage.Int(t.Position))} }},
		{Name: "list", Keys: func(t *Task) [][]byte { return [][]byte{storage.Uint(t.ListID)} }},
		{Name: "parent", Keys: func(t *Task) [][]byte { return optUint(t.ParentID) }},
		{Name: "assignee", Keys: func(t *Task) [][]byte {
			keys := make([][]byte, 0, len(t.AssigneeIDs))
			for _, a := range t.AssigneeIDs {
				keys = append(keys, storage.Key(storage.Uint(a), storage.Time(dueOrZero(t))))
			}
			return keys
		}},
		{Name: "due", Keys: func(t *Task) [][]byte {
			if t.DueAt == nil {
				return nil
			}
			return [][]byte{storage.Time(*t.DueAt)}
		}},
		{Name: "contact", Keys: func(t *Task) [][]byte { return optUint(t.ContactID) }},
		{Name: "conversation", Keys: func(t *Task) [][]byte { return optUint(t.ConversationID) }},
		{Name: "deal", Keys: func(t *Task) [][]byte { return optUint(t.DealID) }},
		{Name: "company", Keys: func(t *Task) [][]byte { return optUint(t.CompanyID) }},
		{Name: "blocker", Keys: func(t *Task) [][]byte {
			keys := make([][]byte, 0, len(t.BlockedBy))
			for _, b := range t.BlockedBy {
				keys = append(keys, storage.Uint(b))
			}
			return keys
		}},
		{Name: "series", Unique: true, Keys: func(t *Task) [][]byte {
			if t.SeriesID == 0 {
				return nil
			}
			return [][]byte{storage.Key(storage.Uint(t.SeriesID), storage.Uint(uint64(t.Occurrence)))}
		}},
		{Name: "action", Keys: func(t *Task) [][]byte {
			if t.ActionKind == "" || t.Closed() {
				return nil
			}
			keys := [][]byte{storage.Key(storage.Uint(0), storage.Time(dueOrZero(t)))}
			for _, a := range t.AssigneeIDs {
				keys = append(keys, storage.Key(storage.Uint(a), storage.Time(dueOrZero(t))))
			}
			return keys
		}},
	},
})

func dueOrZero(t *Task) time.Time {
	if t.DueAt == nil {
		return time.Time{}
	}
	return *t.DueAt
}

// List is a named group of tasks ("Onboarding", "Finance"). System lists are made by Parley
// (the manual actions queue) and cannot be renamed or deleted.
type List struct {
	ID        uint64    `json:"id"`
	AccountID uint64    `json:"account_id"`
	Name      string    `json:"name"`
	Color     string    `json:"color"` // #rrggbb
	Position  int       `json:"position"`
	System    string    `json:"system,omitempty"` // "manual_actions" on the queue's list
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Lists are scoped by account; names are unique without regard to case.
var Lists = storage.NewCollection(storage.Def[List]{
	Name:    "task_lists",
	ID:      func(l *List) *uint64 { return &l.ID },
	Account: func(l *List) uint64 { return l.AccountID },
	Feed:    true,
	Indexes: []storage.Index[List]{
		{Name: "name", Unique: true, Keys: func(l *List) [][]byte { return [][]byte{storage.Str(storage.Fold(l.Name))} }},
		{Name: "system", Unique: true, Keys: func(l *List) [][]byte {
			if l.System == "" {
				return nil
			}
			return [][]byte{storage.Str(l.System)}
		}},
	},
})

// SystemManualActions is the System value of the manual actions list.
const SystemManualActions = "manual_actions"

// Reminder targets.
const (
	TargetMe        = "me"
	TargetUser      = "user"
	TargetAssignees = "assignees"
)

// Reminder is an alert about a task at a date/time, in the app and/or by email, to its creator
// ("me"), a chosen user or the task's assignees. A scheduler job keyed by the reminder fires it;
// FiredAt is written in the job's own transaction, so it fires exactly once.
type Reminder struct {
	ID        uint64    `json:"id"`
	AccountID uint64    `json:"account_id"`
	TaskID    uint64    `json:"task_id"`
	At        time.Time `json:"at"`
	App       bool      `json:"app"`
	Email     bool      `json:"email"`
	Target    string    `json:"target"`
	// UserID is the recipient of "me" (the creator) and "user".
	UserID    uint64     `json:"user_id,omitempty"`
	CreatedBy uint64     `json:"created_by"`
	FiredAt   *time.Time `json:"fired_at,omitempty"`
	// Outcome says what firing did: "sent", "skipped_closed" (the task was done or cancelled),
	// "no_recipients"; empty until it fires.
	Outcome   string    `json:"outcome,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Reminders are scoped by account; "task" lists a task's reminders.
var Reminders = storage.NewCollection(storage.Def[Reminder]{
	Name:    "task_reminders",
	ID:      func(r *Reminder) *uint64 { return &r.ID },
	Account: func(r *Reminder) uint64 { return r.AccountID },
	Indexes: []storage.Index[Reminder]{
		{Name: "task", Keys: func(r *Reminder) [][]byte { return [][]byte{storage.Uint(r.TaskID)} }},
	},
})

// ChecklistItem is the short name used inside the package.
type ChecklistItem = TaskChecklistItem

// SLAPolicy is the short name used inside the package.
type SLAPolicy = TaskSLAPolicy

// TaskSLAPolicy (named apart from conversations' SLAPolicy in the OpenAPI document) sets time targets for tasks that match it: start within StartMinutes and finish
// within FinishMinutes of creation (0 = no such target). The first enabled policy by position
// whose ListID and Priority match (0/"" match any) applies to a new task.
type TaskSLAPolicy struct {
	ID            uint64    `json:"id"`
	AccountID     uint64    `json:"account_id"`
	Name          string    `json:"name"`
	ListID        uint64    `json:"list_id,omitempty"`
	Priority      string    `json:"priority,omitempty"`
	StartMinutes  int       `json:"start_minutes,omitempty"`
	FinishMinutes int       `json:"finish_minutes,omitempty"`
	Enabled       bool      `json:"enabled"`
	Position      int       `json:"position"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// SLAPolicies are scoped by account; names are unique without regard to case.
var SLAPolicies = storage.NewCollection(storage.Def[SLAPolicy]{
	Name:    "task_sla_policies",
	ID:      func(p *SLAPolicy) *uint64 { return &p.ID },
	Account: func(p *SLAPolicy) uint64 { return p.AccountID },
	Indexes: []storage.Index[SLAPolicy]{
		{Name: "name", Unique: true, Keys: func(p *SLAPolicy) [][]byte { return [][]byte{storage.Str(storage.Fold(p.Name))} }},
	},
})

// TemplateSubtask is a subtask a template creates, due DueOffsetDays after the task's creation
// (nil = no due date).
type TemplateSubtask struct {
	Title         string `json:"title"`
	Priority      string `json:"priority,omitempty"`
	AssigneeID    uint64 `json:"assignee_id,omitempty"`
	DueOffsetDays *int   `json:"due_offset_days,omitempty"`
}

// Template is the short name used inside the package.
type Template = TaskTemplate

// TaskTemplate is a reusable task: its fields, checklist and subtasks (named apart from crm's
// Template in the OpenAPI document).
type TaskTemplate struct {
	ID               uint64            `json:"id"`
	AccountID        uint64            `json:"account_id"`
	Name             string            `json:"name"`
	Title            string            `json:"title"`
	Description      string            `json:"description,omitempty"`
	Priority         string            `json:"priority"`
	ListID           uint64            `json:"list_id,omitempty"`
	AssigneeIDs      []uint64          `json:"assignee_ids,omitempty"`
	Labels           []string          `json:"labels,omitempty"`
	DueOffsetDays    *int              `json:"due_offset_days,omitempty"`
	Checklist        []string          `json:"checklist,omitempty"`
	Subtasks         []TemplateSubtask `json:"subtasks,omitempty"`
	CustomAttributes map[string]any    `json:"custom_attributes,omitempty"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
}

// Templates are scoped by account; names are unique without regard to case.
var Templates = storage.NewCollection(storage.Def[Template]{
	Name:    "task_templates",
	ID:      func(t *Template) *uint64 { return &t.ID },
	Account: func(t *Template) uint64 { return t.AccountID },
	Indexes: []storage.Index[Template]{
		{Name: "name", Unique: true, Keys: func(t *Template) [][]byte { return [][]byte{storage.Str(storage.Fold(t.Name))} }},
	},
})

// Change-feed event types (also webhook event names).
const (
	EventTaskCreated   = "task_created"
	EventTaskUpdated   = "task_updated"
	EventTaskCompleted = "task_completed"
	EventTaskDeleted   = "task_deleted"
	EventListChanged   = "task_list_changed"
)
