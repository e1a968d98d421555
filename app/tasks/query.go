package tasks

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// fold lowercases s and strips its accents, so "reuniao" finds "Reunião".
func fold(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		out = s
	}
	return strings.ToLower(strings.TrimSpace(out))
}

// Sorts of the task list.
var Sorts = []string{"due_at", "priority", "title", "created_at", "updated_at", "status", "position"}

// Page sizes of the task list.
const (
	DefaultPerPage = 50
	MaxPerPage     = 200
)

// Filters select tasks for the list, board and calendar. Values arrive as the query string has
// them; check turns them into a matcher, naming the field of any bad one.
type Filters struct {
	// ListID: "" any list, "0" no list, else a list id.
	ListID   string
	Status   string // comma list
	Assignee string // me | none | <user id>
	Label    string
	Priority string // comma list
	// ConversationID is the conversation's display number.
	ContactID, ConversationID, DealID, CompanyID, ParentID uint64
	TopLevel                                               bool
	DueFrom, DueTo                                         string
	Overdue, Blocked, Action                               bool
	Q                                                      string
	Sort, Order                                            string
	Page, PerPage                                          int
}

// matcher is a checked Filters for one actor.
type matcher struct {
	f        Filters
	listID   *uint64
	statuses []string
	assignee *uint64 // 0 = none
	prios    []string
	from, to *time.Time
	q        string
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// check validates the filters (field errors name the query parameter).
func (f Filters) check(actor access.Actor, loc *time.Location) (*matcher, error) {
	var fe apperr.Fields
	m := &matcher{f: f, q: fold(f.Q)}
	if f.ListID != "" {
		id, err := strconv.ParseUint(f.ListID, 10, 64)
		if err != nil {
			fe.Add("list_id", "must be a list id (0 for tasks without a list)")
		}
		m.listID = &id
	}
	m.statuses = splitList(f.Status)
	for _, st := range m.statuses {
		if !slices.Contains(Statuses, st) {
			fe.Add("status", "must be among "+strings.Join(Statuses, ", "))
		}
	}
	m.prios = splitList(f.Priority)
	for _, p := range m.prios {
		if !slices.Contains(Priorities, p) {
			fe.Add("priority", "must be among "+strings.Join(Priorities, ", "))
		}
	}
	switch a := strings.TrimSpace(f.Assignee); a {
	case "":
	case "me":
		id := actor.UserID
		m.assignee = &id
	case "none":
		var zero uint64
		m.assignee = &zero
	default:
		id, err := strconv.ParseUint(a, 10, 64)
		if err != nil || id == 0 {
			fe.Add("assignee", "must be me, none or a user id")
		}
		m.assignee = &id
	}
	for _, d := range []struct {
		field string
		v     string
		dst   **time.Time
	}{{"due_from", f.DueFrom, &m.from}, {"due_to", f.DueTo, &m.to}} {
		if strings.TrimSpace(d.v) == "" {
			continue
		}
		at, _, ok := parseWhen(d.v, loc)
		if !ok {
			fe.Add(d.field, "must be a date-time (RFC 3339) or a date (YYYY-MM-DD)")
		}
		*d.dst = &at
	}
	if f.Sort != "" && !slices.Contains(Sorts, f.Sort) {
		fe.Add("sort", "must be one of "+strings.Join(Sorts, ", "))
	}
	if f.Order != "" && f.Order != "asc" && f.Order != "desc" {
		fe.Add("order", "must be asc or desc")
	}
	if f.Page < 0 {
		fe.Add("page", "must be 1 or more")
	}
	if f.PerPage < 0 || f.PerPage > MaxPerPage {
		fe.Add("per_page", fmt.Sprintf("must be 1 to %d", MaxPerPage))
	}
	return m, fe.Err()
}

// query is the narrowest index walk that holds every task the filters can match; the rest is
// filtered in memory (an account has thousands of tasks, not millions).
func (m *matcher) query() storage.Query {
	f := m.f
	switch {
	case f.ParentID != 0:
		return storage.Query{Index: "parent", Prefix: storage.Uint(f.ParentID)}
	case f.ContactID != 0:
		return storage.Query{Index: "contact", Prefix: storage.Uint(f.ContactID)}
	case f.ConversationID != 0:
		return storage.Query{Index: "conversation", Prefix: storage.Uint(f.ConversationID)}
	case f.DealID != 0:
		return storage.Query{Index: "deal", Prefix: storage.Uint(f.DealID)}
	case f.CompanyID != 0:
		return storage.Query{Index: "company", Prefix: storage.Uint(f.CompanyID)}
	case m.assignee != nil && *m.assignee != 0:
		return storage.Query{Index: "assignee", Prefix: storage.Uint(*m.assignee)}
	case m.listID != nil:
		return storage.Query{Index: "list", Prefix: storage.Uint(*m.listID)}
	case m.from != nil || m.to != nil:
		q := storage.Query{Index: "due"}
		if m.from != nil {
			q.From = storage.Time(*m.from)
		}
		if m.to != nil {
			q.To = storage.Time(*m.to)
		}
		return q
	}
	return storage.Query{}
}

// match applies every filter but the blocked one (which reads other tasks).
func (m *matcher) match(t *Task, now time.Time, loc *time.Location) bool {
	f := m.f
	switch {
	case m.listID != nil && t.ListID != *m.listID,
		len(m.statuses) > 0 && !slices.Contains(m.statuses, t.Status),
		len(m.prios) > 0 && !slices.Contains(m.prios, t.Priority),
		m.assignee != nil && *m.assignee == 0 && len(t.AssigneeIDs) > 0,
		m.assignee != nil && *m.assignee != 0 && !slices.Contains(t.AssigneeIDs, *m.assignee),
		f.Label != "" && !slices.ContainsFunc(t.Labels, func(l string) bool { return fold(l) == fold(f.Label) }),
		f.ContactID != 0 && t.ContactID != f.ContactID,
		f.ConversationID != 0 && t.ConversationID != f.ConversationID,
		f.DealID != 0 && t.DealID != f.DealID,
		f.CompanyID != 0 && t.CompanyID != f.CompanyID,
		f.ParentID != 0 && t.ParentID != f.ParentID,
		f.TopLevel && t.ParentID != 0,
		f.Action && t.ActionKind == "",
		f.Overdue && !overdue(t, now, loc),
		m.from != nil && (t.DueAt == nil || t.DueAt.Before(*m.from)),
		m.to != nil && (t.DueAt == nil || !t.DueAt.Before(*m.to)),
		m.q != "" && !strings.Contains(fold(t.Title), m.q) && !strings.Contains(fold(t.Description), m.q):
		return false
	}
	return true
}

// collectTx returns the tasks matching the filters, unsorted.
func (s *Service) collectTx(tx *storage.Tx, actor access.Actor, m *matcher, now time.Time, loc *time.Location) ([]Task, error) {
	var out []Task
	err := Tasks.Each(tx, actor.AccountID, m.query(), func(t *Task) bool {
		if m.match(t, now, loc) && (!m.f.Blocked || blockedTx(tx, t)) {
			out = append(out, *t)
		}
		return true
	})
	return out, err
}

func prioRank(p string) int { return slices.Index(Priorities, p) }

// sortTasks orders tasks; tasks without a due date come last whatever the order.
func sortTasks(ts []Task, by, order string) {
	if by == "" {
		by = "due_at"
	}
	desc := order == "desc"
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := &ts[i], &ts[j]
		if by == "due_at" && (a.DueAt == nil) != (b.DueAt == nil) {
			return a.DueAt != nil
		}
		c := 0
		switch by {
		case "due_at":
			if a.DueAt != nil {
				c = a.DueAt.Compare(*b.DueAt)
			}
		case "priority":
			c = prioRank(a.Priority) - prioRank(b.Priority)
		case "title":
			c = strings.Compare(fold(a.Title), fold(b.Title))
		case "created_at":
			c = a.CreatedAt.Compare(b.CreatedAt)
		case "updated_at":
			c = a.UpdatedAt.Compare(b.UpdatedAt)
		case "status":
			c = slices.Index(Statuses, a.Status) - slices.Index(Statuses, b.Status)
		case "position":
			c = slices.Index(Statuses, a.Status) - slices.Index(Statuses, b.Status)
			if c == 0 {
				c = int(max(-1, min(1, a.Position-b.Position)))
			}
		}
		if c == 0 {
			c = int(int64(a.ID) - int64(b.ID))
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
}

// TaskPage is a page of tasks.
type TaskPage struct {
	Count int        `json:"count"`
	Page  int        `json:"current_page"`
	Items []TaskView `json:"items"`
}

// List returns a page of the account's tasks matching the filters.
func (s *Service) List(ctx context.Context, actor access.Actor, f Filters) (*TaskPage, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	out := &TaskPage{Items: []TaskView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		v, err := s.newViewer(tx, actor)
		if err != nil {
			return err
		}
		m, err := f.check(actor, v.loc)
		if err != nil {
			return err
		}
		ts, err := s.collectTx(tx, actor, m, v.now, v.loc)
		if err != nil {
			return err
		}
		sortTasks(ts, f.Sort, f.Order)
		per, page := f.PerPage, max(f.Page, 1)
		if per == 0 {
			per = DefaultPerPage
		}
		out.Count, out.Page = len(ts), page
		start := min((page-1)*per, len(ts))
		for i := start; i < min(start+per, len(ts)); i++ {
			out.Items = append(out.Items, v.view(&ts[i]))
		}
		return nil
	})
	return out, err
}

// TaskLabelCount is a label in use and on how many tasks.
type TaskLabelCount struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// Labels lists the labels in use, most used first (spellings folded together).
func (s *Service) Labels(ctx context.Context, actor access.Actor) ([]TaskLabelCount, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	counts := map[string]*TaskLabelCount{}
	err := s.db.View(func(tx *storage.Tx) error {
		return Tasks.Each(tx, actor.AccountID, storage.Query{}, func(t *Task) bool {
			for _, l := range t.Labels {
				k := fold(l)
				if counts[k] == nil {
					counts[k] = &TaskLabelCount{Label: l}
				}
				counts[k].Count++
			}
			return true
		})
	})
	out := []TaskLabelCount{}
	for _, c := range counts {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return fold(out[i].Label) < fold(out[j].Label)
	})
	return out, err
}

