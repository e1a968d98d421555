package conversations_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

func svService(t *testing.T) *conversations.Service {
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	return conversations.New(conversations.Deps{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func svFieldErr(t *testing.T, err error, field string) {
	t.Helper()
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || e.Fields[field] == "" {
		t.Fatalf("want an invalid %q, got %v", field, err)
	}
}

// TestSavedViewsOwnership: views are per user; another user (an administrator included)
// neither lists nor changes them, and validation names the field.
func TestSavedViewsOwnership(t *testing.T) {
	s := svService(t)
	ctx := context.Background()
	ana := access.Actor{UserID: 2, AccountID: 1, Role: access.Agent, Permissions: access.AgentDefaults}
	bia := access.Actor{UserID: 3, AccountID: 1, Role: access.Agent, Permissions: access.AgentDefaults}
	admin := access.Actor{UserID: 1, AccountID: 1, Role: access.Administrator}

	_, err := s.CreateView(ctx, ana, "  ", conversations.Filter{})
	svFieldErr(t, err, "name")
	_, err = s.CreateView(ctx, ana, strings.Repeat("v", 61), conversations.Filter{})
	svFieldErr(t, err, "name")
	_, err = s.CreateView(ctx, ana, "Bad", conversations.Filter{Status: "closed"})
	svFieldErr(t, err, "query.status")
	_, err = s.CreateView(ctx, ana, "Bad", conversations.Filter{AssigneeType: "them"})
	svFieldErr(t, err, "query.assignee_type")

	since := time.Date(2025, 3, 1, 12, 0, 0, 0, time.FixedZone("BRT", -3*3600))
	v, err := s.CreateView(ctx, ana, " Urgent billing ", conversations.Filter{Status: "open", Labels: []string{"Billing", "billing", " "}, Priority: "urgent", Since: &since})
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "Urgent billing" || v.UserID != ana.UserID || len(v.Filter.Labels) != 1 || v.Filter.Labels[0] != "billing" || !v.Filter.Since.Equal(since) {
		t.Fatalf("created: %+v", v)
	}
	if _, err := s.CreateView(ctx, bia, "Bia's", conversations.Filter{}); err != nil {
		t.Fatal(err)
	}

	list := func(a access.Actor) []conversations.View {
		t.Helper()
		l, err := s.ListViews(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := list(ana); len(l) != 1 || l[0].ID != v.ID || l[0].Filter.Priority != "urgent" {
		t.Fatalf("ana's views: %+v", l)
	}
	if l := list(admin); len(l) != 0 {
		t.Fatalf("admin sees others' views: %+v", l)
	}

	for _, other := range []access.Actor{bia, admin} {
		if _, err := s.UpdateView(ctx, other, v.ID, nil, &conversations.Filter{}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("update another's view: %v", err)
		}
		if err := s.DeleteView(ctx, other, v.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("delete another's view: %v", err)
		}
	}

	bad := "x"
	_, err = s.UpdateView(ctx, ana, v.ID, &bad, &conversations.Filter{Sort: "random"})
	svFieldErr(t, err, "query.sort")
	if l := list(ana); l[0].Name != "Urgent billing" {
		t.Fatalf("invalid update wrote: %+v", l[0])
	}
	name := "Mine, open"
	up, err := s.UpdateView(ctx, ana, v.ID, &name, nil)
	if err != nil || up.Name != name || up.Filter.Priority != "urgent" {
		t.Fatalf("rename keeps the filter: %+v %v", up, err)
	}
	up, err = s.UpdateView(ctx, ana, v.ID, nil, &conversations.Filter{AssigneeType: "me"})
	if err != nil || up.Name != name || up.Filter.AssigneeType != "me" || up.Filter.Priority != "" {
		t.Fatalf("new filter: %+v %v", up, err)
	}
	if err := s.DeleteView(ctx, ana, v.ID); err != nil {
		t.Fatal(err)
	}
	if l := list(ana); len(l) != 0 {
		t.Fatalf("after delete: %+v", l)
	}
	if l := list(bia); len(l) != 1 {
		t.Fatalf("bia's view went too: %+v", l)
	}
}

// TestSavedViewsLimit: a user keeps at most 50 views; others are not limited by them, and
// deleting one makes room.
func TestSavedViewsLimit(t *testing.T) {
	s := svService(t)
	ctx := context.Background()
	ana := access.Actor{UserID: 2, AccountID: 1, Role: access.Agent, Permissions: access.AgentDefaults}
	bia := access.Actor{UserID: 3, AccountID: 1, Role: access.Agent, Permissions: access.AgentDefaults}
	var first uint64
	for i := 0; i < conversations.MaxViewsPerUser; i++ {
		v, err := s.CreateView(ctx, ana, fmt.Sprintf("View %d", i), conversations.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = v.ID
		}
	}
	_, err := s.CreateView(ctx, ana, "One too many", conversations.Filter{})
	svFieldErr(t, err, "name")
	if _, err := s.CreateView(ctx, bia, "Bia's first", conversations.Filter{}); err != nil {
		t.Fatalf("another user limited: %v", err)
	}
	if err := s.DeleteView(ctx, ana, first); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateView(ctx, ana, "Room again", conversations.Filter{}); err != nil {
		t.Fatal(err)
	}
}
