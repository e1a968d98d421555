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
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/webhooks"
	"github.com/parleyhq/parley/storage"
)

func init() {
	for _, e := range []webhooks.Event{
		{Name: EventTaskCreated, Group: "tasks", DescriptionEN: "A task is created", DescriptionPT: "Uma tarefa é criada"},
		{Name: EventTaskUpdated, Group: "tasks", DescriptionEN: "A task is changed", DescriptionPT: "Uma tarefa é alterada"},
		{Name: EventTaskCompleted, Group: "tasks", DescriptionEN: "A task is completed", DescriptionPT: "Uma tarefa é concluída"},
		{Name: EventTaskDeleted, Group: "tasks", DescriptionEN: "A task is deleted", DescriptionPT: "Uma tarefa é excluída"},
	} {
		webhooks.RegisterEvent(e)
	}
}

// notFound is how a task of another account (or none) reads: the same as a missing one.
func notFound(id uint64) error { return apperr.NotFoundf("task %d not found", id) }

// getTx loads a task of the actor's account.
func getTx(tx *storage.Tx, account, id uint64) (*Task, error) {
	t, err := Tasks.Get(tx, account, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, notFound(id)
	}
	return t, err
}

// parseWhen reads a due or start value: RFC 3339, or YYYY-MM-DD for an all-day date (00:00 in
// the account's zone).
func parseWhen(s string, loc *time.Location) (time.Time, bool, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), false, true
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return d.UTC(), true, true
	}
	return time.Time{}, false, false
}

// localMidnight is 00:00 of t's date in loc: an all-day task keeps its date, not a time.
func localMidnight(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc).UTC()
}

// cleanLabels trims, drops empties and removes case-insensitive duplicates (first spelling wins).
func cleanLabels(in []string, fe *apperr.Fields) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, l := range in {
		l = strings.TrimSpace(l)
		if l == "" || seen[fold(l)] {
			continue
		}
		if utf8.RuneCountInString(l) > MaxLabel {
			fe.Add("labels", fmt.Sprintf("each label must be at most %d characters", MaxLabel))
		}
		seen[fold(l)] = true
		out = append(out, l)
	}
	if len(out) > MaxLabels {
		fe.Add("labels", fmt.Sprintf("at most %d labels", MaxLabels))
	}
	return out
}

// cleanAssignees drops zeros and repeats and checks that each assignee is a member of the
// account (a user of another account reads as not a member), under "assignee_ids".
func cleanAssignees(tx *storage.Tx, account uint64, in []uint64, fe *apperr.Fields) []uint64 {
	ids := []uint64{}
	for _, id := range in {
		if id == 0 || slices.Contains(ids, id) {
			continue
		}
		if !isMember(tx, account, id) {
			fe.Add("assignee_ids", fmt.Sprintf("user %d is not a member of this account", id))
		}
		ids = append(ids, id)
	}
	if len(ids) > MaxAssignees {
		fe.Add("assignee_ids", fmt.Sprintf("at most %d assignees", MaxAssignees))
	}
	return ids
}

// edit is a task being created or changed, with what the input changed.
type edit struct {
	acct *accounts.Account
	prev *Task // nil on create
	t    *Task
	// status is the requested status ("" = unchanged); the caller applies the transition.
	status string
	// added are assignees the input newly gave the task (they are notified).
	added []uint64
}

