package mail

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

var operator = access.Actor{UserID: 1, Operator: true}

// clock is a movable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock {
	// A minute ahead of the wall clock, which Queue stamps messages with: what is queued during
	// the test is due at once.
	return &clock{t: time.Now().UTC().Add(time.Minute)}
}
func fieldOf(err error, f string) string { e, _ := apperr.As(err); return e.Fields[f] }

type fixture struct {
	t     *testing.T
	db    *storage.DB
	svc   *Service
	clock *clock
	smtp  *smtpServer
}

// users are the addresses the fixture's resolver knows (user id -> email, name).
var users = map[uint64][2]string{7: {"ana@example.com", "Ana Sousa"}, 8: {"", "No Address"}}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	c := newClock()
	svc := New(Deps{DB: db, Now: c.Now, PublicURL: "https://parley.example.com/",
		Address: func(tx *storage.Tx, id uint64) (string, string, error) {
			u, ok := users[id]
			if !ok {
				return "", "", apperr.NotFoundf("user %d not found", id)
			}
			return u[0], u[1], nil
		},
		Language: func(tx *storage.Tx, account uint64) string {
			if account == 2 {
				return "pt-BR"
			}
			return "en"
		},
	})
	return &fixture{t: t, db: db, svc: svc, clock: c, smtp: startSMTP(t)}
}

