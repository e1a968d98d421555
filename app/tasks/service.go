package tasks

import (
	"log/slog"
	"time"

	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// Deps are what tasks need.
type Deps struct {
	DB *storage.DB
	// Jobs fires reminders and SLA checks; the service registers its job kinds on it.
	Jobs   *scheduler.Scheduler
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
}

// Service holds the rules of tasks, lists, reminders, recurrence, SLA and templates.
type Service struct {
	db   *storage.DB
	jobs *scheduler.Scheduler
	log  *slog.Logger
	now  func() time.Time
}

// New builds the service and registers its scheduler job kinds.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Service{db: d.DB, jobs: d.Jobs, log: d.Logger, now: func() time.Time { return d.Now().UTC() }}
	if d.Jobs != nil {
		s.registerJobs()
	}
	return s
}

// registerJobs registers the scheduler kinds of reminders and SLA checks.
func (s *Service) registerJobs() {
	s.registerReminderJobs()
	s.registerSLAJobs()
}

// UserRef is the short name used inside the package.
type UserRef = TaskUserRef

// TaskUserRef names a member on a task (named apart from crm's UserRef in the OpenAPI document).
type TaskUserRef struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}

// LinkRef is a record a task points at. Name is empty and Hidden set when the actor may not see
// the record (owner privacy, an inbox they are not in); Missing when it was deleted.
type LinkRef struct {
	ID      uint64 `json:"id"`
	Name    string `json:"name,omitempty"`
	Hidden  bool   `json:"hidden,omitempty"`
	Missing bool   `json:"missing,omitempty"`
}

// TaskRef is a short mention of another task (parent, blockers, blocked).
type TaskRef struct {
	ID     uint64     `json:"id"`
	Title  string     `json:"title"`
	Status string     `json:"status"`
	DueAt  *time.Time `json:"due_at,omitempty"`
}

// Progress counts done parts of a whole (subtasks, checklist items).
type Progress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// SLA states of one target.
const (
	SLANone     = "none"     // no such target
	SLAOK       = "ok"       // running, not missed yet
	SLAMet      = "met"      // reached in time
	SLABreached = "breached" // missed (also when reached late)
)

// SLAState is where each of a task's targets stands now.
type SLAState struct {
	PolicyID uint64     `json:"policy_id"`
	Start    string     `json:"start"`
	Finish   string     `json:"finish"`
	StartBy  *time.Time `json:"start_by,omitempty"`
	FinishBy *time.Time `json:"finish_by,omitempty"`
}

// TaskView is a task as lists, boards and calendars show it.
type TaskView struct {
	Task
	Assignees []UserRef `json:"assignees"`
	ListName  string    `json:"list_name,omitempty"`
	// ListSystem marks a list Parley made ("manual_actions"), so a UI can name it in its own
	// language rather than the account's.
	ListSystem   string    `json:"list_system,omitempty"`
	Blocked      bool      `json:"blocked"`
	Overdue      bool      `json:"overdue"`
	Subtasks     Progress  `json:"subtasks"`
	ChecklistSum Progress  `json:"checklist_progress"`
	Contact      *LinkRef  `json:"contact,omitempty"`
	Conversation *LinkRef  `json:"conversation,omitempty"`
	Deal         *LinkRef  `json:"deal,omitempty"`
	Company      *LinkRef  `json:"company,omitempty"`
	SLAState     *SLAState `json:"sla_state,omitempty"`
	// NextReminderAt is the earliest reminder that has not fired.
	NextReminderAt *time.Time `json:"next_reminder_at,omitempty"`
}

// TaskDetail is one task with its neighbourhood, for the task drawer.
type TaskDetail struct {
	TaskView
	Parent       *TaskRef   `json:"parent,omitempty"`
	SubtaskItems []TaskView `json:"subtask_items"`
	// Blockers are the tasks in BlockedBy; BlockingItems the tasks this one blocks.
	Blockers      []TaskRef  `json:"blockers"`
	BlockingItems []TaskRef  `json:"blocking"`
	Reminders     []Reminder `json:"reminders"`
	// Upcoming are the next dates of a recurring task's series (at most 5).
	Upcoming []time.Time `json:"upcoming"`
}

// TaskInput creates a task (POST) or changes one (PATCH: absent fields stay). Times are RFC 3339;
// an empty string clears due_at or start_at. A recurrence with an empty freq removes it.
type TaskInput struct {
	Title            *string        `json:"title,omitempty" maxLength:"255"`
	Description      *string        `json:"description,omitempty"`
	Status           *string        `json:"status,omitempty" doc:"todo, in_progress, done or cancelled"`
	Priority         *string        `json:"priority,omitempty" doc:"none, low, medium, high or urgent"`
	ListID           *uint64        `json:"list_id,omitempty" doc:"0 takes the task out of its list"`
	ParentID         *uint64        `json:"parent_id,omitempty" doc:"makes it a subtask; 0 makes it a top-level task"`
	AssigneeIDs      []uint64       `json:"assignee_ids,omitempty" doc:"replaces the assignees; [] clears them"`
	StartAt          *string        `json:"start_at,omitempty"`
	DueAt            *string        `json:"due_at,omitempty"`
	AllDay           *bool          `json:"all_day,omitempty"`
	Labels           []string       `json:"labels,omitempty" doc:"replaces the labels; [] clears them"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty" doc:"merged; a null value removes the attribute"`
	ContactID        *uint64        `json:"contact_id,omitempty"`
	ConversationID   *uint64        `json:"conversation_id,omitempty" doc:"the conversation's display number"`
	DealID           *uint64        `json:"deal_id,omitempty"`
	CompanyID        *uint64        `json:"company_id,omitempty"`
	Recurrence       *Recurrence    `json:"recurrence,omitempty"`
	// Checklist on create only: the texts of the first items.
	Checklist []string `json:"checklist,omitempty"`
	// ActionKind and Source on create only (manual actions).
	ActionKind string `json:"action_kind,omitempty"`
	Source     string `json:"source,omitempty"`
}
