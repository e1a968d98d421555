package tasks

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// TestMigrateManualActions: records of the old queue become tasks in the account's "Manual
// actions" list with their title, note, kind, links, assignee, due time, done state and creation
// time; the old records go, and running it again (nothing left) changes nothing.
func TestMigrateManualActions(t *testing.T) {
	f := newB3Fix(t)
	created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	due := created.Add(48 * time.Hour)
	doneAt := created.Add(time.Hour)
	old := []legacyAction{
		{AccountID: f.acct, Kind: "call", Title: "Ligar para a Carla", Note: "Depois das 14h", ContactID: 7, ConversationID: 3, AssigneeID: f.agent.UserID, Source: "workflow:boas-vindas", DueAt: &due, CreatedAt: created},
		{AccountID: f.acct, Kind: "email", Title: "Enviar contrato", DoneAt: &doneAt, DoneBy: f.admin.UserID, CreatedAt: created},
		{AccountID: f.acct, Kind: "fax", Title: "Legado", CreatedAt: created},
	}
	if err := f.db.Update(func(tx *storage.Tx) error {
		for i := range old {
			if err := legacyActions.Put(tx, &old[i]); err != nil {
				return err
			}
		}
		return MigrateManualActions(tx)
	}); err != nil {
		t.Fatal(err)
	}
	var got []Task
	var list *List
	f.db.View(func(tx *storage.Tx) error {
		if n := legacyActions.Len(tx, f.acct); n != 0 {
			t.Errorf("%d old records left", n)
		}
		if n, _ := legacyActions.Count(tx, f.acct, storage.Query{Index: "open", Prefix: storage.Str("all")}); n != 0 {
			t.Errorf("%d old index entries left", n)
		}
		var err error
		if list, err = Lists.GetBy(tx, f.acct, "system", storage.Str(SystemManualActions)); err != nil {
			t.Fatalf("system list: %v", err)
		}
		return Tasks.Each(tx, f.acct, storage.Query{}, func(v *Task) bool { got = append(got, *v); return true })
	})
	if list.Name != "Ações manuais" || len(got) != 3 {
		t.Fatalf("list %+v, %d tasks", list, len(got))
	}
	call, mail, legacy := got[0], got[1], got[2]
	if call.ListID != list.ID || call.Title != "Ligar para a Carla" || call.Description != "Depois das 14h" || call.ActionKind != "call" ||
		call.ContactID != 7 || call.ConversationID != 3 || fmt.Sprint(call.AssigneeIDs) != fmt.Sprint([]uint64{f.agent.UserID}) ||
		call.Source != "workflow:boas-vindas" || call.DueAt == nil || !call.DueAt.Equal(due) || !call.CreatedAt.Equal(created) || call.Status != StatusTodo {
		t.Fatalf("open action: %+v", call)
	}
	if mail.Status != StatusDone || mail.CompletedAt == nil || !mail.CompletedAt.Equal(doneAt) || mail.CompletedBy != f.admin.UserID || mail.ActionKind != "email" {
		t.Fatalf("done action: %+v", mail)
	}
	if legacy.ActionKind != "other" {
		t.Fatalf("unknown kind: %+v", legacy)
	}
	// The migrated open action is in the queue; the done one among the finished.
	page, err := f.s.Actions(f.ctx, f.agent, "me", false, "", 0)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != call.ID {
		t.Fatalf("agent's queue: %+v %v", page, err)
	}
	if page, err = f.s.Actions(f.ctx, f.admin, "all", true, "", 0); err != nil || len(page.Items) != 1 || page.Items[0].ID != mail.ID {
		t.Fatalf("finished: %+v %v", page, err)
	}
	if err := f.db.Update(MigrateManualActions); err != nil {
		t.Fatal(err)
	}
	f.db.View(func(tx *storage.Tx) error {
		if n := Tasks.Len(tx, f.acct); n != 3 {
			t.Errorf("second run made %d tasks", n)
		}
		return nil
	})
}

