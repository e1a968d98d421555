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

// Agent is a member of an account as the agents API shows it; its id is the user's id, as in
// Chatwoot.
type Agent struct {
	ID                 uint64      `json:"id"`
	Name               string      `json:"name"`
	Email              string      `json:"email"`
	Role               access.Role `json:"role"`
	CustomRoleID       uint64      `json:"custom_role_id,omitempty"`
	AvailabilityStatus string      `json:"availability_status"`
	AvatarURL          string      `json:"avatar_url,omitempty"`
	TOTPEnabled        bool        `json:"totp_enabled"`
	CreatedAt          time.Time   `json:"created_at"`
	// TemporaryPassword is present only in the answer that created the user with it.
	TemporaryPassword string `json:"temporary_password,omitempty"`
}

// AvatarURL is where a user's avatar is served (content-addressed, so it can be cached).
func AvatarURL(hash string) string {
	if hash == "" {
		return ""
	}
	return "/media/avatars/" + hash
}

func agentOf(u *auth.User, m *Member) Agent {
	return Agent{ID: u.ID, Name: u.Name, Email: u.Email, Role: m.Role, CustomRoleID: m.CustomRoleID,
		AvailabilityStatus: m.Availability, AvatarURL: AvatarURL(u.AvatarHash), TOTPEnabled: u.TOTPEnabled, CreatedAt: m.CreatedAt}
}

// ListAgents lists the account's members; every member may see them (to assign work).
func (s *Service) ListAgents(ctx context.Context, actor access.Actor) ([]Agent, error) {
	out := []Agent{}
	err := s.db.View(func(tx *storage.Tx) error {
		return Members.Each(tx, actor.AccountID, storage.Query{}, func(m *Member) bool {
			if u, err := auth.Users.Get(tx, 0, m.UserID); err == nil {
				out = append(out, agentOf(u, m))
			}
			return true
		})
	})
	return out, err
}

// NewAgent is the add-agent form.
type NewAgent struct {
	Name         string      `json:"name"`
	Email        string      `json:"email"`
	Role         access.Role `json:"role"`
	CustomRoleID uint64      `json:"custom_role_id,omitempty"`
	Password     string      `json:"password,omitempty"`
}

func validRole(tx *storage.Tx, account uint64, role access.Role, customRole uint64, fe *apperr.Fields) {
	if role != access.Administrator && role != access.Agent {
		fe.Add("role", "must be administrator or agent")
	}
	if customRole != 0 {
		if role != access.Agent {
			fe.Add("custom_role_id", "applies to agents only")
		} else if !CustomRoles.Exists(tx, account, customRole) {
			fe.Add("custom_role_id", "is not a role of this account")
		}
	}
}

