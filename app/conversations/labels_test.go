package conversations

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// TestLabelsSettings: titles are normalised and validated by field, unique, written by
// administrators only; renaming carries over to conversations and deleting takes the label off
// them.
func TestLabelsSettings(t *testing.T) {
	f := h3New(t, time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC), "UTC", "en", nil)
	ctx := context.Background()
	if _, err := f.s.CreateLabel(ctx, f.admin, LabelInput{Title: ptr("two words")}); fieldOf(err, "title") == "" {
		t.Fatalf("title with a space: %v", err)
	}
	if _, err := f.s.CreateLabel(ctx, f.admin, LabelInput{Title: ptr("ok"), Color: ptr("red")}); fieldOf(err, "color") == "" {
		t.Fatalf("bad color: %v", err)
	}
	if _, err := f.s.CreateLabel(ctx, f.agent, LabelInput{Title: ptr("mine")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent creates a label: %v", err)
	}
	billing, err := f.s.CreateLabel(ctx, f.admin, LabelInput{Title: ptr(" Billing "), Color: ptr("#ff0000"), ShowOnSidebar: ptr(true)})
	if err != nil || billing.Title != "billing" || billing.Color != "#FF0000" || !billing.ShowOnSidebar {
		t.Fatalf("created: %+v %v", billing, err)
	}
	vip, err := f.s.CreateLabel(ctx, f.admin, LabelInput{Title: ptr("vip")})
	if err != nil || vip.Color != DefaultLabelColor {
		t.Fatalf("created: %+v %v", vip, err)
	}
	if _, err := f.s.CreateLabel(ctx, f.admin, LabelInput{Title: ptr("BILLING")}); !apperr.Is(err, apperr.Conflict) || fieldOf(err, "title") == "" {
		t.Fatalf("duplicate title: %v", err)
	}
	if list, err := f.s.ListLabels(ctx, f.agent); err != nil || len(list) != 2 || list[0].Title != "billing" {
		t.Fatalf("list: %+v %v", list, err)
	}

	c1, c2, c3 := f.start("a"), f.start("b"), f.start("c")
	for c, labels := range map[*Conversation][]string{c1: {"billing", "vip"}, c2: {"vip"}, c3: {"other"}} {
		f.update(func(tx *storage.Tx) error {
			cur, _ := Conversations.Get(tx, c.AccountID, c.ID)
			cur.Labels = labels
			return Conversations.Put(tx, cur)
		})
	}
	if _, err := f.s.UpdateLabel(ctx, f.admin, billing.ID, LabelInput{Title: ptr("finance"), Description: ptr("Money matters")}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteLabel(ctx, f.admin, vip.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.conv(c1).Labels; !slices.Equal(got, []string{"finance"}) {
		t.Fatalf("c1 labels: %v", got)
	}
	if got := f.conv(c2).Labels; len(got) != 0 {
		t.Fatalf("c2 labels: %v", got)
	}
	if got := f.conv(c3).Labels; !slices.Equal(got, []string{"other"}) {
		t.Fatalf("c3 labels: %v", got)
	}
	if n := len(f.events(EventConversationUpdated)); n != 3 {
		t.Fatalf("%d conversation_updated events, want 3", n)
	}
	if _, err := f.s.GetLabel(ctx, f.admin, vip.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted label: %v", err)
	}
	if n := len(f.events(EventLabelsChanged)); n != 4 {
		t.Fatalf("%d label events", n)
	}
}
