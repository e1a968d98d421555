package api

import (
	"context"
	"mime"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/parleyhq/parley/app/crm"
)

// Bodies of the CRM routes, named so the OpenAPI schema names are distinct.
type (
	pipelinesPayload struct {
		Payload []crm.PipelineView `json:"payload"`
	}
	templatesPayload struct {
		Payload []crm.Template `json:"payload"`
	}
	historyPayload struct {
		Payload []crm.DealHistoryView `json:"payload"`
	}
	notesPayload struct {
		Payload []crm.DealNoteView `json:"payload"`
	}
	dealAttachmentsPayload struct {
		Payload []crm.DealAttachmentView `json:"payload"`
	}
	checklistPayload struct {
		Payload []crm.DealChecklistView `json:"payload"`
	}
	lineItemsPayload struct {
		Payload []crm.LineItemView `json:"payload"`
	}
	savedViewsPayload struct {
		Payload []crm.SavedViewView `json:"payload"`
	}
)

// dealUploadLimit is the most a deal attachment upload may send: the file and its framing.
const dealUploadLimit = crm.MaxAttachment + 64<<10

// registerCRM adds the routes of pipelines, the board, deals and their parts. Reads need CRM
// view access, writes CRM management (checked in the service).
func (s *Server) registerCRM() {
	tags := []string{"CRM"}
	base := "/api/v1/accounts/{account_id}"
	op := func(id, method, path, summary string) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: base + path, Summary: summary, Tags: tags, Metadata: map[string]any{"module": crm.Module}}
		if method == http.MethodPost && path != "/deals/{id}/move" && path != "/deals/{id}/won" && path != "/deals/{id}/lost" && path != "/deals/{id}/reopen" {
			o.DefaultStatus = http.StatusCreated
		}
		if method == http.MethodDelete {
			o.DefaultStatus = http.StatusNoContent
		}
		return o
	}
	type accountIn struct {
		AccountID uint64 `path:"account_id"`
	}
	type idIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
	}
	type partIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		PartID    uint64 `path:"part_id"`
	}
	type noContent struct{}

	// Pipelines.
	type pipelinesOut struct{ Body pipelinesPayload }
	register(s, op("pipelines-list", http.MethodGet, "/pipelines", "The account's pipelines with their stages"), authAccount,
		func(ctx context.Context, in *accountIn) (*pipelinesOut, error) {
			r, err := s.CRM.ListPipelines(ctx, actorOf(ctx))
			return &pipelinesOut{pipelinesPayload{r}}, err
		})
	type templatesOut struct{ Body templatesPayload }
	register(s, op("pipelines-templates", http.MethodGet, "/pipelines/templates", "Ready-made pipelines by kind of business, in the account's language"), authAccount,
		func(ctx context.Context, in *accountIn) (*templatesOut, error) {
			r, err := s.CRM.PipelineTemplates(ctx, actorOf(ctx))
			return &templatesOut{templatesPayload{r}}, err
		})
	type pipelineOut struct{ Body *crm.PipelineView }
	type pipelineIn struct {
		AccountID uint64 `path:"account_id"`
		Body      crm.PipelineInput
	}
	register(s, op("pipelines-create", http.MethodPost, "/pipelines", "Create a pipeline from a template or from stages"), authAccount,
		func(ctx context.Context, in *pipelineIn) (*pipelineOut, error) {
			r, err := s.CRM.CreatePipeline(ctx, actorOf(ctx), in.Body)
			return &pipelineOut{r}, err
		})
	type pipelineUpdateIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.PipelineInput
	}
	register(s, op("pipelines-get", http.MethodGet, "/pipelines/{id}", "A pipeline"), authAccount,
		func(ctx context.Context, in *idIn) (*pipelineOut, error) {
			r, err := s.CRM.GetPipeline(ctx, actorOf(ctx), in.ID)
			return &pipelineOut{r}, err
		})
	register(s, op("pipelines-update", http.MethodPatch, "/pipelines/{id}", "Rename a pipeline or change its stages (the full ordered list)"), authAccount,
		func(ctx context.Context, in *pipelineUpdateIn) (*pipelineOut, error) {
			r, err := s.CRM.UpdatePipeline(ctx, actorOf(ctx), in.ID, in.Body)
			return &pipelineOut{r}, err
		})
	register(s, op("pipelines-delete", http.MethodDelete, "/pipelines/{id}", "Delete a pipeline without deals"), authAccount,
		func(ctx context.Context, in *idIn) (*noContent, error) {
			return &noContent{}, s.CRM.DeletePipeline(ctx, actorOf(ctx), in.ID)
		})

	type DealFiltersQuery struct {
		OwnerID   uint64 `query:"owner_id"`
		Priority  string `query:"priority"`
		Q         string `query:"q"`
		TeamID    uint64 `query:"team_id"`
		ContactID uint64 `query:"contact_id"`
		CompanyID uint64 `query:"company_id"`
		CloseFrom string `query:"close_from" doc:"YYYY-MM-DD, on expected_close_on"`
		CloseTo   string `query:"close_to" doc:"YYYY-MM-DD, on expected_close_on"`
	}
	filters := func(f DealFiltersQuery) crm.DealFilters {
		return crm.DealFilters{OwnerID: f.OwnerID, Priority: f.Priority, Q: f.Q, TeamID: f.TeamID, ContactID: f.ContactID,
			CompanyID: f.CompanyID, CloseFrom: f.CloseFrom, CloseTo: f.CloseTo}
	}
	type boardIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		DealFiltersQuery
	}
	type boardOut struct{ Body *crm.Board }
	register(s, op("pipelines-board", http.MethodGet, "/pipelines/{id}/board", "The pipeline's kanban: every stage with its deals and totals"), authAccount,
		func(ctx context.Context, in *boardIn) (*boardOut, error) {
			r, err := s.CRM.Board(ctx, actorOf(ctx), in.ID, filters(in.DealFiltersQuery))
			return &boardOut{r}, err
		})
	type forecastIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		CloseFrom string `query:"close_from"`
		CloseTo   string `query:"close_to"`
	}
	type forecastOut struct{ Body *crm.Forecast }
	register(s, op("pipelines-forecast", http.MethodGet, "/pipelines/{id}/forecast", "Open, weighted, won and lost value per currency and stage"), authAccount,
		func(ctx context.Context, in *forecastIn) (*forecastOut, error) {
			r, err := s.CRM.Forecast(ctx, actorOf(ctx), in.ID, in.CloseFrom, in.CloseTo)
			return &forecastOut{r}, err
		})

	// Saved views (registered before /deals/{id} so "views" is not read as an id).
	type viewsOut struct{ Body savedViewsPayload }
	register(s, op("deal-views-list", http.MethodGet, "/deals/views", "Your saved deal views"), authAccount,
		func(ctx context.Context, in *accountIn) (*viewsOut, error) {
			r, err := s.CRM.Views(ctx, actorOf(ctx))
			return &viewsOut{savedViewsPayload{r}}, err
		})
	type viewOut struct{ Body *crm.SavedViewView }
	type viewIn struct {
		AccountID uint64 `path:"account_id"`
		Body      crm.SavedViewInput
	}
	register(s, op("deal-views-create", http.MethodPost, "/deals/views", "Save a deal view"), authAccount,
		func(ctx context.Context, in *viewIn) (*viewOut, error) {
			r, err := s.CRM.CreateView(ctx, actorOf(ctx), in.Body)
			return &viewOut{r}, err
		})
	type viewUpdateIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.SavedViewInput
	}
	register(s, op("deal-views-update", http.MethodPatch, "/deals/views/{id}", "Change a saved view"), authAccount,
		func(ctx context.Context, in *viewUpdateIn) (*viewOut, error) {
			r, err := s.CRM.UpdateView(ctx, actorOf(ctx), in.ID, in.Body)
			return &viewOut{r}, err
		})
	register(s, op("deal-views-delete", http.MethodDelete, "/deals/views/{id}", "Delete a saved view"), authAccount,
		func(ctx context.Context, in *idIn) (*noContent, error) {
			return &noContent{}, s.CRM.DeleteView(ctx, actorOf(ctx), in.ID)
		})

	// Deals.
	type listIn struct {
		AccountID  uint64 `path:"account_id"`
		PipelineID uint64 `query:"pipeline_id"`
		StageID    uint64 `query:"stage_id"`
		Status     string `query:"status"`
		Page       int    `query:"page" minimum:"0" maximum:"1000000" doc:"1-based page of 15 deals"`
		DealFiltersQuery
	}
	type listOut struct{ Body *crm.DealList }
	register(s, op("deals-list", http.MethodGet, "/deals", "The deals you can see, a page at a time"), authAccount,
		func(ctx context.Context, in *listIn) (*listOut, error) {
			f := filters(in.DealFiltersQuery)
			f.Status = in.Status
			r, err := s.CRM.ListDeals(ctx, actorOf(ctx), crm.DealQuery{DealFilters: f, PipelineID: in.PipelineID, StageID: in.StageID, Page: in.Page})
			return &listOut{r}, err
		})
	type dealOut struct{ Body *crm.DealView }
	type dealIn struct {
		AccountID uint64 `path:"account_id"`
		Body      crm.DealInput
	}
	register(s, op("deals-create", http.MethodPost, "/deals", "Create a deal at the end of its stage"), authAccount,
		func(ctx context.Context, in *dealIn) (*dealOut, error) {
			r, err := s.CRM.CreateDeal(ctx, actorOf(ctx), in.Body)
			return &dealOut{r}, err
		})
	register(s, op("deals-get", http.MethodGet, "/deals/{id}", "A deal"), authAccount,
		func(ctx context.Context, in *idIn) (*dealOut, error) {
			r, err := s.CRM.GetDeal(ctx, actorOf(ctx), in.ID)
			return &dealOut{r}, err
		})
	type dealUpdateIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.DealInput
	}
	register(s, op("deals-update", http.MethodPatch, "/deals/{id}", "Change a deal's fields (the stage changes through move)"), authAccount,
		func(ctx context.Context, in *dealUpdateIn) (*dealOut, error) {
			r, err := s.CRM.UpdateDeal(ctx, actorOf(ctx), in.ID, in.Body)
			return &dealOut{r}, err
		})
	register(s, op("deals-delete", http.MethodDelete, "/deals/{id}", "Delete a deal with its notes, files, checklist and lines"), authAccount,
		func(ctx context.Context, in *idIn) (*noContent, error) {
			return &noContent{}, s.CRM.DeleteDeal(ctx, actorOf(ctx), in.ID)
		})
	type moveIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.MoveInput
	}
	register(s, op("deals-move", http.MethodPost, "/deals/{id}/move", "Put a deal in a stage at a place in the column (drag and drop)"), authAccount,
		func(ctx context.Context, in *moveIn) (*dealOut, error) {
			r, err := s.CRM.Move(ctx, actorOf(ctx), in.ID, in.Body)
			return &dealOut{r}, err
		})
	type closeIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.CloseInput
	}
	register(s, op("deals-won", http.MethodPost, "/deals/{id}/won", "Mark a deal won"), authAccount,
		func(ctx context.Context, in *closeIn) (*dealOut, error) {
			r, err := s.CRM.Won(ctx, actorOf(ctx), in.ID, in.Body)
			return &dealOut{r}, err
		})
	register(s, op("deals-lost", http.MethodPost, "/deals/{id}/lost", "Mark a deal lost"), authAccount,
		func(ctx context.Context, in *closeIn) (*dealOut, error) {
			r, err := s.CRM.Lost(ctx, actorOf(ctx), in.ID, in.Body)
			return &dealOut{r}, err
		})
	type reopenIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.ReopenInput
	}
	register(s, op("deals-reopen", http.MethodPost, "/deals/{id}/reopen", "Open a closed deal again"), authAccount,
		func(ctx context.Context, in *reopenIn) (*dealOut, error) {
			r, err := s.CRM.Reopen(ctx, actorOf(ctx), in.ID, in.Body)
			return &dealOut{r}, err
		})
	type historyOut struct{ Body historyPayload }
	register(s, op("deals-history", http.MethodGet, "/deals/{id}/history", "A deal's stage changes, newest first"), authAccount,
		func(ctx context.Context, in *idIn) (*historyOut, error) {
			r, err := s.CRM.History(ctx, actorOf(ctx), in.ID)
			return &historyOut{historyPayload{r}}, err
		})

	// Notes.
	type notesOut struct{ Body notesPayload }
	register(s, op("deal-notes-list", http.MethodGet, "/deals/{id}/notes", "A deal's notes, newest first"), authAccount,
		func(ctx context.Context, in *idIn) (*notesOut, error) {
			r, err := s.CRM.Notes(ctx, actorOf(ctx), in.ID)
			return &notesOut{notesPayload{r}}, err
		})
	type noteOut struct{ Body *crm.DealNoteView }
	type noteIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.DealNoteInput
	}
	register(s, op("deal-notes-create", http.MethodPost, "/deals/{id}/notes", "Write a note on a deal"), authAccount,
		func(ctx context.Context, in *noteIn) (*noteOut, error) {
			r, err := s.CRM.AddNote(ctx, actorOf(ctx), in.ID, in.Body)
			return &noteOut{r}, err
		})
	type noteUpdateIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		PartID    uint64 `path:"part_id"`
		Body      crm.DealNoteInput
	}
	register(s, op("deal-notes-update", http.MethodPatch, "/deals/{id}/notes/{part_id}", "Change a note (its author or an administrator)"), authAccount,
		func(ctx context.Context, in *noteUpdateIn) (*noteOut, error) {
			r, err := s.CRM.UpdateNote(ctx, actorOf(ctx), in.ID, in.PartID, in.Body)
			return &noteOut{r}, err
		})
	register(s, op("deal-notes-delete", http.MethodDelete, "/deals/{id}/notes/{part_id}", "Delete a note (its author or an administrator)"), authAccount,
		func(ctx context.Context, in *partIn) (*noContent, error) {
			return &noContent{}, s.CRM.DeleteNote(ctx, actorOf(ctx), in.ID, in.PartID)
		})

	// Attachments.
	type attachmentsOut struct{ Body dealAttachmentsPayload }
	register(s, op("deal-attachments-list", http.MethodGet, "/deals/{id}/attachments", "A deal's files, newest first"), authAccount,
		func(ctx context.Context, in *idIn) (*attachmentsOut, error) {
			r, err := s.CRM.Attachments(ctx, actorOf(ctx), in.ID)
			return &attachmentsOut{dealAttachmentsPayload{r}}, err
		})
	type uploadIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		RawBody   huma.MultipartFormFiles[struct {
			File huma.FormFile `form:"file" required:"true"`
		}]
	}
	type attachmentOut struct{ Body *crm.DealAttachmentView }
	upload := op("deal-attachments-create", http.MethodPost, "/deals/{id}/attachments", "Attach a file (up to 25 MB) to a deal")
	upload.MaxBodyBytes = dealUploadLimit
	upload.Middlewares = huma.Middlewares{s.limitDealUpload}
	register(s, upload, authAccount, func(ctx context.Context, in *uploadIn) (*attachmentOut, error) {
		f := in.RawBody.Data().File
		r, err := s.CRM.AddAttachment(ctx, actorOf(ctx), in.ID, f.Filename, f.ContentType, f)
		return &attachmentOut{r}, err
	})
	register(s, op("deal-attachments-delete", http.MethodDelete, "/deals/{id}/attachments/{part_id}", "Remove a file from a deal"), authAccount,
		func(ctx context.Context, in *partIn) (*noContent, error) {
			return &noContent{}, s.CRM.DeleteAttachment(ctx, actorOf(ctx), in.ID, in.PartID)
		})
	register(s, op("deal-attachments-download", http.MethodGet, "/deals/{id}/attachments/{part_id}/download", "Download a deal's file"), authAccount,
		func(ctx context.Context, in *partIn) (*huma.StreamResponse, error) {
			a, f, err := s.CRM.OpenAttachment(ctx, actorOf(ctx), in.ID, in.PartID)
			if err != nil {
				return nil, err
			}
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				defer f.Close()
				r, w := humago.Unwrap(hc)
				ct := a.ContentType
				if ct == "" {
					ct = "application/octet-stream"
				}
				w.Header().Set("Content-Type", ct)
				w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.FileName}))
				w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
				w.Header().Set("Cache-Control", "private, no-store")
				http.ServeContent(w, r, "", time.Time{}, f)
			}}, nil
		})

	// Checklist.
	type checklistOut struct{ Body checklistPayload }
	register(s, op("deal-checklist-list", http.MethodGet, "/deals/{id}/checklist", "A deal's checklist in order"), authAccount,
		func(ctx context.Context, in *idIn) (*checklistOut, error) {
			r, err := s.CRM.Checklist(ctx, actorOf(ctx), in.ID)
			return &checklistOut{checklistPayload{r}}, err
		})
	type checkOut struct{ Body *crm.DealChecklistView }
	type checkIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.DealChecklistInput
	}
	register(s, op("deal-checklist-create", http.MethodPost, "/deals/{id}/checklist", "Add a checklist item"), authAccount,
		func(ctx context.Context, in *checkIn) (*checkOut, error) {
			r, err := s.CRM.AddChecklistItem(ctx, actorOf(ctx), in.ID, in.Body)
			return &checkOut{r}, err
		})
	type checkUpdateIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		PartID    uint64 `path:"part_id"`
		Body      crm.DealChecklistInput
	}
	register(s, op("deal-checklist-update", http.MethodPatch, "/deals/{id}/checklist/{part_id}", "Rename, tick or move a checklist item"), authAccount,
		func(ctx context.Context, in *checkUpdateIn) (*checkOut, error) {
			r, err := s.CRM.UpdateChecklistItem(ctx, actorOf(ctx), in.ID, in.PartID, in.Body)
			return &checkOut{r}, err
		})
	register(s, op("deal-checklist-delete", http.MethodDelete, "/deals/{id}/checklist/{part_id}", "Delete a checklist item"), authAccount,
		func(ctx context.Context, in *partIn) (*noContent, error) {
			return &noContent{}, s.CRM.DeleteChecklistItem(ctx, actorOf(ctx), in.ID, in.PartID)
		})

	// Line items.
	type itemsOut struct{ Body lineItemsPayload }
	register(s, op("deal-line-items-list", http.MethodGet, "/deals/{id}/line_items", "A deal's line items"), authAccount,
		func(ctx context.Context, in *idIn) (*itemsOut, error) {
			r, err := s.CRM.LineItems(ctx, actorOf(ctx), in.ID)
			return &itemsOut{lineItemsPayload{r}}, err
		})
	type itemOut struct{ Body *crm.LineItemView }
	type itemIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      crm.LineItemInput
	}
	register(s, op("deal-line-items-create", http.MethodPost, "/deals/{id}/line_items", "Add a line: a catalog product (copied) or a one-off"), authAccount,
		func(ctx context.Context, in *itemIn) (*itemOut, error) {
			r, err := s.CRM.AddLineItem(ctx, actorOf(ctx), in.ID, in.Body)
			return &itemOut{r}, err
		})
	type itemUpdateIn struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		PartID    uint64 `path:"part_id"`
		Body      crm.LineItemInput
	}
	register(s, op("deal-line-items-update", http.MethodPatch, "/deals/{id}/line_items/{part_id}", "Change a line's quantity, price or discount"), authAccount,
		func(ctx context.Context, in *itemUpdateIn) (*itemOut, error) {
			r, err := s.CRM.UpdateLineItem(ctx, actorOf(ctx), in.ID, in.PartID, in.Body)
			return &itemOut{r}, err
		})
	register(s, op("deal-line-items-delete", http.MethodDelete, "/deals/{id}/line_items/{part_id}", "Delete a line"), authAccount,
		func(ctx context.Context, in *partIn) (*noContent, error) {
			return &noContent{}, s.CRM.DeleteLineItem(ctx, actorOf(ctx), in.ID, in.PartID)
		})
}

// limitDealUpload refuses an upload whose declared length is over the limit before its body
// is read, and caps a body that declares none.
func (s *Server) limitDealUpload(ctx huma.Context, next func(huma.Context)) {
	r, w := humago.Unwrap(ctx)
	if r.ContentLength > dealUploadLimit {
		huma.WriteErr(s.api, ctx, http.StatusRequestEntityTooLarge, "the file is too large",
			&huma.ErrorDetail{Location: "body.file", Message: "must be at most 25 MB"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, dealUploadLimit)
	next(ctx)
}
