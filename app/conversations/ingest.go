package conversations

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// Ingest stores one inbound message (see Inbound). Concurrent callers (webhooks, widget
// sockets) share commits through the store's batch, so a burst costs few fsyncs.
func (s *Service) Ingest(ctx context.Context, account uint64, in Inbound) (IngestResult, error) {
	var res IngestResult
	err := s.DB.Batch(func(tx *storage.Tx) (err error) {
		res, err = s.IngestTx(tx, account, in)
		return err
	})
	return res, err
}

// IngestBatch stores many inbound messages in one transaction (one fsync): imports, a channel
// catching up after being offline. Any invalid message fails the whole batch, naming its index.
func (s *Service) IngestBatch(ctx context.Context, account uint64, ins []Inbound) ([]IngestResult, error) {
	out := make([]IngestResult, len(ins))
	err := s.DB.Update(func(tx *storage.Tx) error {
		ing, err := s.ingester(tx, account)
		if err != nil {
			return err
		}
		for i, in := range ins {
			if out[i], err = ing.one(in); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// IngestTx stores one inbound message in the caller's transaction.
func (s *Service) IngestTx(tx *storage.Tx, account uint64, in Inbound) (IngestResult, error) {
	ing, err := s.ingester(tx, account)
	if err != nil {
		return IngestResult{}, err
	}
	return ing.one(in)
}

// ingest holds what a batch of inbound messages of one account shares.
type ingest struct {
	s       *Service
	tx      *storage.Tx
	acct    *accounts.Account
	inboxes map[uint64]*inboxes.Inbox
}

func (s *Service) ingester(tx *storage.Tx, account uint64) (*ingest, error) {
	acct, err := accounts.Accounts.Get(tx, 0, account)
	if err != nil {
		return nil, apperr.NotFoundf("account %d not found", account)
	}
	return &ingest{s: s, tx: tx, acct: acct, inboxes: map[uint64]*inboxes.Inbox{}}, nil
}

func (g *ingest) inbox(id uint64) (*inboxes.Inbox, error) {
	if in, ok := g.inboxes[id]; ok {
		return in, nil
	}
	in, err := inboxes.Inboxes.Get(g.tx, g.acct.ID, id)
	if err != nil {
		return nil, apperr.Field("inbox_id", "is not an inbox of this account")
	}
	g.inboxes[id] = in
	return in, nil
}

// one stores one inbound message:
//   - a message whose source id the inbox already stored is a Duplicate and writes nothing;
//   - the contact is found or created from the channel identity (which also stamps its last
//     activity); a blocked contact's message is
//     dropped (zero result, no error), as Chatwoot does;
//   - the conversation is the one named (ConversationID, of the same contact identity), else
//     the thread's (ThreadKey, reopened when resolved), else the contact's
//     latest in the inbox unless it is resolved and the inbox does not lock contacts to a single
//     conversation, else a new one (numbered, hooks run, auto-assigned);
//   - a contact's message opens a resolved or snoozed conversation; an echo (sent by the
//     business from elsewhere) is stored as an outgoing message already sent and changes
//     nothing else.
func (g *ingest) one(in Inbound) (IngestResult, error) {
	s, tx := g.s, g.tx
	inbox, err := g.inbox(in.InboxID)
	if err != nil {
		return IngestResult{}, err
	}
	if !inbox.Enabled {
		return IngestResult{}, apperr.Unavailablef("inbox %s is disabled", inbox.Name)
	}
	var fe apperr.Fields
	if strings.TrimSpace(in.Contact.SourceID) == "" {
		fe.Add("contact.source_id", "is required")
	}
	if strings.TrimSpace(in.Content) == "" && len(in.Attachments) == 0 {
		fe.Add("content", "is required")
	}
	if err := fe.Err(); err != nil {
		return IngestResult{}, err
	}
	if in.SourceID != "" {
		if m, err := Messages.GetBy(tx, g.acct.ID, "source", storage.Key(storage.Uint(inbox.ID), storage.Str(in.SourceID))); err == nil {
			res := IngestResult{ConversationID: m.ConversationID, MessageID: m.ID, Duplicate: true}
			if c, err := Conversations.Get(tx, g.acct.ID, m.ConversationID); err == nil {
				res.DisplayID, res.ContactID = c.DisplayID, c.ContactID
			}
			return res, nil
		}
	}
	contact, ci, _, err := contacts.FindOrCreate(tx, g.acct.ID, inbox.ID, in.Contact)
	if err != nil {
		return IngestResult{}, err
	}
	if contact.Blocked {
		return IngestResult{ContactID: contact.ID}, nil
	}
	var c *Conversation
	if in.ConversationID != 0 {
		c, err = Conversations.Get(tx, g.acct.ID, in.ConversationID)
		if err != nil || c.ContactInboxID != ci.ID {
			return IngestResult{}, apperr.Field("conversation_id", "is not a conversation of this contact")
		}
	} else if c, err = g.conversationFor(inbox, ci, in.ThreadKey); err != nil {
		return IngestResult{}, err
	}
	created := c == nil
	if created {
		c = &Conversation{AccountID: g.acct.ID, InboxID: inbox.ID, ContactID: contact.ID, ContactInboxID: ci.ID, Status: Open, ThreadKey: in.ThreadKey}
		if c.AssigneeID, err = pickAssignee(tx, inbox); err != nil {
			return IngestResult{}, err
		}
		if err := s.startConversation(tx, g.acct, inbox, c, 0); err != nil {
			return IngestResult{}, err
		}
		// A conversation starts when its first message was written, which for a channel that
		// delivers late (or a history import) is before it reached Parley.
		if at := in.At.UTC(); !at.IsZero() && at.Before(c.CreatedAt) {
			c.CreatedAt = at
		}
	}
	m := &Message{Content: in.Content, ContentType: in.ContentType, ContentAttributes: in.ContentAttributes,
		Attachments: in.Attachments, SourceID: in.SourceID, CreatedAt: in.At.UTC()}
	if in.Echo {
		m.Type, m.Status = Outgoing, StatusSent
		if in.SenderID != 0 {
			if _, err := accounts.Members.GetBy(tx, g.acct.ID, "user", storage.Uint(in.SenderID)); err != nil {
				return IngestResult{}, apperr.Field("sender_id", "is not a user of this account")
			}
			m.SenderType, m.SenderID = SenderUser, in.SenderID
		}
		err = s.appendMessage(tx, c, m, 0)
	} else {
		m.Type, m.SenderType, m.SenderID, m.Status = Incoming, SenderContact, contact.ID, StatusSent
		err = s.receive(tx, g.acct, inbox, c, m, created, 0)
	}
	if err != nil {
		return IngestResult{}, err
	}
	if created && c.AssigneeID != 0 {
		if err := s.announceAssignee(tx, g.acct, access.SystemActor(g.acct.ID), c, true); err != nil {
			return IngestResult{}, err
		}
	}
	return IngestResult{ConversationID: c.ID, DisplayID: c.DisplayID, MessageID: m.ID, ContactID: contact.ID, NewConversation: created}, nil
}

// conversationFor finds the conversation an inbound message continues (nil: start a new one).
func (g *ingest) conversationFor(inbox *inboxes.Inbox, ci *contacts.ContactInbox, threadKey string) (*Conversation, error) {
	if threadKey != "" {
		c, err := Conversations.GetBy(g.tx, g.acct.ID, "thread", storage.Key(storage.Uint(inbox.ID), storage.Str(threadKey)))
		if err == nil {
			return c, nil
		}
		if !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
		return nil, nil
	}
	var latest *Conversation
	err := Conversations.Each(g.tx, g.acct.ID, storage.Query{Index: "contact_inbox", Prefix: storage.Uint(ci.ID), Reverse: true, Limit: 1}, func(c *Conversation) bool {
		latest = c
		return false
	})
	if err != nil || latest == nil {
		return nil, err
	}
	if latest.Status == Resolved && !inbox.LockToSingleConversation {
		return nil, nil
	}
	return latest, nil
}
