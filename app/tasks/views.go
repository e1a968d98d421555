package tasks

import (
	"sort"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/storage"
)

// viewer builds TaskViews for one actor in one transaction, reading each user, list and the
// actor's visibility once however many tasks it shows.
type viewer struct {
	s     *Service
	tx    *storage.Tx
	acct  *accounts.Account
	loc   *time.Location
	now   time.Time
	links *linker
	users map[uint64]string
	lists map[uint64]*List // nil for a list that is gone
}

func (s *Service) newViewer(tx *storage.Tx, actor access.Actor) (*viewer, error) {
	acct, err := accountOf(tx, actor.AccountID)
	if err != nil {
		return nil, err
	}
	lk, err := newLinker(tx, actor)
	if err != nil {
		return nil, err
	}
	return &viewer{s: s, tx: tx, acct: acct, loc: acct.Location(), now: s.now(), links: lk,
		users: map[uint64]string{}, lists: map[uint64]*List{}}, nil
}

func (v *viewer) userName(id uint64) string {
	if n, ok := v.users[id]; ok {
		return n
	}
	n := ""
	if u, err := auth.Users.Get(v.tx, 0, id); err == nil {
		n = u.Name
	}
	v.users[id] = n
	return n
}

// list is the task list with that id (nil for none or a deleted one), read once per view.
func (v *viewer) list(id uint64) *List {
	if id == 0 {
		return nil
	}
	if l, ok := v.lists[id]; ok {
		return l
	}
	l, err := Lists.Get(v.tx, v.acct.ID, id)
	if err != nil {
		l = nil
	}
	v.lists[id] = l
	return l
}

// overdue: an open task past its due time; an all-day task only once its date has passed in the
// account's zone (it is not late on the day itself).
func overdue(t *Task, now time.Time, loc *time.Location) bool {
	if t.Closed() || t.DueAt == nil {
		return false
	}
	if t.AllDay {
		return t.DueAt.Before(localMidnight(now, loc))
	}
	return t.DueAt.Before(now)
}

// dueToday reports whether an open task is due on today's date in the account's zone.
func dueToday(t *Task, now time.Time, loc *time.Location) bool {
	if t.Closed() || t.DueAt == nil {
		return false
	}
	y1, m1, d1 := t.DueAt.In(loc).Date()
	y2, m2, d2 := now.In(loc).Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// view is the list/board/calendar shape of a task.
func (v *viewer) view(t *Task) TaskView {
	out := TaskView{Task: *t, Assignees: []UserRef{}, Blocked: blockedTx(v.tx, t), Overdue: overdue(t, v.now, v.loc)}
	if l := v.list(t.ListID); l != nil {
		out.ListName, out.ListSystem = l.Name, l.System
	}
	for _, id := range t.AssigneeIDs {
		out.Assignees = append(out.Assignees, UserRef{ID: id, Name: v.userName(id)})
	}
	Tasks.Each(v.tx, t.AccountID, storage.Query{Index: "parent", Prefix: storage.Uint(t.ID)}, func(k *Task) bool {
		if k.Status != StatusCancelled {
			out.Subtasks.Total++
		}
		if k.Status == StatusDone {
			out.Subtasks.Done++
		}
		return true
	})
	for _, it := range t.Checklist {
		out.ChecklistSum.Total++
		if it.Done {
			out.ChecklistSum.Done++
		}
	}
	v.links.refs(t, &out)
	out.SLAState = slaState(t, v.now)
	out.NextReminderAt = v.s.nextReminderTx(v.tx, t)
	return out
}

func ref(t *Task) TaskRef { return TaskRef{ID: t.ID, Title: t.Title, Status: t.Status, DueAt: t.DueAt} }

// detailTx is the drawer's shape of a task: the view with its parent, subtasks, dependencies,
// reminders and the next dates of its series.
func (s *Service) detailTx(tx *storage.Tx, actor access.Actor, t *Task) (*TaskDetail, error) {
	v, err := s.newViewer(tx, actor)
	if err != nil {
		return nil, err
	}
	d := &TaskDetail{TaskView: v.view(t), SubtaskItems: []TaskView{}, Blockers: []TaskRef{}, BlockingItems: []TaskRef{},
		Reminders: []Reminder{}, Upcoming: []time.Time{}}
	if t.ParentID != 0 {
		if p, err := Tasks.Get(tx, t.AccountID, t.ParentID); err == nil {
			r := ref(p)
			d.Parent = &r
		}
	}
	var kids []Task
	err = Tasks.Each(tx, t.AccountID, storage.Query{Index: "parent", Prefix: storage.Uint(t.ID)}, func(k *Task) bool {
		kids = append(kids, *k)
		return true
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(kids, func(i, j int) bool { return kids[i].CreatedAt.Before(kids[j].CreatedAt) })
	for i := range kids {
		d.SubtaskItems = append(d.SubtaskItems, v.view(&kids[i]))
	}
	for _, b := range t.BlockedBy {
		if o, err := Tasks.Get(tx, t.AccountID, b); err == nil {
			d.Blockers = append(d.Blockers, ref(o))
		}
	}
	err = Tasks.Each(tx, t.AccountID, storage.Query{Index: "blocker", Prefix: storage.Uint(t.ID)}, func(o *Task) bool {
		d.BlockingItems = append(d.BlockingItems, ref(o))
		return true
	})
	if err != nil {
		return nil, err
	}
	err = Reminders.Each(tx, t.AccountID, storage.Query{Index: "task", Prefix: storage.Uint(t.ID)}, func(r *Reminder) bool {
		d.Reminders = append(d.Reminders, *r)
		return true
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(d.Reminders, func(i, j int) bool { return d.Reminders[i].At.Before(d.Reminders[j].At) })
	if up := s.upcomingTx(tx, t, 5); up != nil {
		d.Upcoming = up
	}
	return d, nil
}

// viewTx is one task's view (board moves answer with it).
func (s *Service) viewTx(tx *storage.Tx, actor access.Actor, t *Task) (*TaskView, error) {
	v, err := s.newViewer(tx, actor)
	if err != nil {
		return nil, err
	}
	out := v.view(t)
	return &out, nil
}
