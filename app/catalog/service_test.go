package catalog_test

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

type env struct {
	db    *storage.DB
	svc   *catalog.Service
	admin access.Actor
	other access.Actor // administrator of a second account
	agent access.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	acc := accounts.New(db, auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost}))
	res, err := acc.Setup(ctx, accounts.SetupInput{AccountName: "Loja", Name: "Olga", Email: "olga@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, svc: catalog.New(db)}
	e.admin = access.Actor{UserID: res.UserID, AccountID: res.AccountID, Role: access.Administrator}
	e.agent = access.Actor{UserID: 99, AccountID: res.AccountID, Role: access.Agent, Permissions: access.AgentDefaults}
	// A second account, written directly: only its id matters.
	err = db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Other", Currency: "USD"}
		if err := accounts.Accounts.Put(tx, a); err != nil {
			return err
		}
		e.other = access.Actor{UserID: 1000, AccountID: a.ID, Role: access.Administrator}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func fieldErr(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Fields[field] == "" {
		t.Fatalf("want a field error on %q, got %v", field, err)
	}
}

func TestCatalogCRUD(t *testing.T) {
	e := newEnv(t)
	p, err := e.svc.Create(ctx, e.admin, catalog.ProductInput{Name: ptr(" Consultoria "), SKU: ptr("CONS-1"), PriceCents: ptr(int64(15000))})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Consultoria" || p.Currency != "BRL" || !p.Active || p.PriceCents != 15000 {
		t.Fatalf("defaults: %+v", p)
	}
	if _, err := e.svc.Create(ctx, e.admin, catalog.ProductInput{Name: ptr("Other"), SKU: ptr("cons-1")}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("sku is unique case-insensitively: %v", err)
	} else if e, _ := apperr.As(err); e.Fields["sku"] == "" {
		t.Fatalf("conflict names sku: %v", err)
	}
	for _, in := range []catalog.ProductInput{
		{Name: ptr("")},
		{Name: ptr("x"), PriceCents: ptr(int64(-1))},
		{Name: ptr("x"), Currency: ptr("reais")},
	} {
		if _, err := e.svc.Create(ctx, e.admin, in); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%+v accepted: %v", in, err)
		}
	}
	_, err = e.svc.Create(ctx, e.admin, catalog.ProductInput{Name: ptr("Assinatura anual"), Currency: ptr("usd"), Active: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}

	l, err := e.svc.List(ctx, e.agent, "cons", nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Meta.Count != 1 || l.Payload[0].ID != p.ID {
		t.Fatalf("q filters by name/sku: %+v", l)
	}
	l, _ = e.svc.List(ctx, e.agent, "", ptr(false), 1)
	if l.Meta.Count != 1 || l.Payload[0].Currency != "USD" || l.Payload[0].Active {
		t.Fatalf("active=false lists archived: %+v", l)
	}
	l, _ = e.svc.List(ctx, e.agent, "", nil, 1)
	if l.Meta.Count != 2 || l.Payload[0].Name != "Assinatura anual" {
		t.Fatalf("all by name: %+v", l)
	}

	if _, err := e.svc.Create(ctx, e.agent, catalog.ProductInput{Name: ptr("x")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent default View cannot write: %v", err)
	}
	up, err := e.svc.Update(ctx, e.admin, p.ID, catalog.ProductInput{PriceCents: ptr(int64(20000)), SKU: ptr("")})
	if err != nil || up.PriceCents != 20000 || up.SKU != "" {
		t.Fatalf("update: %+v %v", up, err)
	}
	// The SKU was freed: another product may take it.
	if _, err := e.svc.Create(ctx, e.admin, catalog.ProductInput{Name: ptr("New"), SKU: ptr("CONS-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(ctx, e.other, p.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another account sees the product: %v", err)
	}
	if err := e.svc.Delete(ctx, e.other, p.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another account deletes the product: %v", err)
	}
	if err := e.svc.Delete(ctx, e.admin, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(ctx, e.admin, p.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted product still there: %v", err)
	}
	var types []string
	e.db.View(func(tx *storage.Tx) error {
		evs, _ := tx.Events(0, 1000)
		for _, ev := range evs {
			if ev.Entity == "products" && ev.Type != storage.EventChanged && ev.Type != storage.EventDeleted {
				types = append(types, ev.Type)
			}
		}
		return nil
	})
	want := []string{"product_created", "product_created", "product_updated", "product_created", "product_deleted"}
	if len(types) != len(want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events %v, want %v", types, want)
		}
	}
}

func TestCatalogSnapshot(t *testing.T) {
	e := newEnv(t)
	p, _ := e.svc.Create(ctx, e.admin, catalog.ProductInput{Name: ptr("Plano"), PriceCents: ptr(int64(990))})
	off, _ := e.svc.Create(ctx, e.admin, catalog.ProductInput{Name: ptr("Antigo"), Active: ptr(false)})
	e.db.View(func(tx *storage.Tx) error {
		got, err := e.svc.Snapshot(tx, e.admin.AccountID, p.ID)
		if err != nil || got.Name != "Plano" || got.PriceCents != 990 || got.Currency != "BRL" {
			t.Errorf("snapshot: %+v %v", got, err)
		}
		_, err = e.svc.Snapshot(tx, e.admin.AccountID, off.ID)
		fieldErr(t, err, "product_id")
		if ae, _ := apperr.As(err); ae.Fields["product_id"] != "is archived" {
			t.Errorf("archived: %v", err)
		}
		_, err = e.svc.Snapshot(tx, e.admin.AccountID, 12345)
		fieldErr(t, err, "product_id")
		_, err = e.svc.Snapshot(tx, e.other.AccountID, p.ID)
		fieldErr(t, err, "product_id")
		return nil
	})
}

// A price is bounded like every amount of money in Parley (10^16 cents), so a line item or a
// sum of them cannot overflow.
func TestProductPriceBounded(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.Create(ctx, e.admin, catalog.ProductInput{Name: ptr("Caro"), PriceCents: ptr(int64(1) << 60), Currency: ptr("BRL")})
	fieldErr(t, err, "price_cents")
	if _, err := e.svc.Create(ctx, e.admin, catalog.ProductInput{Name: ptr("Ok"), PriceCents: ptr(catalog.MaxPriceCents), Currency: ptr("BRL")}); err != nil {
		t.Fatal(err)
	}
}
