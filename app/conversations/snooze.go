package conversations

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// jobWake reopens a conversation snoozed until a given time.
const jobWake = "conversation.wake"

func snoozeKey(convID uint64) string { return fmt.Sprintf("snooze:%d", convID) }

// wakeJob is the wake-up's payload: the snooze it ends, so that a conversation snoozed again
// (to another time) or reopened meanwhile is left alone.
type wakeJob struct {
	ConversationID uint64    `json:"conversation_id"`
	Until          time.Time `json:"until"`
}

// snoozeOnStatus keeps the wake-up job in step with the status: snoozing until a time schedules
// it (replacing an earlier one), anything else cancels it.
func (s *Service) snoozeOnStatus(tx *storage.Tx, c *Conversation) error {
	if s.Jobs == nil || c.ID == 0 {
		return nil
	}
	if c.Status != Snoozed || c.SnoozedUntil == nil {
		return s.Jobs.Cancel(tx, c.AccountID, snoozeKey(c.ID))
	}
	payload, err := json.Marshal(wakeJob{ConversationID: c.ID, Until: c.SnoozedUntil.UTC()})
	if err != nil {
		return err
	}
	_, err = s.Jobs.Schedule(tx, scheduler.Job{Account: c.AccountID, Kind: jobWake, Key: snoozeKey(c.ID), Due: *c.SnoozedUntil, Payload: payload})
	return err
}

// runWake reopens the conversation when its snooze ends, if it is still the same snooze.
func (s *Service) runWake(ctx context.Context, tx *storage.Tx, j *scheduler.Job) error {
	var p wakeJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("conversations: wake job payload: %w", err)
	}
	c, err := Conversations.Get(tx, j.Account, p.ConversationID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.Status != Snoozed || c.SnoozedUntil == nil || !c.SnoozedUntil.Equal(p.Until) {
		return nil
	}
	acct, in, err := loadContext(tx, c)
	if err != nil {
		return err
	}
	return s.reopen(tx, acct, in, c, lang(acct, "Conversation reopened (snooze ended)", "Conversa reaberta (fim da soneca)"))
}

// reopen moves a snoozed conversation back to open, writes the activity line (when given) and
// tells everyone.
func (s *Service) reopen(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation, line string) error {
	old := c.Status
	c.Status, c.SnoozedUntil = Open, nil
	if err := s.putConversation(tx, c); err != nil {
		return err
	}
	if line != "" {
		if err := s.appendMessage(tx, c, &Message{Type: Activity, Content: line}, 0); err != nil {
			return err
		}
	}
	if err := emit(tx, c, EventConversationStatusChanged, 0, EventData{PreviousStatus: old}); err != nil {
		return err
	}
	return s.afterStatus(tx, acct, in, c, old)
}

// wakeOnIncoming reopens a snoozed conversation when the contact writes: "snoozed until the next
// reply" ends here, and a timed snooze ends early.
func (s *Service) wakeOnIncoming(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation) error {
	if c.Status != Snoozed {
		return nil
	}
	return s.reopen(tx, acct, in, c, "")
}
