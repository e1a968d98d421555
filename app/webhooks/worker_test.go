package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A receiver that hangs holds up its own deliveries only: the worker makes one attempt per
// target at a time, so the other targets' deliveries keep going out meanwhile.
func TestAHangingReceiverHoldsUpNoOtherTarget(t *testing.T) {
	f := newFixture(t)
	f.svc.Client = &http.Client{} // no timeout: the hang lasts until the test ends it
	release := make(chan struct{})
	var (
		mu                  sync.Mutex
		inFlight, most, got int
	)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		mu.Lock()
		inFlight--
		got++
		mu.Unlock()
	}))
	t.Cleanup(hang.Close)
	released := sync.OnceFunc(func() { close(release) })
	t.Cleanup(released) // runs before hang.Close
	healthy := newReceiver(t)

	ctx := context.Background()
	slow, fine := f.hook(hang.URL, "message_created"), f.hook(healthy.URL, "message_created")
	// More deliveries to the hanging receiver than the worker has slots, all due before the
	// healthy one.
	const queued = Parallel + 2
	for range queued {
		if _, err := f.svc.Test(ctx, f.admin, slow.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Test(ctx, f.admin, fine.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.svc.Stop)

	eventually(t, "the healthy receiver's delivery while the other receiver hangs", func() bool { return len(healthy.got()) == 1 })
	mu.Lock()
	if most != 1 {
		t.Errorf("the hanging receiver had %d attempts at once, want 1", most)
	}
	mu.Unlock()
	released()
	eventually(t, "every delivery recorded as succeeded once the receiver is released", func() bool {
		for _, d := range f.deliveries() {
			if d.Status != Succeeded {
				return false
			}
		}
		return true
	})
	f.svc.Stop()
	mu.Lock()
	defer mu.Unlock()
	if most != 1 || got != queued {
		t.Fatalf("the hanging receiver got %d requests, at most %d at once; want %d, one at a time", got, most, queued)
	}
}

// The worker can be started again after it was stopped (the app restarts it, and so do tests).
func TestStartAfterStop(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t)
	w := f.hook(r.URL, "message_created")
	ctx := context.Background()
	if err := f.svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	f.svc.Stop()
	if err := f.svc.Start(ctx); err != nil {
		t.Fatalf("start after stop: %v", err)
	}
	t.Cleanup(f.svc.Stop)
	if err := f.svc.Start(ctx); err == nil {
		t.Fatal("a second start while running must be refused")
	}
	if _, err := f.svc.Test(ctx, f.admin, w.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the ping from the restarted worker", func() bool { return len(r.got()) == 1 })
}

// An event whose body cannot be built must not stall the feed (the batch would be retried
// forever and every account's webhooks would stop): its deliveries are stored as failed with the
// error in their log, and the rest of the batch goes out.
func TestAnUnbuildableBodyFailsOnlyItsDelivery(t *testing.T) {
	const broken = "test_unbuildable"
	RegisterEvent(Event{Name: broken, Group: "test", DescriptionEN: "broken", Body: func(context.Context, storage.Event) (map[string]any, error) {
		return nil, errors.New("the body cannot be built")
	}})
	t.Cleanup(func() {
		registryMu.Lock()
		delete(registry, broken)
		registryMu.Unlock()
	})
	f := newFixture(t)
	r := newReceiver(t)
	w := f.hook(r.URL, broken, "message_created")
	err := f.db.Update(func(tx *storage.Tx) error {
		return tx.Emit(storage.Event{Account: f.acct, Type: broken, Entity: "test", ID: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	f.incoming("visitor-1", "oi")
	evs := f.pending()
	if err := f.svc.Handle(context.Background(), evs); err != nil {
		t.Fatalf("the batch failed: %v", err)
	}
	// Handed over again (a crash before the cursor moved): nothing new.
	if err := f.svc.Handle(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	var failed *Delivery
	for _, d := range f.deliveries() {
		if d.Event == broken {
			if failed != nil {
				t.Fatal("two deliveries for one event")
			}
			failed = &d
		}
	}
	if failed == nil || failed.Status != Failed || len(failed.Attempts) != 1 || !strings.Contains(failed.Attempts[0].Error, "the body cannot be built") {
		t.Fatalf("the unbuildable event's delivery: %+v", failed)
	}
	if n := f.runDue(); n != 1 {
		t.Fatalf("attempts = %d, want 1 (the message)", n)
	}
	hits := r.got()
	if len(hits) != 1 || hits[0].Header.Get(HeaderEvent) != "message_created" {
		t.Fatalf("the receiver got %d requests", len(hits))
	}
	if _, err := f.svc.Resend(context.Background(), f.admin, Target{WebhookID: w.ID}, failed.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("resending a delivery without a body: %v", err)
	}
}
