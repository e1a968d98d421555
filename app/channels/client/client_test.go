package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/storagetest"
)

var ctx = context.Background()

// world is a store with one account, a website inbox (token "site-token", HMAC secret
// "s3cret") and an API inbox ("api-token"), and the client service over them.
type world struct {
	t       *testing.T
	db      *storage.DB
	s       *Service
	convs   *conversations.Service
	acct    uint64
	site    *inboxes.Inbox
	apiInbx *inboxes.Inbox
}

const secret = "s3cret"

func newWorld(t *testing.T) *world {
	t.Helper()
	db := storagetest.Open(t, t.TempDir(), storage.Options{NoSync: true})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	blobs := blob.New(db)
	convs := conversations.New(conversations.Deps{DB: db, Blobs: blobs, Logger: quiet})
	w := &world{t: t, db: db, convs: convs, s: New(Deps{DB: db, Blobs: blobs, Conversations: convs, Logger: quiet})}
	err := db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Loja", Language: "en"}
		if err := accounts.Accounts.Put(tx, a); err != nil {
			return err
		}
		w.acct = a.ID
		w.site = &inboxes.Inbox{AccountID: a.ID, Name: "Site", ChannelType: inboxes.ChannelWebWidget, Enabled: true, Identifier: "site-token",
			Channel: map[string]any{inboxes.KeyHMACToken: secret}}
		w.apiInbx = &inboxes.Inbox{AccountID: a.ID, Name: "API", ChannelType: inboxes.ChannelAPI, Enabled: true, Identifier: "api-token"}
		mail := &inboxes.Inbox{AccountID: a.ID, Name: "Mail", ChannelType: inboxes.ChannelEmail, Enabled: true, Identifier: "mail-token"}
		for _, in := range []*inboxes.Inbox{w.site, w.apiInbx, mail} {
			if err := inboxes.Inboxes.Put(tx, in); err != nil {
				return err
			}
			if err := inboxes.PublicIDs.Put(tx, &inboxes.PublicID{ID: in.ID, AccountID: a.ID, Token: in.Identifier}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// setSite changes the website inbox in the store.
func (w *world) setSite(fn func(in *inboxes.Inbox)) {
	w.t.Helper()
	err := w.db.Update(func(tx *storage.Tx) error {
		fn(w.site)
		return inboxes.Inboxes.Put(tx, w.site)
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) contact(inbox string, in ContactInput, ip string) *PublicContact {
	w.t.Helper()
	c, err := w.s.CreateContact(ctx, inbox, in, ip)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func wantKind(t *testing.T, err error, kind apperr.Kind) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind {
		t.Fatalf("want %v, got %v", kind, err)
	}
	return e
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if e, ok := apperr.As(err); !ok || e.Fields[field] == "" {
		t.Fatalf("want a field error on %q, got %v", field, err)
	}
}

func TestInboxResolution(t *testing.T) {
	w := newWorld(t)
	_, err := w.s.CreateContact(ctx, "nope", ContactInput{}, "1.1.1.1")
	wantKind(t, err, apperr.NotFound)
	_, err = w.s.CreateContact(ctx, "mail-token", ContactInput{}, "1.1.1.1")
	wantKind(t, err, apperr.NotFound)
	c := w.contact("site-token", ContactInput{Name: "Maria"}, "1.1.1.1")
	if len(c.SourceID) < 20 || len(c.PubsubToken) < 20 || c.SourceID == c.PubsubToken {
		t.Fatalf("source id and pubsub token must be long random secrets: %+v", c)
	}
	w.setSite(func(in *inboxes.Inbox) { in.Enabled = false })
	_, err = w.s.CreateContact(ctx, "site-token", ContactInput{}, "1.1.1.1")
	wantKind(t, err, apperr.Unavailable)
	_, err = w.s.Conversations(ctx, Caller{Inbox: "site-token", Contact: c.SourceID, IP: "1.1.1.1"})
	wantKind(t, err, apperr.Unavailable)
}

func TestHMACIdentity(t *testing.T) {
	w := newWorld(t)
	hash := IdentifierHash(secret, "user-42")
	phone := w.contact("site-token", ContactInput{Identifier: "user-42", IdentifierHash: hash, Name: "Ana", Email: "ana@example.com"}, "1.1.1.1")
	call := func(src string) Caller { return Caller{Inbox: "site-token", Contact: src, IP: "1.1.1.1"} }
	conv, err := w.s.StartConversation(ctx, call(phone.SourceID), conversations.ContactConversationInput{})
	if err != nil {
		t.Fatal(err)
	}
	// A second device of the same signed-in user gets the same identity and conversations,
	// with its own pubsub token.
	laptop := w.contact("site-token", ContactInput{Identifier: "user-42", IdentifierHash: strings.ToUpper(hash)}, "2.2.2.2")
	if laptop.SourceID != phone.SourceID || laptop.ID != phone.ID || laptop.PubsubToken == phone.PubsubToken {
		t.Fatalf("verified devices must share the identity: %+v vs %+v", laptop, phone)
	}
	list, err := w.s.Conversations(ctx, call(laptop.SourceID))
	if err != nil || len(list) != 1 || list[0].ID != conv.ID {
		t.Fatalf("the second device sees the conversation: %+v %v", list, err)
	}
	for _, tok := range []string{phone.PubsubToken, laptop.PubsubToken} {
		v, err := w.s.VisitorByPubsub(ctx, "site-token", tok)
		if err != nil || v.ContactID != phone.ID {
			t.Fatalf("pubsub token resolves the visitor: %+v %v", v, err)
		}
	}
	_, err = w.s.VisitorByPubsub(ctx, "api-token", phone.PubsubToken)
	wantKind(t, err, apperr.Unauthorized)
	_, err = w.s.VisitorByPubsub(ctx, "site-token", "guess")
	wantKind(t, err, apperr.Unauthorized)
	// The token is kept hashed.
	w.db.View(func(tx *storage.Tx) error {
		return pubsubTokens.EachAccount(tx, func(_ uint64, p *pubsubToken) error {
			if p.Hash == phone.PubsubToken || p.Hash != hashToken(phone.PubsubToken) && p.Hash != hashToken(laptop.PubsubToken) {
				t.Errorf("stored token %q is not the hash of an issued one", p.Hash)
			}
			return nil
		})
	})

	// Without a (valid) hash the identifier links to nobody: a new contact without the
	// identifier and email another contact holds.
	for _, h := range []string{"", IdentifierHash("wrong", "user-42")} {
		anon := w.contact("site-token", ContactInput{Identifier: "user-42", IdentifierHash: h, Email: "ana@example.com", Name: "Mallory"}, "3.3.3.3")
		if anon.ID == phone.ID || anon.SourceID == phone.SourceID || anon.Identifier != "" || anon.Email != "" {
			t.Fatalf("an unsigned identifier must not link: %+v", anon)
		}
		list, err := w.s.Conversations(ctx, call(anon.SourceID))
		if err != nil || len(list) != 0 {
			t.Fatalf("the impostor sees conversations: %+v %v", list, err)
		}
		_, err = w.s.Conversation(ctx, call(anon.SourceID), conv.ID)
		wantKind(t, err, apperr.NotFound)
	}

	// An identifier planted by an anonymous visitor is never handed its identity later.
	planted := w.contact("site-token", ContactInput{Identifier: "user-77"}, "3.3.3.3")
	if planted.Identifier != "user-77" {
		t.Fatalf("a free identifier is kept on the anonymous contact: %+v", planted)
	}
	real := w.contact("site-token", ContactInput{Identifier: "user-77", IdentifierHash: IdentifierHash(secret, "user-77")}, "4.4.4.4")
	if real.SourceID == planted.SourceID {
		t.Fatal("a verified user got the identity an anonymous visitor made")
	}

	w.setSite(func(in *inboxes.Inbox) { in.Channel[inboxes.KeyHMACMandatory] = true })
	_, err = w.s.CreateContact(ctx, "site-token", ContactInput{Identifier: "user-42", IdentifierHash: "00"}, "5.5.5.5")
	e := wantKind(t, err, apperr.Unauthorized)
	if e.Fields["identifier_hash"] == "" {
		t.Fatalf("the refusal names identifier_hash: %v", err)
	}
	if _, err := w.s.CreateContact(ctx, "site-token", ContactInput{Identifier: "user-42", IdentifierHash: hash}, "5.5.5.5"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.CreateContact(ctx, "site-token", ContactInput{Name: "anonymous is fine"}, "5.5.5.5"); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateContactClashes(t *testing.T) {
	w := newWorld(t)
	ana := w.contact("site-token", ContactInput{Name: "Ana", Email: "ana@example.com", PhoneNumber: "+5511999990000"}, "1.1.1.1")
	v := w.contact("site-token", ContactInput{}, "1.1.1.1")
	if !strings.HasPrefix(v.Name, "Visitor ") {
		t.Fatalf("an anonymous contact gets a fallback name: %q", v.Name)
	}
	call := Caller{Inbox: "site-token", Contact: v.SourceID, IP: "1.1.1.1"}
	_, err := w.s.UpdateContact(ctx, call, ContactInput{Email: "ANA@example.com"})
	wantField(t, err, "email")
	_, err = w.s.UpdateContact(ctx, call, ContactInput{PhoneNumber: "+55 11 99999-0000"})
	wantField(t, err, "phone_number")
	_, err = w.s.UpdateContact(ctx, call, ContactInput{Email: "not an email"})
	wantField(t, err, "email")
	_, err = w.s.UpdateContact(ctx, call, ContactInput{Identifier: "user-1"})
	wantKind(t, err, apperr.Unauthorized)
	got, err := w.s.UpdateContact(ctx, call, ContactInput{Name: "Bia", Email: "bia@example.com", CustomAttributes: map[string]any{"plan": "pro"},
		Identifier: "user-1", IdentifierHash: IdentifierHash(secret, "user-1")})
	if err != nil || got.Name != "Bia" || got.Email != "bia@example.com" || got.Identifier != "user-1" || got.SourceID != v.SourceID || got.PubsubToken != "" {
		t.Fatalf("pre-chat update: %+v %v", got, err)
	}
	// The signed identifier now brings other devices to this identity.
	other := w.contact("site-token", ContactInput{Identifier: "user-1", IdentifierHash: IdentifierHash(secret, "user-1")}, "1.1.1.1")
	if other.SourceID != v.SourceID {
		t.Fatalf("a verified identifier set by update links devices: %+v", other)
	}
	w.db.View(func(tx *storage.Tx) error {
		c, _ := contacts.Contacts.Get(tx, w.acct, got.ID)
		if c.CustomAttributes["plan"] != "pro" {
			t.Errorf("custom attributes reach the contact: %+v", c.CustomAttributes)
		}
		return nil
	})
	if g, err := w.s.GetContact(ctx, call); err != nil || g.Email != "bia@example.com" || g.PubsubToken != "" || ana.ID == g.ID {
		t.Fatalf("get: %+v %v", g, err)
	}
	_, err = w.s.GetContact(ctx, Caller{Inbox: "api-token", Contact: v.SourceID})
	wantKind(t, err, apperr.NotFound)
}

func TestIdempotencyAcrossInboxes(t *testing.T) {
	w := newWorld(t)
	site := w.contact("site-token", ContactInput{Name: "Maria"}, "1.1.1.1")
	api := w.contact("api-token", ContactInput{Name: "Maria"}, "1.1.1.1")
	sc := Caller{Inbox: "site-token", Contact: site.SourceID, IP: "1.1.1.1"}
	ac := Caller{Inbox: "api-token", Contact: api.SourceID, IP: "1.1.1.1"}
	c1, _ := w.s.StartConversation(ctx, sc, conversations.ContactConversationInput{SourceID: "same"})
	c2, _ := w.s.StartConversation(ctx, ac, conversations.ContactConversationInput{SourceID: "same"})
	if c1 == nil || c2 == nil || c1.ID == c2.ID {
		t.Fatal("the same key in two inboxes must give two conversations")
	}
	m1, _, err := w.s.Post(ctx, sc, c1.ID, conversations.ContactMessageInput{Content: "hi", SourceID: "msg"})
	if err != nil {
		t.Fatal(err)
	}
	m2, dup, err := w.s.Post(ctx, ac, c2.ID, conversations.ContactMessageInput{Content: "hi", SourceID: "msg"})
	if err != nil || dup || m2.ID == m1.ID {
		t.Fatalf("the same message key in another inbox is a new message: %+v dup=%v %v", m2, dup, err)
	}
	// The site visitor cannot reach the API conversation by its number.
	_, err = w.s.Messages(ctx, sc, c2.ID, 0)
	wantKind(t, err, apperr.NotFound)
}

func TestRateLimits(t *testing.T) {
	w := newWorld(t)
	for i := range 10 {
		if _, err := w.s.CreateContact(ctx, "site-token", ContactInput{}, "9.9.9.9"); err != nil {
			t.Fatalf("contact %d: %v", i, err)
		}
	}
	_, err := w.s.CreateContact(ctx, "site-token", ContactInput{}, "9.9.9.9")
	if e := wantKind(t, err, apperr.TooManyRequests); e.RetryAfterSeconds < 1 || e.RetryAfterSeconds > 30 {
		t.Fatalf("retry after %d s", e.RetryAfterSeconds)
	}
	// Another address is not held back.
	v := w.contact("site-token", ContactInput{}, "8.8.8.8")
	call := Caller{Inbox: "site-token", Contact: v.SourceID, IP: "8.8.8.8"}
	conv, err := w.s.StartConversation(ctx, call, conversations.ContactConversationInput{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, _, err := w.s.Post(ctx, call, conv.ID, conversations.ContactMessageInput{Content: "spam"}); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	_, _, err = w.s.Post(ctx, call, conv.ID, conversations.ContactMessageInput{Content: "spam"})
	wantKind(t, err, apperr.TooManyRequests)
	for range 30 {
		if err := w.s.Typing(ctx, call, conv.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, w.s.Typing(ctx, call, conv.ID, true), apperr.TooManyRequests)
	for range 5 {
		if _, err := w.s.Upload(ctx, call, strings.NewReader("x"), "a.txt", "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	_, err = w.s.Upload(ctx, call, strings.NewReader("x"), "a.txt", "text/plain")
	wantKind(t, err, apperr.TooManyRequests)
	// Every call of an address counts: 120, then refused.
	n := 0
	for ; n < 200; n++ {
		if _, err := w.s.GetContact(ctx, Caller{Inbox: "site-token", Contact: v.SourceID, IP: "7.7.7.7"}); err != nil {
			wantKind(t, err, apperr.TooManyRequests)
			break
		}
	}
	if n != 120 {
		t.Fatalf("an address got %d calls before the limit, want 120", n)
	}
}

func TestUploads(t *testing.T) {
	w := newWorld(t)
	maria := w.contact("site-token", ContactInput{Name: "Maria"}, "1.1.1.1")
	joao := w.contact("site-token", ContactInput{Name: "Joao"}, "1.1.1.1")
	mc := Caller{Inbox: "site-token", Contact: maria.SourceID, IP: "1.1.1.1"}
	jc := Caller{Inbox: "site-token", Contact: joao.SourceID, IP: "1.1.1.1"}
	_, err := w.s.Upload(ctx, mc, bytes.NewReader(make([]byte, MaxUpload+1)), "big.bin", "")
	wantField(t, err, "file")
	a, err := w.s.Upload(ctx, mc, strings.NewReader("\x89PNG\r\n\x1a\n tiny"), "../../pic.png", "")
	if err != nil || a.FileType != conversations.FileImage || a.Name != "pic.png" || a.Size == 0 {
		t.Fatalf("upload: %+v %v", a, err)
	}
	jconv, _ := w.s.StartConversation(ctx, jc, conversations.ContactConversationInput{})
	_, _, err = w.s.Post(ctx, jc, jconv.ID, conversations.ContactMessageInput{Attachments: []conversations.Attachment{{Hash: a.Hash}}})
	wantField(t, err, "attachments[0].hash")
	mconv, _ := w.s.StartConversation(ctx, mc, conversations.ContactConversationInput{})
	m, _, err := w.s.Post(ctx, mc, mconv.ID, conversations.ContactMessageInput{Attachments: []conversations.Attachment{*a}})
	if err != nil || len(m.Attachments) != 1 || !strings.HasPrefix(m.Attachments[0].DataURL, "/media/attachments/") {
		t.Fatalf("a visitor attaches their own upload: %+v %v", m, err)
	}
}

// A contact an anonymous visitor made (or filled through the pre-chat form) holds values nobody
// verified: a signed-in user whose identifier, email or phone matches must get a contact of
// their own, or the anonymous visitor would read the user's details through their own source id
// and write as them in the agents' inbox. A contact nobody reaches anonymously (made by the
// agents or another channel) is still found by email, as FindOrCreate does.
func TestVerifiedUserNeverAdoptsAnAnonymousContact(t *testing.T) {
	w := newWorld(t)
	mine := func(src string) Caller { return Caller{Inbox: "site-token", Contact: src, IP: "3.3.3.3"} }

	planted := w.contact("site-token", ContactInput{Identifier: "user-77"}, "3.3.3.3")
	real := w.contact("site-token", ContactInput{Identifier: "user-77", IdentifierHash: IdentifierHash(secret, "user-77"),
		Name: "Real Person", PhoneNumber: "+5511988887777"}, "4.4.4.4")
	if real.ID == planted.ID {
		t.Fatal("a verified user was given the contact an anonymous visitor planted their identifier on")
	}
	if got, err := w.s.GetContact(ctx, mine(planted.SourceID)); err != nil || got.PhoneNumber != "" || got.Name == "Real Person" {
		t.Fatalf("the anonymous visitor reads the verified user's details: %+v %v", got, err)
	}
	again := w.contact("site-token", ContactInput{Identifier: "user-77", IdentifierHash: IdentifierHash(secret, "user-77")}, "4.4.4.4")
	if again.SourceID != real.SourceID {
		t.Fatalf("the verified user's devices still share one identity: %+v vs %+v", again, real)
	}

	// The same through an email given in the pre-chat form.
	anon := w.contact("site-token", ContactInput{}, "3.3.3.3")
	if _, err := w.s.UpdateContact(ctx, mine(anon.SourceID), ContactInput{Email: "bea@example.com"}); err != nil {
		t.Fatal(err)
	}
	bea := w.contact("site-token", ContactInput{Identifier: "user-88", IdentifierHash: IdentifierHash(secret, "user-88"),
		Email: "bea@example.com", Name: "Bea"}, "4.4.4.4")
	if bea.ID == anon.ID {
		t.Fatal("a verified user was linked to an anonymous visitor's contact by email")
	}
	if got, err := w.s.GetContact(ctx, mine(anon.SourceID)); err != nil || got.Identifier != "" || got.Name == "Bea" {
		t.Fatalf("the anonymous visitor's contact took the verified user's identity: %+v %v", got, err)
	}

}

// A valid hash proves the identifier, nothing else: the email and phone number sent with it are
// the visitor's say-so. A verified user who sends someone else's email or phone must neither be
// linked to that person's contact (they would read the name and phone and write as them) nor
// take the value; they are still served, with a contact of their own.
func TestVerifiedIdentityLinksByIdentifierOnly(t *testing.T) {
	w := newWorld(t)
	var victim *contacts.Contact
	err := w.db.Update(func(tx *storage.Tx) error {
		victim = &contacts.Contact{AccountID: w.acct, Name: "Cris Victim", Email: "cris@example.com", Phone: "+5511977776666"}
		return contacts.Contacts.Put(tx, victim)
	})
	if err != nil {
		t.Fatal(err)
	}
	me := func(src string) Caller { return Caller{Inbox: "site-token", Contact: src, IP: "4.4.4.4"} }
	for i, in := range []ContactInput{
		{Email: "cris@example.com"},
		{PhoneNumber: "+55 11 97777-6666"},
		{Email: "CRIS@example.com", PhoneNumber: "+5511977776666", Name: "Mallory"},
	} {
		id := fmt.Sprintf("mallory-%d", i)
		in.Identifier, in.IdentifierHash = id, IdentifierHash(secret, id)
		got := w.contact("site-token", in, "4.4.4.4")
		if got.ID == victim.ID {
			t.Fatalf("case %d: a verified user was linked to another contact by its email or phone", i)
		}
		if got.Identifier != id || got.Email != "" || got.PhoneNumber != "" || got.Name == "Cris Victim" {
			t.Fatalf("case %d: the verified user's contact took another contact's details: %+v", i, got)
		}
		if g, err := w.s.GetContact(ctx, me(got.SourceID)); err != nil || g.ID == victim.ID || g.Email != "" || g.PhoneNumber != "" {
			t.Fatalf("case %d: the visitor reads: %+v %v", i, g, err)
		}
	}

	// Already linked: a later visit with someone else's email leaves the contact as it was,
	// while a free email fills the blank.
	first := w.contact("site-token", ContactInput{Identifier: "user-5", IdentifierHash: IdentifierHash(secret, "user-5"), Name: "Eve"}, "4.4.4.4")
	again := w.contact("site-token", ContactInput{Identifier: "user-5", IdentifierHash: IdentifierHash(secret, "user-5"), Email: "cris@example.com"}, "4.4.4.4")
	if again.SourceID != first.SourceID || again.Email != "" {
		t.Fatalf("a linked user took another contact's email: %+v", again)
	}
	filled := w.contact("site-token", ContactInput{Identifier: "user-5", IdentifierHash: IdentifierHash(secret, "user-5"), Email: "eve@example.com"}, "4.4.4.4")
	if filled.SourceID != first.SourceID || filled.Email != "eve@example.com" {
		t.Fatalf("a free email fills the linked user's blank: %+v", filled)
	}

	// A contact the agents gave the identifier is the user's (found by identifier, as before).
	var known *contacts.Contact
	err = w.db.Update(func(tx *storage.Tx) error {
		known = &contacts.Contact{AccountID: w.acct, Name: "Dani", Identifier: "user-99"}
		return contacts.Contacts.Put(tx, known)
	})
	if err != nil {
		t.Fatal(err)
	}
	dani := w.contact("site-token", ContactInput{Identifier: "user-99", IdentifierHash: IdentifierHash(secret, "user-99"), Email: "dani@example.com"}, "4.4.4.4")
	if dani.ID != known.ID || dani.Email != "dani@example.com" {
		t.Fatalf("a verified user finds the contact with their identifier: %+v", dani)
	}
	w.db.View(func(tx *storage.Tx) error {
		c, err := contacts.Contacts.Get(tx, w.acct, victim.ID)
		if err != nil || c.Identifier != "" || c.Name != "Cris Victim" {
			t.Errorf("the other contact changed: %+v %v", c, err)
		}
		return nil
	})
}

// An IPv6 client holds a whole /64: the per-address limits count it as one address, or every
// request from a new address of the block would start a fresh allowance.
func TestAddressLimitsCountAnIPv6BlockAsOne(t *testing.T) {
	w := newWorld(t)
	for i := range 10 {
		if _, err := w.s.CreateContact(ctx, "site-token", ContactInput{}, fmt.Sprintf("2001:db8:1:2::%x", i+1)); err != nil {
			t.Fatalf("contact %d: %v", i, err)
		}
	}
	_, err := w.s.CreateContact(ctx, "site-token", ContactInput{}, "2001:db8:1:2:ffff::1")
	wantKind(t, err, apperr.TooManyRequests)
	if _, err := w.s.CreateContact(ctx, "site-token", ContactInput{}, "2001:db8:1:3::1"); err != nil {
		t.Fatalf("another /64 is another address: %v", err)
	}
}

// Two identical requests at the same moment (a retry racing the original) still make one
// conversation and one message.
func TestConcurrentRetriesMakeOneOfEach(t *testing.T) {
	w := newWorld(t)
	v := w.contact("site-token", ContactInput{}, "1.1.1.1")
	call := Caller{Inbox: "site-token", Contact: v.SourceID, IP: "1.1.1.1"}
	const n = 8
	convs := make([]uint64, n)
	msgs := make([]uint64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := w.s.StartConversation(ctx, call, conversations.ContactConversationInput{SourceID: "conv-key"})
			if err != nil {
				t.Error(err)
				return
			}
			convs[i] = c.ID
			m, _, err := w.s.Post(ctx, call, c.ID, conversations.ContactMessageInput{Content: "oi", SourceID: "msg-key"})
			if err != nil {
				t.Error(err)
				return
			}
			msgs[i] = m.ID
		}()
	}
	wg.Wait()
	for i := range n {
		if convs[i] != convs[0] || msgs[i] != msgs[0] {
			t.Fatalf("racing retries split: conversations %v messages %v", convs, msgs)
		}
	}
	list, err := w.s.Messages(ctx, call, convs[0], 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("one message stored: %d %v", len(list), err)
	}
}
