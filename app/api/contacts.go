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
	contactLabelsPayload struct {
		Payload []string `json:"payload"`
	}
	contactTagsPayload struct {
		Payload []contacts.TagCount `json:"payload"`
	}
	contactMergeBody struct {
		BaseContactID   uint64 `json:"base_contact_id" doc:"the contact that stays"`
		MergeeContactID uint64 `json:"mergee_contact_id" doc:"the contact folded into the base and deleted"`
	}
	contactLabelsBody struct {
		Labels []string `json:"labels" doc:"the whole set: it replaces the contact's tags"`
	}
	contactNoteBody struct {
		Content string `json:"content" doc:"1 to 10000 characters"`
	}
	contactFilterBody struct {
		Payload []contacts.FilterCondition `json:"payload" doc:"conditions joined left to right by each one's query_operator"`
	}
)

// registerContacts adds the contacts routes in Chatwoot's shapes: lists are
// {meta: {count, current_page}, payload: [contact]}, single contacts come as {payload: contact}.
func (s *Server) registerContacts() {
	tags := []string{"Contacts"}
	meta := func() map[string]any { return map[string]any{"module": contacts.Module} }

	type listInput struct {
		AccountID uint64 `path:"account_id"`
		Page      int    `query:"page" minimum:"0" maximum:"1000000" doc:"1-based page of 15 contacts"`
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
		Page      int    `query:"page" minimum:"0" maximum:"1000000" doc:"1-based page of 15 contacts"`
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
	register(s, huma.Operation{OperationID: "contacts-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/contacts/{id}", Summary: "Delete a contact with its conversations, notes and links (administrators)", Tags: tags, Metadata: meta(), DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *itemInput) (*noContent, error) {
			return &noContent{Status: 204}, s.Contacts.Delete(ctx, actorOf(ctx), in.ID)
		})

	type mergeInput struct {
		AccountID uint64 `path:"account_id"`
		Body      contactMergeBody
	}
	register(s, huma.Operation{OperationID: "contacts-merge", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/actions/contact_merge", Summary: "Merge two contacts: the mergee's conversations, deals, orders, notes and tags move to the base", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *mergeInput) (*itemOutput, error) {
			return one(s.Contacts.Merge(ctx, actorOf(ctx), in.Body.BaseContactID, in.Body.MergeeContactID))
		})

	type labelsOutput struct{ Body contactLabelsPayload }
	labels := func(l []string, err error) (*labelsOutput, error) {
		out := &labelsOutput{}
		out.Body.Payload = l
		if out.Body.Payload == nil {
			out.Body.Payload = []string{}
		}
		return out, err
	}
	register(s, huma.Operation{OperationID: "contacts-labels", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/contacts/{id}/labels", Summary: "A contact's tags", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *itemInput) (*labelsOutput, error) {
			return labels(s.Contacts.ContactTags(ctx, actorOf(ctx), in.ID))
		})
	type setLabelsInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      contactLabelsBody
	}
	register(s, huma.Operation{OperationID: "contacts-labels-set", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/contacts/{id}/labels", Summary: "Replace a contact's tags", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *setLabelsInput) (*labelsOutput, error) {
			return labels(s.Contacts.SetTags(ctx, actorOf(ctx), in.ID, in.Body.Labels))
		})
	type tagsOutput struct{ Body contactTagsPayload }
	register(s, huma.Operation{OperationID: "contacts-tags", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/contacts/tags", Summary: "The tags in use on contacts, with how many contacts carry each", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountPath) (*tagsOutput, error) {
			t, err := s.Contacts.Tags(ctx, actorOf(ctx))
			out := &tagsOutput{}
			out.Body.Payload = t
			return out, err
		})

	type notesInput struct {
		AccountID uint64 `path:"account_id"`
		ContactID uint64 `path:"contact_id"`
	}
	type notesOutput struct{ Body []contacts.ContactNoteView }
	register(s, huma.Operation{OperationID: "contact-notes-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/contacts/{contact_id}/notes", Summary: "A contact's notes, newest first", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *notesInput) (*notesOutput, error) {
			n, err := s.Contacts.Notes(ctx, actorOf(ctx), in.ContactID)
			return &notesOutput{n}, err
		})
	type noteCreateInput struct {
		AccountID uint64 `path:"account_id"`
		ContactID uint64 `path:"contact_id"`
		Body      contactNoteBody
	}
	type noteOutput struct {
		Status int
		Body   *contacts.ContactNoteView
	}
	register(s, huma.Operation{OperationID: "contact-notes-create", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/contacts/{contact_id}/notes", Summary: "Write a note on a contact", Tags: tags, Metadata: meta(), DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *noteCreateInput) (*noteOutput, error) {
			n, err := s.Contacts.AddNote(ctx, actorOf(ctx), in.ContactID, in.Body.Content)
			return &noteOutput{Status: 201, Body: n}, err
		})
	type noteItemInput struct {
		AccountID uint64 `path:"account_id"`
		ContactID uint64 `path:"contact_id"`
		ID        uint64 `path:"id"`
	}
	type noteUpdateInput struct {
		AccountID uint64 `path:"account_id"`
		ContactID uint64 `path:"contact_id"`
		ID        uint64 `path:"id"`
		Body      contactNoteBody
	}
	register(s, huma.Operation{OperationID: "contact-notes-update", Method: http.MethodPatch, Path: "/api/v1/accounts/{account_id}/contacts/{contact_id}/notes/{id}", Summary: "Change a note (its author or an administrator)", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *noteUpdateInput) (*noteOutput, error) {
			n, err := s.Contacts.UpdateNote(ctx, actorOf(ctx), in.ContactID, in.ID, in.Body.Content)
			return &noteOutput{Status: 200, Body: n}, err
		})
	register(s, huma.Operation{OperationID: "contact-notes-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/contacts/{contact_id}/notes/{id}", Summary: "Delete a note (its author or an administrator)", Tags: tags, Metadata: meta(), DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *noteItemInput) (*noContent, error) {
			return &noContent{Status: 204}, s.Contacts.DeleteNote(ctx, actorOf(ctx), in.ContactID, in.ID)
		})

	type filterInput struct {
		AccountID uint64 `path:"account_id"`
		Page      int    `query:"page" minimum:"0" maximum:"1000000" doc:"1-based page of 15 contacts"`
		Sort      string `query:"sort" enum:"name,-name,last_activity_at,-last_activity_at" doc:"default -last_activity_at (most recent first)"`
		Body      contactFilterBody
	}
	register(s, huma.Operation{OperationID: "contacts-filter", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/contacts/filter", Summary: "The contacts matching a filter (fields, attributes, tags, dates…), a page at a time", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *filterInput) (*listOutput, error) {
			r, err := s.Contacts.Filter(ctx, actorOf(ctx), in.Body.Payload, in.Page, in.Sort)
			return &listOutput{r}, err
		})
}
