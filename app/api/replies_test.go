package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// rpServer is a real API over a temp store with an account, its owner's token and an agent's.
type rpServer struct {
	t       *testing.T
	srv     *httptest.Server
	base    string // /api/v1/accounts/{id}
	owner   string
	agent   string
	agentID uint64
}

func rpStart(t *testing.T) *rpServer {
	t.Helper()
	h := newHarness(t)
	return &rpServer{t: t, srv: h.srv, base: "/api/v1/accounts/" + itoa(h.acct), owner: h.adminToken, agent: h.agentToken, agentID: h.agentID}
}

// call sends JSON and checks the status; the decoded body is returned ("list" holds an array).
func (r *rpServer) call(method, path, token string, body any, want int) map[string]any {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, r.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		r.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	out := map[string]any{}
	if len(raw) > 0 && raw[0] == '[' {
		var l []any
		json.Unmarshal(raw, &l)
		out["list"] = l
	} else if len(raw) > 0 {
		json.Unmarshal(raw, &out)
	}
	return out
}

// rpHasField reports whether a problem+json body names field body.<field>.
func rpHasField(body map[string]any, field string) bool {
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["location"] == "body."+field {
			return true
		}
	}
	return false
}

func TestCannedResponsesAPI(t *testing.T) {
	r := rpStart(t)
	p := r.base + "/canned_responses"

	bad := r.call("POST", p, r.owner, map[string]any{"short_code": "two words"}, 422)
	if !rpHasField(bad, "short_code") || !rpHasField(bad, "content") {
		t.Fatalf("field errors: %v", bad)
	}
	r.call("POST", p, r.agent, map[string]any{"short_code": "hi", "content": "Hello"}, 403)
	c := r.call("POST", p, r.owner, map[string]any{"short_code": "Hi", "content": "Hello {{contact.first_name}}"}, 201)
	if c["short_code"] != "hi" || c["content"] != "Hello {{contact.first_name}}" {
		t.Fatalf("created: %v", c)
	}
	dup := r.call("POST", p, r.owner, map[string]any{"short_code": "hi", "content": "x"}, 409)
	if !rpHasField(dup, "short_code") {
		t.Fatalf("conflict: %v", dup)
	}
	r.call("POST", p, r.owner, map[string]any{"short_code": "bye", "content": "Goodbye"}, 201)

	list := r.call("GET", p+"?search=by", r.agent, nil, 200)["list"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["short_code"] != "bye" {
		t.Fatalf("search: %v", list)
	}
	id := int(c["id"].(float64))
	item := fmt.Sprintf("%s/%d", p, id)
	if up := r.call("PATCH", item, r.owner, map[string]any{"content": "Oi"}, 200); up["content"] != "Oi" || up["short_code"] != "hi" {
		t.Fatalf("patch: %v", up)
	}
	if up := r.call("PUT", item, r.owner, map[string]any{"short_code": "oi"}, 200); up["short_code"] != "oi" {
		t.Fatalf("put: %v", up)
	}
	r.call("DELETE", item, r.agent, nil, 403)
	r.call("DELETE", item, r.owner, nil, 204)
	r.call("DELETE", item, r.owner, nil, 404)
	if list := r.call("GET", p, r.agent, nil, 200)["list"].([]any); len(list) != 1 {
		t.Fatalf("after delete: %v", list)
	}
}

func TestMacrosAPI(t *testing.T) {
	r := rpStart(t)
	p := r.base + "/macros"

	bad := r.call("POST", p, r.agent, map[string]any{"name": "Close", "actions": []any{
		map[string]any{"action_name": "change_status", "action_params": []any{"resolved"}},
		map[string]any{"action_name": "assign_agent", "action_params": []any{424242}},
	}}, 422)
	if !rpHasField(bad, "actions[1].action_params") {
		t.Fatalf("field errors: %v", bad)
	}
	r.call("POST", p, r.agent, map[string]any{"name": "G", "visibility": "global", "actions": []any{map[string]any{"action_name": "change_status", "action_params": []any{"open"}}}}, 403)

	created := r.call("POST", p, r.agent, map[string]any{"name": "Close", "actions": []any{
		map[string]any{"action_name": "assign_agent", "action_params": []any{r.agentID}},
		map[string]any{"action_name": "change_status", "action_params": []any{"resolved"}},
	}}, 201)
	m := created["payload"].(map[string]any)
	if m["visibility"] != "personal" || len(m["actions"].([]any)) != 2 {
		t.Fatalf("created: %v", created)
	}
	item := fmt.Sprintf("%s/%d", p, int(m["id"].(float64)))

	if l := r.call("GET", p, r.agent, nil, 200)["payload"].([]any); len(l) != 1 {
		t.Fatalf("author's list: %v", l)
	}
	if l := r.call("GET", p, r.owner, nil, 200)["payload"].([]any); len(l) != 0 {
		t.Fatalf("someone else's personal macro listed: %v", l)
	}
	r.call("GET", item, r.owner, nil, 404)
	if got := r.call("GET", item, r.agent, nil, 200)["payload"].(map[string]any); got["name"] != "Close" {
		t.Fatalf("get: %v", got)
	}
	if got := r.call("PATCH", item, r.agent, map[string]any{"name": "Resolve"}, 200)["payload"].(map[string]any); got["name"] != "Resolve" {
		t.Fatalf("patch: %v", got)
	}
	if e := r.call("POST", item+"/execute", r.agent, map[string]any{"conversation_ids": []any{}}, 422); !rpHasField(e, "conversation_ids") {
		t.Fatalf("execute without conversations: %v", e)
	}
	r.call("POST", item+"/execute", r.owner, map[string]any{"conversation_ids": []any{1}}, 404)
	r.call("DELETE", item, r.owner, nil, 404)
	r.call("DELETE", item, r.agent, nil, 204)
}

func TestCustomFiltersAPI(t *testing.T) {
	r := rpStart(t)
	p := r.base + "/custom_filters"

	bad := r.call("POST", p, r.agent, map[string]any{"name": "x", "filter_type": "conversation", "query": map[string]any{"status": "closed"}}, 422)
	if !rpHasField(bad, "query.status") {
		t.Fatalf("field errors: %v", bad)
	}
	r.call("POST", p, r.agent, map[string]any{"name": "x", "filter_type": "contact", "query": map[string]any{}}, 422)
	v := r.call("POST", p, r.agent, map[string]any{"name": "Urgent", "filter_type": "conversation", "query": map[string]any{"status": "open", "priority": "urgent"}}, 201)
	if v["name"] != "Urgent" || v["filter_type"] != "conversation" || v["query"].(map[string]any)["priority"] != "urgent" {
		t.Fatalf("created: %v", v)
	}
	item := fmt.Sprintf("%s/%d", p, int(v["id"].(float64)))
	if l := r.call("GET", p+"?filter_type=conversation", r.agent, nil, 200)["list"].([]any); len(l) != 1 {
		t.Fatalf("list: %v", l)
	}
	if l := r.call("GET", p+"?filter_type=contact", r.agent, nil, 200)["list"].([]any); len(l) != 0 {
		t.Fatalf("contact filters: %v", l)
	}
	if l := r.call("GET", p, r.owner, nil, 200)["list"].([]any); len(l) != 0 {
		t.Fatalf("owner sees the agent's view: %v", l)
	}
	r.call("PATCH", item, r.owner, map[string]any{"name": "Mine now"}, 404)
	if up := r.call("PATCH", item, r.agent, map[string]any{"name": "Very urgent"}, 200); up["name"] != "Very urgent" || up["query"].(map[string]any)["status"] != "open" {
		t.Fatalf("patch: %v", up)
	}
	r.call("DELETE", item, r.owner, nil, 404)
	r.call("DELETE", item, r.agent, nil, 204)
}
