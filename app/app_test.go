package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"
)

// harness runs the whole app on a temp data dir behind a real HTTP server.
type harness struct {
	t   *testing.T
	app *app.App
	srv *httptest.Server
}

func start(t *testing.T) *harness {
	t.Helper()
	a, err := app.New(app.Config{DataDir: t.TempDir(), Version: "test", BcryptCost: bcrypt.MinCost, BackupSchedule: "off", Logger: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := a.DB.Check(); err != nil {
			t.Errorf("store check: %v", err)
		}
		a.Stop()
	})
	return &harness{t: t, app: a, srv: srv}
}

type resp struct {
	Status int
	Header http.Header
	Body   map[string]any
	List   []any
	Raw    string
}

// call sends JSON with an optional token ("" for none; "pat:" prefix uses api_access_token).
func (h *harness) call(method, path, token string, body any) resp {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if strings.HasPrefix(token, "pat:") {
		req.Header.Set("api_access_token", strings.TrimPrefix(token, "pat:"))
	} else if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	if len(raw) > 0 && raw[0] == '[' {
		json.Unmarshal(raw, &out.List)
	} else {
		json.Unmarshal(raw, &out.Body)
	}
	return out
}

func (h *harness) must(r resp, status int) resp {
	h.t.Helper()
	if r.Status != status {
		h.t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}

// fieldError returns the message for a field in a problem+json body.
func fieldError(r resp, field string) string {
	errs, _ := r.Body["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		if m["location"] == "body."+field {
			return fmt.Sprint(m["message"])
		}
	}
	return ""
}

func (h *harness) setup() (token string, account uint64) {
	h.t.Helper()
	r := h.must(h.call("POST", "/api/v1/setup", "", map[string]any{"account_name": "Padaria", "name": "Owner", "email": "owner@example.com", "password": "correct horse"}), 201)
	return r.Body["token"].(string), uint64(r.Body["account_id"].(float64))
}

func (h *harness) login(email, password, otp string) resp {
	h.t.Helper()
	return h.call("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": password, "otp": otp})
}

func TestSetupOnceAndValidation(t *testing.T) {
	h := start(t)
	if r := h.must(h.call("GET", "/api/v1/setup", "", nil), 200); r.Body["needed"] != true {
		t.Fatalf("setup needed: %v", r.Body)
	}
	bad := h.must(h.call("POST", "/api/v1/setup", "", map[string]any{"account_name": "", "name": "x", "email": "nope", "password": "short", "time_zone": "Mars/Base"}), 422)
	for _, f := range []string{"account_name", "email", "password", "time_zone"} {
		if fieldError(bad, f) == "" {
			t.Errorf("no error for %s: %s", f, bad.Raw)
		}
	}
	if ct := bad.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("content type %q", ct)
	}
	token, acc := h.setup()
	profile := h.must(h.call("GET", "/api/v1/profile", token, nil), 200)
	if profile.Body["is_operator"] != true || profile.Body["email"] != "owner@example.com" {
		t.Fatalf("profile %s", profile.Raw)
	}
	account := h.must(h.call("GET", fmt.Sprintf("/api/v1/accounts/%d", acc), token, nil), 200)
	if account.Body["currency"] != "BRL" || account.Body["time_zone"] != "America/Sao_Paulo" {
		t.Errorf("defaults %s", account.Raw)
	}
	h.must(h.call("POST", "/api/v1/setup", "", map[string]any{"account_name": "Again", "name": "X", "email": "x@example.com", "password": "whatever123"}), 409)
	if r := h.must(h.call("GET", "/api/v1/setup", "", nil), 200); r.Body["needed"] != false {
		t.Fatal("setup still needed")
	}
	// The first team exists and holds the owner.
	teams := h.must(h.call("GET", fmt.Sprintf("/api/v1/accounts/%d/teams", acc), token, nil), 200)
	if len(teams.List) != 1 || teams.List[0].(map[string]any)["members_count"].(float64) != 1 {
		t.Errorf("teams %s", teams.Raw)
	}
	// The OpenAPI document describes the routes.
	doc := h.must(h.call("GET", "/api/v1/openapi.json", "", nil), 200)
	paths := doc.Body["paths"].(map[string]any)
	for _, p := range []string{"/api/v1/auth/login", "/api/v1/accounts/{account_id}/agents", "/api/v1/accounts/{account_id}/agents/{id}"} {
		if paths[p] == nil {
			t.Errorf("openapi lacks %s", p)
		}
	}
	if doc.Body["openapi"] != "3.1.0" {
		t.Errorf("openapi version %v", doc.Body["openapi"])
	}
	h.must(h.call("GET", "/healthz", "", nil), 200)
	h.must(h.call("GET", "/api/v1/nope", token, nil), 404)
}

