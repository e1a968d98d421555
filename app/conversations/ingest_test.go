package conversations

import (
	"time"

	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// A channel's retried delivery (same source id in the same inbox) is stored once, whether it
// comes alone or twice in one batch.
func TestIngestDedupBySourceID(t *testing.T) {
	f := cxNew(t, "en")
	in := f.in("maria", "hello")
	in.SourceID = "wamid.1"
	first := f.ingest(in)
	again := f.ingest(in)
	if first.Duplicate || !again.Duplicate || again.MessageID != first.MessageID || again.DisplayID != first.DisplayID || again.ContactID != first.ContactID {
		t.Fatalf("first %+v, again %+v", first, again)
	}
	in2 := f.in("maria", "second")
	in2.SourceID = "wamid.2"
	res, err := f.s.IngestBatch(cxCtx, f.acct.ID, []Inbound{in2, in2, in})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Duplicate || !res[1].Duplicate || !res[2].Duplicate || res[1].MessageID != res[0].MessageID {
		t.Fatalf("batch %+v", res)
	}
	if n := len(f.thread(first.DisplayID)); n != 2 {
		t.Fatalf("%d messages stored, want 2", n)
	}
	if c := f.conv(first.DisplayID); c.Incoming != 2 {
		t.Fatalf("incoming count %d", c.Incoming)
	}
}

// Without lock_to_single_conversation a message after resolution starts a new conversation;
// with it, the resolved one reopens (and says so in a status event).
func TestIngestReopenVersusNew(t *testing.T) {
	f := cxNew(t, "en")
	id := f.newConv("maria", "hi")
	if _, err := f.s.ToggleStatus(cxCtx, f.ana, id, StatusChange{Status: Resolved}); err != nil {
		t.Fatal(err)
	}
	r := f.ingest(f.in("maria", "me again"))
	if !r.NewConversation || r.DisplayID == id || f.conv(id).Status != Resolved {
		t.Fatalf("unlocked inbox: %+v, old status %s", r, f.conv(id).Status)
	}

	f.setInbox(func(in *inboxes.Inbox) { in.LockToSingleConversation = true })
	if _, err := f.s.ToggleStatus(cxCtx, f.ana, r.DisplayID, StatusChange{Status: Resolved}); err != nil {
		t.Fatal(err)
	}
	before := len(f.events(EventConversationStatusChanged))
	r2 := f.ingest(f.in("maria", "and again"))
	if r2.NewConversation || r2.DisplayID != r.DisplayID || f.conv(r.DisplayID).Status != Open {
		t.Fatalf("locked inbox: %+v, status %s", r2, f.conv(r.DisplayID).Status)
	}
	evs := f.events(EventConversationStatusChanged)
	if len(evs) != before+1 || !strings.Contains(string(evs[len(evs)-1].Data), `"previous_status":"resolved"`) {
		t.Fatalf("status events %d→%d", before, len(evs))
	}
}

// A conversation snoozed until the next reply wakes (opens) when the contact writes.
func TestIngestWakesSnoozed(t *testing.T) {
	f := cxNew(t, "en")
	id := f.newConv("maria", "hi")
	if _, err := f.s.ToggleStatus(cxCtx, f.ana, id, StatusChange{Status: Snoozed}); err != nil {
		t.Fatal(err)
	}
	if c := f.conv(id); c.Status != Snoozed {
		t.Fatalf("status %s", c.Status)
	}
	r := f.ingest(f.in("maria", "wake up"))
	if r.DisplayID != id || f.conv(id).Status != Open {
		t.Fatalf("%+v status %s", r, f.conv(id).Status)
	}
}

// A thread key (an email thread) keeps its conversation, and a blocked contact's message is
// dropped without an error; a disabled inbox refuses messages.
func TestIngestThreadsBlockedAndDisabled(t *testing.T) {
	f := cxNew(t, "en")
	a := f.in("maria", "thread A")
	a.ThreadKey = "<a@mail>"
	b := f.in("maria", "thread B")
	b.ThreadKey = "<b@mail>"
	ra, rb := f.ingest(a), f.ingest(b)
	a.Content = "thread A again"
	ra2 := f.ingest(a)
	if ra.DisplayID == rb.DisplayID || ra2.DisplayID != ra.DisplayID {
		t.Fatalf("threads: %d %d %d", ra.DisplayID, rb.DisplayID, ra2.DisplayID)
	}

	err := f.db.Update(func(tx *storage.Tx) error {
		c, err := contacts.Contacts.Get(tx, f.acct.ID, ra.ContactID)
		if err != nil {
			return err
		}
		c.Blocked = true
		return contacts.Contacts.Put(tx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	n := len(f.thread(ra.DisplayID))
	r := f.ingest(a)
	if r.MessageID != 0 || r.ConversationID != 0 || r.ContactID != ra.ContactID || len(f.thread(ra.DisplayID)) != n {
		t.Fatalf("blocked: %+v", r)
	}

	_, err = f.s.Ingest(cxCtx, f.acct.ID, Inbound{InboxID: 999, Contact: contacts.Identity{SourceID: "x"}, Content: "x"})
	cxWantField(t, err, "inbox_id")
	_, err = f.s.Ingest(cxCtx, f.acct.ID, Inbound{InboxID: f.inbox.ID, Contact: contacts.Identity{SourceID: "x"}})
	cxWantField(t, err, "content")
	f.setInbox(func(in *inboxes.Inbox) { in.Enabled = false })
	_, err = f.s.Ingest(cxCtx, f.acct.ID, f.in("maria", "anyone?"))
	cxWantKind(t, err, apperr.Unavailable)
}

// An echo (sent by the business from the phone) is an outgoing message already sent, without
// sender, and does not count as the contact writing.
func TestIngestEcho(t *testing.T) {
	f := cxNew(t, "en")
	id := f.newConv("maria", "hi")
	e := f.in("maria", "sent from my phone")
	e.Echo = true
	f.ingest(e)
	msgs := f.thread(id)
	last := msgs[len(msgs)-1]
	if last.Type != Outgoing || last.Status != StatusSent || last.SenderType != "" || f.conv(id).Incoming != 1 {
		t.Fatalf("echo stored as %+v", last)
	}
}

// openByAgent counts each agent's open conversations in the inbox.
func (f *cxFix) openByAgent() map[uint64]int {
	out := map[uint64]int{}
	f.db.View(func(tx *storage.Tx) error {
		return Conversations.Each(tx, f.acct.ID, storage.Query{Index: "status", Prefix: storage.Str("open")}, func(c *Conversation) bool {
			out[c.AssigneeID]++
			return true
		})
	})
	return out
}

// Auto-assignment spreads new conversations evenly over the online agents of the inbox (10
// over 3 → 4/3/3), skipping agents who are not online or do not work the inbox.
func TestAutoAssignBalance(t *testing.T) {
	f := cxNew(t, "en")
	f.setInbox(func(in *inboxes.Inbox) {
		in.AutoAssign.Enabled = true
		in.MemberIDs = []uint64{f.ana.UserID, f.bruno.UserID}
		in.TeamIDs = []uint64{f.support.ID} // carla works it through her team
	})
	// Dan is offline-irrelevant (not in the inbox); make an inbox worker unavailable to prove
	// availability counts: add dan to the inbox but busy.
	f.setInbox(func(in *inboxes.Inbox) { in.MemberIDs = append(in.MemberIDs, f.dan.UserID) })
	f.db.Update(func(tx *storage.Tx) error {
		m, _ := accounts.Members.GetBy(tx, f.acct.ID, "user", storage.Uint(f.dan.UserID))
		m.Availability = "busy"
		return accounts.Members.Put(tx, m)
	})
	for i := range 10 {
		f.newConv(fmt.Sprintf("c%d", i), "hello")
	}
	got := f.openByAgent()
	if got[f.dan.UserID] != 0 || got[0] != 0 {
		t.Fatalf("dan or nobody got some: %v", got)
	}
	counts := []int{got[f.ana.UserID], got[f.bruno.UserID], got[f.carla.UserID]}
	fours, threes := 0, 0
	for _, n := range counts {
		switch n {
		case 4:
			fours++
		case 3:
			threes++
		}
	}
	if fours != 1 || threes != 2 {
		t.Fatalf("balance %v, want 4/3/3", counts)
	}
	// The assignee was told, and the thread says how it was assigned.
	lines := f.activities(1)
	if len(lines) != 1 || !strings.Contains(lines[0], "auto-assignment") {
		t.Fatalf("activity %q", lines)
	}
	if n := len(f.events("notification.created")); n != 10 {
		t.Fatalf("%d assignment notifications, want 10", n)
	}
}

// With a cap of 2 and two agents, the fifth conversation stays unassigned.
func TestAutoAssignCapacity(t *testing.T) {
	f := cxNew(t, "en")
	f.setInbox(func(in *inboxes.Inbox) {
		in.AutoAssign.Enabled, in.AutoAssign.MaxPerAgent = true, 2
		in.MemberIDs = []uint64{f.ana.UserID, f.bruno.UserID}
	})
	var ids []uint64
	for i := range 5 {
		ids = append(ids, f.newConv(fmt.Sprintf("c%d", i), "hello"))
	}
	got := f.openByAgent()
	if got[f.ana.UserID] != 2 || got[f.bruno.UserID] != 2 || f.conv(ids[4]).AssigneeID != 0 {
		t.Fatalf("capacity: %v, fifth assigned to %d", got, f.conv(ids[4]).AssigneeID)
	}
	// Resolving one frees a slot.
	if _, err := f.s.ToggleStatus(cxCtx, f.admin, ids[0], StatusChange{Status: Resolved}); err != nil {
		t.Fatal(err)
	}
	if r := f.ingest(f.in("c9", "hi")); f.conv(r.DisplayID).AssigneeID != f.conv(ids[0]).AssigneeID {
		t.Fatalf("freed slot not used")
	}
}

// History delivered late keeps its own times: the conversation starts when its first message was
// written, and an echo attributed to an agent counts as that agent's reply.
func TestIngestKeepsHistoryTimesAndEchoSenders(t *testing.T) {
	f := cxNew(t, "en")
	written := f.clock().Add(-72 * time.Hour)
	in := f.in("maria", "hello from last week")
	in.At = written
	res := f.ingest(in)
	c := f.conv(res.DisplayID)
	if !c.CreatedAt.Equal(written) || !c.LastActivityAt.Equal(written) {
		t.Fatalf("created %v, last activity %v; want both %v", c.CreatedAt, c.LastActivityAt, written)
	}
	echo := f.in("maria", "answered from the phone")
	echo.Echo, echo.SenderID, echo.At = true, f.ana.UserID, written.Add(5*time.Minute)
	f.ingest(echo)
	c = f.conv(res.DisplayID)
	if c.FirstReplyAt == nil || !c.FirstReplyAt.Equal(written.Add(5*time.Minute)) {
		t.Fatalf("first reply = %v", c.FirstReplyAt)
	}
	th := f.thread(res.DisplayID)
	last := th[len(th)-1]
	if last.SenderType != SenderUser || last.SenderID != f.ana.UserID || last.Type != Outgoing {
		t.Fatalf("echo stored as %+v", last)
	}
	stranger := f.in("maria", "who is this")
	stranger.Echo, stranger.SenderID = true, 9999
	_, err := f.s.Ingest(t.Context(), f.acct.ID, stranger)
	cxWantField(t, err, "sender_id")
}
