package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/replies"
	"github.com/parleyhq/parley/storage"
)

// demoDialogs are short bakery conversations: the customer's lines, then (when the team has
// answered) the reply sent from the shop's phone.
var demoDialogs = []struct {
	in    []string
	reply string
	label string
}{
	{[]string{"Oi! Vocês fazem bolo de aniversário sob encomenda?", "Seria para sábado, umas 30 pessoas"}, "Olá! Fazemos sim 😊 Para 30 pessoas indicamos o bolo de 3 kg. Qual sabor você prefere?", "encomenda"},
	{[]string{"Bom dia, o pão de queijo sai que horas?"}, "Bom dia! A primeira fornada sai às 6h30 e a segunda às 10h.", "duvida"},
	{[]string{"Meu pedido #1234 ainda não chegou", "Já faz uma hora"}, "", "entrega"},
	{[]string{"Vocês aceitam PIX?"}, "Aceitamos sim! A chave é o nosso CNPJ, enviamos junto com o pedido.", "pagamento"},
	{[]string{"Quero 50 coxinhas para amanhã às 15h, dá tempo?"}, "Dá sim! Confirma o endereço de entrega para mim?", "encomenda"},
	{[]string{"O sonho de hoje veio sem recheio 😕"}, "", "reclamacao"},
	{[]string{"Tem opção sem glúten?", "Minha filha é celíaca"}, "Temos pão de queijo e brownie sem glúten, feitos em área separada.", "duvida"},
	{[]string{"Qual o valor do kit festa para 20 pessoas?"}, "", "orcamento"},
	{[]string{"Vocês abrem no feriado?"}, "Abrimos das 7h às 13h no feriado.", "duvida"},
	{[]string{"Gostaria de fazer um pedido para o café da empresa toda sexta", "Somos 15 pessoas"}, "", "orcamento"},
	{[]string{"Hi! Do you deliver to Vila Madalena?"}, "Hi! Yes, we deliver there from 8am to 6pm.", "entrega"},
	{[]string{"Obrigada pelo bolo, estava maravilhoso!"}, "Que alegria! Obrigado pelo carinho 💛", ""},
}

// demoWidgetChats are past conversations of the website chat.
var demoWidgetChats = []struct {
	name, email string
	lines       []struct {
		agent bool
		text  string
	}
}{
	{"Paula Siqueira", "paula.siqueira@example.com", []struct {
		agent bool
		text  string
	}{{false, "Oi! Vocês entregam bolo em Pinheiros?"}, {true, "Oi, Paula! Entregamos sim, das 8h às 18h. Qual bolo você gostaria?"}, {false, "Um de cenoura com chocolate para amanhã 🙂"}}},
	{"Visitante do site", "", []struct {
		agent bool
		text  string
	}{{false, "Qual o horário de vocês no domingo?"}, {true, "Domingo abrimos das 7h às 13h!"}}},
}

var demoPeople = []struct{ name, phone string }{
	{"Juliana Prado", "+5511987650001"}, {"Rafael Teixeira", "+5511987650002"}, {"Patrícia Gomes", "+5511987650003"},
	{"Marcos Vinícius", "+5511987650004"}, {"Fernanda Alves", "+5511987650005"}, {"Lucas Martins", "+5511987650006"},
	{"Beatriz Nogueira", "+5511987650007"}, {"Thiago Ribeiro", "+5511987650008"}, {"Camila Duarte", "+5511987650009"},
	{"Gustavo Pereira", "+5511987650010"}, {"Larissa Campos", "+5511987650011"}, {"Eduardo Fonseca", "+5511987650012"},
	{"Sofia Andrade", "+5511987650013"}, {"Henrique Barros", "+5511987650014"}, {"Aline Cardoso", "+5511987650015"},
	{"Rodrigo Moreira", "+5511987650016"}, {"Vanessa Lopes", "+5511987650017"}, {"Felipe Araújo", "+5511987650018"},
	{"Mariana Freitas", "+5511987650019"}, {"Daniel Correia", "+5511987650020"}, {"Tatiane Reis", "+5511987650021"},
	{"André Cavalcanti", "+5511987650022"}, {"Priscila Monteiro", "+5511987650023"}, {"Vinícius Castro", "+5511987650024"},
	{"Renata Farias", "+5511987650025"}, {"Leonardo Pinto", "+5511987650026"}, {"Natália Dias", "+5511987650027"},
	{"Caio Rezende", "+5511987650028"}, {"Isabela Moura", "+5511987650029"}, {"Otávio Sales", "+5511987650030"},
	{"Helena Batista", "+5511987650031"}, {"Ricardo Nunes", "+5511987650032"}, {"Gabriela Rocha", "+5511987650033"},
	{"Matheus Vieira", "+5511987650034"}, {"Débora Cunha", "+5511987650035"}, {"Fábio Mendes", "+5511987650036"},
	{"Luana Costa", "+5511987650037"}, {"Sérgio Tavares", "+5511987650038"}, {"Carolina Lima", "+5511987650039"},
	{"Bruna Azevedo", "+5511987650040"},
}

