package conversations

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// oracleList is the inbox list computed the slow, obvious way from every conversation (all):
// keep those match and inTab accept, order by last activity then id (newest first, as the
// index walks), count, and cut the pages.
func oracleList(t *testing.T, all []*Conversation, v *viewer, flt Filter, pages []int) (Counts, [][]uint64) {
	t.Helper()
	if err := normalize(&flt); err != nil {
		t.Fatal(err)
	}
	var n Counts
	var rows []*Conversation
	for _, c := range all {
		if match(flt, v, c) {
			n.count(c, v.userID)
			if inTab(flt.AssigneeType, c, v.userID) {
				rows = append(rows, c)
			}
		}
	}
	slices.SortFunc(rows, func(a, b *Conversation) int {
		if c := b.LastActivityAt.Compare(a.LastActivityAt); c != 0 {
			return c
		}
		return int(int64(b.ID) - int64(a.ID))
	})
	out := make([][]uint64, len(pages))
	for i, page := range pages {
		from := min((page-1)*ListPageSize, len(rows))
		for _, c := range rows[from:min(from+ListPageSize, len(rows))] {
			out[i] = append(out[i], c.DisplayID)
		}
	}
	return n, out
}

// TestTalliedListMatchesWalk builds a random inbox (three inboxes, labels, assignees, every
// status), changes it at random (status, labels, assignee, inbox, activity, label removal,
// deletion) and compares every tab's counts and pages with oracleList, for an administrator,
// an agent of every inbox, an agent of two of the three, an agent of one, an agent who sees
// only their own and an agent of none.
func TestTalliedListMatchesWalk(t *testing.T) {
	f := cxNew(t, "en")
	r := rand.New(rand.NewPCG(8, 8))
	ins := []uint64{f.inbox.ID}
	err := f.db.Update(func(tx *storage.Tx) error {
		for _, members := range [][]uint64{{f.ana.UserID, f.bruno.UserID}, {f.bruno.UserID}} {
			in := &inboxes.Inbox{AccountID: f.acct.ID, Name: fmt.Sprintf("Inbox %d", len(ins)+1), ChannelType: inboxes.ChannelAPI, Enabled: true, MemberIDs: members}
			if err := inboxes.Inboxes.Put(tx, in); err != nil {
				return err
			}
			ins = append(ins, in.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Bruno works every inbox now; Ana two of three; Carla (own only) and Dan keep theirs.
	f.setInbox(func(in *inboxes.Inbox) { in.MemberIDs = []uint64{f.ana.UserID, f.bruno.UserID, f.carla.UserID} })
	f.setInbox(func(in *inboxes.Inbox) { in.MemberIDs = append(in.MemberIDs, f.bruno.UserID) }) // a duplicate: still one inbox
	batch := make([]Inbound, 240)
	for i := range batch {
		batch[i] = f.in(fmt.Sprintf("c-%d", i), "hi")
	}
	res, err := f.s.IngestBatch(cxCtx, f.acct.ID, batch)
	if err != nil {
		t.Fatal(err)
	}
	var live []uint64
	for _, x := range res {
		live = append(live, x.DisplayID)
	}
	people := []uint64{0, f.admin.UserID, f.ana.UserID, f.bruno.UserID, f.carla.UserID}
	statuses := []Status{Open, Open, Pending, Resolved, Snoozed}
	labels := []string{"vip", "billing", "bug"}
	shuffle := func(c *Conversation) {
		c.Status = statuses[r.IntN(len(statuses))]
		c.AssigneeID = people[r.IntN(len(people))]
		c.InboxID = ins[r.IntN(len(ins))]
		c.TeamID = 0
		if r.IntN(6) == 0 {
			c.TeamID = f.support.ID
		}
		c.Labels = nil
		for _, l := range labels {
			if r.IntN(3) == 0 {
				c.Labels = append(c.Labels, l)
			}
		}
		// Coarse activity times, so ties (ordered by id) happen.
		c.LastActivityAt = f.now.Add(time.Duration(r.IntN(60)) * time.Minute)
	}
	for _, id := range live {
		f.setConv(id, shuffle)
	}
	check := func(round string) {
		t.Helper()
		f.db.View(func(tx *storage.Tx) error {
			if err := Conversations.CheckTallies(tx); err != nil {
				t.Fatalf("%s: %v", round, err)
			}
			return nil
		})
		var all []*Conversation
		viewers := map[string]*viewer{}
		actors := map[string]access.Actor{"admin": f.admin, "bruno (every inbox)": f.bruno, "ana (two inboxes)": f.ana, "carla (own only)": f.carla, "dan (no inbox)": f.dan}
		f.db.View(func(tx *storage.Tx) error {
			for name, a := range actors {
				viewers[name] = viewerOf(tx, a)
			}
			return Conversations.Each(tx, f.acct.ID, storage.Query{}, func(c *Conversation) bool { all = append(all, c); return true })
		})
		pages := []int{1, 3}
		checked := 0
		for name, actor := range actors {
			for _, st := range []string{"open", "pending", "resolved", "snoozed", "all"} {
				for _, tab := range []string{"all", "me", "unassigned", "assigned"} {
					for _, lbl := range [][]string{nil, {"vip"}, {"BUG "}, {"vip", "billing"}} {
						for _, inbox := range []uint64{0, ins[0], ins[1], ins[2]} {
							mk := func() Filter { return Filter{Status: st, AssigneeType: tab, Labels: slices.Clone(lbl), InboxID: inbox} }
							wantN, wantIDs := oracleList(t, all, viewers[name], mk(), pages)
							for i, page := range pages {
								got, err := f.s.List(cxCtx, actor, mk(), "", page)
								if err != nil {
									t.Fatal(err)
								}
								var gotIDs []uint64
								for _, v := range got.Payload {
									gotIDs = append(gotIDs, v.ID)
								}
								if got.Meta != wantN || !slices.Equal(gotIDs, wantIDs[i]) {
									t.Fatalf("%s: %s %+v page %d:\n got %+v %v\nwant %+v %v", round, name, mk(), page, got.Meta, gotIDs, wantN, wantIDs[i])
								}
								if len(gotIDs) > 0 {
									checked++
								}
							}
						}
					}
				}
			}
		}
		if checked < 200 {
			t.Fatalf("%s: only %d non-empty pages compared; the world is too thin to prove anything", round, checked)
		}
	}
	check("initial")

	// Random changes through the service and the store.
	for i := range 150 {
		id := live[r.IntN(len(live))]
		switch r.IntN(5) {
		case 0:
			f.setConv(id, shuffle)
		case 1:
			f.setConv(id, func(c *Conversation) { c.Status = statuses[r.IntN(len(statuses))] })
		case 2:
			f.setConv(id, func(c *Conversation) { c.AssigneeID = people[r.IntN(len(people))] })
		case 3:
			// Activity only: no group changes.
			f.setConv(id, func(c *Conversation) { c.LastActivityAt = c.LastActivityAt.Add(time.Duration(i) * time.Second) })
		case 4:
			f.setConv(id, func(c *Conversation) {
				if len(c.Labels) > 0 {
					c.Labels = c.Labels[1:]
				} else {
					c.Labels = []string{"vip", "vip"}
				}
			})
		}
	}
	for range 30 {
		k := r.IntN(len(live))
		if err := f.s.Delete(cxCtx, f.admin, live[k]); err != nil {
			t.Fatal(err)
		}
		live = slices.Delete(live, k, k+1)
	}
	// Taking a label off everything (label deletion) moves many conversations at once.
	var billing uint64
	f.db.View(func(tx *storage.Tx) error {
		l, err := Labels.GetBy(tx, f.acct.ID, "title", storage.Str("billing"))
		if err == nil {
			billing = l.ID
		}
		return err
	})
	if err := f.s.DeleteLabel(cxCtx, f.admin, billing); err != nil {
		t.Fatal(err)
	}
	check("after changes")

	// The migration's rebuild lands on the same counters.
	err = f.db.Update(func(tx *storage.Tx) error {
		if err := Conversations.RebuildTallies(tx); err != nil {
			return err
		}
		return Conversations.CheckTallies(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTalliedCountsNeedNoWalk shows the counts come from the tallies: counters put out of step
// on purpose (a raw write to the counts bucket) show through in the tab counts of an
// administrator, while a filter the tallies do not cover (priority) still walks.
func TestTalliedCountsNeedNoWalk(t *testing.T) {
	f := cxNew(t, "en")
	id := f.newConv("ana", "hello")
	f.setConv(id, func(c *Conversation) { c.Labels = []string{"vip"} })
	err := f.db.Update(func(tx *storage.Tx) error {
		// A second labelled conversation, a copy of the first.
		c, err := Conversations.GetBy(tx, f.acct.ID, "display", storage.Uint(id))
		if err != nil {
			return err
		}
		c.ID = 0
		c.DisplayID = 999
		c.Token = "other"
		return Conversations.Put(tx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.s.List(cxCtx, f.admin, Filter{Labels: []string{"vip"}}, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Meta.All != 2 || len(l.Payload) != 2 {
		t.Fatalf("meta %+v, %d rows", l.Meta, len(l.Payload))
	}
	err = f.db.Update(func(tx *storage.Tx) error {
		b := tx.Bolt().Bucket([]byte("_counts"))
		c := b.Cursor()
		var keys [][]byte
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) > 0 && k[0] == 0 {
				keys = append(keys, slices.Clone(k))
			}
		}
		for _, k := range keys {
			if err := b.Put(k, storage.Uint(7)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l, _ = f.s.List(cxCtx, f.admin, Filter{Labels: []string{"vip"}}, "", 1)
	if l.Meta.All != 7 || l.Meta.Unassigned != 7 {
		t.Fatalf("counts %+v do not come from the tallies", l.Meta)
	}
	l, _ = f.s.List(cxCtx, f.admin, Filter{Labels: []string{"vip"}, Priority: "none"}, "", 1)
	if l.Meta.All != 2 {
		t.Fatalf("a priority filter counts %+v, want the walk's 2", l.Meta)
	}
}
