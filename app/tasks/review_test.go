package tasks

// Review tests of issue 7: paths where the first build went wrong (reopen, inherited hidden
// links, manual action permissions, templates of a deleted list) and guards on the paths that
// must make exactly one occurrence or leave no job behind.

import (
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
)

func (f *coreFix) seriesCount(series uint64) int {
	n := 0
	f.db.View(func(tx *storage.Tx) error {
		return Tasks.Each(tx, f.admin.AccountID, storage.Query{Index: "series", Prefix: storage.Uint(series)}, func(*Task) bool { n++; return true })
	})
	return n
}

// TestRecurringCompletionOnceOnEveryPath: PATCH done (twice), reopen + complete, /move into
// done and creating a task already done each make exactly one next occurrence.
func TestRecurringCompletionOnceOnEveryPath(t *testing.T) {
	f := newCoreFix(t)
	daily := &Recurrence{Freq: "daily"}
	// PATCH status done, twice, then reopen and complete again.
	a := f.task(f.admin, TaskInput{DueAt: sp("2025-06-11T12:00:00Z"), Recurrence: daily})
	for range 2 {
		if _, err := f.s.Update(f.ctx, f.admin, a.ID, TaskInput{Status: sp(StatusDone)}); err != nil {
			t.Fatal(err)
		}
	}
	f.s.Reopen(f.ctx, f.admin, a.ID)
	f.s.Complete(f.ctx, f.admin, a.ID)
	f.s.Move(f.ctx, f.admin, a.ID, TaskMoveInput{Status: StatusDone})
	if n := f.seriesCount(a.ID); n != 2 {
		t.Fatalf("patch path: %d tasks in series", n)
	}
	// Created done.
	b := f.task(f.admin, TaskInput{DueAt: sp("2025-06-11T12:00:00Z"), Recurrence: daily, Status: sp(StatusDone)})
	f.s.Complete(f.ctx, f.admin, b.ID)
	if n := f.seriesCount(b.ID); n != 2 {
		t.Fatalf("created done: %d", n)
	}
	// Move.
	c := f.task(f.admin, TaskInput{DueAt: sp("2025-06-11T12:00:00Z"), Recurrence: daily})
	f.s.Move(f.ctx, f.admin, c.ID, TaskMoveInput{Status: StatusDone})
	f.s.Move(f.ctx, f.admin, c.ID, TaskMoveInput{Status: StatusTodo})
	f.s.Move(f.ctx, f.admin, c.ID, TaskMoveInput{Status: StatusDone})
	if n := f.seriesCount(c.ID); n != 2 {
		t.Fatalf("move: %d", n)
	}
}

// TestReopenLeavesOpenTaskAlone: reopen is for closed tasks; an in-progress one is not thrown
// back to "to do".
func TestReopenLeavesOpenTaskAlone(t *testing.T) {
	f := newCoreFix(t)
	a := f.task(f.admin, TaskInput{Status: sp(StatusInProgress)})
	d, err := f.s.Reopen(f.ctx, f.admin, a.ID)
	if err != nil || d.Status != StatusInProgress {
		t.Fatalf("reopen in progress: %v %v", d.Status, err)
	}
}