// AddAgent adds a person to the account. An email that already has a user (from another
// account) adds that user; otherwise a user is created with the given password or a temporary
// one returned once. New members join the account's first team.
func (s *Service) AddAgent(ctx context.Context, actor access.Actor, in NewAgent) (*Agent, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out *Agent
	err := s.db.Update(func(tx *storage.Tx) error {
		acct, err := Accounts.Get(tx, 0, actor.AccountID)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		if in.Role == "" {
			in.Role = access.Agent
		}
		validRole(tx, acct.ID, in.Role, in.CustomRoleID, &fe)
		u, _ := auth.UserByEmail(tx, strings.TrimSpace(in.Email))
		var temporary string
		if u == nil {
			pw := in.Password
			if pw == "" {
				temporary = tempPassword()
				pw = temporary
			}
			if err := auth.ValidateNewUser(auth.NewUser{Name: in.Name, Email: in.Email, Password: pw}); err != nil {
				e, _ := apperr.As(err)
				for k, v := range e.Fields {
					fe.Add(k, v)
				}
			}
			if err := fe.Err(); err != nil {
				return err
			}
			if err := s.checkPlan(tx, acct); err != nil {
				return err
			}
			if u, err = s.auth.CreateUser(tx, auth.NewUser{Name: in.Name, Email: in.Email, Password: pw, Language: acct.Language, Temporary: temporary != ""}); err != nil {
				return err
			}
		} else {
			if err := fe.Err(); err != nil {
				return err
			}
			if memberOf(tx, acct.ID, u.ID) != nil {
				return &apperr.Error{Kind: apperr.Conflict, Message: "this person is already an agent of the account", Fields: map[string]string{"email": "is already an agent of this account"}}
			}
			if err := s.checkPlan(tx, acct); err != nil {
				return err
			}
			title, body := "You were added to "+acct.Name, "You can now switch to it from the account menu."
			if u.Language == "pt-BR" {
				title, body = "Você foi adicionado a "+acct.Name, "Agora você pode alternar para ela pelo menu de contas."
			}
			if err := notify.Send(tx, notify.Notification{AccountID: acct.ID, UserID: u.ID, Type: "account_added", Title: title, Body: body, Link: "/"}); err != nil {
				return err
			}
		}
		if err := addMember(tx, acct, u, in.Role, in.CustomRoleID); err != nil {
			return err
		}
		if err := joinFirstTeam(tx, acct.ID, u.ID); err != nil {
			return err
		}
		m := memberOf(tx, acct.ID, u.ID)
		a := agentOf(u, m)
		if err := tx.EmitData(storage.Event{Account: acct.ID, Type: EventAgentCreated, Entity: "members", ID: m.ID, Actor: actor.UserID}, a); err != nil {
			return err
		}
		a.TemporaryPassword = temporary
		out = &a
		return audit.Record(tx, actor, "agent.added", "user", u.ID, u.Email+" as "+string(m.Role))
	})
	return out, err
}

func memberOf(tx *storage.Tx, account, userID uint64) *Member {
	m, err := Members.GetBy(tx, account, "user", storage.Uint(userID))
	if err != nil {
		return nil
	}
	return m
}

func (s *Service) checkPlan(tx *storage.Tx, acct *Account) error {
	if acct.Plan.MaxAgents > 0 && Members.Len(tx, acct.ID) >= acct.Plan.MaxAgents {
		return apperr.Conflictf("your plan allows %d agents; ask the operator to raise the limit", acct.Plan.MaxAgents)
	}
	return nil
}

// joinFirstTeam puts a new member into the account's oldest team.
func joinFirstTeam(tx *storage.Tx, account, userID uint64) error {
	page, err := Teams.Scan(tx, account, storage.Query{Limit: 1})
	if err != nil || len(page.Items) == 0 {
		return err
	}
	t := page.Items[0]
	if slices.Contains(t.MemberIDs, userID) {
		return nil
	}
	t.MemberIDs = append(t.MemberIDs, userID)
	return Teams.Put(tx, &t)
}

// AgentUpdate changes an agent; nil leaves a field alone.
type AgentUpdate struct {
	Name         *string      `json:"name,omitempty"`
	Role         *access.Role `json:"role,omitempty"`
	CustomRoleID *uint64      `json:"custom_role_id,omitempty"`
	Availability *string      `json:"availability_status,omitempty"`
}

