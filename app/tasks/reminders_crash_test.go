//go:build unix

package tasks

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/mail"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/internal/crashtest"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

// reminderCrashEnv tells a re-executed test binary to act as the crashing child, in that dir.
const reminderCrashEnv = "PARLEY_TASK_REMINDER_CRASH_DIR"

// reminderCrashTasks caps what one child creates, so the final drain is bounded.
const reminderCrashTasks = 150

// crashGone records, in the same transaction as the deletion, a reminder the child deleted
// before it fired (its task id): nobody may ever be reminded of it.
type crashGone struct {
	ID      uint64 `json:"id"`
	Account uint64 `json:"account_id"`
	TaskID  uint64 `json:"task_id"`
}

var crashGoneReminders = storage.NewCollection(storage.Def[crashGone]{Name: "test_crash_gone_reminders",
	ID: func(v *crashGone) *uint64 { return &v.ID }, Account: func(v *crashGone) uint64 { return v.Account }})

// crashService is the tasks service with a started scheduler that retries quickly.
func crashService(t *testing.T, db *storage.DB) (*Service, *scheduler.Scheduler) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	jobs := scheduler.New(db, scheduler.Options{Logger: quiet, RetryMin: time.Millisecond, RetryMax: 20 * time.Millisecond})
	s := New(Deps{DB: db, Jobs: jobs, Logger: quiet})
	if err := jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, jobs
}

// TestReminderCrashHelperProcess is the child of TestReminderExactlyOnceAcrossKills: it creates
// tasks, each with one reminder due over the next two seconds (app, sometimes email; to the
// creator, a chosen user or the two assignees), deletes a few before they fire, while the
// scheduler fires the rest, until the parent kills it.
func TestReminderCrashHelperProcess(t *testing.T) {
	dir := os.Getenv(reminderCrashEnv)
	if dir == "" {
		t.Skip("helper process for the reminder crash test")
	}
	db, err := storage.Open(dir, storage.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := crashService(t, db)
	actor := access.Actor{UserID: 1, AccountID: 1, Role: access.Administrator}
	ctx := context.Background()
	targets := []string{TargetMe, TargetUser, TargetAssignees}
	var mine []uint64
	for i := 0; ; i++ {
		n := 0
		db.View(func(tx *storage.Tx) error { n = Tasks.Len(tx, 1); return nil })
		if n >= reminderCrashTasks {
			if i == 0 {
				crashtest.Ready()
			}
			select {} // keep firing until killed
		}
		task := &Task{Title: "crash " + strconv.Itoa(n), AssigneeIDs: []uint64{2, 3}, CreatorID: 1}
		if err := db.Update(func(tx *storage.Tx) error { return s.insertTx(tx, actor, task) }); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(time.Duration(50+rand.IntN(2000)) * time.Millisecond).UTC().Format(time.RFC3339Nano)
		in := TaskReminderInput{At: &at, App: ptr(true), Email: ptr(rand.IntN(2) == 0), Target: ptr(targets[rand.IntN(3)]), UserID: ptr(uint64(2))}
		r, err := s.CreateReminder(ctx, actor, task.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, r.ID)
		if i == 0 {
			crashtest.Ready()
		}
		if rand.IntN(8) == 0 { // delete a recent reminder if it has not fired yet
			id := mine[rand.IntN(len(mine))]
			err := db.Update(func(tx *storage.Tx) error {
				r, err := Reminders.Get(tx, 1, id)
				if err != nil || r.FiredAt != nil {
					return nil
				}
				if err := s.deleteReminderTx(tx, r); err != nil {
					return err
				}
				return crashGoneReminders.Put(tx, &crashGone{Account: 1, TaskID: r.TaskID})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Duration(rand.IntN(15)) * time.Millisecond)
	}
}

func TestReminderExactlyOnceAcrossKills(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	dir := t.TempDir()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *storage.Tx) error {
		if err := accounts.Accounts.Put(tx, &accounts.Account{Name: "Loja", TimeZone: "America/Sao_Paulo", Language: "pt-BR"}); err != nil {
			return err
		}
		for _, uid := range []uint64{1, 2, 3} {
			if err := accounts.Members.Put(tx, &accounts.Member{AccountID: 1, UserID: uid, Role: access.Agent}); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	const rounds = 6
	for range rounds {
		crashtest.Kill(t, "TestReminderCrashHelperProcess", []string{reminderCrashEnv + "=" + dir}, 150*time.Millisecond, 700*time.Millisecond)
		storagetest.Verify(t, dir)
	}

	// A clean run drains whatever is left.
	db, err = storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, jobs := crashService(t, db)
	deadline := time.Now().Add(30 * time.Second)
	for {
		unfired := 0
		db.View(func(tx *storage.Tx) error {
			return Reminders.Each(tx, 1, storage.Query{}, func(r *Reminder) bool {
				if r.FiredAt == nil {
					unfired++
				}
				return true
			})
		})
		if unfired == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d reminders never fired", unfired)
		}
		time.Sleep(20 * time.Millisecond)
	}
	jobs.Stop()

	// Every reminder fired once: one notification per (task — one reminder each —, recipient).
	got := map[string]int{}
	reminders := map[uint64]Reminder{}
	gone := map[uint64]bool{}
	mails := map[string]int{}
	db.View(func(tx *storage.Tx) error {
		mail.Outgoing.Each(tx, 1, storage.Query{}, func(m *mail.Message) bool { mails[m.Key]++; return true })
		notify.Notifications.Each(tx, 1, storage.Query{}, func(n *notify.Notification) bool {
			if n.Type == NotifyReminder {
				got[n.Link+"@"+strconv.FormatUint(n.UserID, 10)]++
			}
			return true
		})
		Reminders.Each(tx, 1, storage.Query{}, func(r *Reminder) bool { reminders[r.TaskID] = *r; return true })
		return crashGoneReminders.Each(tx, 1, storage.Query{}, func(g *crashGone) bool { gone[g.TaskID] = true; return true })
	})
	if len(reminders) < rounds {
		t.Fatalf("the children made only %d reminders", len(reminders))
	}
	want := map[string]int{}
	for taskID, r := range reminders {
		if r.Outcome != OutcomeSent || r.FiredAt == nil {
			t.Errorf("reminder %d: outcome %q", r.ID, r.Outcome)
		}
		var users []uint64
		switch r.Target {
		case TargetMe:
			users = []uint64{1}
		case TargetUser:
			users = []uint64{2}
		case TargetAssignees:
			users = []uint64{2, 3}
		}
		for _, u := range users {
			if key := reminderKey(r.ID) + ":" + strconv.FormatUint(u, 10); r.Email && mails[key] != 1 {
				t.Errorf("email reminder %s queued %d times", key, mails[key])
			}
			want["/tasks/"+strconv.FormatUint(taskID, 10)+"@"+strconv.FormatUint(u, 10)] = 1
		}
	}
	for k, n := range got {
		if want[k] != n {
			t.Errorf("%s: %d notifications, want %d", k, n, want[k])
		}
	}
	for k := range want {
		if got[k] == 0 {
			t.Errorf("%s: never notified", k)
		}
	}
	for taskID := range gone {
		if _, ok := reminders[taskID]; ok {
			t.Errorf("task %d: a deleted reminder is still stored", taskID)
		}
	}
	t.Logf("%d reminders fired exactly once over %d kills; %d deleted before firing sent nothing", len(reminders), rounds, len(gone))
}
