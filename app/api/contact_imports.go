package api

import (
	"bytes"
	"context"
	"mime"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/contacts"
)

// contactImportStartBody is the mapping that starts an import (named for the OpenAPI schema).
type contactImportStartBody struct {
	Mapping []contacts.ImportColumn `json:"mapping" doc:"target per column: name, email, phone_number, identifier, city, country, company_name, tags, attr:<key>, or empty to skip"`
}

// contactExportBody narrows an export to the contacts matching a filter (named for the
// OpenAPI schema).
type contactExportBody struct {
	Payload []contacts.FilterCondition `json:"payload,omitempty" required:"false" doc:"filter conditions as in contacts/filter; none exports every contact"`
}

// csvFile is a CSV download answered whole (small files: the template, an import's errors).
type csvFile struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func newCSVFile(name string, b []byte) *csvFile {
	return &csvFile{ContentType: "text/csv; charset=utf-8", ContentDisposition: mime.FormatMediaType("attachment", map[string]string{"filename": name}), Body: b}
}

// registerContactImports adds CSV import and export of contacts: upload, preview and mapping,
// a background run whose progress the import record (and the change feed) shows, the bad rows
// as a CSV, the sample template and the export.
func (s *Server) registerContactImports() {
	tags := []string{"Contact imports"}
	meta := func() map[string]any { return map[string]any{"module": contacts.Module} }
	base := "/api/v1/accounts/{account_id}/contacts"
	// Imports live beside contacts, not under them: /contacts/imports/{id} would clash with
	// /contacts/{id}/labels in the router (neither pattern is more specific).
	imports := "/api/v1/accounts/{account_id}/contact_imports"

	register(s, huma.Operation{OperationID: "contacts-import-template", Method: http.MethodGet, Path: base + "/import_template.csv", Summary: "The sample CSV file: the standard columns, every contact attribute key and two sample rows", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountPath) (*csvFile, error) {
			var buf bytes.Buffer
			err := s.Contacts.ImportTemplate(ctx, actorOf(ctx), &buf)
			return newCSVFile("modelo-contatos.csv", buf.Bytes()), err
		})

	type uploadInput struct {
		AccountID uint64 `path:"account_id"`
		RawBody   huma.MultipartFormFiles[struct {
			File huma.FormFile `form:"file" required:"true" doc:"the CSV file (UTF-8, with or without BOM, or Latin-1; comma, semicolon or tab separated), at most 50 MB"`
		}]
	}
	type importOutput struct {
		Status int
		Body   *contacts.ContactImportView
	}
	upload := huma.Operation{OperationID: "contacts-imports-create", Method: http.MethodPost, Path: imports, Summary: "Upload a CSV file to import: answers its preview and a suggested mapping; nothing is imported until start", Tags: tags, Metadata: meta(), DefaultStatus: 201}
	upload.MaxBodyBytes = contacts.MaxImportSize + 1<<20
	register(s, upload, authAccount, func(ctx context.Context, in *uploadInput) (*importOutput, error) {
		f := in.RawBody.Data().File
		v, err := s.Contacts.Upload(ctx, actorOf(ctx), f.Filename, f)
		return &importOutput{Status: 201, Body: v}, err
	})

	register(s, huma.Operation{OperationID: "contacts-imports-list", Method: http.MethodGet, Path: imports, Summary: "The account's 20 latest imports, newest first", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *accountPath) (*struct{ Body *contacts.ImportList }, error) {
			l, err := s.Contacts.ListImports(ctx, actorOf(ctx))
			return &struct{ Body *contacts.ImportList }{l}, err
		})

	type itemInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
	}
	register(s, huma.Operation{OperationID: "contacts-imports-get", Method: http.MethodGet, Path: imports + "/{id}", Summary: "An import with its progress", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *itemInput) (*importOutput, error) {
			v, err := s.Contacts.GetImport(ctx, actorOf(ctx), in.ID)
			return &importOutput{Status: 200, Body: v}, err
		})

	type startInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      contactImportStartBody
	}
	register(s, huma.Operation{OperationID: "contacts-imports-start", Method: http.MethodPost, Path: imports + "/{id}/start", Summary: "Start an uploaded import with a column mapping; it runs in the background", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *startInput) (*importOutput, error) {
			v, err := s.Contacts.StartImport(ctx, actorOf(ctx), in.ID, in.Body.Mapping)
			return &importOutput{Status: 200, Body: v}, err
		})

	register(s, huma.Operation{OperationID: "contacts-imports-errors", Method: http.MethodGet, Path: imports + "/{id}/errors.csv", Summary: "The rows that were not imported: line, reason and the row as it was", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *itemInput) (*csvFile, error) {
			var buf bytes.Buffer
			err := s.Contacts.ImportErrorsCSV(ctx, actorOf(ctx), in.ID, &buf)
			return newCSVFile("erros-importacao.csv", buf.Bytes()), err
		})

	type exportInput struct {
		AccountID uint64 `path:"account_id"`
		Tag       string `query:"tag" doc:"only contacts with this tag"`
	}
	register(s, huma.Operation{OperationID: "contacts-export", Method: http.MethodGet, Path: base + "/export.csv", Summary: "The contacts you may see as CSV (the import template's columns, with id and created_at)", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *exportInput) (*huma.StreamResponse, error) {
			actor := actorOf(ctx)
			// Refused before the stream starts: once it has, the status is sent.
			if err := actor.Require(contacts.Module, access.Manage); err != nil {
				return nil, err
			}
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				hc.SetHeader("Content-Type", "text/csv; charset=utf-8")
				hc.SetHeader("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "contatos.csv"}))
				hc.SetStatus(http.StatusOK)
				if err := s.Contacts.Export(ctx, actor, hc.BodyWriter(), contacts.ExportOptions{Tag: in.Tag}); err != nil {
					s.Logger.Warn("contacts export cut short", "account", actor.AccountID, "err", err)
				}
			}}, nil
		})

	type filteredExportInput struct {
		AccountID uint64 `path:"account_id"`
		Body      *contactExportBody
	}
	register(s, huma.Operation{OperationID: "contacts-export-filtered", Method: http.MethodPost, Path: base + "/export", Summary: "The contacts you may see that match a filter, as CSV (the columns of export.csv)", Tags: tags, Metadata: meta()}, authAccount,
		func(ctx context.Context, in *filteredExportInput) (*huma.StreamResponse, error) {
			actor := actorOf(ctx)
			// Checked before the stream starts: once it has, the status is sent.
			var conds []contacts.FilterCondition
			if in.Body != nil {
				conds = in.Body.Payload
			}
			opts, err := s.Contacts.FilterExport(ctx, actor, conds)
			if err != nil {
				return nil, err
			}
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				hc.SetHeader("Content-Type", "text/csv; charset=utf-8")
				hc.SetHeader("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "contatos.csv"}))
				hc.SetStatus(http.StatusOK)
				if err := s.Contacts.Export(ctx, actor, hc.BodyWriter(), opts); err != nil {
					s.Logger.Warn("contacts export cut short", "account", actor.AccountID, "err", err)
				}
			}}, nil
		})
}
