package api

import (
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/parleyhq/parley/app/mail"
	"github.com/parleyhq/parley/storage"
)

// mailTestServer is a real SMTP server on 127.0.0.1 (no sign-in) that records the recipients
// of what it accepts and rejects recipients at reject.example.com.
type mailTestServer struct {
	host string
	port int
	mu   sync.Mutex
	to   []string
}

func startMailTestServer(t *testing.T) *mailTestServer {
	t.Helper()
	ts := &mailTestServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailTestSession{srv: ts}, nil }))
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	ts.host = host
	ts.port, _ = strconv.Atoi(port)
	return ts
}

func (ts *mailTestServer) received() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.to...)
}

type mailTestSession struct {
	srv *mailTestServer
	to  string
}

func (s *mailTestSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailTestSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasSuffix(to, "@reject.example.com") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = to
	return nil
}
func (s *mailTestSession) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	s.srv.mu.Lock()
	s.srv.to = append(s.srv.to, s.to)
	s.srv.mu.Unlock()
	return nil
}
func (s *mailTestSession) Reset()        {}
func (s *mailTestSession) Logout() error { return nil }

func TestMailSettingsAPI(t *testing.T) {
	h := newHarness(t)
	const path = "/api/v1/platform/mail"
	if code := h.do("GET", path, h.agentToken, nil, nil); code != 403 {
		t.Fatalf("agent read the mail settings: %d", code)
	}
	if code := h.do("PUT", path, h.agentToken, map[string]any{"host": "smtp.example.com"}, nil); code != 403 {
		t.Fatalf("agent changed the mail settings: %d", code)
	}
	var s map[string]any
	if code, raw := h.call("GET", path, h.adminToken, nil, &s); code != 200 || s["security"] != "starttls" || s["enabled"] != false {
		t.Fatalf("defaults: %d %s", code, raw)
	}

	var p problem
	h.call("PUT", path, h.adminToken, map[string]any{"enabled": true, "port": 0, "security": "ssl", "from_address": "nope"}, &p)
	if p.Status != 422 || p.at("body.host") == "" || p.at("body.security") == "" || p.at("body.from_address") == "" {
		t.Fatalf("invalid settings: %+v", p)
	}

	code, raw := h.call("PUT", path, h.adminToken, map[string]any{"enabled": true, "host": "smtp.example.com", "port": 2525, "security": "none",
		"username": "parley", "password": "s3cret-pass", "from_name": "Parley", "from_address": "noreply@example.com"}, &s)
	if code != 200 || s["password_set"] != true || s["port"] != float64(2525) || s["host"] != "smtp.example.com" {
		t.Fatalf("save: %d %s", code, raw)
	}
	if strings.Contains(raw, "s3cret") || strings.Contains(raw, `"password"`) {
		t.Fatalf("the password came back: %s", raw)
	}
	// Saving again without a password keeps it; the answer never has it.
	code, raw = h.call("PUT", path, h.adminToken, map[string]any{"enabled": true, "host": "smtp.example.com", "security": "none",
		"username": "parley", "from_address": "noreply@example.com"}, &s)
	if code != 200 || s["password_set"] != true || s["port"] != float64(25) {
		t.Fatalf("resave: %d %s", code, raw)
	}
	if _, raw = h.call("GET", path, h.adminToken, nil, nil); strings.Contains(raw, "s3cret") {
		t.Fatalf("GET shows the password: %s", raw)
	}
}

func TestMailTestAndOutgoingAPI(t *testing.T) {
	h := newHarness(t)
	ts := startMailTestServer(t)
	const path = "/api/v1/platform/mail"
	var p problem
	if h.call("POST", path+"/test", h.adminToken, map[string]any{"to": "ana@example.com"}, &p); p.Status != 422 || p.at("body.host") == "" {
		t.Fatalf("test before setup: %+v", p)
	}
	if code := h.do("PUT", path, h.adminToken, map[string]any{"host": ts.host, "port": ts.port, "security": "none", "from_address": "noreply@example.com"}, nil); code != 200 {
		t.Fatalf("save: %d", code)
	}
	if code := h.do("POST", path+"/test", h.agentToken, map[string]any{"to": "ana@example.com"}, nil); code != 403 {
		t.Fatalf("agent sent a test: %d", code)
	}
	var ok map[string]bool
	if code, raw := h.call("POST", path+"/test", h.adminToken, map[string]any{"to": "ana@example.com"}, &ok); code != 200 || !ok["ok"] {
		t.Fatalf("test: %d %s", code, raw)
	}
	if got := ts.received(); len(got) != 1 || got[0] != "ana@example.com" {
		t.Fatalf("server got %v", got)
	}
	p = problem{}
	if h.call("POST", path+"/test", h.adminToken, map[string]any{"to": "x@reject.example.com"}, &p); p.Status != 422 || !strings.Contains(p.at("body.to"), "550") {
		t.Fatalf("rejected recipient: %+v", p)
	}

	// A queued message shows in the operator's list with its state once sent.
	if err := h.db.Update(func(tx *storage.Tx) error {
		return mail.Queue(tx, mail.Message{AccountID: h.acct, To: "bia@example.com", Subject: "Lembrete", Text: "T"})
	}); err != nil {
		t.Fatal(err)
	}
	if code := h.do("PUT", path, h.adminToken, map[string]any{"enabled": true, "host": ts.host, "port": ts.port, "security": "none", "from_address": "noreply@example.com"}, nil); code != 200 {
		t.Fatalf("turn on: %d", code)
	}
	if _, err := h.mail.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Payload []mail.Message `json:"payload"`
	}
	if code, raw := h.call("GET", path+"/outgoing", h.adminToken, nil, &list); code != 200 || len(list.Payload) != 1 ||
		list.Payload[0].State != mail.StateSent || list.Payload[0].To != "bia@example.com" || list.Payload[0].AccountID != h.acct {
		t.Fatalf("outgoing: %d %s", code, raw)
	}
	if code := h.do("GET", path+"/outgoing", h.agentToken, nil, nil); code != 403 {
		t.Fatalf("agent listed the mail: %d", code)
	}
}