// configure saves working settings for the fixture's SMTP server.
func (f *fixture) configure() {
	f.t.Helper()
	_, err := f.svc.SaveSettings(context.Background(), operator, SettingsInput{Enabled: true, Host: f.smtp.Host, Port: f.smtp.Port,
		Security: SecurityNone, Username: "user", Password: "secret", FromName: "Parley Lojas", FromAddress: "noreply@example.com"})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) queue(m Message) {
	f.t.Helper()
	if err := f.db.Update(func(tx *storage.Tx) error { return Queue(tx, m) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) deliver() {
	f.t.Helper()
	if _, err := f.svc.Deliver(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// all returns every message of the account, oldest first.
func (f *fixture) all(account uint64) []Message {
	f.t.Helper()
	var out []Message
	f.db.View(func(tx *storage.Tx) error {
		p, err := Outgoing.Scan(tx, account, storage.Query{})
		out = p.Items
		return err
	})
	return out
}

func (f *fixture) one(account uint64) Message {
	f.t.Helper()
	all := f.all(account)
	if len(all) != 1 {
		f.t.Fatalf("want 1 message in account %d, have %d: %+v", account, len(all), all)
	}
	return all[0]
}

func TestSettingsValidationAndPasswordNeverShown(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Settings(ctx, access.Actor{UserID: 2, AccountID: 1, Role: access.Administrator}); apperr.KindOf(err) != apperr.Forbidden {
		t.Fatalf("an account administrator read the mail settings: %v", err)
	}
	if _, err := f.svc.SaveSettings(ctx, access.Actor{UserID: 2, AccountID: 1, Role: access.Administrator}, SettingsInput{}); apperr.KindOf(err) != apperr.Forbidden {
		t.Fatalf("an account administrator changed the mail settings: %v", err)
	}

	_, err := f.svc.SaveSettings(ctx, operator, SettingsInput{Enabled: true, Port: 70000, Security: "ssl", FromAddress: "Parley <x@example.com>", FromName: "a\nb", Password: "p"})
	for field, want := range map[string]string{"host": "required", "port": "between", "security": "starttls", "from_address": "valid", "from_name": "one line", "username": "required"} {
		if got := fieldOf(err, field); !strings.Contains(got, want) {
			t.Errorf("field %s: got %q, want it to mention %q (err %v)", field, got, want, err)
		}
	}
	if _, err := f.svc.SaveSettings(ctx, operator, SettingsInput{Host: "smtp://mail.example.com"}); fieldOf(err, "host") == "" {
		t.Errorf("a URL was accepted as host: %v", err)
	}
	if s, _ := f.svc.Settings(ctx, operator); s.Host != "" || s.Enabled {
		t.Fatalf("a refused save wrote something: %+v", s)
	}

	// Switched off, a half-filled server may be saved; the port follows the security.
	s, err := f.svc.SaveSettings(ctx, operator, SettingsInput{Host: "smtp.example.com", Security: "tls"})
	if err != nil || s.Port != 465 || s.Enabled {
		t.Fatalf("half-filled save: %+v %v", s, err)
	}

	s, err = f.svc.SaveSettings(ctx, operator, SettingsInput{Enabled: true, Host: "smtp.example.com", Username: "user", Password: "hunter2-secret", FromAddress: "noreply@example.com"})
	if err != nil || !s.PasswordSet || s.Security != SecurityStartTLS || s.Port != 587 {
		t.Fatalf("save: %+v %v", s, err)
	}
	raw, _ := json.Marshal(s)
	if strings.Contains(string(raw), "hunter2") || strings.Contains(string(raw), `"password"`) {
		t.Fatalf("the settings view shows the password: %s", raw)
	}
	// An empty password keeps the stored one.
	if s, err = f.svc.SaveSettings(ctx, operator, SettingsInput{Enabled: true, Host: "smtp2.example.com", Username: "user", FromAddress: "noreply@example.com"}); err != nil || !s.PasswordSet {
		t.Fatalf("resave without password: %+v %v", s, err)
	}
	f.db.View(func(tx *storage.Tx) error {
		if p := loadServer(tx).Password; p != "hunter2-secret" {
			t.Errorf("stored password %q", p)
		}
		return nil
	})
	// Clearing the user name clears the password.
	if s, err = f.svc.SaveSettings(ctx, operator, SettingsInput{Host: "smtp2.example.com"}); err != nil || s.PasswordSet {
		t.Fatalf("password kept without a user: %+v %v", s, err)
	}
}

func TestQueuedMessageIsDeliveredOnceWithHeadersAndBody(t *testing.T) {
	f := newFixture(t)
	f.configure()
	f.queue(Message{AccountID: 1, UserID: 7, Subject: "Lembrete: ligação às 15h", Text: "Tarefa #12 vence hoje.\nLigar para a cliente.", Link: "/app/accounts/1/tasks/12"})
	f.queue(Message{AccountID: 2, To: "bia@example.com", Subject: "Oi", Text: "Olá", Link: "/app/accounts/2/tasks/3"})
	f.deliver()
	f.deliver() // nothing is due any more: nothing goes twice

	got := f.smtp.messages()
	if len(got) != 2 {
		t.Fatalf("the server got %d messages, want 2", len(got))
	}
	m := f.one(1)
	if m.State != StateSent || m.SentAt == nil || m.Attempts != 1 || m.LastError != "" {
		t.Fatalf("sent message: %+v", m)
	}
	wantID := "<mail-1-" + itoa(m.ID) + "@parley>"
	if m.MessageID != wantID {
		t.Errorf("stored Message-ID %q, want %q", m.MessageID, wantID)
	}
	r := got[0]
	if r.From != "noreply@example.com" || len(r.To) != 1 || r.To[0] != "ana@example.com" || r.User != "user" {
		t.Fatalf("envelope %+v", r)
	}
	mr, err := gomail.CreateReader(strings.NewReader(r.Data))
	if err != nil {
		t.Fatal(err)
	}
	if subj, _ := mr.Header.Subject(); subj != "Lembrete: ligação às 15h" {
		t.Errorf("subject %q", subj)
	}
	if id, _ := mr.Header.MessageID(); "<"+id+">" != wantID {
		t.Errorf("Message-ID header %q, want %q", id, wantID)
	}
	if from, _ := mr.Header.AddressList("From"); len(from) != 1 || from[0].Name != "Parley Lojas" || from[0].Address != "noreply@example.com" {
		t.Errorf("From %v", from)
	}
	if to, _ := mr.Header.AddressList("To"); len(to) != 1 || to[0].Name != "Ana Sousa" || to[0].Address != "ana@example.com" {
		t.Errorf("To %v", to)
	}
	part, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	h := part.Header.(*gomail.InlineHeader)
	if ct, params, _ := h.ContentType(); ct != "text/plain" || params["charset"] != "utf-8" {
		t.Errorf("content type %s %v", ct, params)
	}
	body, _ := io.ReadAll(part.Body)
	want := "Tarefa #12 vence hoje.\nLigar para a cliente.\n\nOpen in Parley: https://parley.example.com/app/accounts/1/tasks/12\n"
	if strings.ReplaceAll(string(body), "\r\n", "\n") != want {
		t.Errorf("body %q, want %q", body, want)
	}
	// The account-2 message follows its account's language.
	if !strings.Contains(got[1].Data, "Abrir no Parley: https://parley.example.com/app/accounts/2/tasks/3") {
		t.Errorf("pt-BR footer missing: %s", got[1].Data)
	}
}

func TestTemporaryFailureIsRetriedWithBackoff(t *testing.T) {
	f := newFixture(t)
	f.configure()
	f.smtp.fail(2)
	f.queue(Message{AccountID: 1, To: "ana@example.com", Subject: "S", Text: "T"})

	f.deliver()
	m := f.one(1)
	if m.State != StateQueued || m.Attempts != 1 || !strings.Contains(m.LastError, "451") || !m.NextAt.Equal(f.clock.Now().Add(time.Minute)) {
		t.Fatalf("after a 451: %+v (now %v)", m, f.clock.Now())
	}
	f.clock.Add(59 * time.Second)
	f.deliver()
	if f.smtp.tries() != 1 {
		t.Fatalf("retried before the backoff: %d tries", f.smtp.tries())
	}
	f.clock.Add(time.Second)
	f.deliver()
	if m = f.one(1); m.Attempts != 2 || !m.NextAt.Equal(f.clock.Now().Add(5*time.Minute)) {
		t.Fatalf("second failure: %+v", m)
	}
	f.clock.Add(5 * time.Minute)
	f.deliver()
	if m = f.one(1); m.State != StateSent || m.Attempts != 3 || len(f.smtp.messages()) != 1 {
		t.Fatalf("after the backoff: %+v, server has %d", m, len(f.smtp.messages()))
	}
}

func TestFailsAfterTheLastRetry(t *testing.T) {
	f := newFixture(t)
	f.configure()
	f.smtp.fail(100)
	f.queue(Message{AccountID: 1, To: "ana@example.com", Subject: "S", Text: "T"})
	f.deliver()
	for _, d := range Backoff {
		f.clock.Add(d)
		f.deliver()
	}
	m := f.one(1)
	if m.State != StateFailed || m.Attempts != len(Backoff)+1 || !strings.Contains(m.LastError, "451") {
		t.Fatalf("after every retry: %+v", m)
	}
	f.clock.Add(24 * time.Hour)
	f.deliver()
	if f.smtp.tries() != len(Backoff)+1 {
		t.Fatalf("a failed message was tried again: %d tries", f.smtp.tries())
	}
}

func TestUnknownRecipientFailsAtOnce(t *testing.T) {
	f := newFixture(t)
	f.configure()
	f.queue(Message{AccountID: 1, UserID: 99, Subject: "S", Text: "T"})
	f.queue(Message{AccountID: 1, UserID: 8, Subject: "S", Text: "T"})
	f.deliver()
	for _, m := range f.all(1) {
		if m.State != StateFailed || m.LastError == "" {
			t.Errorf("message to user %d: %+v", m.UserID, m)
		}
	}
	if f.smtp.tries() != 0 {
		t.Fatal("something was sent")
	}
}

func TestNotConfiguredStaysQueuedThenGoesOut(t *testing.T) {
	f := newFixture(t)
	f.queue(Message{AccountID: 1, To: "ana@example.com", Subject: "S", Text: "T"})
	f.deliver()
	if m := f.one(1); m.State != StateQueued || m.Attempts != 0 {
		t.Fatalf("without a server: %+v", m)
	}
	// Saved but switched off: still waiting.
	if _, err := f.svc.SaveSettings(context.Background(), operator, SettingsInput{Host: f.smtp.Host, Port: f.smtp.Port, Security: SecurityNone, FromAddress: "noreply@example.com"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	f.deliver()
	if m := f.one(1); m.State != StateQueued || f.smtp.tries() != 0 {
		t.Fatalf("with mail off: %+v", m)
	}
	f.configure()
	f.deliver()
	if m := f.one(1); m.State != StateSent || len(f.smtp.messages()) != 1 {
		t.Fatalf("after setup: %+v", m)
	}
}

func TestUnsentForThreeDaysFails(t *testing.T) {
	f := newFixture(t)
	f.queue(Message{AccountID: 1, To: "ana@example.com", Subject: "S", Text: "T"})
	f.clock.Add(Unsent - time.Minute)
	f.deliver()
	if m := f.one(1); m.State != StateQueued {
		t.Fatalf("failed too early: %+v", m)
	}
	f.clock.Add(2 * time.Minute)
	f.deliver()
	if m := f.one(1); m.State != StateFailed || m.LastError != "no mail server was set up" {
		t.Fatalf("after three days: %+v", m)
	}
}

func TestQueueKeyIsIdempotentPerAccount(t *testing.T) {
	f := newFixture(t)
	for range 2 {
		f.queue(Message{AccountID: 1, UserID: 7, Subject: "S", Text: "T", Key: "reminder:5"})
	}
	f.queue(Message{AccountID: 2, UserID: 7, Subject: "S", Text: "T", Key: "reminder:5"})
	if n := len(f.all(1)); n != 1 {
		t.Fatalf("account 1 has %d messages for one key", n)
	}
	f.configure()
	f.deliver()
	f.queue(Message{AccountID: 1, UserID: 7, Subject: "S", Text: "T", Key: "reminder:5"}) // after it was sent
	f.deliver()
	if n := len(f.smtp.messages()); n != 2 || len(f.all(1)) != 1 || len(f.all(2)) != 1 {
		t.Fatalf("the server got %d messages, want one per account", n)
	}
}

func TestWorkerWakesOnQueue(t *testing.T) {
	f := newFixture(t)
	f.svc.now = time.Now // the worker sleeps on real timers
	f.configure()
	if err := f.svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer f.svc.Stop()
	deadline := time.Now().Add(10 * time.Second)
	f.queue(Message{AccountID: 1, To: "ana@example.com", Subject: "S", Text: "T"})
	for len(f.smtp.messages()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the worker did not send the queued message")
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.queue(Message{AccountID: 1, To: "bia@example.com", Subject: "S2", Text: "T"})
	for len(f.smtp.messages()) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the worker did not wake for the second message")
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.svc.Stop()
	if got := f.smtp.messages(); got[1].To[0] != "bia@example.com" {
		t.Fatalf("second message went to %v", got[1].To)
	}
}

func TestPruneAndLatest(t *testing.T) {
	f := newFixture(t)
	f.configure()
	f.queue(Message{AccountID: 1, To: "ana@example.com", Subject: "old", Text: "T"})
	f.deliver()
	f.clock.Add(Keep - time.Hour)
	f.queue(Message{AccountID: 2, To: "bia@example.com", Subject: "new", Text: "T"})
	f.deliver()
	latest, err := f.svc.Latest(context.Background(), operator, 0)
	if err != nil || len(latest) != 2 || latest[0].Subject != "new" || latest[1].Subject != "old" {
		t.Fatalf("latest: %+v %v", latest, err)
	}
	if _, err := f.svc.Latest(context.Background(), access.Actor{UserID: 2, AccountID: 1, Role: access.Administrator}, 0); apperr.KindOf(err) != apperr.Forbidden {
		t.Fatalf("a non-operator listed the mail: %v", err)
	}
	f.clock.Add(2 * time.Hour)
	n, err := f.svc.Prune(context.Background())
	if err != nil || n != 1 || len(f.all(1)) != 0 || len(f.all(2)) != 1 {
		t.Fatalf("prune removed %d (%v); left %d and %d", n, err, len(f.all(1)), len(f.all(2)))
	}
}

func TestSendTest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.SendTest(ctx, operator, "ana@example.com"); fieldOf(err, "host") == "" {
		t.Fatalf("test without settings: %v", err)
	}
	// Switched off is fine for a test: the point is to try before turning mail on.
	if _, err := f.svc.SaveSettings(ctx, operator, SettingsInput{Host: f.smtp.Host, Port: f.smtp.Port, Security: SecurityNone, Username: "user", Password: "secret", FromAddress: "noreply@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SendTest(ctx, operator, "not an address"); fieldOf(err, "to") == "" {
		t.Fatalf("bad address: %v", err)
	}
	if err := f.svc.SendTest(ctx, operator, "ana@example.com"); err != nil {
		t.Fatal(err)
	}
	if got := f.smtp.messages(); len(got) != 1 || got[0].To[0] != "ana@example.com" || !strings.Contains(got[0].Data, "test message") {
		t.Fatalf("server got %+v", got)
	}
	if err := f.svc.SendTest(ctx, operator, "x@reject.example.com"); !strings.Contains(fieldOf(err, "to"), "550") {
		t.Fatalf("rejected recipient: %v", err)
	}
	if _, err := f.svc.SaveSettings(ctx, operator, SettingsInput{Host: f.smtp.Host, Port: f.smtp.Port, Security: SecurityNone, Username: "user", Password: "wrong", FromAddress: "noreply@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SendTest(ctx, operator, "ana@example.com"); !strings.Contains(fieldOf(err, "host"), "sign-in") {
		t.Fatalf("wrong password: %v", err)
	}
	if err := f.svc.SendTest(ctx, access.Actor{UserID: 2, AccountID: 1, Role: access.Administrator}, "ana@example.com"); apperr.KindOf(err) != apperr.Forbidden {
		t.Fatalf("non-operator test: %v", err)
	}
}

func itoa(n uint64) string { b, _ := json.Marshal(n); return string(b) }
