package tasks

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

// testAccount opens a real store in a temp dir with one account (pt-BR, São Paulo, BRL) set up
// the way a user does: its owner Olga, an administrator, and an agent Bruno with the agent
// role's default permissions.
func testAccount(t *testing.T) (db *storage.DB, admin, agent access.Actor) {
	t.Helper()
	db = storagetest.Open(t, t.TempDir(), storage.Options{})
	acc := accounts.New(db, auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost}))
	ctx := context.Background()
	res, err := acc.Setup(ctx, accounts.SetupInput{AccountName: "Loja", Name: "Olga Owner", Email: "owner@example.com", Password: "correct horse", TimeZone: "America/Sao_Paulo", Currency: "BRL", Language: "pt-BR"})
	if err != nil {
		t.Fatal(err)
	}
	admin = access.Actor{UserID: res.UserID, UserName: "Olga Owner", AccountID: res.AccountID, Role: access.Administrator}
	ag, err := acc.AddAgent(ctx, admin, accounts.NewAgent{Name: "Bruno Lima", Email: "bruno@example.com", Role: access.Agent, Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	agent = access.Actor{UserID: ag.ID, UserName: "Bruno Lima", AccountID: res.AccountID, Role: access.Agent, Permissions: access.AgentDefaults}
	return db, admin, agent
}
