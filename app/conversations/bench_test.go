package conversations

import (
	"fmt"
	"testing"

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

// BenchmarkListPage lists the first page of open conversations out of 5,000, with tab counts:
// for an administrator (counts from the indexes) and for an agent (counts by walking).
func BenchmarkListPage(b *testing.B) {
	f := cxNew(b, "en")
	// A second inbox Ana does not work, so her counts take the per-inbox path.
	f.db.Update(func(tx *storage.Tx) error {
		return inboxes.Inboxes.Put(tx, &inboxes.Inbox{AccountID: f.acct.ID, Name: "Other", ChannelType: inboxes.ChannelAPI, Enabled: true})
	})
	const total = 5000
	for done := 0; done < total; done += 500 {
		batch := make([]Inbound, 500)
		for i := range batch {
			batch[i] = f.in(fmt.Sprintf("contact-%d", done+i), "hello")
		}
		if _, err := f.s.IngestBatch(cxCtx, f.acct.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		f    Filter
	}{{name: "admin"}, {name: "agent"}, {name: "agent-mine", f: Filter{AssigneeType: "me"}}, {name: "agent-label", f: Filter{Labels: []string{"vip"}}}} {
		actor := f.admin
		if c.name != "admin" {
			actor = f.ana
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				l, err := f.s.List(cxCtx, actor, c.f, "", 1)
				if err != nil {
					b.Fatal(err)
				}
				if c.f.AssigneeType == "" && len(c.f.Labels) == 0 && (len(l.Payload) != ListPageSize || l.Meta.All != total) {
					b.Fatalf("%d rows, all %d", len(l.Payload), l.Meta.All)
				}
			}
		})
	}
}
