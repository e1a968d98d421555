package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// hit is one request a receiver got.
type hit struct {
	Header http.Header
	Body   []byte
}

// receiver is an httptest endpoint that records what it gets and answers with the queued
// status codes (200 once the queue is empty, or always `fixed` when set).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	hits   []hit
	codes  []int
	always int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.hits = append(r.hits, hit{Header: req.Header.Clone(), Body: body})
		code := 200
		if r.always != 0 {
			code = r.always
		} else if len(r.codes) > 0 {
			code, r.codes = r.codes[0], r.codes[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(code)
		w.Write([]byte("answer " + strconv.Itoa(code)))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// fixture is a store with an account (an English administrator, a Portuguese administrator and
// an agent), an API inbox, the conversations service and the webhooks service on a test clock.
type fixture struct {
	t       *testing.T
	db      *storage.DB
	clock   *clock
	convs   *conversations.Service
	svc     *Service
	acct    uint64
	admin   access.Actor
	agent   access.Actor
	adminPT uint64
	inbox   uint64
	cursor  uint64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureIn(t, t.TempDir())
}

func newFixtureIn(t *testing.T, dir string) *fixture {
	t.Helper()
	db := storagetest.Open(t, dir, storage.Options{})
	clk := &clock{t: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
	a := auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost})
	acc := accounts.New(db, a)
	res, err := acc.Setup(context.Background(), accounts.SetupInput{AccountName: "Padaria Pão Quente", Name: "Olga Owner", Email: "owner@example.com",
		Password: "correct horse", TimeZone: "America/Sao_Paulo", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, clock: clk, acct: res.AccountID,
		admin: access.Actor{UserID: res.UserID, UserName: "Olga Owner", AccountID: res.AccountID, Role: access.Administrator}}
	pt, err := acc.AddAgent(context.Background(), f.admin, accounts.NewAgent{Name: "Paula Admin", Email: "paula@example.com", Role: access.Administrator, Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	f.adminPT = pt.ID
	ag, err := acc.AddAgent(context.Background(), f.admin, accounts.NewAgent{Name: "Bruno Lima", Email: "bruno@example.com", Role: access.Agent, Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	f.agent = access.Actor{UserID: ag.ID, UserName: "Bruno Lima", AccountID: res.AccountID, Role: access.Agent, Permissions: access.AgentDefaults}
	err = db.Update(func(tx *storage.Tx) error {
		u, err := auth.Users.Get(tx, 0, pt.ID)
		if err != nil {
			return err
		}
		u.Language = "pt-BR"
		if err := auth.Users.Put(tx, u); err != nil {
			return err
		}
		in := &inboxes.Inbox{AccountID: res.AccountID, Name: "Loja API", ChannelType: inboxes.ChannelAPI, Enabled: true, Identifier: "api-inbox-token"}
		err = inboxes.Inboxes.Put(tx, in)
		f.inbox = in.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.convs = conversations.New(conversations.Deps{DB: db, Logger: quiet, Now: clk.Now})
	f.svc = New(Deps{DB: db, Conversations: f.convs, Notify: notify.New(db), Logger: quiet, Now: clk.Now})
	f.skipFeed()
	return f
}

// skipFeed moves the fixture's feed cursor past everything emitted so far.
func (f *fixture) skipFeed() {
	f.db.View(func(tx *storage.Tx) error { f.cursor = tx.OutboxHead(); return nil })
}

// pending reads the change feed since the last call.
func (f *fixture) pending() []storage.Event {
	f.t.Helper()
	var evs []storage.Event
	if err := f.db.View(func(tx *storage.Tx) (err error) { evs, err = tx.Events(f.cursor, 0); return err }); err != nil {
		f.t.Fatal(err)
	}
	if len(evs) > 0 {
		f.cursor = evs[len(evs)-1].Seq
	}
	return evs
}

// feed hands the new change-feed events to the consumer, as the dispatcher would.
func (f *fixture) feed() []storage.Event {
	f.t.Helper()
	evs := f.pending()
	if err := f.svc.Handle(context.Background(), evs); err != nil {
		f.t.Fatal(err)
	}
	return evs
}

func (f *fixture) runDue() int {
	f.t.Helper()
	n, err := f.svc.RunDue(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) hook(url string, subs ...string) *WebhookView {
	f.t.Helper()
	w, err := f.svc.Create(context.Background(), f.admin, WebhookInput{URL: &url, Subscriptions: &subs})
	if err != nil {
		f.t.Fatal(err)
	}
	return w
}

// setInboxWebhook points the API inbox at url, signed with secret.
func (f *fixture) setInboxWebhook(url, secret string) {
	f.t.Helper()
	err := f.db.Update(func(tx *storage.Tx) error {
		in, err := inboxes.Inboxes.Get(tx, f.acct, f.inbox)
		if err != nil {
			return err
		}
		in.Channel = map[string]any{inboxes.KeyWebhookURL: url, inboxes.KeyWebhookSecret: secret}
		return inboxes.Inboxes.Put(tx, in)
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// incoming stores a contact's message in the API inbox.
func (f *fixture) incoming(source, content string) conversations.IngestResult {
	f.t.Helper()
	res, err := f.convs.Ingest(context.Background(), f.acct, conversations.Inbound{InboxID: f.inbox,
		Contact: contacts.Identity{SourceID: source, Name: "Carla Cliente", Email: source + "@example.com"}, Content: content})
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func (f *fixture) deliveries() []Delivery {
	f.t.Helper()
	var out []Delivery
	f.db.View(func(tx *storage.Tx) error {
		return Deliveries.Each(tx, f.acct, storage.Query{}, func(d *Delivery) bool { out = append(out, *d); return true })
	})
	return out
}

func (f *fixture) webhook(id uint64) *Webhook {
	f.t.Helper()
	var w *Webhook
	if err := f.db.View(func(tx *storage.Tx) (err error) { w, err = Webhooks.Get(tx, f.acct, id); return err }); err != nil {
		f.t.Fatal(err)
	}
	return w
}

// verify checks a request's signature headers against secret, recomputing the HMAC.
func verify(t *testing.T, h hit, secret string) {
	t.Helper()
	ts := h.Header.Get("X-Parley-Timestamp")
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil {
		t.Fatalf("timestamp %q: %v", ts, err)
	}
	// Recomputed here by hand, as a receiver would, rather than with Sign.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(h.Body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	got := h.Header.Get("X-Parley-Signature")
	if !hmac.Equal([]byte(got), []byte(want)) {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if h.Header.Get("X-Chatwoot-Signature") != got || h.Header.Get("X-Chatwoot-Timestamp") != ts || h.Header.Get("X-Chatwoot-Delivery") != h.Header.Get("X-Parley-Delivery") {
		t.Fatalf("chatwoot headers differ: %v", h.Header)
	}
	if h.Header.Get("Content-Type") != "application/json" || h.Header.Get("User-Agent") != "Parley-Webhooks/1.0" {
		t.Fatalf("headers: %v", h.Header)
	}
}

func decode(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	return m
}
