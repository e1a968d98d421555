package conversations

import (
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// The hooks below are where the automated behaviour of an inbox plugs into the core paths: they
// run inside the same transaction as the change that triggers them.

// registerJobs registers the scheduler handlers of this package (snooze wake-ups, scheduled
// messages, SLA checks, deferred automated messages).
func (s *Service) registerJobs() {
	s.Jobs.Handle(jobWake, s.runWake)
	s.Jobs.Handle(jobScheduledSend, s.runScheduledSend)
	s.Jobs.Handle(jobSLACheck, s.runSLACheck)
	s.Jobs.Handle(jobAutomated, s.runAutomated)
}

// afterCreated runs when ingest or an agent starts a new conversation (before its first message
// is appended): the inbox's SLA policy is applied here.
func (s *Service) afterCreated(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation) error {
	if err := s.slaOnCreated(tx, acct, in, c); err != nil || c.SLA == nil || c.ID == 0 {
		// Not stored yet (no id): the clock is stored with the first message and its job is
		// scheduled by that message's hook.
		return err
	}
	if err := s.putConversation(tx, c); err != nil {
		return err
	}
	return s.scheduleSLA(tx, c)
}

// afterIncoming runs after a contact's message is stored: greeting on a new conversation,
// out-of-office reply outside business hours, waking a conversation snoozed until the next
// reply, SLA clocks.
func (s *Service) afterIncoming(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation, m *Message, created bool) error {
	if err := s.wakeOnIncoming(tx, acct, in, c); err != nil {
		return err
	}
	if err := s.slaOnIncoming(tx, acct, in, c); err != nil {
		return err
	}
	if err := s.notifyAssignee(tx, acct, c, m); err != nil {
		return err
	}
	return s.autoReplies(tx, acct, in, c, created)
}

// notifyAssignee tells the assignee a contact wrote (a notification type that is off until the
// user turns it on: the inbox itself shows the unread count).
func (s *Service) notifyAssignee(tx *storage.Tx, acct *accounts.Account, c *Conversation, m *Message) error {
	if c.AssigneeID == 0 || m == nil || m.Type != Incoming {
		return nil
	}
	who := "?"
	if ct, err := contacts.Contacts.Get(tx, c.AccountID, c.ContactID); err == nil {
		who = ct.Name
	}
	l := userLang(tx, c.AssigneeID, acct)
	return notify.Send(tx, notify.Notification{AccountID: acct.ID, UserID: c.AssigneeID, Type: NotifyNewMessage,
		Title: tr(l, "New message from %s in conversation #%d", "Nova mensagem de %s na conversa #%d", who, c.DisplayID),
		Body:  excerpt(m.Content, 200), Link: Link(c.DisplayID)})
}

// afterReply runs after an agent's outgoing (non-private) message is stored: SLA clocks.
func (s *Service) afterReply(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation, m *Message) error {
	if m != nil && (m.Type != Outgoing || m.Private) {
		return nil
	}
	return s.slaOnReply(tx, c)
}

// afterStatus runs after a conversation's status changed from old: CSAT survey on resolution,
// SLA resolution clock, snooze wake-up jobs.
func (s *Service) afterStatus(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation, old Status) error {
	if err := s.snoozeOnStatus(tx, c); err != nil {
		return err
	}
	if err := s.slaOnStatus(tx, acct, in, c, old); err != nil {
		return err
	}
	return s.csatOnStatus(tx, acct, in, c, old)
}
