package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/tasks"
	"github.com/parleyhq/parley/storage"
)

func TestTaskRemindersAPI(t *testing.T) {
	h := newHarness(t)
	var task tasks.TaskDetail
	if code, raw := h.call("POST", "/tasks", h.adminToken, map[string]any{"title": "Renew contract"}, &task); code != http.StatusCreated {
		t.Fatalf("create task: %d %s", code, raw)
	}
	base := "/tasks/" + itoa(task.ID) + "/reminders"
	at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)

	var p problem
	if code := h.do("POST", base, h.adminToken, map[string]any{"at": "2020-01-01T00:00:00Z"}, &p); code != 422 || p.at("body.at")+p.at("at") == "" {
		t.Errorf("past at: %d %+v", code, p)
	}
	p = problem{}
	if code := h.do("POST", base, h.adminToken, map[string]any{"at": at.Format(time.RFC3339), "target": "user"}, &p); code != 422 || p.at("body.user_id")+p.at("user_id") == "" {
		t.Errorf("user target without user_id: %d %+v", code, p)
	}

	var r tasks.Reminder
	body := map[string]any{"at": at.Format(time.RFC3339), "app": true, "email": true, "target": "user", "user_id": h.agentID}
	if code, raw := h.call("POST", base, h.adminToken, body, &r); code != http.StatusCreated || r.UserID != h.agentID || !r.At.Equal(at) {
		t.Fatalf("create reminder: %d %s", code, raw)
	}
	later := at.Add(time.Hour)
	if code, raw := h.call("PATCH", base+"/"+itoa(r.ID), h.agentToken, map[string]any{"at": later.Format(time.RFC3339)}, &r); code != 200 || !r.At.Equal(later) {
		t.Errorf("patch: %d %s", code, raw)
	}
	var list struct {
		Payload []tasks.Reminder `json:"payload"`
	}
	if code := h.do("GET", base, h.agentToken, nil, &list); code != 200 || len(list.Payload) != 1 || list.Payload[0].ID != r.ID {
		t.Errorf("list: %d %+v", code, list)
	}
	if code := h.do("GET", "/tasks/999999/reminders", h.agentToken, nil, nil); code != 404 {
		t.Errorf("reminders of a missing task: %d", code)
	}
	if code := h.do("DELETE", base+"/"+itoa(r.ID), h.adminToken, nil, nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code := h.do("DELETE", base+"/"+itoa(r.ID), h.adminToken, nil, nil); code != 404 {
		t.Errorf("delete again: %d", code)
	}

	// A reminder that fired is history.
	var fired tasks.Reminder
	h.call("POST", base, h.adminToken, map[string]any{"at": at.Format(time.RFC3339)}, &fired)
	h.db.Update(func(tx *storage.Tx) error {
		v, _ := tasks.Reminders.Get(tx, h.acct, fired.ID)
		now := time.Now()
		v.FiredAt = &now
		return tasks.Reminders.Put(tx, v)
	})
	if code := h.do("PATCH", base+"/"+itoa(fired.ID), h.adminToken, map[string]any{"app": false, "email": true}, nil); code != http.StatusConflict {
		t.Errorf("patch a fired reminder: %d", code)
	}

	h.module("tasks", false)
	if code := h.do("GET", base, h.adminToken, nil, nil); code != 404 {
		t.Errorf("module off: %d", code)
	}
}

func TestTaskRecurrencePreviewAPI(t *testing.T) {
	h := newHarness(t) // the account is in America/Sao_Paulo
	var out struct {
		Dates []time.Time `json:"dates"`
	}
	rule := map[string]any{"freq": "monthly", "interval": 1}
	if code, raw := h.call("POST", "/tasks/recurrence/preview", h.agentToken, map[string]any{"recurrence": rule, "due_at": "2026-01-31T09:00:00-03:00"}, &out); code != 200 {
		t.Fatalf("preview: %d %s", code, raw)
	}
	want := []string{"2026-02-28T12:00:00Z", "2026-03-31T12:00:00Z", "2026-04-30T12:00:00Z", "2026-05-31T12:00:00Z", "2026-06-30T12:00:00Z"}
	if len(out.Dates) != len(want) {
		t.Fatalf("dates %v", out.Dates)
	}
	for i, w := range want {
		if got := out.Dates[i].UTC().Format(time.RFC3339); got != w {
			t.Errorf("date %d: %s, want %s", i, got, w)
		}
	}
	var p problem
	bad := map[string]any{"freq": "weekly", "interval": 1, "weekdays": []string{"XX"}}
	if code := h.do("POST", "/tasks/recurrence/preview", h.agentToken, map[string]any{"recurrence": bad}, &p); code != 422 || !strings.Contains(p.at("body.recurrence.weekdays")+p.at("recurrence.weekdays"), "XX") {
		t.Errorf("bad weekday: %d %+v", code, p)
	}
}

// TestTaskRecurrenceConcurrentCompleteAPI completes one recurring task from two clients at once:
// exactly one next occurrence exists afterwards.
func TestTaskRecurrenceConcurrentCompleteAPI(t *testing.T) {
	h := newHarness(t)
	due := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	var task tasks.TaskDetail
	in := map[string]any{"title": "Daily check", "due_at": due, "recurrence": map[string]any{"freq": "daily", "interval": 1}}
	if code, raw := h.call("POST", "/tasks", h.adminToken, in, &task); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, raw)
	}
	var wg sync.WaitGroup
	for _, tok := range []string{h.adminToken, h.agentToken} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.do("POST", "/tasks/"+itoa(task.ID)+"/complete", tok, nil, nil)
		}()
	}
	wg.Wait()
	got, err := h.tasks.Get(context.Background(), h.owner, task.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != tasks.StatusDone || got.NextID == 0 {
		t.Fatalf("after completion: status %s next %d", got.Status, got.NextID)
	}
	n := 0
	h.db.View(func(tx *storage.Tx) error {
		n, _ = tasks.Tasks.Count(tx, h.acct, storage.Query{Index: "series", Prefix: storage.Uint(got.SeriesID)})
		return nil
	})
	if n != 2 {
		t.Errorf("the series has %d tasks after two concurrent completions, want 2", n)
	}
}
