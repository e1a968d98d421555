package tasks

import (
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// checkRecurrence validates a recurrence input, adding errors under "recurrence.<field>".
func checkRecurrence(r *Recurrence, fe *apperr.Fields) {}

// completedTx runs after a task moved into done and was stored: for a recurring task it makes
// the next occurrence (once, ever).
func (s *Service) completedTx(tx *storage.Tx, actor access.Actor, t *Task) error { return nil }

// upcomingTx lists the next n dates of a recurring task's series after its due date.
func (s *Service) upcomingTx(tx *storage.Tx, t *Task, n int) []time.Time { return nil }
