package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"
	"github.com/parleyhq/parley/app/channels/client"
	"github.com/parleyhq/parley/app/channels/widget"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// wgAPI is the website channel on the harness: the owner and one agent (Bruno, who works the
// website inbox) are signed in, the client API's service serves visitors, and the widget
// service is fed from the change feed by push().
type wgAPI struct {
	*harness
	client *client.Service
	widget *widget.Service
	now    time.Time
	feed   uint64

	inboxID uint64
	token   string
}

var widgetUI = fstest.MapFS{
	"index.html":    {Data: []byte("<!doctype html><title>app</title>")},
	"widget.html":   {Data: []byte("<!doctype html><title>widget</title>")},
	"widget/sdk.js": {Data: []byte("window.parleySDK={run(){}}")},
}

func wgStart(t *testing.T) *wgAPI {
	t.Helper()
	h := &wgAPI{now: time.Date(2025, 6, 4, 15, 0, 0, 0, time.UTC)} // a Wednesday, noon in São Paulo
	h.harness = newHarness(t, withDeps(func(hs *harness, d *Deps) {
		h.client = client.New(client.Deps{DB: hs.db, Blobs: hs.blobs, Conversations: hs.convs, Logger: hs.log})
		h.widget = widget.New(widget.Deps{DB: hs.db, Client: h.client, Conversations: hs.convs, Hub: hs.hub, Logger: hs.log, Now: func() time.Time { return h.now }})
		d.Client, d.Widget, d.UI = h.client, h.widget, widgetUI
	}))
	t.Cleanup(h.widget.Close) // before the server closes: it ends the widget's streams
	return h
}

// website creates the website inbox the tests use, worked by Bruno.
func (h *wgAPI) website(extra map[string]any) map[string]any {
	h.t.Helper()
	ch := map[string]any{"type": "web_widget", "website_url": "https://shop.example.com/home",
		"allowed_domains": []string{"Shop.Example.com", "*.example.org", "localhost:5173", "shop.example.com"}, "welcome_title": "Oi!"}
	for k, v := range extra {
		ch[k] = v
	}
	var in map[string]any
	if code := h.do("POST", "/inboxes", h.adminToken, map[string]any{"name": "Site", "channel": ch, "member_ids": []uint64{h.agentID}}, &in); code != 201 {
		h.t.Fatalf("create website inbox: %d %v", code, in)
	}
	h.inboxID = uint64(in["id"].(float64))
	h.token = in["website_token"].(string)
	return in
}

// push feeds the change feed to the widget, as the app's dispatcher does.
func (h *wgAPI) push() {
	h.t.Helper()
	var evs []storage.Event
	h.db.View(func(tx *storage.Tx) (err error) { evs, err = tx.Events(h.feed, 100000); return err })
	if len(evs) == 0 {
		return
	}
	if err := h.widget.Handle(context.Background(), evs); err != nil {
		h.t.Fatal(err)
	}
	h.feed = evs[len(evs)-1].Seq
}

