package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/inboxes"
)

// Bodies of the inbox routes, named so their OpenAPI schema names are distinct.
type (
	inboxListPayload struct {
		Payload []inboxes.InboxView `json:"payload"`
	}
	inboxMembersPayload struct {
		Payload []accounts.Agent `json:"payload"`
	}
	inboxMembersInput struct {
		InboxID uint64   `json:"inbox_id"`
		UserIDs []uint64 `json:"user_ids"`
	}
)

// registerInboxes adds the inbox settings routes in Chatwoot's shapes. Inboxes are settings, on
// in every account (no module switch): members read the inboxes they work in, administrators
// read and change all.
func (s *Server) registerInboxes() {
	tags := []string{"Inboxes"}

	type listInput struct {
		AccountID uint64 `path:"account_id"`
	}
	type listOutput struct{ Body inboxListPayload }
	register(s, huma.Operation{OperationID: "inboxes-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/inboxes", Summary: "The inboxes you work in (all of them for administrators)", Tags: tags}, authAccount,
		func(ctx context.Context, in *listInput) (*listOutput, error) {
			l, err := s.Inboxes.List(ctx, actorOf(ctx))
			out := &listOutput{}
			out.Body.Payload = l
			return out, err
		})

	type itemInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
	}
	type itemOutput struct {
		Status int
		Body   *inboxes.InboxView
	}
	register(s, huma.Operation{OperationID: "inboxes-get", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/inboxes/{id}", Summary: "An inbox", Tags: tags}, authAccount,
		func(ctx context.Context, in *itemInput) (*itemOutput, error) {
			v, err := s.Inboxes.Get(ctx, actorOf(ctx), in.ID)
			return &itemOutput{Status: 200, Body: v}, err
		})

	type createInput struct {
		AccountID uint64 `path:"account_id"`
		Body      inboxes.InboxInput
	}
	register(s, huma.Operation{OperationID: "inboxes-create", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/inboxes", Summary: "Create an inbox (administrators; API inboxes in this release)", Tags: tags, DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *createInput) (*itemOutput, error) {
			v, err := s.Inboxes.Create(ctx, actorOf(ctx), in.Body)
			return &itemOutput{Status: 201, Body: v}, err
		})

	type updateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      inboxes.InboxInput
	}
	register(s, huma.Operation{OperationID: "inboxes-update", Method: http.MethodPatch, Path: "/api/v1/accounts/{account_id}/inboxes/{id}", Summary: "Change an inbox's settings (administrators); fields left out stay as they are", Tags: tags}, authAccount,
		func(ctx context.Context, in *updateInput) (*itemOutput, error) {
			v, err := s.Inboxes.Update(ctx, actorOf(ctx), in.ID, in.Body)
			return &itemOutput{Status: 200, Body: v}, err
		})
	register(s, huma.Operation{OperationID: "inboxes-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/inboxes/{id}", Summary: "Delete an inbox without conversations (administrators); disable one that has them", Tags: tags, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *itemInput) (*noContent, error) {
			return &noContent{Status: 204}, s.Inboxes.Delete(ctx, actorOf(ctx), in.ID)
		})

	type membersOutput struct{ Body inboxMembersPayload }
	members := func(a []accounts.Agent, err error) (*membersOutput, error) {
		out := &membersOutput{}
		out.Body.Payload = a
		return out, err
	}
	type membersInput struct {
		AccountID uint64 `path:"account_id"`
		InboxID   uint64 `path:"inbox_id"`
	}
	register(s, huma.Operation{OperationID: "inbox-members-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/inbox_members/{inbox_id}", Summary: "The agents who work an inbox", Tags: tags}, authAccount,
		func(ctx context.Context, in *membersInput) (*membersOutput, error) {
			return members(s.Inboxes.Members(ctx, actorOf(ctx), in.InboxID))
		})
	type setMembersInput struct {
		AccountID uint64 `path:"account_id"`
		Body      inboxMembersInput
	}
	for _, m := range []struct{ method, id string }{{http.MethodPost, "inbox-members-set"}, {http.MethodPatch, "inbox-members-update"}} {
		register(s, huma.Operation{OperationID: m.id, Method: m.method, Path: "/api/v1/accounts/{account_id}/inbox_members", Summary: "Replace the agents who work an inbox (administrators)", Tags: tags}, authAccount,
			func(ctx context.Context, in *setMembersInput) (*membersOutput, error) {
				return members(s.Inboxes.SetMembers(ctx, actorOf(ctx), in.Body.InboxID, in.Body.UserIDs))
			})
	}
}
