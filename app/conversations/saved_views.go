package conversations

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// Limits of saved views (Chatwoot's custom filters), per user.
const (
	MaxViewName     = 60
	MaxViewsPerUser = 50
)

// ListViews returns the actor's saved views, oldest first (the order they were saved, which is
// the order of the sidebar).
func (s *Service) ListViews(ctx context.Context, actor access.Actor) ([]View, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	out := []View{}
	err := s.DB.View(func(tx *storage.Tx) error {
		return Views.Each(tx, actor.AccountID, storage.Query{Index: "user", Prefix: storage.Uint(actor.UserID)}, func(v *View) bool {
			out = append(out, *v)
			return true
		})
	})
	return out, err
}

// CreateView saves a filter under a name for the actor.
func (s *Service) CreateView(ctx context.Context, actor access.Actor, name string, f Filter) (*View, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	if actor.UserID == 0 {
		return nil, apperr.Forbiddenf("saved views belong to a person")
	}
	var fe apperr.Fields
	name = checkViewName(name, &fe)
	f = checkViewFilter(f, &fe)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out View
	err := s.DB.Update(func(tx *storage.Tx) error {
		n, err := Views.Count(tx, actor.AccountID, storage.Query{Index: "user", Prefix: storage.Uint(actor.UserID)})
		if err != nil {
			return err
		}
		if n >= MaxViewsPerUser {
			return apperr.Field("name", fmt.Sprintf("you already have %d saved views, the most there can be; delete one first", MaxViewsPerUser))
		}
		v := &View{AccountID: actor.AccountID, UserID: actor.UserID, Name: name, Filter: f, CreatedAt: s.now()}
		if err := Views.Put(tx, v); err != nil {
			return err
		}
		out = *v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateView renames a view and/or replaces its filter (nil leaves it). Only its owner sees
// it: anyone else's view is NotFound.
func (s *Service) UpdateView(ctx context.Context, actor access.Actor, id uint64, name *string, f *Filter) (*View, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	var out View
	err := s.DB.Update(func(tx *storage.Tx) error {
		v, err := ownView(tx, actor, id)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		if name != nil {
			v.Name = checkViewName(*name, &fe)
		}
		if f != nil {
			v.Filter = checkViewFilter(*f, &fe)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := Views.Put(tx, v); err != nil {
			return err
		}
		out = *v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteView removes one of the actor's views.
func (s *Service) DeleteView(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require("conversations", access.View); err != nil {
		return err
	}
	return s.DB.Update(func(tx *storage.Tx) error {
		if _, err := ownView(tx, actor, id); err != nil {
			return err
		}
		return Views.Delete(tx, actor.AccountID, id)
	})
}

// ownView loads view id if it is the actor's; another user's view looks missing.
func ownView(tx *storage.Tx, actor access.Actor, id uint64) (*View, error) {
	v, err := Views.Get(tx, actor.AccountID, id)
	if err != nil || v.UserID != actor.UserID || actor.UserID == 0 {
		return nil, apperr.NotFoundf("view %d not found", id)
	}
	return v, nil
}

func checkViewName(name string, fe *apperr.Fields) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		fe.Add("name", "is required")
	case utf8.RuneCountInString(name) > MaxViewName:
		fe.Add("name", fmt.Sprintf("must be at most %d characters", MaxViewName))
	}
	return name
}

// checkViewFilter validates a filter before it is saved (fields under "query."), so a view
// never stores something the list would refuse later.
func checkViewFilter(f Filter, fe *apperr.Fields) Filter {
	f.Status = strings.TrimSpace(f.Status)
	if f.Status != "" && !slices.Contains([]string{string(Open), string(Pending), string(Resolved), string(Snoozed), "all"}, f.Status) {
		fe.Add("query.status", "must be open, pending, resolved, snoozed or all")
	}
	if f.AssigneeType != "" && !slices.Contains([]string{"me", "unassigned", "assigned", "all"}, f.AssigneeType) {
		fe.Add("query.assignee_type", "must be me, unassigned, assigned or all")
	}
	if f.Priority != "" && !slices.Contains([]string{string(Urgent), string(High), string(Medium), string(Low), "none"}, f.Priority) {
		fe.Add("query.priority", "must be urgent, high, medium, low or none")
	}
	if f.Sort != "" && f.Sort != "last_activity_at" && f.Sort != "created_at" {
		fe.Add("query.sort", "must be last_activity_at or created_at")
	}
	if f.Since != nil && f.Until != nil && f.Until.Before(*f.Since) {
		fe.Add("query.until", "must not be before since")
	}
	labels := make([]string, 0, len(f.Labels))
	for _, l := range f.Labels {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" && !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	f.Labels = labels
	if len(labels) == 0 {
		f.Labels = nil
	}
	for _, t := range []*time.Time{f.Since, f.Until} {
		if t != nil {
			*t = t.UTC()
		}
	}
	return f
}
