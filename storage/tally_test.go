package storage_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/parleyhq/parley/storage"
)

type ticket struct {
	ID       uint64   `json:"id"`
	Account  uint64   `json:"account_id"`
	Status   string   `json:"status"`
	Assignee uint64   `json:"assignee"`
	Labels   []string `json:"labels"`
	Rank     int64    `json:"rank"`
}

func ticketDef(tallies bool) storage.Def[ticket] {
	d := storage.Def[ticket]{
		Name:    "tickets",
		ID:      func(v *ticket) *uint64 { return &v.ID },
		Account: func(v *ticket) uint64 { return v.Account },
		Indexes: []storage.Index[ticket]{
			{Name: "status_rank", Keys: func(v *ticket) [][]byte {
				return [][]byte{storage.Key(storage.Str(v.Status), storage.Int(v.Rank))}
			}},
		},
	}
	if tallies {
		d.Tallies = []storage.Tally[ticket]{
			{Name: "status", Keys: func(v *ticket) [][]byte { return [][]byte{storage.Str(v.Status)} }},
			{Name: "status_assignee", Keys: func(v *ticket) [][]byte {
				return [][]byte{storage.Key(storage.Str(v.Status), storage.Uint(v.Assignee))}
			}},
			// label repeats a key when a ticket carries a label twice: it must count once.
			{Name: "label", Keys: func(v *ticket) [][]byte {
				var ks [][]byte
				for _, l := range v.Labels {
					ks = append(ks, storage.Str(l))
				}
				return ks
			}},
		}
	}
	return d
}

var tickets = storage.NewCollection(ticketDef(true))

// recountTickets is the truth the tallies must match, counted from the model.
func recountTickets(model map[uint64]*ticket, account uint64, tally string, group []byte) int {
	n := 0
	for _, v := range model {
		if v.Account != account {
			continue
		}
		var ks [][]byte
		switch tally {
		case "status":
			ks = [][]byte{storage.Str(v.Status)}
		case "status_assignee":
			ks = [][]byte{storage.Key(storage.Str(v.Status), storage.Uint(v.Assignee))}
		case "label":
			for _, l := range v.Labels {
				ks = append(ks, storage.Str(l))
			}
		}
		if slices.ContainsFunc(ks, func(k []byte) bool { return string(k) == string(group) }) {
			n++
		}
	}
	return n
}

