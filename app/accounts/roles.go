package accounts

import (
	"context"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/storage"
)

// RoleInput is the custom-role form; nil leaves a field alone on update.
type RoleInput struct {
	Name        *string                 `json:"name,omitempty"`
	Description *string                 `json:"description,omitempty"`
	Permissions map[string]access.Level `json:"permissions,omitempty"`
	// OwnConversationsOnly limits holders to conversations assigned to them, to their teams, or
	// unassigned in their inboxes.
	OwnConversationsOnly *bool `json:"own_conversations_only,omitempty"`
}

func (in RoleInput) apply(r *CustomRole) error {
	var fe apperr.Fields
	if in.Name != nil {
		if n := strings.TrimSpace(*in.Name); n == "" {
			fe.Add("name", "is required")
		} else {
			r.Name = n
		}
	}
	if in.Description != nil {
		r.Description = strings.TrimSpace(*in.Description)
	}
	if in.Permissions != nil {
		perms := map[string]access.Level{}
		for k, l := range in.Permissions {
			if _, ok := ModuleByKey(k); !ok {
				fe.Add("permissions."+k, "is not a module")
			} else if !l.Valid() {
				fe.Add("permissions."+k, "must be none, view or manage")
			} else if l != access.None {
				perms[k] = l
			}
		}
		r.Permissions = perms
	}
	if in.OwnConversationsOnly != nil {
		r.OwnConversationsOnly = *in.OwnConversationsOnly
	}
	return fe.Err()
}

// ListRoles lists the account's custom roles (administrators).
func (s *Service) ListRoles(ctx context.Context, actor access.Actor) ([]CustomRole, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	out := []CustomRole{}
	err := s.db.View(func(tx *storage.Tx) error {
		return CustomRoles.Each(tx, actor.AccountID, storage.Query{}, func(r *CustomRole) bool {
			out = append(out, *r)
			return true
		})
	})
	return out, err
}

// SaveRole creates (id 0) or updates a custom role (administrators).
func (s *Service) SaveRole(ctx context.Context, actor access.Actor, id uint64, in RoleInput) (*CustomRole, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	if id == 0 && in.Name == nil {
		return nil, apperr.Field("name", "is required")
	}
	var out *CustomRole
	err := s.db.Update(func(tx *storage.Tx) error {
		r := &CustomRole{AccountID: actor.AccountID, Permissions: map[string]access.Level{}, CreatedAt: time.Now().UTC()}
		action := "role.created"
		if id != 0 {
			var err error
			if r, err = CustomRoles.Get(tx, actor.AccountID, id); err != nil {
				return err
			}
			action = "role.updated"
		}
		if err := in.apply(r); err != nil {
			return err
		}
		if err := CustomRoles.Put(tx, r); err != nil {
			return err
		}
		out = r
		return audit.Record(tx, actor, action, "custom_role", r.ID, r.Name)
	})
	return out, err
}

// DeleteRole removes a custom role no agent holds (administrators).
func (s *Service) DeleteRole(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		r, err := CustomRoles.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		inUse := 0
		Members.Each(tx, actor.AccountID, storage.Query{}, func(m *Member) bool {
			if m.CustomRoleID == id {
				inUse++
			}
			return true
		})
		if inUse > 0 {
			return apperr.Conflictf("%d agents hold this role; give them another role first", inUse)
		}
		if err := CustomRoles.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return audit.Record(tx, actor, "role.deleted", "custom_role", id, r.Name)
	})
}
