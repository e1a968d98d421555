package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/realtime"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"golang.org/x/crypto/bcrypt"
)

// TestDisabledModuleAnswers404 declares a route of an optional module, as every area will, and
// checks the switch: off (the default for orders) the route is 404 for everyone, on it answers.
func TestDisabledModuleAnswers404(t *testing.T) {
	db, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost})
	acc := accounts.New(db, a)
	s := New(Deps{DB: db, Auth: a, Accounts: acc, Notify: notify.New(db), Hub: realtime.New(), Blobs: blob.New(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	type out struct{ Body struct{ OK bool } }
	register(s, huma.Operation{OperationID: "test-orders", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/test_orders",
		Metadata: map[string]any{"module": "orders"}}, authAccount,
		func(ctx context.Context, in *struct {
			AccountID uint64 `path:"account_id"`
		}) (*out, error) {
			o := &out{}
			o.Body.OK = true
			return o, nil
		})
	srv := httptest.NewServer(s)
	defer srv.Close()
	res, err := acc.Setup(context.Background(), accounts.SetupInput{AccountName: "A", Name: "Owner", Email: "o@example.com", Password: "long enough"})
	if err != nil {
		t.Fatal(err)
	}
	get := func() int {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/accounts/1/test_orders", nil)
		req.Header.Set("Authorization", "Bearer "+res.Token)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if code := get(); code != 404 {
		t.Fatalf("orders off: %d, want 404", code)
	}
	op := access.Actor{UserID: res.UserID, Operator: true}
	if _, err := acc.PlatformSet(context.Background(), op, res.AccountID, accounts.PlatformUpdate{Modules: map[string]bool{"orders": true}}); err != nil {
		t.Fatal(err)
	}
	if code := get(); code != 200 {
		t.Fatalf("orders on: %d, want 200", code)
	}
}

// TestDiskFullIsNamed: a write that fails for lack of space says so (507) instead of a generic
// internal error.
func TestDiskFullIsNamed(t *testing.T) {
	s := &Server{Deps: Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	status, msg := s.classify(fmt.Errorf("storage: put contacts: %w", syscall.ENOSPC))
	if status != http.StatusInsufficientStorage || !strings.Contains(msg, "disk") {
		t.Fatalf("%d %q", status, msg)
	}
	if status, _ := s.classify(errors.New("boom")); status != 500 {
		t.Fatalf("plain error: %d", status)
	}
}
