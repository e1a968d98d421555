package api

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/channels/widget"
)

// widgetKeepalive keeps proxies from closing an idle visitor socket.
const widgetKeepalive = 25 * time.Second

// registerWidget adds the website widget's routes: its settings (the one call a customer's site
// makes across origins), its page and script, and the visitors' realtime stream.
func (s *Server) registerWidget() {
	type configInput struct {
		WebsiteToken string `path:"website_token" doc:"The website inbox's token (from its script snippet)"`
		Origin       string `header:"Origin" required:"false"`
	}
	type configOutput struct {
		AllowOrigin string `header:"Access-Control-Allow-Origin"`
		Vary        string `header:"Vary"`
		Body        *widget.WidgetConfig
	}
	register(s, huma.Operation{OperationID: "widget-config", Method: http.MethodGet, Path: "/public/api/v1/widget/{website_token}/config",
		Summary: "The widget's settings for a site", Tags: []string{"Website widget"},
		Description: "Called by the widget script on the customer's site. A page whose origin is not in the inbox's allowed domains gets 403 and no CORS header; a disabled or unknown inbox 404."}, authNone,
		func(ctx context.Context, in *configInput) (*configOutput, error) {
			c, err := s.Widget.Config(ctx, in.WebsiteToken, in.Origin, remoteAddr(ctx))
			if err != nil {
				return nil, err
			}
			return &configOutput{AllowOrigin: in.Origin, Vary: "Origin", Body: c}, nil
		})

	s.mux.HandleFunc("GET /widget", s.widgetPage)
	s.mux.HandleFunc("GET /widget/sdk.js", s.widgetSDK)
	s.mux.HandleFunc("GET /public/api/v1/inboxes/{inbox_identifier}/realtime", s.widgetRealtime)
}

// plainError writes a service error as problem+json from a plain (non-huma) handler.
func (s *Server) plainError(w http.ResponseWriter, err error) {
	status, msg := s.classify(err)
	if e, ok := apperr.As(err); ok && e.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
	}
	writeProblem(w, status, msg)
}

// widgetPage serves the chat window the script puts in an iframe, framable only by the inbox's
// allowed domains.
func (s *Server) widgetPage(w http.ResponseWriter, r *http.Request) {
	policy, err := s.Widget.PagePolicy(r.Context(), r.URL.Query().Get("website_token"))
	if err != nil {
		s.plainError(w, err)
		return
	}
	page, err := s.uiFile("widget.html")
	if err != nil {
		writeProblem(w, http.StatusNotFound, "the widget was not built into this binary")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", policy)
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.ServeContent(w, r, "widget.html", time.Time{}, bytes.NewReader(page))
}

// widgetSDK serves the script sites load: any site may load it (it asks for its settings, which
// the allow-list guards), and it is cached briefly so a new release reaches sites soon.
func (s *Server) widgetSDK(w http.ResponseWriter, r *http.Request) {
	js, err := s.uiFile("widget/sdk.js")
	if err != nil {
		writeProblem(w, http.StatusNotFound, "the widget was not built into this binary")
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	http.ServeContent(w, r, "sdk.js", time.Time{}, bytes.NewReader(js))
}

func (s *Server) uiFile(name string) ([]byte, error) {
	if s.UI == nil {
		return nil, fs.ErrNotExist
	}
	return fs.ReadFile(s.UI, name)
}

// widgetRealtime streams a visitor's events: a WebSocket when the browser asks for one, else
// Server-Sent Events (networks that break WebSockets still pass those).
func (s *Server) widgetRealtime(w http.ResponseWriter, r *http.Request) {
	st, err := s.Widget.Connect(r.Context(), r.PathValue("inbox_identifier"), r.URL.Query().Get("pubsub_token"), clientIP(r.RemoteAddr))
	if err != nil {
		s.plainError(w, err)
		return
	}
	defer st.Close()
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.widgetSocket(w, r, st)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeProblem(w, http.StatusNotImplemented, "streaming is not supported here")
		return
	}
	streamSSE(w, r, flusher, st.C, widgetKeepalive)
}

// widgetSocket serves the stream over a WebSocket. The page that opens it is Parley's own widget
// page, so the library's same-origin check stays on.
func (s *Server) widgetSocket(w http.ResponseWriter, r *http.Request, st *widget.Stream) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered
	}
	defer c.CloseNow()
	ctx := c.CloseRead(r.Context()) // the visitor sends nothing here; this notices the close
	ping := time.NewTicker(widgetKeepalive)
	defer ping.Stop()
	write := func(fn func(context.Context) error) bool {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return fn(wctx) == nil
	}
	for {
		select {
		case <-ctx.Done():
			return
		case msg, ok := <-st.C:
			if !ok {
				c.Close(websocket.StatusGoingAway, "server shutting down")
				return
			}
			if !write(func(ctx context.Context) error { return c.Write(ctx, websocket.MessageText, msg) }) {
				return
			}
		case <-ping.C:
			if !write(c.Ping) {
				return
			}
		}
	}
}
