package channels_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/channels"
	apichannel "github.com/parleyhq/parley/app/channels/api"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

// fakeAdapter stands for an external provider: it records what it was asked to send and
// answers with whatever the test sets.
type fakeAdapter struct {
	typ   string
	mu    sync.Mutex
	sent  []channels.Outbound
	reply func(n int) (string, error) // n counts calls from 1
}

func (f *fakeAdapter) ChannelType() string         { return f.typ }
func (f *fakeAdapter) Start(context.Context) error { return nil }
func (f *fakeAdapter) State(uint64) channels.State { return channels.Connected }
func (f *fakeAdapter) calls() []channels.Outbound {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]channels.Outbound(nil), f.sent...)
}
func (f *fakeAdapter) Send(ctx context.Context, out channels.Outbound) (string, error) {
	f.mu.Lock()
	f.sent = append(f.sent, out)
	n := len(f.sent)
	f.mu.Unlock()
	if f.reply == nil {
		return "", nil
	}
	return f.reply(n)
}

type tempErr struct{ msg string }

func (e tempErr) Error() string   { return e.msg }
func (e tempErr) Temporary() bool { return true }

const acct = 1

type world struct {
	t     *testing.T
	db    *storage.DB
	convs *conversations.Service
	seq   uint64 // feed position already handed to the outbox
}

