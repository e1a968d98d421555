package app

import (
	"context"
	"fmt"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// Demo credentials for a fresh install filled by `parley demo`.
const (
	DemoEmail    = "demo@parley.local"
	DemoPassword = "parley-demo"
)

// Demo fills a realistic demo account. On an empty install it first creates the account and its
// owner (DemoEmail / DemoPassword); otherwise it fills the first account. Running it twice adds
// nothing twice.
func (a *App) Demo(ctx context.Context) error {
	if a.Accounts.SetupNeeded() {
		res, err := a.Accounts.Setup(ctx, accounts.SetupInput{AccountName: "Padaria Pão de Mel", Name: "Marina Costa", Email: DemoEmail,
			Password: DemoPassword, TimeZone: "America/Sao_Paulo", Language: "pt-BR", Currency: "BRL", IP: "local"})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.cfg.Logger, "demo account created: sign in as %s with password %s\n", DemoEmail, DemoPassword)
		return a.demoAccount(ctx, res.AccountID)
	}
	var first uint64
	a.DB.View(func(tx *storage.Tx) error {
		ids, err := accounts.Accounts.IDs(tx, 0, storage.Query{Limit: 1})
		if len(ids) > 0 {
			first = ids[0]
		}
		return err
	})
	if first == 0 {
		return apperr.NotFoundf("no account to fill")
	}
	return a.demoAccount(ctx, first)
}

// demoAccount adds the demo team: agents, teams, a custom role and a welcome in the bell. Each
// area adds its own demo data here as it lands.
func (a *App) demoAccount(ctx context.Context, accountID uint64) error {
	sys := access.SystemActor(accountID)
	skipConflict := func(err error) error {
		if apperr.Is(err, apperr.Conflict) {
			return nil
		}
		return err
	}
	role, err := a.Accounts.SaveRole(ctx, sys, 0, accounts.RoleInput{Name: ptr("Atendente júnior"), Description: ptr("Atende conversas e contatos; vê relatórios"),
		Permissions: map[string]access.Level{"conversations": access.Manage, "contacts": access.View, "reports": access.View, "tasks": access.Manage}})
	if err := skipConflict(err); err != nil {
		return err
	}
	agents := []accounts.NewAgent{
		{Name: "Ana Souza", Email: "ana@demo.parley.local", Role: access.Administrator, Password: DemoPassword},
		{Name: "Bruno Lima", Email: "bruno@demo.parley.local", Role: access.Agent, Password: DemoPassword},
		{Name: "Carla Mendes", Email: "carla@demo.parley.local", Role: access.Agent, Password: DemoPassword},
		{Name: "Diego Rocha", Email: "diego@demo.parley.local", Role: access.Agent, Password: DemoPassword},
	}
	if role != nil {
		agents[3].CustomRoleID = role.ID
	}
	var ids []uint64
	for _, in := range agents {
		ag, err := a.Accounts.AddAgent(ctx, sys, in)
		if err := skipConflict(err); err != nil {
			return err
		}
		if ag != nil {
			ids = append(ids, ag.ID)
		}
	}
	teams := []struct{ name, desc string }{{"Vendas", "Orçamentos, encomendas e pedidos grandes"}, {"Suporte", "Dúvidas, entregas e reclamações"}}
	for i, t := range teams {
		tv, err := a.Accounts.CreateTeam(ctx, sys, accounts.TeamInput{Name: ptr(t.name), Description: ptr(t.desc), AllowAutoAssign: ptr(true)})
		if err := skipConflict(err); err != nil {
			return err
		}
		if tv != nil && len(ids) > i+1 {
			if _, err := a.Accounts.SetTeamMembers(ctx, sys, tv.ID, ids[i:i+2], true); err != nil {
				return err
			}
		}
	}
	if err := a.demoInbox(ctx, accountID, ids); err != nil {
		return err
	}
	if err := a.demoCRM(ctx, accountID, ids); err != nil {
		return err
	}
	if err := a.demoTasks(ctx, accountID, ids); err != nil {
		return err
	}
	return a.DB.Update(func(tx *storage.Tx) error {
		return accounts.Members.Each(tx, accountID, storage.Query{Index: "role", Prefix: storage.Str(string(access.Administrator))}, func(m *accounts.Member) bool {
			notify.Send(tx, notify.Notification{AccountID: accountID, UserID: m.UserID, Type: "account_added",
				Title: "Bem-vindo ao Parley!", Body: "Sua conta de demonstração está pronta — explore à vontade.", Link: "/"})
			return true
		})
	})
}

func ptr[T any](v T) *T { return &v }
