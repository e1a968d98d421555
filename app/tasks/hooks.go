package tasks

import (
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// insertTx stores a new task at the end of its board column, with its SLA targets and its place
// in a recurring series, and emits
// task_created. Every path that creates tasks (the API, recurrence, templates, manual actions)
// goes through it so they all get the same positions, SLA and events.
func (s *Service) insertTx(tx *storage.Tx, actor access.Actor, t *Task) error {
	now := s.now()
	t.ID = 0
	t.AccountID = actor.AccountID
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	t.UpdatedAt = now
	if t.Status == "" {
		t.Status = StatusTodo
	}
	if t.Priority == "" {
		t.Priority = "none"
	}
	pos, err := s.lastPositionTx(tx, actor.AccountID, t.Status)
	if err != nil {
		return err
	}
	t.Position = pos + Gap
	if err := s.slaPrepareTx(tx, nil, t); err != nil {
		return err
	}
	if err := Tasks.Put(tx, t); err != nil {
		return err
	}
	if err := s.slaScheduledTx(tx, t); err != nil {
		return err
	}
	if err := s.recurrenceSetTx(tx, t); err != nil {
		return err
	}
	return s.emitTx(tx, actor, EventTaskCreated, t)
}

// lastPositionTx is the position of the last task in a board column (0 when it is empty).
func (s *Service) lastPositionTx(tx *storage.Tx, account uint64, status string) (int64, error) {
	var last int64
	err := Tasks.Each(tx, account, storage.Query{Index: "column", Prefix: storage.Str(status), Reverse: true, Limit: 1}, func(v *Task) bool {
		last = v.Position
		return false
	})
	return last, err
}

// emitTx appends a task event (task_created, task_updated, task_completed, task_deleted) with
// the task as its data; webhooks post it and open windows refresh.
func (s *Service) emitTx(tx *storage.Tx, actor access.Actor, typ string, t *Task) error {
	return tx.EmitData(storage.Event{Account: t.AccountID, Type: typ, Entity: Tasks.Name(), ID: t.ID, Actor: actor.UserID}, t)
}
