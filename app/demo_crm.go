package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/crm"
	"github.com/parleyhq/parley/storage"
)

// demoCRM fills the bakery's customer side: custom attributes, companies, a catalog, two
// pipelines with deals in every state, orders and a custom object type, so each CRM screen has
// something true to show. It turns the orders registry and custom objects on for the demo
// account (they are off by default) and runs after the inbox demo, reusing its contacts.
func (a *App) demoCRM(ctx context.Context, accountID uint64, agentIDs []uint64) error {
	sys := access.SystemActor(accountID)
	filled := false
	people := map[string]uint64{} // first name -> contact id
	err := a.DB.Update(func(tx *storage.Tx) error {
		filled = crm.Pipelines.Len(tx, accountID) > 0
		if filled {
			return nil
		}
		acct, err := accounts.Accounts.Get(tx, 0, accountID)
		if err != nil {
			return err
		}
		if acct.Modules == nil {
			acct.Modules = map[string]bool{}
		}
		acct.Modules[crm.OrdersModule], acct.Modules[crm.ObjectsModule] = true, true
		if err := accounts.Accounts.Put(tx, acct); err != nil {
			return err
		}
		return contacts.Contacts.Each(tx, accountID, storage.Query{}, func(c *contacts.Contact) bool {
			people[strings.Fields(c.Name + " ?")[0]] = c.ID
			return true
		})
	})
	if err != nil || filled {
		return err
	}
	fail := func(what string, err error) error { return fmt.Errorf("demo %s: %w", what, err) }

	defs := []contacts.AttributeDefinitionInput{
		{DisplayName: ptr("CPF"), DisplayType: ptr(contacts.TypeText), Model: ptr(contacts.ModelContact),
			RegexPattern: ptr(`^\d{3}\.\d{3}\.\d{3}-\d{2}$`), RegexCue: ptr("Use o formato 000.000.000-00")},
		{DisplayName: ptr("Origem do lead"), DisplayType: ptr(contacts.TypeList), Model: ptr(contacts.ModelContact),
			Values: &[]string{"Instagram", "Indicação", "Site", "WhatsApp", "Balcão"}},
		{DisplayName: ptr("Cliente desde"), DisplayType: ptr(contacts.TypeDate), Model: ptr(contacts.ModelContact)},
		{DisplayName: ptr("Aceita novidades"), DisplayType: ptr(contacts.TypeCheckbox), Model: ptr(contacts.ModelContact)},
		{DisplayName: ptr("Número do pedido"), DisplayType: ptr(contacts.TypeText), Model: ptr(contacts.ModelConversation)},
		{DisplayName: ptr("Funcionários"), DisplayType: ptr(contacts.TypeNumber), Model: ptr(contacts.ModelCompany)},
		{DisplayName: ptr("Forma de pagamento"), DisplayType: ptr(contacts.TypeList), Model: ptr(contacts.ModelDeal),
			Values: &[]string{"PIX", "Boleto", "Cartão", "Faturado 30 dias"}},
	}
	for _, d := range defs {
		if _, err := a.Contacts.CreateAttributeDefinition(ctx, sys, d); err != nil {
			return fail("attributes", err)
		}
	}
	attrs := map[string]map[string]any{
		"Juliana":  {"cpf": "123.456.789-09", "origem_do_lead": "Instagram", "cliente_desde": "2024-03-12", "aceita_novidades": true},
		"Rafael":   {"origem_do_lead": "Indicação", "cliente_desde": "2023-11-02"},
		"Fernanda": {"origem_do_lead": "Site", "aceita_novidades": true},
		"Marcos":   {"origem_do_lead": "WhatsApp"},
	}
	for name, values := range attrs {
		if id := people[name]; id != 0 {
			if _, err := a.Contacts.Update(ctx, sys, id, contacts.ContactInput{CustomAttributes: values, City: ptr("São Paulo"), Country: ptr("Brasil")}); err != nil {
				return fail("contact attributes", err)
			}
		}
	}

	companies := []struct {
		name, domain, desc string
		staff              int
		members            []string
	}{
		{"Café Aroma Ltda", "cafearoma.com.br", "Rede de cafeterias: revende nossos bolos e pães de mel.", 45, []string{"Rafael"}},
		{"Hotel Serra Azul", "serraazul.com.br", "Hotel em Campos do Jordão; café da manhã e eventos.", 120, []string{"Fernanda"}},
		{"Escritório Lima & Associados", "limaassociados.adv.br", "Coffee breaks para reuniões e cursos.", 18, []string{"Marcos"}},
	}
	companyIDs := map[string]uint64{}
	for _, c := range companies {
		cv, err := a.Contacts.CreateCompany(ctx, sys, contacts.CompanyInput{Name: ptr(c.name), Domain: ptr(c.domain), Description: ptr(c.desc),
			CustomAttributes: map[string]any{"funcionarios": c.staff}})
		if err != nil {
			return fail("companies", err)
		}
		companyIDs[c.name] = cv.ID
		var ids []uint64
		for _, m := range c.members {
			if id := people[m]; id != 0 {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			if _, err := a.Contacts.LinkContacts(ctx, sys, cv.ID, ids); err != nil {
				return fail("company contacts", err)
			}
		}
	}

	products := map[string]uint64{}
	for _, p := range []struct {
		name, sku string
		cents     int64
	}{
		{"Bolo de chocolate (kg)", "BOLO-CHOC", 6490}, {"Pão de mel (caixa com 12)", "PDM-12", 4800},
		{"Coffee break (por pessoa)", "CB-PESSOA", 3500}, {"Torta salgada grande", "TORTA-G", 8900},
		{"Cesta de café da manhã", "CESTA-CAFE", 15900},
	} {
		pv, err := a.Catalog.Create(ctx, sys, catalog.ProductInput{Name: ptr(p.name), SKU: ptr(p.sku), PriceCents: ptr(p.cents)})
		if err != nil {
			return fail("catalog", err)
		}
		products[p.sku] = pv.ID
	}

	b2b, err := a.CRM.CreatePipeline(ctx, sys, crm.PipelineInput{Name: ptr("Vendas para empresas"), Template: "b2b_sales"})
	if err != nil {
		return fail("pipeline", err)
	}
	if _, err := a.CRM.CreatePipeline(ctx, sys, crm.PipelineInput{Name: ptr("Encomendas de festa"), Template: "ecommerce"}); err != nil {
		return fail("pipeline", err)
	}
	owner := func(i int) *uint64 {
		if len(agentIDs) == 0 {
			return nil
		}
		return ptr(agentIDs[i%len(agentIDs)])
	}
	open := []crm.StageView{}
	for _, st := range b2b.Stages {
		if st.Kind == crm.StageOpen {
			open = append(open, st)
		}
	}
	deals := []struct {
		title, contact, company, close, priority string
		stage                                    int
		value                                    int64
		items                                    map[string]float64
		outcome                                  string
	}{
		{"Coffee break mensal — Lima & Associados", "Marcos", "Escritório Lima & Associados", "2026-12-15", "high", 2, 0, map[string]float64{"CB-PESSOA": 40}, ""},
		{"Fornecimento de pães de mel — Café Aroma", "Rafael", "Café Aroma Ltda", "2026-12-20", "urgent", 3, 0, map[string]float64{"PDM-12": 30, "BOLO-CHOC": 10}, ""},
		{"Café da manhã de Natal — Hotel Serra Azul", "Fernanda", "Hotel Serra Azul", "2026-12-10", "medium", 1, 0, map[string]float64{"CESTA-CAFE": 25}, ""},
		{"Bolos para o aniversário da empresa", "Juliana", "", "2026-11-30", "medium", 0, 120000, nil, ""},
		{"Tortas para a confraternização", "", "Hotel Serra Azul", "2026-10-30", "low", 0, 89000, nil, ""},
		{"Contrato anual de salgados", "Rafael", "Café Aroma Ltda", "2026-09-30", "high", 0, 480000, nil, "won"},
		{"Kit festa junina", "Juliana", "", "2026-06-10", "low", 0, 65000, nil, "lost"},
	}
	var firstDeal uint64
	for i, d := range deals {
		in := crm.DealInput{PipelineID: b2b.ID, StageID: open[min(d.stage, len(open)-1)].ID, Title: ptr(d.title), Priority: ptr(d.priority),
			OwnerID: owner(i), ExpectedCloseOn: ptr(d.close), CustomAttributes: map[string]any{"forma_de_pagamento": []string{"PIX", "Boleto", "Faturado 30 dias"}[i%3]}}
		if d.value > 0 {
			in.ValueCents = ptr(d.value)
		}
		if id := people[d.contact]; id != 0 {
			in.ContactID = ptr(id)
		}
		if id := companyIDs[d.company]; id != 0 {
			in.CompanyID = ptr(id)
		}
		dv, err := a.CRM.CreateDeal(ctx, sys, in)
		if err != nil {
			return fail("deal", err)
		}
		if firstDeal == 0 {
			firstDeal = dv.ID
		}
		for sku, qty := range d.items {
			li := crm.LineItemInput{ProductID: products[sku], Quantity: ptr(qty)}
			if qty >= 30 {
				li.DiscountType, li.DiscountValue = ptr("percent"), ptr(10.0)
			}
			if _, err := a.CRM.AddLineItem(ctx, sys, dv.ID, li); err != nil {
				return fail("line item", err)
			}
		}
		switch d.outcome {
		case "won":
			_, err = a.CRM.Won(ctx, sys, dv.ID, crm.CloseInput{ClosedOn: d.close, Reason: "Melhor prazo de entrega da região"})
		case "lost":
			_, err = a.CRM.Lost(ctx, sys, dv.ID, crm.CloseInput{ClosedOn: d.close, Reason: "Cliente achou o preço alto"})
		}
		if err != nil {
			return fail("deal outcome", err)
		}
	}
	for i, text := range []string{"Enviar proposta com degustação", "Confirmar número de pessoas", "Agendar entrega de teste"} {
		item, err := a.CRM.AddChecklistItem(ctx, sys, firstDeal, crm.DealChecklistInput{Text: ptr(text)})
		if err != nil {
			return fail("checklist", err)
		}
		if i == 0 {
			if _, err := a.CRM.UpdateChecklistItem(ctx, sys, firstDeal, item.ID, crm.DealChecklistInput{Done: ptr(true)}); err != nil {
				return fail("checklist", err)
			}
		}
	}
	if _, err := a.CRM.AddNote(ctx, sys, firstDeal, crm.DealNoteInput{Content: "Reunião às terças; preferem itens sem lactose para duas pessoas da equipe."}); err != nil {
		return fail("deal note", err)
	}

	if id := people["Juliana"]; id != 0 {
		for i, o := range []struct {
			title, status, on string
			cents             int64
		}{
			{"Bolo de aniversário 2 kg", "paid", "2026-08-14", 12980}, {"Caixa de pães de mel", "paid", "2026-10-02", 4800},
			{"Torta salgada para sábado", "pending", "2026-11-20", 8900},
		} {
			_, _, err := a.CRM.CreateOrder(ctx, sys, crm.OrderInput{ContactID: ptr(id), Title: ptr(o.title), ValueCents: ptr(o.cents), Status: ptr(o.status),
				OrderedAt: ptr(o.on), ExternalID: ptr(fmt.Sprintf("LOJA-%04d", 1201+i)), Source: ptr("commerce")})
			if err != nil {
				return fail("order", err)
			}
		}
	}

	event, err := a.CRM.CreateObjectType(ctx, sys, crm.ObjectTypeInput{Name: ptr("Evento"), Icon: ptr("pi pi-calendar"), PrimaryField: ptr("nome"),
		Fields: &[]crm.ObjectFieldInput{{Name: "Nome", Type: "text", Required: true}, {Name: "Data", Type: "date"}, {Name: "Convidados", Type: "number"},
			{Name: "Tipo", Type: "list", Options: []string{"Aniversário", "Casamento", "Corporativo"}}}})
	if err != nil {
		return fail("custom object type", err)
	}
	for _, e := range []struct{ name, date, kind, person, label string }{
		{"Aniversário de 30 anos da Juliana", "2026-12-05", "Aniversário", "Juliana", "aniversariante"},
		{"Confraternização Café Aroma", "2026-12-18", "Corporativo", "Rafael", "organizador"},
	} {
		rec, _, err := a.CRM.CreateObjectRecord(ctx, sys, event.ID, crm.ObjectRecordInput{Values: map[string]any{"nome": e.name, "data": e.date, "convidados": 40, "tipo": e.kind}})
		if err != nil {
			return fail("custom object record", err)
		}
		if id := people[e.person]; id != 0 {
			if _, err := a.CRM.Associate(ctx, sys, rec.ID, crm.AssociationInput{TargetType: "contact", TargetID: id, Label: e.label}); err != nil {
				return fail("association", err)
			}
		}
	}
	return nil
}
