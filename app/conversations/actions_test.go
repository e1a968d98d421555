package conversations

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// TestManualActionsQueue: validation by field, the assignee is told, agents see their own and
// unassigned actions, completing twice changes nothing, reopening puts it back in the queue.
func TestManualActionsQueue(t *testing.T) {
	start := time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC)
	f := h3New(t, start, "UTC", "en", nil)
	ctx := context.Background()
	_, err := f.s.CreateAction(ctx, f.admin, ActionInput{Kind: "fax", Title: " "})
	if fieldOf(err, "kind") == "" || fieldOf(err, "title") == "" {
		t.Fatalf("bad kind and title: %v", err)
	}
	if _, err := f.s.CreateAction(ctx, f.admin, ActionInput{Kind: "call", Title: "Call", AssigneeID: 999}); fieldOf(err, "assignee_id") == "" {
		t.Fatalf("assignee not a member: %v", err)
	}
	if _, err := f.s.CreateAction(ctx, f.admin, ActionInput{Kind: "call", Title: "Call", ConversationID: 42}); fieldOf(err, "conversation_id") == "" {
		t.Fatalf("unknown conversation: %v", err)
	}
	c := f.start("please call me")
	due := start.Add(time.Hour)
	call, err := f.s.CreateAction(ctx, f.admin, ActionInput{Kind: "call", Title: "Call Carla back", AssigneeID: f.agent.UserID, ConversationID: c.DisplayID, DueAt: &due, Source: "workflow:onboarding"})
	if err != nil || call.ContactID != f.contID || call.Kind != "call" {
		t.Fatalf("created: %+v %v", call, err)
	}
	unassigned, _ := f.s.CreateAction(ctx, f.admin, ActionInput{Kind: "message", Title: "Send the price list"})
	adminOwn, _ := f.s.CreateAction(ctx, f.admin, ActionInput{Kind: "email", Title: "Email the accountant", AssigneeID: f.admin.UserID})

	var sent []notify.Notification
	f.db.View(func(tx *storage.Tx) error {
		return notify.Notifications.Each(tx, f.acct.ID, storage.Query{}, func(n *notify.Notification) bool { sent = append(sent, *n); return true })
	})
	if len(sent) != 1 || sent[0].UserID != f.agent.UserID || sent[0].Type != "manual_action_assigned" || sent[0].Title != "Nova ação para você: Call Carla back" {
		t.Fatalf("notifications: %+v", sent)
	}

	ids := func(items []ManualAction) []uint64 {
		var out []uint64
		for _, a := range items {
			out = append(out, a.ID)
		}
		return out
	}
	list := func(actor_ int, filter ActionFilter) []uint64 {
		t.Helper()
		actor := f.admin
		if actor_ == 1 {
			actor = f.agent
		}
		page, err := f.s.ListActions(ctx, actor, filter, "")
		if err != nil {
			t.Fatal(err)
		}
		return ids(page.Items)
	}
	if got := list(1, ActionFilter{Assignee: "me"}); fmt.Sprint(got) != fmt.Sprint([]uint64{call.ID}) {
		t.Fatalf("agent's own: %v", got)
	}
	if got := list(1, ActionFilter{}); fmt.Sprint(got) != fmt.Sprint([]uint64{unassigned.ID, call.ID}) {
		t.Fatalf("agent's queue (undated first): %v", got)
	}
	if got := list(0, ActionFilter{Assignee: "all"}); len(got) != 3 {
		t.Fatalf("admin's queue: %v", got)
	}
	if _, err := f.s.CompleteAction(ctx, f.agent, adminOwn.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("agent completes another's action: %v", err)
	}
	f.clock.Set(start.Add(10 * time.Minute))
	done1, err := f.s.CompleteAction(ctx, f.agent, call.ID)
	if err != nil || done1.DoneAt == nil || done1.DoneBy != f.agent.UserID {
		t.Fatalf("complete: %+v %v", done1, err)
	}
	f.clock.Set(start.Add(20 * time.Minute))
	done2, err := f.s.CompleteAction(ctx, f.admin, call.ID)
	if err != nil || !done2.DoneAt.Equal(*done1.DoneAt) || done2.DoneBy != f.agent.UserID {
		t.Fatalf("second completion changed it: %+v %v", done2, err)
	}
	if got := list(1, ActionFilter{Assignee: "me"}); len(got) != 0 {
		t.Fatalf("done action still queued: %v", got)
	}
	if got := list(1, ActionFilter{Done: true}); fmt.Sprint(got) != fmt.Sprint([]uint64{call.ID}) {
		t.Fatalf("done list: %v", got)
	}
	if re, err := f.s.ReopenAction(ctx, f.agent, call.ID); err != nil || re.DoneAt != nil {
		t.Fatalf("reopen: %+v %v", re, err)
	}
	if got := list(1, ActionFilter{Assignee: "me"}); len(got) != 1 {
		t.Fatalf("reopened action not queued: %v", got)
	}
	if _, err := f.s.ListActions(ctx, f.agent, ActionFilter{Assignee: "them"}, ""); fieldOf(err, "assignee") == "" {
		t.Fatalf("bad assignee filter: %v", err)
	}
	// 3 creations, 1 completion, 1 reopening (the no-op completion emits nothing).
	if n := len(f.events(EventManualActionChanged)); n != 5 {
		t.Fatalf("%d manual action events", n)
	}
}

// TestManualActionsPaging: the cursor resumes right after the last action of a filtered page.
func TestManualActionsPaging(t *testing.T) {
	f := h3New(t, time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC), "UTC", "en", nil)
	ctx := context.Background()
	want := map[uint64]bool{}
	for i := 0; i < 60; i++ {
		assignee := f.agent.UserID
		if i%2 == 1 {
			assignee = f.admin.UserID // hidden from the agent
		}
		a, err := f.s.CreateAction(ctx, f.admin, ActionInput{Kind: "other", Title: fmt.Sprint("step ", i), AssigneeID: assignee})
		if err != nil {
			t.Fatal(err)
		}
		if assignee == f.agent.UserID {
			want[a.ID] = true
		}
	}
	seen := map[uint64]bool{}
	cursor, pages := "", 0
	for {
		page, err := f.s.ListActions(ctx, f.agent, ActionFilter{}, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, a := range page.Items {
			if !want[a.ID] || seen[a.ID] {
				t.Fatalf("page %d: unexpected or repeated action %d", pages, a.ID)
			}
			seen[a.ID] = true
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if len(seen) != 30 || pages != 2 {
		t.Fatalf("saw %d actions in %d pages", len(seen), pages)
	}
}
