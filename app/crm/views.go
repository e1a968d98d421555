package crm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// MaxViews is how many saved views one user may keep.
const MaxViews = 50

// SavedViewView is a saved view as the API shows it.
type SavedViewView struct {
	ID         uint64      `json:"id"`
	Name       string      `json:"name"`
	PipelineID uint64      `json:"pipeline_id"`
	Filters    DealFilters `json:"filters"`
	CreatedAt  int64       `json:"created_at"`
}

// SavedViewInput is the saved view form; nil leaves a field alone.
type SavedViewInput struct {
	Name       *string      `json:"name,omitempty"`
	PipelineID *uint64      `json:"pipeline_id,omitempty"`
	Filters    *DealFilters `json:"filters,omitempty"`
}

func viewOfSaved(v *SavedView) SavedViewView {
	return SavedViewView{ID: v.ID, Name: v.Name, PipelineID: v.PipelineID, Filters: v.Filters, CreatedAt: v.CreatedAt.Unix()}
}

func (in SavedViewInput) apply(tx *storage.Tx, v *SavedView) error {
	var fe apperr.Fields
	if in.Name != nil {
		v.Name = strings.TrimSpace(*in.Name)
	}
	if n := len([]rune(v.Name)); n == 0 || n > maxNameLen {
		fe.Add("name", fmt.Sprintf("must be 1 to %d characters", maxNameLen))
	}
	if in.PipelineID != nil {
		v.PipelineID = *in.PipelineID
		if v.PipelineID != 0 && !Pipelines.Exists(tx, v.AccountID, v.PipelineID) {
			fe.Add("pipeline_id", "is not a pipeline of this account")
		}
	}
	if in.Filters != nil {
		if err := in.Filters.check(); err != nil {
			e, _ := apperr.As(err)
			for k, m := range e.Fields {
				fe.Add("filters."+k, m)
			}
		}
		v.Filters = *in.Filters
	}
	return fe.Err()
}

// Views lists the actor's saved views.
func (s *Service) Views(ctx context.Context, actor access.Actor) ([]SavedViewView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	out := []SavedViewView{}
	err := s.db.View(func(tx *storage.Tx) error {
		return SavedViews.Each(tx, actor.AccountID, storage.Query{Index: "user", Prefix: storage.Uint(actor.UserID)}, func(v *SavedView) bool {
			out = append(out, viewOfSaved(v))
			return true
		})
	})
	return out, err
}

// CreateView saves a view for the actor (at most MaxViews, names unique per user). Saving a
// view only needs read access: it changes nobody's deals.
func (s *Service) CreateView(ctx context.Context, actor access.Actor, in SavedViewInput) (*SavedViewView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out SavedViewView
	err := s.db.Update(func(tx *storage.Tx) error {
		n, err := SavedViews.Count(tx, actor.AccountID, storage.Query{Index: "user", Prefix: storage.Uint(actor.UserID)})
		if err != nil {
			return err
		}
		if n >= MaxViews {
			return apperr.Field("name", fmt.Sprintf("you already have %d saved views; delete one first", MaxViews))
		}
		v := &SavedView{AccountID: actor.AccountID, UserID: actor.UserID, CreatedAt: time.Now().UTC()}
		if err := in.apply(tx, v); err != nil {
			return err
		}
		if err := SavedViews.Put(tx, v); err != nil {
			return err
		}
		out = viewOfSaved(v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func ownView(tx *storage.Tx, actor access.Actor, id uint64) (*SavedView, error) {
	v, err := SavedViews.Get(tx, actor.AccountID, id)
	if err != nil || v.UserID != actor.UserID {
		return nil, apperr.NotFoundf("view %d not found", id)
	}
	return v, nil
}

// UpdateView changes one of the actor's views.
func (s *Service) UpdateView(ctx context.Context, actor access.Actor, id uint64, in SavedViewInput) (*SavedViewView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out SavedViewView
	err := s.db.Update(func(tx *storage.Tx) error {
		v, err := ownView(tx, actor, id)
		if err != nil {
			return err
		}
		if err := in.apply(tx, v); err != nil {
			return err
		}
		if err := SavedViews.Put(tx, v); err != nil {
			return err
		}
		out = viewOfSaved(v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteView removes one of the actor's views.
func (s *Service) DeleteView(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(Module, access.View); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		if _, err := ownView(tx, actor, id); err != nil {
			return err
		}
		return SavedViews.Delete(tx, actor.AccountID, id)
	})
}
