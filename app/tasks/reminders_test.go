package tasks

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/mail"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// withJobs rebuilds the env's service with a scheduler (not started) on the env's clock.
func (e *rtEnv) withJobs() *scheduler.Scheduler {
	jobs := scheduler.New(e.db, scheduler.Options{Logger: e.s.log, Now: e.clock, RetryMin: time.Millisecond, RetryMax: 10 * time.Millisecond})
	e.s = New(Deps{DB: e.db, Jobs: jobs, Logger: e.s.log, Now: e.clock})
	return jobs
}

func (e *rtEnv) fire(id uint64) {
	e.t.Helper()
	if err := e.db.Update(func(tx *storage.Tx) error { return e.s.fireReminderTx(tx, e.acct, id) }); err != nil {
		e.t.Fatal(err)
	}
}

func (e *rtEnv) reminder(id uint64) *Reminder {
	e.t.Helper()
	var r *Reminder
	if err := e.db.View(func(tx *storage.Tx) (err error) { r, err = Reminders.Get(tx, e.acct, id); return err }); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// notes are the task_reminder notifications of a user.
func (e *rtEnv) notes(user uint64) []notify.Notification {
	e.t.Helper()
	var out []notify.Notification
	e.db.View(func(tx *storage.Tx) error {
		return notify.Notifications.Each(tx, e.acct, storage.Query{Index: "user", Prefix: storage.Uint(user)}, func(n *notify.Notification) bool {
			if n.Type == NotifyReminder {
				out = append(out, *n)
			}
			return true
		})
	})
	return out
}

func fieldOf(err error, field string) string {
	if a, ok := apperr.As(err); ok {
		return a.Fields[field]
	}
	return ""
}

func TestRemindersFireOnce(t *testing.T) {
	e := newRTEnv(t, "America/Sao_Paulo", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	e.withJobs()
	ctx := context.Background()
	due := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	task := e.insert(&Task{Title: "Send invoice", DueAt: &due, AssigneeIDs: []uint64{2, 3}})
	at := ptr("2026-03-02T08:30:00-03:00")
	r, err := e.s.CreateReminder(ctx, e.actor, task.ID, TaskReminderInput{At: at, App: ptr(true), Email: ptr(true), Target: ptr(TargetAssignees)})
	if err != nil {
		t.Fatal(err)
	}
	e.fire(r.ID)
	e.fire(r.ID) // reprocessing a fired reminder sends nothing
	for _, u := range []uint64{2, 3} {
		ns := e.notes(u)
		if len(ns) != 1 {
			t.Fatalf("user %d got %d reminder notifications, want 1", u, len(ns))
		}
		if ns[0].Title != "Reminder: Send invoice" || ns[0].Body != "Due Mar 2, 2026 09:00" || ns[0].Link != "/tasks/"+itoaU(task.ID) {
			t.Errorf("notification %+v", ns[0])
		}
	}
	if len(e.notes(1)) != 0 {
		t.Errorf("the creator, not an assignee, was reminded")
	}
	var msgs []mail.Message
	e.db.View(func(tx *storage.Tx) error {
		return mail.Outgoing.Each(tx, e.acct, storage.Query{}, func(m *mail.Message) bool { msgs = append(msgs, *m); return true })
	})
	if len(msgs) != 2 || msgs[0].Key != "task_reminder:"+itoaU(r.ID)+":2" || msgs[0].UserID != 2 || msgs[0].Subject != "Reminder: Send invoice" {
		t.Errorf("queued mail: %+v", msgs)
	}
	if got := e.reminder(r.ID); got.FiredAt == nil || got.Outcome != OutcomeSent {
		t.Errorf("reminder after firing: %+v", got)
	}
	if _, err := e.s.UpdateReminder(ctx, e.actor, task.ID, r.ID, TaskReminderInput{At: ptr("2026-03-03T08:30:00Z")}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("changing a fired reminder: %v, want a conflict", err)
	}
}

func TestRemindersOutcomes(t *testing.T) {
	e := newRTEnv(t, "America/Sao_Paulo", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	e.withJobs()
	ctx := context.Background()
	at := ptr("2026-03-02T08:30:00Z")

	done := e.insert(&Task{Title: "Done already", Status: StatusDone})
	r1, err := e.s.CreateReminder(ctx, e.actor, done.ID, TaskReminderInput{At: at})
	if err != nil {
		t.Fatal(err)
	}
	e.fire(r1.ID)
	if got := e.reminder(r1.ID); got.Outcome != OutcomeSkippedClosed || got.FiredAt == nil || len(e.notes(1)) != 0 {
		t.Errorf("reminder on a done task: %+v, %d notifications", got, len(e.notes(1)))
	}

	// A chosen user who left the account is skipped; with nobody left: no_recipients.
	task := e.insert(&Task{Title: "Call back"})
	r2, err := e.s.CreateReminder(ctx, e.actor, task.ID, TaskReminderInput{At: at, Target: ptr(TargetUser), UserID: ptr(uint64(3))})
	if err != nil {
		t.Fatal(err)
	}
	r3, err := e.s.CreateReminder(ctx, e.actor, task.ID, TaskReminderInput{At: at, Target: ptr(TargetAssignees)})
	if err != nil {
		t.Fatal(err)
	}
	e.db.Update(func(tx *storage.Tx) error {
		m, _ := accounts.Members.GetBy(tx, e.acct, "user", storage.Uint(3))
		return accounts.Members.Delete(tx, e.acct, m.ID)
	})
	e.fire(r2.ID)
	e.fire(r3.ID)
	if e.reminder(r2.ID).Outcome != OutcomeNoRecipients || e.reminder(r3.ID).Outcome != OutcomeNoRecipients || len(e.notes(3)) != 0 {
		t.Errorf("outcomes %q %q", e.reminder(r2.ID).Outcome, e.reminder(r3.ID).Outcome)
	}

	// Titles follow the account's language.
	e.db.Update(func(tx *storage.Tx) error {
		a, _ := accounts.Accounts.Get(tx, 0, e.acct)
		a.Language = "pt-BR"
		return accounts.Accounts.Put(tx, a)
	})
	due := time.Date(2026, 3, 5, 3, 0, 0, 0, time.UTC) // 00:00 in São Paulo
	pt := e.insert(&Task{Title: "Pagar boleto", DueAt: &due, AllDay: true})
	r4, err := e.s.CreateReminder(ctx, e.actor, pt.ID, TaskReminderInput{At: at})
	if err != nil {
		t.Fatal(err)
	}
	e.fire(r4.ID)
	if ns := e.notes(1); len(ns) != 1 || ns[0].Title != "Lembrete: Pagar boleto" || ns[0].Body != "Vence em 05/03/2026" {
		t.Errorf("pt-BR notification: %+v", ns)
	}

	// A deleted reminder's job is gone, and firing it anyway does nothing.
	if err := e.s.DeleteReminder(ctx, e.actor, pt.ID, r4.ID); err != nil {
		t.Fatal(err)
	}
	e.fire(r4.ID)
}

func TestRemindersValidationAndJobs(t *testing.T) {
	e := newRTEnv(t, "America/Sao_Paulo", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	jobs := e.withJobs()
	ctx := context.Background()
	task := e.insert(&Task{Title: "Renew"})
	future := ptr("2026-03-02T08:30:00Z")
	for _, c := range []struct {
		in    TaskReminderInput
		field string
	}{
		{TaskReminderInput{}, "at"},
		{TaskReminderInput{At: ptr("tomorrow")}, "at"},
		{TaskReminderInput{At: ptr("2026-03-01T11:00:00Z")}, "at"},
		{TaskReminderInput{At: future, App: ptr(false)}, "app"},
		{TaskReminderInput{At: future, Target: ptr("team")}, "target"},
		{TaskReminderInput{At: future, Target: ptr(TargetUser)}, "user_id"},
		{TaskReminderInput{At: future, Target: ptr(TargetUser), UserID: ptr(uint64(42))}, "user_id"},
	} {
		if _, err := e.s.CreateReminder(ctx, e.actor, task.ID, c.in); fieldOf(err, c.field) == "" {
			t.Errorf("%+v: got %v, want an error on %s", c.in, err, c.field)
		}
	}
	viewer := access.Actor{UserID: 2, AccountID: e.acct, Role: access.Agent, Permissions: map[string]access.Level{Module: access.View}}
	if _, err := e.s.CreateReminder(ctx, viewer, task.ID, TaskReminderInput{At: future}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("view-only agent created a reminder: %v", err)
	}
	other := access.Actor{UserID: 1, AccountID: e.acct + 1, Role: access.Administrator}
	if _, err := e.s.CreateReminder(ctx, other, task.ID, TaskReminderInput{At: future}); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("another account reached the task: %v", err)
	}

	r, err := e.s.CreateReminder(ctx, e.actor, task.ID, TaskReminderInput{At: future, Email: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Target != TargetMe || r.UserID != 1 || !r.Email || r.App {
		t.Errorf("defaults: %+v (email only when only email is asked for)", r)
	}
	key := reminderKey(r.ID)
	jobDue := func() time.Time {
		var j *scheduler.Job
		err := e.db.View(func(tx *storage.Tx) (err error) { j, err = jobs.Get(tx, e.acct, key); return err })
		if err != nil {
			return time.Time{}
		}
		return j.Due
	}
	if !jobDue().Equal(r.At) {
		t.Errorf("job due %s, want %s", jobDue(), r.At)
	}
	if _, err := e.s.UpdateReminder(ctx, e.actor, task.ID, r.ID, TaskReminderInput{At: ptr("2026-03-04T10:00:00Z")}); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC); !jobDue().Equal(want) {
		t.Errorf("rescheduled job due %s, want %s", jobDue(), want)
	}
	for i := 1; i < MaxReminders; i++ {
		if _, err := e.s.CreateReminder(ctx, e.actor, task.ID, TaskReminderInput{At: future}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.s.CreateReminder(ctx, e.actor, task.ID, TaskReminderInput{At: future}); err == nil || !strings.Contains(fieldOf(err, "at"), "at most") {
		t.Errorf("reminder %d accepted: %v", MaxReminders+1, err)
	}
	var next *time.Time
	e.db.View(func(tx *storage.Tx) error { next = e.s.nextReminderTx(tx, task); return nil })
	if next == nil || !next.Equal(time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("next reminder %v", next)
	}
	if err := e.s.DeleteReminder(ctx, e.actor, task.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	if !jobDue().IsZero() {
		t.Errorf("the deleted reminder's job is still there")
	}
	// Deleting the task takes every reminder and job with it.
	if err := e.db.Update(func(tx *storage.Tx) error { return e.s.remindersDeletedTx(tx, task) }); err != nil {
		t.Fatal(err)
	}
	if rs, _ := e.s.ListReminders(ctx, e.actor, task.ID); len(rs) != 0 {
		t.Errorf("%d reminders left", len(rs))
	}
	if st, _ := jobs.Status(); st.Pending != 0 {
		t.Errorf("%d jobs left", st.Pending)
	}
}

// TestRemindersThroughScheduler fires a reminder by its job when the clock passes its time.
func TestRemindersThroughScheduler(t *testing.T) {
	e := newRTEnv(t, "America/Sao_Paulo", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	jobs := e.withJobs()
	task := e.insert(&Task{Title: "Check stock", AssigneeIDs: []uint64{2}})
	r, err := e.s.CreateReminder(context.Background(), e.actor, task.ID, TaskReminderInput{At: ptr("2026-03-01T12:05:00Z"), Target: ptr(TargetAssignees)})
	if err != nil {
		t.Fatal(err)
	}
	e.set(time.Date(2026, 3, 1, 12, 6, 0, 0, time.UTC))
	if err := jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer jobs.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for e.reminder(r.ID).FiredAt == nil {
		if time.Now().After(deadline) {
			t.Fatal("the reminder did not fire")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(e.notes(2)); n != 1 {
		t.Errorf("%d notifications", n)
	}
}

func itoaU(v uint64) string { return strconv.FormatUint(v, 10) }