func TestTalliesFollowRandomWrites(t *testing.T) {
	db := open(t, t.TempDir())
	r := rand.New(rand.NewPCG(1, 2))
	statuses := []string{"open", "pending", "resolved"}
	labels := []string{"vip", "bug", "billing"}
	model := map[uint64]*ticket{}
	random := func(v *ticket) {
		v.Status = statuses[r.IntN(len(statuses))]
		v.Assignee = uint64(r.IntN(3))
		v.Labels = nil
		for _, l := range labels {
			if r.IntN(3) == 0 {
				v.Labels = append(v.Labels, l)
			}
		}
		if len(v.Labels) > 0 && r.IntN(4) == 0 {
			v.Labels = append(v.Labels, v.Labels[0])
		}
		v.Rank = r.Int64N(1000)
	}
	for step := range 600 {
		err := db.Update(func(tx *storage.Tx) error {
			ids := make([]uint64, 0, len(model))
			for id := range model {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			switch op := r.IntN(10); {
			case op < 5 || len(ids) == 0:
				v := &ticket{Account: uint64(1 + r.IntN(2))}
				random(v)
				if err := tickets.Put(tx, v); err != nil {
					return err
				}
				c := *v
				model[v.ID] = &c
			case op < 7:
				// Rank only: the groups stay as they were.
				v := *model[ids[r.IntN(len(ids))]]
				v.Rank++
				if err := tickets.Put(tx, &v); err != nil {
					return err
				}
				model[v.ID] = &v
			case op < 9:
				v := *model[ids[r.IntN(len(ids))]]
				random(&v)
				if err := tickets.Put(tx, &v); err != nil {
					return err
				}
				model[v.ID] = &v
			default:
				v := model[ids[r.IntN(len(ids))]]
				if err := tickets.Delete(tx, v.Account, v.ID); err != nil {
					return err
				}
				delete(model, v.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if step%50 != 49 {
			continue
		}
		db.View(func(tx *storage.Tx) error {
			if err := tickets.CheckTallies(tx); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			for account := uint64(1); account <= 3; account++ {
				for _, st := range statuses {
					if got, want := tickets.Tally(tx, account, "status", storage.Str(st)), recountTickets(model, account, "status", storage.Str(st)); got != want {
						t.Fatalf("step %d: account %d status %s: tally %d, want %d", step, account, st, got, want)
					}
					for a := range uint64(3) {
						g := storage.Key(storage.Str(st), storage.Uint(a))
						if got, want := tickets.Tally(tx, account, "status_assignee", g), recountTickets(model, account, "status_assignee", g); got != want {
							t.Fatalf("step %d: account %d %s/%d: tally %d, want %d", step, account, st, a, got, want)
						}
					}
				}
				for _, l := range labels {
					if got, want := tickets.Tally(tx, account, "label", storage.Str(l)), recountTickets(model, account, "label", storage.Str(l)); got != want {
						t.Fatalf("step %d: account %d label %s: tally %d, want %d", step, account, l, got, want)
					}
				}
			}
			return nil
		})
	}
	// Deleting everything leaves no counter behind (CheckTallies reports a stored zero too).
	err := db.Update(func(tx *storage.Tx) error {
		for _, v := range model {
			if err := tickets.Delete(tx, v.Account, v.ID); err != nil {
				return err
			}
		}
		return tickets.CheckTallies(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRebuildTalliesBackfillsAndCheckCatchesDrift(t *testing.T) {
	db := open(t, t.TempDir())
	// Records written by a binary that did not declare the tallies yet.
	old := storage.NewCollection(ticketDef(false))
	err := db.Update(func(tx *storage.Tx) error {
		for i := range 30 {
			v := &ticket{Account: uint64(1 + i%2), Status: []string{"open", "resolved"}[i%3/2], Assignee: uint64(i % 4)}
			if i%5 == 0 {
				v.Labels = []string{"vip"}
			}
			if err := old.Put(tx, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *storage.Tx) error {
		if tickets.CheckTallies(tx) == nil {
			t.Error("CheckTallies found nothing wrong with missing counters")
		}
		return nil
	})
	if err := db.Update(tickets.RebuildTallies); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *storage.Tx) error {
		if err := tickets.CheckTallies(tx); err != nil {
			t.Error(err)
		}
		// 15 tickets per account: i%3 == 2 are resolved (5 of each account's 15), 3 are vip.
		if n := tickets.Tally(tx, 1, "status", storage.Str("open")); n != 10 {
			t.Errorf("account 1 open = %d, want 10", n)
		}
		if n := tickets.Tally(tx, 2, "label", storage.Str("vip")); n != 3 {
			t.Errorf("account 2 vip = %d, want 3", n)
		}
		return nil
	})
	// A write through the old declaration (a bug) makes the counters drift: Check says so, and a
	// rebuild repairs it.
	err = db.Update(func(tx *storage.Tx) error { return old.Put(tx, &ticket{Account: 1, Status: "open"}) })
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *storage.Tx) error {
		if tickets.CheckTallies(tx) == nil {
			t.Error("CheckTallies missed a record the counters do not know")
		}
		return nil
	})
	if err := db.Update(tickets.RebuildTallies); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *storage.Tx) error {
		if err := tickets.CheckTallies(tx); err != nil {
			t.Error(err)
		}
		if n := tickets.Tally(tx, 1, "status", storage.Str("open")); n != 11 {
			t.Errorf("account 1 open = %d after rebuild, want 11", n)
		}
		return nil
	})
}

func TestSkipPassesKeysBeforeReading(t *testing.T) {
	db := open(t, t.TempDir())
	err := db.Update(func(tx *storage.Tx) error {
		for i := range 40 {
			if err := tickets.Put(tx, &ticket{Account: 1, Status: []string{"open", "resolved"}[i%2], Rank: int64(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *storage.Tx) error {
		for _, reverse := range []bool{false, true} {
			q := storage.Query{Index: "status_rank", Prefix: storage.Str("open"), Reverse: reverse}
			all, err := tickets.IDs(tx, 1, q)
			if err != nil || len(all) != 20 {
				t.Fatalf("ids %v %v", all, err)
			}
			for _, skip := range []int{0, 1, 7, 19, 20, 25} {
				q := q
				q.Skip, q.Limit = skip, 5
				want := all[min(skip, 20):min(skip+5, 20)]
				ids, _ := tickets.IDs(tx, 1, q)
				var each []uint64
				tickets.Each(tx, 1, q, func(v *ticket) bool { each = append(each, v.ID); return true })
				page, _ := tickets.Scan(tx, 1, q)
				var scanned []uint64
				for _, v := range page.Items {
					scanned = append(scanned, v.ID)
				}
				if !slices.Equal(ids, want) || !slices.Equal(each, want) || !slices.Equal(scanned, want) {
					t.Errorf("reverse %v skip %d: ids %v each %v scan %v, want %v", reverse, skip, ids, each, scanned, want)
				}
				// The page's cursor continues right after it, without skipping again.
				if page.Next != "" {
					q.Skip, q.Cursor = 0, page.Next
					next, _ := tickets.IDs(tx, 1, q)
					if w := all[min(skip+5, 20):min(skip+10, 20)]; !slices.Equal(next, w) {
						t.Errorf("reverse %v skip %d: next page %v, want %v", reverse, skip, next, w)
					}
				}
				if n, _ := tickets.Count(tx, 1, q); n != 20 {
					t.Errorf("Count with Skip = %d, want 20", n)
				}
			}
		}
		return nil
	})
}

func TestPrefixesMergeInKeyOrder(t *testing.T) {
	db := open(t, t.TempDir())
	r := rand.New(rand.NewPCG(3, 4))
	statuses := []string{"open", "pending", "resolved"}
	var all []ticket
	err := db.Update(func(tx *storage.Tx) error {
		for range 60 {
			v := &ticket{Account: 1, Status: statuses[r.IntN(3)], Rank: r.Int64N(20) - 5}
			if err := tickets.Put(tx, v); err != nil {
				return err
			}
			all = append(all, *v)
		}
		// Another account's tickets stay out.
		return tickets.Put(tx, &ticket{Account: 2, Status: "open", Rank: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The truth: open or resolved, rank in [0, 10), by rank then id.
	var want []uint64
	slices.SortFunc(all, func(a, b ticket) int {
		if a.Rank != b.Rank {
			return int(a.Rank - b.Rank)
		}
		return int(int64(a.ID) - int64(b.ID))
	})
	for _, v := range all {
		if v.Status != "pending" && v.Rank >= 0 && v.Rank < 10 {
			want = append(want, v.ID)
		}
	}
	if len(want) < 10 {
		t.Fatalf("only %d tickets in range", len(want))
	}
	db.View(func(tx *storage.Tx) error {
		for _, reverse := range []bool{false, true} {
			w := slices.Clone(want)
			if reverse {
				slices.Reverse(w)
			}
			q := storage.Query{Index: "status_rank", Prefixes: [][]byte{storage.Str("resolved"), storage.Str("open")},
				From: storage.Int(0), To: storage.Int(10), Reverse: reverse}
			got, err := tickets.IDs(tx, 1, q)
			if err != nil || !slices.Equal(got, w) {
				t.Errorf("reverse %v: %v %v, want %v", reverse, got, err, w)
			}
			q.Skip, q.Limit = 7, 5
			var each []uint64
			tickets.Each(tx, 1, q, func(v *ticket) bool { each = append(each, v.ID); return true })
			if !slices.Equal(each, w[7:12]) {
				t.Errorf("reverse %v, skip 7: %v, want %v", reverse, each, w[7:12])
			}
			if n, _ := tickets.Count(tx, 1, q); n != len(w) {
				t.Errorf("count %d, want %d", n, len(w))
			}
			q.Cursor = "AAAA"
			if _, err := tickets.IDs(tx, 1, q); err == nil {
				t.Error("a cursor on a merged walk was accepted")
			}
		}
		return nil
	})
}

// TestRebuildIndexesRewritesWhatAnIndexHolds changes what an index holds (every ticket also
// under "all", then not) and checks that RebuildIndexes leaves exactly the new entries, in every
// account, and that a walk over the rebuilt index finds what the records say.
func TestRebuildIndexesRewritesWhatAnIndexHolds(t *testing.T) {
	db := open(t, t.TempDir())
	twice := ticketDef(false)
	twice.Indexes = []storage.Index[ticket]{{Name: "status_rank", Keys: func(v *ticket) [][]byte {
		return [][]byte{storage.Key(storage.Str(v.Status), storage.Int(v.Rank)), storage.Key(storage.Str("all"), storage.Int(v.Rank))}
	}}}
	before := storage.NewCollection(twice)
	after := storage.NewCollection(ticketDef(false))
	statuses := []string{"open", "pending", "resolved"}
	want := map[uint64]map[string]int{1: {}, 2: {}}
	err := db.Update(func(tx *storage.Tx) error {
		for i := range 60 {
			v := &ticket{Account: uint64(1 + i%2), Status: statuses[i%3], Rank: int64(i)}
			want[v.Account][v.Status]++
			if err := before.Put(tx, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	entries := func() int {
		n := 0
		db.View(func(tx *storage.Tx) error {
			return tx.Bolt().Bucket([]byte("i/tickets/status_rank")).ForEach(func(k, v []byte) error { n++; return nil })
		})
		return n
	}
	if n := entries(); n != 120 {
		t.Fatalf("%d entries before, want 120", n)
	}
	if err := db.Update(func(tx *storage.Tx) error { return after.RebuildIndexes(tx, "status_rank") }); err != nil {
		t.Fatal(err)
	}
	if n := entries(); n != 60 {
		t.Fatalf("%d entries after the rebuild, want 60 (one per ticket)", n)
	}
	db.View(func(tx *storage.Tx) error {
		for account, byStatus := range want {
			if n, _ := after.Count(tx, account, storage.Query{Index: "status_rank", Prefix: storage.Str("all")}); n != 0 {
				t.Errorf("account %d: %d entries under all", account, n)
			}
			for _, st := range statuses {
				var ranks []int64
				after.Each(tx, account, storage.Query{Index: "status_rank", Prefix: storage.Str(st)}, func(v *ticket) bool {
					if v.Status != st || v.Account != account {
						t.Errorf("account %d %s: walk found %+v", account, st, v)
					}
					ranks = append(ranks, v.Rank)
					return true
				})
				if len(ranks) != byStatus[st] || !slices.IsSorted(ranks) {
					t.Errorf("account %d %s: ranks %v, want %d in order", account, st, ranks, byStatus[st])
				}
			}
		}
		return nil
	})
}
