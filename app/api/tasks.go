package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/tasks"
)

// Bodies of the task routes, named so the OpenAPI schema names are distinct.
type (
	taskListsPayload struct {
		Payload []tasks.TaskListView `json:"payload"`
	}
	tasksMeta struct {
		Count       int `json:"count"`
		CurrentPage int `json:"current_page"`
	}
	tasksPayload struct {
		Meta    tasksMeta        `json:"meta"`
		Payload []tasks.TaskView `json:"payload"`
	}
	taskLabelsPayload struct {
		Payload []tasks.TaskLabelCount `json:"payload"`
	}
	taskCalendarPayload struct {
		Payload   []tasks.TaskView      `json:"payload"`
		Projected []tasks.TaskProjected `json:"projected"`
	}
)

// TaskFiltersQuery are the filters of the task list, board and calendar.
type TaskFiltersQuery struct {
	ListID         string `query:"list_id" doc:"a list id; 0 = tasks without a list"`
	Assignee       string `query:"assignee" doc:"me, none or a user id"`
	Label          string `query:"label"`
	Priority       string `query:"priority" doc:"comma list"`
	ContactID      uint64 `query:"contact_id"`
	ConversationID uint64 `query:"conversation_id" doc:"the conversation's display number"`
	DealID         uint64 `query:"deal_id"`
	CompanyID      uint64 `query:"company_id"`
	ParentID       uint64 `query:"parent_id"`
	TopLevel       bool   `query:"top_level" doc:"only tasks without a parent"`
	DueFrom        string `query:"due_from" doc:"RFC 3339 or YYYY-MM-DD"`
	DueTo          string `query:"due_to" doc:"RFC 3339 or YYYY-MM-DD (exclusive)"`
	Overdue        bool   `query:"overdue"`
	Blocked        bool   `query:"blocked"`
	Action         bool   `query:"action" doc:"only manual actions"`
	Q              string `query:"q" doc:"words of the title or description, without regard to case or accents"`
}

func (f TaskFiltersQuery) filters() tasks.Filters {
	return tasks.Filters{ListID: f.ListID, Assignee: f.Assignee, Label: f.Label, Priority: f.Priority,
		ContactID: f.ContactID, ConversationID: f.ConversationID, DealID: f.DealID, CompanyID: f.CompanyID,
		ParentID: f.ParentID, TopLevel: f.TopLevel, DueFrom: f.DueFrom, DueTo: f.DueTo, Overdue: f.Overdue,
		Blocked: f.Blocked, Action: f.Action, Q: f.Q}
}

