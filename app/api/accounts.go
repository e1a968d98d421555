package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

type (
	accountPath struct {
		AccountID uint64 `path:"account_id"`
	}
	accountItemPath struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
	}
	accountOutput struct{ Body *accounts.Account }
	agentsOutput  struct{ Body []accounts.Agent }
	agentOutput   struct {
		Status int
		Body   *accounts.Agent
	}
	teamsOutput struct{ Body []accounts.TeamView }
	teamOutput  struct {
		Status int
		Body   *accounts.TeamView
	}
	rolesOutput struct{ Body []accounts.CustomRole }
	roleOutput  struct {
		Status int
		Body   *accounts.CustomRole
	}
)

func (s *Server) registerAccounts() {
	tags := []string{"Accounts"}
	register(s, huma.Operation{OperationID: "account-get", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}", Summary: "An account's settings", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountPath) (*accountOutput, error) {
			a, err := s.Accounts.Get(ctx, actorOf(ctx), in.AccountID)
			return &accountOutput{a}, err
		})
	type accountUpdate struct {
		AccountID uint64 `path:"account_id"`
		Body      accounts.AccountSettings
	}
	register(s, huma.Operation{OperationID: "account-update", Method: http.MethodPatch, Path: "/api/v1/accounts/{account_id}", Summary: "Change an account's settings (administrators)", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountUpdate) (*accountOutput, error) {
			a, err := s.Accounts.Update(ctx, actorOf(ctx), in.AccountID, in.Body)
			return &accountOutput{a}, err
		})

	tags = []string{"Agents"}
	register(s, huma.Operation{OperationID: "agents-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/agents", Summary: "The account's agents", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountPath) (*agentsOutput, error) {
			a, err := s.Accounts.ListAgents(ctx, actorOf(ctx))
			return &agentsOutput{a}, err
		})
	type agentCreate struct {
		AccountID uint64 `path:"account_id"`
		Body      accounts.NewAgent
	}
	register(s, huma.Operation{OperationID: "agents-create", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/agents", Summary: "Add an agent (administrators); without a password a temporary one is returned once", Tags: tags, DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *agentCreate) (*agentOutput, error) {
			a, err := s.Accounts.AddAgent(ctx, actorOf(ctx), in.Body)
			return &agentOutput{Status: 201, Body: a}, err
		})
	type agentUpdate struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      accounts.AgentUpdate
	}
	register(s, huma.Operation{OperationID: "agents-update", Method: http.MethodPatch, Path: "/api/v1/accounts/{account_id}/agents/{id}", Summary: "Change an agent (administrators; agents may set their own availability)", Tags: tags}, authAccount,
		func(ctx context.Context, in *agentUpdate) (*agentOutput, error) {
			a, err := s.Accounts.UpdateAgent(ctx, actorOf(ctx), in.ID, in.Body)
			return &agentOutput{Status: 200, Body: a}, err
		})
	register(s, huma.Operation{OperationID: "agents-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/agents/{id}", Summary: "Remove an agent from the account (administrators)", Tags: tags, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Accounts.RemoveAgent(ctx, actorOf(ctx), in.ID)
		})

	tags = []string{"Teams"}
	register(s, huma.Operation{OperationID: "teams-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/teams", Summary: "The account's teams", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountPath) (*teamsOutput, error) {
			t, err := s.Accounts.ListTeams(ctx, actorOf(ctx))
			return &teamsOutput{t}, err
		})
	type teamCreate struct {
		AccountID uint64 `path:"account_id"`
		Body      accounts.TeamInput
	}
	register(s, huma.Operation{OperationID: "teams-create", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/teams", Summary: "Create a team (administrators)", Tags: tags, DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *teamCreate) (*teamOutput, error) {
			t, err := s.Accounts.CreateTeam(ctx, actorOf(ctx), in.Body)
			return &teamOutput{Status: 201, Body: t}, err
		})
	register(s, huma.Operation{OperationID: "teams-get", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/teams/{id}", Summary: "A team", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*teamOutput, error) {
			t, err := s.Accounts.GetTeam(ctx, actorOf(ctx), in.ID)
			return &teamOutput{Status: 200, Body: t}, err
		})
	type teamUpdate struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      accounts.TeamInput
	}
	register(s, huma.Operation{OperationID: "teams-update", Method: http.MethodPatch, Path: "/api/v1/accounts/{account_id}/teams/{id}", Summary: "Change a team (administrators)", Tags: tags}, authAccount,
		func(ctx context.Context, in *teamUpdate) (*teamOutput, error) {
			t, err := s.Accounts.UpdateTeam(ctx, actorOf(ctx), in.ID, in.Body)
			return &teamOutput{Status: 200, Body: t}, err
		})
	register(s, huma.Operation{OperationID: "teams-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/teams/{id}", Summary: "Delete a team (administrators)", Tags: tags, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Accounts.DeleteTeam(ctx, actorOf(ctx), in.ID)
		})
	register(s, huma.Operation{OperationID: "team-members-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/teams/{id}/team_members", Summary: "A team's agents", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*agentsOutput, error) {
			a, err := s.Accounts.TeamMembers(ctx, actorOf(ctx), in.ID)
			return &agentsOutput{a}, err
		})
	type membersInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      struct {
			UserIDs []uint64 `json:"user_ids"`
		}
	}
	register(s, huma.Operation{OperationID: "team-members-add", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/teams/{id}/team_members", Summary: "Add agents to a team (administrators)", Tags: tags}, authAccount,
		func(ctx context.Context, in *membersInput) (*agentsOutput, error) {
			a, err := s.Accounts.SetTeamMembers(ctx, actorOf(ctx), in.ID, in.Body.UserIDs, true)
			return &agentsOutput{a}, err
		})
	register(s, huma.Operation{OperationID: "team-members-remove", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/teams/{id}/team_members", Summary: "Remove agents from a team (administrators)", Tags: tags}, authAccount,
		func(ctx context.Context, in *membersInput) (*agentsOutput, error) {
			a, err := s.Accounts.SetTeamMembers(ctx, actorOf(ctx), in.ID, in.Body.UserIDs, false)
			return &agentsOutput{a}, err
		})

	tags = []string{"Roles"}
	register(s, huma.Operation{OperationID: "roles-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/custom_roles", Summary: "Custom roles (administrators)", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountPath) (*rolesOutput, error) {
			r, err := s.Accounts.ListRoles(ctx, actorOf(ctx))
			return &rolesOutput{r}, err
		})
	type roleCreate struct {
		AccountID uint64 `path:"account_id"`
		Body      accounts.RoleInput
	}
	register(s, huma.Operation{OperationID: "roles-create", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/custom_roles", Summary: "Create a custom role (administrators)", Tags: tags, DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *roleCreate) (*roleOutput, error) {
			r, err := s.Accounts.SaveRole(ctx, actorOf(ctx), 0, in.Body)
			return &roleOutput{Status: 201, Body: r}, err
		})
	type roleUpdate struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      accounts.RoleInput
	}
	register(s, huma.Operation{OperationID: "roles-update", Method: http.MethodPatch, Path: "/api/v1/accounts/{account_id}/custom_roles/{id}", Summary: "Change a custom role (administrators)", Tags: tags}, authAccount,
		func(ctx context.Context, in *roleUpdate) (*roleOutput, error) {
			r, err := s.Accounts.SaveRole(ctx, actorOf(ctx), in.ID, in.Body)
			return &roleOutput{Status: 200, Body: r}, err
		})
	register(s, huma.Operation{OperationID: "roles-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/custom_roles/{id}", Summary: "Delete a custom role no agent holds (administrators)", Tags: tags, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Accounts.DeleteRole(ctx, actorOf(ctx), in.ID)
		})

	type auditInput struct {
		AccountID uint64 `path:"account_id"`
		UserID    uint64 `query:"user_id"`
		Action    string `query:"action"`
		Cursor    string `query:"cursor"`
		Limit     int    `query:"limit" maximum:"200"`
	}
	type auditOutput struct{ Body storage.Page[audit.Entry] }
	register(s, huma.Operation{OperationID: "audit-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/audit_logs", Summary: "The audit log, newest first (administrators)", Tags: []string{"Audit"}}, authAccount,
		func(ctx context.Context, in *auditInput) (*auditOutput, error) {
			p, err := audit.List(s.DB, actorOf(ctx), audit.Filter{UserID: in.UserID, Action: in.Action, Cursor: in.Cursor, Limit: in.Limit})
			return &auditOutput{p}, err
		})

	tags = []string{"Notifications"}
	type notifInput struct {
		AccountID uint64 `path:"account_id"`
		Cursor    string `query:"cursor"`
		Limit     int    `query:"limit" maximum:"100"`
	}
	type notifOutput struct{ Body notify.ListResult }
	register(s, huma.Operation{OperationID: "notifications-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/notifications", Summary: "Your notifications in the account, newest first, with the unread count", Tags: tags}, authAccount,
		func(ctx context.Context, in *notifInput) (*notifOutput, error) {
			r, err := s.Notify.List(ctx, actorOf(ctx), in.Cursor, in.Limit)
			return &notifOutput{r}, err
		})
	register(s, huma.Operation{OperationID: "notifications-read", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/notifications/{id}/read", Summary: "Mark a notification read", Tags: tags, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Notify.MarkRead(ctx, actorOf(ctx), in.ID)
		})
	register(s, huma.Operation{OperationID: "notifications-read-all", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/notifications/read_all", Summary: "Mark all your notifications read", Tags: tags, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *accountPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Notify.MarkAllRead(ctx, actorOf(ctx))
		})

	tags = []string{"Platform"}
	type platformList struct{ Body []accounts.PlatformAccount }
	type platformOne struct {
		Status int
		Body   *accounts.PlatformAccount
	}
	register(s, huma.Operation{OperationID: "platform-accounts", Method: http.MethodGet, Path: "/api/v1/platform/accounts", Summary: "Every account of the installation (operator)", Tags: tags}, authOperator,
		func(ctx context.Context, _ *empty) (*platformList, error) {
			l, err := s.Accounts.PlatformList(ctx, actorOf(ctx))
			return &platformList{l}, err
		})
	type platformCreate struct{ Body accounts.NewPlatformAccount }
	register(s, huma.Operation{OperationID: "platform-accounts-create", Method: http.MethodPost, Path: "/api/v1/platform/accounts", Summary: "Create an account (operator)", Tags: tags, DefaultStatus: 201}, authOperator,
		func(ctx context.Context, in *platformCreate) (*platformOne, error) {
			a, err := s.Accounts.PlatformCreate(ctx, actorOf(ctx), in.Body)
			return &platformOne{Status: 201, Body: a}, err
		})
	type platformUpdate struct {
		ID   uint64 `path:"id"`
		Body accounts.PlatformUpdate
	}
	register(s, huma.Operation{OperationID: "platform-accounts-update", Method: http.MethodPatch, Path: "/api/v1/platform/accounts/{id}", Summary: "Change an account's name, plan and modules (operator)", Tags: tags}, authOperator,
		func(ctx context.Context, in *platformUpdate) (*platformOne, error) {
			a, err := s.Accounts.PlatformSet(ctx, actorOf(ctx), in.ID, in.Body)
			return &platformOne{Status: 200, Body: a}, err
		})
}
