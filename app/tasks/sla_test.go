package tasks

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// b3Fix is the fixture of the SLA, template and manual action tests: a real store, a real
// scheduler on a clock the test moves, one account (pt-BR, São Paulo) with its administrator
// and an agent.
type b3Fix struct {
	t     *testing.T
	db    *storage.DB
	s     *Service
	ctx   context.Context
	admin access.Actor
	agent access.Actor
	acct  uint64

	mu  sync.Mutex
	at  time.Time
	log strings.Builder
}

func newB3Fix(t *testing.T) *b3Fix {
	t.Helper()
	db, admin, agent := testAccount(t)
	f := &b3Fix{t: t, db: db, ctx: context.Background(), admin: admin, agent: agent, acct: admin.AccountID, at: time.Date(2025, 6, 10, 15, 0, 0, 0, time.UTC)}
	f.rebuild()
	return f
}

func (f *b3Fix) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.at }

func (f *b3Fix) rebuild() {
	jobs := scheduler.New(f.db, scheduler.Options{Now: f.now, RetryMin: time.Hour, RetryMax: time.Hour, Logger: slog.New(slog.NewTextHandler(&f.log, nil))})
	f.s = New(Deps{DB: f.db, Jobs: jobs, Now: f.now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// advance moves the clock to at and runs a scheduler until every job due by then has fired.
func (f *b3Fix) advance(at time.Time) {
	f.t.Helper()
	f.mu.Lock()
	f.at = at
	f.mu.Unlock()
	if err := f.s.jobs.Start(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second) // only stops a broken runner from hanging the run
	for {
		st, err := f.s.jobs.Status()
		if err != nil {
			f.t.Fatal(err)
		}
		if st.NextDue.IsZero() || st.NextDue.After(at) {
			break
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("jobs due by %v did not run: %+v", at, st)
		}
		time.Sleep(2 * time.Millisecond)
	}
	f.s.jobs.Stop()
	f.rebuild()
	if strings.Contains(f.log.String(), "job failed") || strings.Contains(f.log.String(), "gave up") {
		f.t.Fatalf("a job failed:\n%s", f.log.String())
	}
}

func (f *b3Fix) policy(in TaskSLAPolicyInput) *SLAPolicy {
	f.t.Helper()
	p, err := f.s.CreateSLAPolicy(f.ctx, f.admin, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *b3Fix) list(name string) *List {
	f.t.Helper()
	l := &List{AccountID: f.acct, Name: name, Color: "#3b82f6"}
	if err := f.db.Update(func(tx *storage.Tx) error { return Lists.Put(tx, l) }); err != nil {
		f.t.Fatal(err)
	}
	return l
}

func (f *b3Fix) create(in TaskInput) *Task {
	f.t.Helper()
	d, err := f.s.Create(f.ctx, f.admin, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return &d.Task
}

func (f *b3Fix) load(id uint64) *Task {
	f.t.Helper()
	var t *Task
	if err := f.db.View(func(tx *storage.Tx) (err error) { t, err = Tasks.Get(tx, f.acct, id); return err }); err != nil {
		f.t.Fatal(err)
	}
	return t
}

func (f *b3Fix) jobKeys() map[string]time.Time {
	out := map[string]time.Time{}
	f.db.View(func(tx *storage.Tx) error {
		for _, k := range []string{"start", "finish"} {
			for id := uint64(1); id < 50; id++ {
				if j, err := f.s.jobs.Get(tx, f.acct, slaKey(id, k)); err == nil {
					out[j.Key] = j.Due
				}
			}
		}
		return nil
	})
	return out
}

func (f *b3Fix) notes(typ string) []notify.Notification {
	var out []notify.Notification
	f.db.View(func(tx *storage.Tx) error {
		return notify.Notifications.Each(tx, f.acct, storage.Query{}, func(n *notify.Notification) bool {
			if n.Type == typ {
				out = append(out, *n)
			}
			return true
		})
	})
	return out
}

func b3Field(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Fields[field] == "" {
		t.Fatalf("want an error on field %q, got %v", field, err)
	}
}

func b3int(v int) *int       { return &v }
func b3str(v string) *string { return &v }
func b3u64(v uint64) *uint64 { return &v }
func b3bool(v bool) *bool    { return &v }

func TestSLAPolicyValidation(t *testing.T) {
	f := newB3Fix(t)
	_, err := f.s.CreateSLAPolicy(f.ctx, f.admin, TaskSLAPolicyInput{Name: b3str(" "), Priority: b3str("huge"), ListID: b3u64(99), StartMinutes: b3int(-1), FinishMinutes: b3int(MaxSLAMinutes + 1)})
	for _, field := range []string{"name", "priority", "list_id", "start_minutes", "finish_minutes"} {
		b3Field(t, err, field)
	}
	_, err = f.s.CreateSLAPolicy(f.ctx, f.admin, TaskSLAPolicyInput{Name: b3str("Nothing")})
	b3Field(t, err, "start_minutes") // at least one target
	if _, err := f.s.CreateSLAPolicy(f.ctx, f.agent, TaskSLAPolicyInput{Name: b3str("Agent"), StartMinutes: b3int(5)}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent writes a policy: %v", err)
	}
	p := f.policy(TaskSLAPolicyInput{Name: b3str("Urgent"), StartMinutes: b3int(5)})
	if !p.Enabled || p.Position != 0 {
		t.Fatalf("defaults: %+v", p)
	}
	_, err = f.s.CreateSLAPolicy(f.ctx, f.admin, TaskSLAPolicyInput{Name: b3str("URGENT "), StartMinutes: b3int(5)})
	b3Field(t, err, "name")
	if _, err := f.s.UpdateSLAPolicy(f.ctx, f.admin, p.ID, TaskSLAPolicyInput{StartMinutes: b3int(0)}); err == nil {
		t.Fatal("a policy without targets was accepted")
	}
	if err := f.s.DeleteSLAPolicy(f.ctx, f.admin, p.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := f.s.SLAPolicies(f.ctx, f.agent); len(list) != 0 {
		t.Fatalf("after delete: %+v", list)
	}
}

// TestSLAMatchingOrder: the first enabled policy by position whose list and priority match applies.
func TestSLAMatchingOrder(t *testing.T) {
	f := newB3Fix(t)
	l := f.list("Suporte")
	anyP := f.policy(TaskSLAPolicyInput{Name: b3str("Any"), FinishMinutes: b3int(600), Position: b3int(30)})
	urgent := f.policy(TaskSLAPolicyInput{Name: b3str("Urgent"), Priority: b3str("urgent"), StartMinutes: b3int(15), FinishMinutes: b3int(60), Position: b3int(10)})
	support := f.policy(TaskSLAPolicyInput{Name: b3str("Support"), ListID: &l.ID, StartMinutes: b3int(30), Position: b3int(20)})
	f.policy(TaskSLAPolicyInput{Name: b3str("Off"), StartMinutes: b3int(1), Position: b3int(0), Enabled: b3bool(false)})

	cases := []struct {
		in     TaskInput
		policy uint64
		start  time.Duration
		finish time.Duration
	}{
		{TaskInput{Title: b3str("a"), Priority: b3str("urgent"), ListID: &l.ID}, urgent.ID, 15 * time.Minute, time.Hour},
		{TaskInput{Title: b3str("b"), ListID: &l.ID}, support.ID, 30 * time.Minute, 0},
		{TaskInput{Title: b3str("c")}, anyP.ID, 0, 10 * time.Hour},
	}
	for _, c := range cases {
		task := f.create(c.in)
		if task.SLA == nil || task.SLA.PolicyID != c.policy {
			t.Fatalf("%s: policy %+v, want %d", task.Title, task.SLA, c.policy)
		}
		if (c.start == 0) != (task.SLA.StartBy == nil) || (c.start != 0 && !task.SLA.StartBy.Equal(f.now().Add(c.start))) {
			t.Fatalf("%s: start by %v", task.Title, task.SLA.StartBy)
		}
		if (c.finish == 0) != (task.SLA.FinishBy == nil) || (c.finish != 0 && !task.SLA.FinishBy.Equal(f.now().Add(c.finish))) {
			t.Fatalf("%s: finish by %v", task.Title, task.SLA.FinishBy)
		}
		keys := f.jobKeys()
		if _, ok := keys[slaKey(task.ID, "start")]; ok != (c.start != 0) {
			t.Fatalf("%s: start job %v", task.Title, keys)
		}
		if due, ok := keys[slaKey(task.ID, "finish")]; ok != (c.finish != 0) || (ok && !due.Equal(*task.SLA.FinishBy)) {
			t.Fatalf("%s: finish job %v", task.Title, keys)
		}
	}
	// Disabling the only catch-all leaves a plain task without targets.
	if _, err := f.s.UpdateSLAPolicy(f.ctx, f.admin, anyP.ID, TaskSLAPolicyInput{Enabled: b3bool(false)}); err != nil {
		t.Fatal(err)
	}
	if task := f.create(TaskInput{Title: b3str("d")}); task.SLA != nil {
		t.Fatalf("no policy should match: %+v", task.SLA)
	}
}

// TestSLABreachByJob: a task not started in time is marked breached by its job once, the
// assignee is told in the account's language; a task started in time is not.
func TestSLABreachByJob(t *testing.T) {
	f := newB3Fix(t)
	f.policy(TaskSLAPolicyInput{Name: b3str("Rápido"), StartMinutes: b3int(30), FinishMinutes: b3int(120)})
	start := f.now()
	late := f.create(TaskInput{Title: b3str("Ligar"), AssigneeIDs: []uint64{f.agent.UserID}})
	onTime := f.create(TaskInput{Title: b3str("Responder"), AssigneeIDs: []uint64{f.agent.UserID}})

	f.advance(start.Add(10 * time.Minute))
	if _, err := f.s.Update(f.ctx, f.admin, onTime.ID, TaskInput{Status: b3str(StatusInProgress)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.jobKeys()[slaKey(onTime.ID, "start")]; ok {
		t.Fatal("starting the task did not cancel its start job")
	}
	f.advance(start.Add(31 * time.Minute))

	got := f.load(late.ID)
	if got.SLA.StartBreachedAt == nil || !got.SLA.StartBreachedAt.Equal(start.Add(30*time.Minute)) || got.SLA.FinishBreachedAt != nil {
		t.Fatalf("late task: %+v", got.SLA)
	}
	if st := slaState(got, f.now()); st.Start != SLABreached || st.Finish != SLAOK {
		t.Fatalf("late state: %+v", st)
	}
	if ok := f.load(onTime.ID); ok.SLA.StartBreachedAt != nil || slaState(ok, f.now()).Start != SLAMet {
		t.Fatalf("on-time task: %+v", ok.SLA)
	}
	notes := f.notes(NotifySLABreached)
	if len(notes) != 1 || notes[0].UserID != f.agent.UserID || notes[0].Title != "SLA descumprido: Ligar" || notes[0].Link != "/tasks/"+b3itoa(late.ID) {
		t.Fatalf("notifications: %+v", notes)
	}
	// Running the handler again (a retry) changes nothing and tells no one twice.
	f.db.Update(func(tx *storage.Tx) error {
		return f.s.slaJob(f.ctx, tx, &scheduler.Job{Account: f.acct, Payload: []byte(`{"task_id":` + b3itoa(late.ID) + `,"target":"start"}`)})
	})
	if n := len(f.notes(NotifySLABreached)); n != 1 {
		t.Fatalf("retry notified again: %d", n)
	}
	f.advance(start.Add(3 * time.Hour))
	if n := len(f.notes(NotifySLABreached)); n != 3 {
		t.Fatalf("both finish targets missed: %d notifications", n)
	}
}

// TestSLACloseAndReopen: closing cancels the jobs; reopening before the deadline reschedules
// the finish job, which then marks the breach.
func TestSLACloseAndReopen(t *testing.T) {
	f := newB3Fix(t)
	f.policy(TaskSLAPolicyInput{Name: b3str("Dia"), StartMinutes: b3int(60), FinishMinutes: b3int(240)})
	start := f.now()
	task := f.create(TaskInput{Title: b3str("Enviar proposta")})
	if len(f.jobKeys()) != 2 {
		t.Fatalf("jobs: %v", f.jobKeys())
	}
	f.advance(start.Add(20 * time.Minute))
	if _, err := f.s.Complete(f.ctx, f.admin, task.ID); err != nil {
		t.Fatal(err)
	}
	if keys := f.jobKeys(); len(keys) != 0 {
		t.Fatalf("closing kept jobs: %v", keys)
	}
	if st := slaState(f.load(task.ID), f.now()); st.Start != SLAMet || st.Finish != SLAMet {
		t.Fatalf("done in time: %+v", st)
	}
	f.advance(start.Add(30 * time.Minute))
	if _, err := f.s.Reopen(f.ctx, f.admin, task.ID); err != nil {
		t.Fatal(err)
	}
	keys := f.jobKeys()
	if due, ok := keys[slaKey(task.ID, "finish")]; !ok || !due.Equal(start.Add(240*time.Minute)) {
		t.Fatalf("reopen did not reschedule the finish job: %v", keys)
	}
	f.advance(start.Add(5 * time.Hour))
	got := f.load(task.ID)
	if got.SLA.FinishBreachedAt == nil {
		t.Fatalf("reopened task not breached: %+v", got.SLA)
	}
	// A cancelled task has no targets any more.
	if _, err := f.s.Update(f.ctx, f.admin, task.ID, TaskInput{Status: b3str(StatusCancelled)}); err != nil {
		t.Fatal(err)
	}
	if st := slaState(f.load(task.ID), f.now()); st.Start != SLANone || st.Finish != SLANone {
		t.Fatalf("cancelled: %+v", st)
	}
}

func TestSLAStates(t *testing.T) {
	base := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(m int) *time.Time { v := base.Add(time.Duration(m) * time.Minute); return &v }
	sla := &SLA{StartBy: at(10), FinishBy: at(60)}
	cases := []struct {
		name          string
		t             Task
		now           int
		start, finish string
	}{
		{"running", Task{Status: StatusTodo}, 5, SLAOK, SLAOK},
		{"start missed", Task{Status: StatusTodo}, 11, SLABreached, SLAOK},
		{"started in time", Task{Status: StatusInProgress, StartedAt: at(10)}, 30, SLAMet, SLAOK},
		{"started late", Task{Status: StatusInProgress, StartedAt: at(11)}, 30, SLABreached, SLAOK},
		{"finish missed", Task{Status: StatusInProgress, StartedAt: at(1)}, 61, SLAMet, SLABreached},
		{"done in time without start", Task{Status: StatusDone, CompletedAt: at(8)}, 100, SLAMet, SLAMet},
		{"done late", Task{Status: StatusDone, StartedAt: at(1), CompletedAt: at(61)}, 100, SLAMet, SLABreached},
		{"breach recorded", Task{Status: StatusTodo, SLA: &SLA{StartBy: at(10), StartBreachedAt: at(10)}}, 0, SLABreached, SLANone},
		{"cancelled", Task{Status: StatusCancelled}, 100, SLANone, SLANone},
	}
	for _, c := range cases {
		if c.t.SLA == nil {
			c.t.SLA = sla
		}
		st := slaState(&c.t, base.Add(time.Duration(c.now)*time.Minute))
		if st.Start != c.start || st.Finish != c.finish {
			t.Errorf("%s: start %s finish %s, want %s %s", c.name, st.Start, st.Finish, c.start, c.finish)
		}
	}
	if slaState(&Task{}, base) != nil {
		t.Error("a task without targets has a state")
	}
}

func b3itoa(v uint64) string { return strconv.FormatUint(v, 10) }
