package tasks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// MaxChecklistText is the longest checklist line.
const MaxChecklistText = 500

// TaskChecklistInput adds (text) or changes (text, done) a checklist item.
type TaskChecklistInput struct {
	Text *string `json:"text,omitempty" maxLength:"500"`
	Done *bool   `json:"done,omitempty"`
}

func checklistText(s *string, fe *apperr.Fields) string {
	text := strings.TrimSpace(*s)
	if text == "" || utf8.RuneCountInString(text) > MaxChecklistText {
		fe.Add("text", fmt.Sprintf("must be 1 to %d characters", MaxChecklistText))
	}
	return text
}

// AddChecklistItem appends an item; ids grow from the largest one so a deleted id is never reused.
func (s *Service) AddChecklistItem(ctx context.Context, actor access.Actor, id uint64, in TaskChecklistInput) (*TaskDetail, error) {
	return s.write(actor, id, func(tx *storage.Tx, t *Task) error {
		var fe apperr.Fields
		if in.Text == nil {
			fe.Add("text", "is required")
			return fe.Err()
		}
		text := checklistText(in.Text, &fe)
		if len(t.Checklist) >= MaxChecklist {
			fe.Add("text", fmt.Sprintf("a checklist holds at most %d items", MaxChecklist))
		}
		if err := fe.Err(); err != nil {
			return err
		}
		prev := *t
		var next uint64
		for _, it := range t.Checklist {
			next = max(next, it.ID)
		}
		t.Checklist = append(slices.Clone(t.Checklist), ChecklistItem{ID: next + 1, Text: text, Done: in.Done != nil && *in.Done})
		return s.putTx(tx, actor, &prev, t)
	})
}

// UpdateChecklistItem changes an item's text or ticks it.
func (s *Service) UpdateChecklistItem(ctx context.Context, actor access.Actor, id, itemID uint64, in TaskChecklistInput) (*TaskDetail, error) {
	return s.write(actor, id, func(tx *storage.Tx, t *Task) error {
		i := slices.IndexFunc(t.Checklist, func(it ChecklistItem) bool { return it.ID == itemID })
		if i < 0 {
			return apperr.NotFoundf("checklist item %d not found", itemID)
		}
		prev := *t
		t.Checklist = slices.Clone(t.Checklist)
		var fe apperr.Fields
		if in.Text != nil {
			t.Checklist[i].Text = checklistText(in.Text, &fe)
		}
		if in.Done != nil {
			t.Checklist[i].Done = *in.Done
		}
		if err := fe.Err(); err != nil {
			return err
		}
		return s.putTx(tx, actor, &prev, t)
	})
}

// DeleteChecklistItem removes an item.
func (s *Service) DeleteChecklistItem(ctx context.Context, actor access.Actor, id, itemID uint64) (*TaskDetail, error) {
	return s.write(actor, id, func(tx *storage.Tx, t *Task) error {
		i := slices.IndexFunc(t.Checklist, func(it ChecklistItem) bool { return it.ID == itemID })
		if i < 0 {
			return apperr.NotFoundf("checklist item %d not found", itemID)
		}
		prev := *t
		t.Checklist = slices.Delete(slices.Clone(t.Checklist), i, i+1)
		return s.putTx(tx, actor, &prev, t)
	})
}
