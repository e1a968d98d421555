package conversations

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// BenchmarkIngestBatch stores batches of 100 inbound messages from 50 contacts (one
// transaction each), as a channel catching up would.
func BenchmarkIngestBatch(b *testing.B) {
	f := cxNew(b, "en")
	batch := make([]Inbound, 100)
	n := 0
	b.ResetTimer()
	for b.Loop() {
		for i := range batch {
			n++
			batch[i] = f.in(fmt.Sprintf("contact-%d", n%50), "hello there")
			batch[i].SourceID = fmt.Sprintf("m-%d", n)
		}
		if _, err := f.s.IngestBatch(cxCtx, f.acct.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "msgs/s")
}

// listWorld is BenchmarkListPage's store: total conversations spread over four inboxes (Ana works
// the first two), assigned round-robin to nobody, the administrator, Ana and Bruno, 70% open,
// 20% resolved and 10% pending, one in five labelled vip and one in ten billing, with distinct
// activity times.
func listWorld(b *testing.B, total int) *cxFix {
	f := cxNew(b, "en")
	ins := []uint64{f.inbox.ID}
	err := f.db.Update(func(tx *storage.Tx) error {
		for i, name := range []string{"Sales", "Other", "Third"} {
			in := &inboxes.Inbox{AccountID: f.acct.ID, Name: name, ChannelType: inboxes.ChannelAPI, Enabled: true}
			if i == 0 {
				in.MemberIDs = []uint64{f.ana.UserID}
			}
			if err := inboxes.Inboxes.Put(tx, in); err != nil {
				return err
			}
			ins = append(ins, in.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for done := 0; done < total; done += 1000 {
		batch := make([]Inbound, 1000)
		for i := range batch {
			batch[i] = f.in(fmt.Sprintf("contact-%d", done+i), "hello")
		}
		if _, err := f.s.IngestBatch(cxCtx, f.acct.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	assignees := []uint64{0, f.admin.UserID, f.ana.UserID, f.bruno.UserID}
	err = f.db.Update(func(tx *storage.Tx) error {
		ids, err := Conversations.IDs(tx, f.acct.ID, storage.Query{})
		if err != nil {
			return err
		}
		for i, id := range ids {
			c, err := Conversations.Get(tx, f.acct.ID, id)
			if err != nil {
				return err
			}
			c.InboxID = ins[i%len(ins)]
			c.AssigneeID = assignees[(i/4)%len(assignees)]
			switch i % 10 {
			case 7, 8:
				c.Status = Resolved
			case 9:
				c.Status = Pending
			}
			c.Labels = nil
			if i%5 == 0 {
				c.Labels = append(c.Labels, "vip")
			}
			if i%10 == 3 || i%10 == 5 {
				c.Labels = append(c.Labels, "billing")
			}
			c.LastActivityAt = f.now.Add(time.Duration(i) * time.Second)
			if err := Conversations.Put(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkListPage lists a page of conversations out of 20,000, with tab counts, for an
// administrator (who sees everything) and for an agent who works two of the four inboxes: page
// 1 and page 100, the Mine tab and a label filter.
func BenchmarkListPage(b *testing.B) {
	const total = 20000
	f := listWorld(b, total)
	vip := []string{"vip"}
	for _, c := range []struct {
		name  string
		actor access.Actor
		f     Filter
		page  int
	}{
		{name: "admin", actor: f.admin},
		{name: "admin-page100", actor: f.admin, page: 100},
		{name: "admin-mine", actor: f.admin, f: Filter{AssigneeType: "me"}},
		{name: "admin-label", actor: f.admin, f: Filter{Labels: vip}},
		{name: "admin-label-page10", actor: f.admin, f: Filter{Labels: vip}, page: 10},
		{name: "admin-inbox-label", actor: f.admin, f: Filter{InboxID: f.inbox.ID, Labels: vip}},
		{name: "agent", actor: f.ana},
		{name: "agent-page100", actor: f.ana, page: 100},
		{name: "agent-mine", actor: f.ana, f: Filter{AssigneeType: "me"}},
		{name: "agent-label", actor: f.ana, f: Filter{Labels: vip}},
		{name: "agent-all-status", actor: f.ana, f: Filter{Status: "all"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			page := max(c.page, 1)
			for b.Loop() {
				l, err := f.s.List(cxCtx, c.actor, c.f, "", page)
				if err != nil {
					b.Fatal(err)
				}
				if len(l.Payload) != ListPageSize || l.Meta.All == 0 {
					b.Fatalf("%d rows, all %d", len(l.Payload), l.Meta.All)
				}
			}
		})
	}
}
