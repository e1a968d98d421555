package conversations

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// Automated messages are the ones Parley writes on the business's behalf: the inbox greeting,
// the out-of-office reply and the CSAT survey. They are outgoing messages with no sender (the
// system) and carry ContentAttributes["automated"] naming their kind, so that the UI can mark
// them and no rule mistakes them for an agent's reply (they do not stop the response clocks).
// During the account's do-not-disturb hours they wait for the quiet period to end.

// Kinds of automated messages (ContentAttributes["automated"]).
const (
	AutoGreeting    = "greeting"
	AutoOutOfOffice = "out_of_office"
	AutoCSAT        = "csat"
)

// jobAutomated sends an automated message held back by do-not-disturb.
const jobAutomated = "automated.send"

// oooMarker is the AdditionalAttributes key remembering until when the out-of-office reply of
// the current closed period has been sent (unix seconds of the next opening).
const oooMarker = "out_of_office_until"

// lang picks the account's language for text Parley writes into a conversation (activity lines,
// automated messages): pt-BR accounts read Portuguese, every other account English.
func lang(acct *accounts.Account, en, ptBR string) string {
	if acct != nil && pt(acct.Language) {
		return ptBR
	}
	return en
}

// automated is an automated message to send now or when the quiet period ends; it is also the
// payload of the deferred job.
type automated struct {
	ConversationID uint64         `json:"conversation_id"`
	Kind           string         `json:"kind"`
	Content        string         `json:"content"`
	ContentType    string         `json:"content_type,omitempty"`
	Attributes     map[string]any `json:"attributes,omitempty"`
}

func automatedKey(convID uint64, kind string) string {
	return fmt.Sprintf("automated:%d:%s", convID, kind)
}

// sendAutomated appends an automated message to c now, or, while the account is quiet,
// schedules it for the end of the quiet period (one pending message per conversation and kind:
// scheduling again replaces it).
func (s *Service) sendAutomated(tx *storage.Tx, acct *accounts.Account, c *Conversation, a automated) error {
	a.ConversationID = c.ID
	if acct != nil && s.Jobs != nil && c.ID != 0 {
		if until, quiet := acct.QuietUntil(s.now()); quiet {
			payload, err := json.Marshal(a)
			if err != nil {
				return err
			}
			_, err = s.Jobs.Schedule(tx, scheduler.Job{Account: c.AccountID, Kind: jobAutomated, Key: automatedKey(c.ID, a.Kind), Due: until, Payload: payload})
			return err
		}
	}
	return s.appendAutomated(tx, acct, c, a)
}

// appendAutomated writes the message itself; a CSAT survey also records the survey it opens.
func (s *Service) appendAutomated(tx *storage.Tx, acct *accounts.Account, c *Conversation, a automated) error {
	attrs := map[string]any{"automated": a.Kind}
	for k, v := range a.Attributes {
		attrs[k] = v
	}
	m := &Message{Type: Outgoing, Content: a.Content, ContentType: a.ContentType, ContentAttributes: attrs}
	if err := s.appendMessage(tx, c, m, 0); err != nil {
		return err
	}
	if a.Kind == AutoCSAT {
		return s.recordSurvey(tx, c, m)
	}
	return nil
}

// loadContext reads the account and inbox a job or hook works with.
func loadContext(tx *storage.Tx, c *Conversation) (*accounts.Account, *inboxes.Inbox, error) {
	acct, err := accounts.Accounts.Get(tx, 0, c.AccountID)
	if err != nil {
		return nil, nil, fmt.Errorf("conversations: account of conversation %d: %w", c.ID, err)
	}
	in, err := inboxes.Inboxes.Get(tx, c.AccountID, c.InboxID)
	if err != nil {
		return nil, nil, fmt.Errorf("conversations: inbox of conversation %d: %w", c.ID, err)
	}
	return acct, in, nil
}

// runAutomated sends a held-back automated message when the quiet period ends, unless it no
// longer makes sense: the conversation is gone, an agent already answered (greeting), the team
// is back at work (out of office), or the conversation was reopened (survey).
func (s *Service) runAutomated(ctx context.Context, tx *storage.Tx, j *scheduler.Job) error {
	var a automated
	if err := json.Unmarshal(j.Payload, &a); err != nil {
		return fmt.Errorf("conversations: automated job payload: %w", err)
	}
	c, err := Conversations.Get(tx, j.Account, a.ConversationID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	acct, in, err := loadContext(tx, c)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch a.Kind {
	case AutoGreeting:
		if c.FirstReplyAt != nil {
			return nil
		}
	case AutoOutOfOffice:
		if !in.BusinessHours.Enabled || in.BusinessHours.OpenAt(s.now(), acct.Location()) {
			return nil
		}
	case AutoCSAT:
		if c.Status != Resolved || !in.CSATEnabled {
			return nil
		}
	}
	// The quiet hours may have been moved meanwhile: sendAutomated waits again if still quiet.
	return s.sendAutomated(tx, acct, c, a)
}

// autoReplies sends the greeting on a new conversation and the out-of-office reply when the
// contact writes while the inbox is closed (once per closed period).
func (s *Service) autoReplies(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation, created bool) error {
	if in == nil {
		return nil
	}
	if created && in.Greeting.Enabled && strings.TrimSpace(in.Greeting.Message) != "" {
		if err := s.sendAutomated(tx, acct, c, automated{Kind: AutoGreeting, Content: in.Greeting.Message}); err != nil {
			return err
		}
	}
	h := in.BusinessHours
	if !h.Enabled || strings.TrimSpace(h.OutOfOffice) == "" {
		return nil
	}
	now, loc := s.now(), time.UTC
	if acct != nil {
		loc = acct.Location()
	}
	if h.OpenAt(now, loc) {
		return nil
	}
	if until, ok := unixAttr(c.AdditionalAttributes[oooMarker]); ok && now.Before(until) {
		return nil // already told during this closed period
	}
	next := h.NextOpen(now, loc)
	if !next.After(now) {
		next = now.Add(time.Hour) // hours that never open: remind at most hourly
	}
	if c.AdditionalAttributes == nil {
		c.AdditionalAttributes = map[string]any{}
	}
	c.AdditionalAttributes[oooMarker] = next.Unix()
	if err := s.putConversation(tx, c); err != nil {
		return err
	}
	return s.sendAutomated(tx, acct, c, automated{Kind: AutoOutOfOffice, Content: h.OutOfOffice})
}

// unixAttr reads a unix-seconds attribute, whichever number type JSON decoding left it as.
func unixAttr(v any) (time.Time, bool) {
	switch n := v.(type) {
	case int64:
		return time.Unix(n, 0).UTC(), true
	case int:
		return time.Unix(int64(n), 0).UTC(), true
	case float64:
		return time.Unix(int64(n), 0).UTC(), true
	case json.Number:
		i, err := n.Int64()
		return time.Unix(i, 0).UTC(), err == nil
	}
	return time.Time{}, false
}