// TestManualActionsQueue: actions are tasks in the system list; the assignee is told; agents
// see their own and unassigned ones; completing twice changes nothing; reopening requeues.
func TestManualActionsQueue(t *testing.T) {
	f := newB3Fix(t)
	_, err := f.s.CreateAction(f.ctx, f.admin, ActionInput{Kind: "fax", Title: " "})
	b3Field(t, err, "kind")
	b3Field(t, err, "title")
	_, err = f.s.CreateAction(f.ctx, f.admin, ActionInput{Title: "x", AssigneeID: 999})
	b3Field(t, err, "assignee_id")
	due := f.now().Add(time.Hour)
	call, err := f.s.CreateAction(f.ctx, f.admin, ActionInput{Kind: "call", Title: "Ligar", Note: "urgente", AssigneeID: f.agent.UserID, DueAt: &due, Source: "workflow:x"})
	if err != nil || call.ActionKind != "call" || call.Description != "urgente" || call.ListName != "Ações manuais" || call.Source != "workflow:x" {
		t.Fatalf("create: %+v %v", call, err)
	}
	unassigned, _ := f.s.CreateAction(f.ctx, f.admin, ActionInput{Kind: "message", Title: "Mensagem"})
	adminOwn, _ := f.s.CreateAction(f.ctx, f.admin, ActionInput{Kind: "email", Title: "Email", AssigneeID: f.admin.UserID})
	if n := f.notes("manual_action_assigned"); len(n) != 1 || n[0].UserID != f.agent.UserID || n[0].Title != "Nova ação para você: Ligar" {
		t.Fatalf("notifications: %+v", n)
	}
	ids := func(actor int, assignee string, done bool) string {
		t.Helper()
		a := f.admin
		if actor == 1 {
			a = f.agent
		}
		p, err := f.s.Actions(f.ctx, a, assignee, done, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []uint64
		for _, v := range p.Items {
			out = append(out, v.ID)
		}
		return fmt.Sprint(out)
	}
	if got := ids(1, "all", false); got != fmt.Sprint([]uint64{unassigned.ID, call.ID}) {
		t.Fatalf("agent's queue (undated first): %s", got)
	}
	if got := ids(0, "", false); got != fmt.Sprint([]uint64{unassigned.ID, adminOwn.ID, call.ID}) {
		t.Fatalf("admin's queue: %s", got)
	}
	if _, err := f.s.CompleteAction(f.ctx, f.agent, adminOwn.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("agent completes another's action: %v", err)
	}
	plain := f.create(TaskInput{Title: b3str("not an action")})
	if _, err := f.s.CompleteAction(f.ctx, f.admin, plain.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a plain task through the actions route: %v", err)
	}
	d1, err := f.s.CompleteAction(f.ctx, f.agent, call.ID)
	if err != nil || d1.Status != StatusDone || d1.CompletedBy != f.agent.UserID {
		t.Fatalf("complete: %+v %v", d1, err)
	}
	f.mu.Lock()
	f.at = f.at.Add(time.Minute)
	f.mu.Unlock()
	d2, err := f.s.CompleteAction(f.ctx, f.admin, call.ID)
	if err != nil || !d2.CompletedAt.Equal(*d1.CompletedAt) || d2.CompletedBy != f.agent.UserID {
		t.Fatalf("second completion changed it: %+v %v", d2, err)
	}
	if got := ids(1, "me", false); got != "[]" {
		t.Fatalf("done action still queued: %s", got)
	}
	if got := ids(1, "me", true); got != fmt.Sprint([]uint64{call.ID}) {
		t.Fatalf("finished: %s", got)
	}
	if re, err := f.s.ReopenAction(f.ctx, f.agent, call.ID); err != nil || re.Status != StatusTodo || re.CompletedAt != nil {
		t.Fatalf("reopen: %+v %v", re, err)
	}
	if got := ids(1, "me", false); got != fmt.Sprint([]uint64{call.ID}) {
		t.Fatalf("reopened not queued: %s", got)
	}
	if _, err := f.s.Actions(f.ctx, f.agent, "them", false, "", 0); err == nil {
		t.Fatal("bad assignee filter accepted")
	}
}

// TestManualActionsPaging: the cursor resumes right after the last action of a filtered page.
func TestManualActionsPaging(t *testing.T) {
	f := newB3Fix(t)
	want := map[uint64]bool{}
	for i := 0; i < 30; i++ {
		assignee := f.agent.UserID
		if i%2 == 1 {
			assignee = f.admin.UserID // hidden from the agent
		}
		a, err := f.s.CreateAction(f.ctx, f.admin, ActionInput{Title: fmt.Sprint("step ", i), AssigneeID: assignee})
		if err != nil {
			t.Fatal(err)
		}
		if assignee == f.agent.UserID {
			want[a.ID] = true
		}
	}
	seen, cursor, pages := map[uint64]bool{}, "", 0
	for {
		p, err := f.s.Actions(f.ctx, f.agent, "all", false, cursor, 4)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range p.Items {
			if !want[v.ID] || seen[v.ID] {
				t.Fatalf("page %d: unexpected or repeated %d", pages, v.ID)
			}
			seen[v.ID] = true
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if len(seen) != len(want) || pages != 4 {
		t.Fatalf("saw %d of %d in %d pages", len(seen), len(want), pages)
	}
}