func TestLoginErrorsAndThrottle(t *testing.T) {
	h := start(t)
	h.setup()
	unknown := h.must(h.login("ghost@example.com", "whatever123", ""), 401)
	wrong := h.must(h.login("owner@example.com", "whatever123", ""), 401)
	if unknown.Body["detail"] != wrong.Body["detail"] {
		t.Errorf("messages differ: %q vs %q", unknown.Body["detail"], wrong.Body["detail"])
	}
	ok := h.must(h.login("OWNER@example.com", "correct horse", ""), 200)
	if ok.Body["token"] == "" || len(ok.Body["accounts"].([]any)) != 1 {
		t.Fatalf("login %s", ok.Raw)
	}
	// Logout ends the session.
	tok := ok.Body["token"].(string)
	h.must(h.call("POST", "/api/v1/auth/logout", tok, nil), 204)
	h.must(h.call("GET", "/api/v1/profile", tok, nil), 401)
	// Repeated failures are throttled, for known and unknown emails alike.
	var last resp
	for i := 0; i < 6; i++ {
		last = h.login("owner@example.com", "bad password", "")
	}
	if last.Status != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("after 6 failures: %d %s", last.Status, last.Raw)
	}
	// Even the right password waits now.
	h.must(h.login("owner@example.com", "correct horse", ""), 429)
}

