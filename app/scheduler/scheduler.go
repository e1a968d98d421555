// Package scheduler runs Parley's durable jobs (reminders, scheduled messages, snooze wake-ups,
// follow-up steps, retries) and its fixed cron schedules. Jobs live in bbolt with a due-time
// index; the runner claims, runs and completes a job in one write transaction, so a job's effects
// and its completion commit together and it fires exactly once, even across crashes.
package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	// Accounts name IANA zones; the desktop build must resolve them on machines (Windows) that
	// ship no zoneinfo database.
	_ "time/tzdata"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/robfig/cron/v3"
)

// State is a job's lifecycle state. Completed jobs are deleted, so only two states are stored.
type State string

// Job states.
const (
	StatePending State = "pending"
	StateFailed  State = "failed"
)

// DefaultMaxAttempts is the MaxAttempts of a job that sets none.
const DefaultMaxAttempts = 10

// Job is one durable unit of delayed work.
type Job struct {
	ID      uint64 `json:"id"`
	Account uint64 `json:"account_id"`
	// Kind selects the Handler.
	Kind string `json:"kind"`
	// Key, when set, names the job within its account ("snooze:conversation:42"): scheduling the
	// same key again replaces the job, and Cancel finds it by key.
	Key string `json:"key,omitempty"`
	// Due is when the job should run, in UTC.
	Due         time.Time       `json:"due"`
	Payload     json.RawMessage `json:"payload,omitempty"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	State       State           `json:"state"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
}

// Handler runs a due job inside the write transaction that completes it: its writes and the job's
// completion commit together, or, when it returns an error, neither does. A handler does no
// network or file I/O and returns quickly (it holds the store's only writer); external effects go
// through the outbox.
type Handler func(ctx context.Context, tx *storage.Tx, job *Job) error

// jobs keeps every job under account 0 so that one due-time index spans all accounts; the
// owning account is the Account field, made part of the other index keys.
var jobs = storage.NewCollection(storage.Def[Job]{
	Name:    "jobs",
	ID:      func(j *Job) *uint64 { return &j.ID },
	Account: func(*Job) uint64 { return 0 },
	Indexes: []storage.Index[Job]{
		{Name: "due", Keys: func(j *Job) [][]byte {
			if j.State != StatePending {
				return nil
			}
			return [][]byte{storage.Time(j.Due)}
		}},
		{Name: "key", Unique: true, Keys: func(j *Job) [][]byte {
			if j.Key == "" {
				return nil
			}
			return [][]byte{storage.Key(storage.Uint(j.Account), storage.Str(j.Key))}
		}},
		{Name: "failed", Keys: func(j *Job) [][]byte {
			if j.State != StateFailed {
				return nil
			}
			return [][]byte{storage.Key(storage.Uint(j.Account), storage.Time(j.CreatedAt))}
		}},
	},
})

// Options tunes a Scheduler. The zero value is the production setting.
type Options struct {
	// Logger receives job failures and cron runs (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
	// RetryMin and RetryMax bound the delay before a failed job runs again: RetryMin doubled per
	// attempt, capped at RetryMax (defaults 30s and 1h).
	RetryMin, RetryMax time.Duration
}

// maxSleep caps the runner's sleep. Go timers follow the monotonic clock, which stops while a
// laptop is suspended; waking every minute keeps a desktop install's reminders at most a minute
// late after resume, and picks up jobs written without Schedule (a restore).
const maxSleep = time.Minute

// Scheduler is the job runner and the cron of one store.
type Scheduler struct {
	db   *storage.DB
	opts Options
	log  *slog.Logger
	cron *cron.Cron

	mu       sync.Mutex
	handlers map[string]Handler
	sleeping bool      // the runner is waiting; wake it only for a job due before sleepEnd
	sleepEnd time.Time // zero while sleeping means "until woken"
	wake     chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc
	done     chan struct{}
}

// New builds a scheduler over the store. Register handlers, then Start it.
func New(db *storage.DB, opts Options) *Scheduler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = 30 * time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = time.Hour
	}
	return &Scheduler{
		db: db, opts: opts, log: opts.Logger,
		cron:     cron.New(cron.WithLocation(time.Local)),
		handlers: map[string]Handler{},
		wake:     make(chan struct{}, 1),
	}
}

