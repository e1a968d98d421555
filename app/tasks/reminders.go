package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/mail"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// ReminderJob is the scheduler kind that fires a reminder; each reminder's job is keyed
// "task_reminder:<id>", so rescheduling replaces it and deleting cancels it.
const ReminderJob = "task_reminder"

// NotifyReminder is the notification type of a fired reminder (bell and preferences).
const NotifyReminder = "task_reminder"

// Reminder outcomes.
const (
	OutcomeSent          = "sent"
	OutcomeSkippedClosed = "skipped_closed"
	OutcomeNoRecipients  = "no_recipients"
)

func reminderKey(id uint64) string { return "task_reminder:" + strconv.FormatUint(id, 10) }

// TaskReminderInput creates a reminder (POST) or changes an unfired one (PATCH: absent fields stay).
type TaskReminderInput struct {
	// At is when it fires (RFC 3339, in the future).
	At *string `json:"at,omitempty"`
	// App and Email choose the channels; at least one. A new reminder without either goes to
	// the app.
	App   *bool `json:"app,omitempty"`
	Email *bool `json:"email,omitempty"`
	// Target is me, user or assignees (default me).
	Target *string `json:"target,omitempty" doc:"me, user or assignees"`
	// UserID is the recipient of target user (a member of the account).
	UserID *uint64 `json:"user_id,omitempty"`
}

// registerReminderJobs registers the scheduler kind that fires reminders.
func (s *Service) registerReminderJobs() {
	s.jobs.Handle(ReminderJob, func(_ context.Context, tx *storage.Tx, j *scheduler.Job) error {
		var id uint64
		if err := json.Unmarshal(j.Payload, &id); err != nil {
			return fmt.Errorf("tasks: reminder job %q: %w", j.Key, err)
		}
		return s.fireReminderTx(tx, j.Account, id)
	})
}

// remindersOfTx lists a task's reminders by time.
func remindersOfTx(tx *storage.Tx, account, taskID uint64) ([]Reminder, error) {
	page, err := Reminders.Scan(tx, account, storage.Query{Index: "task", Prefix: storage.Uint(taskID)})
	if err != nil {
		return nil, err
	}
	out := page.Items
	if out == nil {
		out = []Reminder{}
	}
	slices.SortStableFunc(out, func(a, b Reminder) int { return a.At.Compare(b.At) })
	return out, nil
}

// ListReminders returns a task's reminders by time.
func (s *Service) ListReminders(ctx context.Context, actor access.Actor, taskID uint64) ([]Reminder, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out []Reminder
	err := s.db.View(func(tx *storage.Tx) error {
		if _, err := getTx(tx, actor.AccountID, taskID); err != nil {
			return err
		}
		var err error
		out, err = remindersOfTx(tx, actor.AccountID, taskID)
		return err
	})
	return out, err
}

