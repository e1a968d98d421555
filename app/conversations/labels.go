package conversations

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// EventLabelsChanged tells open windows that the account's labels changed (the sidebar lists
// them).
const EventLabelsChanged = "labels_changed"

// DefaultLabelColor is the color of a label created without one.
const DefaultLabelColor = "#1F93FF"

var (
	labelTitle = regexp.MustCompile(`^[a-z0-9_-]{1,40}$`)
	hexColor   = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
)

// LabelInput creates or changes a label; on update nil fields are left as they are.
type LabelInput struct {
	Title         *string `json:"title,omitempty"`
	Description   *string `json:"description,omitempty"`
	Color         *string `json:"color,omitempty"`
	ShowOnSidebar *bool   `json:"show_on_sidebar,omitempty"`
}

func (in LabelInput) apply(l *Label) error {
	var fe apperr.Fields
	if in.Title != nil {
		l.Title = strings.ToLower(strings.TrimSpace(*in.Title))
	}
	if in.Description != nil {
		l.Description = strings.TrimSpace(*in.Description)
	}
	if in.Color != nil {
		l.Color = strings.ToUpper(strings.TrimSpace(*in.Color))
	}
	if in.ShowOnSidebar != nil {
		l.ShowOnSidebar = *in.ShowOnSidebar
	}
	switch {
	case l.Title == "":
		fe.Add("title", "is required")
	case !labelTitle.MatchString(l.Title):
		fe.Add("title", "use up to 40 lower-case letters, digits, - and _ (no spaces)")
	}
	if l.Color == "" {
		l.Color = DefaultLabelColor
	} else if !hexColor.MatchString(l.Color) {
		fe.Add("color", "must be a color as #RRGGBB")
	}
	if len([]rune(l.Description)) > 500 {
		fe.Add("description", "must be at most 500 characters")
	}
	return fe.Err()
}

// ListLabels returns the account's labels by title.
func (s *Service) ListLabels(ctx context.Context, actor access.Actor) ([]Label, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	var out []Label
	err := s.DB.View(func(tx *storage.Tx) error {
		page, err := Labels.Scan(tx, actor.AccountID, storage.Query{Index: "title"})
		out = page.Items
		return err
	})
	if out == nil {
		out = []Label{}
	}
	return out, err
}

// GetLabel returns one label.
func (s *Service) GetLabel(ctx context.Context, actor access.Actor, id uint64) (*Label, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	var l *Label
	err := s.DB.View(func(tx *storage.Tx) (err error) {
		l, err = Labels.Get(tx, actor.AccountID, id)
		return err
	})
	return l, err
}

func labelEvent(tx *storage.Tx, actor access.Actor, l *Label, action string) error {
	return tx.EmitData(storage.Event{Account: l.AccountID, Type: EventLabelsChanged, Entity: Labels.Name(), ID: l.ID, Actor: actor.UserID},
		map[string]any{"action": action, "label": l})
}

// CreateLabel adds a label (administrators); titles are unique.
func (s *Service) CreateLabel(ctx context.Context, actor access.Actor, in LabelInput) (*Label, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	l := &Label{AccountID: actor.AccountID, CreatedAt: s.now()}
	if err := in.apply(l); err != nil {
		return nil, err
	}
	err := s.DB.Update(func(tx *storage.Tx) error {
		if err := Labels.Put(tx, l); err != nil {
			return err
		}
		return labelEvent(tx, actor, l, "created")
	})
	return l, err
}

// UpdateLabel changes a label (administrators). A new title is carried over to every
// conversation wearing the old one.
func (s *Service) UpdateLabel(ctx context.Context, actor access.Actor, id uint64, in LabelInput) (*Label, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var l *Label
	err := s.DB.Update(func(tx *storage.Tx) (err error) {
		if l, err = Labels.Get(tx, actor.AccountID, id); err != nil {
			return err
		}
		old := l.Title
		if err := in.apply(l); err != nil {
			return err
		}
		if err := Labels.Put(tx, l); err != nil {
			return err
		}
		if l.Title != old {
			if err := s.relabel(tx, actor, old, l.Title); err != nil {
				return err
			}
		}
		return labelEvent(tx, actor, l, "updated")
	})
	return l, err
}

// DeleteLabel removes a label (administrators) and takes it off every conversation.
func (s *Service) DeleteLabel(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.DB.Update(func(tx *storage.Tx) error {
		l, err := Labels.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := Labels.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		if err := s.relabel(tx, actor, l.Title, ""); err != nil {
			return err
		}
		return labelEvent(tx, actor, l, "deleted")
	})
}

// relabel replaces label old by title on every conversation of the account ("" removes it).
// The ids are collected first: the label index is rewritten by each Put.
func (s *Service) relabel(tx *storage.Tx, actor access.Actor, old, title string) error {
	ids, err := Conversations.IDs(tx, actor.AccountID, onStatus(storage.Query{Index: "status_label"}, "all", storage.Str(old)))
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := Conversations.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		labels := make([]string, 0, len(c.Labels))
		for _, l := range c.Labels {
			if l == old {
				l = title
			}
			if l != "" && !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
		c.Labels = labels
		if err := s.putConversation(tx, c); err != nil {
			return err
		}
		if err := emit(tx, c, EventConversationUpdated, actor.UserID, EventData{Changed: []string{"labels"}}); err != nil {
			return err
		}
	}
	return nil
}
