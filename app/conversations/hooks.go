package conversations

import (
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// The hooks below are where the automated behaviour of an inbox plugs into the core paths: they
// run inside the same transaction as the change that triggers them.

// registerJobs registers the scheduler handlers of this package (snooze wake-ups, scheduled
// messages, SLA checks, deferred automated messages).
func (s *Service) registerJobs() {}

// afterCreated runs when ingest or an agent starts a new conversation (before its first message
// is appended): the inbox's SLA policy is applied here.
func (s *Service) afterCreated(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation) error {
	return nil
}

// afterIncoming runs after a contact's message is stored: greeting on a new conversation,
// out-of-office reply outside business hours, waking a conversation snoozed until the next
// reply, SLA clocks.
func (s *Service) afterIncoming(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation, m *Message, created bool) error {
	return nil
}

// afterReply runs after an agent's outgoing (non-private) message is stored: SLA clocks.
func (s *Service) afterReply(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation, m *Message) error {
	return nil
}

// afterStatus runs after a conversation's status changed from old: CSAT survey on resolution,
// SLA resolution clock, snooze wake-up jobs.
func (s *Service) afterStatus(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation, old Status) error {
	return nil
}
