package inboxes_test

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

func TestWebsiteInboxChannel(t *testing.T) {
	e := newEnv(t)
	v, err := e.svc.Create(ctx, e.admin, inboxes.InboxInput{Name: ptr("Site"), Channel: map[string]any{
		"type": "web_widget", "website_url": "https://loja.example.com", "widget_color": "#a1b2c3",
		"allowed_domains":       []any{" Loja.example.com ", "*.Example.NET", "localhost:5173", "[::1]:8080"},
		"pre_chat_form_enabled": true,
		"pre_chat_form_options": map[string]any{"pre_chat_message": " Fale conosco ", "pre_chat_fields": []any{
			map[string]any{"name": "fullName", "type": "text", "required": true},
			map[string]any{"name": "company_size", "label": "Tamanho", "type": "list", "values": []any{"1-10", "", "11+"}},
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if v.ChannelType != inboxes.ChannelWebWidget || v.WebsiteToken != v.InboxIdentifier || v.Channel["widget_color"] != "#A1B2C3" {
		t.Fatalf("created: %+v", v)
	}
	if _, shown := v.Channel["hmac_token"]; shown {
		t.Fatal("hmac_token in the view")
	}
	// What was stored reads back the same after a round trip through the store.
	e.db.View(func(tx *storage.Tx) error {
		x, _ := inboxes.Inboxes.Get(tx, e.acct, v.ID)
		if got := strings.Join(x.ChannelStrings(inboxes.KeyAllowedDomains), " "); got != "loja.example.com *.example.net localhost:5173 [::1]:8080" {
			t.Errorf("allowed domains %q", got)
		}
		pre := x.PreChat()
		if pre.Message != "Fale conosco" || len(pre.Fields) != 2 || !pre.Fields[0].Required || !pre.Fields[1].Enabled || strings.Join(pre.Fields[1].Values, ",") != "1-10,11+" {
			t.Errorf("pre-chat: %+v", pre)
		}
		return nil
	})
	for _, c := range []struct {
		channel map[string]any
		field   string
	}{
		{map[string]any{"allowed_domains": []any{"http://x.com"}}, "channel.allowed_domains"},
		{map[string]any{"allowed_domains": []any{"x.com:99999"}}, "channel.allowed_domains"},
		{map[string]any{"allowed_domains": "x.com"}, "channel.allowed_domains"},
		{map[string]any{"welcome_tagline": strings.Repeat("a", 256)}, "channel.welcome_tagline"},
		{map[string]any{"offline_message": strings.Repeat("a", 1001)}, "channel.offline_message"},
		{map[string]any{"pre_chat_form_enabled": "yes"}, "channel.pre_chat_form_enabled"},
		{map[string]any{"hmac_mandatory": 1}, "channel.hmac_mandatory"},
		{map[string]any{"pre_chat_form_options": map[string]any{"pre_chat_fields": []any{map[string]any{"name": "x", "type": "date"}}}}, "channel.pre_chat_form_options.pre_chat_fields[0].type"},
		{map[string]any{"pre_chat_form_options": map[string]any{"pre_chat_fields": []any{map[string]any{"name": "x"}, map[string]any{"name": "x"}}}}, "channel.pre_chat_form_options.pre_chat_fields[1].name"},
		{map[string]any{"webhook_url": "https://x.com"}, "channel.webhook_url"},
	} {
		_, err := e.svc.Update(ctx, e.admin, v.ID, inboxes.InboxInput{Channel: c.channel})
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.Invalid || ae.Fields[c.field] == "" {
			t.Errorf("%v: %v", c.channel, err)
		}
	}
	// Clearing the allow-list falls back to the site's host: a website inbox always has one.
	got, err := e.svc.Update(ctx, e.admin, v.ID, inboxes.InboxInput{Channel: map[string]any{"allowed_domains": []any{}}})
	if err != nil || len(got.Channel["allowed_domains"].([]string)) != 1 {
		t.Fatalf("cleared allow-list: %v %v", got, err)
	}
	if _, err := e.svc.RotateSecret(ctx, e.agent, v.ID, "hmac_token"); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent rotates: %v", err)
	}
}

func TestSnippet(t *testing.T) {
	s := inboxes.Snippet("https://chat.example.com/", "Tok3n")
	for _, want := range []string{`var BASE_URL="https://chat.example.com";`, `g.src=BASE_URL+"/widget/sdk.js";`, `websiteToken: 'Tok3n', baseUrl: BASE_URL`, "<script>", "</script>"} {
		if !strings.Contains(s, want) {
			t.Errorf("snippet lacks %q:\n%s", want, s)
		}
	}
	if s := inboxes.Snippet(`https://x.com/"</script><script>alert(1)//`, "t"); strings.Count(s, "</script>") != 1 {
		t.Errorf("a hostile base breaks out of the snippet:\n%s", s)
	}
}