func newWorld(t *testing.T) *world {
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	convs := conversations.New(conversations.Deps{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	w := &world{t: t, db: db, convs: convs}
	w.seq = w.head()
	return w
}

func (w *world) head() uint64 {
	var h uint64
	w.db.View(func(tx *storage.Tx) error { h = tx.OutboxHead(); return nil })
	return h
}

// conversation stores an inbox of channel type typ, a contact reached there as "5511999" and an
// open conversation with them: the state ingest leaves behind.
func (w *world) conversation(typ string) *conversations.Conversation {
	w.t.Helper()
	var c *conversations.Conversation
	err := w.db.Update(func(tx *storage.Tx) error {
		in := &inboxes.Inbox{AccountID: acct, Name: typ + strconv.Itoa(int(w.head())), ChannelType: typ, Enabled: true}
		if err := inboxes.Inboxes.Put(tx, in); err != nil {
			return err
		}
		ct := &contacts.Contact{AccountID: acct, Name: "Maria Souza"}
		if err := contacts.Contacts.Put(tx, ct); err != nil {
			return err
		}
		ci := &contacts.ContactInbox{AccountID: acct, ContactID: ct.ID, InboxID: in.ID, SourceID: "5511999"}
		if err := contacts.ContactInboxes.Put(tx, ci); err != nil {
			return err
		}
		n, err := tx.NextNumber(acct, "conversation")
		if err != nil {
			return err
		}
		c = &conversations.Conversation{AccountID: acct, DisplayID: n, InboxID: in.ID, ContactID: ct.ID, ContactInboxID: ci.ID, Status: conversations.Open, Token: "tok" + in.Name}
		return conversations.Conversations.Put(tx, c)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// message stores m in c and emits message_created as the conversations core does.
func (w *world) message(c *conversations.Conversation, m conversations.Message) uint64 {
	w.t.Helper()
	m.AccountID, m.ConversationID, m.InboxID, m.CreatedAt = acct, c.ID, c.InboxID, time.Now().UTC()
	err := w.db.Update(func(tx *storage.Tx) error {
		if err := conversations.Messages.Put(tx, &m); err != nil {
			return err
		}
		return tx.EmitData(storage.Event{Account: acct, Type: conversations.EventMessageCreated, Entity: "conversations", ID: c.ID},
			conversations.EventData{Conversation: conversations.RefOf(c), Message: &m})
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return m.ID
}

func reply(content string) conversations.Message {
	return conversations.Message{Type: conversations.Outgoing, Content: content, SenderType: conversations.SenderUser, SenderID: 7, Status: conversations.StatusSending}
}

// batch returns the events appended since the last call, as the dispatcher would hand them over.
func (w *world) batch() []storage.Event {
	w.t.Helper()
	var evs []storage.Event
	err := w.db.View(func(tx *storage.Tx) (err error) {
		evs, err = tx.Events(w.seq, 0)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	if len(evs) > 0 {
		w.seq = evs[len(evs)-1].Seq
	}
	return evs
}

func (w *world) stored(id uint64) *conversations.Message {
	w.t.Helper()
	var m *conversations.Message
	if err := w.db.View(func(tx *storage.Tx) (err error) {
		m, err = conversations.Messages.Get(tx, acct, id)
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	return m
}

// TestOutboxSendsOnceAndRecordsSent: an agent's reply goes to the inbox's adapter with the
// contact's channel id and a stable idempotency key, is recorded sent with the provider's id,
// and handing the same events over again (a redelivered batch) sends nothing more. Notes,
// incoming messages and echoes never reach the adapter; a reply an integration posted with the
// channel's id already (it sent it itself) is marked sent without sending it again.
func TestOutboxSendsOnceAndRecordsSent(t *testing.T) {
	w := newWorld(t)
	fake := &fakeAdapter{typ: inboxes.ChannelWhatsAppCloud, reply: func(n int) (string, error) { return "wamid.1", nil }}
	o := channels.NewOutbox(w.db, w.convs, nil, fake)
	c := w.conversation(inboxes.ChannelWhatsAppCloud)

	id := w.message(c, reply("Olá, Maria"))
	note := reply("internal")
	note.Private, note.Status = true, conversations.StatusSent
	w.message(c, note)
	w.message(c, conversations.Message{Type: conversations.Incoming, Content: "oi", SenderType: conversations.SenderContact, Status: conversations.StatusSent})
	echo := reply("sent from the phone")
	echo.Status, echo.SourceID = conversations.StatusSent, "wamid.echo"
	w.message(c, echo)
	posted := reply("delivered by the integration itself")
	posted.SourceID = "wamid.own"
	postedID := w.message(c, posted)

	batch := w.batch()
	if err := o.Handle(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	calls := fake.calls()
	if len(calls) != 1 {
		t.Fatalf("adapter called %d times, want 1: %+v", len(calls), calls)
	}
	got := calls[0]
	if got.Message.ID != id || got.Message.Content != "Olá, Maria" || got.SourceID != "5511999" ||
		got.Contact.Name != "Maria Souza" || got.Inbox.ID != c.InboxID || got.Conversation.ID != c.ID ||
		got.IdempotencyKey != "parley-msg-"+strconv.FormatUint(id, 10) {
		t.Fatalf("outbound: %+v", got)
	}
	m := w.stored(id)
	if m.Status != conversations.StatusSent || m.SourceID != "wamid.1" || m.Error != "" {
		t.Fatalf("stored after send: status %q source %q error %q", m.Status, m.SourceID, m.Error)
	}
	if m := w.stored(postedID); m.Status != conversations.StatusSent || m.SourceID != "wamid.own" {
		t.Fatalf("message with its own provider id: status %q source %q", m.Status, m.SourceID)
	}

	// The same batch again, then everything since (the delivery record's own events).
	if err := o.Handle(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if err := o.Handle(context.Background(), w.batch()); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.calls()); n != 1 {
		t.Fatalf("redelivered batch sent again: %d calls", n)
	}
	if m := w.stored(id); m.Status != conversations.StatusSent || m.SourceID != "wamid.1" {
		t.Fatalf("redelivery changed the record: %q %q %q", m.Status, m.SourceID, m.Error)
	}
}

// TestOutboxFailures: no adapter for the channel, a permanent error and retries that run out
// all end with the message failed and an error an agent can read; a temporary error is
// returned for the dispatcher to retry and the retry sends it.
func TestOutboxFailures(t *testing.T) {
	w := newWorld(t)
	fake := &fakeAdapter{typ: inboxes.ChannelWhatsAppCloud}
	o := channels.NewOutbox(w.db, w.convs, nil, fake)
	o.MaxAttempts = 3
	ctx := context.Background()

	// No adapter: failed without any call.
	sms := w.conversation(inboxes.ChannelSMS)
	id := w.message(sms, reply("by sms"))
	if err := o.Handle(ctx, w.batch()); err != nil {
		t.Fatal(err)
	}
	if m := w.stored(id); m.Status != conversations.StatusFailed || m.Error != channels.ErrNoAdapter {
		t.Fatalf("no adapter: %q %q", m.Status, m.Error)
	}
	if n := len(fake.calls()); n != 0 {
		t.Fatalf("adapter of another channel called %d times", n)
	}

	// Permanent error: failed with its text, no retry asked.
	c := w.conversation(inboxes.ChannelWhatsAppCloud)
	fake.reply = func(int) (string, error) { return "", errors.New("the number is not on WhatsApp") }
	id = w.message(c, reply("hello"))
	if err := o.Handle(ctx, w.batch()); err != nil {
		t.Fatalf("permanent error was returned for retry: %v", err)
	}
	if m := w.stored(id); m.Status != conversations.StatusFailed || m.Error != "the number is not on WhatsApp" {
		t.Fatalf("permanent: %q %q", m.Status, m.Error)
	}

	// Temporary error: returned, message still sending; the retried batch sends it.
	before := len(fake.calls())
	fake.reply = func(n int) (string, error) {
		if n == before+1 {
			return "", tempErr{"provider unavailable"}
		}
		return "wamid.2", nil
	}
	id = w.message(c, reply("again"))
	batch := w.batch()
	if err := o.Handle(ctx, batch); err == nil {
		t.Fatal("temporary error not returned for retry")
	}
	if m := w.stored(id); m.Status != conversations.StatusSending {
		t.Fatalf("after a temporary error: %q", m.Status)
	}
	if err := o.Handle(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if m := w.stored(id); m.Status != conversations.StatusSent || m.SourceID != "wamid.2" {
		t.Fatalf("after retry: %q %q", m.Status, m.SourceID)
	}

	// Temporary errors that never end: failed after MaxAttempts tries.
	fake.reply = func(int) (string, error) { return "", channels.Temporary(errors.New("provider unavailable")) }
	id = w.message(c, reply("doomed"))
	batch = w.batch()
	tries := 0
	for ; tries < 10; tries++ {
		if err := o.Handle(ctx, batch); err == nil {
			break
		}
	}
	if tries != o.MaxAttempts-1 {
		t.Fatalf("gave up after %d failed handles, want %d", tries, o.MaxAttempts-1)
	}
	if m := w.stored(id); m.Status != conversations.StatusFailed || m.Error != "provider unavailable" {
		t.Fatalf("after retries ran out: %q %q", m.Status, m.Error)
	}
}

// TestAPIChannelAdapter: through the real paths (ingest, an agent's reply), the API channel's
// replies count as sent (the integration reads them through the API), with no provider id;
// the agent's private note is never handed to the adapter.
func TestAPIChannelAdapter(t *testing.T) {
	w := newWorld(t)
	a := apichannel.New()
	if a.ChannelType() != inboxes.ChannelAPI || a.State(1) != channels.Connected || a.Start(context.Background()) != nil {
		t.Fatal("API adapter identity")
	}
	o := channels.NewOutbox(w.db, w.convs, nil, a)
	ctx := context.Background()
	admin := access.Actor{UserID: 9, UserName: "Ana", AccountID: acct, Role: access.Administrator}
	var inbox uint64
	err := w.db.Update(func(tx *storage.Tx) error {
		if err := accounts.Accounts.Put(tx, &accounts.Account{ID: acct, Name: "Padaria", TimeZone: "UTC", Language: "en"}); err != nil {
			return err
		}
		in := &inboxes.Inbox{AccountID: acct, Name: "Site", ChannelType: inboxes.ChannelAPI, Enabled: true, MemberIDs: []uint64{}, TeamIDs: []uint64{}}
		err := inboxes.Inboxes.Put(tx, in)
		inbox = in.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.convs.Ingest(ctx, acct, conversations.Inbound{InboxID: inbox, Contact: contacts.Identity{SourceID: "visitor-1", Name: "Maria"}, Content: "Oi"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := w.convs.CreateMessage(ctx, admin, r.DisplayID, conversations.NewMessage{Content: "Olá!"})
	if err != nil {
		t.Fatal(err)
	}
	note, err := w.convs.CreateMessage(ctx, admin, r.DisplayID, conversations.NewMessage{Content: "VIP", Private: true})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Status != conversations.StatusSending {
		t.Fatalf("a new reply is %q, want sending", reply.Status)
	}
	if err := o.Handle(ctx, w.batch()); err != nil {
		t.Fatal(err)
	}
	if m := w.stored(reply.ID); m.Status != conversations.StatusSent || m.SourceID != "" || m.Error != "" {
		t.Fatalf("API channel reply: %q %q %q", m.Status, m.SourceID, m.Error)
	}
	if m := w.stored(note.ID); m.Status != conversations.StatusSent || m.Error != "" {
		t.Fatalf("note: %q %q", m.Status, m.Error)
	}
}
