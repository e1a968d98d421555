package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/contacts"
)

// registerAttributes adds Chatwoot's custom attribute definition routes: anyone who sees
// contacts reads them (side panels, filters, imports need them); administrators change them.
func (s *Server) registerAttributes() {
	tags := []string{"Custom attributes"}
	const base = "/api/v1/accounts/{account_id}/custom_attribute_definitions"

	type listInput struct {
		AccountID uint64 `path:"account_id"`
		Model     string `query:"attribute_model" doc:"contact_attribute, conversation_attribute, company_attribute, deal_attribute (or Chatwoot's 0 = conversation, 1 = contact); all when omitted"`
	}
	type listOutput struct {
		Body []contacts.AttributeDefinitionView
	}
	register(s, huma.Operation{OperationID: "attribute-definitions-list", Method: http.MethodGet, Path: base, Summary: "The account's custom attribute definitions", Tags: tags}, authAccount,
		func(ctx context.Context, in *listInput) (*listOutput, error) {
			l, err := s.Contacts.ListAttributeDefinitions(ctx, actorOf(ctx), in.Model)
			return &listOutput{l}, err
		})

	type itemOutput struct {
		Status int
		Body   *contacts.AttributeDefinitionView
	}
	type createInput struct {
		AccountID uint64 `path:"account_id"`
		Body      contacts.AttributeDefinitionInput
	}
	register(s, huma.Operation{OperationID: "attribute-definitions-create", Method: http.MethodPost, Path: base, Summary: "Define a custom attribute (administrators); the key comes from the name when omitted", Tags: tags, DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *createInput) (*itemOutput, error) {
			d, err := s.Contacts.CreateAttributeDefinition(ctx, actorOf(ctx), in.Body)
			return &itemOutput{Status: 201, Body: d}, err
		})
	register(s, huma.Operation{OperationID: "attribute-definitions-get", Method: http.MethodGet, Path: base + "/{id}", Summary: "A custom attribute definition", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*itemOutput, error) {
			d, err := s.Contacts.GetAttributeDefinition(ctx, actorOf(ctx), in.ID)
			return &itemOutput{Status: 200, Body: d}, err
		})
	type updateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      contacts.AttributeDefinitionInput
	}
	register(s, huma.Operation{OperationID: "attribute-definitions-update", Method: http.MethodPatch, Path: base + "/{id}", Summary: "Change a definition (administrators); model and key never change", Tags: tags}, authAccount,
		func(ctx context.Context, in *updateInput) (*itemOutput, error) {
			d, err := s.Contacts.UpdateAttributeDefinition(ctx, actorOf(ctx), in.ID, in.Body)
			return &itemOutput{Status: 200, Body: d}, err
		})
	register(s, huma.Operation{OperationID: "attribute-definitions-delete", Method: http.MethodDelete, Path: base + "/{id}", Summary: "Delete a definition (administrators); stored values stay", Tags: tags, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Contacts.DeleteAttributeDefinition(ctx, actorOf(ctx), in.ID)
		})
}
