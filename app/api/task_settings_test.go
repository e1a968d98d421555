package api

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/tasks"
)

// TestManualActionsAPI: the queue's routes (moved from conversations, same paths) create tasks
// in the "Manual actions" list, list them, complete twice without change and reopen; they
// belong to the tasks module now.
func TestManualActionsAPI(t *testing.T) {
	h := newCSAPI(t)
	res, err := h.convs.Ingest(context.Background(), h.acct, conversations.Inbound{InboxID: h.inbox, Contact: contacts.Identity{SourceID: "c-1", Name: "Carla"}, Content: "oi"})
	if err != nil {
		t.Fatal(err)
	}
	var p problem
	if code, _ := h.call("POST", "/manual_actions", h.agentToken, map[string]any{"kind": "fax", "title": ""}, &p); code != 422 || p.at("body.kind") == "" || p.at("body.title") == "" {
		t.Fatalf("bad action: %d %+v", code, p)
	}
	var act tasks.TaskView
	if code, raw := h.call("POST", "/manual_actions", h.adminToken, map[string]any{"kind": "call", "title": "Ligar para a Carla", "note": "depois das 14h",
		"conversation_id": res.DisplayID, "assignee_id": h.agentID}, &act); code != 201 || act.ContactID == 0 || act.ActionKind != "call" ||
		act.Description != "depois das 14h" || act.ListName != "Ações manuais" || act.Conversation == nil || act.Status != tasks.StatusTodo {
		t.Fatalf("create action: %d %s", code, raw)
	}
	var page struct {
		Items []tasks.TaskView `json:"items"`
		Next  string           `json:"next"`
	}
	if code, raw := h.call("GET", "/manual_actions?assignee=me", h.agentToken, nil, &page); code != 200 || len(page.Items) != 1 || page.Items[0].ID != act.ID {
		t.Fatalf("queue: %d %s", code, raw)
	}
	// The action is a task like any other.
	var list struct {
		Payload []tasks.TaskView `json:"payload"`
	}
	if code, raw := h.call("GET", "/tasks?action=true", h.agentToken, nil, &list); code != 200 || len(list.Payload) != 1 || list.Payload[0].ID != act.ID {
		t.Fatalf("tasks list: %d %s", code, raw)
	}
	var done, again tasks.TaskView
	h.call("POST", "/manual_actions/"+itoa(act.ID)+"/complete", h.agentToken, nil, &done)
	if code, _ := h.call("POST", "/manual_actions/"+itoa(act.ID)+"/complete", h.agentToken, nil, &again); code != 200 || done.CompletedAt == nil ||
		done.Status != tasks.StatusDone || !again.CompletedAt.Equal(*done.CompletedAt) {
		t.Fatalf("complete twice: %d %+v %+v", code, done, again)
	}
	if code, _ := h.call("GET", "/manual_actions?done=true", h.agentToken, nil, &page); code != 200 || len(page.Items) != 1 {
		t.Fatalf("done list: %d %+v", code, page)
	}
	var reopened tasks.TaskView
	if code, _ := h.call("POST", "/manual_actions/"+itoa(act.ID)+"/reopen", h.agentToken, nil, &reopened); code != 200 || reopened.CompletedAt != nil ||
		reopened.ID != act.ID || reopened.Status != tasks.StatusTodo {
		t.Fatalf("reopen: %d %+v", code, reopened)
	}
	if code := h.do("POST", "/manual_actions/999/complete", h.agentToken, nil, nil); code != 404 {
		t.Fatalf("missing action: %d", code)
	}
	h.module("tasks", false)
	if code := h.do("GET", "/manual_actions", h.agentToken, nil, nil); code != 404 {
		t.Fatalf("tasks module off: %d", code)
	}
}

