package accounts

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// TeamView is a team as the API shows it.
type TeamView struct {
	ID              uint64 `json:"id"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	AllowAutoAssign bool   `json:"allow_auto_assign"`
	MembersCount    int    `json:"members_count"`
	AccountID       uint64 `json:"account_id"`
}

func viewTeam(t *Team) TeamView {
	return TeamView{ID: t.ID, Name: t.Name, Description: t.Description, AllowAutoAssign: t.AllowAutoAssign, MembersCount: len(t.MemberIDs), AccountID: t.AccountID}
}

// TeamInput is the create/update form; nil leaves a field alone on update.
type TeamInput struct {
	Name            *string `json:"name,omitempty"`
	Description     *string `json:"description,omitempty"`
	AllowAutoAssign *bool   `json:"allow_auto_assign,omitempty"`
}

func (in TeamInput) apply(t *Team) error {
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if n == "" {
			return apperr.Field("name", "is required")
		}
		if len(n) > 80 {
			return apperr.Field("name", "must be at most 80 characters")
		}
		t.Name = n
	}
	if in.Description != nil {
		t.Description = strings.TrimSpace(*in.Description)
	}
	if in.AllowAutoAssign != nil {
		t.AllowAutoAssign = *in.AllowAutoAssign
	}
	return nil
}

// ListTeams lists the account's teams; every member may see them.
func (s *Service) ListTeams(ctx context.Context, actor access.Actor) ([]TeamView, error) {
	out := []TeamView{}
	err := s.db.View(func(tx *storage.Tx) error {
		return Teams.Each(tx, actor.AccountID, storage.Query{}, func(t *Team) bool {
			out = append(out, viewTeam(t))
			return true
		})
	})
	return out, err
}

// GetTeam returns one team.
func (s *Service) GetTeam(ctx context.Context, actor access.Actor, id uint64) (*TeamView, error) {
	var out TeamView
	err := s.db.View(func(tx *storage.Tx) error {
		t, err := Teams.Get(tx, actor.AccountID, id)
		if err == nil {
			out = viewTeam(t)
		}
		return err
	})
	return &out, err
}

// CreateTeam adds a team (administrators).
func (s *Service) CreateTeam(ctx context.Context, actor access.Actor, in TeamInput) (*TeamView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	if in.Name == nil {
		return nil, apperr.Field("name", "is required")
	}
	return s.saveTeam(actor, 0, in, "team.created")
}

// UpdateTeam changes a team (administrators).
func (s *Service) UpdateTeam(ctx context.Context, actor access.Actor, id uint64, in TeamInput) (*TeamView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.saveTeam(actor, id, in, "team.updated")
}

func (s *Service) saveTeam(actor access.Actor, id uint64, in TeamInput, action string) (*TeamView, error) {
	var out TeamView
	err := s.db.Update(func(tx *storage.Tx) error {
		t := &Team{AccountID: actor.AccountID, CreatedAt: time.Now().UTC(), MemberIDs: []uint64{}}
		if id != 0 {
			var err error
			if t, err = Teams.Get(tx, actor.AccountID, id); err != nil {
				return err
			}
		}
		if err := in.apply(t); err != nil {
			return err
		}
		if err := Teams.Put(tx, t); err != nil {
			return err
		}
		out = viewTeam(t)
		if err := tx.EmitData(storage.Event{Account: actor.AccountID, Type: EventTeamUpdated, Entity: "teams", ID: t.ID, Actor: actor.UserID}, out); err != nil {
			return err
		}
		return audit.Record(tx, actor, action, "team", t.ID, t.Name)
	})
	return &out, err
}

// DeleteTeam removes a team (administrators).
func (s *Service) DeleteTeam(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		t, err := Teams.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := Teams.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return audit.Record(tx, actor, "team.deleted", "team", id, t.Name)
	})
}

// TeamMembers lists a team's agents.
func (s *Service) TeamMembers(ctx context.Context, actor access.Actor, id uint64) ([]Agent, error) {
	out := []Agent{}
	err := s.db.View(func(tx *storage.Tx) error {
		t, err := Teams.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		for _, uid := range t.MemberIDs {
			m := memberOf(tx, actor.AccountID, uid)
			u, err := auth.Users.Get(tx, 0, uid)
			if m != nil && err == nil {
				out = append(out, agentOf(u, m))
			}
		}
		return nil
	})
	return out, err
}

// SetTeamMembers adds (add=true) or removes agents of the account to/from a team
// (administrators). Every id must be an agent of the account.
func (s *Service) SetTeamMembers(ctx context.Context, actor access.Actor, id uint64, userIDs []uint64, add bool) ([]Agent, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	if len(userIDs) == 0 {
		return nil, apperr.Field("user_ids", "must list at least one agent")
	}
	err := s.db.Update(func(tx *storage.Tx) error {
		t, err := Teams.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		for _, uid := range userIDs {
			if memberOf(tx, actor.AccountID, uid) == nil {
				return apperr.Field("user_ids", "contains someone who is not an agent of this account")
			}
			has := slices.Contains(t.MemberIDs, uid)
			switch {
			case add && !has:
				t.MemberIDs = append(t.MemberIDs, uid)
				u, err := auth.Users.Get(tx, 0, uid)
				if err != nil {
					return err
				}
				title := "You joined the team " + t.Name
				if u.Language == "pt-BR" {
					title = "Você entrou no time " + t.Name
				}
				if err := notify.Send(tx, notify.Notification{AccountID: actor.AccountID, UserID: uid, Type: "team_added", Title: title}); err != nil {
					return err
				}
			case !add && has:
				t.MemberIDs = slices.DeleteFunc(t.MemberIDs, func(x uint64) bool { return x == uid })
			}
		}
		if err := Teams.Put(tx, t); err != nil {
			return err
		}
		action := "team.members_removed"
		if add {
			action = "team.members_added"
		}
		return audit.Record(tx, actor, action, "team", t.ID, t.Name)
	})
	if err != nil {
		return nil, err
	}
	return s.TeamMembers(ctx, actor, id)
}
