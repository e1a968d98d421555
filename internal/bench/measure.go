package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// measurer runs the measures against a started server.
type measurer struct {
	c   *client
	ws  *workspace
	o   Options
	add func(Measure)
}

func (m *measurer) acc() string { return fmt.Sprintf("/api/v1/accounts/%d", m.ws.AccountID) }

// latency times fn o.Samples times (after a warm-up of a tenth as many) and reports it: the
// time to the whole answer, less the bench's decoding of it.
func (m *measurer) latency(name, target string, limit float64, fn func(i int) error) error {
	warm := max(m.o.Samples/10, 5)
	for i := range warm {
		if err := fn(i); err != nil {
			return fmt.Errorf("bench: %s: %w", name, err)
		}
	}
	xs := make([]float64, 0, m.o.Samples)
	for i := range m.o.Samples {
		t, decoded := time.Now(), m.c.decoding.Load()
		if err := fn(warm + i); err != nil {
			return fmt.Errorf("bench: %s: %w", name, err)
		}
		xs = append(xs, ms(time.Since(t)-time.Duration(m.c.decoding.Load()-decoded)))
	}
	s := summarize(xs)
	me := Measure{Name: name, Unit: "ms", N: len(xs), P50: s.p50, P99: s.p99, Max: s.max, Target: target}
	if target != "" {
		me.Pass = pass(s.p99 <= limit)
	}
	m.add(me)
	return nil
}

type listAnswer struct {
	Data struct {
		Meta    map[string]int `json:"meta"`
		Payload []struct {
			ID uint64 `json:"id"`
		} `json:"payload"`
	} `json:"data"`
}