// applyTx validates in onto e.t, field by field; nothing is written.
func (s *Service) applyTx(tx *storage.Tx, actor access.Actor, e *edit, in TaskInput) error {
	var fe apperr.Fields
	t, create := e.t, e.prev == nil
	loc := e.acct.Location()
	if in.Title != nil {
		t.Title = strings.TrimSpace(*in.Title)
		if t.Title == "" {
			fe.Add("title", "is required")
		} else if utf8.RuneCountInString(t.Title) > MaxTitle {
			fe.Add("title", fmt.Sprintf("must be at most %d characters", MaxTitle))
		}
	} else if create {
		fe.Add("title", "is required")
	}
	if in.Description != nil {
		t.Description = strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(t.Description) > MaxDescription {
			fe.Add("description", fmt.Sprintf("must be at most %d characters", MaxDescription))
		}
	}
	if in.Status != nil {
		if !slices.Contains(Statuses, *in.Status) {
			fe.Add("status", "must be one of "+strings.Join(Statuses, ", "))
		} else {
			e.status = *in.Status
		}
	}
	if in.Priority != nil {
		if !slices.Contains(Priorities, *in.Priority) {
			fe.Add("priority", "must be one of "+strings.Join(Priorities, ", "))
		} else {
			t.Priority = *in.Priority
		}
	}
	if in.ListID != nil {
		t.ListID = *in.ListID
		if t.ListID != 0 && !Lists.Exists(tx, actor.AccountID, t.ListID) {
			fe.Add("list_id", fmt.Sprintf("list %d not found", t.ListID))
		}
	}
	if in.AssigneeIDs != nil {
		ids := cleanAssignees(tx, actor.AccountID, in.AssigneeIDs, &fe)
		for _, id := range ids {
			if !slices.Contains(prevOr(e.prev).AssigneeIDs, id) {
				e.added = append(e.added, id)
			}
		}
		t.AssigneeIDs = ids
	}
	when := func(field string, v *string, dst **time.Time) bool {
		if v == nil {
			return false
		}
		if strings.TrimSpace(*v) == "" {
			*dst = nil
			return false
		}
		at, allDay, ok := parseWhen(*v, loc)
		if !ok {
			fe.Add(field, "must be a date-time (RFC 3339) or a date (YYYY-MM-DD)")
			return false
		}
		*dst = &at
		return allDay
	}
	startDay := when("start_at", in.StartAt, &t.StartAt)
	if in.DueAt != nil {
		t.AllDay = when("due_at", in.DueAt, &t.DueAt)
	} else if in.StartAt != nil && t.DueAt == nil {
		t.AllDay = startDay
	}
	if in.AllDay != nil {
		t.AllDay = *in.AllDay
	}
	if t.AllDay {
		if t.DueAt != nil {
			d := localMidnight(*t.DueAt, loc)
			t.DueAt = &d
		}
		if t.StartAt != nil {
			d := localMidnight(*t.StartAt, loc)
			t.StartAt = &d
		}
	}
	if t.StartAt != nil && t.DueAt != nil && t.StartAt.After(*t.DueAt) {
		fe.Add("start_at", "must not be after due_at")
	}
	if in.Labels != nil {
		t.Labels = cleanLabels(in.Labels, &fe)
	}
	if in.CustomAttributes != nil {
		vals, bad := contacts.ValidateAttributes(tx, actor.AccountID, contacts.ModelTask, in.CustomAttributes)
		for k, v := range bad {
			fe.Add(k, v)
		}
		merged := map[string]any{}
		for k, v := range t.CustomAttributes {
			merged[k] = v
		}
		for k, v := range vals {
			if v == nil {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
		if len(merged) == 0 {
			merged = nil
		}
		t.CustomAttributes = merged
	}
	for _, l := range []struct {
		in  *uint64
		dst *uint64
	}{{in.ContactID, &t.ContactID}, {in.ConversationID, &t.ConversationID}, {in.DealID, &t.DealID}, {in.CompanyID, &t.CompanyID}} {
		if l.in != nil {
			*l.dst = *l.in
		}
	}
	checkRecurrence(in.Recurrence, &fe)
	applyRecurrence(t, in.Recurrence)
	if t.Recurrence != nil {
		r := *t.Recurrence // never share the pointer with prev: recurrenceSetTx moves the anchor
		t.Recurrence = &r
	}
	if create {
		for i, text := range in.Checklist {
			text = strings.TrimSpace(text)
			if text == "" || utf8.RuneCountInString(text) > MaxChecklistText {
				fe.Add("checklist", fmt.Sprintf("each item needs 1 to %d characters", MaxChecklistText))
				continue
			}
			t.Checklist = append(t.Checklist, ChecklistItem{ID: uint64(i + 1), Text: text})
		}
		if len(t.Checklist) > MaxChecklist {
			fe.Add("checklist", fmt.Sprintf("at most %d items", MaxChecklist))
		}
		if in.ActionKind != "" {
			if !slices.Contains(ActionKinds, in.ActionKind) {
				fe.Add("action_kind", "must be one of "+strings.Join(ActionKinds, ", "))
			}
			t.ActionKind = in.ActionKind
		}
		t.Source = strings.TrimSpace(in.Source)
	}
	if in.ParentID != nil {
		s.parentTx(tx, e, *in.ParentID, &fe)
	}
	// Links are checked where they changed; links a subtask inherits from its parent were checked
	// when the parent got them, and may be records the actor cannot see (they stay hidden).
	linked := e.prev
	if create && t.ParentID != 0 {
		// A subtask lives in its parent's context unless it says otherwise.
		if p, err := Tasks.Get(tx, actor.AccountID, t.ParentID); err == nil {
			if in.ListID == nil {
				t.ListID = p.ListID
			}
			if in.ContactID == nil && in.ConversationID == nil && in.DealID == nil && in.CompanyID == nil {
				t.ContactID, t.ConversationID, t.DealID, t.CompanyID = p.ContactID, p.ConversationID, p.DealID, p.CompanyID
				linked = p
			}
		}
	}
	lk, err := newLinker(tx, actor)
	if err != nil {
		return err
	}
	lk.check(linked, t, &fe)
	return fe.Err()
}

// parentTx checks a new parent: it exists in the account, the task does not become its own
// ancestor, and the tree stays within MaxDepth.
func (s *Service) parentTx(tx *storage.Tx, e *edit, parentID uint64, fe *apperr.Fields) {
	t := e.t
	t.ParentID = parentID
	if parentID == 0 {
		return
	}
	if t.ID != 0 && parentID == t.ID {
		fe.Add("parent_id", "a task cannot be its own ancestor")
		return
	}
	depth := 1 // the parent's level, counted from the top
	id := parentID
	for seen := 0; id != 0; seen++ {
		p, err := Tasks.Get(tx, t.AccountID, id)
		if err != nil {
			if id == parentID {
				fe.Add("parent_id", fmt.Sprintf("task %d not found", parentID))
			}
			return
		}
		if t.ID != 0 && p.ParentID == t.ID {
			fe.Add("parent_id", "a task cannot be its own ancestor")
			return
		}
		if seen > 1000 { // a corrupt chain; refuse rather than loop
			fe.Add("parent_id", "a task cannot be its own ancestor")
			return
		}
		id = p.ParentID
		if id != 0 {
			depth++
		}
	}
	below := 0
	if t.ID != 0 {
		below = s.subtreeDepthTx(tx, t.AccountID, t.ID, 0)
	}
	if depth+1+below > MaxDepth {
		fe.Add("parent_id", fmt.Sprintf("subtasks nest at most %d levels deep", MaxDepth))
	}
}

// subtreeDepthTx is how many levels of subtasks hang below a task.
func (s *Service) subtreeDepthTx(tx *storage.Tx, account, id uint64, level int) int {
	if level > MaxDepth+1 {
		return level
	}
	deepest := 0
	var kids []uint64
	kids, _ = Tasks.IDs(tx, account, storage.Query{Index: "parent", Prefix: storage.Uint(id)})
	for _, k := range kids {
		deepest = max(deepest, 1+s.subtreeDepthTx(tx, account, k, level+1))
	}
	return deepest
}

// transition applies the stamps of a status change: in_progress stamps StartedAt once; done
// stamps CompletedAt/CompletedBy; cancelled stamps CancelledAt; going back to an open status
// clears the closing stamps.
func transition(t *Task, status string, actor access.Actor, now time.Time) {
	if status == "" || status == t.Status {
		return
	}
	t.Status = status
	switch status {
	case StatusInProgress, StatusTodo:
		t.CompletedAt, t.CompletedBy, t.CancelledAt = nil, 0, nil
		if status == StatusInProgress && t.StartedAt == nil {
			t.StartedAt = &now
		}
	case StatusDone:
		t.CompletedAt, t.CompletedBy, t.CancelledAt = &now, actor.UserID, nil
	case StatusCancelled:
		t.CancelledAt, t.CompletedAt, t.CompletedBy = &now, nil, 0
	}
}

// putTx stores a changed task (the SLA hook sees every write), then makes the next occurrence
// when it was just completed, and emits task_updated (and task_completed).
func (s *Service) putTx(tx *storage.Tx, actor access.Actor, prev, t *Task) error {
	t.UpdatedAt = s.now()
	if err := s.slaPrepareTx(tx, prev, t); err != nil {
		return err
	}
	if err := Tasks.Put(tx, t); err != nil {
		return err
	}
	if err := s.recurrenceSetTx(tx, t); err != nil {
		return err
	}
	completed := t.Status == StatusDone && prev.Status != StatusDone
	if completed {
		if err := s.completedTx(tx, actor, t); err != nil {
			return err
		}
	}
	if err := s.emitTx(tx, actor, EventTaskUpdated, t); err != nil {
		return err
	}
	if completed {
		return s.emitTx(tx, actor, EventTaskCompleted, t)
	}
	return nil
}

// moveStatus changes a task's status and puts it at the end of its new board column.
func (s *Service) moveStatus(tx *storage.Tx, actor access.Actor, t *Task, status string) error {
	if status == "" || status == t.Status {
		return nil
	}
	last, err := s.lastPositionTx(tx, t.AccountID, status)
	if err != nil {
		return err
	}
	transition(t, status, actor, s.now())
	t.Position = last + Gap
	return nil
}

// notifyAssignedTx tells newly assigned people (not the one assigning) about the task, in
// their account's language.
func (s *Service) notifyAssignedTx(tx *storage.Tx, actor access.Actor, acct *accounts.Account, t *Task, added []uint64) error {
	for _, id := range added {
		if id == actor.UserID {
			continue
		}
		title := fmt.Sprintf("Task assigned to you: %s", t.Title)
		if ptBR(acct) {
			title = fmt.Sprintf("Tarefa atribuída a você: %s", t.Title)
		}
		n := notify.Notification{AccountID: t.AccountID, UserID: id, Type: "task_assigned", Title: title, Link: fmt.Sprintf("/tasks/%d", t.ID)}
		if actor.UserName != "" {
			n.Body = actor.UserName
		}
		if err := notify.Send(tx, n); err != nil {
			return err
		}
	}
	return nil
}

// Create adds a task (or a subtask with parent_id) and returns it as the drawer shows it.
func (s *Service) Create(ctx context.Context, actor access.Actor, in TaskInput) (*TaskDetail, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out *TaskDetail
	err := s.db.Update(func(tx *storage.Tx) error {
		t, err := s.createTx(tx, actor, in, nil, false)
		if err != nil {
			return err
		}
		out, err = s.detailTx(tx, actor, t)
		return err
	})
	return out, err
}

// createTx validates and inserts a task in the caller's transaction: the API, templates and
// manual actions all create through it. preset (may be nil) sets what clients cannot
// (template_id) before the single insert, so task_created carries the whole task; newly
// assigned people get task_assigned unless quiet (manual actions send their own notice).
func (s *Service) createTx(tx *storage.Tx, actor access.Actor, in TaskInput, preset func(*Task), quiet bool) (*Task, error) {
	acct, err := accountOf(tx, actor.AccountID)
	if err != nil {
		return nil, err
	}
	t := &Task{AccountID: actor.AccountID, CreatorID: actor.UserID, Status: StatusTodo, Priority: "none"}
	if preset != nil {
		preset(t)
	}
	e := &edit{acct: acct, t: t}
	if err := s.applyTx(tx, actor, e, in); err != nil {
		return nil, err
	}
	if e.status != "" {
		transition(t, e.status, actor, s.now())
	}
	if err := s.insertTx(tx, actor, t); err != nil {
		return nil, err
	}
	if t.Status == StatusDone {
		if err := s.completedTx(tx, actor, t); err != nil {
			return nil, err
		}
		if err := s.emitTx(tx, actor, EventTaskCompleted, t); err != nil {
			return nil, err
		}
	}
	if quiet {
		return t, nil
	}
	return t, s.notifyAssignedTx(tx, actor, acct, t, e.added)
}

// Get returns one task with its neighbourhood.
func (s *Service) Get(ctx context.Context, actor access.Actor, id uint64) (*TaskDetail, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out *TaskDetail
	err := s.db.View(func(tx *storage.Tx) error {
		t, err := getTx(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		out, err = s.detailTx(tx, actor, t)
		return err
	})
	return out, err
}

// write runs a change on a task for an actor who may manage tasks and returns the new detail.
func (s *Service) write(actor access.Actor, id uint64, fn func(tx *storage.Tx, t *Task) error) (*TaskDetail, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out *TaskDetail
	err := s.db.Update(func(tx *storage.Tx) error {
		t, err := getTx(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := fn(tx, t); err != nil {
			return err
		}
		t, err = getTx(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		out, err = s.detailTx(tx, actor, t)
		return err
	})
	return out, err
}

// Update changes the fields the input names (PATCH).
func (s *Service) Update(ctx context.Context, actor access.Actor, id uint64, in TaskInput) (*TaskDetail, error) {
	return s.write(actor, id, func(tx *storage.Tx, t *Task) error {
		acct, err := accountOf(tx, actor.AccountID)
		if err != nil {
			return err
		}
		prev := *t
		e := &edit{acct: acct, prev: &prev, t: t}
		if err := s.applyTx(tx, actor, e, in); err != nil {
			return err
		}
		if err := s.moveStatus(tx, actor, t, e.status); err != nil {
			return err
		}
		if err := s.putTx(tx, actor, &prev, t); err != nil {
			return err
		}
		return s.notifyAssignedTx(tx, actor, acct, t, e.added)
	})
}

// Complete marks a task done; completing a done task changes nothing.
func (s *Service) Complete(ctx context.Context, actor access.Actor, id uint64) (*TaskDetail, error) {
	return s.setStatus(actor, id, StatusDone)
}

// Reopen puts a closed task back in "to do"; an open task stays as it is.
func (s *Service) Reopen(ctx context.Context, actor access.Actor, id uint64) (*TaskDetail, error) {
	return s.setStatus(actor, id, StatusTodo)
}

func (s *Service) setStatus(actor access.Actor, id uint64, status string) (*TaskDetail, error) {
	return s.write(actor, id, func(tx *storage.Tx, t *Task) error { return s.statusTx(tx, actor, t, status) })
}

// statusTx completes (done) or reopens (todo) a task for the complete/reopen routes of tasks and
// manual actions. Completing a done task and reopening an open one change nothing: reopen
// must not throw an in-progress task back to "to do".
func (s *Service) statusTx(tx *storage.Tx, actor access.Actor, t *Task, status string) error {
	if t.Status == status || (status == StatusTodo && !t.Closed()) {
		return nil
	}
	prev := *t
	if err := s.moveStatus(tx, actor, t, status); err != nil {
		return err
	}
	return s.putTx(tx, actor, &prev, t)
}

// Delete removes a task (its creator or an administrator). Its subtasks stay as top-level tasks,
// the tasks it blocked no longer wait for it, and its reminders and SLA jobs go.
func (s *Service) Delete(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		t, err := getTx(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if !actor.IsAdmin() && t.CreatorID != actor.UserID {
			return apperr.Forbiddenf("only administrators and the task's creator can delete it")
		}
		var kids, blocked []Task
		if err := Tasks.Each(tx, t.AccountID, storage.Query{Index: "parent", Prefix: storage.Uint(id)}, func(k *Task) bool {
			kids = append(kids, *k)
			return true
		}); err != nil {
			return err
		}
		if err := Tasks.Each(tx, t.AccountID, storage.Query{Index: "blocker", Prefix: storage.Uint(id)}, func(b *Task) bool {
			blocked = append(blocked, *b)
			return true
		}); err != nil {
			return err
		}
		for i := range kids {
			prev := kids[i]
			kids[i].ParentID = 0
			if err := s.putTx(tx, actor, &prev, &kids[i]); err != nil {
				return err
			}
		}
		for i := range blocked {
			b := &blocked[i]
			if b.ParentID == id { // already rewritten as an orphan above
				if b, err = getTx(tx, t.AccountID, b.ID); err != nil {
					return err
				}
			}
			prev := *b
			b.BlockedBy = slices.DeleteFunc(slices.Clone(b.BlockedBy), func(x uint64) bool { return x == id })
			if err := s.putTx(tx, actor, &prev, b); err != nil {
				return err
			}
		}
		if err := s.remindersDeletedTx(tx, t); err != nil {
			return err
		}
		if err := s.slaDeletedTx(tx, t); err != nil {
			return err
		}
		if err := Tasks.Delete(tx, t.AccountID, id); err != nil {
			return err
		}
		return s.emitTx(tx, actor, EventTaskDeleted, t)
	})
}
