package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/webhooks"
	"github.com/parleyhq/parley/storage"
)

// whAPI is the harness with a pt-BR account, an API inbox, and a receiver that records what it
// is sent.
type whAPI struct {
	*harness
	inbox    uint64
	recvURL  string
	mu       sync.Mutex
	received []string
}

func newWebhooksAPI(t *testing.T) *whAPI {
	t.Helper()
	h := &whAPI{harness: newHarness(t, withAccount(func(in *accounts.SetupInput) { in.AccountName, in.Language = "Padaria", "pt-BR" }))}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.received = append(h.received, string(b))
		h.mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	h.recvURL = recv.URL
	in := &inboxes.Inbox{AccountID: h.acct, Name: "API", ChannelType: inboxes.ChannelAPI, Enabled: true,
		Channel: map[string]any{inboxes.KeyWebhookURL: recv.URL + "/inbox"}}
	if err := h.db.Update(func(tx *storage.Tx) error { return inboxes.Inboxes.Put(tx, in) }); err != nil {
		t.Fatal(err)
	}
	h.inbox = in.ID
	return h
}

// deliverAll feeds the change feed to the consumer and posts what is due.
func (h *whAPI) deliverAll(after uint64) {
	h.t.Helper()
	var evs []storage.Event
	h.db.View(func(tx *storage.Tx) (err error) { evs, err = tx.Events(after, 0); return err })
	if err := h.hooks.Handle(context.Background(), evs); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.hooks.RunDue(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

type webhookAnswer struct {
	Payload struct {
		Webhook webhooks.WebhookView `json:"webhook"`
	} `json:"payload"`
}

func TestWebhooksAPI(t *testing.T) {
	h := newWebhooksAPI(t)
	var created webhookAnswer
	code, raw := h.call("POST", "/webhooks", h.adminToken, map[string]any{"webhook": map[string]any{"url": h.recvURL + "/a", "subscriptions": []string{"message_created"}, "name": "CRM"}}, &created)
	if code != 200 || created.Payload.Webhook.Secret == "" || created.Payload.Webhook.Name != "CRM" || !created.Payload.Webhook.Enabled {
		t.Fatalf("create (envelope): %d %s", code, raw)
	}
	id := itoa(created.Payload.Webhook.ID)
	var flat webhookAnswer
	if code, raw := h.call("POST", "/webhooks", h.adminToken, map[string]any{"url": "https://example.com/b", "subscriptions": []string{"contact_created"}}, &flat); code != 200 || flat.Payload.Webhook.URL != "https://example.com/b" {
		t.Fatalf("create (flat): %d %s", code, raw)
	}
	var p problem
	if code, _ := h.call("POST", "/webhooks", h.adminToken, map[string]any{"url": "mailto:x@example.com", "subscriptions": []string{"bogus"}}, &p); code != 422 || p.at("body.url") == "" || p.at("body.subscriptions") == "" {
		t.Fatalf("invalid: %d %+v", code, p)
	}
	for _, c := range []struct{ method, path string }{{"GET", "/webhooks"}, {"POST", "/webhooks"}, {"POST", "/webhooks/" + id + "/test"}, {"GET", "/webhooks/" + id + "/deliveries"}, {"DELETE", "/webhooks/" + id}} {
		if code, _ := h.call(c.method, c.path, h.agentToken, map[string]any{"url": "https://example.com", "subscriptions": []string{"message_created"}}, nil); code != 403 {
			t.Fatalf("agent %s %s: %d", c.method, c.path, code)
		}
	}
	code, raw = h.call("GET", "/webhooks", h.adminToken, nil, nil)
	if code != 200 || strings.Contains(raw, `"secret"`) || !strings.Contains(raw, `"webhooks":[`) {
		t.Fatalf("list: %d %s", code, raw)
	}
	var evs []struct{ Name, Description, Group string }
	h.call("GET", "/webhooks/events", h.adminToken, nil, &evs)
	found := false
	for _, e := range evs {
		if e.Name == "contact_created" && e.Description == "Um contato é criado" && e.Group == "contacts" {
			found = true
		}
	}
	if !found {
		t.Fatalf("events (pt-BR): %+v", evs)
	}

	var ping webhooks.DeliveryView
	if code, raw := h.call("POST", "/webhooks/"+id+"/test", h.adminToken, nil, &ping); code != 200 || ping.Event != "ping" || ping.Status != webhooks.Pending {
		t.Fatalf("test: %d %s", code, raw)
	}
	h.hooks.RunDue(context.Background())
	if len(h.received) != 1 || !strings.Contains(h.received[0], `"event":"ping"`) {
		t.Fatalf("received %v", h.received)
	}
	var page webhooks.DeliveryPage
	if code, raw := h.call("GET", "/webhooks/"+id+"/deliveries?page=1&status=succeeded", h.adminToken, nil, &page); code != 200 || page.Meta.Count != 1 || len(page.Payload) != 1 || page.Payload[0].Body != nil {
		t.Fatalf("deliveries: %d %s", code, raw)
	}
	if code, _ := h.call("GET", "/webhooks/"+id+"/deliveries?status=failed", h.adminToken, nil, &page); code != 200 || page.Meta.Count != 0 {
		t.Fatalf("failed filter: %d %+v", code, page)
	}
	if code, _ := h.call("GET", "/webhooks/"+id+"/deliveries?status=weird", h.adminToken, nil, &p); code != 422 {
		t.Fatalf("bad status filter: %d", code)
	}
	did := itoa(ping.ID)
	var detail webhooks.DeliveryView
	if code, raw := h.call("GET", "/webhooks/"+id+"/deliveries/"+did, h.adminToken, nil, &detail); code != 200 || detail.Body == nil || *detail.Body != h.received[0] || len(detail.Attempts) != 1 || detail.Attempts[0].StatusCode != 200 {
		t.Fatalf("detail: %d %s", code, raw)
	}
	if code, _ := h.call("GET", "/webhooks/"+itoa(flat.Payload.Webhook.ID)+"/deliveries/"+did, h.adminToken, nil, nil); code != 404 {
		t.Fatalf("a delivery through another webhook: %d", code)
	}
	if code, raw := h.call("POST", "/webhooks/"+id+"/deliveries/"+did+"/resend", h.adminToken, nil, &detail); code != 200 || detail.Status != webhooks.Pending {
		t.Fatalf("resend: %d %s", code, raw)
	}
	var secret struct{ Secret string }
	if code, _ := h.call("POST", "/webhooks/"+id+"/rotate_secret", h.adminToken, nil, &secret); code != 200 || secret.Secret == "" || secret.Secret == created.Payload.Webhook.Secret {
		t.Fatalf("rotate: %d %+v", code, secret)
	}
	var upd webhookAnswer
	if code, raw := h.call("PATCH", "/webhooks/"+id, h.adminToken, map[string]any{"enabled": false, "subscriptions": []string{"message_created", "message_updated"}}, &upd); code != 200 || upd.Payload.Webhook.Enabled || len(upd.Payload.Webhook.Subscriptions) != 2 {
		t.Fatalf("update: %d %s", code, raw)
	}
	if code, raw := h.call("DELETE", "/webhooks/"+id, h.adminToken, nil, nil); code != 200 || strings.TrimSpace(raw) != "{}" {
		t.Fatalf("delete: %d %q", code, raw)
	}
	if code, _ := h.call("GET", "/webhooks/"+id, h.adminToken, nil, nil); code != 404 {
		t.Fatalf("deleted webhook: %d", code)
	}
}

func TestInboxWebhookDeliveriesAPI(t *testing.T) {
	h := newWebhooksAPI(t)
	var head uint64
	h.db.View(func(tx *storage.Tx) error { head = tx.OutboxHead(); return nil })
	if _, err := h.convs.Ingest(context.Background(), h.acct, conversations.Inbound{InboxID: h.inbox, Contact: contacts.Identity{SourceID: "ext-1", Name: "Cliente"}, Content: "oi"}); err != nil {
		t.Fatal(err)
	}
	h.deliverAll(head)
	var page webhooks.DeliveryPage
	path := "/inboxes/" + itoa(h.inbox) + "/webhook_deliveries"
	if code, raw := h.call("GET", path+"?page=1", h.adminToken, nil, &page); code != 200 || page.Meta.Count != 2 || len(page.Payload) != 2 {
		t.Fatalf("inbox deliveries: %d %s", code, raw)
	}
	if page.Payload[0].ID < page.Payload[1].ID || page.Payload[0].InboxID != h.inbox {
		t.Fatalf("newest first: %+v", page.Payload)
	}
	if code, _ := h.call("GET", path, h.agentToken, nil, nil); code != 403 {
		t.Fatalf("agent: %d", code)
	}
	var d webhooks.DeliveryView
	if code, raw := h.call("POST", path+"/"+itoa(page.Payload[0].ID)+"/resend", h.adminToken, nil, &d); code != 200 || d.Status != webhooks.Pending || d.AttemptsCount != 1 {
		t.Fatalf("resend: %d %s", code, raw)
	}
	if code, _ := h.call("GET", "/inboxes/"+itoa(h.inbox+99)+"/webhook_deliveries", h.adminToken, nil, nil); code != 404 {
		t.Fatalf("unknown inbox: %d", code)
	}
}