// TestTaskSLAAndTemplatesAPI: administrators write policies and templates, agents read them;
// applying a template answers 201 with the task tree; fields are named in errors.
func TestTaskSLAAndTemplatesAPI(t *testing.T) {
	h := newHarness(t)
	var p problem
	if code, _ := h.call("POST", "/task_sla_policies", h.adminToken, map[string]any{"name": "", "start_minutes": -1}, &p); code != 422 ||
		p.at("body.name") == "" || p.at("body.start_minutes") == "" {
		t.Fatalf("bad policy: %d %+v", code, p)
	}
	if code := h.do("POST", "/task_sla_policies", h.agentToken, map[string]any{"name": "x", "start_minutes": 5}, nil); code != 403 {
		t.Fatalf("agent writes a policy: %d", code)
	}
	var pol tasks.SLAPolicy
	if code, raw := h.call("POST", "/task_sla_policies", h.adminToken, map[string]any{"name": "Urgente", "priority": "urgent", "start_minutes": 15, "finish_minutes": 120}, &pol); code != 201 || !pol.Enabled {
		t.Fatalf("create policy: %d %s", code, raw)
	}
	if code, raw := h.call("PATCH", "/task_sla_policies/"+itoa(pol.ID), h.adminToken, map[string]any{"finish_minutes": 240}, &pol); code != 200 || pol.FinishMinutes != 240 || pol.StartMinutes != 15 {
		t.Fatalf("patch policy: %d %s", code, raw)
	}
	var pols struct {
		Payload []tasks.SLAPolicy `json:"payload"`
	}
	if code := h.do("GET", "/task_sla_policies", h.agentToken, nil, &pols); code != 200 || len(pols.Payload) != 1 {
		t.Fatalf("list policies: %d %+v", code, pols)
	}

	p = problem{}
	if code, _ := h.call("POST", "/task_templates", h.adminToken, map[string]any{"name": "T", "title": "x", "subtasks": []map[string]any{{"title": ""}}}, &p); code != 422 || p.at("body.subtasks.0.title") == "" {
		t.Fatalf("bad template: %d %+v", code, p)
	}
	var tpl tasks.Template
	if code, raw := h.call("POST", "/task_templates", h.adminToken, map[string]any{"name": "Urgente", "title": "Resolver", "priority": "urgent",
		"checklist": []string{"a", "b"}, "subtasks": []map[string]any{{"title": "Passo 1", "assignee_id": h.agentID, "due_offset_days": 2}}}, &tpl); code != 201 {
		t.Fatalf("create template: %d %s", code, raw)
	}
	if code := h.do("GET", "/task_templates/"+itoa(tpl.ID), h.agentToken, nil, &tpl); code != 200 || len(tpl.Subtasks) != 1 {
		t.Fatalf("get template: %d %+v", code, tpl)
	}
	var d tasks.TaskDetail
	if code, raw := h.call("POST", "/task_templates/"+itoa(tpl.ID)+"/apply", h.agentToken, map[string]any{"title": "Resolver pedido 42"}, &d); code != 201 ||
		d.Title != "Resolver pedido 42" || d.TemplateID != tpl.ID || len(d.Checklist) != 2 || len(d.SubtaskItems) != 1 || d.SubtaskItems[0].DueAt == nil ||
		d.SLA == nil || d.SLA.PolicyID != pol.ID || d.SLAState == nil || d.SLAState.Start != tasks.SLAOK {
		t.Fatalf("apply: %d %s", code, raw)
	}
	if code := h.do("DELETE", "/task_templates/"+itoa(tpl.ID), h.agentToken, nil, nil); code != 403 {
		t.Fatalf("agent deletes a template: %d", code)
	}
	if code := h.do("DELETE", "/task_templates/"+itoa(tpl.ID), h.adminToken, nil, nil); code != 204 {
		t.Fatalf("delete template: %d", code)
	}
	if code := h.do("DELETE", "/task_sla_policies/"+itoa(pol.ID), h.adminToken, nil, nil); code != 204 {
		t.Fatalf("delete policy: %d", code)
	}
}
