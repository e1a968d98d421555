package conversations

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// States of a scheduled message.
const (
	ScheduledPending   = "scheduled"
	ScheduledSent      = "sent"
	ScheduledCancelled = "cancelled"
	ScheduledFailed    = "failed"
)

// jobScheduledSend sends one scheduled message.
const jobScheduledSend = "scheduled_message.send"

// EventScheduledMessageChanged tells the conversation's viewers that its scheduled messages
// changed (scheduled, edited, cancelled, sent or failed).
const EventScheduledMessageChanged = "scheduled_message_changed"

// maxScheduleAhead bounds how far ahead a message may be scheduled.
const maxScheduleAhead = 366 * 24 * time.Hour

// ScheduleInput is a message to send later; on update nil fields are left as they are.
type ScheduleInput struct {
	Content     *string       `json:"content,omitempty"`
	Private     *bool         `json:"private,omitempty"`
	Attachments *[]Attachment `json:"attachments,omitempty"`
	SendAt      *time.Time    `json:"send_at,omitempty"`
}

func scheduledKey(id uint64) string { return fmt.Sprintf("scheduled:%d", id) }

type scheduledJob struct {
	ID uint64 `json:"scheduled_message_id"`
}

func (s *Service) validateScheduled(m *ScheduledMessage, checkTime bool) error {
	var fe apperr.Fields
	m.Content = strings.TrimSpace(m.Content)
	if m.Content == "" && len(m.Attachments) == 0 {
		fe.Add("content", "is required")
	} else if len(m.Content) > 100000 {
		fe.Add("content", "is too long")
	}
	if checkTime {
		now := s.now()
		switch {
		case m.SendAt.IsZero():
			fe.Add("send_at", "is required")
		case !m.SendAt.After(now):
			fe.Add("send_at", "must be in the future")
		case m.SendAt.After(now.Add(maxScheduleAhead)):
			fe.Add("send_at", "must be within a year")
		}
	}
	return fe.Err()
}

