package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/channels/client"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/storagetest"
)

// clAPI is the public client API over HTTP on a real store: one account with a website inbox
// whose public identifier is "web-tok" and whose HMAC secret is "k".
type clAPI struct {
	t     *testing.T
	db    *storage.DB
	srv   *httptest.Server
	convs *conversations.Service
	acct  uint64
	inbox *inboxes.Inbox
}

func clStart(t *testing.T) *clAPI {
	t.Helper()
	db := storagetest.Open(t, t.TempDir(), storage.Options{NoSync: true})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	blobs := blob.New(db)
	convs := conversations.New(conversations.Deps{DB: db, Blobs: blobs, Logger: quiet})
	cl := client.New(client.Deps{DB: db, Blobs: blobs, Conversations: convs, Logger: quiet})
	srv := httptest.NewServer(New(Deps{DB: db, Blobs: blobs, Conversations: convs, Client: cl, Logger: quiet}))
	t.Cleanup(srv.Close)
	h := &clAPI{t: t, db: db, srv: srv, convs: convs}
	err := db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Loja", Language: "en"}
		if err := accounts.Accounts.Put(tx, a); err != nil {
			return err
		}
		h.acct = a.ID
		h.inbox = &inboxes.Inbox{AccountID: a.ID, Name: "Site", ChannelType: inboxes.ChannelWebWidget, Enabled: true, Identifier: "web-tok",
			Channel: map[string]any{inboxes.KeyHMACToken: "k", inboxes.KeyHMACMandatory: true}}
		if err := inboxes.Inboxes.Put(tx, h.inbox); err != nil {
			return err
		}
		return inboxes.PublicIDs.Put(tx, &inboxes.PublicID{ID: h.inbox.ID, AccountID: a.ID, Token: "web-tok"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// call sends a JSON request to a client API path (under /public/api/v1/inboxes/web-tok) and
// decodes the answer into out; it returns the response (body consumed).
func (h *clAPI) call(method, path string, body, out any) *http.Response {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.srv.URL+"/public/api/v1/inboxes/web-tok"+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return res
}

type clProblem struct {
	Errors []struct {
		Location string `json:"location"`
	} `json:"errors"`
}

func (p clProblem) names(loc string) bool {
	for _, e := range p.Errors {
		if e.Location == loc {
			return true
		}
	}
	return false
}

func TestClientAPIConversationFlow(t *testing.T) {
	h := clStart(t)
	var maria client.PublicContact
	if res := h.call("POST", "/contacts", map[string]any{"name": "Maria", "email": "maria@example.com"}, &maria); res.StatusCode != 200 || maria.PubsubToken == "" || maria.SourceID == "" {
		t.Fatalf("create: %d %+v", res.StatusCode, maria)
	}
	me := "/contacts/" + maria.SourceID
	var got map[string]any
	if res := h.call("GET", me, nil, &got); res.StatusCode != 200 || got["pubsub_token"] != nil || got["email"] != "maria@example.com" {
		t.Fatalf("get: %d %v", res.StatusCode, got)
	}

	var c1, c2 conversations.PublicConversation
	h.call("POST", me+"/conversations", map[string]any{"source_id": "conv-1"}, &c1)
	h.call("POST", me+"/conversations", map[string]any{"source_id": "conv-1"}, &c2)
	if c1.ID == 0 || c1.ID != c2.ID {
		t.Fatalf("the same conversation key twice: #%d and #%d", c1.ID, c2.ID)
	}
	conv := me + "/conversations/" + strconv.FormatUint(c1.ID, 10)

	var m1, m2 conversations.MessageView
	r1 := h.call("POST", conv+"/messages", map[string]any{"content": "Hello", "source_id": "msg-1", "echo_id": "tmp-1"}, &m1)
	r2 := h.call("POST", conv+"/messages", map[string]any{"content": "Hello", "source_id": "msg-1", "echo_id": "tmp-1"}, &m2)
	if r1.StatusCode != 200 || r2.StatusCode != 200 || m1.ID == 0 || m1.ID != m2.ID || m1.ContentAttributes["echo_id"] != "tmp-1" {
		t.Fatalf("the same message key twice: %d %d %+v %+v", r1.StatusCode, r2.StatusCode, m1, m2)
	}
	var p clProblem
	if res := h.call("POST", conv+"/messages", map[string]any{"content": strings.Repeat("x", 5001)}, &p); res.StatusCode != 422 || !p.names("body.content") {
		t.Fatalf("too long: %d %+v", res.StatusCode, p)
	}

	// An agent's note and reply: the visitor sees the reply only.
	admin := access.SystemActor(h.acct)
	ctx := context.Background()
	if _, err := h.convs.CreateMessage(ctx, admin, c1.ID, conversations.NewMessage{Content: "internal note", Private: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.convs.CreateMessage(ctx, admin, c1.ID, conversations.NewMessage{Content: "Hi Maria"}); err != nil {
		t.Fatal(err)
	}
	var msgs []conversations.MessageView
	if res := h.call("GET", conv+"/messages", nil, &msgs); res.StatusCode != 200 || len(msgs) != 2 || msgs[1].Content != "Hi Maria" {
		t.Fatalf("messages: %d %+v", res.StatusCode, msgs)
	}
	if res := h.call("POST", conv+"/toggle_typing", map[string]any{"typing_status": "on"}, nil); res.StatusCode != 204 {
		t.Fatalf("typing: %d", res.StatusCode)
	}
	if res := h.call("POST", conv+"/update_last_seen", nil, nil); res.StatusCode != 204 {
		t.Fatalf("seen: %d", res.StatusCode)
	}

	// Another visitor gets 404 for Maria's conversation; an unknown contact too.
	var joao client.PublicContact
	h.call("POST", "/contacts", map[string]any{"name": "Joao"}, &joao)
	other := "/contacts/" + joao.SourceID + "/conversations/" + strconv.FormatUint(c1.ID, 10)
	for _, path := range []string{other, other + "/messages", "/contacts/not-a-visitor/conversations"} {
		if res := h.call("GET", path, nil, nil); res.StatusCode != 404 {
			t.Fatalf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}

	var resolved conversations.PublicConversation
	if res := h.call("POST", conv+"/toggle_status", nil, &resolved); res.StatusCode != 200 || resolved.Status != conversations.Resolved {
		t.Fatalf("resolve: %d %+v", res.StatusCode, resolved)
	}
	var list []conversations.PublicConversation
	if h.call("GET", me+"/conversations", nil, &list); len(list) != 1 || list[0].ID != c1.ID {
		t.Fatalf("list: %+v", list)
	}
}

func TestClientAPIIdentityAndLimits(t *testing.T) {
	h := clStart(t)
	var p clProblem
	res := h.call("POST", "/contacts", map[string]any{"identifier": "u1", "identifier_hash": "bad"}, &p)
	if res.StatusCode != 401 || !p.names("body.identifier_hash") {
		t.Fatalf("a bad hash where one is required: %d %+v", res.StatusCode, p)
	}
	good := map[string]any{"identifier": "u1", "identifier_hash": client.IdentifierHash("k", "u1")}
	var a, b client.PublicContact
	h.call("POST", "/contacts", good, &a)
	h.call("POST", "/contacts", good, &b)
	if a.SourceID == "" || a.SourceID != b.SourceID {
		t.Fatalf("two devices of a verified user: %q %q", a.SourceID, b.SourceID)
	}
	// Ten contacts per address at once (three made above), then 429 with Retry-After.
	for i := 3; i < 10; i++ {
		if res := h.call("POST", "/contacts", map[string]any{}, nil); res.StatusCode != 200 {
			t.Fatalf("contact %d: %d", i, res.StatusCode)
		}
	}
	res = h.call("POST", "/contacts", map[string]any{}, nil)
	if secs, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != 429 || secs < 1 {
		t.Fatalf("over the limit: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}

	h.db.Update(func(tx *storage.Tx) error {
		h.inbox.Enabled = false
		return inboxes.Inboxes.Put(tx, h.inbox)
	})
	if res := h.call("GET", "/contacts/"+a.SourceID+"/conversations", nil, nil); res.StatusCode != 503 {
		t.Fatalf("a disabled inbox: %d, want 503", res.StatusCode)
	}
}

func TestClientAPIUpload(t *testing.T) {
	h := clStart(t)
	var v client.PublicContact
	h.call("POST", "/contacts", map[string]any{"name": "Maria"}, &v)
	upload := func(size int) (*http.Response, []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "note.txt")
		fw.Write(bytes.Repeat([]byte("a"), size))
		mw.Close()
		req, _ := http.NewRequest("POST", h.srv.URL+"/public/api/v1/inboxes/web-tok/contacts/"+v.SourceID+"/attachments", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res, raw
	}
	res, raw := upload(100)
	var a conversations.Attachment
	if json.Unmarshal(raw, &a); res.StatusCode != 200 || a.Hash == "" || a.Size != 100 || a.Name != "note.txt" {
		t.Fatalf("upload: %d %s", res.StatusCode, raw)
	}
	res, raw = upload(client.MaxUpload + 1)
	var p clProblem
	if json.Unmarshal(raw, &p); res.StatusCode != 422 || !p.names("body.file") {
		t.Fatalf("too big: %d %s", res.StatusCode, raw)
	}
	var c conversations.PublicConversation
	me := "/contacts/" + v.SourceID
	h.call("POST", me+"/conversations", map[string]any{}, &c)
	var m conversations.MessageView
	res = h.call("POST", me+"/conversations/"+strconv.FormatUint(c.ID, 10)+"/messages", map[string]any{"attachments": []any{a}}, &m)
	if res.StatusCode != 200 || len(m.Attachments) != 1 || m.Attachments[0].FileSize != 100 {
		t.Fatalf("post with the upload: %d %+v", res.StatusCode, m)
	}
}

// stalledBody is a request body that sends its head and then waits for release: a server that
// reads the whole body before answering never answers while it waits.
type stalledBody struct {
	head    []byte
	release chan struct{}
	gaveUp  <-chan struct{} // the client's context ended
}

func (b *stalledBody) Read(p []byte) (int, error) {
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		return n, nil
	}
	select {
	case <-b.release:
	case <-b.gaveUp:
	}
	return 0, io.ErrUnexpectedEOF
}

// endless is an upload body of a multipart head followed by n bytes of file.
func endless(n int64) (io.Reader, string) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	mw.CreateFormFile("file", "big.bin")
	return io.MultiReader(bytes.NewReader(head.Bytes()), io.LimitReader(zeros{}, n)), mw.FormDataContentType()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// The upload route turns away a stranger, a flood and an oversized body before it reads the
// body: the answer comes while the client still holds most of it back.
func TestClientAPIUploadRefusesBeforeReadingTheBody(t *testing.T) {
	h := clStart(t)
	var v client.PublicContact
	h.call("POST", "/contacts", map[string]any{"name": "Maria"}, &v)
	url := func(src string) string {
		return h.srv.URL + "/public/api/v1/inboxes/web-tok/contacts/" + src + "/attachments"
	}

	// stalled sends a 20 MB upload that stops after its first bytes until the answer came.
	stalled := func(u string) (int, clProblem) {
		t.Helper()
		body, ct := endless(64 << 10)
		head, _ := io.ReadAll(body)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		b := &stalledBody{head: head, release: make(chan struct{}), gaveUp: ctx.Done()}
		defer close(b.release)
		req, _ := http.NewRequestWithContext(ctx, "POST", u, io.NopCloser(b))
		req.ContentLength = 20 << 20
		req.Header.Set("Content-Type", ct)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("no answer before the body was sent: %v", err)
		}
		defer res.Body.Close()
		var p clProblem
		json.NewDecoder(res.Body).Decode(&p)
		return res.StatusCode, p
	}
	if code, _ := stalled(url("not-a-visitor")); code != 404 {
		t.Fatalf("an unknown visitor: %d, want 404", code)
	}
	if code, _ := h.inboxStalled(stalled, "/public/api/v1/inboxes/nope/contacts/"+v.SourceID+"/attachments"); code != 404 {
		t.Fatalf("an unknown inbox: %d, want 404", code)
	}
	if code, p := stalled(url(v.SourceID)); code != 413 || !p.names("body.file") {
		t.Fatalf("a declared 20 MB body: %d %+v", code, p)
	}

	// Without a declared length the body is cut at the limit.
	body, ct := endless(client.MaxUpload + 1<<20)
	req, _ := http.NewRequest("POST", url(v.SourceID), io.NopCloser(body))
	req.Header.Set("Content-Type", ct)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var p clProblem
	json.NewDecoder(res.Body).Decode(&p)
	res.Body.Close()
	if res.StatusCode != 413 || !p.names("body.file") {
		t.Fatalf("an 11 MB chunked body: %d %+v", res.StatusCode, p)
	}

	// Two uploads were admitted above, three more are, then the visitor waits.
	for i := range 3 {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "small.txt")
		fw.Write([]byte("small"))
		mw.Close()
		res, err := http.Post(url(v.SourceID), mw.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("upload %d: %d", i, res.StatusCode)
		}
	}
	if code, _ := stalled(url(v.SourceID)); code != 429 {
		t.Fatalf("over the upload rate: %d, want 429", code)
	}
}

func (h *clAPI) inboxStalled(stalled func(string) (int, clProblem), path string) (int, clProblem) {
	return stalled(h.srv.URL + path)
}
