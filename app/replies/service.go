package replies

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/storage"
)

// Service holds canned responses and macros. Macros act on conversations only through the
// conversations service's public methods, so every rule (permissions, visibility, activity
// lines, events) applies to a macro exactly as to the same click in the inbox.
type Service struct {
	db    *storage.DB
	convs *conversations.Service
	// Now is the clock (tests may move it); default time.Now.
	Now func() time.Time
}

// New builds the service.
func New(db *storage.DB, convs *conversations.Service) *Service {
	return &Service{db: db, convs: convs, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Event types of this area: composers and settings pages refresh their lists on them.
const (
	EventCannedResponseCreated = "canned_response_created"
	EventCannedResponseUpdated = "canned_response_updated"
	EventCannedResponseDeleted = "canned_response_deleted"
	EventMacroCreated          = "macro_created"
	EventMacroUpdated          = "macro_updated"
	EventMacroDeleted          = "macro_deleted"
)

// Limits of a canned response.
const (
	MaxShortCode      = 50
	MaxCannedContent  = 5000
	maxCannedListSize = 1000
)

var shortCodeRE = regexp.MustCompile(`^[a-z0-9_-]{1,50}$`)

// CannedInput is the create/update form of a canned response; nil leaves a field alone on
// update (both are required on create).
type CannedInput struct {
	ShortCode *string `json:"short_code,omitempty"`
	Content   *string `json:"content,omitempty"`
}

func (in CannedInput) apply(c *CannedResponse, create bool) error {
	var fe apperr.Fields
	if in.ShortCode != nil {
		code := strings.ToLower(strings.TrimSpace(*in.ShortCode))
		switch {
		case code == "":
			fe.Add("short_code", "is required")
		case !shortCodeRE.MatchString(code):
			fe.Add("short_code", "may hold only letters, digits, - and _ (at most 50)")
		}
		c.ShortCode = code
	} else if create {
		fe.Add("short_code", "is required")
	}
	if in.Content != nil {
		content := strings.TrimSpace(*in.Content)
		switch {
		case content == "":
			fe.Add("content", "is required")
		case utf8.RuneCountInString(content) > MaxCannedContent:
			fe.Add("content", "must be at most 5000 characters")
		}
		c.Content = content
	} else if create {
		fe.Add("content", "is required")
	}
	return fe.Err()
}

// List returns the account's canned responses by short code. search (optional) keeps those
// whose short code starts with it or whose content contains it, ignoring case: the composer's
// "/" menu sends what the agent typed after the slash. Every member may read them.
func (s *Service) List(ctx context.Context, actor access.Actor, search string) ([]CannedResponse, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	q := strings.ToLower(strings.TrimSpace(search))
	out := []CannedResponse{}
	err := s.db.View(func(tx *storage.Tx) error {
		return CannedResponses.Each(tx, actor.AccountID, storage.Query{Index: "short_code"}, func(c *CannedResponse) bool {
			if q == "" || strings.HasPrefix(c.ShortCode, q) || strings.Contains(strings.ToLower(c.Content), q) {
				out = append(out, *c)
			}
			return len(out) < maxCannedListSize
		})
	})
	if q != "" {
		// Short-code matches first: they are what the agent is typing.
		slices.SortStableFunc(out, func(a, b CannedResponse) int {
			pa, pb := strings.HasPrefix(a.ShortCode, q), strings.HasPrefix(b.ShortCode, q)
			switch {
			case pa && !pb:
				return -1
			case pb && !pa:
				return 1
			}
			return 0
		})
	}
	return out, err
}

// GetCanned returns one canned response.
func (s *Service) GetCanned(ctx context.Context, actor access.Actor, id uint64) (*CannedResponse, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	var out *CannedResponse
	err := s.db.View(func(tx *storage.Tx) (err error) {
		out, err = CannedResponses.Get(tx, actor.AccountID, id)
		return err
	})
	return out, err
}

// Create adds a canned response (administrators).
func (s *Service) Create(ctx context.Context, actor access.Actor, in CannedInput) (*CannedResponse, error) {
	return s.saveCanned(actor, 0, in)
}

// Update changes a canned response (administrators).
func (s *Service) Update(ctx context.Context, actor access.Actor, id uint64, in CannedInput) (*CannedResponse, error) {
	return s.saveCanned(actor, id, in)
}

func (s *Service) saveCanned(actor access.Actor, id uint64, in CannedInput) (*CannedResponse, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out CannedResponse
	err := s.db.Update(func(tx *storage.Tx) error {
		now := s.now()
		c := &CannedResponse{AccountID: actor.AccountID, CreatedAt: now}
		typ, action := EventCannedResponseCreated, "canned_response.created"
		if id != 0 {
			var err error
			if c, err = CannedResponses.Get(tx, actor.AccountID, id); err != nil {
				return err
			}
			typ, action = EventCannedResponseUpdated, "canned_response.updated"
		}
		if err := in.apply(c, id == 0); err != nil {
			return err
		}
		c.UpdatedAt = now
		if err := CannedResponses.Put(tx, c); err != nil {
			return err
		}
		out = *c
		if err := tx.EmitData(storage.Event{Account: actor.AccountID, Type: typ, Entity: CannedResponses.Name(), ID: c.ID, Actor: actor.UserID}, c); err != nil {
			return err
		}
		return audit.Record(tx, actor, action, "canned_response", c.ID, c.ShortCode)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete removes a canned response (administrators). Macros that send it fail on that step
// from then on, saying so.
func (s *Service) Delete(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		c, err := CannedResponses.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := CannedResponses.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		if err := tx.EmitData(storage.Event{Account: actor.AccountID, Type: EventCannedResponseDeleted, Entity: CannedResponses.Name(), ID: id, Actor: actor.UserID}, c); err != nil {
			return err
		}
		return audit.Record(tx, actor, "canned_response.deleted", "canned_response", id, c.ShortCode)
	})
}
