package conversations

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// The fixture of this file's tests (and of the SLA, CSAT, snooze, scheduled-message, label and
// manual-action tests): a real store, a real scheduler on a clock the test moves, one account
// with an administrator and an agent, one inbox and one contact. Conversations are started and
// fed through the core path (appendMessage) and the hooks, as ingest does.

type h3Clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *h3Clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *h3Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// h3Log collects the scheduler's log so a test can fail on a job that failed.
type h3Log struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *h3Log) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.Write(p) }
func (l *h3Log) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

type h3Fix struct {
	t      *testing.T
	dir    string
	db     *storage.DB
	s      *Service
	clock  *h3Clock
	log    *h3Log
	acct   *accounts.Account
	inbox  *inboxes.Inbox
	admin  access.Actor
	agent  access.Actor
	other  access.Actor // an agent who does not work the inbox
	contID uint64
}

func h3New(t *testing.T, start time.Time, tz, language string, configure func(*accounts.Account, *inboxes.Inbox)) *h3Fix {
	t.Helper()
	f := &h3Fix{t: t, dir: t.TempDir(), clock: &h3Clock{t: start}, log: &h3Log{}}
	f.open()
	t.Cleanup(func() {
		f.s.Jobs.Stop()
		if err := f.db.Check(); err != nil {
			t.Errorf("store check: %v", err)
		}
		f.db.Close()
	})
	f.acct = &accounts.Account{Name: "Padaria Pão Quente", TimeZone: tz, Language: language, CreatedAt: start}
	f.inbox = &inboxes.Inbox{Name: "Site", ChannelType: inboxes.ChannelAPI, Enabled: true}
	if configure != nil {
		configure(f.acct, f.inbox)
	}
	f.update(func(tx *storage.Tx) error {
		users := []*auth.User{{Name: "Ana Admin", Email: "ana@example.com", Language: "en"}, {Name: "Bruno Agent", Email: "bruno@example.com", Language: "pt-BR"},
			{Name: "Caio Other", Email: "caio@example.com", Language: "en"}}
		for _, u := range users {
			if err := auth.Users.Put(tx, u); err != nil {
				return err
			}
		}
		if err := accounts.Accounts.Put(tx, f.acct); err != nil {
			return err
		}
		roles := []access.Role{access.Administrator, access.Agent, access.Agent}
		for i, u := range users {
			if err := accounts.Members.Put(tx, &accounts.Member{AccountID: f.acct.ID, UserID: u.ID, Role: roles[i], Availability: "online"}); err != nil {
				return err
			}
		}
		f.admin = access.Actor{UserID: users[0].ID, UserName: users[0].Name, AccountID: f.acct.ID, Role: access.Administrator}
		f.agent = access.Actor{UserID: users[1].ID, UserName: users[1].Name, AccountID: f.acct.ID, Role: access.Agent, Permissions: access.AgentDefaults}
		f.other = access.Actor{UserID: users[2].ID, UserName: users[2].Name, AccountID: f.acct.ID, Role: access.Agent, Permissions: access.AgentDefaults}
		f.inbox.AccountID, f.inbox.MemberIDs = f.acct.ID, []uint64{users[1].ID}
		if err := inboxes.Inboxes.Put(tx, f.inbox); err != nil {
			return err
		}
		ct := &contacts.Contact{AccountID: f.acct.ID, Name: "Carla Cliente"}
		if err := contacts.Contacts.Put(tx, ct); err != nil {
			return err
		}
		f.contID = ct.ID
		return nil
	})
	return f
}

