package contacts

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// Limits of segments (Chatwoot's custom filters), per user.
const (
	MaxSegmentName     = 80
	MaxSegmentsPerUser = 50
)

// Segment is a saved contact filter of one user.
type Segment struct {
	ID         uint64       `json:"id"`
	AccountID  uint64       `json:"account_id"`
	UserID     uint64       `json:"user_id"`
	Name       string       `json:"name"`
	FilterType string       `json:"filter_type"`
	Query      SegmentQuery `json:"query"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

// SegmentQuery is the saved filter, in the filter endpoint's shape.
type SegmentQuery struct {
	Payload []FilterCondition `json:"payload"`
}

// Segments: "user" lists a user's segments by name and makes names unique per user
// (case-insensitively).
var Segments = storage.NewCollection(storage.Def[Segment]{
	Name:    "custom_filters",
	ID:      func(s *Segment) *uint64 { return &s.ID },
	Account: func(s *Segment) uint64 { return s.AccountID },
	Indexes: []storage.Index[Segment]{
		{Name: "user", Unique: true, Field: "name", Keys: func(s *Segment) [][]byte {
			return [][]byte{storage.Key(storage.Uint(s.UserID), storage.Str(strings.ToLower(s.Name)))}
		}},
	},
})

// Event types of segments.
const (
	EventSegmentCreated = "custom_filter_created"
	EventSegmentUpdated = "custom_filter_updated"
	EventSegmentDeleted = "custom_filter_deleted"
)

// SegmentView is a segment as the API shows it (times in unix seconds).
type SegmentView struct {
	ID         uint64       `json:"id"`
	Name       string       `json:"name"`
	FilterType string       `json:"filter_type"`
	Query      SegmentQuery `json:"query"`
	CreatedAt  int64        `json:"created_at"`
	UpdatedAt  int64        `json:"updated_at"`
}

func segmentView(s *Segment) SegmentView {
	v := SegmentView{ID: s.ID, Name: s.Name, FilterType: s.FilterType, Query: s.Query, CreatedAt: s.CreatedAt.Unix(), UpdatedAt: s.UpdatedAt.Unix()}
	if v.Query.Payload == nil {
		v.Query.Payload = []FilterCondition{}
	}
	return v
}

// SegmentInput is the create and edit form; on edit nil leaves a field alone.
type SegmentInput struct {
	Name       *string       `json:"name,omitempty"`
	FilterType *string       `json:"filter_type,omitempty" doc:"contact (default)"`
	Query      *SegmentQuery `json:"query,omitempty"`
}

// segmentTypes are the filter types stored here; conversation views live with conversations.
const segmentContact = "contact"

// ListSegments returns the actor's segments by name.
func (s *Service) ListSegments(ctx context.Context, actor access.Actor) ([]SegmentView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	out := []SegmentView{}
	err := s.db.View(func(tx *storage.Tx) error {
		return Segments.Each(tx, actor.AccountID, storage.Query{Index: "user", Prefix: storage.Uint(actor.UserID)}, func(sg *Segment) bool {
			out = append(out, segmentView(sg))
			return true
		})
	})
	return out, err
}

// GetSegment returns one of the actor's segments.
func (s *Service) GetSegment(ctx context.Context, actor access.Actor, id uint64) (*SegmentView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out SegmentView
	err := s.db.View(func(tx *storage.Tx) error {
		sg, err := ownSegment(tx, actor, id)
		if err == nil {
			out = segmentView(sg)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateSegment saves a contact filter under a name for the actor (at most
// MaxSegmentsPerUser each).
func (s *Service) CreateSegment(ctx context.Context, actor access.Actor, in SegmentInput) (*SegmentView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	if actor.UserID == 0 {
		return nil, apperr.Forbiddenf("segments belong to a person")
	}
	if in.Query == nil {
		return nil, apperr.Field("query", "is required")
	}
	var out SegmentView
	err := s.db.Update(func(tx *storage.Tx) error {
		n, err := Segments.Count(tx, actor.AccountID, storage.Query{Index: "user", Prefix: storage.Uint(actor.UserID)})
		if err != nil {
			return err
		}
		if n >= MaxSegmentsPerUser {
			return apperr.Field("name", fmt.Sprintf("you can save at most %d filters; delete one first", MaxSegmentsPerUser))
		}
		now := time.Now().UTC()
		sg := &Segment{AccountID: actor.AccountID, UserID: actor.UserID, FilterType: segmentContact, CreatedAt: now, UpdatedAt: now}
		if err := s.applySegment(tx, actor, sg, in); err != nil {
			return err
		}
		if err := Segments.Put(tx, sg); err != nil {
			return nameTaken(err)
		}
		out = segmentView(sg)
		return emitSegment(tx, EventSegmentCreated, sg, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateSegment renames a segment and/or replaces its filter.
func (s *Service) UpdateSegment(ctx context.Context, actor access.Actor, id uint64, in SegmentInput) (*SegmentView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out SegmentView
	err := s.db.Update(func(tx *storage.Tx) error {
		sg, err := ownSegment(tx, actor, id)
		if err != nil {
			return err
		}
		if err := s.applySegment(tx, actor, sg, in); err != nil {
			return err
		}
		sg.UpdatedAt = time.Now().UTC()
		if err := Segments.Put(tx, sg); err != nil {
			return nameTaken(err)
		}
		out = segmentView(sg)
		return emitSegment(tx, EventSegmentUpdated, sg, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteSegment removes one of the actor's segments.
func (s *Service) DeleteSegment(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(Module, access.View); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		sg, err := ownSegment(tx, actor, id)
		if err != nil {
			return err
		}
		if err := Segments.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emitSegment(tx, EventSegmentDeleted, sg, actor.UserID)
	})
}

// applySegment checks in and writes it onto sg. The filter is validated as the filter
// endpoint would run it, with errors under "query.payload[i]…".
func (s *Service) applySegment(tx *storage.Tx, actor access.Actor, sg *Segment, in SegmentInput) error {
	var fe apperr.Fields
	if in.Name != nil {
		sg.Name = strings.TrimSpace(*in.Name)
	}
	if n := utf8.RuneCountInString(sg.Name); n == 0 || n > MaxSegmentName {
		fe.Add("name", fmt.Sprintf("must be 1 to %d characters", MaxSegmentName))
	}
	if in.FilterType != nil && *in.FilterType != segmentContact {
		fe.Add("filter_type", "must be contact")
	}
	if in.Query != nil {
		if err := s.ValidateFilter(tx, actor, in.Query.Payload); err != nil {
			e, ok := apperr.As(err)
			if !ok {
				return err
			}
			for k, v := range e.Fields {
				fe.Add("query."+k, v)
			}
		}
		sg.Query = *in.Query
	}
	return fe.Err()
}

// nameTaken turns the unique index's conflict into a message about the name.
func nameTaken(err error) error {
	if apperr.Is(err, apperr.Conflict) {
		return &apperr.Error{Kind: apperr.Conflict, Message: "name taken", Fields: map[string]string{"name": "you already have a filter with this name"}}
	}
	return err
}

// ownSegment loads segment id if it is the actor's; another user's looks missing.
func ownSegment(tx *storage.Tx, actor access.Actor, id uint64) (*Segment, error) {
	sg, err := Segments.Get(tx, actor.AccountID, id)
	if err != nil || sg.UserID != actor.UserID || actor.UserID == 0 {
		return nil, apperr.NotFoundf("filter %d not found", id)
	}
	return sg, nil
}

func emitSegment(tx *storage.Tx, typ string, sg *Segment, actor uint64) error {
	return tx.EmitData(storage.Event{Account: sg.AccountID, Type: typ, Entity: Segments.Name(), ID: sg.ID, Actor: actor}, segmentView(sg))
}