// Summary is the "my tasks" counters of the sidebar.
type TaskSummary struct {
	MineOpen     int `json:"mine_open"`
	MineOverdue  int `json:"mine_overdue"`
	MineDueToday int `json:"mine_due_today"`
	ActionsOpen  int `json:"actions_open"`
}

// Summary counts the actor's open, overdue and due-today tasks and the open manual actions.
func (s *Service) Summary(ctx context.Context, actor access.Actor) (*TaskSummary, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	out := &TaskSummary{}
	err := s.db.View(func(tx *storage.Tx) error {
		acct, err := accountOf(tx, actor.AccountID)
		if err != nil {
			return err
		}
		loc, now := acct.Location(), s.now()
		err = Tasks.Each(tx, actor.AccountID, storage.Query{Index: "assignee", Prefix: storage.Uint(actor.UserID)}, func(t *Task) bool {
			if t.Closed() {
				return true
			}
			out.MineOpen++
			if overdue(t, now, loc) {
				out.MineOverdue++
			}
			if dueToday(t, now, loc) {
				out.MineDueToday++
			}
			return true
		})
		if err != nil {
			return err
		}
		out.ActionsOpen, err = Tasks.Count(tx, actor.AccountID, storage.Query{Index: "action", Prefix: storage.Uint(0)})
		return err
	})
	return out, err
}

