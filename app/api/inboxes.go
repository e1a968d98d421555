package api

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/inboxes"
)

// requestBase records the address a request came in on (scheme and host), which the widget
// snippet uses when no public address is configured. Embed it in an input struct.
type requestBase struct {
	base string
	// desktop marks a request from the desktop window, whose address (a webview scheme) no
	// site can reach: the snippet then points at the side HTTP listener.
	desktop bool
}

// Resolve reads the address from the request; huma calls it after decoding the input.
func (b *requestBase) Resolve(ctx huma.Context) []error {
	scheme := "http"
	if ctx.TLS() != nil {
		scheme = "https"
	}
	if p := strings.ToLower(ctx.Header("X-Forwarded-Proto")); p == "https" || p == "http" {
		scheme = p
	}
	b.base = scheme + "://" + ctx.Host()
	b.desktop = isDesktop(ctx.Context())
	return nil
}

// withScript adds the widget snippet to a website inbox's answer: its base is the configured
// public address, else the address of the request.
func (s *Server) withScript(v *inboxes.InboxView, b requestBase) {
	if v == nil || v.WebsiteToken == "" {
		return
	}
	base := s.PublicURL
	switch {
	case base != "":
	case b.desktop && s.Addr != "":
		base = "http://" + s.Addr
	default:
		base = b.base
	}
	v.WebWidgetScript = inboxes.Snippet(base, v.WebsiteToken)
}

// Bodies of the inbox routes, named so their OpenAPI schema names are distinct.
type (
	inboxListPayload struct {
		Payload []inboxes.InboxView `json:"payload"`
	}
	inboxMembersPayload struct {
		Payload []accounts.Agent `json:"payload"`
	}
	inboxMembersInput struct {
		InboxID uint64   `json:"inbox_id"`
		UserIDs []uint64 `json:"user_ids"`
	}
)

// inboxAvatarLimit is the largest widget avatar: it is shown small, on every page of the site.
const inboxAvatarLimit = 1 << 20

