package tasks

import (
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

func TestTemplateValidation(t *testing.T) {
	f := newB3Fix(t)
	long := strings.Repeat("x", MaxChecklistText+1)
	subs := make([]TemplateSubtask, MaxTemplateSubtasks+1)
	for i := range subs {
		subs[i].Title = "s"
	}
	subs[1] = TemplateSubtask{Title: " ", Priority: "huge", AssigneeID: 999, DueOffsetDays: b3int(-3)}
	_, err := f.s.CreateTemplate(f.ctx, f.admin, TaskTemplateInput{Name: b3str(""), Title: b3str(strings.Repeat("t", MaxTitle+1)), Priority: b3str("huge"),
		ListID: b3u64(77), AssigneeIDs: []uint64{999}, Labels: []string{strings.Repeat("l", MaxLabel+1)}, DueOffsetDays: b3int(MaxDueOffsetDays + 1),
		Checklist: []string{"ok", long}, Subtasks: subs})
	for _, field := range []string{"name", "title", "priority", "list_id", "assignee_ids", "labels", "due_offset_days", "checklist", "subtasks",
		"subtasks.1.title", "subtasks.1.priority", "subtasks.1.assignee_id", "subtasks.1.due_offset_days"} {
		b3Field(t, err, field)
	}
	if _, err := f.s.CreateTemplate(f.ctx, f.agent, TaskTemplateInput{Name: b3str("x"), Title: b3str("x")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent writes a template: %v", err)
	}
	tpl, err := f.s.CreateTemplate(f.ctx, f.admin, TaskTemplateInput{Name: b3str("Onboarding"), Title: b3str("Onboard client")})
	if err != nil || tpl.Priority != "none" {
		t.Fatalf("create: %+v %v", tpl, err)
	}
	_, err = f.s.CreateTemplate(f.ctx, f.admin, TaskTemplateInput{Name: b3str("onboarding"), Title: b3str("x")})
	b3Field(t, err, "name")
	up, err := f.s.UpdateTemplate(f.ctx, f.admin, tpl.ID, TaskTemplateInput{Checklist: []string{"Contrato", "Acesso"}})
	if err != nil || up.Name != "Onboarding" || len(up.Checklist) != 2 {
		t.Fatalf("patch keeps absent fields: %+v %v", up, err)
	}
	if list, err := f.s.Templates(f.ctx, f.agent); err != nil || len(list) != 1 {
		t.Fatalf("agent reads templates: %+v %v", list, err)
	}
	if err := f.s.DeleteTemplate(f.ctx, f.admin, tpl.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Template(f.ctx, f.admin, tpl.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted: %v", err)
	}
}

// TestTemplateApply: one task tree from a template — the task with its checklist, labels and
// template_id, due its offset as an all-day date in the account's zone, and subtasks in its list
// with their own assignee and due offsets; apply-time overrides win.
func TestTemplateApply(t *testing.T) {
	f := newB3Fix(t)
	// 23:30 in São Paulo on June 9th is already June 10th in UTC: dates follow the account's zone.
	f.mu.Lock()
	f.at = time.Date(2025, 6, 10, 2, 30, 0, 0, time.UTC)
	f.mu.Unlock()
	l := f.list("Clientes")
	tpl, err := f.s.CreateTemplate(f.ctx, f.admin, TaskTemplateInput{Name: b3str("Onboarding"), Title: b3str("Onboard client"), Description: b3str("Passos"),
		Priority: b3str("high"), ListID: &l.ID, Labels: []string{"novo"}, DueOffsetDays: b3int(7), Checklist: []string{"Contrato", "Acesso"},
		Subtasks: []TemplateSubtask{{Title: "Kickoff call", AssigneeID: f.agent.UserID, DueOffsetDays: b3int(1)}, {Title: "Send welcome kit", Priority: "low"}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.s.ApplyTemplate(f.ctx, f.admin, tpl.ID, TemplateApplyInput{Title: b3str("Onboard Padaria")})
	if err != nil {
		t.Fatal(err)
	}
	sp := mustLoc(t, "America/Sao_Paulo")
	day := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, sp).UTC() }
	if d.Title != "Onboard Padaria" || d.Description != "Passos" || d.Priority != "high" || d.ListID != l.ID || d.TemplateID != tpl.ID ||
		len(d.Checklist) != 2 || d.Checklist[1].Text != "Acesso" || len(d.Labels) != 1 || !d.AllDay || d.DueAt == nil || !d.DueAt.Equal(day(2025, 6, 16)) {
		t.Fatalf("task: %+v", d.Task)
	}
	if len(d.SubtaskItems) != 2 {
		t.Fatalf("subtasks: %+v", d.SubtaskItems)
	}
	var kick, kit *TaskView
	for i := range d.SubtaskItems {
		switch d.SubtaskItems[i].Title {
		case "Kickoff call":
			kick = &d.SubtaskItems[i]
		case "Send welcome kit":
			kit = &d.SubtaskItems[i]
		}
	}
	if kick == nil || kit == nil || kick.ParentID != d.ID || kick.ListID != l.ID || len(kick.AssigneeIDs) != 1 || kick.AssigneeIDs[0] != f.agent.UserID ||
		kick.DueAt == nil || !kick.DueAt.Equal(day(2025, 6, 10)) || !kick.AllDay || kit.DueAt != nil || kit.Priority != "low" {
		t.Fatalf("subtasks: %+v / %+v", kick, kit)
	}
}

// TestTemplateApplyAllOrNothing: a subtask assignee who left the account refuses the whole
// apply, and nothing is written.
func TestTemplateApplyAllOrNothing(t *testing.T) {
	f := newB3Fix(t)
	tpl, err := f.s.CreateTemplate(f.ctx, f.admin, TaskTemplateInput{Name: b3str("T"), Title: b3str("Root"),
		Subtasks: []TemplateSubtask{{Title: "ok"}, {Title: "Bruno's", AssigneeID: f.agent.UserID}}})
	if err != nil {
		t.Fatal(err)
	}
	// Bruno leaves the account after the template was made.
	if err := f.db.Update(func(tx *storage.Tx) error {
		m, err := accounts.Members.GetBy(tx, f.acct, "user", storage.Uint(f.agent.UserID))
		if err != nil {
			return err
		}
		return accounts.Members.Delete(tx, f.acct, m.ID)
	}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.ApplyTemplate(f.ctx, f.admin, tpl.ID, TemplateApplyInput{})
	b3Field(t, err, "subtasks.1.assignee_ids")
	f.db.View(func(tx *storage.Tx) error {
		if n := Tasks.Len(tx, f.acct); n != 0 {
			t.Fatalf("%d tasks written by a refused apply", n)
		}
		return nil
	})
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
