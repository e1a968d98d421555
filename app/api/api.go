// Package api is Parley's only HTTP layer: the REST API under /api/v1 (typed handlers with
// huma, which also produces the OpenAPI 3.1 document), authentication, problem+json errors,
// Server-Sent Events, and the single-page UI. Handlers decode, call one service, encode.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"syscall"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/app/channels/client"
	"github.com/parleyhq/parley/app/channels/widget"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/crm"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/mail"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/realtime"
	"github.com/parleyhq/parley/app/replies"
	"github.com/parleyhq/parley/app/tasks"
	"github.com/parleyhq/parley/app/webhooks"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
)

// Deps are the services the API calls.
type Deps struct {
	DB       *storage.DB
	Auth     *auth.Service
	Accounts *accounts.Service
	Notify   *notify.Service
	Hub      *realtime.Hub
	Blobs    *blob.Store
	// The areas of the inbox.
	Contacts      *contacts.Service
	Inboxes       *inboxes.Service
	Conversations *conversations.Service
	Replies       *replies.Service
	// The CRM: pipelines, deals, orders, custom objects, and the catalog line items pick from.
	CRM     *crm.Service
	Catalog *catalog.Service
	// Tasks: lists, tasks, reminders, recurrence, SLA, templates and the manual actions queue.
	Tasks *tasks.Service
	// Mail sends the installation's own email; its SMTP settings are the operator's.
	Mail *mail.Service
	// The outside world: webhooks, the public client API and the website widget.
	Webhooks *webhooks.Service
	Client   *client.Service
	Widget   *widget.Service
	// PublicURL is the address sites and integrations reach Parley at (the widget snippet's
	// base); empty means the address the request came in on.
	PublicURL string
	// Addr is the HTTP listen address; the desktop window's snippets point at it.
	Addr    string
	Version string
	// UI is the built frontend (frontend/dist); nil or empty serves a "not built" page.
	UI fs.FS
	// Demo fills demo data into an account (setup's "try with demo data").
	Demo func(ctx context.Context, accountID uint64) error
	// OnDesktopUser tells the desktop shell which user the window is signed in as, so pushes
	// reach that user.
	OnDesktopUser func(userID uint64)
	Logger        *slog.Logger
}

// APIVersion is the version of the REST API described by the OpenAPI document.
const APIVersion = "1.0.0"

// schemaName names the document's schemas: huma's default (the Go type name), with the package
// in front where the bare name says nothing (notify.Type, audit.Entry), and pages named after
// what they hold (storage.Page[audit.Entry] is AuditEntryPage).
func schemaName(t reflect.Type, hint string) string {
	if t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "Page[") && path.Base(t.PkgPath()) == "storage" {
		return schemaName(t.Field(0).Type.Elem(), hint) + "Page"
	}
	name := huma.DefaultSchemaNamer(t, hint)
	switch pkg := path.Base(t.PkgPath()); pkg {
	case "audit", "notify":
		prefix := strings.ToUpper(pkg[:1]) + pkg[1:]
		if !strings.HasPrefix(name, prefix) {
			name = prefix + name
		}
	}
	return name
}

// Document returns the OpenAPI document, indented, as served at /api/v1/openapi.json.
func Document() ([]byte, error) {
	s := New(Deps{})
	return json.MarshalIndent(s.OpenAPI(), "", "  ")
}

// Server holds the router and its dependencies.
type Server struct {
	Deps
	api huma.API
	mux *http.ServeMux
}

type ctxKey int

const (
	keyDesktop ctxKey = iota
	keyUser
	keyToken
	keyAccount
)

// Auth levels an operation declares in its Metadata["auth"].
const (
	authNone     = "none"
	authUser     = "user"
	authAccount  = "account"
	authOperator = "operator"
)

