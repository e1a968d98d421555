package tasks

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// registerReminderJobs registers the scheduler kind that fires reminders.
func (s *Service) registerReminderJobs() {}

// remindersDeletedTx removes a deleted task's reminders and their jobs.
func (s *Service) remindersDeletedTx(tx *storage.Tx, t *Task) error { return nil }

// nextReminderTx is the earliest reminder of the task that has not fired.
func (s *Service) nextReminderTx(tx *storage.Tx, t *Task) *time.Time { return nil }