// get calls a public route with an Origin header (none when origin is "").
func (h *wgAPI) get(path, origin string) (*http.Response, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func TestWebsiteInboxSettings(t *testing.T) {
	h := wgStart(t)
	var p problem
	code := h.do("POST", "/inboxes", h.adminToken, map[string]any{"name": "Bad", "channel": map[string]any{"type": "web_widget",
		"website_url": "ftp://x", "widget_color": "blue", "widget_position": "top", "allowed_domains": []string{"exa mple.com"},
		"reply_time": "soon", "welcome_title": strings.Repeat("x", 61), "selected_feature_flags": []string{"attachments", "video"},
		"webhook_url":           "https://example.com/hook",
		"pre_chat_form_options": map[string]any{"pre_chat_fields": []any{map[string]any{"name": "Bad Name", "type": "text"}, map[string]any{"name": "plan", "type": "list"}}}}}, &p)
	if code != 422 {
		t.Fatalf("bad website inbox: %d %+v", code, p)
	}
	for _, f := range []string{"website_url", "widget_color", "widget_position", "allowed_domains", "reply_time", "welcome_title",
		"selected_feature_flags", "webhook_url", "pre_chat_form_options.pre_chat_fields[0].name", "pre_chat_form_options.pre_chat_fields[1].values"} {
		if p.at("body.channel."+f) == "" {
			t.Errorf("no error at channel.%s: %+v", f, p)
		}
	}
	p = problem{}
	if code := h.do("POST", "/inboxes", h.adminToken, map[string]any{"name": "Bad", "channel": map[string]any{"type": "web_widget"}}, &p); code != 422 || p.at("body.channel.website_url") == "" {
		t.Fatalf("missing website_url: %d %+v", code, p)
	}

	in := h.website(map[string]any{"hmac_token": "chosen by the client"})
	ch := in["channel"].(map[string]any)
	if in["website_token"] != in["inbox_identifier"] || in["channel_type"] != inboxes.ChannelWebWidget {
		t.Fatalf("website inbox: %v", in)
	}
	if d := ch["allowed_domains"].([]any); len(d) != 3 || d[0] != "shop.example.com" {
		t.Errorf("allowed domains lower-cased and deduped: %v", d)
	}
	if ch["widget_color"] != "#1F93FF" || ch["widget_position"] != "right" || ch["reply_time"] != "in_a_few_minutes" || len(ch["selected_feature_flags"].([]any)) != 3 {
		t.Errorf("defaults: %v", ch)
	}
	script, _ := in["web_widget_script"].(string)
	if !strings.Contains(script, `var BASE_URL="`+h.srv.URL+`"`) || !strings.Contains(script, "websiteToken: '"+h.token+"'") || !strings.Contains(script, "/widget/sdk.js") {
		t.Errorf("snippet: %s", script)
	}
	var stored string
	h.db.View(func(tx *storage.Tx) error {
		x, _ := inboxes.Inboxes.Get(tx, h.acct, h.inboxID)
		stored = x.ChannelString(inboxes.KeyHMACToken)
		return nil
	})
	if len(stored) != 32 || stored == "chosen by the client" {
		t.Fatalf("hmac_token is generated: %q", stored)
	}

	// The default allow-list is the site's host; the configured public address is the snippet's base.
	h.server.PublicURL = "https://chat.example.net"
	var other map[string]any
	if code := h.do("POST", "/inboxes", h.adminToken, map[string]any{"name": "Blog", "channel": map[string]any{"type": "web_widget", "website_url": "https://Blog.Example.com"}}, &other); code != 201 {
		t.Fatalf("second site: %d %v", code, other)
	}
	if d := other["channel"].(map[string]any)["allowed_domains"].([]any); len(d) != 1 || d[0] != "blog.example.com" {
		t.Errorf("default allowed domains: %v", d)
	}
	if s, _ := other["web_widget_script"].(string); !strings.Contains(s, `"https://chat.example.net"`) {
		t.Errorf("snippet with public URL: %s", s)
	}
	h.server.PublicURL = ""
	p = problem{}
	if code := h.do("PATCH", "/inboxes/"+itoa(h.inboxID), h.adminToken, map[string]any{"channel": map[string]any{"shoe_size": 42}}, &p); code != 422 || p.at("body.channel.shoe_size") == "" {
		t.Fatalf("unknown key: %d %+v", code, p)
	}

	// Rotating shows the new value once; it never appears in an inbox answer.
	if code := h.do("POST", "/inboxes/"+itoa(h.inboxID)+"/secrets/hmac_token/rotate", h.agentToken, nil, nil); code != 403 {
		t.Fatalf("agent rotating: %d", code)
	}
	p = problem{}
	if code := h.do("POST", "/inboxes/"+itoa(h.inboxID)+"/secrets/webhook_secret/rotate", h.adminToken, nil, &p); code != 422 || p.at("body.name") == "" {
		t.Fatalf("website inbox has no webhook secret: %d %+v", code, p)
	}
	var sec1, sec2 inboxes.Secret
	h.do("POST", "/inboxes/"+itoa(h.inboxID)+"/secrets/hmac_token/rotate", h.adminToken, nil, &sec1)
	h.do("POST", "/inboxes/"+itoa(h.inboxID)+"/secrets/hmac_token/rotate", h.adminToken, nil, &sec2)
	if sec1.Name != "hmac_token" || len(sec1.Value) != 32 || sec1.Value == sec2.Value || sec1.Value == stored {
		t.Fatalf("rotations: %+v %+v", sec1, sec2)
	}
	h.db.View(func(tx *storage.Tx) error {
		x, _ := inboxes.Inboxes.Get(tx, h.acct, h.inboxID)
		stored = x.ChannelString(inboxes.KeyHMACToken)
		return nil
	})
	if stored != sec2.Value {
		t.Fatalf("stored secret %q, last shown %q", stored, sec2.Value)
	}
	var raw []byte
	req, _ := http.NewRequest("GET", h.srv.URL+"/api/v1/accounts/"+itoa(h.acct)+"/inboxes/"+itoa(h.inboxID), nil)
	req.Header.Set("Authorization", "Bearer "+h.adminToken)
	if r2, err := http.DefaultClient.Do(req); err == nil {
		raw, _ = io.ReadAll(r2.Body)
		r2.Body.Close()
	}
	if bytes.Contains(raw, []byte(sec2.Value)) || bytes.Contains(raw, []byte("hmac_token")) || !bytes.Contains(raw, []byte(h.token)) {
		t.Fatalf("inbox answer shows the secret or lacks the token: %s", raw)
	}

	// An API inbox gets its webhook secret when its webhook URL is first set.
	var api map[string]any
	if code := h.do("POST", "/inboxes", h.adminToken, map[string]any{"name": "Integração", "channel": map[string]any{"type": "api", "hmac_mandatory": true}}, &api); code != 201 {
		t.Fatalf("api inbox: %d %v", code, api)
	}
	apiID := itoa(uint64(api["id"].(float64)))
	p = problem{}
	if code := h.do("POST", "/inboxes", h.adminToken, map[string]any{"name": "X", "channel": map[string]any{"type": "api", "website_url": "https://x.com"}}, &p); code != 422 || p.at("body.channel.website_url") == "" {
		t.Fatalf("website key on an API inbox: %d %+v", code, p)
	}
	secretOf := func(id string) string {
		var s string
		h.db.View(func(tx *storage.Tx) error {
			x, _ := inboxes.Inboxes.Get(tx, h.acct, uint64(api["id"].(float64)))
			s = x.ChannelString(inboxes.KeyWebhookSecret)
			return nil
		})
		return s
	}
	if secretOf(apiID) != "" {
		t.Fatal("webhook secret before any webhook URL")
	}
	if code := h.do("PATCH", "/inboxes/"+apiID, h.adminToken, map[string]any{"channel": map[string]any{"webhook_url": "https://crm.example.com/parley"}}, &api); code != 200 || api["web_widget_script"] != nil {
		t.Fatalf("set webhook: %d %v", code, api)
	}
	first := secretOf(apiID)
	h.do("PATCH", "/inboxes/"+apiID, h.adminToken, map[string]any{"channel": map[string]any{"webhook_url": "https://crm.example.com/v2"}}, nil)
	if len(first) != 32 || secretOf(apiID) != first {
		t.Fatalf("webhook secret generated once: %q then %q", first, secretOf(apiID))
	}
	var rot inboxes.Secret
	if code := h.do("POST", "/inboxes/"+apiID+"/secrets/webhook_secret/rotate", h.adminToken, nil, &rot); code != 200 || rot.Value == first || secretOf(apiID) != rot.Value {
		t.Fatalf("rotate webhook secret: %d %+v", code, rot)
	}
}

func TestWebsiteInboxAvatar(t *testing.T) {
	h := wgStart(t)
	h.website(nil)
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var pngData bytes.Buffer
	png.Encode(&pngData, img)
	upload := func(data []byte, token string) (int, map[string]any) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", `form-data; name="file"; filename="avatar.png"`)
		hdr.Set("Content-Type", "image/png")
		fw, _ := mw.CreatePart(hdr)
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/accounts/"+itoa(h.acct)+"/inboxes/"+itoa(h.inboxID)+"/avatar", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	if code, _ := upload(pngData.Bytes(), h.agentToken); code != 403 {
		t.Fatalf("agent upload: %d", code)
	}
	code, in := upload(pngData.Bytes(), h.adminToken)
	url, _ := in["avatar_url"].(string)
	if code != 200 || !strings.HasPrefix(url, "/media/avatars/") {
		t.Fatalf("upload: %d %v", code, in)
	}
	if res, body := h.get(url, ""); res.StatusCode != 200 || !bytes.Equal(body, pngData.Bytes()) {
		t.Fatalf("avatar served: %d", res.StatusCode)
	}
	var cfg widget.WidgetConfig
	_, raw := h.get("/public/api/v1/widget/"+h.token+"/config", "")
	json.Unmarshal(raw, &cfg)
	if cfg.AvatarURL != url {
		t.Errorf("config avatar %q, want %q", cfg.AvatarURL, url)
	}
	if code, _ := upload(bytes.Repeat([]byte("a"), 2<<10), h.adminToken); code != 422 {
		t.Fatalf("not an image: %d", code)
	}
	in = nil
	if code := h.do("DELETE", "/inboxes/"+itoa(h.inboxID)+"/avatar", h.adminToken, nil, &in); code != 200 || in["avatar_url"] != nil {
		t.Fatalf("remove: %d %v", code, in)
	}
	if res, _ := h.get(url, ""); res.StatusCode != 404 {
		t.Fatalf("removed avatar still served: %d", res.StatusCode)
	}
}

