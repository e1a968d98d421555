package conversations

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/search"
	"github.com/parleyhq/parley/storage/storagetest"
)

// cxFix is the conversations-core test world: a real store, blob store and search index, one
// account with an API inbox and these people:
//   - admin: administrator (sees everything);
//   - ana, bruno: agents working the inbox;
//   - carla: works the inbox with a custom role limited to her own conversations, member of the
//     team "support";
//   - dan: an agent who does not work the inbox.
type cxFix struct {
	t       testing.TB
	db      *storage.DB
	s       *Service
	ix      *search.Index
	applied uint64
	mu      sync.Mutex
	now     time.Time

	acct                          *accounts.Account
	inbox                         *inboxes.Inbox
	support, sales                *accounts.Team
	admin, ana, bruno, carla, dan access.Actor
}

func cxNew(t testing.TB, lang string) *cxFix {
	dir := t.TempDir()
	db := storagetest.Open(t, dir, storage.Options{NoSync: true})
	f := &cxFix{t: t, db: db, now: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	jobs := scheduler.New(db, scheduler.Options{Logger: quiet, Now: f.clock})
	f.s = New(Deps{DB: db, Blobs: blob.New(db), Jobs: jobs, Logger: quiet, Now: f.clock})
	ix, err := search.Open(db, filepath.Join(dir, "index"), SearchTypes(), search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	f.ix = ix
	f.s.SetSearch(ix)

	err = db.Update(func(tx *storage.Tx) error {
		f.acct = &accounts.Account{Name: "Loja", Language: lang, TimeZone: "America/Sao_Paulo"}
		if err := accounts.Accounts.Put(tx, f.acct); err != nil {
			return err
		}
		role := &accounts.CustomRole{AccountID: f.acct.ID, Name: "Own only", Permissions: access.AgentDefaults, OwnConversationsOnly: true}
		if err := accounts.CustomRoles.Put(tx, role); err != nil {
			return err
		}
		mk := func(name string, r access.Role, customRole uint64) access.Actor {
			u := &auth.User{Name: name, Email: name + "@example.com", Language: lang}
			if err := auth.Users.Put(tx, u); err != nil {
				t.Fatal(err)
			}
			if err := accounts.Members.Put(tx, &accounts.Member{AccountID: f.acct.ID, UserID: u.ID, Role: r, CustomRoleID: customRole, Availability: "online"}); err != nil {
				t.Fatal(err)
			}
			a, _ := memberActor(tx, f.acct.ID, u.ID)
			a.UserName = name
			return a
		}
		f.admin = mk("Admin", access.Administrator, 0)
		f.ana = mk("Ana", access.Agent, 0)
		f.bruno = mk("Bruno", access.Agent, 0)
		f.carla = mk("Carla", access.Agent, role.ID)
		f.dan = mk("Dan", access.Agent, 0)
		f.support = &accounts.Team{AccountID: f.acct.ID, Name: "Support", MemberIDs: []uint64{f.carla.UserID}}
		f.sales = &accounts.Team{AccountID: f.acct.ID, Name: "Sales", MemberIDs: []uint64{f.dan.UserID}}
		for _, tm := range []*accounts.Team{f.support, f.sales} {
			if err := accounts.Teams.Put(tx, tm); err != nil {
				return err
			}
		}
		f.inbox = &inboxes.Inbox{AccountID: f.acct.ID, Name: "API", ChannelType: inboxes.ChannelAPI, Enabled: true,
			MemberIDs: []uint64{f.ana.UserID, f.bruno.UserID, f.carla.UserID}}
		if err := inboxes.Inboxes.Put(tx, f.inbox); err != nil {
			return err
		}
		for _, l := range []string{"billing", "vip", "bug"} {
			if err := Labels.Put(tx, &Label{AccountID: f.acct.ID, Title: l}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *cxFix) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// tick moves the clock a second, so that activity orders are distinct.
func (f *cxFix) tick() {
	f.mu.Lock()
	f.now = f.now.Add(time.Second)
	f.mu.Unlock()
}

// setInbox changes the inbox in the store.
func (f *cxFix) setInbox(fn func(in *inboxes.Inbox)) {
	f.t.Helper()
	err := f.db.Update(func(tx *storage.Tx) error {
		in, err := inboxes.Inboxes.Get(tx, f.acct.ID, f.inbox.ID)
		if err != nil {
			return err
		}
		fn(in)
		f.inbox = in
		return inboxes.Inboxes.Put(tx, in)
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// in is an inbound message from contact `who`.
func (f *cxFix) in(who, content string) Inbound {
	return Inbound{InboxID: f.inbox.ID, Contact: contacts.Identity{SourceID: "src-" + who, Name: who}, Content: content}
}

func (f *cxFix) ingest(in Inbound) IngestResult {
	f.t.Helper()
	f.tick()
	r, err := f.s.Ingest(context.Background(), f.acct.ID, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// conv reads conversation number id as stored.
func (f *cxFix) conv(id uint64) *Conversation {
	f.t.Helper()
	var c *Conversation
	err := f.db.View(func(tx *storage.Tx) (err error) {
		c, err = Conversations.GetBy(tx, f.acct.ID, "display", storage.Uint(id))
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// thread lists conversation number id's messages in order.
func (f *cxFix) thread(id uint64) []Message {
	f.t.Helper()
	c := f.conv(id)
	var out []Message
	f.db.View(func(tx *storage.Tx) error {
		p, err := Messages.Scan(tx, f.acct.ID, storage.Query{Index: "conversation", Prefix: storage.Uint(c.ID)})
		out = p.Items
		return err
	})
	return out
}

// activities lists the activity lines of conversation number id.
func (f *cxFix) activities(id uint64) []string {
	var out []string
	for _, m := range f.thread(id) {
		if m.Type == Activity {
			out = append(out, m.Content)
		}
	}
	return out
}

// events lists the emitted events of a type.
func (f *cxFix) events(typ string) []storage.Event {
	var out []storage.Event
	f.db.View(func(tx *storage.Tx) error {
		all, err := tx.Events(0, 0)
		for _, e := range all {
			if e.Type == typ {
				out = append(out, e)
			}
		}
		return err
	})
	return out
}

// index applies every new change-feed event to the search index, as the app's consumer does.
func (f *cxFix) index() {
	f.t.Helper()
	var evs []storage.Event
	f.db.View(func(tx *storage.Tx) (err error) { evs, err = tx.Events(f.applied, 0); return err })
	if len(evs) == 0 {
		return
	}
	if err := f.ix.Apply(context.Background(), evs); err != nil {
		f.t.Fatal(err)
	}
	f.applied = evs[len(evs)-1].Seq
}

// newConv starts a conversation through ingest and returns its number.
func (f *cxFix) newConv(who, content string) uint64 {
	f.t.Helper()
	return f.ingest(f.in(who, content)).DisplayID
}

// setConv sets conversation fields directly (setting up visibility cases).
func (f *cxFix) setConv(id uint64, fn func(c *Conversation)) {
	f.t.Helper()
	err := f.db.Update(func(tx *storage.Tx) error {
		c, err := Conversations.GetBy(tx, f.acct.ID, "display", storage.Uint(id))
		if err != nil {
			return err
		}
		fn(c)
		return f.s.putConversation(tx, c)
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// cxWantField fails unless err is a validation error naming field.
func cxWantField(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Fields[field] == "" {
		t.Fatalf("want a field error on %q, got %v", field, err)
	}
}

func cxWantKind(t *testing.T, err error, kind apperr.Kind) {
	t.Helper()
	if !apperr.Is(err, kind) {
		t.Fatalf("want %v, got %v", kind, err)
	}
}

func cxIDs(vs []ConversationView) string {
	s := ""
	for _, v := range vs {
		s += fmt.Sprintf("#%d ", v.ID)
	}
	return s
}

var cxCtx = context.Background()
