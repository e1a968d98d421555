package conversations

import (
	"encoding/json"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"slices"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// visibilityWorld makes five conversations whose contacts are all named "Zeta …" and whose
// first message says "parcel":
//
//	#1 assigned to Ana            — Carla (own only) may not see it
//	#2 unassigned, no team        — Carla sees it
//	#3 assigned to Carla          — Carla sees it
//	#4 team Support (Carla's)     — Carla sees it
//	#5 assigned to Ana, team Sales — Carla may not see it
func visibilityWorld(t *testing.T) *cxFix {
	f := cxNew(t, "en")
	for _, who := range []string{"Zeta One", "Zeta Two", "Zeta Three", "Zeta Four", "Zeta Five"} {
		f.newConv(who, "where is my parcel")
	}
	f.setConv(1, func(c *Conversation) { c.AssigneeID = f.ana.UserID })
	f.setConv(3, func(c *Conversation) { c.AssigneeID = f.carla.UserID })
	f.setConv(4, func(c *Conversation) { c.TeamID = f.support.ID })
	f.setConv(5, func(c *Conversation) { c.AssigneeID, c.TeamID = f.ana.UserID, f.sales.ID })
	f.index()
	return f
}

func displayIDs(vs []ConversationView) []uint64 {
	var out []uint64
	for _, v := range vs {
		out = append(out, v.ID)
	}
	slices.Sort(out)
	return out
}

// Visibility holds on every route: list (and its counts), get, messages, actions, search and the
// realtime filter.
func TestVisibilityEverywhere(t *testing.T) {
	f := visibilityWorld(t)
	cases := []struct {
		name  string
		actor access.Actor
		want  []uint64
	}{
		{"admin", f.admin, []uint64{1, 2, 3, 4, 5}},
		{"plain agent of the inbox", f.ana, []uint64{1, 2, 3, 4, 5}},
		{"own-only agent", f.carla, []uint64{2, 3, 4}},
		{"agent outside the inbox", f.dan, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := f.s.List(cxCtx, tc.actor, Filter{}, "", 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := displayIDs(l.Payload); !slices.Equal(got, tc.want) || l.Meta.All != len(tc.want) {
				t.Fatalf("list %v (all_count %d), want %v", got, l.Meta.All, tc.want)
			}
			res, err := f.s.Find(cxCtx, tc.actor, "zeta", 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := displayIDs(res.Conversations); !slices.Equal(got, tc.want) {
				t.Fatalf("search conversations %v, want %v", got, tc.want)
			}
			var msgConvs []uint64
			for _, m := range res.Messages {
				msgConvs = append(msgConvs, m.ConversationID)
				if m.Highlight == "" {
					t.Fatalf("message hit without highlight: %+v", m)
				}
			}
			res, err = f.s.Find(cxCtx, tc.actor, "parcel", 1)
			if err != nil {
				t.Fatal(err)
			}
			msgConvs = nil
			for _, m := range res.Messages {
				msgConvs = append(msgConvs, m.ConversationID)
			}
			slices.Sort(msgConvs)
			if !slices.Equal(msgConvs, tc.want) {
				t.Fatalf("search messages in %v, want %v", msgConvs, tc.want)
			}
			for id := uint64(1); id <= 5; id++ {
				visible := slices.Contains(tc.want, id)
				_, err := f.s.Get(cxCtx, tc.actor, id)
				_, merr := f.s.Messages(cxCtx, tc.actor, id, 0)
				_, aerr := f.s.AddLabels(cxCtx, tc.actor, id, []string{"vip"})
				for _, e := range []error{err, merr, aerr} {
					if visible && e != nil || !visible && !apperr.Is(e, apperr.NotFound) {
						t.Fatalf("#%d visible=%v: %v", id, visible, e)
					}
				}
			}
		})
	}
}

// The realtime filter decides from the event alone: Carla hears about #3, not #1; Dan about
// neither; other events reach everyone.
func TestRealtimeFilter(t *testing.T) {
	f := visibilityWorld(t)
	event := func(id uint64) storage.Event {
		c := f.conv(id)
		raw, _ := json.Marshal(EventData{Conversation: RefOf(c)})
		return storage.Event{Account: f.acct.ID, Type: EventConversationUpdated, Data: raw}
	}
	one := f.s.RealtimeFilter(event(1))
	three := f.s.RealtimeFilter(event(3))
	for _, c := range []struct {
		user       uint64
		one, three bool
	}{{f.admin.UserID, true, true}, {f.ana.UserID, true, true}, {f.carla.UserID, false, true}, {f.dan.UserID, false, false}, {9999, false, false}} {
		if one(c.user) != c.one || three(c.user) != c.three {
			t.Fatalf("user %d: #1 %v #3 %v", c.user, one(c.user), three(c.user))
		}
	}
	raw, _ := json.Marshal(map[string]any{"user_id": 3})
	if f.s.RealtimeFilter(storage.Event{Account: f.acct.ID, Type: notify.EventCreated, Data: raw}) != nil {
		t.Fatal("a notification event got a conversation filter")
	}
}

// A contact's events reach only the members whose role shows them contacts; task events only
// those whose role shows them tasks.
func TestRealtimeFilterContactEvents(t *testing.T) {
	f := cxNew(t, "en")
	var noContacts uint64
	err := f.db.Update(func(tx *storage.Tx) error {
		role := &accounts.CustomRole{AccountID: f.acct.ID, Name: "Inbox only", Permissions: map[string]access.Level{"conversations": access.Manage}}
		if err := accounts.CustomRoles.Put(tx, role); err != nil {
			return err
		}
		u := &auth.User{Name: "Eve", Email: "eve@example.com"}
		if err := auth.Users.Put(tx, u); err != nil {
			return err
		}
		noContacts = u.ID
		return accounts.Members.Put(tx, &accounts.Member{AccountID: f.acct.ID, UserID: u.ID, Role: access.Agent, CustomRoleID: role.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	allowed := f.s.RealtimeFilter(storage.Event{Account: f.acct.ID, Type: contacts.EventContactCreated, Data: []byte(`{"id":1,"name":"Maria"}`)})
	if allowed == nil {
		t.Fatal("contact events reach everyone")
	}
	if !allowed(f.ana.UserID) || !allowed(f.admin.UserID) || allowed(noContacts) || allowed(9999) {
		t.Fatalf("ana %v admin %v no-contacts %v stranger %v", allowed(f.ana.UserID), allowed(f.admin.UserID), allowed(noContacts), allowed(9999))
	}
	// Task events carry the task; the "Inbox only" role has no tasks module either.
	tasks := f.s.RealtimeFilter(storage.Event{Account: f.acct.ID, Type: "task_updated", Data: []byte(`{"id":1,"title":"Call Maria"}`)})
	if tasks == nil || !tasks(f.ana.UserID) || !tasks(f.admin.UserID) || tasks(noContacts) || tasks(9999) {
		t.Fatal("task events must reach exactly the members who may view tasks")
	}
}

// A private note's @mentions notify the mentioned members who can see the conversation, and
// no one else (not the author, not an agent outside the inbox).
func TestMentionsNotify(t *testing.T) {
	f := cxNew(t, "pt-BR")
	id := f.newConv("maria", "oi")
	note := "[@Ana](mention://user/" + u(f.ana.UserID) + "/Ana) and [@Dan](mention://user/" + u(f.dan.UserID) + "/Dan) and me [@Bruno](mention://user/" + u(f.bruno.UserID) + "/Bruno) and a stranger [@X](mention://user/9999/X), please check"
	m, err := f.s.CreateMessage(cxCtx, f.bruno, id, NewMessage{Content: note, Private: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Mentions, []uint64{f.ana.UserID, f.dan.UserID, f.bruno.UserID}) || m.Status != StatusSent {
		t.Fatalf("mentions %v status %s", m.Mentions, m.Status)
	}
	var got []notify.Notification
	f.db.View(func(tx *storage.Tx) error {
		return notify.Notifications.Each(tx, f.acct.ID, storage.Query{}, func(n *notify.Notification) bool {
			got = append(got, *n)
			return true
		})
	})
	if len(got) != 1 || got[0].UserID != f.ana.UserID || got[0].Type != NotifyMention {
		t.Fatalf("notifications %+v", got)
	}
	if got[0].Title != "Bruno mencionou você na conversa #1" || got[0].Body != "@Ana and @Dan and me @Bruno and a stranger @X, please check" || got[0].Link != "/conversations/1" {
		t.Fatalf("notification %+v", got[0])
	}
}

func u(id uint64) string {
	b, _ := json.Marshal(id)
	return string(b)
}

// Unread counts are per agent: reading clears only the reader's count.
func TestUnreadPerAgent(t *testing.T) {
	f := cxNew(t, "en")
	id := f.newConv("maria", "one")
	f.ingest(f.in("maria", "two"))
	f.ingest(f.in("maria", "three"))
	unreadOf := func(a access.Actor) uint64 {
		v, err := f.s.Get(cxCtx, a, id)
		if err != nil {
			t.Fatal(err)
		}
		return v.UnreadCount
	}
	if err := f.s.MarkRead(cxCtx, f.ana, id); err != nil {
		t.Fatal(err)
	}
	if unreadOf(f.ana) != 0 || unreadOf(f.bruno) != 3 {
		t.Fatalf("ana %d bruno %d", unreadOf(f.ana), unreadOf(f.bruno))
	}
	f.ingest(f.in("maria", "four"))
	if unreadOf(f.ana) != 1 || unreadOf(f.bruno) != 4 {
		t.Fatalf("after another: ana %d bruno %d", unreadOf(f.ana), unreadOf(f.bruno))
	}
	// The unread filter follows the same per-agent count.
	if err := f.s.MarkRead(cxCtx, f.bruno, id); err != nil {
		t.Fatal(err)
	}
	la, _ := f.s.List(cxCtx, f.ana, Filter{Unread: true}, "", 1)
	lb, _ := f.s.List(cxCtx, f.bruno, Filter{Unread: true}, "", 1)
	if len(la.Payload) != 1 || len(lb.Payload) != 0 {
		t.Fatalf("unread lists: ana %d bruno %d", len(la.Payload), len(lb.Payload))
	}
	evs := f.events(EventConversationRead)
	var d EventData
	json.Unmarshal(evs[len(evs)-1].Data, &d)
	if d.UserID != f.bruno.UserID {
		t.Fatalf("read event for %d", d.UserID)
	}
}

// A query with nothing to search for is refused naming q.
func TestSearchNeedsWords(t *testing.T) {
	f := cxNew(t, "en")
	_, err := f.s.Find(cxCtx, f.ana, "  ", 1)
	cxWantField(t, err, "q")
	_, err = f.s.Find(cxCtx, f.ana, "!!!", 1)
	cxWantField(t, err, "q")
	_, err = f.s.List(cxCtx, f.ana, Filter{}, "???", 1)
	cxWantField(t, err, "q")
}