// demoInbox fills the busy inbox of the demo: two inboxes, labels, canned responses, a macro, an
// SLA policy and forty conversations in every state, ingested through the real channel path.
func (a *App) demoInbox(ctx context.Context, accountID uint64, agentIDs []uint64) error {
	sys := access.SystemActor(accountID)
	exists := false
	a.DB.View(func(tx *storage.Tx) error {
		exists = inboxes.Inboxes.Len(tx, accountID) > 0
		return nil
	})
	if exists {
		return nil // filled before: running demo twice adds nothing twice
	}
	labels := []struct{ title, desc, color string }{
		{"encomenda", "Pedidos sob encomenda", "#4F46E5"}, {"entrega", "Entregas e atrasos", "#0EA5E9"},
		{"pagamento", "PIX, cartão e boleto", "#16A34A"}, {"reclamacao", "Algo deu errado", "#DC2626"},
		{"duvida", "Perguntas rápidas", "#F59E0B"}, {"orcamento", "Orçamentos para empresas e festas", "#9333EA"},
	}
	for _, l := range labels {
		_, err := a.Conversations.CreateLabel(ctx, sys, conversations.LabelInput{Title: ptr(l.title), Description: ptr(l.desc), Color: ptr(l.color), ShowOnSidebar: ptr(true)})
		if err != nil && !apperr.Is(err, apperr.Conflict) {
			return fmt.Errorf("demo labels: %w", err)
		}
	}
	sla, err := a.Conversations.CreateSLAPolicy(ctx, sys, conversations.SLAPolicyInput{Name: ptr("Atendimento padrão"), Description: ptr("Primeira resposta em 30 min, solução no mesmo dia"),
		FirstResponseMinutes: ptr(30), NextResponseMinutes: ptr(60), ResolutionMinutes: ptr(8 * 60), OnlyDuringBusinessHrs: ptr(true)})
	if err != nil {
		return fmt.Errorf("demo SLA: %w", err)
	}
	hours := make([]inboxes.WorkingHour, 7)
	for d := range hours {
		hours[d] = inboxes.WorkingHour{DayOfWeek: d, OpenHour: 7, CloseHour: 19}
		if d == 0 {
			hours[d] = inboxes.WorkingHour{DayOfWeek: d, OpenHour: 7, CloseHour: 13}
		}
	}
	// Everyone in the account works both inboxes (the owner too). The automation (greeting,
	// CSAT, SLA) is switched on after the history is loaded, as a business that imports its past
	// conversations would: old conversations get no greeting, survey or overdue clock today.
	var members []uint64
	a.DB.View(func(tx *storage.Tx) error {
		return accounts.Members.Each(tx, accountID, storage.Query{}, func(m *accounts.Member) bool {
			members = append(members, m.UserID)
			return true
		})
	})
	site, err := a.Inboxes.Create(ctx, sys, inboxes.InboxInput{Name: ptr("Pedidos pelo site"), ChannelType: ptr(inboxes.ChannelAPI),
		WorkingHoursEnabled: ptr(true), OutOfOfficeMessage: ptr("Estamos fechados agora. Respondemos assim que abrirmos, às 7h!"), WorkingHours: hours,
		EnableAutoAssignment: ptr(true), MemberIDs: members})
	if err != nil {
		return fmt.Errorf("demo inbox: %w", err)
	}
	support, err := a.Inboxes.Create(ctx, sys, inboxes.InboxInput{Name: ptr("Atendimento geral"), ChannelType: ptr(inboxes.ChannelAPI),
		LockToSingleConversation: ptr(true), MemberIDs: members})
	if err != nil {
		return fmt.Errorf("demo inbox: %w", err)
	}
	// The bakery's website chat: a widget that localhost pages may embed, so the demo can be
	// tried from a test page on this machine.
	web, err := a.Inboxes.Create(ctx, sys, inboxes.InboxInput{Name: ptr("Site"), MemberIDs: members,
		Channel: map[string]any{"type": "web_widget", "website_url": "http://localhost", "allowed_domains": []string{"localhost", "127.0.0.1"},
			"welcome_title": "Olá! 👋", "welcome_tagline": "Tire suas dúvidas sobre pedidos, entregas e encomendas.",
			"pre_chat_form_enabled": false, "offline_message": "Estamos fora agora. Deixe sua mensagem que respondemos assim que voltarmos!"}})
	if err != nil {
		return fmt.Errorf("demo website inbox: %w", err)
	}
	for _, c := range []replies.CannedInput{
		{ShortCode: ptr("ola"), Content: ptr("Olá, {{contact.first_name}}! Aqui é {{agent.first_name}}, da Padaria Pão de Mel. Como posso ajudar?")},
		{ShortCode: ptr("pix"), Content: ptr("Nossa chave PIX é o CNPJ 12.345.678/0001-90. Assim que o pagamento cair, confirmamos por aqui 😊")},
		{ShortCode: ptr("horario"), Content: ptr("Funcionamos de segunda a sábado das 7h às 19h, e domingo das 7h às 13h.")},
		{ShortCode: ptr("encomenda"), Content: ptr("Para encomendas, precisamos de 48h de antecedência e 50% de sinal.")},
	} {
		if _, err := a.Replies.Create(ctx, sys, c); err != nil && !apperr.Is(err, apperr.Conflict) {
			return fmt.Errorf("demo canned responses: %w", err)
		}
	}
	if _, err := a.Replies.CreateMacro(ctx, sys, replies.MacroInput{Name: ptr("Entrega atrasada"), Visibility: ptr(replies.Global), Actions: &[]replies.Action{
		{Name: "add_label", Params: []any{"entrega"}}, {Name: "change_priority", Params: []any{"high"}},
		{Name: "send_message", Params: []any{"Sinto muito pelo atraso, {{contact.first_name}}! Já estou verificando com o entregador."}},
	}}); err != nil {
		return fmt.Errorf("demo macro: %w", err)
	}

	rng := rand.New(rand.NewPCG(7, 11))
	now := time.Now().UTC()
	for i, p := range demoPeople {
		d := demoDialogs[i%len(demoDialogs)]
		inbox := site.ID
		if i%3 == 2 {
			inbox = support.ID
		}
		at := now.Add(-time.Duration(i*i+1) * 17 * time.Minute)
		var res conversations.IngestResult
		for j, line := range d.in {
			res, err = a.Conversations.Ingest(ctx, accountID, conversations.Inbound{InboxID: inbox,
				Contact:  contacts.Identity{SourceID: p.phone, Name: p.name, Phone: p.phone},
				SourceID: fmt.Sprintf("demo-%d-%d", i, j), Content: line, At: at.Add(time.Duration(j) * time.Minute)})
			if err != nil {
				return fmt.Errorf("demo ingest: %w", err)
			}
		}
		id := res.DisplayID
		if d.label != "" {
			if _, err := a.Conversations.AddLabels(ctx, sys, id, []string{d.label}); err != nil {
				return fmt.Errorf("demo labels: %w", err)
			}
		}
		if d.reply == "" || len(agentIDs) == 0 {
			continue // waiting for the team
		}
		who := agentIDs[rng.IntN(len(agentIDs))]
		// The reply was written a few minutes after the question, by the agent it is assigned to.
		_, err = a.Conversations.Ingest(ctx, accountID, conversations.Inbound{InboxID: inbox, Echo: true, SenderID: who,
			Contact:  contacts.Identity{SourceID: p.phone, Name: p.name, Phone: p.phone},
			SourceID: fmt.Sprintf("demo-%d-reply", i), Content: d.reply, At: at.Add(time.Duration(len(d.in)+3) * time.Minute)})
		if err != nil {
			return fmt.Errorf("demo reply: %w", err)
		}
		if _, err := a.Conversations.Assign(ctx, sys, id, conversations.Assignment{AssigneeID: &who}); err != nil {
			return fmt.Errorf("demo assign: %w", err)
		}
		if i%4 == 1 && i < 10 {
			actor, err := a.demoActor(accountID, who)
			if err != nil {
				return err
			}
			note := "Cliente frequente — oferecer o cartão fidelidade."
			if _, err := a.Conversations.CreateMessage(ctx, actor, id, conversations.NewMessage{Content: note, Private: true}); err != nil {
				return fmt.Errorf("demo note: %w", err)
			}
		}
		switch i % 5 {
		case 2:
			if _, err := a.Conversations.SetPriority(ctx, sys, id, conversations.High); err != nil {
				return fmt.Errorf("demo priority: %w", err)
			}
		case 3:
			if _, err := a.Conversations.ToggleStatus(ctx, sys, id, conversations.StatusChange{Status: conversations.Resolved}); err != nil {
				return fmt.Errorf("demo resolve: %w", err)
			}
		case 4:
			if _, err := a.Conversations.ToggleStatus(ctx, sys, id, conversations.StatusChange{Status: conversations.Pending}); err != nil {
				return fmt.Errorf("demo pending: %w", err)
			}
		}
	}
	for i, chat := range demoWidgetChats {
		visitor := contacts.Identity{SourceID: fmt.Sprintf("demo-visitor-%d", i+1), Name: chat.name, Email: chat.email}
		at := now.Add(-time.Duration(i+2) * 26 * time.Hour)
		for j, line := range chat.lines {
			in := conversations.Inbound{InboxID: web.ID, Contact: visitor, SourceID: fmt.Sprintf("demo-web-%d-%d", i, j), Content: line.text,
				At: at.Add(time.Duration(j*2) * time.Minute)}
			if line.agent {
				if len(agentIDs) == 0 {
					continue
				}
				in.Echo, in.SenderID = true, agentIDs[i%len(agentIDs)]
			}
			if _, err := a.Conversations.Ingest(ctx, accountID, in); err != nil {
				return fmt.Errorf("demo widget chat: %w", err)
			}
		}
	}
	if _, err := a.Inboxes.Update(ctx, sys, web.ID, inboxes.InboxInput{GreetingEnabled: ptr(true),
		GreetingMessage: ptr("Oi! Aqui é a Padaria Pão de Mel. Em que podemos ajudar?"), CSATSurveyEnabled: ptr(true)}); err != nil {
		return fmt.Errorf("demo inbox settings: %w", err)
	}
	// From now on the inboxes greet, survey and keep the SLA like a live install.
	if _, err := a.Inboxes.Update(ctx, sys, site.ID, inboxes.InboxInput{GreetingEnabled: ptr(true),
		GreetingMessage: ptr("Olá! Aqui é a Padaria Pão de Mel 🥐 Já vamos te responder."), CSATSurveyEnabled: ptr(true), SLAPolicyID: &sla.ID}); err != nil {
		return fmt.Errorf("demo inbox settings: %w", err)
	}
	if _, err := a.Inboxes.Update(ctx, sys, support.ID, inboxes.InboxInput{CSATSurveyEnabled: ptr(true)}); err != nil {
		return fmt.Errorf("demo inbox settings: %w", err)
	}
	return nil
}

// demoActor is the actor of one of the demo agents.
func (a *App) demoActor(accountID, userID uint64) (access.Actor, error) {
	var actor access.Actor
	err := a.DB.View(func(tx *storage.Tx) error {
		u, err := auth.Users.Get(tx, 0, userID)
		if err != nil {
			return err
		}
		actor, _, err = a.Accounts.Actor(tx, u, accountID)
		return err
	})
	return actor, err
}