// open (re)opens the store and builds a fresh scheduler and service on it, not started.
func (f *h3Fix) open() {
	f.t.Helper()
	db, err := storage.Open(f.dir, storage.Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	f.db = db
	f.rebuild()
}

func (f *h3Fix) rebuild() {
	logger := slog.New(slog.NewTextHandler(f.log, nil))
	jobs := scheduler.New(f.db, scheduler.Options{Now: f.clock.Now, Logger: logger, RetryMin: time.Hour, RetryMax: time.Hour})
	f.s = New(Deps{DB: f.db, Jobs: jobs, Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// restart closes the store and opens it again, as a stopped and restarted program would.
func (f *h3Fix) restart() {
	f.t.Helper()
	f.s.Jobs.Stop()
	if err := f.db.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.open()
}

// advance moves the clock to at and runs a scheduler until every job due by then has fired.
func (f *h3Fix) advance(at time.Time) {
	f.t.Helper()
	f.clock.Set(at)
	f.s.Jobs.Stop()
	f.rebuild()
	if err := f.s.Jobs.Start(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second) // only stops a broken runner from hanging the run
	for {
		st, err := f.s.Jobs.Status()
		if err != nil {
			f.t.Fatal(err)
		}
		if st.NextDue.IsZero() || st.NextDue.After(at) {
			break
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("jobs due by %v did not run: %+v", at, st)
		}
		time.Sleep(2 * time.Millisecond)
	}
	f.s.Jobs.Stop()
	f.rebuild()
	if strings.Contains(f.log.String(), "job failed") || strings.Contains(f.log.String(), "job gave up") {
		f.t.Fatalf("a job failed:\n%s", f.log.String())
	}
}

func (f *h3Fix) update(fn func(tx *storage.Tx) error) {
	f.t.Helper()
	if err := f.db.Update(fn); err != nil {
		f.t.Fatal(err)
	}
}

func (f *h3Fix) ctxOf(c *Conversation) (*accounts.Account, *inboxes.Inbox) {
	var acct *accounts.Account
	var in *inboxes.Inbox
	f.db.View(func(tx *storage.Tx) (err error) { acct, in, err = loadContext(tx, c); return err })
	return acct, in
}

// start begins a conversation with the contact's first message, as ingest does.
func (f *h3Fix) start(content string) *Conversation {
	f.t.Helper()
	var c *Conversation
	f.update(func(tx *storage.Tx) error {
		acct, err := accounts.Accounts.Get(tx, 0, f.acct.ID)
		if err != nil {
			return err
		}
		in, err := inboxes.Inboxes.Get(tx, f.acct.ID, f.inbox.ID)
		if err != nil {
			return err
		}
		n, err := tx.NextNumber(acct.ID, "conversation")
		if err != nil {
			return err
		}
		now := f.s.now()
		c = &Conversation{AccountID: acct.ID, DisplayID: n, InboxID: in.ID, ContactID: f.contID, Status: Open, Token: newToken(), CreatedAt: now, LastActivityAt: now}
		if err := f.s.putConversation(tx, c); err != nil {
			return err
		}
		if err := f.s.afterCreated(tx, acct, in, c); err != nil {
			return err
		}
		m := &Message{Type: Incoming, Content: content, SenderType: SenderContact, SenderID: f.contID}
		if err := f.s.appendMessage(tx, c, m, 0); err != nil {
			return err
		}
		return f.s.afterIncoming(tx, acct, in, c, m, true)
	})
	return c
}

// incoming appends another message of the contact.
func (f *h3Fix) incoming(c *Conversation, content string) *Conversation {
	f.t.Helper()
	return f.change(c, func(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation) error {
		m := &Message{Type: Incoming, Content: content, SenderType: SenderContact, SenderID: f.contID}
		if err := f.s.appendMessage(tx, c, m, 0); err != nil {
			return err
		}
		return f.s.afterIncoming(tx, acct, in, c, m, false)
	})
}

// reply appends an agent's answer.
func (f *h3Fix) reply(c *Conversation, content string) *Conversation {
	f.t.Helper()
	return f.change(c, func(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation) error {
		m := &Message{Type: Outgoing, Content: content, SenderType: SenderUser, SenderID: f.agent.UserID}
		if err := f.s.appendMessage(tx, c, m, f.agent.UserID); err != nil {
			return err
		}
		return f.s.afterReply(tx, acct, in, c, m)
	})
}

// status changes the status as ToggleStatus does.
func (f *h3Fix) status(c *Conversation, st Status, until *time.Time) *Conversation {
	f.t.Helper()
	return f.change(c, func(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation) error {
		old := c.Status
		c.Status, c.SnoozedUntil = st, until
		if st == Resolved {
			now := f.s.now()
			c.ResolvedAt = &now
		}
		if err := f.s.putConversation(tx, c); err != nil {
			return err
		}
		return f.s.afterStatus(tx, acct, in, c, old)
	})
}

func (f *h3Fix) change(c *Conversation, fn func(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation) error) *Conversation {
	f.t.Helper()
	var out *Conversation
	f.update(func(tx *storage.Tx) error {
		cur, err := Conversations.Get(tx, c.AccountID, c.ID)
		if err != nil {
			return err
		}
		acct, in, err := loadContext(tx, cur)
		if err != nil {
			return err
		}
		out = cur
		return fn(tx, acct, in, cur)
	})
	return out
}

func (f *h3Fix) conv(c *Conversation) *Conversation {
	f.t.Helper()
	var out *Conversation
	f.db.View(func(tx *storage.Tx) (err error) { out, err = Conversations.Get(tx, c.AccountID, c.ID); return err })
	return out
}

func (f *h3Fix) messages(c *Conversation) []Message {
	f.t.Helper()
	var out []Message
	f.db.View(func(tx *storage.Tx) error {
		page, err := Messages.Scan(tx, c.AccountID, storage.Query{Index: "conversation", Prefix: storage.Uint(c.ID)})
		out = page.Items
		return err
	})
	return out
}

// automatedOf lists the conversation's automated messages of a kind.
func (f *h3Fix) automatedOf(c *Conversation, kind string) []Message {
	var out []Message
	for _, m := range f.messages(c) {
		if m.ContentAttributes["automated"] == kind {
			out = append(out, m)
		}
	}
	return out
}

// events lists the change-feed events of a type.
func (f *h3Fix) events(typ string) []storage.Event {
	f.t.Helper()
	var out []storage.Event
	f.db.View(func(tx *storage.Tx) error {
		evs, err := tx.Events(0, 1<<20)
		for _, e := range evs {
			if e.Type == typ {
				out = append(out, e)
			}
		}
		return err
	})
	return out
}

func (f *h3Fix) pendingJob(key string) *scheduler.Job {
	var j *scheduler.Job
	f.db.View(func(tx *storage.Tx) error { j, _ = f.s.Jobs.Get(tx, f.acct.ID, key); return nil })
	return j
}

// local builds a wall-clock time in the account's zone.
func (f *h3Fix) local(y int, mo time.Month, d, h, min int) time.Time {
	return time.Date(y, mo, d, h, min, 0, 0, f.acct.Location()).UTC()
}

// weekdays9to18 are Monday–Friday 09:00–18:00.
func weekdays9to18(ooo string) inboxes.BusinessHours {
	h := inboxes.BusinessHours{Enabled: true, OutOfOffice: ooo}
	for d := time.Monday; d <= time.Friday; d++ {
		h.Days[d] = inboxes.Day{Open: true, From: "09:00", To: "18:00"}
	}
	return h
}

// TestGreetingOnceOnNewConversation: the greeting goes out once, as a system message that does
// not count as an answer.
func TestGreetingOnceOnNewConversation(t *testing.T) {
	f := h3New(t, time.Date(2025, 6, 2, 15, 0, 0, 0, time.UTC), "America/Sao_Paulo", "en", func(_ *accounts.Account, in *inboxes.Inbox) {
		in.Greeting = inboxes.Greeting{Enabled: true, Message: "Hi! We usually answer within minutes."}
	})
	c := f.start("hello")
	f.incoming(c, "anyone there?")
	got := f.automatedOf(c, AutoGreeting)
	if len(got) != 1 {
		t.Fatalf("greetings: %+v", got)
	}
	g := got[0]
	if g.Type != Outgoing || g.SenderType != "" || g.Private || g.Content != "Hi! We usually answer within minutes." || g.Status != StatusSending {
		t.Fatalf("greeting: %+v", g)
	}
	if c := f.conv(c); c.WaitingSince == nil || c.FirstReplyAt != nil {
		t.Fatalf("the greeting answered the contact: waiting %v, first reply %v", c.WaitingSince, c.FirstReplyAt)
	}

	// A conversation of an inbox without greeting gets none.
	f.update(func(tx *storage.Tx) error { f.inbox.Greeting.Enabled = false; return inboxes.Inboxes.Put(tx, f.inbox) })
	if c2 := f.start("hi again"); len(f.automatedOf(c2, AutoGreeting)) != 0 {
		t.Fatal("greeting sent with the greeting off")
	}
}

// TestOutOfOfficeOncePerClosedPeriod: outside business hours the contact is told once per
// closed period; during opening hours nothing is sent.
func TestOutOfOfficeOncePerClosedPeriod(t *testing.T) {
	f := h3New(t, time.Time{}, "America/Sao_Paulo", "pt-BR", func(_ *accounts.Account, in *inboxes.Inbox) {
		in.BusinessHours = weekdays9to18("Estamos fechados; voltamos às 9h.")
	})
	f.clock.Set(f.local(2025, 6, 7, 10, 0)) // Saturday
	c := f.start("oi")
	f.clock.Set(f.local(2025, 6, 7, 15, 0))
	f.incoming(c, "alô?")
	if n := len(f.automatedOf(c, AutoOutOfOffice)); n != 1 {
		t.Fatalf("saturday: %d out-of-office messages, want 1", n)
	}
	f.clock.Set(f.local(2025, 6, 9, 10, 0)) // Monday, open
	f.incoming(c, "bom dia")
	if n := len(f.automatedOf(c, AutoOutOfOffice)); n != 1 {
		t.Fatalf("monday morning: %d out-of-office messages, want 1", n)
	}
	f.clock.Set(f.local(2025, 6, 9, 20, 0)) // Monday night: a new closed period
	f.incoming(c, "ainda aí?")
	ooo := f.automatedOf(c, AutoOutOfOffice)
	if len(ooo) != 2 || ooo[1].Content != "Estamos fechados; voltamos às 9h." {
		t.Fatalf("monday night: %+v", ooo)
	}
}

// TestDoNotDisturbDefersAutomatedMessages: during the account's quiet hours the greeting waits
// for the end of the period and is then sent exactly once.
func TestDoNotDisturbDefersAutomatedMessages(t *testing.T) {
	f := h3New(t, time.Time{}, "Europe/Lisbon", "en", func(a *accounts.Account, in *inboxes.Inbox) {
		a.DoNotDisturb = accounts.DoNotDisturb{Enabled: true, Start: "22:00", End: "07:00"}
		in.Greeting = inboxes.Greeting{Enabled: true, Message: "Hello!"}
	})
	f.clock.Set(f.local(2025, 6, 2, 23, 30))
	c := f.start("late question")
	if n := len(f.automatedOf(c, AutoGreeting)); n != 0 {
		t.Fatalf("greeting sent during quiet hours: %d", n)
	}
	j := f.pendingJob(automatedKey(c.ID, AutoGreeting))
	if j == nil || !j.Due.Equal(f.local(2025, 6, 3, 7, 0)) {
		t.Fatalf("deferred job: %+v", j)
	}
	f.advance(f.local(2025, 6, 3, 6, 59))
	if n := len(f.automatedOf(c, AutoGreeting)); n != 0 {
		t.Fatalf("greeting sent before the quiet period ended: %d", n)
	}
	f.advance(f.local(2025, 6, 3, 7, 1))
	f.advance(f.local(2025, 6, 3, 9, 0))
	got := f.automatedOf(c, AutoGreeting)
	if len(got) != 1 || !got[0].CreatedAt.Equal(f.local(2025, 6, 3, 7, 1)) {
		t.Fatalf("greetings after the quiet period: %+v", got)
	}

	// An agent who answered during the night makes the held greeting pointless.
	f.clock.Set(f.local(2025, 6, 3, 23, 0))
	c2 := f.start("another")
	f.reply(c2, "I'm here")
	f.advance(f.local(2025, 6, 4, 8, 0))
	if n := len(f.automatedOf(c2, AutoGreeting)); n != 0 {
		t.Fatalf("greeting sent after an agent answered: %d", n)
	}
}

func TestLangFollowsAccount(t *testing.T) {
	if lang(&accounts.Account{Language: "pt-BR"}, "a", "b") != "b" || lang(&accounts.Account{Language: "en"}, "a", "b") != "a" || lang(nil, "a", "b") != "a" {
		t.Fatal("lang picks the wrong language")
	}
}
