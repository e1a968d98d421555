package bench

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// The words of the synthetic messages, most frequent first, as they rank in chat and e-mail
// corpora of each language. Words are drawn with a Zipf law over the rank, so a few are in
// almost every message (the search's worst case) and most are rare, as in real text.
var (
	wordsPT = strings.Fields(`de que não o a e é para um eu você do da em com uma os no se na por
mais as dos como mas foi ao ele das tem à seu sua ou ser quando muito há nos já está também só
pelo pela até isso ela entre era depois sem mesmo aos ter seus quem nas me esse eles estão essa
num nem suas meu às minha têm numa pelos elas havia seja qual será nós tenho lhe deles essas
esses pelas este fosse dele tu te vocês vos lhes meus minhas teu tua teus tuas nosso nossa
nossos nossas dela delas esta estes estas aquele aquela aqueles aquelas isto aquilo estou
obrigado obrigada oi olá bom dia boa tarde noite tudo bem certo ok pedido entrega prazo preço
valor pagamento pix boleto cartão nota fiscal produto estoque frete endereço cep orçamento
desconto promoção compra troca devolução garantia atendimento cliente loja site whatsapp
horário amanhã hoje ontem semana mês agora ainda sim claro pode posso consegue gostaria
preciso quero queria saber informação dúvida problema chegou enviado enviei recebi rastreio
código transportadora correios sedex retirada balcão cancelar confirmar confirmado aguardo
retorno favor ajuda urgente bolo pão encomenda festa aniversário casamento sabor chocolate
morango tamanho quilo unidade caixa kit combo cardápio reserva mesa agenda consulta horários
disponível fechado aberto sábado domingo segunda sexta feira rua avenida número apartamento`)
	wordsEN = strings.Fields(`the to and a of i you is it for in that on my we this be have
with your are can me not at so do will but if just from our would get please thanks thank hi
hello order delivery shipping price payment invoice refund return exchange product stock size
color available today tomorrow yesterday week month now still yes no sure could help need want
know question issue problem arrived sent received tracking number code address street city
cancel confirm confirmed waiting reply asap urgent cake bread party birthday wedding flavour
chocolate strawberry box pickup store website hours open closed saturday sunday monday friday
account card discount coupon quote total tax receipt email phone call later soon again ok okay
great good morning afternoon evening time what when where how why which who much many more
some any all one two three first last next new old`)
	firstNames = strings.Fields(`Maria Ana Francisca Antônia Adriana Juliana Márcia Fernanda Patrícia
Aline Sandra Camila Amanda Bruna Jéssica Letícia Júlia Luciana Vanessa Mariana Gabriela Beatriz
José João Antônio Francisco Carlos Paulo Pedro Lucas Luiz Marcos Luís Gabriel Rafael Daniel
Marcelo Bruno Eduardo Felipe Rodrigo Matheus Gustavo Thiago Diego Leonardo Ricardo Fábio
Emily Olivia Sophie Grace Chloe James Oliver Henry Jack William Thomas George Noah`)
	lastNames = strings.Fields(`Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima
Gomes Costa Ribeiro Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias
Nascimento Andrade Moreira Nunes Marques Machado Mendes Freitas Cardoso Ramos Gonçalves Santana
Teixeira Araújo Pinto Moura Cavalcanti Monteiro Smith Johnson Brown Taylor Wilson Davies Evans`)
	cities = strings.Fields(`São_Paulo Rio_de_Janeiro Belo_Horizonte Curitiba Porto_Alegre Salvador
Recife Fortaleza Brasília Campinas Florianópolis Goiânia Manaus Belém Santos Niterói`)
	// Greetings and set phrases open or close many real messages; they make phrase search
	// meaningful.
	openersPT = []string{"Bom dia", "Boa tarde", "Boa noite", "Olá, tudo bem?", "Oi", "Obrigado pelo retorno."}
	openersEN = []string{"Good morning", "Hi there", "Hello", "Thank you for the reply."}
	phrasesPT = []string{"nota fiscal", "código de rastreio", "forma de pagamento", "prazo de entrega", "segunda via do boleto"}
	phrasesEN = []string{"thank you so much", "tracking number", "as soon as possible", "order status"}
	// labelTitles are the workspace's labels, most used first.
	labelTitles = []string{"vip", "orcamento", "entrega", "pagamento", "reclamacao", "pix", "troca",
		"duvida", "urgente", "atacado", "b2b", "retorno"}
)

// textGen draws message text with Zipf-distributed words of one language per message.
type textGen struct {
	r      *rand.Rand
	pt, en *rand.Zipf
}

func newTextGen(r *rand.Rand) *textGen {
	return &textGen{r: r,
		pt: rand.NewZipf(r, 1.07, 2, uint64(len(wordsPT)-1)),
		en: rand.NewZipf(r, 1.07, 2, uint64(len(wordsEN)-1))}
}

// message is one chat message: 2 to 30 words (most short), Portuguese seven times in ten,
// capitalised, sometimes with an order number or an amount as customers write them.
func (g *textGen) message() string {
	words, z, openers, phrases := wordsPT, g.pt, openersPT, phrasesPT
	if g.r.IntN(10) >= 7 {
		words, z, openers, phrases = wordsEN, g.en, openersEN, phrasesEN
	}
	n := 2 + int(g.r.ExpFloat64()*7)
	n = min(n, 30)
	var b strings.Builder
	if g.r.IntN(3) == 0 {
		b.WriteString(openers[g.r.IntN(len(openers))])
		b.WriteByte(' ')
	}
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		w := words[z.Uint64()]
		if i == 0 && b.Len() == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		if i == n/2 && g.r.IntN(8) == 0 {
			b.WriteByte(' ')
			b.WriteString(phrases[g.r.IntN(len(phrases))])
		}
	}
	switch g.r.IntN(12) {
	case 0:
		b.WriteString(" #")
		b.WriteString(strconv.Itoa(10000 + g.r.IntN(90000)))
	case 1:
		b.WriteString(" R$ ")
		b.WriteString(strconv.Itoa(10 + g.r.IntN(990)))
		b.WriteString(",00")
	}
	if g.r.IntN(3) == 0 {
		b.WriteByte('?')
	} else {
		b.WriteByte('.')
	}
	return b.String()
}

// phone is a Brazilian mobile number in E.164, spread over the big area codes.
func phone(r *rand.Rand, i int) string {
	ddd := []string{"11", "21", "31", "41", "51", "61", "71", "81", "85", "19", "48", "62"}[r.IntN(12)]
	// i·7919 mod 10⁸ is a bijection, so numbers are distinct yet spread over every prefix.
	return "+55" + ddd + "9" + pad8(i*7919+12345)
}

func pad8(i int) string {
	s := strconv.Itoa(i % 100_000_000)
	return strings.Repeat("0", 8-len(s)) + s
}