// registerInboxes adds the inbox settings routes in Chatwoot's shapes. Inboxes are settings, on
// in every account (no module switch): members read the inboxes they work in, administrators
// read and change all.
func (s *Server) registerInboxes() {
	tags := []string{"Inboxes"}

	type listInput struct {
		requestBase
		AccountID uint64 `path:"account_id"`
	}
	type listOutput struct{ Body inboxListPayload }
	register(s, huma.Operation{OperationID: "inboxes-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/inboxes", Summary: "The inboxes you work in (all of them for administrators)", Tags: tags}, authAccount,
		func(ctx context.Context, in *listInput) (*listOutput, error) {
			l, err := s.Inboxes.List(ctx, actorOf(ctx))
			for i := range l {
				s.withScript(&l[i], in.requestBase)
			}
			out := &listOutput{}
			out.Body.Payload = l
			return out, err
		})

	type itemInput struct {
		requestBase
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
	}
	type itemOutput struct {
		Status int
		Body   *inboxes.InboxView
	}
	register(s, huma.Operation{OperationID: "inboxes-get", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/inboxes/{id}", Summary: "An inbox", Tags: tags}, authAccount,
		func(ctx context.Context, in *itemInput) (*itemOutput, error) {
			v, err := s.Inboxes.Get(ctx, actorOf(ctx), in.ID)
			s.withScript(v, in.requestBase)
			return &itemOutput{Status: 200, Body: v}, err
		})

	type createInput struct {
		requestBase
		AccountID uint64 `path:"account_id"`
		Body      inboxes.InboxInput
	}
	register(s, huma.Operation{OperationID: "inboxes-create", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/inboxes", Summary: "Create an inbox (administrators; API inboxes in this release)", Tags: tags, DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *createInput) (*itemOutput, error) {
			v, err := s.Inboxes.Create(ctx, actorOf(ctx), in.Body)
			s.withScript(v, in.requestBase)
			return &itemOutput{Status: 201, Body: v}, err
		})

	type updateInput struct {
		requestBase
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      inboxes.InboxInput
	}
	register(s, huma.Operation{OperationID: "inboxes-update", Method: http.MethodPatch, Path: "/api/v1/accounts/{account_id}/inboxes/{id}", Summary: "Change an inbox's settings (administrators); fields left out stay as they are", Tags: tags}, authAccount,
		func(ctx context.Context, in *updateInput) (*itemOutput, error) {
			v, err := s.Inboxes.Update(ctx, actorOf(ctx), in.ID, in.Body)
			s.withScript(v, in.requestBase)
			return &itemOutput{Status: 200, Body: v}, err
		})
	type rotateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Name      string `path:"name" enum:"hmac_token,webhook_secret"`
	}
	type rotateOutput struct{ Body *inboxes.Secret }
	register(s, huma.Operation{OperationID: "inboxes-rotate-secret", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/inboxes/{id}/secrets/{name}/rotate",
		Summary: "Replace a channel secret (administrators)", Description: "hmac_token signs the site's user ids (website and API inboxes); webhook_secret signs what Parley posts to an API inbox's webhook. The answer is the only time the new value is shown; the old one stops working at once.", Tags: tags}, authAccount,
		func(ctx context.Context, in *rotateInput) (*rotateOutput, error) {
			sec, err := s.Inboxes.RotateSecret(ctx, actorOf(ctx), in.ID, in.Name)
			return &rotateOutput{sec}, err
		})
	type avatarInput struct {
		requestBase
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		RawBody   huma.MultipartFormFiles[struct {
			File huma.FormFile `form:"file" contentType:"image/png,image/jpeg,image/gif,image/webp" required:"true"`
		}]
	}
	register(s, huma.Operation{OperationID: "inboxes-avatar-set", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/inboxes/{id}/avatar", Summary: "Upload the widget's avatar (administrators; PNG, JPEG, GIF or WebP, up to 1 MB)", Tags: tags, MaxBodyBytes: 2 << 20}, authAccount,
		func(ctx context.Context, in *avatarInput) (*itemOutput, error) {
			if err := actorOf(ctx).RequireAdmin(); err != nil {
				return nil, err
			}
			ref, err := s.Blobs.Write(ctx, io.Reader(in.RawBody.Data().File), inboxAvatarLimit)
			if err != nil {
				return nil, err // too large is a field error of "file"
			}
			switch ref.ContentType {
			case "image/png", "image/jpeg", "image/gif", "image/webp":
			default:
				return nil, apperr.Field("file", "must be a PNG, JPEG, GIF or WebP image")
			}
			v, err := s.Inboxes.SetAvatar(ctx, actorOf(ctx), in.ID, ref.Hash, ref.Size, s.Blobs)
			s.withScript(v, in.requestBase)
			return &itemOutput{Status: 200, Body: v}, err
		})
	register(s, huma.Operation{OperationID: "inboxes-avatar-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/inboxes/{id}/avatar", Summary: "Remove the widget's avatar (administrators)", Tags: tags}, authAccount,
		func(ctx context.Context, in *itemInput) (*itemOutput, error) {
			v, err := s.Inboxes.SetAvatar(ctx, actorOf(ctx), in.ID, "", 0, s.Blobs)
			s.withScript(v, in.requestBase)
			return &itemOutput{Status: 200, Body: v}, err
		})
	register(s, huma.Operation{OperationID: "inboxes-delete", Method: http.MethodDelete, Path: "/api/v1/accounts/{account_id}/inboxes/{id}", Summary: "Delete an inbox without conversations (administrators); disable one that has them", Tags: tags, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *itemInput) (*noContent, error) {
			return &noContent{Status: 204}, s.Inboxes.Delete(ctx, actorOf(ctx), in.ID)
		})

	type membersOutput struct{ Body inboxMembersPayload }
	members := func(a []accounts.Agent, err error) (*membersOutput, error) {
		out := &membersOutput{}
		out.Body.Payload = a
		return out, err
	}
	type membersInput struct {
		AccountID uint64 `path:"account_id"`
		InboxID   uint64 `path:"inbox_id"`
	}
	register(s, huma.Operation{OperationID: "inbox-members-list", Method: http.MethodGet, Path: "/api/v1/accounts/{account_id}/inbox_members/{inbox_id}", Summary: "The agents who work an inbox", Tags: tags}, authAccount,
		func(ctx context.Context, in *membersInput) (*membersOutput, error) {
			return members(s.Inboxes.Members(ctx, actorOf(ctx), in.InboxID))
		})
	type setMembersInput struct {
		AccountID uint64 `path:"account_id"`
		Body      inboxMembersInput
	}
	for _, m := range []struct{ method, id string }{{http.MethodPost, "inbox-members-set"}, {http.MethodPatch, "inbox-members-update"}} {
		register(s, huma.Operation{OperationID: m.id, Method: m.method, Path: "/api/v1/accounts/{account_id}/inbox_members", Summary: "Replace the agents who work an inbox (administrators)", Tags: tags}, authAccount,
			func(ctx context.Context, in *setMembersInput) (*membersOutput, error) {
				return members(s.Inboxes.SetMembers(ctx, actorOf(ctx), in.Body.InboxID, in.Body.UserIDs))
			})
	}
}
