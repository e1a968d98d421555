package tasks

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestRecurrenceRules evaluates rules from an anchor, as a table: each row lists the dates that
// must follow the anchor, in the zone's wall-clock time.
func TestRecurrenceRules(t *testing.T) {
	sp := mustZone(t, "America/Sao_Paulo")
	lis := mustZone(t, "Europe/Lisbon")
	d := func(loc *time.Location, y int, m time.Month, day, h, min int) time.Time {
		return time.Date(y, m, day, h, min, 0, 0, loc)
	}
	rows := []struct {
		name   string
		rule   Recurrence
		loc    *time.Location
		anchor time.Time
		n      int
		want   []time.Time
	}{
		{"daily interval 2", Recurrence{Freq: "daily", Interval: 2}, sp, d(sp, 2026, 3, 2, 9, 0), 3,
			[]time.Time{d(sp, 2026, 3, 4, 9, 0), d(sp, 2026, 3, 6, 9, 0), d(sp, 2026, 3, 8, 9, 0)}},
		{"weekly MO WE FR across a week boundary", Recurrence{Freq: "weekly", Interval: 1, Weekdays: []string{"MO", "WE", "FR"}}, sp, d(sp, 2026, 3, 6, 10, 0), 4,
			[]time.Time{d(sp, 2026, 3, 9, 10, 0), d(sp, 2026, 3, 11, 10, 0), d(sp, 2026, 3, 13, 10, 0), d(sp, 2026, 3, 16, 10, 0)}},
		{"every other week on TU", Recurrence{Freq: "weekly", Interval: 2, Weekdays: []string{"tu"}}, sp, d(sp, 2026, 3, 3, 8, 0), 2,
			[]time.Time{d(sp, 2026, 3, 17, 8, 0), d(sp, 2026, 3, 31, 8, 0)}},
		{"monthly on the 31st over a year", Recurrence{Freq: "monthly", Interval: 1}, sp, d(sp, 2026, 1, 31, 9, 0), 12,
			[]time.Time{d(sp, 2026, 2, 28, 9, 0), d(sp, 2026, 3, 31, 9, 0), d(sp, 2026, 4, 30, 9, 0), d(sp, 2026, 5, 31, 9, 0),
				d(sp, 2026, 6, 30, 9, 0), d(sp, 2026, 7, 31, 9, 0), d(sp, 2026, 8, 31, 9, 0), d(sp, 2026, 9, 30, 9, 0),
				d(sp, 2026, 10, 31, 9, 0), d(sp, 2026, 11, 30, 9, 0), d(sp, 2026, 12, 31, 9, 0), d(sp, 2027, 1, 31, 9, 0)}},
		{"monthly on the 31st in a leap year", Recurrence{Freq: "monthly"}, sp, d(sp, 2028, 1, 31, 9, 0), 2,
			[]time.Time{d(sp, 2028, 2, 29, 9, 0), d(sp, 2028, 3, 31, 9, 0)}},
		{"monthly on the 30th", Recurrence{Freq: "monthly", Interval: 1}, sp, d(sp, 2026, 1, 30, 9, 0), 3,
			[]time.Time{d(sp, 2026, 2, 28, 9, 0), d(sp, 2026, 3, 30, 9, 0), d(sp, 2026, 4, 30, 9, 0)}},
		{"every two months on the 31st", Recurrence{Freq: "monthly", Interval: 2}, sp, d(sp, 2026, 8, 31, 9, 0), 3,
			[]time.Time{d(sp, 2026, 10, 31, 9, 0), d(sp, 2026, 12, 31, 9, 0), d(sp, 2027, 2, 28, 9, 0)}},
		{"yearly on Feb 29", Recurrence{Freq: "yearly", Interval: 1}, sp, d(sp, 2028, 2, 29, 9, 0), 4,
			[]time.Time{d(sp, 2029, 2, 28, 9, 0), d(sp, 2030, 2, 28, 9, 0), d(sp, 2031, 2, 28, 9, 0), d(sp, 2032, 2, 29, 9, 0)}},
		{"count ends the series (the first task counts)", Recurrence{Freq: "daily", Interval: 1, Count: 3}, sp, d(sp, 2026, 3, 2, 9, 0), 10,
			[]time.Time{d(sp, 2026, 3, 3, 9, 0), d(sp, 2026, 3, 4, 9, 0)}},
		{"count with weekdays off the anchor's day", Recurrence{Freq: "weekly", Weekdays: []string{"MO", "WE"}, Count: 3}, sp, d(sp, 2026, 3, 3, 9, 0), 10,
			[]time.Time{d(sp, 2026, 3, 4, 9, 0), d(sp, 2026, 3, 9, 9, 0)}},
		{"until is inclusive in the account's zone", Recurrence{Freq: "daily", Interval: 1, Until: "2026-03-05"}, sp, d(sp, 2026, 3, 2, 23, 30), 10,
			[]time.Time{d(sp, 2026, 3, 3, 23, 30), d(sp, 2026, 3, 4, 23, 30), d(sp, 2026, 3, 5, 23, 30)}},
		// São Paulo's last DST began 2018-11-04 at 00:00 (clocks to 01:00): 09:00 stays 09:00.
		{"São Paulo 2018 DST keeps 09:00", Recurrence{Freq: "daily", Interval: 1}, sp, d(sp, 2018, 11, 2, 9, 0), 3,
			[]time.Time{d(sp, 2018, 11, 3, 9, 0), d(sp, 2018, 11, 4, 9, 0), d(sp, 2018, 11, 5, 9, 0)}},
		// 00:30 did not exist on 2018-11-04 in São Paulo: it moves forward to 01:30 that day only.
		{"São Paulo 2018 missing midnight hour", Recurrence{Freq: "daily", Interval: 1}, sp, d(sp, 2018, 11, 3, 0, 30), 2,
			[]time.Time{d(sp, 2018, 11, 4, 1, 30), d(sp, 2018, 11, 5, 0, 30)}},
		{"Lisbon spring forward keeps 09:00", Recurrence{Freq: "weekly", Interval: 1}, lis, d(lis, 2026, 3, 22, 9, 0), 2,
			[]time.Time{d(lis, 2026, 3, 29, 9, 0), d(lis, 2026, 4, 5, 9, 0)}},
		{"Lisbon fall back keeps 09:00", Recurrence{Freq: "daily", Interval: 1}, lis, d(lis, 2026, 10, 24, 9, 0), 2,
			[]time.Time{d(lis, 2026, 10, 25, 9, 0), d(lis, 2026, 10, 26, 9, 0)}},
		// 01:30 does not exist on 2026-03-29 in Lisbon (01:00 → 02:00): it becomes 02:30 that day.
		{"Lisbon missing 01:30", Recurrence{Freq: "daily", Interval: 1}, lis, d(lis, 2026, 3, 28, 1, 30), 2,
			[]time.Time{d(lis, 2026, 3, 29, 2, 30), d(lis, 2026, 3, 30, 1, 30)}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var fe apperr.Fields
			checkRecurrence(&row.rule, &fe)
			if err := fe.Err(); err != nil {
				t.Fatal(err)
			}
			sr, err := newSeries(&row.rule, row.loc, row.anchor, false)
			if err != nil {
				t.Fatal(err)
			}
			got := sr.upcoming(row.anchor, row.n)
			if len(got) != len(row.want) {
				t.Fatalf("got %d dates %v, want %d %v", len(got), got, len(row.want), row.want)
			}
			for i := range got {
				if !got[i].Equal(row.want[i]) {
					t.Errorf("date %d: got %s, want %s", i, got[i].In(row.loc), row.want[i])
				}
			}
		})
	}

	// The DST rows mean something only if the UTC offsets really differ across the change.
	before, after := d(sp, 2018, 11, 3, 9, 0), d(sp, 2018, 11, 4, 9, 0)
	if after.Sub(before) != 23*time.Hour {
		t.Errorf("São Paulo 2018-11-04 was not a 23-hour day here (tzdata?): %s", after.Sub(before))
	}
	if x, y := d(lis, 2026, 10, 25, 9, 0), d(lis, 2026, 10, 24, 9, 0); x.Sub(y) != 25*time.Hour {
		t.Errorf("Lisbon 2026-10-25 is not a 25-hour day here: %s", x.Sub(y))
	}
	if got := d(lis, 2026, 3, 29, 1, 30); got.Hour() != 2 || got.Minute() != 30 {
		t.Errorf("time.Date no longer moves Lisbon's missing 01:30 to 02:30 (got %s): update the doc", got)
	}
}

