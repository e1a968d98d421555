package tasks

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// coreFix is a real store with one account (pt-BR, São Paulo), its administrator and an agent.
type coreFix struct {
	t     *testing.T
	db    *storage.DB
	s     *Service
	ctx   context.Context
	admin access.Actor
	agent access.Actor
	now   time.Time
}

func newCoreFix(t *testing.T) *coreFix {
	t.Helper()
	db, admin, agent := testAccount(t)
	f := &coreFix{t: t, db: db, ctx: context.Background(), admin: admin, agent: agent, now: time.Date(2025, 6, 10, 15, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return f.now }
	f.s = New(Deps{DB: db, Jobs: scheduler.New(db, scheduler.Options{Now: clock}), Now: clock})
	return f
}

func sp(s string) *string { return &s }
func up(v uint64) *uint64 { return &v }

func (f *coreFix) task(actor access.Actor, in TaskInput) *TaskDetail {
	f.t.Helper()
	if in.Title == nil {
		in.Title = sp("Tarefa")
	}
	d, err := f.s.Create(f.ctx, actor, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func (f *coreFix) get(id uint64) *TaskDetail {
	f.t.Helper()
	d, err := f.s.Get(f.ctx, f.admin, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// events lists the task events emitted, in order, as "type:id".
func (f *coreFix) events() []string {
	var out []string
	f.db.View(func(tx *storage.Tx) error {
		evs, _ := tx.Events(0, 100000)
		for _, ev := range evs {
			if ev.Entity == Tasks.Name() && strings.HasPrefix(ev.Type, "task_") {
				out = append(out, ev.Type)
			}
		}
		return nil
	})
	return out
}

func wantField(t *testing.T, err error, field, msg string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Fields[field] == "" || (msg != "" && e.Fields[field] != msg) {
		t.Fatalf("want field %q = %q, got %v", field, msg, err)
	}
}

func TestTaskValidationByField(t *testing.T) {
	f := newCoreFix(t)
	long := strings.Repeat("x", MaxTitle+1)
	cases := []struct {
		in    TaskInput
		field string
	}{
		{TaskInput{Title: sp("   ")}, "title"},
		{TaskInput{Title: &long}, "title"},
		{TaskInput{Title: sp("a"), Description: sp(strings.Repeat("d", MaxDescription+1))}, "description"},
		{TaskInput{Title: sp("a"), Status: sp("waiting")}, "status"},
		{TaskInput{Title: sp("a"), Priority: sp("extreme")}, "priority"},
		{TaskInput{Title: sp("a"), AssigneeIDs: []uint64{9999}}, "assignee_ids"},
		{TaskInput{Title: sp("a"), DueAt: sp("tomorrow")}, "due_at"},
		{TaskInput{Title: sp("a"), StartAt: sp("2025-06-12"), DueAt: sp("2025-06-11")}, "start_at"},
		{TaskInput{Title: sp("a"), Labels: []string{strings.Repeat("l", MaxLabel+1)}}, "labels"},
		{TaskInput{Title: sp("a"), ListID: up(77)}, "list_id"},
		{TaskInput{Title: sp("a"), ParentID: up(77)}, "parent_id"},
		{TaskInput{Title: sp("a"), ContactID: up(9)}, "contact_id"},
		{TaskInput{Title: sp("a"), ConversationID: up(9)}, "conversation_id"},
		{TaskInput{Title: sp("a"), DealID: up(9)}, "deal_id"},
		{TaskInput{Title: sp("a"), CompanyID: up(9)}, "company_id"},
	}
	for _, c := range cases {
		_, err := f.s.Create(f.ctx, f.admin, c.in)
		wantField(t, err, c.field, "")
	}
	_, err := f.s.Create(f.ctx, f.admin, TaskInput{Title: sp("a"), ContactID: up(9)})
	wantField(t, err, "contact_id", "contact 9 not found")
	var many []string
	for i := range MaxLabels + 1 {
		many = append(many, strings.Repeat("l", i+1))
	}
	_, err = f.s.Create(f.ctx, f.admin, TaskInput{Title: sp("a"), Labels: many})
	wantField(t, err, "labels", "")
	if n := len(f.events()); n != 0 {
		t.Fatalf("refused creations emitted %d events", n)
	}

	// Good input is trimmed, deduplicated and all-day dates land at 00:00 in the account's zone.
	d := f.task(f.admin, TaskInput{Title: sp("  Ligar  "), Labels: []string{" VIP ", "vip", "Urgente", ""}, AssigneeIDs: []uint64{f.agent.UserID, f.agent.UserID}, DueAt: sp("2025-06-20")})
	if d.Title != "Ligar" || len(d.Labels) != 2 || d.Labels[0] != "VIP" || len(d.AssigneeIDs) != 1 || !d.AllDay {
		t.Fatalf("cleaned task: %+v", d.Task)
	}
	if want := time.Date(2025, 6, 20, 3, 0, 0, 0, time.UTC); !d.DueAt.Equal(want) {
		t.Fatalf("all-day due %v, want %v", d.DueAt, want)
	}
	if len(d.Assignees) != 1 || d.Assignees[0].Name != "Bruno Lima" {
		t.Fatalf("assignees %+v", d.Assignees)
	}
}

func TestCrossAccountIDsLookNotFound(t *testing.T) {
	f := newCoreFix(t)
	mine := f.task(f.admin, TaskInput{})
	other := &Task{AccountID: f.admin.AccountID + 100, Title: "alheia", Status: StatusTodo, Priority: "none"}
	if err := f.db.Update(func(tx *storage.Tx) error { return Tasks.Put(tx, other) }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Get(f.ctx, f.admin, other.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("get other account's task: %v", err)
	}
	if _, err := f.s.Update(f.ctx, f.admin, other.ID, TaskInput{Title: sp("x")}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("patch other account's task: %v", err)
	}
	if err := f.s.Delete(f.ctx, f.admin, other.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("delete other account's task: %v", err)
	}
	_, err := f.s.AddBlocker(f.ctx, f.admin, mine.ID, BlockerInput{TaskID: other.ID})
	wantField(t, err, "task_id", "")
	_, err = f.s.Create(f.ctx, f.admin, TaskInput{Title: sp("sub"), ParentID: &other.ID})
	wantField(t, err, "parent_id", "")
}

func TestSubtaskCycleRefused(t *testing.T) {
	f := newCoreFix(t)
	a := f.task(f.admin, TaskInput{Title: sp("A")})
	b := f.task(f.admin, TaskInput{Title: sp("B"), ParentID: &a.ID})
	c := f.task(f.admin, TaskInput{Title: sp("C"), ParentID: &b.ID})
	_, err := f.s.Update(f.ctx, f.admin, a.ID, TaskInput{ParentID: &c.ID})
	wantField(t, err, "parent_id", "a task cannot be its own ancestor")
	_, err = f.s.Update(f.ctx, f.admin, a.ID, TaskInput{ParentID: &a.ID})
	wantField(t, err, "parent_id", "a task cannot be its own ancestor")
	if got := f.get(a.ID); got.ParentID != 0 {
		t.Fatalf("refused re-parenting was written: %+v", got.Task)
	}
	// Depth: A > B > C > D > E is five levels; a sixth is refused.
	d := f.task(f.admin, TaskInput{Title: sp("D"), ParentID: &c.ID})
	e := f.task(f.admin, TaskInput{Title: sp("E"), ParentID: &d.ID})
	_, err = f.s.Create(f.ctx, f.admin, TaskInput{Title: sp("F"), ParentID: &e.ID})
	wantField(t, err, "parent_id", "")
	// Moving C (with D, E below) under an unrelated task would make E too deep.
	x := f.task(f.admin, TaskInput{Title: sp("X")})
	y := f.task(f.admin, TaskInput{Title: sp("Y"), ParentID: &x.ID})
	z := f.task(f.admin, TaskInput{Title: sp("Z"), ParentID: &y.ID})
	_, err = f.s.Update(f.ctx, f.admin, c.ID, TaskInput{ParentID: &z.ID})
	wantField(t, err, "parent_id", "")
	if got := f.get(a.ID); len(got.SubtaskItems) != 1 || got.SubtaskItems[0].ID != b.ID || got.Subtasks.Total != 1 {
		t.Fatalf("detail subtasks: %+v", got.SubtaskItems)
	}
}

func TestSubtaskInheritsListAndLinks(t *testing.T) {
	f := newCoreFix(t)
	l, err := f.s.CreateList(f.ctx, f.admin, TaskListInput{Name: sp("Onboarding")})
	if err != nil {
		t.Fatal(err)
	}
	p := f.task(f.admin, TaskInput{ListID: &l.ID})
	sub := f.task(f.admin, TaskInput{ParentID: &p.ID})
	if sub.ListID != l.ID || sub.ListName != "Onboarding" || sub.Parent == nil || sub.Parent.ID != p.ID {
		t.Fatalf("subtask: %+v", sub)
	}
}

func TestDependencyCycleRefused(t *testing.T) {
	f := newCoreFix(t)
	a := f.task(f.admin, TaskInput{Title: sp("A")})
	b := f.task(f.admin, TaskInput{Title: sp("B")})
	c := f.task(f.admin, TaskInput{Title: sp("C")})
	// A blocks B, B blocks C.
	if _, err := f.s.AddBlocker(f.ctx, f.admin, b.ID, BlockerInput{TaskID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AddBlocker(f.ctx, f.admin, c.ID, BlockerInput{TaskID: b.ID}); err != nil {
		t.Fatal(err)
	}
	// C blocks A closes the loop.
	_, err := f.s.AddBlocker(f.ctx, f.admin, a.ID, BlockerInput{TaskID: c.ID})
	want := "would create a dependency cycle: #" + u(a.ID) + " → #" + u(c.ID) + " → #" + u(b.ID) + " → #" + u(a.ID)
	wantField(t, err, "task_id", want)
	_, err = f.s.AddBlocker(f.ctx, f.admin, a.ID, BlockerInput{TaskID: a.ID})
	wantField(t, err, "task_id", "a task cannot block itself")
	if got := f.get(a.ID); len(got.BlockedBy) != 0 {
		t.Fatalf("refused dependency was written: %v", got.BlockedBy)
	}
	if got := f.get(b.ID); len(got.BlockingItems) != 1 || got.BlockingItems[0].ID != c.ID || len(got.Blockers) != 1 || got.Blockers[0].ID != a.ID {
		t.Fatalf("detail of B: blockers %+v blocking %+v", got.Blockers, got.BlockingItems)
	}
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

func TestBlockedBadge(t *testing.T) {
	f := newCoreFix(t)
	b1 := f.task(f.admin, TaskInput{Title: sp("blocker 1")})
	b2 := f.task(f.admin, TaskInput{Title: sp("blocker 2")})
	x := f.task(f.admin, TaskInput{Title: sp("waits")})
	blocked := func() bool { return f.get(x.ID).Blocked }
	if blocked() {
		t.Fatal("blocked without blockers")
	}
	f.s.AddBlocker(f.ctx, f.admin, x.ID, BlockerInput{TaskID: b1.ID})
	f.s.AddBlocker(f.ctx, f.admin, x.ID, BlockerInput{TaskID: b2.ID})
	if !blocked() {
		t.Fatal("not blocked with two open blockers")
	}
	if _, err := f.s.Complete(f.ctx, f.admin, b1.ID); err != nil {
		t.Fatal(err)
	}
	if !blocked() {
		t.Fatal("not blocked while blocker 2 is open")
	}
	if _, err := f.s.Update(f.ctx, f.admin, b2.ID, TaskInput{Status: sp(StatusInProgress)}); err != nil {
		t.Fatal(err)
	}
	if !blocked() {
		t.Fatal("not blocked while blocker 2 is in progress")
	}
	if _, err := f.s.Update(f.ctx, f.admin, b2.ID, TaskInput{Status: sp(StatusCancelled)}); err != nil {
		t.Fatal(err)
	}
	if blocked() {
		t.Fatal("still blocked with one blocker done and the other cancelled")
	}
	if _, err := f.s.Reopen(f.ctx, f.admin, b1.ID); err != nil {
		t.Fatal(err)
	}
	if !blocked() {
		t.Fatal("not blocked after a blocker reopened")
	}
	// The blocked filter follows the badge.
	res, err := f.s.List(f.ctx, f.admin, Filters{Blocked: true})
	if err != nil || res.Count != 1 || res.Items[0].ID != x.ID {
		t.Fatalf("blocked filter: %+v %v", res, err)
	}
	if err := f.s.Delete(f.ctx, f.admin, b1.ID); err != nil {
		t.Fatal(err)
	}
	got := f.get(x.ID)
	if got.Blocked || len(got.BlockedBy) != 1 || got.BlockedBy[0] != b2.ID {
		t.Fatalf("after deleting the open blocker: blocked=%v by %v", got.Blocked, got.BlockedBy)
	}
}

func TestDeleteOrphansSubtasksAndChecksPermission(t *testing.T) {
	f := newCoreFix(t)
	p := f.task(f.agent, TaskInput{Title: sp("parent")})
	k1 := f.task(f.admin, TaskInput{Title: sp("k1"), ParentID: &p.ID})
	k2 := f.task(f.admin, TaskInput{Title: sp("k2"), ParentID: &p.ID})
	adminTask := f.task(f.admin, TaskInput{Title: sp("admin's")})
	if err := f.s.Delete(f.ctx, f.agent, adminTask.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent deleting another's task: %v", err)
	}
	if err := f.s.Delete(f.ctx, f.agent, p.ID); err != nil { // the creator may
		t.Fatal(err)
	}
	if _, err := f.s.Get(f.ctx, f.admin, p.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted task still there: %v", err)
	}
	for _, id := range []uint64{k1.ID, k2.ID} {
		if got := f.get(id); got.ParentID != 0 || got.Parent != nil {
			t.Fatalf("subtask %d not orphaned: %+v", id, got.Task)
		}
	}
	if err := f.s.Delete(f.ctx, f.admin, k1.ID); err != nil { // an administrator may delete any
		t.Fatal(err)
	}
	evs := f.events()
	if evs[len(evs)-1] != EventTaskDeleted {
		t.Fatalf("last event %v", evs)
	}
}

func TestStatusTransitionsAndEvents(t *testing.T) {
	f := newCoreFix(t)
	d := f.task(f.admin, TaskInput{})
	f.now = f.now.Add(time.Minute)
	d, err := f.s.Update(f.ctx, f.admin, d.ID, TaskInput{Status: sp(StatusInProgress)})
	if err != nil || d.StartedAt == nil {
		t.Fatalf("in progress: %+v %v", d, err)
	}
	started := *d.StartedAt
	d, _ = f.s.Complete(f.ctx, f.agent, d.ID)
	if d.Status != StatusDone || d.CompletedAt == nil || d.CompletedBy != f.agent.UserID {
		t.Fatalf("completed: %+v", d.Task)
	}
	if _, err := f.s.Complete(f.ctx, f.agent, d.ID); err != nil { // no-op
		t.Fatal(err)
	}
	d, _ = f.s.Reopen(f.ctx, f.admin, d.ID)
	if d.Status != StatusTodo || d.CompletedAt != nil || d.CompletedBy != 0 {
		t.Fatalf("reopened: %+v", d.Task)
	}
	f.now = f.now.Add(time.Hour)
	d, _ = f.s.Update(f.ctx, f.admin, d.ID, TaskInput{Status: sp(StatusInProgress)})
	if !d.StartedAt.Equal(started) {
		t.Fatalf("started_at restamped: %v, want %v", d.StartedAt, started)
	}
	want := []string{EventTaskCreated, EventTaskUpdated, EventTaskUpdated, EventTaskCompleted, EventTaskUpdated, EventTaskUpdated}
	if got := f.events(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", got, want)
	}
}

func TestListFiltersAndSorts(t *testing.T) {
	f := newCoreFix(t)
	f.task(f.admin, TaskInput{Title: sp("Reunião com cliente"), Priority: sp("high"), DueAt: sp("2025-06-12T12:00:00Z")})
	f.task(f.admin, TaskInput{Title: sp("Sem prazo"), Priority: sp("urgent")})
	f.task(f.admin, TaskInput{Title: sp("Atrasada"), Priority: sp("low"), DueAt: sp("2025-06-01T12:00:00Z"), AssigneeIDs: []uint64{f.agent.UserID}, Labels: []string{"VIP"}})
	f.task(f.admin, TaskInput{Title: sp("Hoje o dia todo"), DueAt: sp("2025-06-10")})
	titles := func(fl Filters) []string {
		t.Helper()
		res, err := f.s.List(f.ctx, f.admin, fl)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range res.Items {
			out = append(out, v.Title)
		}
		return out
	}
	eq := func(got []string, want ...string) {
		t.Helper()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	eq(titles(Filters{}), "Atrasada", "Hoje o dia todo", "Reunião com cliente", "Sem prazo")
	eq(titles(Filters{Order: "desc"}), "Reunião com cliente", "Hoje o dia todo", "Atrasada", "Sem prazo")
	eq(titles(Filters{Sort: "priority", Order: "desc"}), "Sem prazo", "Reunião com cliente", "Atrasada", "Hoje o dia todo")
	eq(titles(Filters{Q: "REUNIAO"}), "Reunião com cliente")
	eq(titles(Filters{Overdue: true}), "Atrasada") // the all-day task due today is not late yet
	eq(titles(Filters{Assignee: "none", Sort: "title"}), "Hoje o dia todo", "Reunião com cliente", "Sem prazo")
	eq(titles(Filters{Label: "vip"}), "Atrasada")
	eq(titles(Filters{DueFrom: "2025-06-10", DueTo: "2025-06-13"}), "Hoje o dia todo", "Reunião com cliente")
	eq(titles(Filters{Priority: "urgent,high", Sort: "title"}), "Reunião com cliente", "Sem prazo")
	res, err := f.s.List(f.ctx, f.admin, Filters{PerPage: 3, Page: 2})
	if err != nil || res.Count != 4 || len(res.Items) != 1 || res.Items[0].Title != "Sem prazo" {
		t.Fatalf("page 2: %+v %v", res, err)
	}
	_, err = f.s.List(f.ctx, f.admin, Filters{Sort: "colour"})
	wantField(t, err, "sort", "")
	mine, err := f.s.List(f.ctx, f.agent, Filters{Assignee: "me"})
	if err != nil || mine.Count != 1 || !mine.Items[0].Overdue {
		t.Fatalf("my tasks: %+v %v", mine, err)
	}
	sum, err := f.s.Summary(f.ctx, f.agent)
	if err != nil || sum.MineOpen != 1 || sum.MineOverdue != 1 || sum.MineDueToday != 0 {
		t.Fatalf("summary %+v %v", sum, err)
	}
	labels, _ := f.s.Labels(f.ctx, f.admin)
	if len(labels) != 1 || labels[0].Label != "VIP" || labels[0].Count != 1 {
		t.Fatalf("labels %+v", labels)
	}
}

func TestBoardMoveAndRenumber(t *testing.T) {
	f := newCoreFix(t)
	a := f.task(f.admin, TaskInput{Title: sp("a")})
	b := f.task(f.admin, TaskInput{Title: sp("b")})
	c := f.task(f.admin, TaskInput{Title: sp("c")})
	order := func(status string) []string {
		t.Helper()
		bd, err := f.s.Board(f.ctx, f.admin, Filters{})
		if err != nil {
			t.Fatal(err)
		}
		if len(bd.Columns) != 4 {
			t.Fatalf("columns %d", len(bd.Columns))
		}
		for _, col := range bd.Columns {
			if col.Status == status {
				var out []string
				for _, v := range col.Tasks {
					out = append(out, v.Title)
				}
				return out
			}
		}
		return nil
	}
	if got := strings.Join(order(StatusTodo), ""); got != "abc" {
		t.Fatalf("todo %q", got)
	}
	if _, err := f.s.Move(f.ctx, f.admin, c.ID, TaskMoveInput{Status: StatusTodo, BeforeID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order(StatusTodo), ""); got != "cab" {
		t.Fatalf("after move %q", got)
	}
	// Squeeze b between c and a over and over until the gap runs out and the column renumbers.
	for i := 0; i < 25; i++ {
		target := a.ID
		if i%2 == 1 {
			target = b.ID
		}
		mv := b.ID
		if i%2 == 1 {
			mv = a.ID
		}
		if _, err := f.s.Move(f.ctx, f.admin, mv, TaskMoveInput{Status: StatusTodo, BeforeID: target}); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(order(StatusTodo), ""); got != "cab" && got != "cba" {
		t.Fatalf("after squeezes %q", got)
	}
	var positions []int64
	f.db.View(func(tx *storage.Tx) error {
		return Tasks.Each(tx, f.admin.AccountID, storage.Query{Index: "column", Prefix: storage.Str(StatusTodo)}, func(t *Task) bool {
			positions = append(positions, t.Position)
			return true
		})
	})
	for i := 1; i < len(positions); i++ {
		if positions[i] <= positions[i-1] {
			t.Fatalf("positions not strictly increasing: %v", positions)
		}
	}
	// Moving into done completes the task.
	v, err := f.s.Move(f.ctx, f.admin, a.ID, TaskMoveInput{Status: StatusDone})
	if err != nil || v.Status != StatusDone || v.CompletedAt == nil {
		t.Fatalf("move to done: %+v %v", v, err)
	}
	if got := order(StatusDone); len(got) != 1 || got[0] != "a" {
		t.Fatalf("done column %v", got)
	}
	_, err = f.s.Move(f.ctx, f.admin, b.ID, TaskMoveInput{Status: StatusTodo, BeforeID: a.ID})
	wantField(t, err, "before_id", "")
}

func TestCalendarRange(t *testing.T) {
	f := newCoreFix(t)
	f.task(f.admin, TaskInput{Title: sp("in"), DueAt: sp("2025-06-15T12:00:00Z")})
	f.task(f.admin, TaskInput{Title: sp("span"), StartAt: sp("2025-05-25T12:00:00Z"), DueAt: sp("2025-07-03T12:00:00Z")})
	f.task(f.admin, TaskInput{Title: sp("before"), DueAt: sp("2025-05-31T12:00:00Z")})
	f.task(f.admin, TaskInput{Title: sp("at end"), DueAt: sp("2025-07-01T00:00:00-03:00")})
	f.task(f.admin, TaskInput{Title: sp("no date")})
	cal, err := f.s.Calendar(f.ctx, f.admin, "2025-06-01", "2025-07-01", Filters{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range cal.Items {
		got = append(got, v.Title)
	}
	if strings.Join(got, ",") != "in,span" {
		t.Fatalf("calendar %v", got)
	}
	_, err = f.s.Calendar(f.ctx, f.admin, "2025-07-01", "2025-06-01", Filters{})
	wantField(t, err, "to", "")
}

func TestAssignmentNotification(t *testing.T) {
	f := newCoreFix(t)
	count := func(user uint64) (n int, title string) {
		f.db.View(func(tx *storage.Tx) error {
			return notify.Notifications.Each(tx, f.admin.AccountID, storage.Query{Index: "user", Prefix: storage.Uint(user)}, func(x *notify.Notification) bool {
				if x.Type == "task_assigned" {
					n++
					title = x.Title
				}
				return true
			})
		})
		return n, title
	}
	d := f.task(f.admin, TaskInput{Title: sp("Enviar proposta"), AssigneeIDs: []uint64{f.agent.UserID, f.admin.UserID}})
	if n, title := count(f.agent.UserID); n != 1 || title != "Tarefa atribuída a você: Enviar proposta" {
		t.Fatalf("agent notifications %d %q", n, title)
	}
	if n, _ := count(f.admin.UserID); n != 0 {
		t.Fatal("the assigning person was notified")
	}
	// Re-saving the same assignees notifies nobody again.
	f.s.Update(f.ctx, f.admin, d.ID, TaskInput{AssigneeIDs: []uint64{f.agent.UserID}})
	if n, _ := count(f.agent.UserID); n != 1 {
		t.Fatalf("agent notified %d times", n)
	}
}

func TestListsAndSystemList(t *testing.T) {
	f := newCoreFix(t)
	l, err := f.s.CreateList(f.ctx, f.admin, TaskListInput{Name: sp("Financeiro")})
	if err != nil || !colorRE.MatchString(l.Color) {
		t.Fatalf("create list %+v %v", l, err)
	}
	_, err = f.s.CreateList(f.ctx, f.admin, TaskListInput{Name: sp("financeiro ")})
	if !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("duplicate name: %v", err)
	}
	_, err = f.s.CreateList(f.ctx, f.admin, TaskListInput{Name: sp("x"), Color: sp("red")})
	wantField(t, err, "color", "")
	f.task(f.admin, TaskInput{ListID: &l.ID})
	done := f.task(f.admin, TaskInput{ListID: &l.ID})
	f.s.Complete(f.ctx, f.admin, done.ID)
	views, _ := f.s.Lists(f.ctx, f.admin)
	if len(views) != 1 || views[0].OpenCount != 1 || views[0].TotalCount != 2 {
		t.Fatalf("list views %+v", views)
	}
	var sys *List
	if err := f.db.Update(func(tx *storage.Tx) (err error) {
		if sys, err = f.s.systemListTx(tx, f.admin.AccountID, SystemManualActions); err != nil {
			return err
		}
		again, err := f.s.systemListTx(tx, f.admin.AccountID, SystemManualActions)
		if err == nil && again.ID != sys.ID {
			t.Errorf("second call made another list")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if sys.Name != "Ações manuais" {
		t.Fatalf("system list name %q", sys.Name)
	}
	if _, err := f.s.UpdateList(f.ctx, f.admin, sys.ID, TaskListInput{Name: sp("x")}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("rename system list: %v", err)
	}
	if err := f.s.DeleteList(f.ctx, f.agent, l.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent deletes list: %v", err)
	}
	if err := f.s.DeleteList(f.ctx, f.admin, l.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.get(done.ID); got.ListID != 0 {
		t.Fatalf("task kept its deleted list: %d", got.ListID)
	}
}

func TestChecklist(t *testing.T) {
	f := newCoreFix(t)
	d := f.task(f.admin, TaskInput{Checklist: []string{"um", "dois"}})
	d, err := f.s.AddChecklistItem(f.ctx, f.admin, d.ID, TaskChecklistInput{Text: sp("três")})
	if err != nil || len(d.Checklist) != 3 || d.Checklist[2].ID != 3 {
		t.Fatalf("add: %+v %v", d, err)
	}
	d, _ = f.s.DeleteChecklistItem(f.ctx, f.admin, d.ID, 3)
	d, _ = f.s.AddChecklistItem(f.ctx, f.admin, d.ID, TaskChecklistInput{Text: sp("quatro")})
	done := true
	d, _ = f.s.UpdateChecklistItem(f.ctx, f.admin, d.ID, 1, TaskChecklistInput{Done: &done})
	if d.ChecklistSum.Done != 1 || d.ChecklistSum.Total != 3 {
		t.Fatalf("progress %+v", d.ChecklistSum)
	}
	_, err = f.s.AddChecklistItem(f.ctx, f.admin, d.ID, TaskChecklistInput{Text: sp(" ")})
	wantField(t, err, "text", "")
	if _, err := f.s.UpdateChecklistItem(f.ctx, f.admin, d.ID, 99, TaskChecklistInput{Done: &done}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("missing item: %v", err)
	}
}
