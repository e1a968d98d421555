package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/crm"
)

type (
	orderListOutput struct{ Body *crm.OrderList }
	orderOutput     struct {
		Status int
		Body   *crm.OrderView
	}
	orderDeletedOutput struct{ Body struct{} }
)

// ordersDoc is repeated on the writing operations: the registry records, it never charges.
const ordersDoc = "The orders registry is a log of what a contact bought: Parley charges nothing and moves no money here. " +
	"An order sent again with the same source and external_id updates the recorded order (answer 200) instead of adding another (201)."

// registerOrders adds the orders registry routes (module "orders", off by default; reading
// needs orders View, writing orders Manage).
func (s *Server) registerOrders() {
	tags := []string{"Orders"}
	meta := func() map[string]any { return map[string]any{"module": crm.OrdersModule} }
	base := "/api/v1/accounts/{account_id}/orders"
	type listInput struct {
		AccountID uint64 `path:"account_id"`
		ContactID uint64 `query:"contact_id" doc:"Only this contact's orders"`
		DealID    uint64 `query:"deal_id" doc:"Only this deal's orders"`
		Status    string `query:"status" doc:"pending, paid, partially_paid, overdue, refunded, canceled or failed"`
		Source    string `query:"source" doc:"manual, webhook, api, payments or commerce"`
		Page      int    `query:"page" minimum:"0" maximum:"1000000" doc:"1-based page of 25, newest ordered_at first"`
	}
	register(s, huma.Operation{OperationID: "orders-list", Method: http.MethodGet, Path: base, Summary: "Orders you can see, newest first",
		Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *listInput) (*orderListOutput, error) {
			l, err := s.CRM.ListOrders(ctx, actorOf(ctx), crm.OrderFilter{ContactID: in.ContactID, DealID: in.DealID, Status: in.Status, Source: in.Source, Page: in.Page})
			return &orderListOutput{l}, err
		})
	type createInput struct {
		AccountID uint64 `path:"account_id"`
		Body      crm.OrderInput
	}
	register(s, huma.Operation{OperationID: "orders-create", Method: http.MethodPost, Path: base, Summary: "Record an order (or update the one with the same source and external_id)",
		Description: ordersDoc, Tags: tags, Metadata: meta(), DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *createInput) (*orderOutput, error) {
			o, created, err := s.CRM.CreateOrder(ctx, actorOf(ctx), in.Body)
			status := http.StatusOK
			if created {
				status = http.StatusCreated
			}
			return &orderOutput{Status: status, Body: o}, err
		})
	register(s, huma.Operation{OperationID: "orders-get", Method: http.MethodGet, Path: base + "/{id}", Summary: "An order", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*orderOutput, error) {
			o, err := s.CRM.GetOrder(ctx, actorOf(ctx), in.ID)
			return &orderOutput{Status: http.StatusOK, Body: o}, err
		})
	type updateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.OrderInput
	}
	register(s, huma.Operation{OperationID: "orders-update", Method: http.MethodPatch, Path: base + "/{id}", Summary: "Change an order",
		Description: ordersDoc, Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *updateInput) (*orderOutput, error) {
			o, err := s.CRM.UpdateOrder(ctx, actorOf(ctx), in.ID, in.Body)
			return &orderOutput{Status: http.StatusOK, Body: o}, err
		})
	register(s, huma.Operation{OperationID: "orders-delete", Method: http.MethodDelete, Path: base + "/{id}", Summary: "Delete an order", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*orderDeletedOutput, error) {
			return &orderDeletedOutput{}, s.CRM.DeleteOrder(ctx, actorOf(ctx), in.ID)
		})
}