// registerTasks adds the routes of tasks, lists, subtasks, dependencies, checklist, board and calendar.
// Reads need tasks View, writes tasks Manage (checked in the service).
func (s *Server) registerTasks() {
	tags := []string{"Tasks"}
	base := "/api/v1/accounts/{account_id}"
	op := func(id, method, path, summary string, status int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: base + path, Summary: summary, Tags: tags,
			DefaultStatus: status, Metadata: map[string]any{"module": tasks.Module}}
	}
	type accountIn struct {
		AccountID uint64 `path:"account_id"`
	}
	type idIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
	}
	type noContent struct{}

	// Lists.
	type listsOut struct{ Body taskListsPayload }
	register(s, op("task-lists-list", http.MethodGet, "/task_lists", "The account's task lists with their open and total counts", 0), authAccount,
		func(ctx context.Context, in *accountIn) (*listsOut, error) {
			r, err := s.Tasks.Lists(ctx, actorOf(ctx))
			return &listsOut{taskListsPayload{r}}, err
		})
	type listOut struct{ Body *tasks.List }
	type listIn struct {
		AccountID uint64 `path:"account_id"`
		Body      tasks.TaskListInput
	}
	register(s, op("task-lists-create", http.MethodPost, "/task_lists", "Create a task list", http.StatusCreated), authAccount,
		func(ctx context.Context, in *listIn) (*listOut, error) {
			r, err := s.Tasks.CreateList(ctx, actorOf(ctx), in.Body)
			return &listOut{r}, err
		})
	type listUpdateIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      tasks.TaskListInput
	}
	register(s, op("task-lists-update", http.MethodPatch, "/task_lists/{id}", "Rename, recolour or move a task list", 0), authAccount,
		func(ctx context.Context, in *listUpdateIn) (*listOut, error) {
			r, err := s.Tasks.UpdateList(ctx, actorOf(ctx), in.ID, in.Body)
			return &listOut{r}, err
		})
	register(s, op("task-lists-delete", http.MethodDelete, "/task_lists/{id}", "Delete a task list (its tasks stay, without a list)", http.StatusNoContent), authAccount,
		func(ctx context.Context, in *idIn) (*noContent, error) {
			return &noContent{}, s.Tasks.DeleteList(ctx, actorOf(ctx), in.ID)
		})

	// Tasks.
	type tasksIn struct {
		AccountID uint64 `path:"account_id"`
		TaskFiltersQuery
		Status  string `query:"status" doc:"comma list of todo, in_progress, done, cancelled"`
		Sort    string `query:"sort" enum:"due_at,priority,title,created_at,updated_at,status,position" doc:"default due_at (no due date last)"`
		Order   string `query:"order" enum:"asc,desc"`
		Page    int    `query:"page" minimum:"1"`
		PerPage int    `query:"per_page" minimum:"1" maximum:"200"`
	}
	type tasksOut struct{ Body tasksPayload }
	register(s, op("tasks-list", http.MethodGet, "/tasks", "Tasks matching filters, sorted, one page at a time", 0), authAccount,
		func(ctx context.Context, in *tasksIn) (*tasksOut, error) {
			f := in.filters()
			f.Status, f.Sort, f.Order, f.Page, f.PerPage = in.Status, in.Sort, in.Order, in.Page, in.PerPage
			r, err := s.Tasks.List(ctx, actorOf(ctx), f)
			if err != nil {
				return nil, err
			}
			return &tasksOut{tasksPayload{Meta: tasksMeta{Count: r.Count, CurrentPage: r.Page}, Payload: r.Items}}, nil
		})
	type detailOut struct{ Body *tasks.TaskDetail }
	type taskIn struct {
		AccountID uint64 `path:"account_id"`
		Body      tasks.TaskInput
	}
	register(s, op("tasks-create", http.MethodPost, "/tasks", "Create a task (or a subtask with parent_id)", http.StatusCreated), authAccount,
		func(ctx context.Context, in *taskIn) (*detailOut, error) {
			r, err := s.Tasks.Create(ctx, actorOf(ctx), in.Body)
			return &detailOut{r}, err
		})
	type boardIn struct {
		AccountID uint64 `path:"account_id"`
		TaskFiltersQuery
	}
	type boardOut struct{ Body *tasks.TaskBoard }
	register(s, op("tasks-board", http.MethodGet, "/tasks/board", "The task board: one column per status, by position", 0), authAccount,
		func(ctx context.Context, in *boardIn) (*boardOut, error) {
			r, err := s.Tasks.Board(ctx, actorOf(ctx), in.filters())
			return &boardOut{r}, err
		})
	type calendarIn struct {
		AccountID uint64 `path:"account_id"`
		From      string `query:"from" required:"true" doc:"RFC 3339 or YYYY-MM-DD"`
		To        string `query:"to" required:"true" doc:"RFC 3339 or YYYY-MM-DD (exclusive)"`
		TaskFiltersQuery
	}
	type calendarOut struct{ Body taskCalendarPayload }
	register(s, op("tasks-calendar", http.MethodGet, "/tasks/calendar", "Tasks due in a date range and the projected occurrences of recurring ones", 0), authAccount,
		func(ctx context.Context, in *calendarIn) (*calendarOut, error) {
			r, err := s.Tasks.Calendar(ctx, actorOf(ctx), in.From, in.To, in.filters())
			if err != nil {
				return nil, err
			}
			return &calendarOut{taskCalendarPayload{Payload: r.Items, Projected: r.Projected}}, nil
		})
	type labelsOut struct{ Body taskLabelsPayload }
	register(s, op("tasks-labels", http.MethodGet, "/tasks/labels", "Labels in use on tasks, most used first", 0), authAccount,
		func(ctx context.Context, in *accountIn) (*labelsOut, error) {
			r, err := s.Tasks.Labels(ctx, actorOf(ctx))
			return &labelsOut{taskLabelsPayload{r}}, err
		})
	type summaryOut struct{ Body *tasks.TaskSummary }
	register(s, op("tasks-summary", http.MethodGet, "/tasks/summary", "My open, overdue and due-today tasks and the open manual actions", 0), authAccount,
		func(ctx context.Context, in *accountIn) (*summaryOut, error) {
			r, err := s.Tasks.Summary(ctx, actorOf(ctx))
			return &summaryOut{r}, err
		})
	register(s, op("tasks-get", http.MethodGet, "/tasks/{id}", "A task with its subtasks, dependencies and reminders", 0), authAccount,
		func(ctx context.Context, in *idIn) (*detailOut, error) {
			r, err := s.Tasks.Get(ctx, actorOf(ctx), in.ID)
			return &detailOut{r}, err
		})
	type taskUpdateIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      tasks.TaskInput
	}
	register(s, op("tasks-update", http.MethodPatch, "/tasks/{id}", "Change a task (status done completes it)", 0), authAccount,
		func(ctx context.Context, in *taskUpdateIn) (*detailOut, error) {
			r, err := s.Tasks.Update(ctx, actorOf(ctx), in.ID, in.Body)
			return &detailOut{r}, err
		})
	register(s, op("tasks-delete", http.MethodDelete, "/tasks/{id}", "Delete a task (its subtasks stay, as top-level tasks)", http.StatusNoContent), authAccount,
		func(ctx context.Context, in *idIn) (*noContent, error) {
			return &noContent{}, s.Tasks.Delete(ctx, actorOf(ctx), in.ID)
		})
	register(s, op("tasks-complete", http.MethodPost, "/tasks/{id}/complete", "Complete a task (completing a done task changes nothing)", 0), authAccount,
		func(ctx context.Context, in *idIn) (*detailOut, error) {
			r, err := s.Tasks.Complete(ctx, actorOf(ctx), in.ID)
			return &detailOut{r}, err
		})
	register(s, op("tasks-reopen", http.MethodPost, "/tasks/{id}/reopen", "Put a task back in to do", 0), authAccount,
		func(ctx context.Context, in *idIn) (*detailOut, error) {
			r, err := s.Tasks.Reopen(ctx, actorOf(ctx), in.ID)
			return &detailOut{r}, err
		})
	type moveIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      tasks.TaskMoveInput
	}
	type viewOut struct{ Body *tasks.TaskView }
	register(s, op("tasks-move", http.MethodPost, "/tasks/{id}/move", "Drag a task on the board (into done completes it)", 0), authAccount,
		func(ctx context.Context, in *moveIn) (*viewOut, error) {
			r, err := s.Tasks.Move(ctx, actorOf(ctx), in.ID, in.Body)
			return &viewOut{r}, err
		})

	// Dependencies.
	type blockerIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      tasks.BlockerInput
	}
	register(s, op("tasks-blockers-add", http.MethodPost, "/tasks/{id}/blocked_by", "Make another task block this one", 0), authAccount,
		func(ctx context.Context, in *blockerIn) (*detailOut, error) {
			r, err := s.Tasks.AddBlocker(ctx, actorOf(ctx), in.ID, in.Body)
			return &detailOut{r}, err
		})
	type blockerDelIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		BlockerID uint64 `path:"blocker_id"`
	}
	register(s, op("tasks-blockers-remove", http.MethodDelete, "/tasks/{id}/blocked_by/{blocker_id}", "Remove a dependency", 0), authAccount,
		func(ctx context.Context, in *blockerDelIn) (*detailOut, error) {
			r, err := s.Tasks.RemoveBlocker(ctx, actorOf(ctx), in.ID, in.BlockerID)
			return &detailOut{r}, err
		})

	// Checklist.
	type checklistIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      tasks.TaskChecklistInput
	}
	register(s, op("tasks-checklist-add", http.MethodPost, "/tasks/{id}/checklist", "Add a checklist item", 0), authAccount,
		func(ctx context.Context, in *checklistIn) (*detailOut, error) {
			r, err := s.Tasks.AddChecklistItem(ctx, actorOf(ctx), in.ID, in.Body)
			return &detailOut{r}, err
		})
	type itemIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		ItemID    uint64 `path:"item_id"`
		Body      tasks.TaskChecklistInput
	}
	register(s, op("tasks-checklist-update", http.MethodPatch, "/tasks/{id}/checklist/{item_id}", "Change or tick a checklist item", 0), authAccount,
		func(ctx context.Context, in *itemIn) (*detailOut, error) {
			r, err := s.Tasks.UpdateChecklistItem(ctx, actorOf(ctx), in.ID, in.ItemID, in.Body)
			return &detailOut{r}, err
		})
	type itemDelIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		ItemID    uint64 `path:"item_id"`
	}
	register(s, op("tasks-checklist-delete", http.MethodDelete, "/tasks/{id}/checklist/{item_id}", "Remove a checklist item", 0), authAccount,
		func(ctx context.Context, in *itemDelIn) (*detailOut, error) {
			r, err := s.Tasks.DeleteChecklistItem(ctx, actorOf(ctx), in.ID, in.ItemID)
			return &detailOut{r}, err
		})
}
