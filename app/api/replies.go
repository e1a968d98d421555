package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/replies"
)

// CustomFilter is a saved conversation view in the shape of Chatwoot's custom filters; query is
// Parley's conversation filter (the list's own parameters), not Chatwoot's condition tree.
type CustomFilter struct {
	ID         uint64               `json:"id"`
	AccountID  uint64               `json:"account_id"`
	UserID     uint64               `json:"user_id"`
	Name       string               `json:"name"`
	FilterType string               `json:"filter_type"`
	Query      conversations.Filter `json:"query"`
	CreatedAt  time.Time            `json:"created_at"`
}

// filterTypeConversation is the only kind of custom filter Parley saves so far.
const filterTypeConversation = "conversation"

func customFilterOf(v *conversations.View) CustomFilter {
	return CustomFilter{ID: v.ID, AccountID: v.AccountID, UserID: v.UserID, Name: v.Name, FilterType: filterTypeConversation, Query: v.Filter, CreatedAt: v.CreatedAt}
}

type (
	cannedListOutput struct{ Body []replies.CannedResponse }
	cannedOutput     struct {
		Status int
		Body   *replies.CannedResponse
	}
	macroPayload struct {
		Payload *replies.Macro `json:"payload"`
	}
	macroOutput struct {
		Status int
		Body   macroPayload
	}
	macrosOutput struct {
		Body struct {
			Payload []replies.Macro `json:"payload"`
		}
	}
	macroRunOutput struct {
		Body struct {
			Payload []replies.ExecResult `json:"payload"`
		}
	}
	customFiltersOutput struct{ Body []CustomFilter }
	customFilterOutput  struct {
		Status int
		Body   CustomFilter
	}
)