func TestRecurrenceValidation(t *testing.T) {
	rows := []struct {
		rule  Recurrence
		field string
	}{
		{Recurrence{Freq: "hourly"}, "recurrence.freq"},
		{Recurrence{Freq: "daily", Interval: 366}, "recurrence.interval"},
		{Recurrence{Freq: "daily", Interval: -1}, "recurrence.interval"},
		{Recurrence{Freq: "weekly", Weekdays: []string{"XX"}}, "recurrence.weekdays"},
		{Recurrence{Freq: "daily", Weekdays: []string{"MO"}}, "recurrence.weekdays"},
		{Recurrence{Freq: "daily", Until: "31/12/2026"}, "recurrence.until"},
		{Recurrence{Freq: "daily", Count: 1001}, "recurrence.count"},
		{Recurrence{Freq: "daily", Count: 3, Until: "2026-12-31"}, "recurrence.until"},
	}
	for _, row := range rows {
		var fe apperr.Fields
		checkRecurrence(&row.rule, &fe)
		if fe[row.field] == "" {
			t.Errorf("%+v: no error under %s (got %v)", row.rule, row.field, fe)
		}
	}
	var fe apperr.Fields
	checkRecurrence(&Recurrence{Freq: "weekly", Interval: 0, Weekdays: []string{"mo", "FR"}, Count: 5}, &fe)
	checkRecurrence(nil, &fe)
	checkRecurrence(&Recurrence{}, &fe) // empty freq: removal
	if len(fe) != 0 {
		t.Errorf("valid rules refused: %v", fe)
	}
}