func (s *Scheduler) now() time.Time { return s.opts.Now().UTC() }

// Handle registers the handler of a job kind. Register every kind before Start: a due job of an
// unknown kind is marked failed.
func (s *Scheduler) Handle(kind string, h Handler) {
	if kind == "" || h == nil {
		panic("scheduler: Handle needs a kind and a handler")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.handlers[kind]; dup {
		panic("scheduler: duplicate handler for " + kind)
	}
	s.handlers[kind] = h
}

// Schedule stores a job in the caller's transaction, so the job exists if and only if the
// caller's other writes commit. A zero Due means "as soon as possible". A job with the same
// account and Key (pending or failed) is replaced: scheduling again is how callers reschedule.
func (s *Scheduler) Schedule(tx *storage.Tx, j Job) (*Job, error) {
	var v apperr.Fields
	if strings.TrimSpace(j.Kind) == "" {
		v.Add("kind", "is required")
	}
	if j.MaxAttempts < 0 {
		v.Add("max_attempts", "must not be negative")
	}
	if len(j.Payload) > 0 && !json.Valid(j.Payload) {
		v.Add("payload", "is not valid JSON")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	if j.Due.IsZero() {
		j.Due = now
	}
	j.ID, j.Due, j.CreatedAt = 0, j.Due.UTC(), now
	j.State, j.Attempts, j.LastError = StatePending, 0, ""
	if j.MaxAttempts == 0 {
		j.MaxAttempts = DefaultMaxAttempts
	}
	if j.Key != "" {
		if err := deleteByKey(tx, j.Account, j.Key); err != nil {
			return nil, err
		}
	}
	if err := jobs.Put(tx, &j); err != nil {
		return nil, fmt.Errorf("scheduler: schedule %s: %w", j.Kind, err)
	}
	due := j.Due
	tx.OnCommit(func() { s.wakeFor(due) })
	return &j, nil
}

// Cancel deletes the account's job with that key. Cancelling a job that is not there (already
// fired, never scheduled) is not an error: either way no such job is left.
func (s *Scheduler) Cancel(tx *storage.Tx, account uint64, key string) error {
	if key == "" {
		return apperr.Field("key", "is required")
	}
	return deleteByKey(tx, account, key)
}

func deleteByKey(tx *storage.Tx, account uint64, key string) error {
	old, err := jobs.GetBy(tx, 0, "key", storage.Key(storage.Uint(account), storage.Str(key)))
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("scheduler: find job %q: %w", key, err)
	}
	if err := jobs.Delete(tx, 0, old.ID); err != nil {
		return fmt.Errorf("scheduler: delete job %q: %w", key, err)
	}
	return nil
}

// Get returns the account's job with that key (NotFound when there is none).
func (s *Scheduler) Get(tx *storage.Tx, account uint64, key string) (*Job, error) {
	j, err := jobs.GetBy(tx, 0, "key", storage.Key(storage.Uint(account), storage.Str(key)))
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.NotFoundf("job %q not found", key)
	}
	return j, err
}

// Failed lists the account's jobs that gave up, oldest first, for the operator to see and retry.
func (s *Scheduler) Failed(tx *storage.Tx, account uint64) ([]Job, error) {
	page, err := jobs.Scan(tx, 0, storage.Query{Index: "failed", Prefix: storage.Uint(account)})
	if err != nil {
		return nil, fmt.Errorf("scheduler: list failed jobs: %w", err)
	}
	return page.Items, nil
}

// Status is the job queue's health.
type Status struct {
	Pending int `json:"pending"`
	Failed  int `json:"failed"`
	// NextDue is the due time of the earliest pending job (zero when none).
	NextDue time.Time `json:"next_due,omitzero"`
}

// Status counts pending and failed jobs and finds the next due time.
func (s *Scheduler) Status() (Status, error) {
	var st Status
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		if st.Pending, err = jobs.Count(tx, 0, storage.Query{Index: "due"}); err != nil {
			return err
		}
		if st.Failed, err = jobs.Count(tx, 0, storage.Query{Index: "failed"}); err != nil {
			return err
		}
		next, err := nextDue(tx)
		if next != nil {
			st.NextDue = next.Due
		}
		return err
	})
	if err != nil {
		return st, fmt.Errorf("scheduler: status: %w", err)
	}
	return st, nil
}

