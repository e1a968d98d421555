package tasks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// BlockerInput names the task that blocks another.
type BlockerInput struct {
	TaskID uint64 `json:"task_id"`
}

// AddBlocker records that blocker must be closed before task id can go ahead. A dependency that
// would close a loop is refused, naming the loop.
func (s *Service) AddBlocker(ctx context.Context, actor access.Actor, id uint64, in BlockerInput) (*TaskDetail, error) {
	return s.write(actor, id, func(tx *storage.Tx, t *Task) error {
		b := in.TaskID
		switch {
		case b == 0:
			return apperr.Field("task_id", "is required")
		case b == id:
			return apperr.Field("task_id", "a task cannot block itself")
		case !Tasks.Exists(tx, actor.AccountID, b):
			return apperr.Field("task_id", fmt.Sprintf("task %d not found", b))
		case slices.Contains(t.BlockedBy, b):
			return nil
		case len(t.BlockedBy) >= MaxBlockers:
			return apperr.Field("task_id", fmt.Sprintf("a task can wait for at most %d others", MaxBlockers))
		}
		if path := blockPath(tx, actor.AccountID, b, id); path != nil {
			// path runs from the new blocker through BlockedBy to id: id waiting on b closes it.
			steps := []string{fmt.Sprintf("#%d", id)}
			for _, p := range path {
				steps = append(steps, fmt.Sprintf("#%d", p))
			}
			return apperr.Field("task_id", "would create a dependency cycle: "+strings.Join(steps, " → "))
		}
		prev := *t
		t.BlockedBy = append(slices.Clone(t.BlockedBy), b)
		return s.putTx(tx, actor, &prev, t)
	})
}

// blockPath finds whether from already waits (through BlockedBy, transitively) on target, and
// returns the chain [from, …, target] when it does.
func blockPath(tx *storage.Tx, account, from, target uint64) []uint64 {
	seen := map[uint64]bool{}
	var walk func(id uint64) []uint64
	walk = func(id uint64) []uint64 {
		if id == target {
			return []uint64{id}
		}
		if seen[id] {
			return nil
		}
		seen[id] = true
		t, err := Tasks.Get(tx, account, id)
		if err != nil {
			return nil
		}
		for _, b := range t.BlockedBy {
			if p := walk(b); p != nil {
				return append([]uint64{id}, p...)
			}
		}
		return nil
	}
	return walk(from)
}

// RemoveBlocker drops a dependency.
func (s *Service) RemoveBlocker(ctx context.Context, actor access.Actor, id, blocker uint64) (*TaskDetail, error) {
	return s.write(actor, id, func(tx *storage.Tx, t *Task) error {
		if !slices.Contains(t.BlockedBy, blocker) {
			return apperr.NotFoundf("task %d does not block task %d", blocker, id)
		}
		prev := *t
		t.BlockedBy = slices.DeleteFunc(slices.Clone(t.BlockedBy), func(x uint64) bool { return x == blocker })
		return s.putTx(tx, actor, &prev, t)
	})
}

// blockedTx reports whether any of the task's blockers is still open.
func blockedTx(tx *storage.Tx, t *Task) bool {
	for _, b := range t.BlockedBy {
		if o, err := Tasks.Get(tx, t.AccountID, b); err == nil && !o.Closed() {
			return true
		}
	}
	return false
}
