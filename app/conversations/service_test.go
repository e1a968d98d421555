package conversations

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

func ptrU(v uint64) *uint64 { return &v }

// Status, priority, label and assignment changes leave activity lines in the account's
// language, and tell everyone with events.
func TestActivityLinesInPortuguese(t *testing.T) {
	f := cxNew(t, "pt-BR")
	id := f.newConv("maria", "oi")
	steps := []func() error{
		func() error {
			_, err := f.s.ToggleStatus(cxCtx, f.bruno, id, StatusChange{Status: Resolved})
			return err
		},
		func() error { _, err := f.s.ToggleStatus(cxCtx, f.bruno, id, StatusChange{}); return err }, // toggles back to open
		func() error {
			_, err := f.s.ToggleStatus(cxCtx, f.bruno, id, StatusChange{Status: Pending})
			return err
		},
		func() error { _, err := f.s.SetPriority(cxCtx, f.bruno, id, Urgent); return err },
		func() error { _, err := f.s.SetPriority(cxCtx, f.bruno, id, "none"); return err },
		func() error { _, err := f.s.AddLabels(cxCtx, f.bruno, id, []string{"Billing", "vip"}); return err },
		func() error { _, err := f.s.RemoveLabels(cxCtx, f.bruno, id, []string{"vip"}); return err },
		func() error {
			_, err := f.s.Assign(cxCtx, f.bruno, id, Assignment{AssigneeID: ptrU(f.ana.UserID)})
			return err
		},
		func() error {
			_, err := f.s.Assign(cxCtx, f.bruno, id, Assignment{AssigneeID: ptrU(f.bruno.UserID)})
			return err
		},
		func() error {
			_, err := f.s.Assign(cxCtx, f.bruno, id, Assignment{TeamID: ptrU(f.support.ID)})
			return err
		},
		func() error { _, err := f.s.Assign(cxCtx, f.bruno, id, Assignment{AssigneeID: ptrU(0)}); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := []string{
		"Conversa resolvida por Bruno",
		"Conversa reaberta por Bruno",
		"Conversa marcada como pendente por Bruno",
		"Bruno definiu a prioridade como Urgente",
		"Bruno removeu a prioridade",
		"Bruno adicionou billing, vip",
		"Bruno removeu vip",
		"Atribuída a Ana por Bruno",
		"Bruno atribuiu esta conversa a si mesmo(a)",
		"Atribuída ao time Support por Bruno",
		"Atribuição removida por Bruno",
	}
	if got := f.activities(id); !slices.Equal(got, want) {
		t.Fatalf("activity lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	c := f.conv(id)
	if !slices.Equal(c.Labels, []string{"billing"}) || c.Priority != NoPrio || c.TeamID != f.support.ID || c.AssigneeID != 0 || c.ResolvedAt == nil {
		t.Fatalf("conversation %+v", c)
	}
	// Ana was notified of her assignment (in her language); Bruno's self-assignment notified nobody.
	var n int
	f.db.View(func(tx *storage.Tx) error { n = len(f.events("notification.created")); return nil })
	if n != 1 {
		t.Fatalf("%d notifications, want 1", n)
	}
	var d EventData
	evs := f.events(EventConversationStatusChanged)
	json.Unmarshal(evs[0].Data, &d)
	if d.PreviousStatus != Open || d.Conversation.Status != Resolved {
		t.Fatalf("status event %+v", d)
	}
	evs = f.events(EventConversationUpdated)
	json.Unmarshal(evs[len(evs)-1].Data, &d)
	if !slices.Equal(d.Changed, []string{"assignee"}) {
		t.Fatalf("updated event %+v", d)
	}
}

// Bad input is refused naming the field, and nothing is written.
func TestActionValidation(t *testing.T) {
	f := cxNew(t, "en")
	id := f.newConv("maria", "hi")
	n := len(f.thread(id))
	_, err := f.s.AddLabels(cxCtx, f.ana, id, []string{"billing", "nope"})
	cxWantField(t, err, "labels")
	_, err = f.s.SetPriority(cxCtx, f.ana, id, "critical")
	cxWantField(t, err, "priority")
	_, err = f.s.ToggleStatus(cxCtx, f.ana, id, StatusChange{Status: "closed"})
	cxWantField(t, err, "status")
	past := f.clock().Add(-time.Minute)
	_, err = f.s.ToggleStatus(cxCtx, f.ana, id, StatusChange{Status: Snoozed, SnoozedUntil: &past})
	cxWantField(t, err, "snoozed_until")
	_, err = f.s.Assign(cxCtx, f.ana, id, Assignment{AssigneeID: ptrU(f.dan.UserID)})
	cxWantField(t, err, "assignee_id")
	_, err = f.s.Assign(cxCtx, f.ana, id, Assignment{TeamID: ptrU(999)})
	cxWantField(t, err, "team_id")
	_, err = f.s.CreateMessage(cxCtx, f.ana, id, NewMessage{Content: "  "})
	cxWantField(t, err, "content")
	_, err = f.s.CreateMessage(cxCtx, f.ana, id, NewMessage{Content: strings.Repeat("a", 10001)})
	cxWantField(t, err, "content")
	_, err = f.s.CreateMessage(cxCtx, f.ana, id, NewMessage{Content: "x", MessageType: "template"})
	cxWantField(t, err, "message_type")
	_, err = f.s.CreateMessage(cxCtx, f.ana, id, NewMessage{Content: "x", Attachments: []Attachment{{Hash: strings.Repeat("a", 64)}}})
	cxWantField(t, err, "attachments[0].hash")
	if len(f.thread(id)) != n {
		t.Fatal("a refused action wrote a message")
	}
	// Only administrators delete; viewers cannot act.
	cxWantKind(t, f.s.Delete(cxCtx, f.ana, id), apperr.Forbidden)
	viewer := f.ana
	viewer.Permissions = map[string]access.Level{"conversations": access.View}
	_, err = f.s.CreateMessage(cxCtx, viewer, id, NewMessage{Content: "x"})
	cxWantKind(t, err, apperr.Forbidden)
	// Incoming messages only in API inboxes.
	f.setInbox(func(in *inboxes.Inbox) { in.ChannelType = inboxes.ChannelEmail })
	_, err = f.s.CreateMessage(cxCtx, f.ana, id, NewMessage{Content: "x", MessageType: "incoming"})
	cxWantField(t, err, "message_type")
}

// Agents' messages: replies are outgoing and waiting for delivery, incoming ones (API inbox)
// reopen a resolved conversation; delivery reports never move a message backwards.
func TestMessagesAndDelivery(t *testing.T) {
	f := cxNew(t, "en")
	id := f.newConv("maria", "hi")
	m, err := f.s.CreateMessage(cxCtx, f.ana, id, NewMessage{Content: "hello Maria"})
	if err != nil {
		t.Fatal(err)
	}
	c := f.conv(id)
	if m.Type != Outgoing || m.Status != StatusSending || m.SenderID != f.ana.UserID || c.FirstReplyAt == nil || c.WaitingSince != nil {
		t.Fatalf("reply %+v, conversation %+v", m, c)
	}
	steps := []struct{ status, want string }{
		{StatusDelivered, StatusDelivered}, {StatusSent, StatusDelivered}, {StatusFailed, StatusDelivered},
		{StatusRead, StatusRead}, {StatusDelivered, StatusRead},
	}
	for _, st := range steps {
		if err := f.s.SetDelivery(cxCtx, f.acct.ID, m.ID, st.status, "prov-1", ""); err != nil {
			t.Fatal(err)
		}
		if got := f.thread(id)[1]; got.Status != st.want || got.SourceID != "prov-1" {
			t.Fatalf("after %s: %s (%q)", st.status, got.Status, got.SourceID)
		}
	}
	m2, _ := f.s.CreateMessage(cxCtx, f.ana, id, NewMessage{Content: "second"})
	if err := f.s.SetDeliveryBySource(cxCtx, f.acct.ID, f.inbox.ID, "nope", StatusRead, ""); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown source: %v", err)
	}
	if err := f.s.SetDelivery(cxCtx, f.acct.ID, m2.ID, StatusFailed, "", "number not on WhatsApp"); err != nil {
		t.Fatal(err)
	}
	if got := f.thread(id)[2]; got.Status != StatusFailed || got.Error != "number not on WhatsApp" {
		t.Fatalf("failed: %+v", got)
	}
	if n := len(f.events(EventMessageUpdated)); n != 3 {
		t.Fatalf("%d message_updated events, want 3 (no event without a change)", n)
	}

	if _, err := f.s.ToggleStatus(cxCtx, f.ana, id, StatusChange{Status: Resolved}); err != nil {
		t.Fatal(err)
	}
	in, err := f.s.CreateMessage(cxCtx, f.ana, id, NewMessage{Content: "from the integration", MessageType: "incoming"})
	if err != nil {
		t.Fatal(err)
	}
	if c := f.conv(id); in.Type != Incoming || in.SenderID != c.ContactID || c.Status != Open || c.Incoming != 2 {
		t.Fatalf("incoming %+v conversation %+v", in, c)
	}
}

// The list: default open, tabs with counts, filters, paging of 25, created_at sort.
func TestListFiltersAndPages(t *testing.T) {
	f := cxNew(t, "en")
	for i := range 30 {
		f.newConv(fmt.Sprintf("c%02d", i), "hi")
	}
	for id := uint64(1); id <= 10; id++ {
		f.setConv(id, func(c *Conversation) { c.AssigneeID = f.ana.UserID })
	}
	f.setConv(11, func(c *Conversation) { c.Status = Pending })
	for id := uint64(12); id <= 14; id++ {
		if _, err := f.s.AddLabels(cxCtx, f.bruno, id, []string{"bug"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.SetPriority(cxCtx, f.bruno, 13, High); err != nil {
		t.Fatal(err)
	}
	l, err := f.s.List(cxCtx, f.ana, Filter{}, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Meta != (Counts{Mine: 10, Unassigned: 19, Assigned: 10, All: 29}) || len(l.Payload) != 25 {
		t.Fatalf("page 1: %+v, %d rows", l.Meta, len(l.Payload))
	}
	// Newest activity first (activity lines do not count as activity).
	if l.Payload[0].ID != 30 || l.Payload[1].ID != 29 {
		t.Fatalf("order %s", cxIDs(l.Payload))
	}
	l2, _ := f.s.List(cxCtx, f.ana, Filter{}, "", 2)
	if len(l2.Payload) != 4 || l2.Meta != l.Meta {
		t.Fatalf("page 2: %d rows %+v", len(l2.Payload), l2.Meta)
	}
	check := func(name string, fl Filter, want ...uint64) {
		t.Helper()
		l, err := f.s.List(cxCtx, f.ana, fl, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := displayIDs(l.Payload); !slices.Equal(got, want) {
			t.Fatalf("%s: %v, want %v", name, got, want)
		}
	}
	check("pending", Filter{Status: "pending"}, 11)
	check("labels", Filter{Labels: []string{"bug"}}, 12, 13, 14)
	check("labels and priority", Filter{Labels: []string{"BUG"}, Priority: "high"}, 13)
	check("mine", Filter{AssigneeType: "me", Status: "all"}, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	check("unassigned with label", Filter{AssigneeType: "unassigned", Labels: []string{"bug"}}, 12, 13, 14)
	check("inbox elsewhere", Filter{InboxID: 999})
	since := f.conv(28).LastActivityAt
	check("since", Filter{Since: &since}, 28, 29, 30)
	cl, _ := f.s.List(cxCtx, f.ana, Filter{Sort: "created_at", Status: "all"}, "", 1)
	if cl.Payload[0].ID != 30 || cl.Meta.All != 30 {
		t.Fatalf("created_at sort: first #%d, all %d", cl.Payload[0].ID, cl.Meta.All)
	}
	meta, err := f.s.Meta(cxCtx, f.ana, Filter{Labels: []string{"bug"}})
	if err != nil || meta != (Counts{Unassigned: 3, All: 3}) {
		t.Fatalf("meta %+v %v", meta, err)
	}
	_, err = f.s.List(cxCtx, f.ana, Filter{Status: "closed", AssigneeType: "everyone"}, "", 1)
	cxWantField(t, err, "status")
	cxWantField(t, err, "assignee_type")

	// A text query narrows the list through search.
	f.index()
	lq, err := f.s.List(cxCtx, f.ana, Filter{}, "c07", 1)
	if err != nil || len(lq.Payload) != 1 || lq.Payload[0].Meta.Sender.Name != "c07" {
		t.Fatalf("q: %+v %v", lq, err)
	}
}

// Messages come 20 at a time, oldest first, paging back with before.
func TestMessagesPaging(t *testing.T) {
	f := cxNew(t, "en")
	id := f.newConv("maria", "m0")
	ins := make([]Inbound, 0, 44)
	for i := 1; i < 45; i++ {
		ins = append(ins, f.in("maria", "m"+strconv.Itoa(i)))
	}
	if _, err := f.s.IngestBatch(cxCtx, f.acct.ID, ins); err != nil {
		t.Fatal(err)
	}
	p, err := f.s.Messages(cxCtx, f.ana, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Payload) != 20 || p.Payload[0].Content != "m25" || p.Payload[19].Content != "m44" || p.Meta.Contact.Name != "maria" {
		t.Fatalf("latest page: %d, %q…%q", len(p.Payload), p.Payload[0].Content, p.Payload[19].Content)
	}
	p2, _ := f.s.Messages(cxCtx, f.ana, id, p.Payload[0].ID)
	p3, _ := f.s.Messages(cxCtx, f.ana, id, p2.Payload[0].ID)
	if len(p2.Payload) != 20 || p2.Payload[19].Content != "m24" || len(p3.Payload) != 5 || p3.Payload[0].Content != "m0" {
		t.Fatalf("older pages: %d %d", len(p2.Payload), len(p3.Payload))
	}
	if p.Payload[0].MessageType != 0 || p.Payload[0].Sender == nil || p.Payload[0].Sender.Type != "contact" || p.Payload[0].ConversationID != id {
		t.Fatalf("view %+v", p.Payload[0])
	}
}

// An uploaded file is attached by hash and served through a signed link that cannot be
// altered or reused after it expires.
func TestAttachmentsSignedLinks(t *testing.T) {
	f := cxNew(t, "en")
	id := f.newConv("maria", "hi")
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 100)...)
	a, err := f.s.Upload(cxCtx, f.ana, bytes.NewReader(png), "../photo.png", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.FileType != FileImage || a.ContentType != "image/png" || a.Name != "photo.png" || a.Size != int64(len(png)) {
		t.Fatalf("upload %+v", a)
	}
	v, err := f.s.PostMessage(cxCtx, f.ana, id, NewMessage{Attachments: []Attachment{{Hash: a.Hash, Name: a.Name, ContentType: a.ContentType, Size: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	att := v.Attachments[0]
	if att.FileSize != int64(len(png)) || att.Extension != "png" || att.ThumbURL == "" || att.FileType != FileImage {
		t.Fatalf("view %+v", att)
	}
	open := func(link string) error {
		u, _ := url.Parse(link)
		parts := strings.Split(u.Path, "/") // /media/attachments/{a}/{m}/{i}
		acc, _ := strconv.ParseUint(parts[3], 10, 64)
		msg, _ := strconv.ParseUint(parts[4], 10, 64)
		idx, _ := strconv.Atoi(parts[5])
		exp, _ := strconv.ParseInt(u.Query().Get("exp"), 10, 64)
		got, file, err := f.s.OpenAttachment(cxCtx, acc, msg, idx, exp, u.Query().Get("sig"))
		if err != nil {
			return err
		}
		defer file.Close()
		body, _ := io.ReadAll(file)
		if !bytes.Equal(body, png) || got.Name != "photo.png" {
			t.Fatalf("served %d bytes, %+v", len(body), got)
		}
		return nil
	}
	if err := open(att.DataURL); err != nil {
		t.Fatal(err)
	}
	cxWantKind(t, open(strings.Replace(att.DataURL, "/0?", "/1?", 1)), apperr.NotFound)
	cxWantKind(t, open(strings.Replace(att.DataURL, "exp=", "exp=1", 1)), apperr.NotFound)
	f.mu.Lock()
	f.now = f.now.Add(26 * time.Hour)
	f.mu.Unlock()
	cxWantKind(t, open(att.DataURL), apperr.NotFound)
	if !Inline("image/png") || Inline("image/svg+xml") || Inline("application/pdf") {
		t.Fatal("inline rules")
	}
}

// Agents start conversations with a contact in their inbox (auto-assignment applies), an
// administrator deletes them, and the bot switch flips the contact's bot status.
func TestCreateBotAndDelete(t *testing.T) {
	f := cxNew(t, "en")
	var contactID uint64
	f.db.Update(func(tx *storage.Tx) error {
		ct := &contacts.Contact{AccountID: f.acct.ID, Name: "Joana"}
		err := contacts.Contacts.Put(tx, ct)
		contactID = ct.ID
		return err
	})
	_, err := f.s.Create(cxCtx, f.dan, NewConversation{InboxID: f.inbox.ID, ContactID: contactID})
	cxWantField(t, err, "inbox_id")
	_, err = f.s.Create(cxCtx, f.ana, NewConversation{InboxID: f.inbox.ID, ContactID: 999, AssigneeID: f.dan.UserID})
	cxWantField(t, err, "contact_id")
	cxWantField(t, err, "assignee_id")
	v, err := f.s.Create(cxCtx, f.ana, NewConversation{InboxID: f.inbox.ID, ContactID: contactID, AssigneeID: f.bruno.UserID, Message: &FirstMessage{Content: "Hi Joana"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Meta.Assignee == nil || v.Meta.Assignee.ID != f.bruno.UserID || len(v.Messages) != 1 || v.Messages[0].Content != "Hi Joana" || v.Meta.Sender.Name != "Joana" || !v.BotEnabled {
		t.Fatalf("created %+v", v)
	}
	if err := f.s.SetBot(cxCtx, f.ana, v.ID, false); err != nil {
		t.Fatal(err)
	}
	if g, _ := f.s.Get(cxCtx, f.ana, v.ID); g.BotEnabled {
		t.Fatal("bot still on")
	}
	if err := f.s.Typing(cxCtx, f.ana, v.ID, true); err != nil || len(f.events(EventTypingOn)) != 1 {
		t.Fatalf("typing: %v", err)
	}
	if err := f.s.Delete(cxCtx, f.admin, v.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Get(cxCtx, f.admin, v.ID)
	cxWantKind(t, err, apperr.NotFound)
	f.db.View(func(tx *storage.Tx) error {
		if n, _ := Messages.Count(tx, f.acct.ID, storage.Query{}); n != 0 {
			t.Fatalf("%d messages left", n)
		}
		return nil
	})
}