// TestSubtaskUnderHiddenContactInheritsIt: under owner privacy an agent can add a subtask to a
// task linked to a contact they cannot see; the subtask inherits the link, still hidden.
func TestSubtaskUnderHiddenContactInheritsIt(t *testing.T) {
	f := newCoreFix(t)
	var cid uint64
	f.db.Update(func(tx *storage.Tx) error {
		a, _ := accounts.Accounts.Get(tx, 0, f.admin.AccountID)
		a.OwnerPrivacy = true
		accounts.Accounts.Put(tx, a)
		c := &contacts.Contact{AccountID: f.admin.AccountID, Name: "Secret", OwnerID: f.admin.UserID, CreatedAt: time.Now()}
		err := contacts.Contacts.Put(tx, c)
		cid = c.ID
		return err
	})
	p := f.task(f.admin, TaskInput{ContactID: &cid})
	got, err := f.s.Get(f.ctx, f.agent, p.ID)
	if err != nil || got.Contact == nil || !got.Contact.Hidden || got.Contact.Name != "" {
		t.Fatalf("hidden: %+v %v", got.Contact, err)
	}
	sub, err := f.s.Create(f.ctx, f.agent, TaskInput{Title: sp("sub"), ParentID: &p.ID})
	if err != nil {
		t.Fatalf("agent subtask under a task with a hidden contact: %v", err)
	}
	if sub.ContactID != cid || sub.Contact == nil || !sub.Contact.Hidden || sub.Contact.Name != "" {
		t.Fatalf("subtask contact: %+v", sub.Contact)
	}
	// Giving a hidden contact explicitly is still refused as if it did not exist.
	_, err = f.s.Create(f.ctx, f.agent, TaskInput{Title: sp("own"), ContactID: &cid})
	wantField(t, err, "contact_id", "contact 1 not found")
	// and editing the parent's title works for the agent
	if _, err := f.s.Update(f.ctx, f.agent, p.ID, TaskInput{Title: sp("x")}); err != nil {
		t.Fatal(err)
	}
}

// TestCreateActionNeedsTasksManage: queuing an action writes a task, so conversations
// management alone is not enough.
func TestCreateActionNeedsTasksManage(t *testing.T) {
	f := newCoreFix(t)
	viewer := f.agent
	viewer.Permissions = map[string]access.Level{"conversations": access.Manage, "tasks": access.View}
	if _, err := f.s.CreateAction(f.ctx, viewer, ActionInput{Title: "Ligar"}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("tasks viewer queued an action: %v", err)
	}
}

// TestTemplateSurvivesItsListDeleted: deleting a list takes it off the templates that used it,
// so applying them still works (the task has no list).
func TestTemplateSurvivesItsListDeleted(t *testing.T) {
	f := newCoreFix(t)
	l, _ := f.s.CreateList(f.ctx, f.admin, TaskListInput{Name: sp("Clientes")})
	tpl, err := f.s.CreateTemplate(f.ctx, f.admin, TaskTemplateInput{Name: sp("T"), Title: sp("Root"), ListID: &l.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteList(f.ctx, f.admin, l.ID); err != nil {
		t.Fatal(err)
	}
	d, err := f.s.ApplyTemplate(f.ctx, f.admin, tpl.ID, TemplateApplyInput{})
	if err != nil || d.ListID != 0 {
		t.Fatalf("apply after its list was deleted: %v", err)
	}
	if got, _ := f.s.Template(f.ctx, f.admin, tpl.ID); got.ListID != 0 {
		t.Fatalf("template still points at the deleted list: %+v", got)
	}
}

// TestDeleteCancelsReminderAndSLAJobs: a deleted task leaves no reminder or SLA job behind.
func TestDeleteCancelsReminderAndSLAJobs(t *testing.T) {
	f := newCoreFix(t)
	if _, err := f.s.CreateSLAPolicy(f.ctx, f.admin, TaskSLAPolicyInput{Name: sp("p"), StartMinutes: ptr(60), FinishMinutes: ptr(120)}); err != nil {
		t.Fatal(err)
	}
	a := f.task(f.admin, TaskInput{})
	r, err := f.s.CreateReminder(f.ctx, f.admin, a.ID, TaskReminderInput{At: sp(f.now.Add(time.Hour).Format(time.RFC3339))})
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		f.db.View(func(tx *storage.Tx) error {
			for _, k := range []string{reminderKey(r.ID), slaKey(a.ID, "start"), slaKey(a.ID, "finish")} {
				if _, err := f.s.jobs.Get(tx, f.admin.AccountID, k); err == nil {
					n++
				}
			}
			return nil
		})
		return n
	}
	if n := count(); n != 3 {
		t.Fatalf("jobs before delete: %d", n)
	}
	if err := f.s.Delete(f.ctx, f.admin, a.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("jobs after delete: %d", n)
	}
}
