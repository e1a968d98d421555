package tasks

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// registerSLAJobs registers the scheduler kind that marks missed SLA targets.
func (s *Service) registerSLAJobs() {}

// slaPrepareTx runs before every write of a task (prev is nil on create): it sets the targets
// of a new task from the matching policy and keeps the breach jobs in step with its status.
func (s *Service) slaPrepareTx(tx *storage.Tx, prev, t *Task) error { return nil }

// slaScheduledTx schedules the breach jobs of a task just stored with SLA targets (its id is
// known only after the Put, so insertTx calls it after slaPrepareTx and the Put).
func (s *Service) slaScheduledTx(tx *storage.Tx, t *Task) error { return nil }

// slaDeletedTx cancels a deleted task's SLA jobs.
func (s *Service) slaDeletedTx(tx *storage.Tx, t *Task) error { return nil }

// slaState says where a task's targets stand at now (nil without targets).
func slaState(t *Task, now time.Time) *SLAState { return nil }
