package conversations

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/storage"
)

// The read hot paths measured at a scale that shows regressions: opening a conversation and
// the account-wide search, over benchConversations conversations of benchPerConversation
// messages each (50,000 messages), with the search index caught up before timing.
const (
	benchConversations   = 2000
	benchPerConversation = 25
)

// benchCommon are everyday words of a Brazilian shop's inbox, most frequent first; the
// generator draws them on a Zipf curve, so the first few are in a large share of the messages
// and the tail in few.
var benchCommon = strings.Fields(`o a de que e do da em um para é com não uma os no se na por mais
	as dos como mas foi ao ele das tem à seu sua ou ser quando muito há nos já está eu também só
	pelo pela até isso ela entre era depois sem mesmo aos ter seus quem nas me esse eles estão
	você tinha foram essa num nem suas meu às minha têm numa pelos elas havia seja qual será nós
	pedido entrega pagamento boleto cliente atraso reembolso produto troca garantia nota fiscal
	endereço frete cupom desconto cartão pix parcela estoque tamanho cor prazo rastreio código
	transportadora devolução cancelamento loja site aplicativo senha cadastro email telefone
	whatsapp atendimento obrigado obrigada bom dia boa tarde noite olá oi por favor ajuda problema
	hello thanks order delivery payment refund please help issue tracking number invoice shipping
	the to and of in is it you that for was on are with as be at this have from or one had by`)

// benchTail are rarer words (product names, places): the long tail of the distribution.
var benchTail = func() []string {
	syl := []string{"ba", "ca", "da", "fe", "gi", "lo", "ma", "nu", "pa", "ri", "sa", "to", "vi", "xu", "ze", "ção", "lhe", "nha"}
	var out []string
	for i := range 4000 {
		a, b, c := syl[i%len(syl)], syl[(i/len(syl))%len(syl)], syl[(i/(len(syl)*len(syl)))%len(syl)]
		out = append(out, a+b+c+"s")
	}
	return out
}()

var benchFirst = []string{"Maria", "José", "Ana", "João", "Antônio", "Francisca", "Carlos", "Paulo", "Pedro", "Lucas",
	"Luiz", "Marcos", "Luís", "Gabriel", "Rafael", "Márcia", "Mariana", "Juliana", "Fernanda", "Patrícia", "Aline",
	"Sandra", "Camila", "Amanda", "Bruna", "Jéssica", "Letícia", "Júlia", "Marta", "Mário", "Joana", "Sarah", "Emma", "Olivia"}

var benchLast = []string{"Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
	"Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa", "Araújo", "Smith"}

// benchText is message number i: a few everyday phrases and Zipf-drawn words.
func benchText(r *rand.Rand, z, zt *rand.Zipf) string {
	var b strings.Builder
	switch r.IntN(6) {
	case 0:
		b.WriteString("Bom dia, meu pedido ainda não chegou. ")
	case 1:
		b.WriteString("Preciso da nota fiscal do pedido. ")
	case 2:
		b.WriteString("Hello, where is my order? ")
	}
	n := 6 + r.IntN(18)
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		if r.IntN(10) == 0 {
			b.WriteString(benchTail[zt.Uint64()])
		} else {
			b.WriteString(benchCommon[z.Uint64()])
		}
	}
	fmt.Fprintf(&b, " #%d", r.IntN(100000))
	return b.String()
}

// hotFix is the cxFix world filled with the benchmark's conversations, indexed.
type hotFix struct {
	*cxFix
	displayIDs []uint64
	rare       string // a tail word in a handful of messages
}

