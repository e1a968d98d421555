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

// BoardTasksPerColumn is how many cards a column shows at once.
const BoardTasksPerColumn = 200

// TaskColumn is one status of the board.
type TaskColumn struct {
	Status string     `json:"status"`
	Count  int        `json:"count"`
	Tasks  []TaskView `json:"tasks"`
}

// Board is the kanban of tasks: one column per status, in Statuses order.
type TaskBoard struct {
	Columns []TaskColumn `json:"columns"`
}

// Board returns the four columns with the tasks matching f (status, sort and page are ignored),
// each ordered by position.
func (s *Service) Board(ctx context.Context, actor access.Actor, f Filters) (*TaskBoard, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	f.Status, f.Sort, f.Order, f.Page, f.PerPage = "", "", "", 0, 0
	out := &TaskBoard{Columns: []TaskColumn{}}
	err := s.db.View(func(tx *storage.Tx) error {
		v, err := s.newViewer(tx, actor)
		if err != nil {
			return err
		}
		m, err := f.check(actor, v.loc)
		if err != nil {
			return err
		}
		for _, st := range Statuses {
			col := TaskColumn{Status: st, Tasks: []TaskView{}}
			err := Tasks.Each(tx, actor.AccountID, storage.Query{Index: "column", Prefix: storage.Str(st)}, func(t *Task) bool {
				if !m.match(t, v.now, v.loc) || f.Blocked && !blockedTx(tx, t) {
					return true
				}
				col.Count++
				if len(col.Tasks) < BoardTasksPerColumn {
					col.Tasks = append(col.Tasks, v.view(t))
				}
				return true
			})
			if err != nil {
				return err
			}
			out.Columns = append(out.Columns, col)
		}
		return nil
	})
	return out, err
}

// TaskMoveInput places a task in a board column, before another task or (without before_id) last.
type TaskMoveInput struct {
	Status   string `json:"status" doc:"todo, in_progress, done or cancelled"`
	BeforeID uint64 `json:"before_id,omitempty"`
}

// Move drags a task on the board. Changing column is a status change (into done: a completion).
func (s *Service) Move(ctx context.Context, actor access.Actor, id uint64, in TaskMoveInput) (*TaskView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	if !slices.Contains(Statuses, in.Status) {
		return nil, apperr.Field("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	if in.BeforeID == id {
		return nil, apperr.Field("before_id", "a task cannot be placed before itself")
	}
	var out *TaskView
	err := s.db.Update(func(tx *storage.Tx) error {
		t, err := getTx(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		prev := *t
		transition(t, in.Status, actor, s.now())
		if err := placeTx(tx, t, in.BeforeID); err != nil {
			return err
		}
		if err := s.putTx(tx, actor, &prev, t); err != nil {
			return err
		}
		if t, err = getTx(tx, actor.AccountID, id); err != nil {
			return err
		}
		out, err = s.viewTx(tx, actor, t)
		return err
	})
	return out, err
}

// placeTx gives t (already in its new status) a position in its column before task before (0:
// last). Positions keep gaps so usually only t is written; when two neighbours touch, the column
// is renumbered (storage.Place).
func placeTx(tx *storage.Tx, t *Task, before uint64) error {
	var col []Task
	err := Tasks.Each(tx, t.AccountID, storage.Query{Index: "column", Prefix: storage.Str(t.Status)}, func(o *Task) bool {
		if o.ID != t.ID {
			col = append(col, *o)
		}
		return true
	})
	if err != nil {
		return err
	}
	i := len(col)
	if before != 0 {
		i = slices.IndexFunc(col, func(o Task) bool { return o.ID == before })
		if i < 0 {
			return apperr.Field("before_id", fmt.Sprintf("task %d is not in the %s column", before, t.Status))
		}
	}
	positions := make([]int64, len(col))
	for k := range col {
		positions[k] = col[k].Position
	}
	pos, renumbered := storage.Place(positions, i, Gap)
	// Only positions change when the column is renumbered, so these writes carry no
	// task_updated event of their own (the board reloads on the moved task's event).
	for k, p := range renumbered {
		if col[k].Position != p {
			col[k].Position = p
			if err := Tasks.Put(tx, &col[k]); err != nil {
				return err
			}
		}
	}
	t.Position = pos
	return nil
}