// CreateReminder adds a reminder to a task and schedules its job in the same transaction.
func (s *Service) CreateReminder(ctx context.Context, actor access.Actor, taskID uint64, in TaskReminderInput) (*Reminder, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var r *Reminder
	err := s.db.Update(func(tx *storage.Tx) error {
		t, err := getTx(tx, actor.AccountID, taskID)
		if err != nil {
			return err
		}
		n, err := Reminders.Count(tx, actor.AccountID, storage.Query{Index: "task", Prefix: storage.Uint(taskID)})
		if err != nil {
			return err
		}
		if n >= MaxReminders {
			return apperr.Field("at", fmt.Sprintf("a task has at most %d reminders", MaxReminders))
		}
		r = &Reminder{AccountID: actor.AccountID, TaskID: t.ID, App: true, Target: TargetMe,
			CreatedBy: actor.UserID, CreatedAt: s.now()}
		if in.App == nil && in.Email != nil && *in.Email {
			r.App = false
		}
		if err := s.applyReminder(tx, actor, r, in, true); err != nil {
			return err
		}
		return s.saveReminderTx(tx, actor, t, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateReminder changes a reminder that has not fired (a fired one is history: 409).
func (s *Service) UpdateReminder(ctx context.Context, actor access.Actor, taskID, id uint64, in TaskReminderInput) (*Reminder, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var r *Reminder
	err := s.db.Update(func(tx *storage.Tx) error {
		t, err := getTx(tx, actor.AccountID, taskID)
		if err != nil {
			return err
		}
		if r, err = reminderOf(tx, actor, t, id); err != nil {
			return err
		}
		if r.FiredAt != nil {
			return apperr.Conflictf("this reminder has already fired")
		}
		if err := s.applyReminder(tx, actor, r, in, false); err != nil {
			return err
		}
		return s.saveReminderTx(tx, actor, t, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// DeleteReminder removes a reminder and cancels its job.
func (s *Service) DeleteReminder(ctx context.Context, actor access.Actor, taskID, id uint64) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		t, err := getTx(tx, actor.AccountID, taskID)
		if err != nil {
			return err
		}
		r, err := reminderOf(tx, actor, t, id)
		if err != nil {
			return err
		}
		if err := s.deleteReminderTx(tx, r); err != nil {
			return err
		}
		return s.emitTx(tx, actor, EventTaskUpdated, t)
	})
}

func reminderOf(tx *storage.Tx, actor access.Actor, t *Task, id uint64) (*Reminder, error) {
	r, err := Reminders.Get(tx, actor.AccountID, id)
	if apperr.Is(err, apperr.NotFound) || (err == nil && r.TaskID != t.ID) {
		return nil, apperr.NotFoundf("reminder %d not found", id)
	}
	return r, err
}

// applyReminder validates the input against r and copies it in; nothing is written.
func (s *Service) applyReminder(tx *storage.Tx, actor access.Actor, r *Reminder, in TaskReminderInput, create bool) error {
	var fe apperr.Fields
	if in.At != nil {
		at, err := time.Parse(time.RFC3339, *in.At)
		switch {
		case err != nil:
			fe.Add("at", "must be an RFC 3339 time like 2026-03-05T09:00:00-03:00")
		case !at.After(s.now()):
			fe.Add("at", "must be in the future")
		default:
			r.At = at.UTC().Truncate(time.Second)
		}
	} else if create {
		fe.Add("at", "is required")
	}
	if in.App != nil {
		r.App = *in.App
	}
	if in.Email != nil {
		r.Email = *in.Email
	}
	if !r.App && !r.Email {
		fe.Add("app", "choose the app, email or both")
	}
	if in.Target != nil {
		r.Target = *in.Target
	}
	if in.UserID != nil {
		r.UserID = *in.UserID
	}
	switch r.Target {
	case TargetMe:
		r.UserID = r.CreatedBy
	case TargetAssignees:
		r.UserID = 0
	case TargetUser:
		if r.UserID == 0 {
			fe.Add("user_id", "is required when the reminder goes to a chosen user")
		} else if !isMember(tx, actor.AccountID, r.UserID) {
			fe.Add("user_id", "is not a member of this account")
		}
	default:
		fe.Add("target", "must be me, user or assignees")
	}
	return fe.Err()
}

// saveReminderTx stores a reminder and (re)schedules its job in the caller's transaction, then
// tells open windows the task changed (its next reminder).
func (s *Service) saveReminderTx(tx *storage.Tx, actor access.Actor, t *Task, r *Reminder) error {
	if err := Reminders.Put(tx, r); err != nil {
		return err
	}
	if err := s.scheduleReminderTx(tx, r); err != nil {
		return err
	}
	return s.emitTx(tx, actor, EventTaskUpdated, t)
}

func (s *Service) scheduleReminderTx(tx *storage.Tx, r *Reminder) error {
	if s.jobs == nil {
		return nil
	}
	_, err := s.jobs.Schedule(tx, scheduler.Job{Account: r.AccountID, Kind: ReminderJob, Key: reminderKey(r.ID),
		Due: r.At, Payload: json.RawMessage(strconv.FormatUint(r.ID, 10))})
	return err
}

func (s *Service) deleteReminderTx(tx *storage.Tx, r *Reminder) error {
	if err := Reminders.Delete(tx, r.AccountID, r.ID); err != nil {
		return err
	}
	if s.jobs == nil {
		return nil
	}
	return s.jobs.Cancel(tx, r.AccountID, reminderKey(r.ID))
}

// remindersDeletedTx removes a deleted task's reminders and their jobs.
func (s *Service) remindersDeletedTx(tx *storage.Tx, t *Task) error {
	rs, err := remindersOfTx(tx, t.AccountID, t.ID)
	if err != nil {
		return err
	}
	for i := range rs {
		if err := s.deleteReminderTx(tx, &rs[i]); err != nil {
			return err
		}
	}
	return nil
}

// nextReminderTx is the earliest reminder of the task that has not fired.
func (s *Service) nextReminderTx(tx *storage.Tx, t *Task) *time.Time {
	rs, err := remindersOfTx(tx, t.AccountID, t.ID)
	if err != nil {
		return nil
	}
	for _, r := range rs {
		if r.FiredAt == nil {
			at := r.At
			return &at
		}
	}
	return nil
}

// cloneRemindersTx gives the next occurrence the reminders of the one just completed, moved by
// the same amount as its due date and unfired; one that would already be past is left out.
func (s *Service) cloneRemindersTx(tx *storage.Tx, from, to *Task, delta time.Duration) error {
	rs, err := remindersOfTx(tx, from.AccountID, from.ID)
	if err != nil {
		return err
	}
	now := s.now()
	for _, r := range rs {
		at := r.At.Add(delta)
		if !at.After(now) {
			continue
		}
		c := &Reminder{AccountID: to.AccountID, TaskID: to.ID, At: at, App: r.App, Email: r.Email,
			Target: r.Target, UserID: r.UserID, CreatedBy: r.CreatedBy, CreatedAt: now}
		if err := Reminders.Put(tx, c); err != nil {
			return err
		}
		if err := s.scheduleReminderTx(tx, c); err != nil {
			return err
		}
	}
	return nil
}

// fireReminderTx fires one reminder inside the scheduler job's transaction: the notifications,
// the queued emails and FiredAt commit together with the job's completion, so a reminder is sent
// once even when the process dies mid-way or the job runs again.
func (s *Service) fireReminderTx(tx *storage.Tx, account, id uint64) error {
	r, err := Reminders.Get(tx, account, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil // deleted since it was scheduled
	}
	if err != nil {
		return err
	}
	if r.FiredAt != nil {
		return nil
	}
	t, err := Tasks.Get(tx, account, r.TaskID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.now()
	r.FiredAt = &now
	switch recipients := reminderRecipients(tx, r, t); {
	case t.Closed():
		r.Outcome = OutcomeSkippedClosed
	case len(recipients) == 0:
		r.Outcome = OutcomeNoRecipients
	default:
		r.Outcome = OutcomeSent
		acct, err := accounts.Accounts.Get(tx, 0, account)
		if err != nil {
			return err
		}
		title, body := reminderText(acct, t)
		link := "/tasks/" + strconv.FormatUint(t.ID, 10)
		for _, u := range recipients {
			if r.App {
				if err := notify.SendApp(tx, notify.Notification{AccountID: account, UserID: u, Type: NotifyReminder,
					Title: title, Body: body, Link: link}); err != nil {
					return err
				}
			}
			if r.Email {
				err := mail.Queue(tx, mail.Message{AccountID: account, UserID: u, Subject: title, Text: body, Link: link,
					Key: fmt.Sprintf("%s:%d", reminderKey(r.ID), u)})
				if err != nil {
					return err
				}
			}
		}
	}
	if err := Reminders.Put(tx, r); err != nil {
		return err
	}
	return s.emitTx(tx, access.SystemActor(account), EventTaskUpdated, t)
}

// reminderRecipients are the members a reminder goes to; people who left the account are
// skipped.
func reminderRecipients(tx *storage.Tx, r *Reminder, t *Task) []uint64 {
	var ids []uint64
	switch r.Target {
	case TargetMe:
		ids = []uint64{r.CreatedBy}
	case TargetUser:
		ids = []uint64{r.UserID}
	case TargetAssignees:
		ids = t.AssigneeIDs
	}
	var out []uint64
	for _, id := range ids {
		if id != 0 && !slices.Contains(out, id) && isMember(tx, t.AccountID, id) {
			out = append(out, id)
		}
	}
	return out
}

// reminderText is the title and body of a reminder in the account's language, with the due date
// in its time zone.
func reminderText(a *accounts.Account, t *Task) (title, body string) {
	pt := ptBR(a)
	if pt {
		title = "Lembrete: " + t.Title
	} else {
		title = "Reminder: " + t.Title
	}
	if t.DueAt == nil {
		if pt {
			return title, "Sem data de vencimento"
		}
		return title, "No due date"
	}
	due := t.DueAt.In(a.Location())
	switch {
	case pt && t.AllDay:
		body = "Vence em " + due.Format("02/01/2006")
	case pt:
		body = "Vence em " + due.Format("02/01/2006 15:04")
	case t.AllDay:
		body = "Due " + due.Format("Jan 2, 2006")
	default:
		body = "Due " + due.Format("Jan 2, 2006 15:04")
	}
	return title, body
}