// New builds the whole HTTP surface.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Server{Deps: d, mux: http.NewServeMux()}
	// The document's version is the API's, not the binary's: it changes when the API does, so
	// the copy committed for the frontend's generated types stays put between releases.
	cfg := huma.DefaultConfig("Parley API", APIVersion)
	cfg.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", schemaName)
	cfg.Info.Description = "Parley's REST API. Authenticate with `Authorization: Bearer TOKEN` (a session) or the header `api_access_token: TOKEN` (a personal access token from your profile). Errors are RFC 9457 problem+json; validation errors list each invalid field in `errors[].location`."
	cfg.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	cfg.OpenAPIPath = "/api/v1/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = "/api/v1/schemas"
	cfg.CreateHooks = nil // no $schema links in bodies: keep Chatwoot-shaped payloads
	// Integrations written for Chatwoot send fields Parley does not know; ignore them.
	cfg.AllowAdditionalPropertiesByDefault = true
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer"},
		"token":  {Type: "apiKey", In: "header", Name: "api_access_token"},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}, {"token": {}}}
	s.api = humago.New(s.mux, cfg)
	s.api.UseMiddleware(s.authenticate)

	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok","version":` + strconv.Quote(d.Version) + `}`))
	})
	s.mux.HandleFunc("GET /api/v1/docs", s.docs)
	s.mux.HandleFunc("GET /api/v1/realtime", s.sse)
	s.mux.HandleFunc("GET /media/avatars/{hash}", s.avatar)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "no such API route: "+r.Method+" "+r.URL.Path)
	})
	s.mux.Handle("/", s.spa())

	s.registerAuth()
	s.registerAccounts()
	s.registerContacts()
	s.registerAttributes()
	s.registerSegments()
	s.registerCompanies()
	s.registerContactImports()
	s.registerCRM()
	s.registerOrders()
	s.registerCustomObjects()
	s.registerCatalog()
	s.registerTasks()
	s.registerTaskReminders()
	s.registerTaskSettings()
	s.registerMail()
	s.registerInboxes()
	s.registerConversations()
	s.registerInbound()
	s.registerConversationSettings()
	s.registerReplies()
	s.registerWebhooks()
	s.registerClient()
	s.registerWidget()
	return s
}

// ServeHTTP serves the API and UI.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	s.mux.ServeHTTP(w, r)
}

// Desktop wraps the handler for requests that come from the desktop window in process.
func (s *Server) Desktop() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyDesktop, true)))
	})
}

// OpenAPI returns the generated document (used by tests and the frontend's type generation).
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

func isDesktop(ctx context.Context) bool { v, _ := ctx.Value(keyDesktop).(bool); return v }

func clientIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

func presentedToken(header func(string) string) string {
	if h := header("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	}
	return strings.TrimSpace(header("api_access_token"))
}

// authenticate resolves the caller for every operation according to its declared auth level,
// and for account routes builds the actor in that account (a non-member gets 404, as if the
// account did not exist) and checks the module is on.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	ctx = huma.WithContext(ctx, context.WithValue(ctx.Context(), remoteKey{}, clientIP(ctx.RemoteAddr())))
	op := ctx.Operation()
	level, _ := op.Metadata["auth"].(string)
	if level == authNone {
		next(ctx)
		return
	}
	token := presentedToken(ctx.Header)
	u, _, err := s.Auth.Authenticate(ctx.Context(), token)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	if isDesktop(ctx.Context()) && s.OnDesktopUser != nil {
		s.OnDesktopUser(u.ID)
	}
	actor := access.Actor{UserID: u.ID, UserName: u.Name, Operator: u.Operator, IP: clientIP(ctx.RemoteAddr()), UserAgent: ctx.Header("User-Agent")}
	if level == authOperator && !u.Operator {
		s.writeErr(ctx, apperr.Forbiddenf("only the installation operator can do this"))
		return
	}
	if level == authAccount {
		id, perr := strconv.ParseUint(ctx.Param("account_id"), 10, 64)
		if perr != nil {
			s.writeErr(ctx, apperr.NotFoundf("account not found"))
			return
		}
		var acct *accounts.Account
		err := s.DB.View(func(tx *storage.Tx) (err error) {
			var a access.Actor
			a, acct, err = s.Accounts.Actor(tx, u, id)
			a.IP, a.UserAgent = actor.IP, actor.UserAgent
			actor = a
			return err
		})
		if err != nil {
			s.writeErr(ctx, err)
			return
		}
		if mod, _ := op.Metadata["module"].(string); mod != "" && !acct.Enabled(mod) {
			s.writeErr(ctx, apperr.NotFoundf("the %s module is off for this account", mod))
			return
		}
		if acct.Require2FA && !u.TOTPEnabled {
			s.writeErr(ctx, apperr.Forbiddenf("this account requires two-factor authentication: turn it on in your profile first"))
			return
		}
	}
	ctx = huma.WithValue(ctx, keyUser, u)
	ctx = huma.WithValue(ctx, keyToken, token)
	next(huma.WithContext(ctx, access.WithActor(ctx.Context(), actor)))
}