func TestWidgetConfigOrigins(t *testing.T) {
	h := wgStart(t)
	h.website(map[string]any{"pre_chat_form_enabled": true, "pre_chat_form_options": map[string]any{"pre_chat_message": "Antes de começar",
		"pre_chat_fields": []any{
			map[string]any{"name": "emailAddress", "type": "email", "required": true, "enabled": true},
			map[string]any{"name": "phoneNumber", "type": "phone", "enabled": false},
			map[string]any{"name": "plan", "label": "Plano", "type": "list", "values": []string{"Básico", "Pro"}, "enabled": true},
		}}, "selected_feature_flags": []string{"emoji_picker"}})
	path := "/public/api/v1/widget/" + h.token + "/config"
	for _, c := range []struct {
		origin string
		ok     bool
	}{
		{"https://shop.example.com", true}, {"http://shop.example.com:8080", true}, {"https://www.example.org", true},
		{"https://a.b.example.org", true}, {"http://localhost:5173", true}, {"", true},
		{"https://evil.com", false}, {"https://example.org", false}, {"http://localhost:5174", false},
		{"https://shop.example.com.evil.com", false}, {"null", false},
	} {
		res, body := h.get(path, c.origin)
		acao := res.Header.Get("Access-Control-Allow-Origin")
		if c.ok {
			if res.StatusCode != 200 || acao != c.origin || (c.origin != "" && res.Header.Get("Vary") != "Origin") {
				t.Errorf("%q: %d ACAO=%q Vary=%q %s", c.origin, res.StatusCode, acao, res.Header.Get("Vary"), body)
			}
			continue
		}
		if res.StatusCode != 403 || acao != "" || !strings.Contains(string(body), "this site is not allowed to show the chat") {
			t.Errorf("%q: %d ACAO=%q %s", c.origin, res.StatusCode, acao, body)
		}
	}
	_, raw := h.get(path, "https://shop.example.com")
	var cfg widget.WidgetConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.WebsiteToken != h.token || cfg.InboxName != "Site" || cfg.WidgetColor != "#1F93FF" || cfg.WelcomeTitle != "Oi!" || cfg.Locale == "" ||
		cfg.MaxUploadBytes != 10<<20 || cfg.MaxMessageLength != 5000 || cfg.Timezone != "America/Sao_Paulo" {
		t.Errorf("config: %+v", cfg)
	}
	if !cfg.PreChatForm.Enabled || cfg.PreChatForm.Message != "Antes de começar" || len(cfg.PreChatForm.Fields) != 2 || cfg.PreChatForm.Fields[1].Values[1] != "Pro" {
		t.Errorf("pre-chat: %+v", cfg.PreChatForm)
	}
	if cfg.Features != (widget.FeatureConfig{EmojiPicker: true}) {
		t.Errorf("features: %+v", cfg.Features)
	}
	if res, _ := h.get("/public/api/v1/widget/nosuchtoken/config", ""); res.StatusCode != 404 {
		t.Errorf("unknown token: %d", res.StatusCode)
	}
	h.do("PATCH", "/inboxes/"+itoa(h.inboxID), h.adminToken, map[string]any{"enabled": false}, nil)
	if res, body := h.get(path, "https://shop.example.com"); res.StatusCode != 404 || !strings.Contains(string(body), "chat unavailable") {
		t.Errorf("disabled inbox: %d %s", res.StatusCode, body)
	}
}

