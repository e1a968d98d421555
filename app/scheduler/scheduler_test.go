package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openDB(t testing.TB, dir string) *storage.DB {
	t.Helper()
	db := storagetest.Open(t, dir, storage.Options{})
	return db
}

func newScheduler(db *storage.DB) *Scheduler {
	return New(db, Options{Logger: quiet, RetryMin: time.Millisecond, RetryMax: 4 * time.Millisecond})
}

func start(t testing.TB, s *Scheduler) {
	t.Helper()
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
}

// eventually polls cond until it holds; the deadline only stops a broken runner from hanging the
// test run (it is well under maxSleep, so a runner that is not woken fails).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func schedule(t testing.TB, db *storage.DB, s *Scheduler, j Job) *Job {
	t.Helper()
	var out *Job
	if err := db.Update(func(tx *storage.Tx) error {
		var err error
		out, err = s.Schedule(tx, j)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func status(t testing.TB, s *Scheduler) Status {
	t.Helper()
	st, err := s.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// marker is what test handlers write in the job's transaction.
type marker struct {
	ID       uint64    `json:"id"`
	Account  uint64    `json:"account_id"`
	JobID    uint64    `json:"job_id"`
	Key      string    `json:"key"`
	Payload  string    `json:"payload"`
	Attempts int       `json:"attempts"`
	Due      time.Time `json:"due"`
	FiredAt  time.Time `json:"fired_at"`
}

var markers = storage.NewCollection(storage.Def[marker]{
	Name:    "test_markers",
	ID:      func(m *marker) *uint64 { return &m.ID },
	Account: func(m *marker) uint64 { return m.Account },
})

func mark(s *Scheduler) Handler {
	return func(_ context.Context, tx *storage.Tx, j *Job) error {
		return markers.Put(tx, &marker{Account: j.Account, JobID: j.ID, Key: j.Key, Payload: string(j.Payload),
			Attempts: j.Attempts, Due: j.Due, FiredAt: s.now()})
	}
}

func allMarkers(t testing.TB, db *storage.DB) []marker {
	t.Helper()
	var out []marker
	db.View(func(tx *storage.Tx) error {
		return markers.EachAccount(tx, func(_ uint64, m *marker) error { out = append(out, *m); return nil })
	})
	return out
}

func TestFiresAtDueTime(t *testing.T) {
	db := openDB(t, t.TempDir())
	s := newScheduler(db)
	s.Handle("mark", mark(s))
	now := time.Now()
	later := schedule(t, db, s, Job{Account: 7, Kind: "mark", Key: "later", Due: now.Add(150 * time.Millisecond), Payload: json.RawMessage(`"b"`)})
	past := schedule(t, db, s, Job{Account: 7, Kind: "mark", Key: "past", Due: now.Add(-time.Hour), Payload: json.RawMessage(`"a"`)})
	if later.ID == 0 || later.State != StatePending || later.MaxAttempts != DefaultMaxAttempts || later.Due.Location() != time.UTC {
		t.Fatalf("scheduled job not filled in: %+v", later)
	}
	if st := status(t, s); st.Pending != 2 || !st.NextDue.Equal(past.Due) {
		t.Fatalf("status before start: %+v", st)
	}
	start(t, s)
	eventually(t, "both jobs to fire", func() bool { return len(allMarkers(t, db)) == 2 })

	ms := allMarkers(t, db)
	if ms[0].Key != "past" || ms[1].Key != "later" {
		t.Errorf("fired out of due order: %+v", ms)
	}
	for _, m := range ms {
		if m.FiredAt.Before(m.Due) {
			t.Errorf("job %s fired at %v, before it was due at %v", m.Key, m.FiredAt, m.Due)
		}
	}
	if ms[1].Payload != `"b"` || ms[1].Account != 7 || ms[1].JobID != later.ID {
		t.Errorf("handler saw %+v", ms[1])
	}
	if st := status(t, s); st.Pending != 0 || st.Failed != 0 || !st.NextDue.IsZero() {
		t.Errorf("status after firing: %+v", st)
	}
	db.View(func(tx *storage.Tx) error {
		if _, err := s.Get(tx, 7, "later"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("completed job still stored: %v", err)
		}
		return nil
	})
}

func TestEarlierJobWakesSleepingRunner(t *testing.T) {
	db := openDB(t, t.TempDir())
	s := newScheduler(db)
	s.Handle("mark", mark(s))
	far := schedule(t, db, s, Job{Account: 1, Kind: "mark", Key: "far", Due: time.Now().Add(time.Hour)})
	start(t, s)
	eventually(t, "runner asleep until the far job", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.sleeping && s.sleepEnd.Equal(far.Due)
	})
	// The runner sleeps for maxSleep (a minute) at most; the wait below gives up well before.
	schedule(t, db, s, Job{Account: 1, Kind: "mark", Key: "soon"})
	eventually(t, "the new, earlier job to fire", func() bool { return len(allMarkers(t, db)) == 1 })
	if m := allMarkers(t, db)[0]; m.Key != "soon" {
		t.Errorf("fired %q", m.Key)
	}
	if st := status(t, s); st.Pending != 1 || !st.NextDue.Equal(far.Due) {
		t.Errorf("far job disturbed: %+v", st)
	}
}

func TestScheduleReplacesByKey(t *testing.T) {
	db := openDB(t, t.TempDir())
	s := newScheduler(db)
	s.Handle("mark", mark(s))
	first := schedule(t, db, s, Job{Account: 1, Kind: "mark", Key: "snooze:42", Due: time.Now().Add(time.Hour), Payload: json.RawMessage(`"old"`)})
	second := schedule(t, db, s, Job{Account: 1, Kind: "mark", Key: "snooze:42", Payload: json.RawMessage(`"new"`)})
	other := schedule(t, db, s, Job{Account: 2, Kind: "mark", Key: "snooze:42", Payload: json.RawMessage(`"other account"`)})
	if st := status(t, s); st.Pending != 2 {
		t.Fatalf("pending = %d, want 2 (one per account)", st.Pending)
	}
	db.View(func(tx *storage.Tx) error {
		j, err := s.Get(tx, 1, "snooze:42")
		if err != nil || j.ID != second.ID || string(j.Payload) != `"new"` {
			t.Errorf("Get after replace: %+v %v", j, err)
		}
		if jobs.Exists(tx, 0, first.ID) {
			t.Error("replaced job still stored")
		}
		return nil
	})
	start(t, s)
	eventually(t, "jobs to fire", func() bool { return status(t, s).Pending == 0 })
	ms := allMarkers(t, db)
	if len(ms) != 2 {
		t.Fatalf("fired %d jobs, want 2: %+v", len(ms), ms)
	}
	got := map[uint64]string{}
	for _, m := range ms {
		got[m.JobID] = m.Payload
	}
	if got[second.ID] != `"new"` || got[other.ID] != `"other account"` {
		t.Errorf("fired %v", got)
	}
}

func TestCancel(t *testing.T) {
	db := openDB(t, t.TempDir())
	s := newScheduler(db)
	s.Handle("mark", mark(s))
	schedule(t, db, s, Job{Account: 1, Kind: "mark", Key: "reminder:9", Due: time.Now().Add(-time.Second)})
	schedule(t, db, s, Job{Account: 1, Kind: "mark", Key: "sentinel"})
	err := db.Update(func(tx *storage.Tx) error {
		if err := s.Cancel(tx, 1, "reminder:9"); err != nil {
			return err
		}
		if err := s.Cancel(tx, 1, "never-scheduled"); err != nil {
			return fmt.Errorf("cancelling a missing job: %w", err)
		}
		if err := s.Cancel(tx, 1, ""); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("cancel without key: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	start(t, s)
	// The cancelled job was due first, so had it survived it would have fired before the sentinel.
	eventually(t, "sentinel to fire", func() bool { return len(allMarkers(t, db)) > 0 })
	if ms := allMarkers(t, db); len(ms) != 1 || ms[0].Key != "sentinel" {
		t.Errorf("fired %+v", ms)
	}
}

func TestRetryWithBackoffThenGiveUp(t *testing.T) {
	db := openDB(t, t.TempDir())
	s := New(db, Options{Logger: quiet, RetryMin: 2 * time.Millisecond, RetryMax: 5 * time.Millisecond})
	var mu sync.Mutex
	var seen []Job
	s.Handle("flaky", func(_ context.Context, tx *storage.Tx, j *Job) error {
		mu.Lock()
		seen = append(seen, *j)
		mu.Unlock()
		return errors.New("provider rejected the message")
	})
	s.Handle("mark", mark(s))
	job := schedule(t, db, s, Job{Account: 3, Kind: "flaky", Key: "send:1", MaxAttempts: 4})
	unknown := schedule(t, db, s, Job{Account: 3, Kind: "no-such-kind"})
	start(t, s)
	eventually(t, "both jobs to give up", func() bool { return status(t, s).Failed == 2 })
	// A later job fires after the failed ones were last touched: had they still been live, they
	// would have been retried in the meantime.
	schedule(t, db, s, Job{Account: 3, Kind: "mark", Due: time.Now().Add(20 * time.Millisecond)})
	eventually(t, "sentinel to fire", func() bool { return len(allMarkers(t, db)) == 1 })

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 4 {
		t.Fatalf("handler ran %d times, want MaxAttempts=4", len(seen))
	}
	for i, j := range seen {
		if j.Attempts != i {
			t.Errorf("run %d saw Attempts=%d", i, j.Attempts)
		}
		if i > 0 {
			if gap, want := j.Due.Sub(seen[i-1].Due), s.backoff(i); gap < want {
				t.Errorf("retry %d came %v after the previous due time, want at least %v", i, gap, want)
			}
			if !strings.Contains(j.LastError, "provider rejected") {
				t.Errorf("retry %d: LastError %q", i, j.LastError)
			}
		}
	}
	st := status(t, s)
	if st.Pending != 0 || st.Failed != 2 {
		t.Errorf("status %+v", st)
	}
	db.View(func(tx *storage.Tx) error {
		failed, err := s.Failed(tx, 3)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[uint64]Job{}
		for _, j := range failed {
			byID[j.ID] = j
		}
		if j := byID[job.ID]; j.State != StateFailed || j.Attempts != 4 || !strings.Contains(j.LastError, "provider rejected") {
			t.Errorf("failed job %+v", j)
		}
		if j := byID[unknown.ID]; j.State != StateFailed || !strings.Contains(j.LastError, `no handler for job kind "no-such-kind"`) {
			t.Errorf("unknown kind %+v", j)
		}
		if other, _ := s.Failed(tx, 4); len(other) != 0 {
			t.Errorf("another account sees failed jobs: %+v", other)
		}
		return nil
	})
	// Scheduling the key again starts over.
	schedule(t, db, s, Job{Account: 3, Kind: "mark", Key: "send:1"})
	eventually(t, "rescheduled job to fire", func() bool { return len(allMarkers(t, db)) == 2 })
	if st := status(t, s); st.Failed != 1 {
		t.Errorf("failed = %d after rescheduling one of two", st.Failed)
	}
}

func TestBackoff(t *testing.T) {
	s := New(nil, Options{})
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := s.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestHandlerWritesRollBackOnError(t *testing.T) {
	db := openDB(t, t.TempDir())
	s := newScheduler(db)
	write := mark(s)
	s.Handle("twice", func(ctx context.Context, tx *storage.Tx, j *Job) error {
		if err := write(ctx, tx, j); err != nil {
			return err
		}
		switch j.Attempts {
		case 0:
			return errors.New("fails after writing")
		case 1:
			panic("panics after writing")
		}
		return nil
	})
	job := schedule(t, db, s, Job{Account: 1, Kind: "twice"})
	start(t, s)
	eventually(t, "job to complete", func() bool { return status(t, s).Pending == 0 })
	ms := allMarkers(t, db)
	if len(ms) != 1 || ms[0].Attempts != 2 || ms[0].JobID != job.ID {
		t.Fatalf("markers %+v: writes of failed attempts must roll back", ms)
	}
	if st := status(t, s); st.Failed != 0 {
		t.Errorf("status %+v", st)
	}
}

func TestHandlerReschedulesItself(t *testing.T) {
	db := openDB(t, t.TempDir())
	s := newScheduler(db)
	write := mark(s)
	s.Handle("recurring", func(ctx context.Context, tx *storage.Tx, j *Job) error {
		if err := write(ctx, tx, j); err != nil {
			return err
		}
		var n int
		json.Unmarshal(j.Payload, &n)
		if n < 3 {
			_, err := s.Schedule(tx, Job{Account: j.Account, Kind: j.Kind, Key: j.Key, Payload: json.RawMessage(fmt.Sprint(n + 1))})
			return err
		}
		return nil
	})
	schedule(t, db, s, Job{Account: 1, Kind: "recurring", Key: "task:5", Payload: json.RawMessage(`1`)})
	start(t, s)
	eventually(t, "three runs", func() bool { return len(allMarkers(t, db)) == 3 })
	eventually(t, "queue empty", func() bool { return status(t, s).Pending == 0 })
	for i, m := range allMarkers(t, db) {
		if m.Payload != fmt.Sprint(i+1) {
			t.Errorf("run %d had payload %s", i, m.Payload)
		}
	}
}

func TestScheduleValidates(t *testing.T) {
	db := openDB(t, t.TempDir())
	s := newScheduler(db)
	err := db.Update(func(tx *storage.Tx) error {
		_, err := s.Schedule(tx, Job{Account: 1, Payload: json.RawMessage(`{nope`)})
		return err
	})
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || e.Fields["kind"] == "" || e.Fields["payload"] == "" {
		t.Fatalf("got %v", err)
	}
	if st := status(t, s); st.Pending != 0 {
		t.Errorf("invalid job stored")
	}
}

func TestCron(t *testing.T) {
	db := openDB(t, t.TempDir())
	s := newScheduler(db)
	if err := s.Cron("61 * * * *", "bad", func(context.Context) {}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("bad spec: %v", err)
	}
	if err := s.Cron("@daily", "backup", func(context.Context) {}); err != nil {
		t.Errorf("descriptor: %v", err)
	}
	ran := make(chan error, 10)
	var runs atomic.Int32
	if err := s.Cron("@every 1s", "sweep", func(ctx context.Context) {
		runs.Add(1)
		ran <- ctx.Err()
		panic("a panicking task must not take the program down")
	}); err != nil {
		t.Fatal(err)
	}
	start(t, s)
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("task got a dead context: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cron task never ran")
	}
}

func TestNextLocal(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name, spec, zone, after, want string
	}{
		{"Sao Paulo is UTC-3 all year", "0 9 * * 1-5", "America/Sao_Paulo", "2026-11-20T12:30:00Z", "2026-11-23T12:00:00Z"},
		{"Sao Paulo same day", "0 9 * * *", "America/Sao_Paulo", "2026-01-15T11:59:00Z", "2026-01-15T12:00:00Z"},
		{"Sao Paulo midnight descriptor", "@daily", "America/Sao_Paulo", "2026-07-01T04:00:00Z", "2026-07-02T03:00:00Z"},
		{"Lisbon winter is UTC", "0 9 * * *", "Europe/Lisbon", "2026-03-27T12:00:00Z", "2026-03-28T09:00:00Z"},
		{"Lisbon day DST starts keeps 09:00 local", "0 9 * * *", "Europe/Lisbon", "2026-03-28T12:00:00Z", "2026-03-29T08:00:00Z"},
		{"Lisbon summer is UTC+1", "0 9 * * *", "Europe/Lisbon", "2026-07-01T12:00:00Z", "2026-07-02T08:00:00Z"},
		{"Lisbon day DST ends keeps 09:00 local", "0 9 * * *", "Europe/Lisbon", "2026-10-24T12:00:00Z", "2026-10-25T09:00:00Z"},
		// 01:30 does not exist on 2026-03-29 in Lisbon (01:00 jumps to 02:00): that day is skipped.
		{"Lisbon missing hour", "30 1 * * *", "Europe/Lisbon", "2026-03-28T12:00:00Z", "2026-03-30T00:30:00Z"},
		// 01:30 happens twice on 2026-10-25 in Lisbon (02:00 WEST falls back to 01:00 WET): both match.
		{"Lisbon repeated hour, first", "30 1 * * *", "Europe/Lisbon", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
		{"Lisbon repeated hour, second", "30 1 * * *", "Europe/Lisbon", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"},
		{"empty zone is UTC", "15 10 1 * *", "", "2026-05-01T10:15:00Z", "2026-06-01T10:15:00Z"},
	}
	for _, c := range cases {
		got, err := NextLocal(c.spec, c.zone, at(c.after))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !got.Equal(at(c.want)) || got.Location() != time.UTC {
			t.Errorf("%s: NextLocal(%q, %q, %s) = %v, want %s", c.name, c.spec, c.zone, c.after, got, c.want)
		}
	}
	if _, err := NextLocal("0 9 * * *", "Mars/Olympus_Mons", time.Now()); !hasField(err, "time_zone") {
		t.Errorf("bad zone: %v", err)
	}
	if _, err := NextLocal("0 9 * *", "Europe/Lisbon", time.Now()); !hasField(err, "schedule") {
		t.Errorf("bad spec: %v", err)
	}
	if _, err := NextLocal("0 0 30 2 *", "Europe/Lisbon", time.Now()); !hasField(err, "schedule") {
		t.Errorf("spec that never fires: %v", err)
	}
}

func hasField(err error, field string) bool {
	e, ok := apperr.As(err)
	return ok && e.Kind == apperr.Invalid && e.Fields[field] != ""
}

func BenchmarkScheduleAndFire(b *testing.B) {
	db, err := storage.Open(b.TempDir(), storage.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := New(db, Options{Logger: quiet})
	var fired atomic.Int64
	done := make(chan struct{})
	s.Handle("bench", func(context.Context, *storage.Tx, *Job) error {
		if fired.Add(1) == int64(b.N) {
			close(done)
		}
		return nil
	})
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer s.Stop()
	b.ResetTimer()
	for left := b.N; left > 0; left -= 1000 {
		err := db.Update(func(tx *storage.Tx) error {
			for i := 0; i < min(left, 1000); i++ {
				if _, err := s.Schedule(tx, Job{Account: uint64(i%10 + 1), Kind: "bench", Key: fmt.Sprint(left, "/", i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}
