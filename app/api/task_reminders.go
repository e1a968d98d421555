package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/tasks"
)

// taskRemindersPayload is the body of a task's reminder list.
type taskRemindersPayload struct {
	Payload []tasks.Reminder `json:"payload"`
}

// registerTaskReminders adds the routes of a task's reminders and the recurrence preview. Reads
// need tasks view access, writes tasks management (checked in the service).
func (s *Server) registerTaskReminders() {
	tags := []string{"Tasks"}
	base := "/api/v1/accounts/{account_id}"
	op := func(id, method, path, summary string, status int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: base + path, Summary: summary, Tags: tags,
			DefaultStatus: status, Metadata: map[string]any{"module": tasks.Module}}
	}
	type taskIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
	}
	type reminderIn struct {
		AccountID  uint64 `path:"account_id"`
		ID         uint64 `path:"id"`
		ReminderID uint64 `path:"reminder_id"`
	}
	type reminderOut struct{ Body *tasks.Reminder }

	type listOut struct{ Body taskRemindersPayload }
	register(s, op("task-reminders-list", http.MethodGet, "/tasks/{id}/reminders", "A task's reminders, by time", 0), authAccount,
		func(ctx context.Context, in *taskIn) (*listOut, error) {
			r, err := s.Tasks.ListReminders(ctx, actorOf(ctx), in.ID)
			return &listOut{taskRemindersPayload{r}}, err
		})

	type createIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      tasks.TaskReminderInput
	}
	register(s, op("task-reminders-create", http.MethodPost, "/tasks/{id}/reminders", "Add a reminder to a task", http.StatusCreated), authAccount,
		func(ctx context.Context, in *createIn) (*reminderOut, error) {
			r, err := s.Tasks.CreateReminder(ctx, actorOf(ctx), in.ID, in.Body)
			return &reminderOut{r}, err
		})

	type updateIn struct {
		AccountID  uint64 `path:"account_id"`
		ID         uint64 `path:"id"`
		ReminderID uint64 `path:"reminder_id"`
		Body       tasks.TaskReminderInput
	}
	register(s, op("task-reminders-update", http.MethodPatch, "/tasks/{id}/reminders/{reminder_id}", "Change a reminder that has not fired", 0), authAccount,
		func(ctx context.Context, in *updateIn) (*reminderOut, error) {
			r, err := s.Tasks.UpdateReminder(ctx, actorOf(ctx), in.ID, in.ReminderID, in.Body)
			return &reminderOut{r}, err
		})

	type noContent struct{}
	register(s, op("task-reminders-delete", http.MethodDelete, "/tasks/{id}/reminders/{reminder_id}", "Delete a reminder", http.StatusNoContent), authAccount,
		func(ctx context.Context, in *reminderIn) (*noContent, error) {
			return &noContent{}, s.Tasks.DeleteReminder(ctx, actorOf(ctx), in.ID, in.ReminderID)
		})

	type previewIn struct {
		AccountID uint64 `path:"account_id"`
		Body      tasks.RecurrencePreviewInput
	}
	type previewOut struct{ Body *tasks.RecurrencePreview }
	register(s, op("tasks-recurrence-preview", http.MethodPost, "/tasks/recurrence/preview", "The next dates of a recurrence rule", http.StatusOK), authAccount,
		func(ctx context.Context, in *previewIn) (*previewOut, error) {
			r, err := s.Tasks.PreviewRecurrence(ctx, actorOf(ctx), in.Body)
			return &previewOut{r}, err
		})
}
