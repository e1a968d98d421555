package widget

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/channels/client"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/events"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/storagetest"
)

// closed waits until the stream's channel closes (frames before that are read and dropped).
func closed(t *testing.T, st *Stream, what string) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case _, ok := <-st.C:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("%s: the stream is still open", what)
		}
	}
}

// open reports whether the stream's channel is still open, reading what is already queued.
func open(st *Stream) bool {
	for {
		select {
		case _, ok := <-st.C:
			if !ok {
				return false
			}
		default:
			return true
		}
	}
}

// A disabled inbox stops accepting, and so stop the sockets its visitors opened before: on the
// change feed's inbox_updated (now disabled) and inbox_deleted, the inbox's streams close, and
// the other inboxes' stay.
func TestStreamsCloseWhenTheInboxIsDisabledOrDeleted(t *testing.T) {
	db := storagetest.Open(t, t.TempDir(), storage.Options{NoSync: true})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	blobs := blob.New(db)
	convs := conversations.New(conversations.Deps{DB: db, Blobs: blobs, Logger: quiet})
	cl := client.New(client.Deps{DB: db, Blobs: blobs, Conversations: convs, Logger: quiet})
	s := New(Deps{DB: db, Client: cl, Conversations: convs, Logger: quiet})
	t.Cleanup(s.Close)
	var acct uint64
	ids := map[string]uint64{}
	err := db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Loja", Language: "en"}
		if err := accounts.Accounts.Put(tx, a); err != nil {
			return err
		}
		acct = a.ID
		for _, tok := range []string{"site-a", "site-b"} {
			in := &inboxes.Inbox{AccountID: a.ID, Name: tok, ChannelType: inboxes.ChannelWebWidget, Enabled: true, Identifier: tok,
				Channel: map[string]any{inboxes.KeyWebsiteURL: "https://example.com", inboxes.KeyAllowedDomains: []string{"example.com"}}}
			if err := inboxes.Inboxes.Put(tx, in); err != nil {
				return err
			}
			ids[tok] = in.ID
			if err := inboxes.PublicIDs.Put(tx, &inboxes.PublicID{ID: in.ID, AccountID: a.ID, Token: tok}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d := events.New(db, events.Options{Logger: quiet})
	d.Register(events.Consumer{Name: "widget", Handle: s.Handle, Ephemeral: true})
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)

	connect := func(tok string) *Stream {
		t.Helper()
		v, err := cl.CreateContact(ctx, tok, client.ContactInput{Name: "Maria"}, "1.1.1.1")
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.Connect(ctx, tok, v.PubsubToken, "1.1.1.1")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	a1, a2, b := connect("site-a"), connect("site-a"), connect("site-b")
	admin := access.SystemActor(acct)
	inboxSvc := inboxes.New(db)

	// A change that leaves the inbox on keeps its sockets (seen below: the feed is in order).
	name := "Site B"
	if _, err := inboxSvc.Update(ctx, admin, ids["site-b"], inboxes.InboxInput{Name: &name}); err != nil {
		t.Fatal(err)
	}
	off := false
	if _, err := inboxSvc.Update(ctx, admin, ids["site-a"], inboxes.InboxInput{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	closed(t, a1, "inbox disabled")
	closed(t, a2, "inbox disabled")
	if !open(b) {
		t.Fatal("another inbox's stream closed")
	}
	if n := s.Streams(); n != 1 {
		t.Fatalf("%d streams counted, want 1", n)
	}
	a1.Close() // the transport's own close after that is harmless

	if err := inboxSvc.Delete(ctx, admin, ids["site-b"]); err != nil {
		t.Fatal(err)
	}
	closed(t, b, "inbox deleted")
	if n := s.Streams(); n != 0 {
		t.Fatalf("%d streams counted, want 0", n)
	}
}