func hotNew(b *testing.B) *hotFix {
	b.Helper()
	f := &hotFix{cxFix: cxNew(b, "pt-BR")}
	r := rand.New(rand.NewPCG(8, 8))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(benchCommon)-1))
	zt := rand.NewZipf(r, 1.2, 4, uint64(len(benchTail)-1))
	counts := map[string]int{}
	total := benchConversations * benchPerConversation
	batch := make([]Inbound, 0, 1000)
	flush := func() {
		res, err := f.s.IngestBatch(cxCtx, f.acct.ID, batch)
		if err != nil {
			b.Fatal(err)
		}
		for _, x := range res {
			if x.DisplayID != 0 && !slices.Contains(f.displayIDs, x.DisplayID) && len(f.displayIDs) < benchConversations {
				f.displayIDs = append(f.displayIDs, x.DisplayID)
			}
		}
		batch = batch[:0]
		f.index()
	}
	for i := range total {
		who := i % benchConversations
		in := f.in(fmt.Sprintf("c%d", who), benchText(r, z, zt))
		in.Contact.Name = benchFirst[who%len(benchFirst)] + " " + benchLast[(who/len(benchFirst))%len(benchLast)]
		in.Contact.Phone = fmt.Sprintf("+55119%08d", 10000000+who*37)
		in.SourceID = fmt.Sprintf("m%d", i)
		if r.IntN(3) == 0 { // an agent's reply, written elsewhere
			in.Echo, in.SenderID = true, f.ana.UserID
		}
		for _, w := range strings.Fields(in.Content) {
			counts[w]++
		}
		batch = append(batch, in)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	for _, w := range benchTail {
		if n := counts[w]; n >= 3 && n <= 10 {
			f.rare = w
			break
		}
	}
	if f.rare == "" {
		b.Fatal("no rare word")
	}
	return f
}

// index feeds the change feed to the search index in chunks, as the app's consumer does.
func (f *hotFix) index() {
	for {
		var evs []storage.Event
		f.db.View(func(tx *storage.Tx) (err error) { evs, err = tx.Events(f.applied, 1000); return err })
		if len(evs) == 0 {
			return
		}
		if err := f.ix.Apply(cxCtx, evs); err != nil {
			f.t.Fatal(err)
		}
		f.applied = evs[len(evs)-1].Seq
	}
}

// BenchmarkHotPaths measures opening a conversation (Get + the latest page of Messages) and the
// GET /search backend (Find) over 2,000 conversations and 50,000 messages.
func BenchmarkHotPaths(b *testing.B) {
	f := hotNew(b)
	b.Run("open", func(b *testing.B) {
		r := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			id := f.displayIDs[r.IntN(len(f.displayIDs))]
			c, err := f.s.Get(cxCtx, f.admin, id)
			if err != nil || c.ID != id {
				b.Fatal(err)
			}
			p, err := f.s.Messages(cxCtx, f.admin, id, 0)
			if err != nil || len(p.Payload) != MessagesPageSize {
				b.Fatal(err, len(p.Payload))
			}
		}
	})
	for _, c := range []struct {
		name, q string
		agent   bool
	}{
		{name: "find-common", q: "pedido"},
		{name: "find-rare", q: f.rare},
		{name: "find-two", q: "entrega atraso"},
		{name: "find-phrase", q: `"nota fiscal"`},
		{name: "find-name", q: "Mariana"},
		{name: "find-common-agent", q: "pedido", agent: true},
	} {
		actor := f.admin
		if c.agent {
			actor = f.carla // sees only her own conversations: most hits are dropped
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res, err := f.s.Find(cxCtx, actor, c.q, 1)
				if err != nil {
					b.Fatal(err)
				}
				if !c.agent && len(res.Messages) == 0 && len(res.Conversations) == 0 {
					b.Fatalf("%q found nothing", c.q)
				}
			}
		})
	}
}

// BenchmarkIndexMessages measures the search consumer's share of ingest: the change feed of
// batches of 1,000 messages (the benchmark's text, over benchConversations threads) applied
// to the index as the app's consumer applies it. Storing them is not timed. What a message
// document holds decides this number: its unused date and conversation fields made the bench's
// 300k-message build a third slower.
func BenchmarkIndexMessages(b *testing.B) {
	f := &hotFix{cxFix: cxNew(b, "pt-BR")}
	r := rand.New(rand.NewPCG(8, 8))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(benchCommon)-1))
	zt := rand.NewZipf(r, 1.2, 4, uint64(len(benchTail)-1))
	batch := make([]Inbound, 1000)
	n := 0
	for b.Loop() {
		b.StopTimer()
		for i := range batch {
			batch[i] = f.in(fmt.Sprintf("c%d", n%benchConversations), benchText(r, z, zt))
			batch[i].SourceID = fmt.Sprintf("m%d", n)
			n++
		}
		if _, err := f.s.IngestBatch(cxCtx, f.acct.ID, batch); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		f.index()
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}
