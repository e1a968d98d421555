package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/catalog"
)

type (
	productListOutput struct{ Body *catalog.ProductList }
	productOutput     struct {
		Status int
		Body   *catalog.ProductView
	}
	productDeletedOutput struct{ Body struct{} }
)

// registerCatalog adds the catalog routes (module "catalog": reading needs catalog View,
// writing catalog Manage).
func (s *Server) registerCatalog() {
	tags := []string{"Catalog"}
	meta := func() map[string]any { return map[string]any{"module": catalog.Module} }
	base := "/api/v1/accounts/{account_id}/catalog/products"
	type listInput struct {
		AccountID uint64 `path:"account_id"`
		Q         string `query:"q" doc:"Keep products whose name or SKU contains this text"`
		Active    string `query:"active" doc:"Only active (true) or archived (false) products"`
		Page      int    `query:"page" minimum:"0" maximum:"1000000" doc:"1-based page of 25, by name"`
	}
	register(s, huma.Operation{OperationID: "catalog-products-list", Method: http.MethodGet, Path: base, Summary: "The account's products and services",
		Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *listInput) (*productListOutput, error) {
			var active *bool
			switch in.Active {
			case "true", "false":
				v := in.Active == "true"
				active = &v
			case "":
			default:
				return nil, apperr.Field("active", "must be true or false")
			}
			l, err := s.Catalog.List(ctx, actorOf(ctx), in.Q, active, in.Page)
			return &productListOutput{l}, err
		})
	type createInput struct {
		AccountID uint64 `path:"account_id"`
		Body      catalog.ProductInput
	}
	register(s, huma.Operation{OperationID: "catalog-products-create", Method: http.MethodPost, Path: base,
		Summary: "Add a product (currency defaults to the account's; a SKU is unique)", Tags: tags, Metadata: meta(), DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *createInput) (*productOutput, error) {
			p, err := s.Catalog.Create(ctx, actorOf(ctx), in.Body)
			return &productOutput{Status: http.StatusCreated, Body: p}, err
		})
	register(s, huma.Operation{OperationID: "catalog-products-get", Method: http.MethodGet, Path: base + "/{id}", Summary: "A product", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*productOutput, error) {
			p, err := s.Catalog.Get(ctx, actorOf(ctx), in.ID)
			return &productOutput{Status: http.StatusOK, Body: p}, err
		})
	type updateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      catalog.ProductInput
	}
	register(s, huma.Operation{OperationID: "catalog-products-update", Method: http.MethodPatch, Path: base + "/{id}",
		Summary: "Change a product (deals keep the name and price they copied)", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *updateInput) (*productOutput, error) {
			p, err := s.Catalog.Update(ctx, actorOf(ctx), in.ID, in.Body)
			return &productOutput{Status: http.StatusOK, Body: p}, err
		})
	register(s, huma.Operation{OperationID: "catalog-products-delete", Method: http.MethodDelete, Path: base + "/{id}",
		Summary: "Delete a product (archive it instead to keep it out of new line items but listed)", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*productDeletedOutput, error) {
			return &productDeletedOutput{}, s.Catalog.Delete(ctx, actorOf(ctx), in.ID)
		})
}
