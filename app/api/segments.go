package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/contacts"
)

// registerSegments adds the routes of contact segments (saved contact filters, per user). They
// live under /segments because /custom_filters already answers for conversation views
// (replies.go); the bodies are Chatwoot's custom filter shapes.
func (s *Server) registerSegments() {
	tags := []string{"Segments"}
	meta := func() map[string]any { return map[string]any{"module": contacts.Module} }
	const base = "/api/v1/accounts/{account_id}/segments"

	type listOutput struct{ Body []contacts.SegmentView }
	register(s, huma.Operation{OperationID: "segments-list", Method: http.MethodGet, Path: base, Summary: "Your saved contact filters", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountPath) (*listOutput, error) {
			l, err := s.Contacts.ListSegments(ctx, actorOf(ctx))
			return &listOutput{l}, err
		})
	type itemOutput struct {
		Status int
		Body   *contacts.SegmentView
	}
	type createInput struct {
		AccountID uint64 `path:"account_id"`
		Body      contacts.SegmentInput
	}
	register(s, huma.Operation{OperationID: "segments-create", Method: http.MethodPost, Path: base, Summary: "Save a contact filter (at most 50 per person)", Tags: tags, Metadata: meta(), DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *createInput) (*itemOutput, error) {
			v, err := s.Contacts.CreateSegment(ctx, actorOf(ctx), in.Body)
			return &itemOutput{Status: 201, Body: v}, err
		})
	register(s, huma.Operation{OperationID: "segments-get", Method: http.MethodGet, Path: base + "/{id}", Summary: "One of your saved contact filters", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*itemOutput, error) {
			v, err := s.Contacts.GetSegment(ctx, actorOf(ctx), in.ID)
			return &itemOutput{Status: 200, Body: v}, err
		})
	type updateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      contacts.SegmentInput
	}
	register(s, huma.Operation{OperationID: "segments-update", Method: http.MethodPatch, Path: base + "/{id}", Summary: "Rename a saved contact filter or replace its conditions", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *updateInput) (*itemOutput, error) {
			v, err := s.Contacts.UpdateSegment(ctx, actorOf(ctx), in.ID, in.Body)
			return &itemOutput{Status: 200, Body: v}, err
		})
	register(s, huma.Operation{OperationID: "segments-delete", Method: http.MethodDelete, Path: base + "/{id}", Summary: "Delete a saved contact filter", Tags: tags, Metadata: meta(), DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Contacts.DeleteSegment(ctx, actorOf(ctx), in.ID)
		})
}
