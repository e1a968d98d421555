package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/crm"
)

type (
	objectTypeListOutput struct{ Body *crm.ObjectTypeList }
	objectTypeOutput     struct {
		Status int
		Body   *crm.ObjectTypeView
	}
	objectRecordListOutput struct{ Body *crm.ObjectRecordList }
	objectRecordOutput     struct {
		Status int
		Body   *crm.ObjectRecordView
	}
	associationListOutput struct{ Body *crm.AssociationList }
	associationOutput     struct {
		Status int
		Body   *crm.AssociationView
	}
	objectGroupsOutput  struct{ Body *crm.ObjectGroups }
	objectDeletedOutput struct{ Body struct{} }
)

// registerCustomObjects adds the custom objects routes (module "custom_objects", off by
// default): types and records need custom_objects Manage, reading View; associating needs
// contacts Manage (contact) or crm Manage (deal) on top of custom_objects View.
func (s *Server) registerCustomObjects() {
	tags := []string{"Custom objects"}
	meta := func() map[string]any { return map[string]any{"module": crm.ObjectsModule} }
	acct := "/api/v1/accounts/{account_id}"
	types := acct + "/custom_objects/types"
	records := acct + "/custom_objects/records"

	register(s, huma.Operation{OperationID: "custom-object-types-list", Method: http.MethodGet, Path: types, Summary: "Custom object types, by name, with their record counts",
		Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountPath) (*objectTypeListOutput, error) {
			l, err := s.CRM.ListObjectTypes(ctx, actorOf(ctx))
			return &objectTypeListOutput{l}, err
		})
	type typeCreateInput struct {
		AccountID uint64 `path:"account_id"`
		Body      crm.ObjectTypeInput
	}
	register(s, huma.Operation{OperationID: "custom-object-types-create", Method: http.MethodPost, Path: types, Summary: "Define a custom object type",
		Tags: tags, Metadata: meta(), DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *typeCreateInput) (*objectTypeOutput, error) {
			t, err := s.CRM.CreateObjectType(ctx, actorOf(ctx), in.Body)
			return &objectTypeOutput{Status: http.StatusCreated, Body: t}, err
		})
	register(s, huma.Operation{OperationID: "custom-object-types-get", Method: http.MethodGet, Path: types + "/{id}", Summary: "A custom object type", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*objectTypeOutput, error) {
			t, err := s.CRM.GetObjectType(ctx, actorOf(ctx), in.ID)
			return &objectTypeOutput{Status: http.StatusOK, Body: t}, err
		})
	type typeUpdateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.ObjectTypeInput
	}
	register(s, huma.Operation{OperationID: "custom-object-types-update", Method: http.MethodPatch, Path: types + "/{id}",
		Summary: "Change a custom object type (fields, when sent, replace the list; stored values are kept)", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *typeUpdateInput) (*objectTypeOutput, error) {
			t, err := s.CRM.UpdateObjectType(ctx, actorOf(ctx), in.ID, in.Body)
			return &objectTypeOutput{Status: http.StatusOK, Body: t}, err
		})
	register(s, huma.Operation{OperationID: "custom-object-types-delete", Method: http.MethodDelete, Path: types + "/{id}",
		Summary: "Delete a custom object type that has no records", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*objectDeletedOutput, error) {
			return &objectDeletedOutput{}, s.CRM.DeleteObjectType(ctx, actorOf(ctx), in.ID)
		})

	type recordsInput struct {
		AccountID uint64 `path:"account_id"`
		TypeID    uint64 `path:"type_id"`
		Q         string `query:"q" doc:"Keep records whose display name or external id contains this text"`
		Page      int    `query:"page" minimum:"0" maximum:"1000000" doc:"1-based page of 25, newest first"`
	}
	register(s, huma.Operation{OperationID: "custom-object-records-list", Method: http.MethodGet, Path: types + "/{type_id}/records", Summary: "A type's records",
		Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *recordsInput) (*objectRecordListOutput, error) {
			l, err := s.CRM.ListObjectRecords(ctx, actorOf(ctx), in.TypeID, in.Q, in.Page)
			return &objectRecordListOutput{l}, err
		})
	type recordCreateInput struct {
		AccountID uint64 `path:"account_id"`
		TypeID    uint64 `path:"type_id"`
		Body      crm.ObjectRecordInput
	}
	register(s, huma.Operation{OperationID: "custom-object-records-create", Method: http.MethodPost, Path: types + "/{type_id}/records",
		Summary:     "Add a record (or update the type's record with the same external_id: answer 200)",
		Description: "Values are keyed by field key and checked by field type: number and currency as numbers, date as YYYY-MM-DD, boolean, list as one of the options, link as an http(s) URL.",
		Tags:        tags, Metadata: meta(), DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *recordCreateInput) (*objectRecordOutput, error) {
			r, created, err := s.CRM.CreateObjectRecord(ctx, actorOf(ctx), in.TypeID, in.Body)
			status := http.StatusOK
			if created {
				status = http.StatusCreated
			}
			return &objectRecordOutput{Status: status, Body: r}, err
		})
	register(s, huma.Operation{OperationID: "custom-object-records-get", Method: http.MethodGet, Path: records + "/{id}", Summary: "A custom object record", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*objectRecordOutput, error) {
			r, err := s.CRM.GetObjectRecord(ctx, actorOf(ctx), in.ID)
			return &objectRecordOutput{Status: http.StatusOK, Body: r}, err
		})
	type recordUpdateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.ObjectRecordInput
	}
	register(s, huma.Operation{OperationID: "custom-object-records-update", Method: http.MethodPatch, Path: records + "/{id}",
		Summary: "Change a record's values (merged; null removes one)", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *recordUpdateInput) (*objectRecordOutput, error) {
			r, err := s.CRM.UpdateObjectRecord(ctx, actorOf(ctx), in.ID, in.Body)
			return &objectRecordOutput{Status: http.StatusOK, Body: r}, err
		})
	register(s, huma.Operation{OperationID: "custom-object-records-delete", Method: http.MethodDelete, Path: records + "/{id}",
		Summary: "Delete a record and its associations", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*objectDeletedOutput, error) {
			return &objectDeletedOutput{}, s.CRM.DeleteObjectRecord(ctx, actorOf(ctx), in.ID)
		})

	register(s, huma.Operation{OperationID: "custom-object-associations-list", Method: http.MethodGet, Path: records + "/{id}/associations",
		Summary: "The contacts and deals a record is associated with", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*associationListOutput, error) {
			l, err := s.CRM.ListAssociations(ctx, actorOf(ctx), in.ID)
			return &associationListOutput{l}, err
		})
	type associateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.AssociationInput
	}
	register(s, huma.Operation{OperationID: "custom-object-associations-create", Method: http.MethodPost, Path: records + "/{id}/associations",
		Summary: "Associate a record with a contact or a deal (once per pair)", Tags: tags, Metadata: meta(), DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *associateInput) (*associationOutput, error) {
			a, err := s.CRM.Associate(ctx, actorOf(ctx), in.ID, in.Body)
			return &associationOutput{Status: http.StatusCreated, Body: a}, err
		})
	register(s, huma.Operation{OperationID: "custom-object-associations-delete", Method: http.MethodDelete, Path: acct + "/custom_objects/associations/{id}",
		Summary: "Remove an association", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*objectDeletedOutput, error) {
			return &objectDeletedOutput{}, s.CRM.Dissociate(ctx, actorOf(ctx), in.ID)
		})

	register(s, huma.Operation{OperationID: "contact-custom-objects", Method: http.MethodGet, Path: acct + "/contacts/{id}/custom_objects",
		Summary: "A contact's custom object records, grouped by type", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*objectGroupsOutput, error) {
			g, err := s.CRM.AssociatedObjects(ctx, actorOf(ctx), crm.TargetContact, in.ID)
			return &objectGroupsOutput{g}, err
		})
	register(s, huma.Operation{OperationID: "deal-custom-objects", Method: http.MethodGet, Path: acct + "/deals/{id}/custom_objects",
		Summary: "A deal's custom object records, grouped by type", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*objectGroupsOutput, error) {
			g, err := s.CRM.AssociatedObjects(ctx, actorOf(ctx), crm.TargetDeal, in.ID)
			return &objectGroupsOutput{g}, err
		})
}
