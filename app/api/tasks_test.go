package api

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/tasks"
)

func TestTasksAPIFlow(t *testing.T) {
	h := newHarness(t)
	contact := h.contact("Ana Souza")
	var list tasks.List
	if code, raw := h.call(http.MethodPost, "/task_lists", h.adminToken, map[string]any{"name": "Vendas"}, &list); code != http.StatusCreated {
		t.Fatalf("create list %d %s", code, raw)
	}
	var d tasks.TaskDetail
	code, raw := h.call(http.MethodPost, "/tasks", h.agentToken, map[string]any{"title": "Ligar para Ana", "list_id": list.ID,
		"contact_id": contact, "due_at": "2030-01-15", "assignee_ids": []uint64{h.owner.UserID}, "labels": []string{"vip"}}, &d)
	if code != http.StatusCreated || d.ID == 0 || !d.AllDay || d.ListName != "Vendas" || d.Contact == nil || d.Contact.Name != "Ana Souza" {
		t.Fatalf("create %d %s", code, raw)
	}
	id := strconv.FormatUint(d.ID, 10)
	if code, raw := h.call(http.MethodPost, "/tasks", h.agentToken, map[string]any{"title": ""}, nil); code != http.StatusUnprocessableEntity {
		t.Fatalf("empty title %d %s", code, raw)
	}
	if code := h.do(http.MethodGet, "/tasks/"+id, h.adminToken, nil, &d); code != http.StatusOK || len(d.Assignees) != 1 {
		t.Fatalf("detail %d %+v", code, d)
	}
	if code, raw := h.call(http.MethodPatch, "/tasks/"+id, h.agentToken, map[string]any{"status": "in_progress", "priority": "high"}, &d); code != http.StatusOK || d.StartedAt == nil || d.Priority != "high" {
		t.Fatalf("patch %d %s", code, raw)
	}
	var page struct {
		Meta struct {
			Count       int `json:"count"`
			CurrentPage int `json:"current_page"`
		} `json:"meta"`
		Payload []tasks.TaskView `json:"payload"`
	}
	if code, raw := h.call(http.MethodGet, "/tasks?status=in_progress&assignee=me&sort=priority&order=desc", h.adminToken, nil, &page); code != http.StatusOK || page.Meta.Count != 1 || page.Meta.CurrentPage != 1 {
		t.Fatalf("list %d %s", code, raw)
	}
	var v tasks.TaskView
	if code, raw := h.call(http.MethodPost, "/tasks/"+id+"/move", h.agentToken, map[string]any{"status": "todo"}, &v); code != http.StatusOK || v.Status != "todo" {
		t.Fatalf("move %d %s", code, raw)
	}
	var board tasks.TaskBoard
	if code := h.do(http.MethodGet, "/tasks/board", h.agentToken, nil, &board); code != http.StatusOK || len(board.Columns) != 4 || board.Columns[0].Count != 1 {
		t.Fatalf("board %d %+v", code, board)
	}
	if code, raw := h.call(http.MethodPost, "/tasks/"+id+"/complete", h.agentToken, nil, &d); code != http.StatusOK || d.Status != "done" || d.CompletedAt == nil {
		t.Fatalf("complete %d %s", code, raw)
	}
	if code, raw := h.call(http.MethodPost, "/tasks/"+id+"/checklist", h.agentToken, map[string]any{"text": "Confirmar"}, &d); code != http.StatusOK || len(d.Checklist) != 1 {
		t.Fatalf("checklist %d %s", code, raw)
	}
	var cal struct {
		Payload   []tasks.TaskView      `json:"payload"`
		Projected []tasks.TaskProjected `json:"projected"`
	}
	if code, raw := h.call(http.MethodGet, "/tasks/calendar?from=2030-01-01&to=2030-02-01", h.agentToken, nil, &cal); code != http.StatusOK || len(cal.Payload) != 1 {
		t.Fatalf("calendar %d %s", code, raw)
	}
	var lists struct {
		Payload []tasks.TaskListView `json:"payload"`
	}
	if code := h.do(http.MethodGet, "/task_lists", h.agentToken, nil, &lists); code != http.StatusOK || len(lists.Payload) != 1 || lists.Payload[0].TotalCount != 1 {
		t.Fatalf("lists %d %+v", code, lists)
	}
	if code := h.do(http.MethodGet, "/tasks/summary", h.adminToken, nil, nil); code != http.StatusOK {
		t.Fatalf("summary %d", code)
	}
	// The agent created it, so the agent may delete it.
	if code, raw := h.call(http.MethodDelete, "/tasks/"+id, h.agentToken, nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete %d %s", code, raw)
	}
	if code := h.do(http.MethodGet, "/tasks/"+id, h.adminToken, nil, nil); code != http.StatusNotFound {
		t.Fatalf("deleted task answers %d", code)
	}
}

func TestTasksAPIModuleOffAndPermissions(t *testing.T) {
	h := newHarness(t, withAgent("Vera Viewer", "vera@example.com", map[string]access.Level{"tasks": access.View}))
	if code, raw := h.call(http.MethodPost, "/tasks", h.agentToken, map[string]any{"title": "x"}, nil); code != http.StatusForbidden {
		t.Fatalf("agent without Manage creates: %d %s", code, raw)
	}
	if code := h.do(http.MethodGet, "/tasks", h.agentToken, nil, nil); code != http.StatusOK {
		t.Fatalf("agent with View lists: %d", code)
	}
	var d tasks.TaskDetail
	if code := h.do(http.MethodPost, "/tasks", h.adminToken, map[string]any{"title": "x"}, &d); code != http.StatusCreated {
		t.Fatalf("admin creates: %d", code)
	}
	if code := h.do(http.MethodDelete, "/task_lists/999", h.agentToken, nil, nil); code != http.StatusForbidden {
		t.Fatalf("agent without Manage deletes a list: %d", code)
	}
	h.module("tasks", false)
	for _, p := range []string{"/tasks", "/tasks/" + strconv.FormatUint(d.ID, 10), "/task_lists", "/tasks/board"} {
		if code := h.do(http.MethodGet, p, h.adminToken, nil, nil); code != http.StatusNotFound {
			t.Fatalf("%s with the module off: %d", p, code)
		}
	}
}