// holdAttachments adds (or, with release, drops) the scheduled message's own references to its
// files, so that an upload waiting days to be sent is not swept as unused.
func (s *Service) holdAttachments(tx *storage.Tx, m *ScheduledMessage, release bool) error {
	if s.Blobs == nil {
		return nil
	}
	for _, a := range m.Attachments {
		if a.Hash == "" {
			continue
		}
		var err error
		if release {
			err = s.Blobs.Release(tx, m.AccountID, a.Hash)
		} else {
			err = s.Blobs.AddRef(tx, m.AccountID, a.Hash, a.Size)
		}
		if apperr.Is(err, apperr.NotFound) && !release {
			return apperr.Field("attachments", "refers to a file that was not uploaded")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) scheduledEvent(tx *storage.Tx, c *Conversation, m *ScheduledMessage, actor uint64) error {
	payload := struct {
		EventData
		ScheduledMessage *ScheduledMessage `json:"scheduled_message"`
	}{EventData{Conversation: RefOf(c)}, m}
	return tx.EmitData(storage.Event{Account: c.AccountID, Type: EventScheduledMessageChanged, Entity: ScheduledMessages.Name(), ID: m.ID, Actor: actor}, payload)
}

// writable checks the actor may write in conversation number displayID and returns it.
func (s *Service) writable(ctx context.Context, actor access.Actor, displayID uint64) (*Conversation, error) {
	if err := actor.Require("conversations", access.Manage); err != nil {
		return nil, err
	}
	return s.Visible(ctx, actor, displayID)
}

// ScheduleMessage composes a message now for the scheduler to send at in.SendAt as the actor.
func (s *Service) ScheduleMessage(ctx context.Context, actor access.Actor, displayID uint64, in ScheduleInput) (*ScheduledMessage, error) {
	seen, err := s.writable(ctx, actor, displayID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &ScheduledMessage{AccountID: actor.AccountID, ConversationID: seen.ID, AuthorID: actor.UserID, Status: ScheduledPending, CreatedAt: now, UpdatedAt: now}
	if in.Content != nil {
		m.Content = *in.Content
	}
	if in.Private != nil {
		m.Private = *in.Private
	}
	if in.Attachments != nil {
		m.Attachments = *in.Attachments
	}
	if in.SendAt != nil {
		m.SendAt = in.SendAt.UTC()
	}
	if err := s.validateScheduled(m, true); err != nil {
		return nil, err
	}
	err = s.DB.Update(func(tx *storage.Tx) error {
		c, err := Conversations.Get(tx, actor.AccountID, seen.ID)
		if err != nil {
			return err
		}
		if err := ScheduledMessages.Put(tx, m); err != nil {
			return err
		}
		if err := s.holdAttachments(tx, m, false); err != nil {
			return err
		}
		if err := s.scheduleSend(tx, m); err != nil {
			return err
		}
		return s.scheduledEvent(tx, c, m, actor.UserID)
	})
	return m, err
}

func (s *Service) scheduleSend(tx *storage.Tx, m *ScheduledMessage) error {
	if s.Jobs == nil {
		return apperr.Unavailablef("scheduled messages need the scheduler, which is not running")
	}
	payload, _ := json.Marshal(scheduledJob{ID: m.ID})
	_, err := s.Jobs.Schedule(tx, scheduler.Job{Account: m.AccountID, Kind: jobScheduledSend, Key: scheduledKey(m.ID), Due: m.SendAt, Payload: payload})
	return err
}

// ListScheduled lists conversation number displayID's scheduled messages (every state), oldest
// first.
func (s *Service) ListScheduled(ctx context.Context, actor access.Actor, displayID uint64) ([]ScheduledMessage, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	c, err := s.Visible(ctx, actor, displayID)
	if err != nil {
		return nil, err
	}
	var out []ScheduledMessage
	err = s.DB.View(func(tx *storage.Tx) error {
		page, err := ScheduledMessages.Scan(tx, actor.AccountID, storage.Query{Index: "conversation", Prefix: storage.Uint(c.ID)})
		out = page.Items
		return err
	})
	if out == nil {
		out = []ScheduledMessage{}
	}
	return out, err
}

// changeScheduled loads a pending scheduled message of the conversation and lets fn change it.
func (s *Service) changeScheduled(ctx context.Context, actor access.Actor, displayID, id uint64, fn func(tx *storage.Tx, m *ScheduledMessage) error) (*ScheduledMessage, error) {
	seen, err := s.writable(ctx, actor, displayID)
	if err != nil {
		return nil, err
	}
	var m *ScheduledMessage
	err = s.DB.Update(func(tx *storage.Tx) (err error) {
		if m, err = ScheduledMessages.Get(tx, actor.AccountID, id); err != nil {
			return err
		}
		if m.ConversationID != seen.ID {
			return apperr.NotFoundf("scheduled message %d not found", id)
		}
		if m.Status != ScheduledPending {
			return apperr.Conflictf("this message was already %s", m.Status)
		}
		c, err := Conversations.Get(tx, actor.AccountID, seen.ID)
		if err != nil {
			return err
		}
		if err := fn(tx, m); err != nil {
			return err
		}
		m.UpdatedAt = s.now()
		if err := ScheduledMessages.Put(tx, m); err != nil {
			return err
		}
		return s.scheduledEvent(tx, c, m, actor.UserID)
	})
	return m, err
}

// UpdateScheduled changes a message that is still waiting to be sent.
func (s *Service) UpdateScheduled(ctx context.Context, actor access.Actor, displayID, id uint64, in ScheduleInput) (*ScheduledMessage, error) {
	return s.changeScheduled(ctx, actor, displayID, id, func(tx *storage.Tx, m *ScheduledMessage) error {
		before := *m
		if in.Content != nil {
			m.Content = *in.Content
		}
		if in.Private != nil {
			m.Private = *in.Private
		}
		if in.Attachments != nil {
			m.Attachments = *in.Attachments
		}
		if in.SendAt != nil {
			m.SendAt = in.SendAt.UTC()
		}
		if err := s.validateScheduled(m, in.SendAt != nil); err != nil {
			return err
		}
		// New references first: a file kept across the edit never drops to zero references.
		if err := s.holdAttachments(tx, m, false); err != nil {
			return err
		}
		if err := s.holdAttachments(tx, &before, true); err != nil {
			return err
		}
		return s.scheduleSend(tx, m)
	})
}

// CancelScheduled cancels a message that is still waiting to be sent.
func (s *Service) CancelScheduled(ctx context.Context, actor access.Actor, displayID, id uint64) (*ScheduledMessage, error) {
	return s.changeScheduled(ctx, actor, displayID, id, func(tx *storage.Tx, m *ScheduledMessage) error {
		m.Status = ScheduledCancelled
		if err := s.holdAttachments(tx, m, true); err != nil {
			return err
		}
		if s.Jobs == nil {
			return nil
		}
		return s.Jobs.Cancel(tx, m.AccountID, scheduledKey(m.ID))
	})
}

// runScheduledSend sends a scheduled message in the job's own transaction: the message, the
// "sent" mark and the job's completion commit together, so it is sent exactly once.
func (s *Service) runScheduledSend(ctx context.Context, tx *storage.Tx, j *scheduler.Job) error {
	var p scheduledJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("conversations: scheduled message job payload: %w", err)
	}
	m, err := ScheduledMessages.Get(tx, j.Account, p.ID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil || m.Status != ScheduledPending {
		return err
	}
	m.UpdatedAt = s.now()
	c, err := Conversations.Get(tx, j.Account, m.ConversationID)
	if apperr.Is(err, apperr.NotFound) {
		m.Status, m.Error = ScheduledFailed, "the conversation no longer exists"
		if err := s.holdAttachments(tx, m, true); err != nil {
			return err
		}
		return ScheduledMessages.Put(tx, m)
	}
	if err != nil {
		return err
	}
	msg := &Message{Type: Outgoing, Private: m.Private, Content: m.Content, Attachments: m.Attachments, SenderType: SenderUser, SenderID: m.AuthorID,
		ContentAttributes: map[string]any{"scheduled_message_id": m.ID}}
	if err := s.appendMessage(tx, c, msg, m.AuthorID); err != nil {
		return err
	}
	// The message now holds its own references to the files.
	if err := s.holdAttachments(tx, m, true); err != nil {
		return err
	}
	m.Status, m.MessageID = ScheduledSent, msg.ID
	if err := ScheduledMessages.Put(tx, m); err != nil {
		return err
	}
	if !msg.Private {
		acct, in, err := loadContext(tx, c)
		if err != nil {
			return err
		}
		if err := s.afterReply(tx, acct, in, c, msg); err != nil {
			return err
		}
	}
	return s.scheduledEvent(tx, c, m, m.AuthorID)
}