// TaskProjected is a future occurrence of a recurring task: a date on the calendar, not a task yet.
type TaskProjected struct {
	TaskID     uint64    `json:"task_id"`
	Title      string    `json:"title"`
	DueAt      time.Time `json:"due_at"`
	Occurrence int       `json:"occurrence"`
	AllDay     bool      `json:"all_day"`
}

// Calendar is the tasks of a date range and the projected occurrences of recurring ones.
type TaskCalendar struct {
	Items     []TaskView      `json:"items"`
	Projected []TaskProjected `json:"projected"`
}

// MaxCalendarDays bounds a calendar range (a month view with its leading and trailing weeks fits).
const MaxCalendarDays = 62

// Calendar returns the tasks whose due time, or start..due span, meets [from, to), and the next
// occurrences of open recurring tasks that fall in it.
func (s *Service) Calendar(ctx context.Context, actor access.Actor, from, to string, f Filters) (*TaskCalendar, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	f.DueFrom, f.DueTo, f.Sort, f.Order, f.Page, f.PerPage = "", "", "", "", 0, 0
	out := &TaskCalendar{Items: []TaskView{}, Projected: []TaskProjected{}}
	err := s.db.View(func(tx *storage.Tx) error {
		v, err := s.newViewer(tx, actor)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		start, _, ok1 := parseWhen(from, v.loc)
		if !ok1 {
			fe.Add("from", "must be a date-time (RFC 3339) or a date (YYYY-MM-DD)")
		}
		end, _, ok2 := parseWhen(to, v.loc)
		if !ok2 {
			fe.Add("to", "must be a date-time (RFC 3339) or a date (YYYY-MM-DD)")
		}
		if ok1 && ok2 && !end.After(start) {
			fe.Add("to", "must be after from")
		} else if ok1 && ok2 && end.Sub(start) > MaxCalendarDays*24*time.Hour {
			fe.Add("to", fmt.Sprintf("a calendar shows at most %d days", MaxCalendarDays))
		}
		if err := fe.Err(); err != nil {
			return err
		}
		m, err := f.check(actor, v.loc)
		if err != nil {
			return err
		}
		var ts []Task
		err = Tasks.Each(tx, actor.AccountID, m.query(), func(t *Task) bool {
			if t.DueAt == nil || !m.match(t, v.now, v.loc) || f.Blocked && !blockedTx(tx, t) {
				return true
			}
			first := *t.DueAt
			if t.StartAt != nil && t.StartAt.Before(first) {
				first = *t.StartAt
			}
			// The task's span [first, due] meets [start, end).
			if first.Before(end) && !t.DueAt.Before(start) {
				ts = append(ts, *t)
			}
			if t.Recurrence != nil && !t.Closed() {
				occ := max(t.Occurrence, 1)
				for _, d := range s.upcomingTx(tx, t, 50) {
					occ++
					if !d.Before(end) {
						break
					}
					if !d.Before(start) {
						out.Projected = append(out.Projected, TaskProjected{TaskID: t.ID, Title: t.Title, DueAt: d, Occurrence: occ, AllDay: t.AllDay})
					}
				}
			}
			return true
		})
		if err != nil {
			return err
		}
		sortTasks(ts, "due_at", "asc")
		for i := range ts {
			out.Items = append(out.Items, v.view(&ts[i]))
		}
		slices.SortStableFunc(out.Projected, func(a, b TaskProjected) int { return a.DueAt.Compare(b.DueAt) })
		return nil
	})
	return out, err
}
