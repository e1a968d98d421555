//go:build unix

package webhooks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/events"
	"github.com/parleyhq/parley/internal/crashtest"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

// Environment of the crashing child: its data dir.
const crashDirEnv = "PARLEY_WEBHOOKS_CRASH_DIR"

// crashContacts caps the contacts (hence deliveries) one child creates, so the final drain is
// bounded.
const crashContacts = 400

// startAll runs the change feed with the webhooks consumer and the delivery worker, as the app
// does.
func startAll(t *testing.T, db *storage.DB) (*Service, func()) {
	svc := New(Deps{DB: db, Conversations: conversations.New(conversations.Deps{DB: db, Logger: quiet}), Logger: quiet})
	d := events.New(db, events.Options{Logger: quiet, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	d.Register(events.Consumer{Name: "webhooks", Handle: svc.Handle, BatchSize: 200})
	ctx, cancel := context.WithCancel(context.Background())
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return svc, func() { cancel(); d.Stop(); svc.Stop() }
}

// TestCrashHelperProcess is the child of TestCrashDeliversEveryCommittedDelivery: it creates
// contacts (each emitting contact_created) while the feed turns them into deliveries and the
// worker posts them, until the parent kills it.
func TestCrashHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for the crash test")
	}
	db, err := storage.Open(dir, storage.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	startAll(t, db)
	var acct uint64
	db.View(func(tx *storage.Tx) error {
		return accounts.Accounts.Each(tx, 0, storage.Query{Limit: 1}, func(a *accounts.Account) bool { acct = a.ID; return false })
	})
	for i, n := 0, 0; ; i++ {
		if n < crashContacts {
			err := db.Update(func(tx *storage.Tx) error {
				for k := 0; k < 10; k++ {
					n++
					c := &contacts.Contact{AccountID: acct, Name: fmt.Sprintf("Crash %d-%d", os.Getpid(), n), CreatedAt: time.Now().UTC()}
					if err := contacts.Contacts.Put(tx, c); err != nil {
						return err
					}
					if err := tx.EmitData(storage.Event{Account: acct, Type: contacts.EventContactCreated, Entity: contacts.Contacts.Name(), ID: c.ID}, c); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if i == 0 {
			crashtest.Ready()
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestCrashDeliversEveryCommittedDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	var mu sync.Mutex
	received := map[string]int{} // delivery id → times received
	bodies := map[string]string{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(10 * time.Millisecond) // a receiver that takes its time keeps deliveries queued
		buf := make([]byte, 4096)
		n, _ := r.Body.Read(buf)
		mu.Lock()
		id := r.Header.Get(HeaderDelivery)
		received[id]++
		bodies[id] = string(buf[:n])
		mu.Unlock()
	}))
	defer recv.Close()

	dir := t.TempDir()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(db, auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost}))
	res, err := acc.Setup(context.Background(), accounts.SetupInput{AccountName: "Crash", Name: "Olga", Email: "o@example.com", Password: "correct horse", TimeZone: "UTC", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	url, subs := recv.URL, []string{"contact_created"}
	if _, err := New(Deps{DB: db}).Create(context.Background(), access.Actor{UserID: res.UserID, AccountID: res.AccountID, Role: access.Administrator}, WebhookInput{URL: &url, Subscriptions: &subs}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	unsent := 0 // deliveries (or events not yet turned into deliveries) a kill left behind
	for round := 1; round <= 3; round++ {
		crashtest.Kill(t, "TestCrashHelperProcess", []string{crashDirEnv + "=" + dir}, 100*time.Millisecond, 200*time.Millisecond)
		storagetest.Verify(t, dir)
		db, err := storage.Open(dir, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		db.View(func(tx *storage.Tx) error {
			n, _ := Deliveries.Count(tx, res.AccountID, storage.Query{Index: "webhook_status", Prefix: storage.Key(storage.Uint(1), storage.Str(Pending))})
			unsent += n + int(tx.OutboxHead()-tx.ConsumerCursor("webhooks"))
			return nil
		})
		db.Close()
	}
	if unsent == 0 {
		t.Fatal("no kill left anything unsent: the test did not exercise a crash between commit and send")
	}

	db = storagetest.Open(t, dir, storage.Options{})
	_, stop := startAll(t, db)
	defer stop()
	// One webhook gets one attempt at a time (a receiver that takes 10 ms each): a few hundred
	// deliveries drain in seconds, with room for a loaded machine.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		done := false
		db.View(func(tx *storage.Tx) error {
			n, _ := queue.Count(tx, 0, storage.Query{Index: "due"})
			done = n == 0 && tx.ConsumerCursor("webhooks") == tx.OutboxHead()
			return nil
		})
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("deliveries did not drain")
		}
		time.Sleep(50 * time.Millisecond)
	}

	var contactIDs []uint64
	var ds []Delivery
	db.View(func(tx *storage.Tx) error {
		contacts.Contacts.Each(tx, res.AccountID, storage.Query{}, func(c *contacts.Contact) bool { contactIDs = append(contactIDs, c.ID); return true })
		return Deliveries.Each(tx, res.AccountID, storage.Query{}, func(d *Delivery) bool { ds = append(ds, *d); return true })
	})
	if len(ds) != len(contactIDs) {
		t.Fatalf("%d committed contacts made %d deliveries: want exactly one each", len(contactIDs), len(ds))
	}
	mu.Lock()
	defer mu.Unlock()
	dups := 0
	for _, d := range ds {
		id := strconv.FormatUint(d.ID, 10)
		if d.Status != Succeeded {
			t.Fatalf("delivery %d is %s", d.ID, d.Status)
		}
		if received[id] == 0 {
			t.Fatalf("delivery %d was committed but never received", d.ID)
		}
		if bodies[id] != d.Body {
			t.Fatalf("delivery %d: received a different body", d.ID)
		}
		dups += received[id] - 1
	}
	if len(received) != len(ds) {
		t.Fatalf("received %d distinct deliveries, %d committed", len(received), len(ds))
	}
	t.Logf("%d contacts, %d deliveries, %d left unsent by the kills, %d re-sent after a crash", len(contactIDs), len(ds), unsent, dups)
}
