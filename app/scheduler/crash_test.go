//go:build unix

package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/crashtest"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

// crashDirEnv tells a re-executed test binary to act as the crashing child, in that data dir.
const crashDirEnv = "PARLEY_SCHEDULER_CRASH_DIR"

// crashJobs caps what one child process schedules, so every round adds jobs and the final
// drain is bounded.
const crashJobs = 800

type crashRecord struct {
	ID      uint64 `json:"id"`
	Account uint64 `json:"account_id"`
	// Scheduled is, on a fired record, the id of the scheduled record whose job fired.
	Scheduled uint64 `json:"scheduled,omitempty"`
}

var (
	crashScheduled = storage.NewCollection(storage.Def[crashRecord]{Name: "crash_scheduled",
		ID: func(v *crashRecord) *uint64 { return &v.ID }, Account: func(v *crashRecord) uint64 { return v.Account }})
	crashFired = storage.NewCollection(storage.Def[crashRecord]{Name: "crash_fired",
		ID: func(v *crashRecord) *uint64 { return &v.ID }, Account: func(v *crashRecord) uint64 { return v.Account }})
)

// crashScheduler runs the "fire" kind: it writes the fired marker in the job's own transaction
// and fails now and then, so retries also straddle the crashes.
func crashScheduler(db *storage.DB) *Scheduler {
	s := New(db, Options{Logger: quiet, RetryMin: time.Millisecond, RetryMax: 20 * time.Millisecond})
	s.Handle("fire", func(_ context.Context, tx *storage.Tx, j *Job) error {
		var scheduled uint64
		if err := json.Unmarshal(j.Payload, &scheduled); err != nil {
			return err
		}
		if err := crashFired.Put(tx, &crashRecord{Account: j.Account, Scheduled: scheduled}); err != nil {
			return err
		}
		if rand.IntN(10) == 0 {
			return errors.New("transient failure after writing")
		}
		return nil
	})
	return s
}

// TestCrashHelperProcess is the child of TestCrashFiresEveryJobExactlyOnce: it schedules jobs
// spread over the next two seconds while the runner fires them, until the parent kills it.
func TestCrashHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for the crash test")
	}
	db, err := storage.Open(dir, storage.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := crashScheduler(db)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, n := 0, 0; ; i++ {
		full := n >= crashJobs
		err := db.Update(func(tx *storage.Tx) error {
			if full {
				return nil
			}
			for k := rand.IntN(8); k >= 0; k-- {
				n++
				rec := &crashRecord{}
				if err := crashScheduled.Put(tx, rec); err != nil {
					return err
				}
				due := time.Now().Add(time.Duration(rand.IntN(2200)-200) * time.Millisecond)
				_, err := s.Schedule(tx, Job{Account: 1 + rec.ID%4, Kind: "fire", Key: fmt.Sprint("s", rec.ID),
					Due: due, Payload: json.RawMessage(fmt.Sprint(rec.ID)), MaxAttempts: 1000})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			crashtest.Ready()
		}
		if full {
			select {} // keep firing until killed
		}
	}
}

func TestCrashFiresEveryJobExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	dir := t.TempDir()
	const rounds = 5
	for round := 1; round <= rounds; round++ {
		killChild(t, round, dir)
		storagetest.Verify(t, dir)
	}

	db := openDB(t, dir)
	s := crashScheduler(db)
	before := status(t, s)
	start(t, s)
	eventually(t, "the queue to drain", func() bool { return status(t, s).Pending == 0 })
	s.Stop()

	scheduled := map[uint64]bool{}
	fired := map[uint64]int{}
	db.View(func(tx *storage.Tx) error {
		crashScheduled.EachAccount(tx, func(_ uint64, v *crashRecord) error { scheduled[v.ID] = true; return nil })
		return crashFired.EachAccount(tx, func(_ uint64, v *crashRecord) error { fired[v.Scheduled]++; return nil })
	})
	if len(scheduled) < rounds {
		t.Fatalf("the child scheduled only %d jobs", len(scheduled))
	}
	t.Logf("%d jobs scheduled over %d crashes, %d still pending at the last restart", len(scheduled), rounds, before.Pending)
	for id := range scheduled {
		if fired[id] != 1 {
			t.Errorf("job of record %d fired %d times", id, fired[id])
		}
	}
	for id := range fired {
		if !scheduled[id] {
			t.Errorf("a job fired for record %d, which was never committed", id)
		}
	}
	if st := status(t, s); st.Failed != 0 || st.Pending != 0 {
		t.Errorf("status after drain: %+v", st)
	}
}

// killChild runs the helper process on dir and SIGKILLs it at a random moment after its first
// commit.
func killChild(t *testing.T, round int, dir string) {
	t.Helper()
	crashtest.Kill(t, "TestCrashHelperProcess", []string{crashDirEnv + "=" + dir}, 100*time.Millisecond, 600*time.Millisecond)
}
