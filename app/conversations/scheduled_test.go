package conversations

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// TestScheduledMessageSentOnceAcrossRestart: a message scheduled before the program stops is
// sent once after it starts again past the due time, as the author, and marked sent.
func TestScheduledMessageSentOnceAcrossRestart(t *testing.T) {
	start := time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC)
	f := h3New(t, start, "UTC", "en", nil)
	ctx := context.Background()
	c := f.start("can you send me the invoice tomorrow?")
	sendAt := start.Add(20 * time.Hour)
	sm, err := f.s.ScheduleMessage(ctx, f.agent, c.DisplayID, ScheduleInput{Content: ptr("Here is your invoice"), SendAt: &sendAt})
	if err != nil || sm.Status != ScheduledPending || sm.AuthorID != f.agent.UserID || sm.ConversationID != c.ID {
		t.Fatalf("scheduled: %+v %v", sm, err)
	}
	f.advance(start.Add(19 * time.Hour))
	outgoing := func() []Message {
		var out []Message
		for _, m := range f.messages(c) {
			if m.Type == Outgoing {
				out = append(out, m)
			}
		}
		return out
	}
	if n := len(outgoing()); n != 0 {
		t.Fatalf("sent early: %d", n)
	}

	f.restart()
	f.clock.Set(start.Add(21 * time.Hour))
	f.advance(start.Add(21 * time.Hour))
	f.restart()
	f.advance(start.Add(30 * time.Hour))

	out := outgoing()
	if len(out) != 1 {
		t.Fatalf("%d messages sent, want exactly 1", len(out))
	}
	m := out[0]
	if m.Content != "Here is your invoice" || m.SenderType != SenderUser || m.SenderID != f.agent.UserID || m.Private || m.Status != StatusSending {
		t.Fatalf("sent message: %+v", m)
	}
	list, err := f.s.ListScheduled(ctx, f.agent, c.DisplayID)
	if err != nil || len(list) != 1 || list[0].Status != ScheduledSent || list[0].MessageID != m.ID {
		t.Fatalf("scheduled after sending: %+v %v", list, err)
	}
	if got := f.conv(c); got.FirstReplyAt == nil || got.WaitingSince != nil {
		t.Fatalf("the scheduled reply did not answer the contact: %+v", got)
	}
	if _, err := f.s.CancelScheduled(ctx, f.agent, c.DisplayID, sm.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("cancel a sent message: %v", err)
	}
}

// TestScheduledMessageRules: validation by field, visibility, editing moves the send time,
// cancelling stops it, and a conversation deleted meanwhile marks the message failed.
func TestScheduledMessageRules(t *testing.T) {
	start := time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC)
	f := h3New(t, start, "UTC", "en", nil)
	ctx := context.Background()
	c := f.start("hi")
	past, soon, later := start.Add(-time.Minute), start.Add(time.Hour), start.Add(3*time.Hour)
	if _, err := f.s.ScheduleMessage(ctx, f.agent, c.DisplayID, ScheduleInput{Content: ptr("x"), SendAt: &past}); fieldOf(err, "send_at") == "" {
		t.Fatalf("past send_at: %v", err)
	}
	if _, err := f.s.ScheduleMessage(ctx, f.agent, c.DisplayID, ScheduleInput{Content: ptr("  "), SendAt: &soon}); fieldOf(err, "content") == "" {
		t.Fatalf("empty content: %v", err)
	}
	if _, err := f.s.ScheduleMessage(ctx, f.agent, c.DisplayID, ScheduleInput{Content: ptr("x")}); fieldOf(err, "send_at") == "" {
		t.Fatalf("no send_at: %v", err)
	}
	if _, err := f.s.ScheduleMessage(ctx, f.other, c.DisplayID, ScheduleInput{Content: ptr("x"), SendAt: &soon}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("agent outside the inbox: %v", err)
	}
	note, err := f.s.ScheduleMessage(ctx, f.agent, c.DisplayID, ScheduleInput{Content: ptr("remember to check"), Private: ptr(true), SendAt: &soon})
	if err != nil {
		t.Fatal(err)
	}
	moved, err := f.s.UpdateScheduled(ctx, f.agent, c.DisplayID, note.ID, ScheduleInput{SendAt: &later, Content: ptr("remember to check the order")})
	if err != nil || !moved.SendAt.Equal(later) || !moved.Private {
		t.Fatalf("update: %+v %v", moved, err)
	}
	if j := f.pendingJob(scheduledKey(note.ID)); j == nil || !j.Due.Equal(later) {
		t.Fatalf("job after the update: %+v", j)
	}
	dropped, err := f.s.ScheduleMessage(ctx, f.agent, c.DisplayID, ScheduleInput{Content: ptr("never mind"), SendAt: &soon})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.s.CancelScheduled(ctx, f.agent, c.DisplayID, dropped.ID); err != nil || got.Status != ScheduledCancelled {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if _, err := f.s.UpdateScheduled(ctx, f.agent, c.DisplayID, dropped.ID, ScheduleInput{Content: ptr("again")}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("update a cancelled message: %v", err)
	}
	c2 := f.start("other conversation")
	if _, err := f.s.CancelScheduled(ctx, f.agent, c2.DisplayID, note.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("cancel through another conversation: %v", err)
	}
	doomed, err := f.s.ScheduleMessage(ctx, f.agent, c2.DisplayID, ScheduleInput{Content: ptr("to a gone conversation"), SendAt: &soon})
	if err != nil {
		t.Fatal(err)
	}
	f.update(func(tx *storage.Tx) error { return Conversations.Delete(tx, c2.AccountID, c2.ID) })

	f.advance(start.Add(4 * time.Hour))
	var notes, sent int
	for _, m := range f.messages(c) {
		if m.Type == Outgoing && m.Private && m.Content == "remember to check the order" {
			notes++
		}
		if m.Content == "never mind" {
			sent++
		}
	}
	if notes != 1 || sent != 0 {
		t.Fatalf("notes sent %d, cancelled sent %d", notes, sent)
	}
	if got := f.conv(c); got.FirstReplyAt != nil {
		t.Fatal("a private note answered the contact")
	}
	f.db.View(func(tx *storage.Tx) error {
		m, err := ScheduledMessages.Get(tx, f.acct.ID, doomed.ID)
		if err != nil || m.Status != ScheduledFailed || m.Error == "" {
			t.Errorf("message of a deleted conversation: %+v %v", m, err)
		}
		return nil
	})
	if n := len(f.events(EventScheduledMessageChanged)); n != 6 {
		t.Fatalf("%d scheduled_message_changed events, want 6 (the failure has no conversation to tell)", n)
	}
}