func nextDue(tx *storage.Tx) (*Job, error) {
	ids, err := jobs.IDs(tx, 0, storage.Query{Index: "due", Limit: 1})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return jobs.Get(tx, 0, ids[0])
}

// Start launches the job runner and the cron. Stop ends both.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		return errors.New("scheduler: already started")
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.run(s.ctx)
	}()
	s.cron.Start()
	return nil
}

// Stop cancels the runner and the cron and waits for a running job or cron task to finish.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
	<-s.cron.Stop().Done()
}

// wakeFor interrupts the runner's sleep when a job is due before the sleep would end. While the
// runner is awake a token is left instead, so a job committed during its scan is not missed.
func (s *Scheduler) wakeFor(due time.Time) {
	s.mu.Lock()
	need := !s.sleeping || s.sleepEnd.IsZero() || due.Before(s.sleepEnd)
	s.mu.Unlock()
	if need {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// run is the runner loop: fire everything due, then sleep until the next due job, a wake-up or
// maxSleep, whichever comes first.
func (s *Scheduler) run(ctx context.Context) {
	for ctx.Err() == nil {
		s.mu.Lock()
		s.sleeping = false
		s.mu.Unlock()

		next, err := s.fireDue(ctx)
		if err != nil {
			s.log.Error("scheduler: run due jobs", "err", err)
			next = s.now().Add(time.Second) // the store is in trouble; try again shortly
		}
		if ctx.Err() != nil {
			return
		}
		wait := maxSleep
		if !next.IsZero() {
			wait = min(maxSleep, max(0, next.Sub(s.now())))
		}
		if wait == 0 {
			continue
		}
		s.mu.Lock()
		s.sleeping, s.sleepEnd = true, next
		s.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// fireDue runs every job due now, oldest first, and returns the due time of the next pending job
// (zero when there is none).
func (s *Scheduler) fireDue(ctx context.Context) (time.Time, error) {
	for ctx.Err() == nil {
		now := s.now()
		var due []uint64
		var next time.Time
		err := s.db.View(func(tx *storage.Tx) error {
			var err error
			due, err = jobs.IDs(tx, 0, storage.Query{Index: "due", To: storage.Time(now.Add(1)), Limit: 100})
			if err != nil || len(due) > 0 {
				return err
			}
			j, err := nextDue(tx)
			if j != nil {
				next = j.Due
			}
			return err
		})
		if err != nil || len(due) == 0 {
			return next, err
		}
		for _, id := range due {
			if ctx.Err() != nil {
				break
			}
			if err := s.fire(ctx, id, now); err != nil {
				return time.Time{}, err
			}
		}
	}
	return time.Time{}, nil
}

// errHandler carries a handler's failure out of the transaction it rolled back.
type errHandler struct{ err error }

func (e errHandler) Error() string { return e.err.Error() }

// fire claims, runs and completes one job in a single write transaction. On a handler error that
// transaction rolls back and a second one records the attempt.
func (s *Scheduler) fire(ctx context.Context, id uint64, now time.Time) error {
	var job Job
	err := s.db.Update(func(tx *storage.Tx) error {
		j, err := jobs.Get(tx, 0, id)
		if apperr.Is(err, apperr.NotFound) {
			return nil // cancelled or replaced since the scan
		}
		if err != nil {
			return err
		}
		if j.State != StatePending || j.Due.After(now) {
			return nil // rescheduled since the scan
		}
		job = *j
		s.mu.Lock()
		h := s.handlers[j.Kind]
		s.mu.Unlock()
		if h == nil {
			j.State, j.Attempts = StateFailed, j.Attempts+1
			j.LastError = fmt.Sprintf("no handler for job kind %q", j.Kind)
			s.log.Error("scheduler: job failed", "job", j.ID, "account", j.Account, "kind", j.Kind, "err", j.LastError)
			return jobs.Put(tx, j)
		}
		if err := runHandler(ctx, h, tx, j); err != nil {
			return errHandler{err}
		}
		// The handler may have rescheduled its own key, which replaced this job by a new one.
		if jobs.Exists(tx, 0, id) {
			return jobs.Delete(tx, 0, id)
		}
		return nil
	})
	var failed errHandler
	if !errors.As(err, &failed) {
		if err != nil {
			return fmt.Errorf("scheduler: job %d (%s): %w", id, job.Kind, err)
		}
		return nil
	}
	if ctx.Err() != nil {
		return nil // interrupted by Stop: not the job's fault, it runs again at the next start
	}
	return s.recordFailure(id, failed.err)
}

func runHandler(ctx context.Context, h Handler, tx *storage.Tx, j *Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return h(ctx, tx, j)
}

// recordFailure counts a failed attempt and either moves the job's due time by the backoff or,
// after MaxAttempts, marks it failed for good.
func (s *Scheduler) recordFailure(id uint64, cause error) error {
	return s.db.Update(func(tx *storage.Tx) error {
		j, err := jobs.Get(tx, 0, id)
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("scheduler: record failure of job %d: %w", id, err)
		}
		j.Attempts++
		j.LastError = cause.Error()
		if j.Attempts >= j.MaxAttempts {
			j.State = StateFailed
			s.log.Error("scheduler: job gave up", "job", j.ID, "account", j.Account, "kind", j.Kind, "attempts", j.Attempts, "err", cause)
		} else {
			j.Due = s.now().Add(s.backoff(j.Attempts))
			s.log.Warn("scheduler: job failed, will retry", "job", j.ID, "account", j.Account, "kind", j.Kind, "attempts", j.Attempts, "retry_at", j.Due, "err", cause)
		}
		if err := jobs.Put(tx, j); err != nil {
			return fmt.Errorf("scheduler: record failure of job %d: %w", id, err)
		}
		return nil
	})
}

// backoff is RetryMin doubled per attempt already made, capped at RetryMax.
func (s *Scheduler) backoff(attempts int) time.Duration {
	d := s.opts.RetryMin
	for i := 1; i < attempts && d < s.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.opts.RetryMax)
}

// Cron runs fn on a fixed schedule in the server's local time zone: a standard 5-field spec
// ("0 3 * * *") or a descriptor ("@daily", "@every 10m"). A run that is still going when the next
// one is due is skipped rather than stacked, and a panic is logged instead of ending the program.
// fn receives the context given to Start, cancelled by Stop.
func (s *Scheduler) Cron(spec, name string, fn func(ctx context.Context)) error {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return apperr.Field("schedule", fmt.Sprintf("%q is not a cron schedule: %v", spec, err))
	}
	var running atomic.Bool
	s.cron.Schedule(sched, cron.FuncJob(func() {
		if !running.CompareAndSwap(false, true) {
			s.log.Warn("scheduler: cron task still running, skipped", "task", name)
			return
		}
		defer running.Store(false)
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("scheduler: cron task panicked", "task", name, "panic", p, "stack", string(debug.Stack()))
			}
		}()
		s.mu.Lock()
		ctx := s.ctx
		s.mu.Unlock()
		if ctx == nil || ctx.Err() != nil {
			return
		}
		start := time.Now()
		fn(ctx)
		s.log.Info("scheduler: cron task done", "task", name, "took", time.Since(start))
	}))
	return nil
}

// NextLocal is the next time after `after` at which a cron spec fires when read in an IANA time
// zone (an account's), returned in UTC. "0 9 * * 1-5" in America/Sao_Paulo is 12:00 UTC; across a
// daylight-saving change the UTC instant moves so that the local time stays 09:00. Around the
// change itself it follows robfig/cron: a local time that does not exist that day (01:30 when
// Lisbon jumps from 01:00 to 02:00) is skipped until the next match, and one that happens twice
// (01:30 when Lisbon falls back) matches both times. An empty zone means UTC.
func NextLocal(spec, zone string, after time.Time) (time.Time, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, apperr.Field("time_zone", fmt.Sprintf("%q is not a known time zone", zone))
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return time.Time{}, apperr.Field("schedule", fmt.Sprintf("%q is not a cron schedule: %v", spec, err))
	}
	next := sched.Next(after.In(loc))
	if next.IsZero() {
		return time.Time{}, apperr.Field("schedule", fmt.Sprintf("%q never fires", spec))
	}
	return next.UTC(), nil
}