func (s *Server) registerReplies() {
	mod := func() map[string]any { return map[string]any{"module": "conversations"} }

	tags := []string{"Canned responses"}
	type cannedList struct {
		AccountID uint64 `path:"account_id"`
		Search    string `query:"search" doc:"keeps responses whose short code starts with it or whose content contains it, ignoring case"`
	}
	register(s, huma.Operation{OperationID: "canned-responses-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/canned_responses", Summary: "The account's canned responses, by short code", Tags: tags, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *cannedList) (*cannedListOutput, error) {
			l, err := s.Replies.List(ctx, actorOf(ctx), in.Search)
			return &cannedListOutput{l}, err
		})
	type cannedCreate struct {
		AccountID uint64 `path:"account_id"`
		Body      replies.CannedInput
	}
	register(s, huma.Operation{OperationID: "canned-responses-create", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/canned_responses", Summary: "Add a canned response (administrators)", Tags: tags, DefaultStatus: 201, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *cannedCreate) (*cannedOutput, error) {
			c, err := s.Replies.Create(ctx, actorOf(ctx), in.Body)
			return &cannedOutput{Status: 201, Body: c}, err
		})
	type cannedUpdate struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      replies.CannedInput
	}
	updateCanned := func(ctx context.Context, in *cannedUpdate) (*cannedOutput, error) {
		c, err := s.Replies.Update(ctx, actorOf(ctx), in.ID, in.Body)
		return &cannedOutput{Status: 200, Body: c}, err
	}
	register(s, huma.Operation{OperationID: "canned-responses-update", Method: http.MethodPatch, Path: "/api/v1/accounts/{account_id}/canned_responses/{id}", Summary: "Change a canned response (administrators)", Tags: tags, Metadata: mod()}, authAccount, updateCanned)
	register(s, huma.Operation{OperationID: "canned-responses-replace", Method: http.MethodPut, Path: "/api/v1/accounts/{account_id}/canned_responses/{id}", Summary: "Change a canned response (administrators; same as PATCH, for Chatwoot clients)", Tags: tags, Metadata: mod()}, authAccount, updateCanned)
	register(s, huma.Operation{OperationID: "canned-responses-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/canned_responses/{id}", Summary: "Delete a canned response (administrators)", Tags: tags, DefaultStatus: 204, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Replies.Delete(ctx, actorOf(ctx), in.ID)
		})

	tags = []string{"Macros"}
	register(s, huma.Operation{OperationID: "macros-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/macros", Summary: "The account's global macros and your personal ones", Tags: tags, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *accountPath) (*macrosOutput, error) {
			l, err := s.Replies.ListMacros(ctx, actorOf(ctx))
			out := &macrosOutput{}
			out.Body.Payload = l
			return out, err
		})
	type macroCreate struct {
		AccountID uint64 `path:"account_id"`
		Body      replies.MacroInput
	}
	register(s, huma.Operation{OperationID: "macros-create", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/macros", Summary: "Create a macro (global ones: administrators)", Tags: tags, DefaultStatus: 201, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *macroCreate) (*macroOutput, error) {
			m, err := s.Replies.CreateMacro(ctx, actorOf(ctx), in.Body)
			return &macroOutput{Status: 201, Body: macroPayload{m}}, err
		})
	register(s, huma.Operation{OperationID: "macros-get", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/macros/{id}", Summary: "A macro", Tags: tags, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*macroOutput, error) {
			m, err := s.Replies.GetMacro(ctx, actorOf(ctx), in.ID)
			return &macroOutput{Status: 200, Body: macroPayload{m}}, err
		})
	type macroUpdate struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      replies.MacroInput
	}
	register(s, huma.Operation{OperationID: "macros-update", Method: http.MethodPatch, Path: "/api/v1/accounts/{account_id}/macros/{id}", Summary: "Change a macro (global ones: administrators; personal ones: their author)", Tags: tags, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *macroUpdate) (*macroOutput, error) {
			m, err := s.Replies.UpdateMacro(ctx, actorOf(ctx), in.ID, in.Body)
			return &macroOutput{Status: 200, Body: macroPayload{m}}, err
		})
	register(s, huma.Operation{OperationID: "macros-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/macros/{id}", Summary: "Delete a macro (global ones: administrators; personal ones: their author)", Tags: tags, DefaultStatus: 204, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Replies.DeleteMacro(ctx, actorOf(ctx), in.ID)
		})
	type macroRun struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      struct {
			ConversationIDs []uint64 `json:"conversation_ids" doc:"conversation numbers (display ids)"`
		}
	}
	register(s, huma.Operation{OperationID: "macros-execute", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/macros/{id}/execute", Summary: "Run a macro on conversations; each result says whether all its actions ran or which one failed", Tags: tags, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *macroRun) (*macroRunOutput, error) {
			r, err := s.Replies.Execute(ctx, actorOf(ctx), in.ID, in.Body.ConversationIDs)
			out := &macroRunOutput{}
			out.Body.Payload = r
			return out, err
		})

	tags = []string{"Saved views"}
	type customFilterList struct {
		AccountID  uint64 `path:"account_id"`
		FilterType string `query:"filter_type" doc:"only conversation filters exist; another type lists nothing"`
	}
	register(s, huma.Operation{OperationID: "custom-filters-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/custom_filters", Summary: "Your saved conversation views", Tags: tags, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *customFilterList) (*customFiltersOutput, error) {
			out := &customFiltersOutput{Body: []CustomFilter{}}
			if in.FilterType != "" && in.FilterType != filterTypeConversation {
				return out, nil
			}
			l, err := s.Conversations.ListViews(ctx, actorOf(ctx))
			for i := range l {
				out.Body = append(out.Body, customFilterOf(&l[i]))
			}
			return out, err
		})
	type customFilterCreate struct {
		AccountID uint64 `path:"account_id"`
		Body      struct {
			Name       string               `json:"name"`
			FilterType string               `json:"filter_type,omitempty" enum:"conversation"`
			Query      conversations.Filter `json:"query"`
		}
	}
	register(s, huma.Operation{OperationID: "custom-filters-create", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/custom_filters", Summary: "Save a conversation view (at most 50 per person)", Tags: tags, DefaultStatus: 201, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *customFilterCreate) (*customFilterOutput, error) {
			v, err := s.Conversations.CreateView(ctx, actorOf(ctx), in.Body.Name, in.Body.Query)
			if err != nil {
				return nil, err
			}
			return &customFilterOutput{Status: 201, Body: customFilterOf(v)}, nil
		})
	type customFilterUpdate struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      struct {
			Name  *string               `json:"name,omitempty"`
			Query *conversations.Filter `json:"query,omitempty"`
		}
	}
	register(s, huma.Operation{OperationID: "custom-filters-update", Method: http.MethodPatch, Path: "/api/v1/accounts/{account_id}/custom_filters/{id}", Summary: "Rename a saved view or replace its filter", Tags: tags, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *customFilterUpdate) (*customFilterOutput, error) {
			v, err := s.Conversations.UpdateView(ctx, actorOf(ctx), in.ID, in.Body.Name, in.Body.Query)
			if err != nil {
				return nil, err
			}
			return &customFilterOutput{Status: 200, Body: customFilterOf(v)}, nil
		})
	register(s, huma.Operation{OperationID: "custom-filters-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/custom_filters/{id}", Summary: "Delete a saved view", Tags: tags, DefaultStatus: 204, Metadata: mod()}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Conversations.DeleteView(ctx, actorOf(ctx), in.ID)
		})
}
