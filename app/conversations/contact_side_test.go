package conversations

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// visitor makes a contact identity in the fixture's inbox, as the client API does.
func (f *cxFix) visitor(name string) Visitor {
	f.t.Helper()
	var v Visitor
	err := f.db.Update(func(tx *storage.Tx) error {
		c, ci, _, err := contacts.FindOrCreate(tx, f.acct.ID, f.inbox.ID, contacts.Identity{SourceID: "web-" + name, Name: name})
		v = Visitor{AccountID: f.acct.ID, InboxID: f.inbox.ID, ContactID: c.ID, ContactInboxID: ci.ID}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

func (f *cxFix) start(v Visitor, key string) *PublicConversation {
	f.t.Helper()
	f.tick()
	pc, err := f.s.StartContactConversation(cxCtx, v, ContactConversationInput{SourceID: key})
	if err != nil {
		f.t.Fatal(err)
	}
	return pc
}

func (f *cxFix) post(v Visitor, id uint64, content, key string) (*MessageView, bool) {
	f.t.Helper()
	f.tick()
	m, dup, err := f.s.ContactPost(cxCtx, v, id, ContactMessageInput{Content: content, SourceID: key, EchoID: "e-" + key})
	if err != nil {
		f.t.Fatal(err)
	}
	return m, dup
}

func TestContactStartIsIdempotentPerVisitor(t *testing.T) {
	f := cxNew(t, "en")
	f.setInbox(func(in *inboxes.Inbox) {
		in.Greeting = inboxes.Greeting{Enabled: true, Message: "Hi! How can we help?"}
	})
	maria, joao := f.visitor("Maria"), f.visitor("Joao")

	a := f.start(maria, "k1")
	again := f.start(maria, "k1")
	if a.ID != again.ID {
		t.Fatalf("a retry with the same key made conversation #%d after #%d", again.ID, a.ID)
	}
	if n := len(f.events(EventConversationCreated)); n != 1 {
		t.Fatalf("want one conversation_created, got %d", n)
	}
	if len(a.Messages) != 1 || a.Messages[0].Content != "Hi! How can we help?" || a.Status != Open {
		t.Fatalf("a new conversation shows the greeting: %+v", a)
	}
	// The key is the visitor's: another visitor with the same key gets their own conversation.
	b := f.start(joao, "k1")
	if b.ID == a.ID {
		t.Fatal("two visitors share a conversation through the same key")
	}
	// No key: a new conversation every time.
	if c, d := f.start(maria, ""), f.start(maria, ""); c.ID == d.ID {
		t.Fatal("calls without a key must start separate conversations")
	}
	list, err := f.s.ContactConversations(cxCtx, maria)
	if err != nil || len(list) != 3 || list[2].ID != a.ID {
		t.Fatalf("maria's conversations, newest first: %+v %v", list, err)
	}

	f.setInbox(func(in *inboxes.Inbox) { in.Enabled = false })
	_, err = f.s.StartContactConversation(cxCtx, maria, ContactConversationInput{SourceID: "k2"})
	cxWantKind(t, err, apperr.Unavailable)
}

func TestContactPostGoesThroughIngest(t *testing.T) {
	f := cxNew(t, "en")
	maria, joao := f.visitor("Maria"), f.visitor("Joao")
	pc := f.start(maria, "")

	m, dup := f.post(maria, pc.ID, "Hello", "m1")
	if dup || m.ContentAttributes["echo_id"] != "e-m1" || m.MessageType != 0 || m.ConversationID != pc.ID {
		t.Fatalf("first post: %+v dup=%v", m, dup)
	}
	again, dup := f.post(maria, pc.ID, "Hello", "m1")
	if !dup || again.ID != m.ID {
		t.Fatalf("a retry must answer the first message: %d vs %d dup=%v", again.ID, m.ID, dup)
	}
	if n := len(f.thread(pc.ID)); n != 1 {
		t.Fatalf("a retry stored a message: %d in the thread", n)
	}
	if c := f.conv(pc.ID); c.Incoming != 1 || c.WaitingSince == nil {
		t.Fatalf("ingest keeps the counters: %+v", c)
	}

	// Someone else's conversation does not exist for the visitor, and another visitor's key is
	// not a retry of theirs.
	_, _, err := f.s.ContactPost(cxCtx, joao, pc.ID, ContactMessageInput{Content: "hi"})
	cxWantKind(t, err, apperr.NotFound)
	jc := f.start(joao, "")
	_, _, err = f.s.ContactPost(cxCtx, joao, jc.ID, ContactMessageInput{Content: "hi", SourceID: "m1"})
	cxWantField(t, err, "source_id")

	_, _, err = f.s.ContactPost(cxCtx, maria, pc.ID, ContactMessageInput{Content: strings.Repeat("á", MaxContactContent+1)})
	cxWantField(t, err, "content")
	_, _, err = f.s.ContactPost(cxCtx, maria, pc.ID, ContactMessageInput{Content: "  "})
	cxWantField(t, err, "content")
	_, _, err = f.s.ContactPost(cxCtx, maria, pc.ID, ContactMessageInput{Attachments: []Attachment{{Hash: strings.Repeat("ab", 32)}}})
	cxWantField(t, err, "attachments[0].hash")

	// The visitor writing into their resolved conversation opens that very conversation again.
	if _, err := f.s.ContactResolve(cxCtx, maria, pc.ID); err != nil {
		t.Fatal(err)
	}
	if st := f.conv(pc.ID).Status; st != Resolved {
		t.Fatalf("resolved by the visitor: %s", st)
	}
	if acts := f.activities(pc.ID); len(acts) != 1 || !strings.Contains(acts[0], "Maria") {
		t.Fatalf("the activity line names the contact: %q", acts)
	}
	f.post(maria, pc.ID, "one more thing", "m2")
	if st := f.conv(pc.ID).Status; st != Open {
		t.Fatalf("a message reopens the conversation: %s", st)
	}
}

func TestContactSeesNoNotesNorActivity(t *testing.T) {
	f := cxNew(t, "en")
	maria, joao := f.visitor("Maria"), f.visitor("Joao")
	pc := f.start(maria, "")
	f.post(maria, pc.ID, "Hello", "m1")
	if _, err := f.s.CreateMessage(cxCtx, f.ana, pc.ID, NewMessage{Content: "secret note", Private: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Assign(cxCtx, f.ana, pc.ID, Assignment{AssigneeID: &f.ana.UserID}); err != nil {
		t.Fatal(err)
	}
	f.tick()
	reply, err := f.s.CreateMessage(cxCtx, f.ana, pc.ID, NewMessage{Content: "Hi Maria"})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.activities(pc.ID)) == 0 {
		t.Fatal("the assignment should have written an activity line")
	}
	msgs, err := f.s.ContactMessages(cxCtx, maria, pc.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Content != "Hello" || msgs[1].Content != "Hi Maria" {
		t.Fatalf("the visitor sees their message and the reply only: %+v", msgs)
	}
	raw, _ := json.Marshal(msgs[1].Sender)
	if strings.Contains(string(raw), "@") || msgs[1].Sender.Name != "Ana" || msgs[1].Sender.Type != SenderUser {
		t.Fatalf("an agent shows as name and avatar only: %s", raw)
	}
	got, err := f.s.ContactConversation(cxCtx, maria, pc.ID)
	if err != nil || len(got.Messages) != 2 {
		t.Fatalf("the conversation's latest messages are public ones: %+v %v", got, err)
	}
	// Paging back from the reply gives the visitor's first message.
	older, err := f.s.ContactMessages(cxCtx, maria, pc.ID, reply.ID, 0)
	if err != nil || len(older) != 1 || older[0].Content != "Hello" {
		t.Fatalf("before the reply: %+v %v", older, err)
	}
	_, err = f.s.ContactMessages(cxCtx, joao, pc.ID, 0, 0)
	cxWantKind(t, err, apperr.NotFound)
	_, err = f.s.ContactConversation(cxCtx, joao, pc.ID)
	cxWantKind(t, err, apperr.NotFound)
}

func TestContactTypingAndSeen(t *testing.T) {
	f := cxNew(t, "en")
	maria := f.visitor("Maria")
	pc := f.start(maria, "")
	f.post(maria, pc.ID, "Hello", "m1")

	if err := f.s.ContactTyping(cxCtx, maria, pc.ID, true); err != nil {
		t.Fatal(err)
	}
	evs := f.events(EventTypingOn)
	if len(evs) != 1 {
		t.Fatalf("want one typing event, got %d", len(evs))
	}
	var d struct {
		Conversation Ref `json:"conversation"`
		Contact      struct {
			ID   uint64 `json:"id"`
			Name string `json:"name"`
		} `json:"contact"`
	}
	if err := json.Unmarshal(evs[0].Data, &d); err != nil || d.Contact.ID != maria.ContactID || d.Contact.Name != "Maria" || d.Conversation.ContactInboxID != maria.ContactInboxID {
		t.Fatalf("the typing event names the contact: %s %v", evs[0].Data, err)
	}

	// An agent typing a note is marked private, so the widget can leave it out.
	if err := f.s.SetTyping(cxCtx, f.ana, pc.ID, true, true); err != nil {
		t.Fatal(err)
	}
	var agent struct {
		IsPrivate bool `json:"is_private"`
	}
	evs = f.events(EventTypingOn)
	if json.Unmarshal(evs[len(evs)-1].Data, &agent); !agent.IsPrivate {
		t.Fatalf("a note's typing must be private: %s", evs[len(evs)-1].Data)
	}

	f.tick()
	sent, _ := f.s.CreateMessage(cxCtx, f.ana, pc.ID, NewMessage{Content: "Hi"})
	if err := f.s.SetDelivery(cxCtx, f.acct.ID, sent.ID, StatusSent, "", ""); err != nil {
		t.Fatal(err)
	}
	pending, _ := f.s.CreateMessage(cxCtx, f.ana, pc.ID, NewMessage{Content: "still sending"})
	note, _ := f.s.CreateMessage(cxCtx, f.ana, pc.ID, NewMessage{Content: "note", Private: true})
	f.tick()
	if err := f.s.ContactSeen(cxCtx, maria, pc.ID); err != nil {
		t.Fatal(err)
	}
	status := map[uint64]string{}
	for _, m := range f.thread(pc.ID) {
		status[m.ID] = m.Status
	}
	if status[sent.ID] != StatusRead || status[pending.ID] != StatusSending || status[note.ID] != StatusSent {
		t.Fatalf("seen turns sent replies read and nothing else: %v", status)
	}
	got, _ := f.s.ContactConversation(cxCtx, maria, pc.ID)
	if got.ContactLastSeenAt != f.clock().Unix() {
		t.Fatalf("contact_last_seen_at = %d, want %d", got.ContactLastSeenAt, f.clock().Unix())
	}
	if err := f.s.ContactTyping(cxCtx, f.visitor("Joao"), pc.ID, true); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another visitor cannot type in the conversation: %v", err)
	}
}

// A disabled inbox stops accepting: the visitor's typing and read marks are refused as their
// messages are, and leave nothing behind (no event, no last-seen time).
func TestContactTypingAndSeenRefusedWhenTheInboxIsDisabled(t *testing.T) {
	f := cxNew(t, "en")
	maria := f.visitor("Maria")
	pc := f.start(maria, "")
	f.setInbox(func(in *inboxes.Inbox) { in.Enabled = false })
	before := len(f.events(EventTypingOn))
	if err := f.s.ContactTyping(cxCtx, maria, pc.ID, true); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("typing in a disabled inbox: %v", err)
	}
	if n := len(f.events(EventTypingOn)); n != before {
		t.Fatalf("a refused typing update emitted an event (%d, was %d)", n, before)
	}
	if err := f.s.ContactSeen(cxCtx, maria, pc.ID); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("seen in a disabled inbox: %v", err)
	}
	f.setInbox(func(in *inboxes.Inbox) { in.Enabled = true })
	got, err := f.s.ContactConversation(cxCtx, maria, pc.ID)
	if err != nil || got.ContactLastSeenAt != 0 {
		t.Fatalf("a refused read mark was stored: %+v %v", got, err)
	}
}