func TestWidgetPageAndScript(t *testing.T) {
	h := wgStart(t)
	h.website(nil)
	res, body := h.get("/widget?website_token="+h.token, "")
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || string(body) != "<!doctype html><title>widget</title>" || res.Header.Get("Cache-Control") != "no-cache" ||
		!strings.Contains(csp, "frame-ancestors shop.example.com:* *.example.org:* localhost:5173;") || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("widget page: %d %q %s", res.StatusCode, csp, body)
	}
	if res, _ := h.get("/widget?website_token=nope", ""); res.StatusCode != 404 {
		t.Fatalf("unknown token page: %d", res.StatusCode)
	}
	res, body = h.get("/widget/sdk.js", "https://shop.example.com")
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "*" || res.Header.Get("Cache-Control") != "public, max-age=300" ||
		!strings.Contains(res.Header.Get("Content-Type"), "javascript") || !strings.Contains(string(body), "parleySDK") {
		t.Fatalf("sdk: %d %v %s", res.StatusCode, res.Header, body)
	}
	h.do("PATCH", "/inboxes/"+itoa(h.inboxID), h.adminToken, map[string]any{"enabled": false}, nil)
	if res, _ := h.get("/widget?website_token="+h.token, ""); res.StatusCode != 404 {
		t.Fatalf("disabled inbox page: %d", res.StatusCode)
	}
}

