package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// cvAPI is the conversations HTTP surface: the harness's owner, an agent working its API inbox
// (Bruno, the harness's agent) and an agent who does not (Dan) are signed in.
type cvAPI struct {
	*harness
	inboxID  uint64
	brunoID  uint64
	danToken string
}

func cvStart(t *testing.T) *cvAPI {
	t.Helper()
	h := &cvAPI{harness: newHarness(t)}
	h.brunoID = h.agentID
	_, h.danToken = h.addAgent(accounts.NewAgent{Name: "Dan Fora", Email: "dan@example.com"})
	err := h.db.Update(func(tx *storage.Tx) error {
		in := &inboxes.Inbox{AccountID: h.acct, Name: "API", ChannelType: inboxes.ChannelAPI, Enabled: true, MemberIDs: []uint64{h.brunoID}}
		if err := inboxes.Inboxes.Put(tx, in); err != nil {
			return err
		}
		h.inboxID = in.ID
		return conversations.Labels.Put(tx, &conversations.Label{AccountID: h.acct, Title: "billing"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// raw calls the API and returns the response (the caller closes it).
func (h *cvAPI) raw(req *http.Request, token string) *http.Response {
	h.t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

func TestConversationsAPI(t *testing.T) {
	h := cvStart(t)
	ctx := context.Background()
	r, err := h.convs.Ingest(ctx, h.acct, conversations.Inbound{InboxID: h.inboxID, Contact: contacts.Identity{SourceID: "v1", Name: "Maria Souza"}, Content: "Where is my order?", SourceID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(r.DisplayID)

	var list struct {
		Data struct {
			Meta    map[string]int   `json:"meta"`
			Payload []map[string]any `json:"payload"`
		} `json:"data"`
	}
	if code := h.do("GET", "/conversations?assignee_type=unassigned", h.agentToken, nil, &list); code != 200 || len(list.Data.Payload) != 1 || list.Data.Meta["all_count"] != 1 || list.Data.Meta["unassigned_count"] != 1 {
		t.Fatalf("list: %d %+v", code, list)
	}
	c := list.Data.Payload[0]
	sender := c["meta"].(map[string]any)["sender"].(map[string]any)
	if c["id"] != float64(r.DisplayID) || c["status"] != "open" || c["unread_count"] != 1.0 || sender["name"] != "Maria Souza" || c["priority"] != nil {
		t.Fatalf("conversation JSON: %v", c)
	}
	if last := c["messages"].([]any)[0].(map[string]any); last["content"] != "Where is my order?" || last["message_type"] != 0.0 {
		t.Fatalf("last message: %v", last)
	}
	// Dan does not work the inbox: nothing to list, and the conversation does not exist for him.
	list.Data.Payload = nil
	if code := h.do("GET", "/conversations", h.danToken, nil, &list); code != 200 || len(list.Data.Payload) != 0 {
		t.Fatalf("dan's list: %d %d", code, len(list.Data.Payload))
	}
	if code := h.do("GET", "/conversations/"+id, h.danToken, nil, nil); code != 404 {
		t.Fatalf("dan's get: %d", code)
	}

	var msg map[string]any
	if code := h.do("POST", "/conversations/"+id+"/messages", h.agentToken, map[string]any{"content": "It ships today"}, &msg); code != 200 || msg["message_type"] != 1.0 || msg["status"] != "sending" || msg["sender"].(map[string]any)["name"] != "Bruno Lima" {
		t.Fatalf("reply: %v", msg)
	}
	var p problem
	if code := h.do("POST", "/conversations/"+id+"/messages", h.agentToken, map[string]any{"content": "  "}, &p); code != 422 || p.at("body.content") == "" {
		t.Fatalf("blank message: %d %+v", code, p)
	}
	p = problem{}
	if code := h.do("POST", "/conversations/"+id+"/labels", h.agentToken, map[string]any{"labels": []string{"billing", "ghost"}}, &p); code != 422 || !strings.Contains(p.at("body.labels"), "ghost") {
		t.Fatalf("unknown label: %d %+v", code, p)
	}
	var labels struct {
		Payload []string `json:"payload"`
	}
	if code := h.do("POST", "/conversations/"+id+"/labels", h.agentToken, map[string]any{"labels": []string{"billing"}}, &labels); code != 200 || len(labels.Payload) != 1 {
		t.Fatalf("labels: %d %v", code, labels)
	}
	list.Data.Payload = nil
	if code := h.do("GET", "/conversations?labels[]=billing&labels[]=billing", h.agentToken, nil, &list); code != 200 || len(list.Data.Payload) != 1 {
		t.Fatalf("labels[] filter: %d %d", code, len(list.Data.Payload))
	}
	for _, q := range []string{"labels[]=ghost", "labels=ghost", "status=resolved", "inbox_id=999"} {
		list.Data.Payload = nil
		if code := h.do("GET", "/conversations?"+q, h.agentToken, nil, &list); code != 200 || len(list.Data.Payload) != 0 {
			t.Fatalf("%s: %d %d", q, code, len(list.Data.Payload))
		}
	}
	if code := h.do("POST", "/conversations/"+id+"/toggle_priority", h.agentToken, map[string]any{"priority": "urgent"}, nil); code != 200 {
		t.Fatalf("priority: %d", code)
	}
	var agent map[string]any
	if code := h.do("POST", "/conversations/"+id+"/assignments", h.adminToken, map[string]any{"assignee_id": h.brunoID}, &agent); code != 200 || agent["name"] != "Bruno Lima" || agent["availability_status"] != "online" {
		t.Fatalf("assign: %d %v", code, agent)
	}
	p = problem{}
	if code := h.do("POST", "/conversations/"+id+"/toggle_typing_status", h.agentToken, map[string]any{"typing_status": "maybe"}, &p); code != 422 || p.at("body.typing_status") == "" {
		t.Fatalf("typing: %d %+v", code, p)
	}
	if code := h.do("POST", "/conversations/"+id+"/update_last_seen", h.agentToken, nil, nil); code != 204 {
		t.Fatalf("read: %d", code)
	}
	var st struct {
		Payload struct {
			Success       bool   `json:"success"`
			CurrentStatus string `json:"current_status"`
		} `json:"payload"`
	}
	if code := h.do("POST", "/conversations/"+id+"/toggle_status", h.agentToken, map[string]any{"status": "resolved"}, &st); code != 200 || !st.Payload.Success || st.Payload.CurrentStatus != "resolved" {
		t.Fatalf("toggle status: %d %+v", code, st)
	}
	var got map[string]any
	h.do("GET", "/conversations/"+id, h.agentToken, nil, &got)
	if got["status"] != "resolved" || got["priority"] != "urgent" || got["unread_count"] != 0.0 || got["meta"].(map[string]any)["assignee"].(map[string]any)["id"] != float64(h.brunoID) {
		t.Fatalf("after actions: %v", got)
	}
	var meta struct {
		Meta map[string]int `json:"meta"`
	}
	if code := h.do("GET", "/conversations/meta?status=resolved", h.agentToken, nil, &meta); code != 200 || meta.Meta["mine_count"] != 1 {
		t.Fatalf("meta: %d %v", code, meta)
	}

	// Upload a picture, attach it, and fetch it through the signed link (no session needed).
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("attachment", "cat.png")
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 64)...)
	fw.Write(png)
	mw.Close()
	req, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/accounts/"+itoa(h.acct)+"/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := h.raw(req, h.agentToken)
	var att map[string]any
	json.NewDecoder(res.Body).Decode(&att)
	res.Body.Close()
	if res.StatusCode != 200 || att["file_type"] != "image" || att["name"] != "cat.png" {
		t.Fatalf("upload: %d %v", res.StatusCode, att)
	}
	msg = nil
	if code := h.do("POST", "/conversations/"+id+"/messages", h.agentToken, map[string]any{"attachments": []any{att}}, &msg); code != 200 {
		t.Fatalf("attach: %d %v", code, msg)
	}
	link := msg["attachments"].([]any)[0].(map[string]any)["data_url"].(string)
	req, _ = http.NewRequest("GET", h.srv.URL+link, nil)
	res = h.raw(req, "")
	served, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(served, png) || res.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") {
		t.Fatalf("download: %d %v %d bytes", res.StatusCode, res.Header, len(served))
	}
	req, _ = http.NewRequest("GET", h.srv.URL+strings.Replace(link, "sig=", "sig=x", 1), nil)
	if res = h.raw(req, ""); res.StatusCode != 404 {
		t.Fatalf("forged link: %d", res.StatusCode)
	}
	res.Body.Close()

	var msgs struct {
		Meta    map[string]any   `json:"meta"`
		Payload []map[string]any `json:"payload"`
	}
	if code := h.do("GET", "/conversations/"+id+"/messages", h.agentToken, nil, &msgs); code != 200 || len(msgs.Payload) < 3 || msgs.Payload[0]["content"] != "Where is my order?" {
		t.Fatalf("messages: %d %v", code, msgs.Payload)
	}

	// Search finds the conversation by contact name and the message by its words; Dan gets
	// nothing.
	h.index()
	var found struct {
		Payload struct {
			Conversations []map[string]any `json:"conversations"`
			Messages      []map[string]any `json:"messages"`
			Contacts      []map[string]any `json:"contacts"`
		} `json:"payload"`
	}
	if code := h.do("GET", "/search?q=maria", h.agentToken, nil, &found); code != 200 || len(found.Payload.Conversations) != 1 || len(found.Payload.Contacts) != 1 {
		t.Fatalf("search: %d %+v", code, found.Payload)
	}
	if code := h.do("GET", "/search?q=ships", h.agentToken, nil, &found); code != 200 || len(found.Payload.Messages) != 1 || !strings.Contains(found.Payload.Messages[0]["highlight"].(string), "<mark>ships</mark>") {
		t.Fatalf("message search: %d %+v", code, found.Payload.Messages)
	}
	if code := h.do("GET", "/search?q=ships", h.danToken, nil, &found); code != 200 || len(found.Payload.Messages) != 0 {
		t.Fatalf("dan's search: %d %+v", code, found.Payload.Messages)
	}

	if code := h.do("DELETE", "/conversations/"+id, h.agentToken, nil, nil); code != 403 {
		t.Fatalf("agent delete: %d", code)
	}
	if code := h.do("DELETE", "/conversations/"+id, h.adminToken, nil, nil); code != 204 {
		t.Fatalf("admin delete: %d", code)
	}
}

// TestContactConversationsAPI: the contact panel lists a contact's other conversations, newest
// first, and only those the caller may see (Dan works no inbox, so he gets none).
func TestContactConversationsAPI(t *testing.T) {
	h := cvStart(t)
	ctx := context.Background()
	first, err := h.convs.Ingest(ctx, h.acct, conversations.Inbound{InboxID: h.inboxID, Contact: contacts.Identity{SourceID: "v1", Name: "Maria Souza"}, Content: "First", SourceID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.convs.ToggleStatus(ctx, access.SystemActor(h.acct), first.DisplayID, conversations.StatusChange{Status: conversations.Resolved}); err != nil {
		t.Fatal(err)
	}
	second, err := h.convs.Ingest(ctx, h.acct, conversations.Inbound{InboxID: h.inboxID, Contact: contacts.Identity{SourceID: "v1", Name: "Maria Souza"}, Content: "Second", SourceID: "m2"})
	if err != nil {
		t.Fatal(err)
	}
	if second.DisplayID == first.DisplayID {
		t.Fatalf("a resolved conversation was reused: %+v", second)
	}
	var c map[string]any
	if code := h.do("GET", "/conversations/"+itoa(second.DisplayID), h.agentToken, nil, &c); code != 200 {
		t.Fatalf("get: %d", code)
	}
	contactID := c["meta"].(map[string]any)["sender"].(map[string]any)["id"]
	var got struct {
		Payload []map[string]any `json:"payload"`
	}
	path := "/contacts/" + itoa(uint64(contactID.(float64))) + "/conversations"
	if code := h.do("GET", path, h.agentToken, nil, &got); code != 200 || len(got.Payload) != 2 || got.Payload[0]["id"] != float64(second.DisplayID) || got.Payload[1]["id"] != float64(first.DisplayID) {
		t.Fatalf("contact conversations: %d %v", code, got)
	}
	if code := h.do("GET", path, h.danToken, nil, &got); code != 200 || len(got.Payload) != 0 {
		t.Fatalf("Dan sees: %d %v", code, got)
	}
}
