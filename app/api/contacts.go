package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/contacts"
)

// Bodies of the contacts routes. They are named types so the OpenAPI schema names are
// distinct (an anonymous body is named after its wrapper, and huma panics on a duplicate).
type (
	contactPayload struct {
		Payload *contacts.ContactView `json:"payload"`
	}
	contactCreatedPayload struct {
		Payload *contacts.CreatedContact `json:"payload"`
	}
)

// registerContacts adds the contacts routes in Chatwoot's shapes: lists are
// {meta: {count, current_page}, payload: [contact]}, single contacts come as {payload: contact}.
func (s *Server) registerContacts() {
	tags := []string{"Contacts"}
	meta := func() map[string]any { return map[string]any{"module": contacts.Module} }

	type listInput struct {
		AccountID uint64 `path:"account_id"`
		Page      int    `query:"page" doc:"1-based page of 15 contacts"`
		Sort      string `query:"sort" enum:"name,-name,last_activity_at,-last_activity_at" doc:"default -last_activity_at (most recent first)"`
	}
	type listOutput struct{ Body *contacts.ContactList }
	register(s, huma.Operation{OperationID: "contacts-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/contacts", Summary: "The account's contacts, a page at a time", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *listInput) (*listOutput, error) {
			r, err := s.Contacts.List(ctx, actorOf(ctx), in.Page, in.Sort)
			return &listOutput{r}, err
		})

	type searchInput struct {
		AccountID uint64 `path:"account_id"`
		Q         string `query:"q" doc:"name, email, phone, identifier or company; the last word matches as a prefix"`
		Page      int    `query:"page" doc:"1-based page of 15 contacts"`
	}
	register(s, huma.Operation{OperationID: "contacts-search", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/contacts/search", Summary: "Find contacts by keyword, best match first", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *searchInput) (*listOutput, error) {
			r, err := s.Contacts.Search(ctx, actorOf(ctx), in.Q, in.Page)
			return &listOutput{r}, err
		})

	type createInput struct {
		AccountID uint64 `path:"account_id"`
		Body      contacts.NewContact
	}
	type createOutput struct {
		Status int
		Body   contactCreatedPayload
	}
	register(s, huma.Operation{OperationID: "contacts-create", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/contacts", Summary: "Create a contact, optionally with its identity in an inbox (inbox_id, source_id)", Tags: tags, Metadata: meta(), DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *createInput) (*createOutput, error) {
			c, err := s.Contacts.Create(ctx, actorOf(ctx), in.Body)
			out := &createOutput{Status: 201}
			out.Body.Payload = c
			return out, err
		})

	type itemInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
	}
	type itemOutput struct{ Body contactPayload }
	one := func(c *contacts.ContactView, err error) (*itemOutput, error) {
		out := &itemOutput{}
		out.Body.Payload = c
		return out, err
	}
	register(s, huma.Operation{OperationID: "contacts-get", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/contacts/{id}", Summary: "A contact", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *itemInput) (*itemOutput, error) {
			return one(s.Contacts.Get(ctx, actorOf(ctx), in.ID))
		})

	type updateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      contacts.ContactInput
	}
	for _, m := range []struct{ method, id string }{{http.MethodPut, "contacts-update"}, {http.MethodPatch, "contacts-patch"}} {
		register(s, huma.Operation{OperationID: m.id, Method: m.method, Path: "/api/v1/accounts/{account_id}/contacts/{id}", Summary: "Change a contact; fields left out stay as they are, attributes are merged", Tags: tags, Metadata: meta()}, authAccount,
			func(ctx context.Context, in *updateInput) (*itemOutput, error) {
				return one(s.Contacts.Update(ctx, actorOf(ctx), in.ID, in.Body))
			})
	}
}