func TestWidgetPresence(t *testing.T) {
	h := wgStart(t)
	h.website(map[string]any{"offline_message": "Voltamos já"})
	online := func() widget.WidgetConfig {
		t.Helper()
		_, raw := h.get("/public/api/v1/widget/"+h.token+"/config", "")
		var c widget.WidgetConfig
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%v in %s", err, raw)
		}
		return c
	}
	if c := online(); c.Online || c.OfflineMessage != "Voltamos já" {
		t.Fatalf("nobody has Parley open, yet online: %+v", c)
	}
	win := h.hub.Subscribe(h.agentID, []uint64{h.acct})
	if !online().Online {
		t.Fatal("Bruno is online with a window open, yet offline")
	}
	// Olga (not working the inbox) having a window open changes nothing.
	h.hub.Unsubscribe(win)
	olga := h.hub.Subscribe(h.owner.UserID, []uint64{h.acct})
	defer h.hub.Unsubscribe(olga)
	if online().Online {
		t.Fatal("online through someone who does not work the inbox")
	}
	win = h.hub.Subscribe(h.agentID, []uint64{h.acct})
	defer h.hub.Unsubscribe(win)
	away := "busy"
	if code := h.do("PATCH", "/agents/"+itoa(h.agentID), h.adminToken, map[string]any{"availability_status": away}, nil); code != 200 {
		t.Fatalf("set availability: %d", code)
	}
	if online().Online {
		t.Fatal("the only agent is busy, yet online")
	}
	h.do("PATCH", "/agents/"+itoa(h.agentID), h.adminToken, map[string]any{"availability_status": "online"}, nil)
	// Business hours: Monday to Friday 09:00–18:00 in São Paulo. Wednesday noon is open; Saturday
	// noon is closed until Monday 09:00.
	days := []map[string]any{}
	for d := 0; d < 7; d++ {
		if d == 0 || d == 6 {
			days = append(days, map[string]any{"day_of_week": d, "closed_all_day": true})
		} else {
			days = append(days, map[string]any{"day_of_week": d, "open_hour": 9, "close_hour": 18})
		}
	}
	if code := h.do("PATCH", "/inboxes/"+itoa(h.inboxID), h.adminToken, map[string]any{"working_hours_enabled": true, "working_hours": days}, nil); code != 200 {
		t.Fatalf("hours: %d", code)
	}
	if c := online(); !c.Online || c.NextOpenAt != nil || !c.BusinessHoursEnabled {
		t.Fatalf("open on Wednesday noon: %+v", c)
	}
	h.now = time.Date(2025, 6, 7, 15, 0, 0, 0, time.UTC)
	c := online()
	monday := time.Date(2025, 6, 9, 12, 0, 0, 0, time.UTC).Unix() // 09:00 in São Paulo (UTC-3)
	if c.Online || c.NextOpenAt == nil || *c.NextOpenAt != monday {
		t.Fatalf("closed on Saturday: %+v (next %v, want %d)", c, c.NextOpenAt, monday)
	}
}