// reads measures the lists, opening a conversation and search on the built workspace.
func (m *measurer) reads(ctx context.Context) error {
	conv := m.acc() + "/conversations"
	list := func(token, query string, want int) func(int) error {
		return func(int) error {
			var a listAnswer
			if _, err := m.c.get(token, conv+"?"+query, &a); err != nil {
				return err
			}
			if len(a.Data.Payload) < want {
				return fmt.Errorf("%s: %d rows, want %d", query, len(a.Data.Payload), want)
			}
			return nil
		}
	}
	const t5 = "p99 ≤ 5 ms"
	for _, l := range []struct{ name, token, query string }{
		{"list: All (open), page 1, administrator", m.ws.Admin, "status=open&page=1"},
		{"list: All (open), page 100, administrator", m.ws.Admin, "status=open&page=100"}, // empty below 2,500 open
		{"list: every status, page 1, administrator", m.ws.Admin, "status=all&page=1"},
		{"list: All (open), page 1, agent", m.ws.Agent, "status=open&page=1"},
		{"list: Mine (open), page 1, agent", m.ws.Agent, "status=open&assignee_type=me&page=1"},
		{"list: label vip (open), page 1, administrator", m.ws.Admin, "status=open&labels=vip&page=1"},
		{"list: label entrega (open), page 1, agent", m.ws.Agent, "status=open&labels=entrega&page=1"},
		{"list: All (open), page 1, agent with 2 of 4 inboxes", m.ws.Restricted, "status=open&page=1"},
	} {
		want := 1
		if strings.Contains(l.query, "page=100") {
			want = 0 // a small workspace has no page 100
		}
		if err := m.latency(l.name, t5, 5, list(l.token, l.query, want)); err != nil {
			return err
		}
	}

	// Open: the conversation and its latest 50 messages, for conversations spread over the list.
	var ids []uint64
	for page := 1; len(ids) < 200; page += 37 {
		var a listAnswer
		if _, err := m.c.get(m.ws.Admin, conv+"?status=all&page="+strconv.Itoa(page), &a); err != nil {
			return err
		}
		if len(a.Data.Payload) == 0 {
			break
		}
		for _, c := range a.Data.Payload {
			ids = append(ids, c.ID)
		}
	}
	err := m.latency("open a conversation (details + latest 50 messages)", t5, 5, func(i int) error {
		id := strconv.FormatUint(ids[i%len(ids)], 10)
		if _, err := m.c.get(m.ws.Admin, conv+"/"+id, nil); err != nil {
			return err
		}
		var page struct {
			Payload []json.RawMessage `json:"payload"`
		}
		_, err := m.c.get(m.ws.Admin, conv+"/"+id+"/messages?limit=50", &page)
		if err == nil && len(page.Payload) == 0 {
			err = fmt.Errorf("conversation %s has no messages", id)
		}
		return err
	})
	if err != nil {
		return err
	}

	// Search: words by how common they are, two words, a phrase, contacts by name and phone.
	type found struct {
		Payload struct {
			Conversations []json.RawMessage `json:"conversations"`
			Messages      []json.RawMessage `json:"messages"`
			Contacts      []json.RawMessage `json:"contacts"`
		} `json:"payload"`
	}
	search := func(queries []string, need func(f found) bool) func(int) error {
		return func(i int) error {
			q := queries[i%len(queries)]
			var f found
			if _, err := m.c.get(m.ws.Admin, m.acc()+"/search?q="+url.QueryEscape(q), &f); err != nil {
				return err
			}
			if !need(f) {
				return fmt.Errorf("search %q found nothing", q)
			}
			return nil
		}
	}
	// Common words must find messages; rarer queries may find none in a small workspace.
	hasMessages := func(f found) bool { return len(f.Payload.Messages) > 0 }
	anything := func(found) bool { return true }
	const t20 = "p99 ≤ 20 ms"
	for _, s := range []struct {
		name    string
		queries []string
		need    func(found) bool
	}{
		{"search: one common word (top 20)", []string{"pedido", "entrega", "order", "obrigado", "prazo", "delivery"}, hasMessages},
		{"search: one rare word", []string{"casamento", "morango", "wedding", "transportadora", "strawberry", "apartamento"}, anything},
		{"search: two words", []string{"pedido entrega", "bom pagamento", "order please", "pix valor", "frete prazo"}, anything},
		{"search: a phrase", []string{`"bom dia"`, `"nota fiscal"`, `"tracking number"`, `"prazo de entrega"`}, anything},
	} {
		if err := m.latency(s.name, t20, 20, search(s.queries, s.need)); err != nil {
			return err
		}
	}
	contactsSearch := func(queries []string, mustFind bool) func(int) error {
		return func(i int) error {
			q := queries[i%len(queries)]
			var f struct {
				Payload []json.RawMessage `json:"payload"`
			}
			if _, err := m.c.get(m.ws.Admin, m.acc()+"/contacts/search?q="+url.QueryEscape(q), &f); err != nil {
				return err
			}
			if mustFind && len(f.Payload) == 0 {
				return fmt.Errorf("contact search %q found nothing", q)
			}
			return nil
		}
	}
	if err := m.latency("search contacts: name prefix", t20, 20, contactsSearch([]string{"Mar", "Joã", "Fern", "Gabri", "Silv", "Olive"}, false)); err != nil {
		return err
	}
	return m.latency("search contacts: phone prefix", t20, 20, contactsSearch([]string{"+55 11 9", "+5521", "31 9", "(41) 9"}, false))
}

type ingested struct {
	Payload []struct {
		ConversationID uint64 `json:"conversation_id"`
		DisplayID      uint64 `json:"display_id"`
		MessageID      uint64 `json:"message_id"`
	} `json:"payload"`
}