// UpdateAgent changes an agent's name, role or custom role (administrators), or an agent's own
// availability. The last administrator cannot be demoted.
func (s *Service) UpdateAgent(ctx context.Context, actor access.Actor, userID uint64, in AgentUpdate) (*Agent, error) {
	self := actor.UserID == userID && in.Name == nil && in.Role == nil && in.CustomRoleID == nil
	if !self {
		if err := actor.RequireAdmin(); err != nil {
			return nil, err
		}
	}
	var out *Agent
	err := s.db.Update(func(tx *storage.Tx) error {
		m := memberOf(tx, actor.AccountID, userID)
		if m == nil {
			return apperr.NotFoundf("agent %d not found", userID)
		}
		u, err := auth.Users.Get(tx, 0, userID)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		role, custom := m.Role, m.CustomRoleID
		if in.Role != nil {
			role = *in.Role
			if role == access.Administrator {
				custom = 0
			}
		}
		if in.CustomRoleID != nil {
			custom = *in.CustomRoleID
		}
		validRole(tx, actor.AccountID, role, custom, &fe)
		if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
			fe.Add("name", "is required")
		}
		if in.Availability != nil && !slices.Contains([]string{"online", "busy", "offline"}, *in.Availability) {
			fe.Add("availability_status", "must be online, busy or offline")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if m.Role == access.Administrator && role != access.Administrator {
			if n, _ := Members.Count(tx, actor.AccountID, storage.Query{Index: "role", Prefix: storage.Str(string(access.Administrator))}); n <= 1 {
				return apperr.Conflictf("the account needs at least one administrator")
			}
		}
		m.Role, m.CustomRoleID = role, custom
		if in.Availability != nil {
			m.Availability = *in.Availability
		}
		if err := Members.Put(tx, m); err != nil {
			return err
		}
		if in.Name != nil {
			u.Name = strings.TrimSpace(*in.Name)
			if err := auth.Users.Put(tx, u); err != nil {
				return err
			}
		}
		a := agentOf(u, m)
		out = &a
		if err := tx.EmitData(storage.Event{Account: actor.AccountID, Type: EventAgentUpdated, Entity: "members", ID: m.ID, Actor: actor.UserID}, a); err != nil {
			return err
		}
		if self {
			return nil
		}
		return audit.Record(tx, actor, "agent.updated", "user", u.ID, u.Email+" role="+string(role))
	})
	return out, err
}

// RemoveAgent takes a person out of the account (never yourself, never the last
// administrator). A user left in no account and not an operator is deleted with their sessions.
func (s *Service) RemoveAgent(ctx context.Context, actor access.Actor, userID uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	if userID == actor.UserID {
		return apperr.Conflictf("you cannot remove yourself; ask another administrator")
	}
	return s.db.Update(func(tx *storage.Tx) error {
		m := memberOf(tx, actor.AccountID, userID)
		if m == nil {
			return apperr.NotFoundf("agent %d not found", userID)
		}
		if m.Role == access.Administrator {
			if n, _ := Members.Count(tx, actor.AccountID, storage.Query{Index: "role", Prefix: storage.Str(string(access.Administrator))}); n <= 1 {
				return apperr.Conflictf("the account needs at least one administrator")
			}
		}
		if err := Members.Delete(tx, actor.AccountID, m.ID); err != nil {
			return err
		}
		// Collect first: bbolt cursors must not outlive writes to their bucket.
		page, err := Teams.Scan(tx, actor.AccountID, storage.Query{})
		if err != nil {
			return err
		}
		for _, t := range page.Items {
			if i := slices.Index(t.MemberIDs, userID); i >= 0 {
				t.MemberIDs = slices.Delete(t.MemberIDs, i, i+1)
				if err := Teams.Put(tx, &t); err != nil {
					return err
				}
			}
		}
		u, err := auth.Users.Get(tx, 0, userID)
		if err != nil {
			return err
		}
		u.AccountIDs = slices.DeleteFunc(u.AccountIDs, func(id uint64) bool { return id == actor.AccountID })
		if len(u.AccountIDs) == 0 && !u.Operator {
			if err := auth.RevokeAll(tx, u.ID); err != nil {
				return err
			}
			if err := auth.Users.Delete(tx, 0, u.ID); err != nil {
				return err
			}
		} else if err := auth.Users.Put(tx, u); err != nil {
			return err
		}
		if err := tx.Emit(storage.Event{Account: actor.AccountID, Type: EventAgentDeleted, Entity: "members", ID: m.ID, Actor: actor.UserID}); err != nil {
			return err
		}
		return audit.Record(tx, actor, "agent.removed", "user", u.ID, u.Email)
	})
}