func TestAgentsRolesAndPermissions(t *testing.T) {
	h := start(t)
	owner, acc := h.setup()
	base := fmt.Sprintf("/api/v1/accounts/%d", acc)
	created := h.must(h.call("POST", base+"/agents", owner, map[string]any{"name": "Ana", "email": "ana@example.com", "role": "agent"}), 201)
	temp, _ := created.Body["temporary_password"].(string)
	if len(temp) < 12 {
		t.Fatalf("temporary password %q", temp)
	}
	anaID := uint64(created.Body["id"].(float64))
	// Same email again: conflict naming the field.
	dup := h.must(h.call("POST", base+"/agents", owner, map[string]any{"name": "Ana", "email": "ana@example.com", "role": "agent"}), 409)
	if fieldError(dup, "email") == "" {
		t.Errorf("dup %s", dup.Raw)
	}
	h.must(h.call("POST", base+"/agents", owner, map[string]any{"name": "X", "email": "x@example.com", "role": "boss"}), 422)

	ana := h.must(h.login("ana@example.com", temp, ""), 200).Body["token"].(string)
	prof := h.must(h.call("GET", "/api/v1/profile", ana, nil), 200)
	if prof.Body["must_change_password"] != true {
		t.Error("temporary password not flagged")
	}
	ref := prof.Body["accounts"].([]any)[0].(map[string]any)
	if ref["role"] != "agent" || ref["permissions"].(map[string]any)["settings"] != "none" {
		t.Errorf("agent ref %v", ref)
	}
	// New users join the first team.
	members := h.must(h.call("GET", base+"/teams/1/team_members", owner, nil), 200)
	if len(members.List) != 2 {
		t.Errorf("first team members %s", members.Raw)
	}
	// An agent sees colleagues but cannot change settings, add agents, roles or read the audit log.
	h.must(h.call("GET", base+"/agents", ana, nil), 200)
	h.must(h.call("PATCH", base, ana, map[string]any{"name": "Mine now"}), 403)
	h.must(h.call("POST", base+"/agents", ana, map[string]any{"name": "B", "email": "b@example.com", "role": "agent"}), 403)
	h.must(h.call("GET", base+"/custom_roles", ana, nil), 403)
	h.must(h.call("GET", base+"/audit_logs", ana, nil), 403)
	h.must(h.call("POST", base+"/teams", ana, map[string]any{"name": "Mine"}), 403)
	// …but may set their own availability.
	h.must(h.call("PATCH", fmt.Sprintf("%s/agents/%d", base, anaID), ana, map[string]any{"availability_status": "busy"}), 200)
	h.must(h.call("PATCH", fmt.Sprintf("%s/agents/%d", base, anaID), ana, map[string]any{"role": "administrator"}), 403)

	// A custom role narrows an agent's modules.
	role := h.must(h.call("POST", base+"/custom_roles", owner, map[string]any{"name": "Viewer", "permissions": map[string]string{"contacts": "view", "nope": "manage"}}), 422)
	if fieldError(role, "permissions.nope") == "" {
		t.Errorf("unknown module accepted: %s", role.Raw)
	}
	role = h.must(h.call("POST", base+"/custom_roles", owner, map[string]any{"name": "Viewer", "permissions": map[string]string{"contacts": "view"}}), 201)
	roleID := role.Body["id"].(float64)
	h.must(h.call("PATCH", fmt.Sprintf("%s/agents/%d", base, anaID), owner, map[string]any{"custom_role_id": roleID}), 200)
	perms := h.must(h.call("GET", "/api/v1/profile", ana, nil), 200).Body["accounts"].([]any)[0].(map[string]any)["permissions"].(map[string]any)
	if perms["contacts"] != "view" || perms["conversations"] != nil {
		t.Errorf("custom role permissions %v", perms)
	}
	h.must(h.call("DELETE", fmt.Sprintf("%s/custom_roles/%d", base, int(roleID)), owner, nil), 409)

	// The last administrator can be neither demoted nor removed; nobody removes themselves.
	ownerID := uint64(h.must(h.call("GET", "/api/v1/profile", owner, nil), 200).Body["id"].(float64))
	h.must(h.call("PATCH", fmt.Sprintf("%s/agents/%d", base, ownerID), owner, map[string]any{"role": "agent"}), 409)
	h.must(h.call("DELETE", fmt.Sprintf("%s/agents/%d", base, ownerID), owner, nil), 409)

	// Removing Ana ends her sessions (she belongs nowhere else).
	h.must(h.call("DELETE", fmt.Sprintf("%s/agents/%d", base, anaID), owner, nil), 204)
	h.must(h.call("GET", "/api/v1/profile", ana, nil), 401)

	// The audit log has the story, newest first.
	logs := h.must(h.call("GET", base+"/audit_logs", owner, nil), 200)
	var actions []string
	for _, it := range logs.Body["items"].([]any) {
		actions = append(actions, it.(map[string]any)["action"].(string))
	}
	joined := strings.Join(actions, ",")
	for _, want := range []string{"agent.removed", "agent.updated", "role.created", "auth.login", "agent.added", "account.created"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit lacks %s: %s", want, joined)
		}
	}
	if actions[0] != "agent.removed" {
		t.Errorf("not newest first: %v", actions)
	}
	filtered := h.must(h.call("GET", base+"/audit_logs?action=agent.added", owner, nil), 200)
	if n := len(filtered.Body["items"].([]any)); n != 1 {
		t.Errorf("filter by action: %d items", n)
	}
}