// visitor is a widget visitor made through the client API's service.
func (h *wgAPI) visitor(name string) (client.PublicContact, conversations.Visitor, uint64) {
	h.t.Helper()
	ctx := context.Background()
	pc, err := h.client.CreateContact(ctx, h.token, client.ContactInput{Name: name}, "203.0.113.9")
	if err != nil {
		h.t.Fatal(err)
	}
	v, err := h.client.VisitorByPubsub(ctx, h.token, pc.PubsubToken)
	if err != nil {
		h.t.Fatal(err)
	}
	c, err := h.convs.StartContactConversation(ctx, v, conversations.ContactConversationInput{})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, _, err := h.convs.ContactPost(ctx, v, c.ID, conversations.ContactMessageInput{Content: "Olá, sou " + name}); err != nil {
		h.t.Fatal(err)
	}
	return *pc, v, c.ID
}

func TestWidgetRealtime(t *testing.T) {
	h := wgStart(t)
	h.website(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ana, _, anaConv := h.visitor("Ana")
	_, _, beaConv := h.visitor("Bea")
	h.push() // history so far: nobody is connected yet

	rt := "/public/api/v1/inboxes/" + h.token + "/realtime?pubsub_token="
	if res, _ := h.get(rt+"wrong", ""); res.StatusCode != 401 && res.StatusCode != 404 {
		t.Fatalf("bad pubsub token: %d", res.StatusCode)
	}
	ws, _, err := websocket.Dial(ctx, strings.Replace(h.srv.URL, "http", "ws", 1)+rt+ana.PubsubToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	sseReq, _ := http.NewRequestWithContext(ctx, "GET", h.srv.URL+rt+ana.PubsubToken, nil)
	sseRes, err := http.DefaultClient.Do(sseReq)
	if err != nil {
		t.Fatal(err)
	}
	defer sseRes.Body.Close()
	if sseRes.StatusCode != 200 || sseRes.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("sse: %d %v", sseRes.StatusCode, sseRes.Header)
	}
	// Both streams are registered once the server answered; the presence frame comes first.
	wsFrames := make(chan widget.Frame, 64)
	go func() {
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				close(wsFrames)
				return
			}
			var f widget.Frame
			json.Unmarshal(b, &f)
			wsFrames <- f
		}
	}()
	sseFrames := make(chan widget.Frame, 64)
	go func() {
		sc := bufio.NewScanner(sseRes.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var f widget.Frame
				json.Unmarshal([]byte(data), &f)
				sseFrames <- f
			}
		}
		close(sseFrames)
	}()
	next := func(ch chan widget.Frame) widget.Frame {
		t.Helper()
		select {
		case f, ok := <-ch:
			if !ok {
				t.Fatal("stream ended")
			}
			return f
		case <-ctx.Done():
			t.Fatal("no frame")
		}
		return widget.Frame{}
	}
	for _, ch := range []chan widget.Frame{wsFrames, sseFrames} {
		if f := next(ch); f.Event != "presence.update" || f.Data.(map[string]any)["online"] != false {
			t.Fatalf("first frame: %+v", f)
		}
	}

	// An agent types a note, types a reply, writes a note, replies; Bea gets an answer too.
	agent := h.owner
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.convs.SetTyping(ctx, agent, anaConv, true, true))
	must(h.convs.SetTyping(ctx, agent, anaConv, true, false))
	_, err = h.convs.PostMessage(ctx, agent, anaConv, conversations.NewMessage{Content: "nota interna secreta", Private: true})
	must(err)
	_, err = h.convs.PostMessage(ctx, agent, beaConv, conversations.NewMessage{Content: "resposta para a Bea"})
	must(err)
	_, err = h.convs.PostMessage(ctx, agent, anaConv, conversations.NewMessage{Content: "Oi Ana, posso ajudar!"})
	must(err)
	_, err = h.convs.ToggleStatus(ctx, agent, anaConv, conversations.StatusChange{Status: "resolved"})
	must(err)
	h.push()

	for name, ch := range map[string]chan widget.Frame{"ws": wsFrames, "sse": sseFrames} {
		var got []string
		for {
			f := next(ch)
			raw, _ := json.Marshal(f)
			if bytes.Contains(raw, []byte("secreta")) || bytes.Contains(raw, []byte("Bea")) {
				t.Fatalf("%s: Ana received %s", name, raw)
			}
			got = append(got, f.Event)
			d, _ := f.Data.(map[string]any)
			if f.Event == "conversation.typing_on" {
				if u := d["user"].(map[string]any); u["name"] != "Olga Owner" || d["conversation_id"] != float64(anaConv) {
					t.Fatalf("%s typing: %s", name, raw)
				}
			}
			if f.Event == "message.created" && (d["content"] != "Oi Ana, posso ajudar!" || d["message_type"] != 1.0) {
				t.Fatalf("%s message: %s", name, raw)
			}
			if f.Event == "conversation.status_changed" {
				if d["status"] != "resolved" || d["id"] != float64(anaConv) {
					t.Fatalf("%s status: %s", name, raw)
				}
				break
			}
		}
		if strings.Join(got, " ") != "conversation.typing_on message.created conversation.status_changed" {
			t.Errorf("%s frames: %v", name, got)
		}
	}
	if n := h.widget.Streams(); n != 2 {
		t.Fatalf("open streams: %d", n)
	}
	ws.Close(websocket.StatusNormalClosure, "")
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for h.widget.Streams() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := h.widget.Streams(); n != 0 {
		t.Fatalf("streams left after the visitor left: %d", n)
	}
}

func TestWidgetStreamCaps(t *testing.T) {
	h := wgStart(t)
	h.website(nil)
	ana, _, _ := h.visitor("Ana")
	ctx := context.Background()
	var open []*widget.Stream
	defer func() {
		for _, st := range open {
			st.Close()
		}
	}()
	for i := 0; i < widget.MaxStreamsPerVisitor; i++ {
		st, err := h.widget.Connect(ctx, h.token, ana.PubsubToken, "198.51.100.1")
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		open = append(open, st)
	}
	res, _ := h.get("/public/api/v1/inboxes/"+h.token+"/realtime?pubsub_token="+ana.PubsubToken, "")
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("eleventh window: %d", res.StatusCode)
	}
	open[0].Close()
	open[0].Close() // twice is harmless
	st, err := h.widget.Connect(ctx, h.token, ana.PubsubToken, "198.51.100.1")
	if err != nil {
		t.Fatalf("after one closed: %v", err)
	}
	open[0] = st
}