// rtEnv is a tasks.Service on a temp store with one account (São Paulo unless told) whose owner
// is user 1 (administrator) and agents users 2 and 3, and a movable clock.
type rtEnv struct {
	t     *testing.T
	dir   string
	db    *storage.DB
	s     *Service
	acct  uint64
	actor access.Actor
	mu    sync.Mutex
	now   time.Time
}

func newRTEnv(t *testing.T, zone string, now time.Time) *rtEnv {
	t.Helper()
	e := &rtEnv{t: t, dir: t.TempDir(), now: now}
	e.open()
	err := e.db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Loja", TimeZone: zone, Language: "en", Modules: map[string]bool{}}
		if err := accounts.Accounts.Put(tx, a); err != nil {
			return err
		}
		e.acct = a.ID
		for uid, role := range map[uint64]access.Role{1: access.Administrator, 2: access.Agent, 3: access.Agent} {
			if err := accounts.Members.Put(tx, &accounts.Member{AccountID: a.ID, UserID: uid, Role: role}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.actor = access.Actor{UserID: 1, UserName: "Olga", AccountID: e.acct, Role: access.Administrator}
	return e
}

// open (re)opens the store and builds a fresh service on it, as a restart does.
func (e *rtEnv) open() {
	db, err := storage.Open(e.dir, storage.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	e.db = db
	e.t.Cleanup(func() { db.Close() })
	e.s = New(Deps{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: e.clock})
}

func (e *rtEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *rtEnv) set(now time.Time) {
	e.mu.Lock()
	e.now = now
	e.mu.Unlock()
}

func (e *rtEnv) get(id uint64) *Task {
	e.t.Helper()
	var out *Task
	if err := e.db.View(func(tx *storage.Tx) (err error) { out, err = Tasks.Get(tx, e.acct, id); return err }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// seriesTasks are the tasks of a series by occurrence.
func (e *rtEnv) seriesTasks(series uint64) []Task {
	e.t.Helper()
	var out []Task
	err := e.db.View(func(tx *storage.Tx) error {
		return Tasks.Each(tx, e.acct, storage.Query{Index: "series", Prefix: storage.Uint(series)}, func(v *Task) bool {
			out = append(out, *v)
			return true
		})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// insert stores a task through insertTx (the one creation path) and the recurrence hook.
func (e *rtEnv) insert(task *Task) *Task {
	e.t.Helper()
	task.CreatorID = e.actor.UserID
	err := e.db.Update(func(tx *storage.Tx) error {
		if err := e.s.insertTx(tx, e.actor, task); err != nil {
			return err
		}
		return e.s.recurrenceSetTx(tx, task)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return task
}

// complete marks a task done and runs the completion hook in one transaction, as the task
// service's completion does.
func (e *rtEnv) complete(id uint64) {
	e.t.Helper()
	err := e.db.Update(func(tx *storage.Tx) error {
		task, err := Tasks.Get(tx, e.acct, id)
		if err != nil {
			return err
		}
		now := e.s.now()
		task.Status, task.CompletedAt, task.CompletedBy = StatusDone, &now, e.actor.UserID
		if err := Tasks.Put(tx, task); err != nil {
			return err
		}
		return e.s.completedTx(tx, e.actor, task)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRecurrenceCompletionClonesOnce(t *testing.T) {
	sp := mustZone(t, "America/Sao_Paulo")
	e := newRTEnv(t, "America/Sao_Paulo", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	due := time.Date(2026, 3, 2, 9, 0, 0, 0, sp).UTC()
	start := due.Add(-2 * time.Hour)
	first := e.insert(&Task{Title: "Pay suppliers", Description: "PIX", Priority: "high", AssigneeIDs: []uint64{2, 3},
		Labels: []string{"finance"}, CustomAttributes: map[string]any{"cost_center": "A1"}, ContactID: 7,
		StartAt: &start, DueAt: &due, BlockedBy: []uint64{99},
		Checklist:  []ChecklistItem{{ID: 1, Text: "export", Done: true}, {ID: 2, Text: "pay"}},
		Recurrence: &Recurrence{Freq: "daily", Interval: 1, Anchor: ptr(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))}})
	if first.SeriesID != first.ID || first.Occurrence != 1 {
		t.Fatalf("first task: series %d occurrence %d", first.SeriesID, first.Occurrence)
	}
	if !first.Recurrence.Anchor.Equal(due) {
		t.Fatalf("anchor %s, want the due time %s (a client's value is ignored)", first.Recurrence.Anchor, due)
	}
	// A reminder half an hour before the due time moves with it.
	r, err := e.s.CreateReminder(context.Background(), e.actor, first.ID, TaskReminderInput{At: ptr(due.Add(-30 * time.Minute).Format(time.RFC3339))})
	if err != nil {
		t.Fatal(err)
	}

	e.complete(first.ID)
	e.complete(first.ID) // a second completion (a retry) is a no-op
	got := e.seriesTasks(first.ID)
	if len(got) != 2 {
		t.Fatalf("series has %d tasks after completing twice, want 2", len(got))
	}
	next := got[1]
	if e.get(first.ID).NextID != next.ID {
		t.Errorf("NextID %d, want %d", e.get(first.ID).NextID, next.ID)
	}
	if next.Occurrence != 2 || next.Status != StatusTodo || next.Title != "Pay suppliers" || next.Priority != "high" ||
		len(next.AssigneeIDs) != 2 || next.Labels[0] != "finance" || next.CustomAttributes["cost_center"] != "A1" ||
		next.ContactID != 7 || next.CreatorID != 1 {
		t.Errorf("next occurrence not a clone: %+v", next)
	}
	if !next.DueAt.Equal(due.Add(24*time.Hour)) || !next.StartAt.Equal(start.Add(24*time.Hour)) {
		t.Errorf("next dates: start %s due %s", next.StartAt, next.DueAt)
	}
	if len(next.BlockedBy) != 0 || next.CompletedAt != nil || next.NextID != 0 {
		t.Errorf("dependencies or completion carried over: %+v", next)
	}
	if len(next.Checklist) != 2 || next.Checklist[0].Done || next.Checklist[1].Done {
		t.Errorf("checklist not reset: %+v", next.Checklist)
	}
	if !next.Recurrence.Anchor.Equal(due) {
		t.Errorf("anchor not carried: %s", next.Recurrence.Anchor)
	}
	rs, err := e.s.ListReminders(context.Background(), e.actor, next.ID)
	if err != nil || len(rs) != 1 || !rs[0].At.Equal(r.At.Add(24*time.Hour)) || rs[0].FiredAt != nil {
		t.Errorf("reminder not cloned a day later: %+v %v", rs, err)
	}

	// Reopened and completed again, it still made its one next occurrence.
	err = e.db.Update(func(tx *storage.Tx) error {
		task, _ := Tasks.Get(tx, e.acct, first.ID)
		task.Status, task.CompletedAt = StatusTodo, nil
		return Tasks.Put(tx, task)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.complete(first.ID)
	// Even with NextID lost, the unique series index finds the occurrence already made.
	err = e.db.Update(func(tx *storage.Tx) error {
		task, _ := Tasks.Get(tx, e.acct, first.ID)
		task.NextID = 0
		return Tasks.Put(tx, task)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.complete(first.ID)
	if n := len(e.seriesTasks(first.ID)); n != 2 {
		t.Fatalf("series has %d tasks, want 2", n)
	}
	if e.get(first.ID).NextID != next.ID {
		t.Errorf("NextID not restored from the series index")
	}
}

func TestRecurrenceRestartMakesNoSecond(t *testing.T) {
	e := newRTEnv(t, "Europe/Lisbon", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	due := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	first := e.insert(&Task{Title: "Weekly report", DueAt: &due, Recurrence: &Recurrence{Freq: "weekly", Interval: 1}})
	e.complete(first.ID)
	e.db.Close()
	e.open() // a restart: new store handle, new service
	e.complete(first.ID)
	got := e.seriesTasks(first.ID)
	if len(got) != 2 {
		t.Fatalf("series has %d tasks after a restart and a second completion, want 2", len(got))
	}
	// Across Lisbon's spring-forward (2026-03-29) the weekly 09:00 stays 09:00 local.
	lis := mustZone(t, "Europe/Lisbon")
	cur := got[1]
	for range 4 {
		e.set(*cur.DueAt)
		e.complete(cur.ID)
		cur = *e.get(e.get(cur.ID).NextID)
		if l := cur.DueAt.In(lis); l.Hour() != 9 || l.Weekday() != time.Monday {
			t.Errorf("occurrence %d due %s, want Monday 09:00 Lisbon time", cur.Occurrence, l)
		}
	}
	if cur.Occurrence != 6 {
		t.Errorf("occurrence %d, want 6", cur.Occurrence)
	}
}

func TestRecurrenceConcurrentCompletion(t *testing.T) {
	e := newRTEnv(t, "America/Sao_Paulo", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	due := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	first := e.insert(&Task{Title: "Call", DueAt: &due, Recurrence: &Recurrence{Freq: "daily", Interval: 1}})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.complete(first.ID)
		}()
	}
	wg.Wait()
	if n := len(e.seriesTasks(first.ID)); n != 2 {
		t.Fatalf("eight concurrent completions made a series of %d, want 2", n)
	}
}

func TestRecurrenceLateCompletionSkipsMissed(t *testing.T) {
	sp := mustZone(t, "America/Sao_Paulo")
	e := newRTEnv(t, "America/Sao_Paulo", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	due := time.Date(2026, 3, 2, 9, 0, 0, 0, sp).UTC() // Monday
	first := e.insert(&Task{Title: "Daily standup", DueAt: &due, Recurrence: &Recurrence{Freq: "daily", Interval: 1}})
	e.set(time.Date(2026, 3, 5, 10, 0, 0, 0, sp)) // Thursday 10:00: Tue, Wed and Thu 09:00 are gone
	e.complete(first.ID)
	next := e.get(e.get(first.ID).NextID)
	if want := time.Date(2026, 3, 6, 9, 0, 0, 0, sp); !next.DueAt.Equal(want) || next.Occurrence != 2 {
		t.Errorf("next due %s occurrence %d, want %s occurrence 2", next.DueAt.In(sp), next.Occurrence, want)
	}

	// Missed dates count toward COUNT: with 3 in all, completing after both others passed ends it.
	e.set(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	counted := e.insert(&Task{Title: "Three times", DueAt: &due, Recurrence: &Recurrence{Freq: "daily", Interval: 1, Count: 3}})
	e.set(time.Date(2026, 3, 5, 10, 0, 0, 0, sp))
	e.complete(counted.ID)
	if got := e.get(counted.ID); got.NextID != 0 || len(e.seriesTasks(counted.ID)) != 1 {
		t.Errorf("a finished series made a next occurrence (%d)", got.NextID)
	}

	// A series past its end date makes none either.
	e.set(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	until := e.insert(&Task{Title: "Until", DueAt: &due, Recurrence: &Recurrence{Freq: "daily", Interval: 1, Until: "2026-03-03"}})
	e.complete(until.ID) // early: Mar 3 is still in the series
	second := e.get(e.get(until.ID).NextID)
	e.complete(second.ID)
	if got := e.get(second.ID); got.NextID != 0 {
		t.Errorf("completing the last occurrence before the end date made another")
	}
}

func TestRecurrenceMonthEndChain(t *testing.T) {
	sp := mustZone(t, "America/Sao_Paulo")
	e := newRTEnv(t, "America/Sao_Paulo", time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	due := time.Date(2026, 1, 31, 18, 0, 0, 0, sp).UTC()
	cur := e.insert(&Task{Title: "Close the month", DueAt: &due, Recurrence: &Recurrence{Freq: "monthly", Interval: 1}})
	want := []string{"2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"}
	for _, w := range want {
		e.complete(cur.ID) // completed early each time
		cur = e.get(e.get(cur.ID).NextID)
		if got := cur.DueAt.In(sp).Format("2006-01-02 15:04"); got != w+" 18:00" {
			t.Errorf("occurrence %d due %s, want %s 18:00", cur.Occurrence, got, w)
		}
	}
}

func TestRecurrenceWithoutDueAnchorsOnCompletionDay(t *testing.T) {
	sp := mustZone(t, "America/Sao_Paulo")
	e := newRTEnv(t, "America/Sao_Paulo", time.Date(2026, 3, 4, 22, 0, 0, 0, sp))
	first := e.insert(&Task{Title: "Water plants", Recurrence: &Recurrence{Freq: "daily", Interval: 2}})
	e.complete(first.ID)
	next := e.get(e.get(first.ID).NextID)
	if want := time.Date(2026, 3, 6, 0, 0, 0, 0, sp); next.DueAt == nil || !next.DueAt.Equal(want) || !next.AllDay {
		t.Errorf("next due %v all-day %v, want %s all day", next.DueAt, next.AllDay, want)
	}
}

func TestRecurrenceUpcomingAndPreview(t *testing.T) {
	sp := mustZone(t, "America/Sao_Paulo")
	e := newRTEnv(t, "America/Sao_Paulo", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	due := time.Date(2026, 3, 6, 10, 0, 0, 0, sp).UTC()
	task := e.insert(&Task{Title: "Gym", DueAt: &due, Recurrence: &Recurrence{Freq: "weekly", Weekdays: []string{"MO", "FR"}, Count: 4}})
	var up []time.Time
	e.db.View(func(tx *storage.Tx) error { up = e.s.upcomingTx(tx, task, 5); return nil })
	if len(up) != 3 || !up[0].Equal(time.Date(2026, 3, 9, 10, 0, 0, 0, sp)) {
		t.Errorf("upcoming %v, want 3 dates from Mon 9 (count 4 in all)", up)
	}
	res, err := e.s.PreviewRecurrence(context.Background(), e.actor, RecurrencePreviewInput{Recurrence: &Recurrence{Freq: "monthly"}, DueAt: "2026-01-31"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dates) != 5 || !res.Dates[0].Equal(time.Date(2026, 2, 28, 0, 0, 0, 0, sp)) {
		t.Errorf("preview %v", res.Dates)
	}
	_, err = e.s.PreviewRecurrence(context.Background(), e.actor, RecurrencePreviewInput{Recurrence: &Recurrence{Freq: "daily", Count: 2, Until: "2026-01-01"}})
	if a, ok := apperr.As(err); !ok || a.Fields["recurrence.until"] == "" {
		t.Errorf("preview accepted until with count: %v", err)
	}
}
