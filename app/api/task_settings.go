package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/tasks"
	"github.com/parleyhq/parley/storage"
)

// Bodies of the task settings routes, named so the OpenAPI schema names are distinct.
type (
	taskSLAPoliciesPayload struct {
		Payload []tasks.SLAPolicy `json:"payload"`
	}
	taskTemplatesPayload struct {
		Payload []tasks.Template `json:"payload"`
	}
)

// registerTaskSettings adds the routes of task SLA policies, task templates and the manual
// actions queue. The queue's actions are tasks now, so its routes sit under the tasks module
// (off: 404) while keeping the paths and operation ids they had under conversations.
func (s *Server) registerTaskSettings() {
	base := "/api/v1/accounts/{account_id}"
	op := func(id, method, path, summary string, tags ...string) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: base + path, Summary: summary, Tags: tags, Metadata: map[string]any{"module": tasks.Module}}
		switch method {
		case http.MethodDelete:
			o.DefaultStatus = http.StatusNoContent
		case http.MethodPost:
			o.DefaultStatus = http.StatusCreated
		}
		return o
	}
	type accountIn struct {
		AccountID uint64 `path:"account_id"`
	}
	type idIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
	}
	type emptyOut struct{}

	// SLA policies.
	type policiesOut struct{ Body taskSLAPoliciesPayload }
	type policyOut struct{ Body *tasks.SLAPolicy }
	type policyIn struct {
		AccountID uint64 `path:"account_id"`
		Body      tasks.TaskSLAPolicyInput
	}
	type policyUpdateIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      tasks.TaskSLAPolicyInput
	}
	sla := "Task SLA"
	register(s, op("task-sla-policies-list", http.MethodGet, "/task_sla_policies", "Task SLA policies in the order they are tried", sla), authAccount,
		func(ctx context.Context, in *accountIn) (*policiesOut, error) {
			p, err := s.Tasks.SLAPolicies(ctx, actorOf(ctx))
			return &policiesOut{taskSLAPoliciesPayload{p}}, err
		})
	register(s, op("task-sla-policies-create", http.MethodPost, "/task_sla_policies", "Add a task SLA policy (administrators)", sla), authAccount,
		func(ctx context.Context, in *policyIn) (*policyOut, error) {
			p, err := s.Tasks.CreateSLAPolicy(ctx, actorOf(ctx), in.Body)
			return &policyOut{p}, err
		})
	register(s, op("task-sla-policies-update", http.MethodPatch, "/task_sla_policies/{id}", "Change a task SLA policy (administrators); tasks keep their targets", sla), authAccount,
		func(ctx context.Context, in *policyUpdateIn) (*policyOut, error) {
			p, err := s.Tasks.UpdateSLAPolicy(ctx, actorOf(ctx), in.ID, in.Body)
			return &policyOut{p}, err
		})
	register(s, op("task-sla-policies-delete", http.MethodDelete, "/task_sla_policies/{id}", "Delete a task SLA policy (administrators)", sla), authAccount,
		func(ctx context.Context, in *idIn) (*emptyOut, error) {
			return &emptyOut{}, s.Tasks.DeleteSLAPolicy(ctx, actorOf(ctx), in.ID)
		})

	// Templates.
	type templatesOut struct{ Body taskTemplatesPayload }
	type templateOut struct{ Body *tasks.Template }
	type templateIn struct {
		AccountID uint64 `path:"account_id"`
		Body      tasks.TaskTemplateInput
	}
	type templateUpdateIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      tasks.TaskTemplateInput
	}
	type applyIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      tasks.TemplateApplyInput
	}
	type detailOut struct{ Body *tasks.TaskDetail }
	tpl := "Task templates"
	register(s, op("task-templates-list", http.MethodGet, "/task_templates", "Task templates by name", tpl), authAccount,
		func(ctx context.Context, in *accountIn) (*templatesOut, error) {
			t, err := s.Tasks.Templates(ctx, actorOf(ctx))
			return &templatesOut{taskTemplatesPayload{t}}, err
		})
	register(s, op("task-templates-create", http.MethodPost, "/task_templates", "Add a task template (administrators)", tpl), authAccount,
		func(ctx context.Context, in *templateIn) (*templateOut, error) {
			t, err := s.Tasks.CreateTemplate(ctx, actorOf(ctx), in.Body)
			return &templateOut{t}, err
		})
	register(s, op("task-templates-get", http.MethodGet, "/task_templates/{id}", "A task template", tpl), authAccount,
		func(ctx context.Context, in *idIn) (*templateOut, error) {
			t, err := s.Tasks.Template(ctx, actorOf(ctx), in.ID)
			return &templateOut{t}, err
		})
	register(s, op("task-templates-update", http.MethodPatch, "/task_templates/{id}", "Change a task template (administrators)", tpl), authAccount,
		func(ctx context.Context, in *templateUpdateIn) (*templateOut, error) {
			t, err := s.Tasks.UpdateTemplate(ctx, actorOf(ctx), in.ID, in.Body)
			return &templateOut{t}, err
		})
	register(s, op("task-templates-delete", http.MethodDelete, "/task_templates/{id}", "Delete a task template (administrators)", tpl), authAccount,
		func(ctx context.Context, in *idIn) (*emptyOut, error) {
			return &emptyOut{}, s.Tasks.DeleteTemplate(ctx, actorOf(ctx), in.ID)
		})
	register(s, op("task-templates-apply", http.MethodPost, "/task_templates/{id}/apply", "Create a task, with its checklist and subtasks, from a template", tpl), authAccount,
		func(ctx context.Context, in *applyIn) (*detailOut, error) {
			d, err := s.Tasks.ApplyTemplate(ctx, actorOf(ctx), in.ID, in.Body)
			return &detailOut{d}, err
		})

	// The manual actions queue.
	type actionsQuery struct {
		AccountID uint64 `path:"account_id"`
		Assignee  string `query:"assignee" doc:"me: mine; all (default): every action you may work"`
		Done      bool   `query:"done" doc:"true lists finished actions instead of the queue"`
		Cursor    string `query:"cursor"`
		Limit     int    `query:"limit" doc:"page size (default 25, at most 100)"`
	}
	type actionsOut struct{ Body storage.Page[tasks.TaskView] }
	type actionOut struct{ Body *tasks.TaskView }
	type actionIn struct {
		AccountID uint64 `path:"account_id"`
		Body      tasks.ActionInput
	}
	ma := "Manual actions"
	register(s, op("manual-actions-list", http.MethodGet, "/manual_actions", "The manual actions queue: open actions by due time, or the finished ones", ma), authAccount,
		func(ctx context.Context, in *actionsQuery) (*actionsOut, error) {
			p, err := s.Tasks.Actions(ctx, actorOf(ctx), in.Assignee, in.Done, in.Cursor, in.Limit)
			return &actionsOut{p}, err
		})
	register(s, op("manual-actions-create", http.MethodPost, "/manual_actions", "Queue a manual action (a task in the Manual actions list)", ma), authAccount,
		func(ctx context.Context, in *actionIn) (*actionOut, error) {
			a, err := s.Tasks.CreateAction(ctx, actorOf(ctx), in.Body)
			return &actionOut{a}, err
		})
	complete := op("manual-actions-complete", http.MethodPost, "/manual_actions/{id}/complete", "Mark a manual action done (again: no change)", ma)
	complete.DefaultStatus = http.StatusOK
	register(s, complete, authAccount,
		func(ctx context.Context, in *idIn) (*actionOut, error) {
			a, err := s.Tasks.CompleteAction(ctx, actorOf(ctx), in.ID)
			return &actionOut{a}, err
		})
	reopen := op("manual-actions-reopen", http.MethodPost, "/manual_actions/{id}/reopen", "Put a done manual action back in the queue", ma)
	reopen.DefaultStatus = http.StatusOK
	register(s, reopen, authAccount,
		func(ctx context.Context, in *idIn) (*actionOut, error) {
			a, err := s.Tasks.ReopenAction(ctx, actorOf(ctx), in.ID)
			return &actionOut{a}, err
		})
}
