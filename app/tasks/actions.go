package tasks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// The manual actions queue: steps automation (or a person working a conversation) hands to
// someone — call the contact, send a personal message. Each is a task with an ActionKind in the
// account's "Manual actions" system list, so it shows on boards, in "my tasks" and in the
// calendar, and is completed like any task.

// ActionInput is a manual action to queue. ConversationID is the conversation's display number.
type ActionInput struct {
	Kind           string     `json:"kind" doc:"call, message, email or other (default)"`
	Title          string     `json:"title" maxLength:"255"`
	Note           string     `json:"note,omitempty" doc:"becomes the task's description"`
	ContactID      uint64     `json:"contact_id,omitempty"`
	ConversationID uint64     `json:"conversation_id,omitempty" doc:"display number; the contact is taken from it when contact_id is absent"`
	AssigneeID     uint64     `json:"assignee_id,omitempty"`
	Source         string     `json:"source,omitempty" doc:"the workflow that queued it"`
	DueAt          *time.Time `json:"due_at,omitempty"`
}

// ActionPageSize is the queue's default page size; MaxActionPage its largest.
const (
	ActionPageSize = 25
	MaxActionPage  = 100
)

// mayWork reports whether the actor works action t: administrators every one, agents their own
// and the unassigned ones (the queue's rule before actions became tasks).
func mayWork(actor access.Actor, t *Task) bool {
	return actor.IsAdmin() || len(t.AssigneeIDs) == 0 || slices.Contains(t.AssigneeIDs, actor.UserID)
}

