package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/parleyhq/parley/app"
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// workspace is what the generator made and the measures need: who to call as, and what exists.
type workspace struct {
	AccountID uint64
	// Admin sees everything; Agent works every inbox and has conversations of their own;
	// Restricted works two inboxes only.
	Admin, Agent, Restricted string
	AgentID                  uint64
	Inboxes                  []uint64
	// APIInbox receives the measured ingest.
	APIInbox uint64
	// Threads are (contact source id, thread key) pairs of existing conversations the ingest
	// continues.
	Threads [][2]string
}

// inboxPlan is the synthetic inboxes with their share of the conversations.
var inboxPlan = []struct {
	name  string
	share int
}{{"WhatsApp Vendas", 50}, {"Site", 25}, {"Instagram", 15}, {"E-mail suporte", 10}}

// generate fills dir with the synthetic workspace through the app's own services and ingest
// path, then waits until the search index has every document.
func generate(ctx context.Context, dir string, o Options, log io.Writer) (*workspace, error) {
	a, err := app.New(app.Config{DataDir: dir, Version: "bench", BackupSchedule: "off", Logger: io.Discard, BcryptCost: 4})
	if err != nil {
		return nil, err
	}
	defer a.Stop()
	if err := a.Start(ctx); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(8, 2026))
	w := &workspace{}
	res, err := a.Accounts.Setup(ctx, accounts.SetupInput{AccountName: "Bench Padaria", Name: "Owner Bench", Email: "owner@bench.parley.local",
		Password: "bench-password-1", TimeZone: "America/Sao_Paulo", Language: "pt-BR", Currency: "BRL", IP: "local"})
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	w.AccountID = res.AccountID
	sys := access.SystemActor(w.AccountID)
	actorOf := func(userID uint64) (access.Actor, error) {
		var actor access.Actor
		err := a.DB.View(func(tx *storage.Tx) error {
			u, err := auth.Users.Get(tx, 0, userID)
			if err != nil {
				return err
			}
			actor, _, err = a.Accounts.Actor(tx, u, w.AccountID)
			return err
		})
		return actor, err
	}
	token := func(userID uint64) (string, error) {
		actor, err := actorOf(userID)
		if err != nil {
			return "", err
		}
		t, err := a.Auth.CreateToken(ctx, actor, "bench")
		if err != nil {
			return "", err
		}
		return t.Token, nil
	}
	if w.Admin, err = token(res.UserID); err != nil {
		return nil, err
	}
	agents := []uint64{res.UserID}
	for i := range 9 {
		ag, err := a.Accounts.AddAgent(ctx, sys, accounts.NewAgent{Name: fmt.Sprintf("Agente %d", i+1), Email: fmt.Sprintf("agent%d@bench.parley.local", i+1),
			Role: access.Agent, Password: "bench-password-1"})
		if err != nil {
			return nil, fmt.Errorf("agent: %w", err)
		}
		agents = append(agents, ag.ID)
	}
	w.AgentID = agents[1]
	admin, err := actorOf(res.UserID)
	if err != nil {
		return nil, err
	}
	api := inboxes.ChannelAPI
	var shares []int
	for i, p := range inboxPlan {
		members := agents
		if i >= 2 {
			members = agents[:len(agents)-1] // the restricted agent works the first two only
		}
		name := p.name
		in, err := a.Inboxes.Create(ctx, admin, inboxes.InboxInput{Name: &name, ChannelType: &api, MemberIDs: members})
		if err != nil {
			return nil, fmt.Errorf("inbox: %w", err)
		}
		w.Inboxes = append(w.Inboxes, in.ID)
		shares = append(shares, p.share)
	}
	w.APIInbox = w.Inboxes[0]
	if w.Agent, err = token(w.AgentID); err != nil {
		return nil, err
	}
	if w.Restricted, err = token(agents[len(agents)-1]); err != nil {
		return nil, err
	}
	for _, l := range labelTitles {
		title := l
		if _, err := a.Conversations.CreateLabel(ctx, admin, conversations.LabelInput{Title: &title}); err != nil {
			return nil, fmt.Errorf("label: %w", err)
		}
	}
	// A few real files that attachments point at (the metadata is what lists and search carry).
	var files []conversations.Attachment
	for _, f := range []struct{ name, ctype, kind string }{{"foto.jpg", "image/jpeg", "image"}, {"comprovante.pdf", "application/pdf", "file"}, {"audio.ogg", "audio/ogg", "audio"}} {
		ref, err := a.Blobs.Write(ctx, bytes.NewReader(bytes.Repeat([]byte(f.name), 300)), 1<<20)
		if err != nil {
			return nil, err
		}
		files = append(files, conversations.Attachment{FileType: f.kind, Hash: ref.Hash, Name: f.name, ContentType: f.ctype, Size: ref.Size})
	}

	// Messages per conversation: skewed (most conversations are short, a few are long), summing
	// to the requested total.
	counts := make([]int, o.Conversations)
	weights := make([]float64, o.Conversations)
	var sum float64
	for i := range weights {
		weights[i] = 1 / (0.05 + r.Float64()) // a heavy tail, capped near 20× the mean
		sum += weights[i]
	}
	left := o.Messages - o.Conversations
	given := 0
	for i := range counts {
		counts[i] = 1 + int(float64(left)*weights[i]/sum)
		given += counts[i]
	}
	for i := 0; given < o.Messages; i = (i + 1) % len(counts) {
		counts[i]++
		given++
	}

	text := newTextGen(r)
	start := time.Now().Add(-180 * 24 * time.Hour)
	span := 170 * 24 * time.Hour // the newest conversations end days before now, never after
	step := span / time.Duration(o.Conversations+1)
	type convPlan struct {
		contact  int
		inbox    uint64
		assignee uint64
		status   conversations.Status
		labels   []string
		priority conversations.Priority
	}
	pick := func() uint64 {
		n := r.IntN(100)
		for i, s := range shares {
			if n < s {
				return w.Inboxes[i]
			}
			n -= s
		}
		return w.Inboxes[0]
	}
	labelZipf := rand.NewZipf(r, 1.3, 1, uint64(len(labelTitles)-1))
	const block = 500
	began := time.Now()
	stored := 0
	for from := 0; from < o.Conversations; from += block {
		to := min(from+block, o.Conversations)
		plans := make([]convPlan, to-from)
		var batch []conversations.Inbound
		for i := from; i < to; i++ {
			p := &plans[i-from]
			p.contact = i % o.Contacts
			p.inbox = pick()
			if r.IntN(10) < 8 {
				p.assignee = agents[r.IntN(len(agents))]
				if p.inbox != w.Inboxes[0] && p.inbox != w.Inboxes[1] && p.assignee == agents[len(agents)-1] {
					p.assignee = agents[1]
				}
			}
			switch n := r.IntN(100); {
			case n < 35:
				p.status = conversations.Open
			case n < 40:
				p.status = conversations.Pending
			case n < 45:
				p.status = conversations.Snoozed
			default:
				p.status = conversations.Resolved
			}
			nlabels := 0
			if r.IntN(2) == 0 {
				nlabels = 1 + r.IntN(2)
			}
			for range nlabels {
				if l := labelTitles[labelZipf.Uint64()]; !slices.Contains(p.labels, l) {
					p.labels = append(p.labels, l)
				}
			}
			p.priority = []conversations.Priority{conversations.NoPrio, conversations.NoPrio, conversations.NoPrio, conversations.Low, conversations.Medium, conversations.High, conversations.Urgent}[r.IntN(7)]
			at := start.Add(step * time.Duration(i))
			cid := "c" + strconv.Itoa(p.contact)
			thread := "t" + strconv.Itoa(i)
			if i < 2000 {
				w.Threads = append(w.Threads, [2]string{cid, thread})
			}
			ident := contacts.Identity{SourceID: cid, Name: contactName(p.contact), Phone: phone(r, p.contact)}
			if p.contact%3 == 0 {
				ident.Email = "cliente" + strconv.Itoa(p.contact) + "@exemplo.com.br"
			}
			for j := range counts[i] {
				at = at.Add(time.Duration(10+r.IntN(1800)) * time.Second)
				in := conversations.Inbound{InboxID: p.inbox, Contact: ident, ThreadKey: thread, At: at,
					SourceID: thread + "-" + strconv.Itoa(j), Content: text.message()}
				if j%2 == 1 {
					in.Echo, in.SenderID = true, p.assignee
				} else if r.IntN(25) == 0 {
					in.Attachments = []conversations.Attachment{files[r.IntN(len(files))]}
					if r.IntN(2) == 0 {
						in.Content = ""
					}
				}
				batch = append(batch, in)
			}
		}
		slices.SortStableFunc(batch, func(x, y conversations.Inbound) int { return x.At.Compare(y.At) })
		for len(batch) > 0 {
			n := min(1000, len(batch))
			if _, err := a.Conversations.IngestBatch(ctx, w.AccountID, batch[:n]); err != nil {
				return nil, fmt.Errorf("ingest: %w", err)
			}
			stored += n
			batch = batch[n:]
		}
		// The team's work on them: assignees, labels, priorities, states.
		err := a.DB.Update(func(tx *storage.Tx) error {
			for i := from; i < to; i++ {
				p := plans[i-from]
				c, err := conversations.Conversations.GetBy(tx, w.AccountID, "thread", storage.Key(storage.Uint(p.inbox), storage.Str("t"+strconv.Itoa(i))))
				if err != nil {
					return fmt.Errorf("conversation of thread t%d: %w", i, err)
				}
				c.AssigneeID, c.Labels, c.Priority, c.Status = p.assignee, p.labels, p.priority, p.status
				if err := conversations.Conversations.Put(tx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if to%20000 == 0 || to == o.Conversations {
			fmt.Fprintf(log, "  %d conversations, %d messages stored (%.0f msg/s)\n", to, stored, float64(stored)/time.Since(began).Seconds())
		}
	}
	// Contacts beyond the conversations' own (people who never wrote).
	for from := o.Conversations; from < o.Contacts; from += 1000 {
		err := a.DB.Update(func(tx *storage.Tx) error {
			for i := from; i < min(from+1000, o.Contacts); i++ {
				id := contacts.Identity{SourceID: "c" + strconv.Itoa(i), Name: contactName(i), Phone: phone(r, i)}
				if _, _, _, err := contacts.FindOrCreate(tx, w.AccountID, w.Inboxes[0], id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// A workspace in use has every consumer of the change feed (search, webhooks, the outbox) at
	// the head and the delivered events pruned; measuring while they catch up with a million
	// messages of history would measure the catching up.
	fmt.Fprintf(log, "  waiting for the search index and the other consumers to catch up…\n")
	var head uint64
	a.DB.View(func(tx *storage.Tx) error { head = tx.OutboxHead(); return nil })
	for {
		behind := false
		for _, c := range a.Events.Status() {
			behind = behind || c.Cursor < head
		}
		if !behind {
			if _, err := a.Events.Prune(); err != nil {
				return nil, err
			}
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return w, nil
}

// contactName is contact i's name: the same every time it is asked (a contact keeps its name
// across its messages).
func contactName(i int) string {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	return firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
}
