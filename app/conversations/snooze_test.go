package conversations

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// TestSnoozeWakesAtItsTime: a conversation snoozed until a time opens again then, with an
// activity line in the account's language and a status event; snoozing again to another time
// moves the wake-up, and reopening by hand cancels it.
func TestSnoozeWakesAtItsTime(t *testing.T) {
	start := time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC)
	f := h3New(t, start, "America/Sao_Paulo", "pt-BR", nil)
	c := f.start("oi")
	first, second := start.Add(2*time.Hour), start.Add(5*time.Hour)
	f.status(c, Snoozed, &first)
	f.status(c, Snoozed, &second) // snoozed again, later
	if j := f.pendingJob(snoozeKey(c.ID)); j == nil || !j.Due.Equal(second) {
		t.Fatalf("wake-up job: %+v", j)
	}
	f.advance(start.Add(3 * time.Hour))
	if got := f.conv(c); got.Status != Snoozed {
		t.Fatalf("woke at the first time: %s", got.Status)
	}
	f.advance(start.Add(5*time.Hour + time.Minute))
	got := f.conv(c)
	if got.Status != Open || got.SnoozedUntil != nil {
		t.Fatalf("after the snooze: %s %v", got.Status, got.SnoozedUntil)
	}
	msgs := f.messages(c)
	last := msgs[len(msgs)-1]
	if last.Type != Activity || last.Content != "Conversa reaberta (fim da soneca)" {
		t.Fatalf("activity line: %+v", last)
	}
	evs := f.events(EventConversationStatusChanged)
	if len(evs) != 1 {
		t.Fatalf("%d status events", len(evs))
	}
	var d EventData
	json.Unmarshal(evs[0].Data, &d)
	if d.PreviousStatus != Snoozed || d.Conversation.Status != Open || d.Conversation.ID != c.ID {
		t.Fatalf("status event: %+v", d)
	}

	// Reopened by hand before the time: no job is left, nothing happens later.
	until := start.Add(8 * time.Hour)
	f.clock.Set(start.Add(6 * time.Hour))
	f.status(c, Snoozed, &until)
	f.status(c, Open, nil)
	if j := f.pendingJob(snoozeKey(c.ID)); j != nil {
		t.Fatalf("wake-up survives reopening: %+v", j)
	}
	// A stale wake-up for another snooze (written directly, as if left by an older version)
	// leaves a conversation snoozed to a different time alone.
	later := start.Add(20 * time.Hour)
	f.status(c, Snoozed, &later)
	f.update(func(tx *storage.Tx) error {
		payload, _ := json.Marshal(wakeJob{ConversationID: c.ID, Until: until})
		_, err := f.s.Jobs.Schedule(tx, scheduler.Job{Account: c.AccountID, Kind: jobWake, Key: "stale", Due: until, Payload: payload})
		return err
	})
	f.advance(start.Add(9 * time.Hour))
	if got := f.conv(c); got.Status != Snoozed || !got.SnoozedUntil.Equal(later) {
		t.Fatalf("a stale wake-up reopened it: %s %v", got.Status, got.SnoozedUntil)
	}
}

// TestContactWakesSnoozedConversation: a conversation snoozed until the next reply opens when
// the contact writes.
func TestContactWakesSnoozedConversation(t *testing.T) {
	f := h3New(t, time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC), "UTC", "en", nil)
	c := f.start("hi")
	f.status(c, Snoozed, nil)
	if got := f.incoming(c, "me again"); got.Status != Open {
		t.Fatalf("status after the contact wrote: %s", got.Status)
	}
	if n := len(f.events(EventConversationStatusChanged)); n != 1 {
		t.Fatalf("%d status events", n)
	}
}