// CreateAction queues a manual action — a task in the account's "Manual actions" list — and
// tells its assignee. Like the queue before it, it needs conversations management, since the
// people (and automations) who queue actions are the ones working conversations — and, as it
// writes a task, tasks management too.
func (s *Service) CreateAction(ctx context.Context, actor access.Actor, in ActionInput) (*TaskView, error) {
	if err := actor.Require("conversations", access.Manage); err != nil {
		return nil, err
	}
	if err := actor.Require(Module, access.Manage); err != nil { // it writes a task
		return nil, err
	}
	var fe apperr.Fields
	kind := strings.ToLower(strings.TrimSpace(in.Kind))
	if kind == "" {
		kind = "other"
	}
	if !slices.Contains(ActionKinds, kind) {
		fe.Add("kind", "must be call, message, email or other")
	}
	title := strings.TrimSpace(in.Title)
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		fe.Add("title", "is required")
	case n > MaxTitle:
		fe.Add("title", fmt.Sprintf("must be at most %d characters", MaxTitle))
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > MaxDescription {
		fe.Add("note", fmt.Sprintf("must be at most %d characters", MaxDescription))
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *TaskView
	err := s.db.Update(func(tx *storage.Tx) error {
		var fe apperr.Fields
		if in.AssigneeID != 0 && !isMember(tx, actor.AccountID, in.AssigneeID) {
			fe.Add("assignee_id", "is not an agent of this account")
		}
		contact := in.ContactID
		if in.ConversationID != 0 && contact == 0 {
			if c, err := conversations.Conversations.GetBy(tx, actor.AccountID, "display", storage.Uint(in.ConversationID)); err == nil {
				contact = c.ContactID
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		acct, err := accountOf(tx, actor.AccountID)
		if err != nil {
			return err
		}
		list, err := s.systemListTx(tx, actor.AccountID, SystemManualActions)
		if err != nil {
			return err
		}
		ti := TaskInput{Title: &title, ListID: &list.ID, AssigneeIDs: []uint64{}, ActionKind: kind, Source: in.Source}
		if note != "" {
			ti.Description = &note
		}
		if in.AssigneeID != 0 {
			ti.AssigneeIDs = []uint64{in.AssigneeID}
		}
		if in.DueAt != nil {
			due := in.DueAt.UTC().Format(time.RFC3339)
			ti.DueAt = &due
		}
		if contact != 0 {
			ti.ContactID = &contact
		}
		if in.ConversationID != 0 {
			ti.ConversationID = &in.ConversationID
		}
		t, err := s.createTx(tx, actor, ti, nil, true)
		if err != nil {
			return err
		}
		if in.AssigneeID != 0 && in.AssigneeID != actor.UserID {
			if err := notifyActionTx(tx, acct, t, in.AssigneeID); err != nil {
				return err
			}
		}
		out, err = s.viewTx(tx, actor, t)
		return err
	})
	return out, err
}

// notifyActionTx tells the assignee, in the account's language, that an action waits for them;
// the link opens the conversation it is about, or the task.
func notifyActionTx(tx *storage.Tx, acct *accounts.Account, t *Task, user uint64) error {
	title := "New action for you: " + t.Title
	if ptBR(acct) {
		title = "Nova ação para você: " + t.Title
	}
	link := fmt.Sprintf("/tasks/%d", t.ID)
	if t.ConversationID != 0 {
		link = fmt.Sprintf("/conversations/%d", t.ConversationID)
	}
	return notify.Send(tx, notify.Notification{AccountID: t.AccountID, UserID: user, Type: "manual_action_assigned", Title: title, Body: t.Description, Link: link})
}

// Actions returns a page of the queue: assignee "me" (the actor's actions) or "all" (default:
// every action the actor works); open actions by due time (undated first), or with done the
// closed ones, newest first. cursor continues a previous page (Page.Next); limit 0 is the default.
func (s *Service) Actions(ctx context.Context, actor access.Actor, assignee string, done bool, cursor string, limit int) (storage.Page[TaskView], error) {
	page := storage.Page[TaskView]{Items: []TaskView{}}
	if err := actor.Require(Module, access.View); err != nil {
		return page, err
	}
	if assignee != "" && assignee != "me" && assignee != "all" {
		return page, apperr.Field("assignee", "must be me or all")
	}
	if limit <= 0 {
		limit = ActionPageSize
	}
	limit = min(limit, MaxActionPage)
	mine := assignee == "me"
	keep := func(t *Task) bool {
		if t.ActionKind == "" || t.Closed() != done {
			return false
		}
		if mine {
			return slices.Contains(t.AssigneeIDs, actor.UserID)
		}
		return mayWork(actor, t)
	}
	err := s.db.View(func(tx *storage.Tx) error {
		var q storage.Query
		switch {
		case done:
			// Closed actions leave the "action" index; they stay in the system list.
			l, err := Lists.GetBy(tx, actor.AccountID, "system", storage.Str(SystemManualActions))
			if apperr.Is(err, apperr.NotFound) {
				return nil
			} else if err != nil {
				return err
			}
			q = storage.Query{Index: "list", Prefix: storage.Uint(l.ID), Reverse: true}
		case mine:
			q = storage.Query{Index: "action", Prefix: storage.Uint(actor.UserID)}
		default:
			q = storage.Query{Index: "action", Prefix: storage.Uint(0)}
		}
		tasks, next, err := filteredPage(tx, actor.AccountID, q, cursor, limit, keep)
		if err != nil {
			return err
		}
		v, err := s.newViewer(tx, actor)
		if err != nil {
			return err
		}
		for i := range tasks {
			page.Items = append(page.Items, v.view(&tasks[i]))
		}
		page.Next = next
		return nil
	})
	return page, err
}

// filteredPage pages through q keeping only what keep accepts, with a cursor that resumes right
// after the last task returned (a filter makes the store's own pages uneven).
func filteredPage(tx *storage.Tx, account uint64, q storage.Query, cursor string, limit int, keep func(*Task) bool) ([]Task, string, error) {
	var out []Task
	q.Limit, q.Cursor = 1, cursor
	for first := true; first || q.Cursor != ""; first = false {
		step, err := Tasks.Scan(tx, account, q)
		if err != nil && cursor != "" {
			return nil, "", apperr.Field("cursor", "is not a cursor of this list")
		}
		if err != nil {
			return nil, "", err
		}
		if len(step.Items) == 0 {
			break
		}
		if keep(&step.Items[0]) {
			if len(out) == limit {
				return out, q.Cursor, nil
			}
			out = append(out, step.Items[0])
		}
		q.Cursor = step.Next
	}
	return out, "", nil
}

// CompleteAction marks an action done through the tasks' own completion path; completing a done
// action changes nothing.
func (s *Service) CompleteAction(ctx context.Context, actor access.Actor, id uint64) (*TaskView, error) {
	return s.actionStatus(actor, id, StatusDone)
}

// ReopenAction puts a closed action back in the queue ("to do"); an open one stays as it is.
func (s *Service) ReopenAction(ctx context.Context, actor access.Actor, id uint64) (*TaskView, error) {
	return s.actionStatus(actor, id, StatusTodo)
}

func (s *Service) actionStatus(actor access.Actor, id uint64, status string) (*TaskView, error) {
	d, err := s.write(actor, id, func(tx *storage.Tx, t *Task) error {
		if t.ActionKind == "" || !mayWork(actor, t) {
			return apperr.NotFoundf("manual action %d not found", id)
		}
		return s.statusTx(tx, actor, t, status)
	})
	if err != nil {
		return nil, err
	}
	return &d.TaskView, nil
}

// legacyAction is a manual action as the conversations area stored it before actions became
// tasks; it exists only for MigrateManualActions.
type legacyAction struct {
	ID             uint64     `json:"id"`
	AccountID      uint64     `json:"account_id"`
	Kind           string     `json:"kind"`
	Title          string     `json:"title"`
	Note           string     `json:"note,omitempty"`
	ContactID      uint64     `json:"contact_id,omitempty"`
	ConversationID uint64     `json:"conversation_id,omitempty"`
	AssigneeID     uint64     `json:"assignee_id,omitempty"`
	Source         string     `json:"source,omitempty"`
	DueAt          *time.Time `json:"due_at,omitempty"`
	DoneAt         *time.Time `json:"done_at,omitempty"`
	DoneBy         uint64     `json:"done_by,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// legacyActions is the old bucket, declared with its old index so deleting a record also
// removes its index entries.
var legacyActions = storage.NewCollection(storage.Def[legacyAction]{
	Name:    "manual_actions",
	ID:      func(a *legacyAction) *uint64 { return &a.ID },
	Account: func(a *legacyAction) uint64 { return a.AccountID },
	Indexes: []storage.Index[legacyAction]{
		{Name: "open", Keys: func(a *legacyAction) [][]byte {
			if a.DoneAt != nil {
				return nil
			}
			due := time.Time{}
			if a.DueAt != nil {
				due = *a.DueAt
			}
			return [][]byte{storage.Key(storage.Uint(a.AssigneeID), storage.Time(due)), storage.Key(storage.Str("all"), storage.Time(due))}
		}},
	},
})

// MigrateManualActions moves the manual actions queued before tasks existed into tasks in each
// account's "Manual actions" list (a migration: one transaction). Title, note, kind, links,
// assignee, due time, done state and creation time are kept; the old records are dropped. No
// task events or notifications are sent: nothing happened, the data only moved.
func MigrateManualActions(tx *storage.Tx) error {
	var old []legacyAction
	if err := legacyActions.EachAccount(tx, func(_ uint64, a *legacyAction) error { old = append(old, *a); return nil }); err != nil {
		return err
	}
	if len(old) == 0 {
		return nil
	}
	s := &Service{now: func() time.Time { return time.Now().UTC() }}
	for _, a := range old {
		list, err := s.systemListTx(tx, a.AccountID, SystemManualActions)
		if err != nil {
			return err
		}
		kind := a.Kind
		if !slices.Contains(ActionKinds, kind) {
			kind = "other"
		}
		t := &Task{AccountID: a.AccountID, ListID: list.ID, Title: a.Title, Description: a.Note, Status: StatusTodo, Priority: "none",
			ContactID: a.ContactID, ConversationID: a.ConversationID, ActionKind: kind, Source: a.Source, DueAt: a.DueAt,
			CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt}
		if a.AssigneeID != 0 {
			t.AssigneeIDs = []uint64{a.AssigneeID}
		}
		if a.DoneAt != nil {
			done := *a.DoneAt
			t.Status, t.CompletedAt, t.CompletedBy, t.UpdatedAt = StatusDone, &done, a.DoneBy, done
		}
		last, err := s.lastPositionTx(tx, a.AccountID, t.Status)
		if err != nil {
			return err
		}
		t.Position = last + Gap
		if err := Tasks.Put(tx, t); err != nil {
			return fmt.Errorf("tasks: migrate manual action %d of account %d: %w", a.ID, a.AccountID, err)
		}
		if err := legacyActions.Delete(tx, a.AccountID, a.ID); err != nil {
			return err
		}
	}
	return nil
}