func TestAccountIsolation(t *testing.T) {
	h := start(t)
	owner, acc1 := h.setup()
	// The operator creates a second account for a second business with its own admin.
	h.must(h.call("POST", fmt.Sprintf("/api/v1/accounts/%d/agents", acc1), owner, map[string]any{"name": "Bia", "email": "bia@example.com", "role": "agent", "password": "bia-password"}), 201)
	acc2 := h.must(h.call("POST", "/api/v1/platform/accounts", owner, map[string]any{"name": "Oficina", "owner_email": "bia@example.com"}), 201)
	acc2ID := uint64(acc2.Body["id"].(float64))
	// Bia is admin of account 2 and a plain agent in account 1; she removes herself from nothing.
	bia := h.must(h.login("bia@example.com", "bia-password", ""), 200).Body["token"].(string)
	h.must(h.call("POST", fmt.Sprintf("/api/v1/accounts/%d/agents", acc2ID), bia, map[string]any{"name": "Caio", "email": "caio@example.com", "role": "agent", "password": "caio-password"}), 201)
	caio := h.must(h.login("caio@example.com", "caio-password", ""), 200).Body["token"].(string)
	// Caio, of account 2 only, cannot read anything of account 1 by any id: every route is 404.
	for _, p := range []string{"", "/agents", "/teams", "/teams/1", "/teams/1/team_members", "/notifications", "/audit_logs", "/custom_roles"} {
		h.must(h.call("GET", fmt.Sprintf("/api/v1/accounts/%d%s", acc1, p), caio, nil), 404)
	}
	h.must(h.call("PATCH", fmt.Sprintf("/api/v1/accounts/%d/agents/1", acc1), caio, map[string]any{"name": "hacked"}), 404)
	// Ids of account 1's records used inside account 2 are not found either.
	team1 := h.must(h.call("GET", fmt.Sprintf("/api/v1/accounts/%d/teams", acc1), owner, nil), 200).List[0].(map[string]any)["id"].(float64)
	h.must(h.call("GET", fmt.Sprintf("/api/v1/accounts/%d/teams/%d", acc2ID, int(team1)), bia, nil), 404)
	h.must(h.call("DELETE", fmt.Sprintf("/api/v1/accounts/%d/agents/1", acc2ID), bia, nil), 404)
	// Only the operator reaches platform routes.
	h.must(h.call("GET", "/api/v1/platform/accounts", bia, nil), 403)
	list := h.must(h.call("GET", "/api/v1/platform/accounts", owner, nil), 200)
	if len(list.List) != 2 {
		t.Errorf("platform list %s", list.Raw)
	}
	// Bia got a notification in account 2? She was made its admin at creation (no notice); in
	// account 1 she has none. Adding her elsewhere notifies her.
	// Plan limits: account 2 allows 2 agents, it has 2.
	h.must(h.call("PATCH", fmt.Sprintf("/api/v1/platform/accounts/%d", acc2ID), owner, map[string]any{"plan": map[string]any{"max_agents": 2}, "modules": map[string]bool{"orders": true, "contacts": false}}), 422)
	h.must(h.call("PATCH", fmt.Sprintf("/api/v1/platform/accounts/%d", acc2ID), owner, map[string]any{"plan": map[string]any{"max_agents": 2}, "modules": map[string]bool{"orders": true, "crm": false}}), 200)
	h.must(h.call("POST", fmt.Sprintf("/api/v1/accounts/%d/agents", acc2ID), bia, map[string]any{"name": "Dani", "email": "dani@example.com", "role": "agent"}), 409)
	mods := h.must(h.call("GET", "/api/v1/profile", bia, nil), 200)
	for _, ref := range mods.Body["accounts"].([]any) {
		r := ref.(map[string]any)
		if uint64(r["id"].(float64)) != acc2ID {
			continue
		}
		got := fmt.Sprint(r["modules"])
		if !strings.Contains(got, "orders") || strings.Contains(got, "crm") {
			t.Errorf("modules of account 2: %s", got)
		}
	}
}