func actorOf(ctx context.Context) access.Actor {
	a, _ := access.FromContext(ctx)
	return a
}

func userOf(ctx context.Context) *auth.User { u, _ := ctx.Value(keyUser).(*auth.User); return u }

func tokenOf(ctx context.Context) string { t, _ := ctx.Value(keyToken).(string); return t }

func (s *Server) writeErr(ctx huma.Context, err error) {
	status, msg := s.classify(err)
	if e, ok := apperr.As(err); ok && e.RetryAfterSeconds > 0 {
		ctx.SetHeader("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
	}
	huma.WriteErr(s.api, ctx, status, msg, detailsOf(err)...)
}

var statusOf = map[apperr.Kind]int{
	apperr.NotFound: 404, apperr.Invalid: 422, apperr.Conflict: 409, apperr.Forbidden: 403,
	apperr.Unauthorized: 401, apperr.Unavailable: 503, apperr.TooManyRequests: 429,
}

func detailsOf(err error) []error {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var out []error
	for field, msg := range e.Fields {
		out = append(out, &huma.ErrorDetail{Location: "body." + field, Message: msg})
	}
	return out
}

// classify maps a service error to a status and message. Internal errors are logged and shown
// as a generic message: their text may hold paths or data that are nobody's business.
func (s *Server) classify(err error) (int, string) {
	e, ok := apperr.As(err)
	if !ok && errors.Is(err, syscall.ENOSPC) {
		s.Logger.Error("disk full", "err", err)
		return http.StatusInsufficientStorage, "the disk that holds Parley's data is full: nothing was saved; free some space and try again"
	}
	if !ok {
		s.Logger.Error("internal error", "err", err)
		return http.StatusInternalServerError, "something went wrong on our side; the details are in the server log"
	}
	status := statusOf[e.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if len(e.Fields) > 0 && e.Kind == apperr.Invalid {
		return status, "validation failed"
	}
	return status, e.Message
}

func (s *Server) toHTTP(err error) error {
	var se huma.StatusError
	if _, ok := apperr.As(err); !ok && errors.As(err, &se) {
		return err
	}
	status, msg := s.classify(err)
	herr := huma.NewError(status, msg, detailsOf(err)...)
	if e, ok := apperr.As(err); ok && e.RetryAfterSeconds > 0 {
		return huma.ErrorWithHeaders(herr, http.Header{"Retry-After": {strconv.Itoa(e.RetryAfterSeconds)}})
	}
	return herr
}

// register adds an operation whose service errors map to problems.
func register[I, O any](s *Server, op huma.Operation, auth string, h func(ctx context.Context, in *I) (*O, error)) {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata["auth"] = auth
	if auth == authNone {
		op.Security = []map[string][]string{}
	}
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, s.toHTTP(err)
		}
		return out, nil
	})
}

func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	w.Write([]byte(`{"status":` + strconv.Itoa(status) + `,"title":` + strconv.Quote(http.StatusText(status)) + `,"detail":` + strconv.Quote(detail) + `}`))
}