// ingest measures the API channel's ingest: one message at a time (latency, to visible in the
// list, to searchable), then many senders at once (sustained throughput, commits shared).
func (m *measurer) ingest(ctx context.Context) error {
	path := fmt.Sprintf("%s/inboxes/%d/inbound", m.acc(), m.ws.APIInbox)
	r := rand.New(rand.NewPCG(3, 4))
	text := newTextGen(rand.New(rand.NewPCG(5, 6)))
	var seq atomic.Int64
	// Ids unique to this run, so a reused workspace (--reuse) gets new messages and customers
	// rather than duplicates of the last run's, and new words to wait for in search.
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	run := runID + "-"
	msg := func(r *rand.Rand, content string) map[string]any {
		t := m.ws.Threads[r.IntN(len(m.ws.Threads))]
		if r.IntN(10) == 0 { // a new customer now and then
			n := seq.Add(1)
			t = [2]string{"new-" + run + strconv.FormatInt(n, 10), "new-" + run + strconv.FormatInt(n, 10)}
		}
		return map[string]any{"contact": map[string]any{"source_id": t[0], "name": "Cliente Novo"}, "thread_key": t[1],
			"source_id": "bench-" + run + strconv.FormatInt(seq.Add(1), 10), "content": content}
	}
	post := func(msgs ...map[string]any) (*ingested, error) {
		var out ingested
		_, err := m.c.do(m.ws.Admin, "POST", path, map[string]any{"messages": msgs}, &out)
		if err == nil && len(out.Payload) != len(msgs) {
			err = fmt.Errorf("%d results for %d messages", len(out.Payload), len(msgs))
		}
		return &out, err
	}
	err := m.latency("ingest: one message (API channel, stored + events)", "", 0, func(int) error {
		_, err := post(msg(r, text.message()))
		return err
	})
	if err != nil {
		return err
	}
	// To visible: the message's conversation heads the administrator's list (every status: a
	// pending conversation stays pending) when the POST has answered, one list call later.
	list := m.acc() + "/conversations?status=all&page=1"
	err = m.latency("ingest: one message to visible at the top of the list", "p99 ≤ 10 ms", 10, func(int) error {
		res, err := post(msg(r, text.message()))
		if err != nil {
			return err
		}
		var a listAnswer
		if _, err := m.c.get(m.ws.Admin, list, &a); err != nil {
			return err
		}
		if len(a.Data.Payload) == 0 || a.Data.Payload[0].ID != res.Payload[0].DisplayID {
			return fmt.Errorf("conversation %d is not at the top of the list", res.Payload[0].DisplayID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// To searchable: a word no other message has, this run's or an earlier one's (a reused
	// workspace holds those), polled until the search finds it.
	var waits []float64
	for i := range 20 {
		word := fmt.Sprintf("zbench%sq%d", runID, i)
		t := time.Now()
		if _, err := post(msg(r, "Código de rastreio "+word)); err != nil {
			return err
		}
		if err := m.searchable(word, 30*time.Second); err != nil {
			return err
		}
		waits = append(waits, ms(time.Since(t)))
	}
	s := summarize(waits)
	m.add(Measure{Name: "ingest: one message to searchable", Unit: "ms", N: len(waits), P50: s.p50, Max: s.max, Target: "≤ 1000 ms", Pass: pass(s.max <= 1000)})

	// Sustained: many senders at once, one message per request (the server shares commits), and
	// then with 20 messages per request, as a channel catching up would send them.
	for _, shape := range []struct {
		name    string
		senders int
		per     int
	}{{"ingest sustained: 64 senders, 1 message per request", 64, 1}, {"ingest sustained: 16 senders, 20 messages per request", 16, 20}} {
		var done atomic.Int64
		var firstErr error
		var once sync.Once
		stop := time.Now().Add(time.Duration(m.o.Seconds) * time.Second)
		var wg sync.WaitGroup
		began := time.Now()
		for w := range shape.senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 9))
				text := newTextGen(rand.New(rand.NewPCG(uint64(w), 10)))
				for time.Now().Before(stop) && ctx.Err() == nil {
					batch := make([]map[string]any, shape.per)
					for i := range batch {
						batch[i] = msg(r, text.message())
					}
					if _, err := post(batch...); err != nil {
						once.Do(func() { firstErr = err })
						return
					}
					done.Add(int64(shape.per))
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return fmt.Errorf("bench: %s: %w", shape.name, firstErr)
		}
		burst := time.Since(began)
		rate := float64(done.Load()) / burst.Seconds()
		m.add(Measure{Name: shape.name, Unit: "msg/s", Value: rate, N: int(done.Load()), Target: "≥ 5000 msg/s", Pass: pass(rate >= 5000)})
		// The index catching up with the burst: a marker sent last, found by search.
		word := fmt.Sprintf("zburst%d", r.IntN(1_000_000))
		t := time.Now()
		if _, err := post(msg(r, "fim "+word)); err != nil {
			return err
		}
		if err := m.searchable(word, 5*time.Minute); err != nil {
			return err
		}
		// The rate at which messages became searchable: a channel posting at this pace for longer
		// than the burst leaves the index behind by the difference.
		behind := time.Since(t)
		m.add(Measure{Name: "  search index caught up after the burst", Unit: "s", Value: behind.Seconds(),
			Note: fmt.Sprintf("%.0f msg/s stored and searchable", float64(done.Load()+1)/(burst+behind).Seconds())})
	}
	return nil
}

// searchable polls the search until a message with word is found, or the wait is over.
func (m *measurer) searchable(word string, wait time.Duration) error {
	t := time.Now()
	for {
		var f struct {
			Payload struct {
				Messages []json.RawMessage `json:"messages"`
			} `json:"payload"`
		}
		if _, err := m.c.get(m.ws.Admin, m.acc()+"/search?q="+word, &f); err != nil {
			return err
		}
		if len(f.Payload.Messages) > 0 {
			return nil
		}
		if time.Since(t) > wait {
			return fmt.Errorf("bench: %s was not searchable after %s", word, wait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// importContacts uploads a CSV of o.Contacts new contacts, starts the import and waits for it.
func (m *measurer) importContacts(ctx context.Context) error {
	var buf bytes.Buffer
	buf.WriteString("name,email,phone_number,city,tags\n")
	r := rand.New(rand.NewPCG(11, 12))
	for i := range m.o.Contacts {
		fmt.Fprintf(&buf, "%s,importado%d@exemplo.com.br,+55%d9%08d,%s,\"cliente,importado\"\n", contactName(1_000_000+i),
			i, 11+r.IntN(80), 50_000_000+i, cities[r.IntN(len(cities))])
	}
	type view struct {
		ID        uint64            `json:"id"`
		Status    string            `json:"status"`
		Mapping   []json.RawMessage `json:"mapping"`
		Created   int               `json:"created"`
		Updates   int               `json:"updated"`
		Failed    int               `json:"failed_rows"`
		Error     string            `json:"error"`
		Processed int               `json:"processed_rows"`
	}
	t := time.Now()
	var v view
	if _, err := m.c.upload(m.ws.Admin, m.acc()+"/contact_imports", "contatos.csv", buf.Bytes(), &v); err != nil {
		return fmt.Errorf("bench: import upload: %w", err)
	}
	if _, err := m.c.do(m.ws.Admin, "POST", fmt.Sprintf("%s/contact_imports/%d/start", m.acc(), v.ID), map[string]any{"mapping": v.Mapping}, &v); err != nil {
		return fmt.Errorf("bench: import start: %w", err)
	}
	for v.Status != "done" && v.Status != "failed" {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if _, err := m.c.get(m.ws.Admin, fmt.Sprintf("%s/contact_imports/%d", m.acc(), v.ID), &v); err != nil {
			return err
		}
	}
	took := time.Since(t).Seconds()
	// A generated row can meet a workspace contact by phone and update it: both count.
	if v.Status != "done" || v.Created+v.Updates != m.o.Contacts {
		return fmt.Errorf("bench: import ended %s with %d created, %d updated, %d failed (%s)", v.Status, v.Created, v.Updates, v.Failed, v.Error)
	}
	m.add(Measure{Name: fmt.Sprintf("CSV import of %d contacts (upload to done)", m.o.Contacts), Unit: "s", Value: took, Target: "≤ 10 s", Pass: pass(took <= 10),
		// A --reuse run imports the rows of the earlier run again: they update, which costs more.
		Note: fmt.Sprintf("%d created, %d updated", v.Created, v.Updates)})
	return nil
}
