package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/contacts"
)

// Bodies of the companies routes (named so the OpenAPI schema names are distinct).
type (
	companyLinkBody struct {
		ContactIDs []uint64 `json:"contact_ids" doc:"1 to 100 contacts to link"`
	}
	companyMergeBody struct {
		MergeeID uint64 `json:"mergee_id" doc:"the company folded into this one and deleted"`
	}
)

// registerCompanies adds the companies routes (module "companies"): the list in the contacts'
// shape {meta, payload}, single companies as the bare view.
func (s *Server) registerCompanies() {
	tags := []string{"Companies"}
	meta := func() map[string]any { return map[string]any{"module": contacts.CompaniesModule} }
	base := "/api/v1/accounts/{account_id}/companies"

	type listInput struct {
		AccountID uint64 `path:"account_id"`
		Page      int    `query:"page" minimum:"0" maximum:"1000000" doc:"1-based page of 15 companies"`
		Sort      string `query:"sort" enum:"name,-name,created_at,-created_at" doc:"default name"`
		Q         string `query:"q" doc:"search name, domain, description and attributes instead (best match first)"`
	}
	type listOutput struct{ Body *contacts.CompanyList }
	register(s, huma.Operation{OperationID: "companies-list", Method: http.MethodGet, Path: base, Summary: "The account's companies, a page at a time", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *listInput) (*listOutput, error) {
			l, err := s.Contacts.ListCompanies(ctx, actorOf(ctx), in.Page, in.Sort, in.Q)
			return &listOutput{l}, err
		})
	type searchInput struct {
		AccountID uint64 `path:"account_id"`
		Q         string `query:"q"`
		Page      int    `query:"page" minimum:"0" maximum:"1000000"`
	}
	register(s, huma.Operation{OperationID: "companies-search", Method: http.MethodGet, Path: base + "/search", Summary: "Find companies by keyword, best match first", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *searchInput) (*listOutput, error) {
			l, err := s.Contacts.SearchCompanies(ctx, actorOf(ctx), in.Q, in.Page)
			return &listOutput{l}, err
		})

	type itemOutput struct {
		Status int
		Body   *contacts.CompanyView
	}
	type createInput struct {
		AccountID uint64 `path:"account_id"`
		Body      contacts.CompanyInput
	}
	register(s, huma.Operation{OperationID: "companies-create", Method: http.MethodPost, Path: base, Summary: "Create a company; its domain must be unique", Tags: tags, Metadata: meta(), DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *createInput) (*itemOutput, error) {
			c, err := s.Contacts.CreateCompany(ctx, actorOf(ctx), in.Body)
			return &itemOutput{201, c}, err
		})
	type itemInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
	}
	register(s, huma.Operation{OperationID: "companies-get", Method: http.MethodGet, Path: base + "/{id}", Summary: "A company", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *itemInput) (*itemOutput, error) {
			c, err := s.Contacts.GetCompany(ctx, actorOf(ctx), in.ID)
			return &itemOutput{200, c}, err
		})
	type updateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      contacts.CompanyInput
	}
	register(s, huma.Operation{OperationID: "companies-update", Method: http.MethodPatch, Path: base + "/{id}", Summary: "Change a company; a new name reaches its contacts", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *updateInput) (*itemOutput, error) {
			c, err := s.Contacts.UpdateCompany(ctx, actorOf(ctx), in.ID, in.Body)
			return &itemOutput{200, c}, err
		})
	register(s, huma.Operation{OperationID: "companies-delete", Method: http.MethodDelete, Path: base + "/{id}", Summary: "Delete a company; its contacts stay, unlinked", Tags: tags, Metadata: meta(), DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *itemInput) (*noContent, error) {
			return &noContent{Status: 204}, s.Contacts.DeleteCompany(ctx, actorOf(ctx), in.ID)
		})

	type contactsInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Page      int    `query:"page" minimum:"0" maximum:"1000000"`
	}
	register(s, huma.Operation{OperationID: "companies-contacts", Method: http.MethodGet, Path: base + "/{id}/contacts", Summary: "A company's contacts", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *contactsInput) (*struct{ Body *contacts.ContactList }, error) {
			l, err := s.Contacts.CompanyContacts(ctx, actorOf(ctx), in.ID, in.Page)
			return &struct{ Body *contacts.ContactList }{l}, err
		})
	type linkInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      companyLinkBody
	}
	register(s, huma.Operation{OperationID: "companies-contacts-link", Method: http.MethodPost, Path: base + "/{id}/contacts", Summary: "Link contacts to a company", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *linkInput) (*itemOutput, error) {
			c, err := s.Contacts.LinkContacts(ctx, actorOf(ctx), in.ID, in.Body.ContactIDs)
			return &itemOutput{200, c}, err
		})
	type unlinkInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		ContactID uint64 `path:"contact_id"`
	}
	register(s, huma.Operation{OperationID: "companies-contacts-unlink", Method: http.MethodDelete, Path: base + "/{id}/contacts/{contact_id}", Summary: "Take a contact out of a company", Tags: tags, Metadata: meta(), DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *unlinkInput) (*noContent, error) {
			return &noContent{Status: 204}, s.Contacts.UnlinkContact(ctx, actorOf(ctx), in.ID, in.ContactID)
		})
	type mergeInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      companyMergeBody
	}
	register(s, huma.Operation{OperationID: "companies-merge", Method: http.MethodPost, Path: base + "/{id}/merge", Summary: "Merge another company into this one: contacts move, blanks are filled, the other is deleted", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *mergeInput) (*itemOutput, error) {
			c, err := s.Contacts.MergeCompanies(ctx, actorOf(ctx), in.ID, in.Body.MergeeID)
			return &itemOutput{200, c}, err
		})
}
