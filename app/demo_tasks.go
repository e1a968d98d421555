package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/crm"
	"github.com/parleyhq/parley/app/tasks"
	"github.com/parleyhq/parley/storage"
)

// demoTasks fills the bakery's to-dos: three lists, an SLA policy for urgent work, a wedding-cake
// template, tasks in every state (overdue, due today, in progress, done, blocked), subtasks, a
// dependency, two recurring routines with reminders, a task made from the template for a deal and
// a manual action. Dates are relative to today in the account's time zone, so the demo always
// has something due. It runs after the CRM demo (reusing its contacts, companies and deals).
func (a *App) demoTasks(ctx context.Context, accountID uint64, agentIDs []uint64) error {
	if len(agentIDs) < 4 {
		return nil // the demo team was made by an earlier run; the tasks came with it
	}
	var (
		filled           bool
		loc              = time.UTC
		people           = map[string]uint64{}
		companyID, dealD uint64
	)
	err := a.DB.View(func(tx *storage.Tx) error {
		if filled = tasks.Lists.Len(tx, accountID) > 0; filled {
			return nil
		}
		acct, err := accounts.Accounts.Get(tx, 0, accountID)
		if err != nil {
			return err
		}
		if l, err := time.LoadLocation(acct.TimeZone); err == nil {
			loc = l
		}
		contacts.Contacts.Each(tx, accountID, storage.Query{}, func(c *contacts.Contact) bool {
			people[strings.Fields(c.Name + " ?")[0]] = c.ID
			return true
		})
		contacts.Companies.Each(tx, accountID, storage.Query{Limit: 1}, func(c *contacts.Company) bool {
			companyID = c.ID
			return false
		})
		crm.Deals.Each(tx, accountID, storage.Query{Limit: 1}, func(d *crm.Deal) bool {
			dealD = d.ID
			return false
		})
		return nil
	})
	if err != nil || filled {
		return err
	}
	ana, bruno, carla, diego := agentIDs[0], agentIDs[1], agentIDs[2], agentIDs[3]
	actor, err := a.demoActor(accountID, ana)
	if err != nil {
		return err
	}
	// Whoever signs in to the demo (its owner) has tasks of their own, an overdue one among them,
	// and a manual action waiting in the inbox.
	owner := ana
	a.DB.View(func(tx *storage.Tx) error {
		if u, err := auth.Users.GetBy(tx, 0, "email", storage.Str(storage.Fold(DemoEmail))); err == nil {
			if _, err := accounts.Members.GetBy(tx, accountID, "user", storage.Uint(u.ID)); err != nil {
				return nil
			}
			owner = u.ID
		}
		return nil
	})
	fail := func(what string, err error) error { return fmt.Errorf("demo tasks %s: %w", what, err) }
	now := time.Now().In(loc)
	day := func(offset int) string { return now.AddDate(0, 0, offset).Format("2006-01-02") }
	at := func(offset, hour, min int) string {
		d := now.AddDate(0, 0, offset)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, min, 0, 0, loc).Format(time.RFC3339)
	}

	lists := map[string]uint64{}
	for _, l := range []struct{ name, color string }{{"Produção", "#f59e0b"}, {"Comercial", "#3b82f6"}, {"Administrativo", "#8b5cf6"}} {
		v, err := a.Tasks.CreateList(ctx, actor, tasks.TaskListInput{Name: ptr(l.name), Color: ptr(l.color)})
		if err != nil {
			return fail("list", err)
		}
		lists[l.name] = v.ID
	}
	if _, err := a.Tasks.CreateSLAPolicy(ctx, actor, tasks.TaskSLAPolicyInput{Name: ptr("Urgentes"), Priority: ptr("urgent"),
		StartMinutes: ptr(60), FinishMinutes: ptr(8 * 60), Enabled: ptr(true)}); err != nil {
		return fail("SLA policy", err)
	}
	tpl, err := a.Tasks.CreateTemplate(ctx, actor, tasks.TaskTemplateInput{Name: ptr("Bolo de casamento"), Title: ptr("Encomenda de bolo de casamento"),
		Description: ptr("Do primeiro contato à montagem no salão."), Priority: ptr("high"), ListID: ptr(lists["Produção"]),
		DueOffsetDays: ptr(7), Labels: []string{"encomenda"},
		Checklist: []string{"Confirmar sabor e recheio", "Receber sinal de 50% via PIX", "Confirmar endereço e horário da entrega"},
		Subtasks: []tasks.TemplateSubtask{{Title: "Prova de sabores", AssigneeID: bruno, DueOffsetDays: ptr(2)},
			{Title: "Produção do bolo", AssigneeID: diego, DueOffsetDays: ptr(6)}, {Title: "Entrega e montagem", AssigneeID: carla, DueOffsetDays: ptr(7)}}})
	if err != nil {
		return fail("template", err)
	}

	type spec struct {
		in       tasks.TaskInput
		reminder string // RFC 3339: a reminder to the assignees
	}
	id := func(v uint64) *uint64 { return &v }
	specs := []spec{
		{in: tasks.TaskInput{Title: ptr("Ligar para a Maria sobre o orçamento do casamento"), ListID: id(lists["Comercial"]), Priority: ptr("high"),
			AssigneeIDs: []uint64{bruno}, DueAt: ptr(at(1, 10, 0)), ContactID: optional(people["Maria"]), Labels: []string{"orçamento"}},
			reminder: at(1, 9, 30)},
		{in: tasks.TaskInput{Title: ptr("Fechar o caixa do mês"), ListID: id(lists["Administrativo"]), Priority: ptr("medium"),
			AssigneeIDs: []uint64{owner}, DueAt: ptr(at(1, 18, 0)), Labels: []string{"financeiro"},
			Recurrence: &tasks.Recurrence{Freq: "monthly", Interval: 1}}},
		{in: tasks.TaskInput{Title: ptr("Relatório semanal de vendas"), ListID: id(lists["Comercial"]),
			AssigneeIDs: []uint64{carla}, DueAt: ptr(at(1, 9, 0)), Recurrence: &tasks.Recurrence{Freq: "weekly", Interval: 1}},
			reminder: at(1, 8, 30)},
		{in: tasks.TaskInput{Title: ptr("Comprar farinha e fermento"), ListID: id(lists["Produção"]), Status: ptr(tasks.StatusInProgress),
			AssigneeIDs: []uint64{diego}, DueAt: ptr(day(0)), Checklist: []string{"Farinha de trigo tipo 1 (50 kg)", "Fermento biológico (2 kg)", "Manteiga sem sal (10 kg)"}}},
		{in: tasks.TaskInput{Title: ptr("Enviar nota fiscal da encomenda corporativa"), ListID: id(lists["Administrativo"]), Priority: ptr("urgent"),
			AssigneeIDs: []uint64{owner}, DueAt: ptr(day(-2)), CompanyID: optional(companyID)}},
		{in: tasks.TaskInput{Title: ptr("Atualizar fotos do catálogo"), ListID: id(lists["Comercial"]), Status: ptr(tasks.StatusDone),
			AssigneeIDs: []uint64{carla}, DueAt: ptr(day(-1))}},
	}
	for _, sp := range specs {
		t, err := a.Tasks.Create(ctx, actor, sp.in)
		if err != nil {
			return fail("task", err)
		}
		if sp.reminder != "" {
			if _, err := a.Tasks.CreateReminder(ctx, actor, t.ID, tasks.TaskReminderInput{At: ptr(sp.reminder), App: ptr(true), Target: ptr(tasks.TargetAssignees)}); err != nil {
				return fail("reminder", err)
			}
		}
	}
	menu, err := a.Tasks.Create(ctx, actor, tasks.TaskInput{Title: ptr("Revisar o cardápio de Natal"), ListID: id(lists["Produção"]), Priority: ptr("medium"),
		AssigneeIDs: []uint64{diego}, DueAt: ptr(day(3)), Labels: []string{"natal"}})
	if err != nil {
		return fail("task", err)
	}
	for _, st := range []tasks.TaskInput{
		{Title: ptr("Testar o panetone de chocolate"), ParentID: &menu.ID, AssigneeIDs: []uint64{diego}, DueAt: ptr(day(1))},
		{Title: ptr("Fotografar os produtos"), ParentID: &menu.ID, AssigneeIDs: []uint64{carla}, DueAt: ptr(day(2))},
	} {
		if _, err := a.Tasks.Create(ctx, actor, st); err != nil {
			return fail("subtask", err)
		}
	}
	publish, err := a.Tasks.Create(ctx, actor, tasks.TaskInput{Title: ptr("Publicar o cardápio no Instagram"), ListID: id(lists["Comercial"]),
		AssigneeIDs: []uint64{carla}, DueAt: ptr(day(4))})
	if err != nil {
		return fail("task", err)
	}
	if _, err := a.Tasks.AddBlocker(ctx, actor, publish.ID, tasks.BlockerInput{TaskID: menu.ID}); err != nil {
		return fail("dependency", err)
	}
	if _, err := a.Tasks.ApplyTemplate(ctx, actor, tpl.ID, tasks.TemplateApplyInput{DealID: optional(dealD), ContactID: optional(people["Juliana"])}); err != nil {
		return fail("template use", err)
	}
	due := now.Add(3 * time.Hour)
	if _, err := a.Tasks.CreateAction(ctx, actor, tasks.ActionInput{Kind: "call", Title: "Ligar para confirmar a entrega de sábado",
		Note: "O cliente pediu confirmação por telefone.", ContactID: people["Maria"], AssigneeID: owner, Source: "Pós-venda", DueAt: &due}); err != nil {
		return fail("manual action", err)
	}
	return nil
}

// optional is a pointer to id, or nil for 0 (a link the demo could not find stays empty).
func optional(id uint64) *uint64 {
	if id == 0 {
		return nil
	}
	return &id
}
