package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// TestDisabledModuleAnswers404 declares a route of an optional module, as every area will, and
// checks the switch: off (the default for orders) the route is 404 for everyone, on it answers.
func TestDisabledModuleAnswers404(t *testing.T) {
	h := newHarness(t)
	type out struct{ Body struct{ OK bool } }
	register(h.server, huma.Operation{OperationID: "test-orders", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/test_orders",
		Metadata: map[string]any{"module": "orders"}}, authAccount,
		func(ctx context.Context, in *struct {
			AccountID uint64 `path:"account_id"`
		}) (*out, error) {
			o := &out{}
			o.Body.OK = true
			return o, nil
		})
	if code := h.do("GET", "/test_orders", h.adminToken, nil, nil); code != 404 {
		t.Fatalf("orders off: %d, want 404", code)
	}
	h.module("orders", true)
	if code := h.do("GET", "/test_orders", h.adminToken, nil, nil); code != 200 {
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