func TestTwoFactorAndTokens(t *testing.T) {
	h := start(t)
	owner, acc := h.setup()
	enr := h.must(h.call("POST", "/api/v1/profile/2fa/enroll", owner, nil), 200)
	secret := enr.Body["secret"].(string)
	if !strings.HasPrefix(enr.Body["qr_png"].(string), "data:image/png;base64,") || !strings.HasPrefix(enr.Body["otpauth_url"].(string), "otpauth://totp/Parley") {
		t.Fatalf("enrolment %s", enr.Raw)
	}
	bad := h.must(h.call("POST", "/api/v1/profile/2fa/confirm", owner, map[string]any{"otp": "000000"}), 422)
	if fieldError(bad, "otp") == "" {
		t.Errorf("bad code: %s", bad.Raw)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	conf := h.must(h.call("POST", "/api/v1/profile/2fa/confirm", owner, map[string]any{"otp": code}), 200)
	recovery := conf.Body["recovery_codes"].([]any)
	if len(recovery) != 10 {
		t.Fatalf("recovery codes %v", recovery)
	}
	// A password alone is no longer enough; the answer names the otp field.
	need := h.must(h.login("owner@example.com", "correct horse", ""), 401)
	if fieldError(need, "otp") == "" {
		t.Fatalf("otp not requested: %s", need.Raw)
	}
	// The code used to confirm cannot be replayed; the next step's code works once.
	h.must(h.login("owner@example.com", "correct horse", code), 401)
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	h.must(h.login("owner@example.com", "correct horse", next), 200)
	// A recovery code works once.
	rc := recovery[0].(string)
	h.must(h.login("owner@example.com", "correct horse", rc), 200)
	h.must(h.login("owner@example.com", "correct horse", rc), 401)

	// Personal access tokens authenticate with the api_access_token header until revoked.
	h.must(h.call("POST", "/api/v1/profile/access_tokens", owner, map[string]any{"name": ""}), 422)
	pat := h.must(h.call("POST", "/api/v1/profile/access_tokens", owner, map[string]any{"name": "Zapier"}), 201)
	secretTok := pat.Body["token"].(string)
	h.must(h.call("GET", fmt.Sprintf("/api/v1/accounts/%d/agents", acc), "pat:"+secretTok, nil), 200)
	list := h.must(h.call("GET", "/api/v1/profile/access_tokens", owner, nil), 200)
	if len(list.List) != 1 || list.List[0].(map[string]any)["token"] != nil {
		t.Fatalf("token list leaks or misses: %s", list.Raw)
	}
	h.must(h.call("DELETE", fmt.Sprintf("/api/v1/profile/access_tokens/%d", int(pat.Body["id"].(float64))), owner, nil), 204)
	h.must(h.call("GET", fmt.Sprintf("/api/v1/accounts/%d/agents", acc), "pat:"+secretTok, nil), 401)

	// An account that requires 2FA shuts out members without it until they enrol.
	h.must(h.call("PATCH", fmt.Sprintf("/api/v1/accounts/%d", acc), owner, map[string]any{"require_2fa": true}), 200)
	h.must(h.call("POST", fmt.Sprintf("/api/v1/accounts/%d/agents", acc), owner, map[string]any{"name": "Eva", "email": "eva@example.com", "role": "agent", "password": "eva-password"}), 201)
	eva := h.must(h.login("eva@example.com", "eva-password", ""), 200).Body["token"].(string)
	h.must(h.call("GET", fmt.Sprintf("/api/v1/accounts/%d/agents", acc), eva, nil), 403)
	h.must(h.call("GET", "/api/v1/profile", eva, nil), 200)
	// The owner cannot turn 2FA off while the account requires it.
	h.must(h.call("POST", "/api/v1/profile/2fa/disable", owner, map[string]any{"password": "correct horse"}), 409)
}

func TestNotificationsPushedOverSSE(t *testing.T) {
	h := start(t)
	owner, acc1 := h.setup()
	h.must(h.call("POST", fmt.Sprintf("/api/v1/accounts/%d/agents", acc1), owner, map[string]any{"name": "Bia", "email": "bia@example.com", "role": "agent", "password": "bia-password"}), 201)
	bia := h.must(h.login("bia@example.com", "bia-password", ""), 200).Body["token"].(string)

	req, _ := http.NewRequest("GET", h.srv.URL+"/api/v1/realtime?token="+bia, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("sse %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// Bia joins a team: she is notified, live.
	team := h.must(h.call("POST", fmt.Sprintf("/api/v1/accounts/%d/teams", acc1), owner, map[string]any{"name": "Vendas"}), 201)
	biaID := h.must(h.call("GET", "/api/v1/profile", bia, nil), 200).Body["id"].(float64)
	h.must(h.call("POST", fmt.Sprintf("/api/v1/accounts/%d/teams/%d/team_members", acc1, int(team.Body["id"].(float64))), owner, map[string]any{"user_ids": []float64{biaID}}), 200)
	sc := bufio.NewScanner(res.Body)
	got := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"notification.created"`) {
			if !strings.Contains(line, "Vendas") {
				t.Errorf("notification payload %s", line)
			}
			got = true
			break
		}
	}
	if !got {
		t.Fatal("no notification pushed")
	}
	bell := h.must(h.call("GET", fmt.Sprintf("/api/v1/accounts/%d/notifications", acc1), bia, nil), 200)
	if bell.Body["unread_count"].(float64) != 1 {
		t.Fatalf("bell %s", bell.Raw)
	}
	id := bell.Body["items"].([]any)[0].(map[string]any)["id"].(float64)
	// The owner cannot mark Bia's notification read.
	h.must(h.call("POST", fmt.Sprintf("/api/v1/accounts/%d/notifications/%d/read", acc1, int(id)), owner, nil), 404)
	h.must(h.call("POST", fmt.Sprintf("/api/v1/accounts/%d/notifications/%d/read", acc1, int(id)), bia, nil), 204)
	if n := h.must(h.call("GET", fmt.Sprintf("/api/v1/accounts/%d/notifications", acc1), bia, nil), 200).Body["unread_count"].(float64); n != 0 {
		t.Errorf("unread after read: %v", n)
	}
}

// TestAvatarUpload goes through the multipart route, the blob store and the public avatar URL.
func TestAvatarUpload(t *testing.T) {
	h := start(t)
	owner, _ := h.setup()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
	upload := func(name, contentType string, data []byte) resp {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
		hdr.Set("Content-Type", contentType)
		part, _ := w.CreatePart(hdr)
		part.Write(data)
		w.Close()
		req, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/profile/avatar", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+owner)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		out := resp{Status: res.StatusCode, Raw: string(raw)}
		json.Unmarshal(raw, &out.Body)
		return out
	}
	// A text file named .png is refused by its content, naming the field.
	bad := upload("evil.png", "image/png", []byte("<script>alert(1)</script>"))
	if bad.Status != 422 || fieldError(bad, "file") == "" {
		t.Fatalf("non-image accepted: %d %s", bad.Status, bad.Raw)
	}
	ok := h.must(upload("me.png", "image/png", png), 200)
	url, _ := ok.Body["avatar_url"].(string)
	if !strings.HasPrefix(url, "/media/avatars/") {
		t.Fatalf("avatar url %q", url)
	}
	img, err := http.Get(h.srv.URL + url)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(img.Body)
	img.Body.Close()
	if img.StatusCode != 200 || !bytes.Equal(got, png) {
		t.Fatalf("avatar served %d, %d bytes", img.StatusCode, len(got))
	}
	// Blobs that are nobody's avatar are not served through this route.
	h.must(h.call("GET", "/media/avatars/"+strings.Repeat("0", 64), "", nil), 404)
}

// TestShutdownEndsStreams: an open SSE stream must not hold up the server's graceful shutdown.
func TestShutdownEndsStreams(t *testing.T) {
	h := start(t)
	owner, _ := h.setup()
	h.srv.Config.RegisterOnShutdown(h.app.CloseStreams)
	res, err := http.Get(h.srv.URL + "/api/v1/realtime?token=" + owner)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	bufio.NewReader(res.Body).ReadString('\n') // connected
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.srv.Config.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with an open stream: %v", err)
	}
}
