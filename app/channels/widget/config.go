package widget

import (
	"context"
	"slices"
	"time"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/ratelimit"
	"github.com/parleyhq/parley/storage"
)

// Limits the widget tells the page, so it refuses early what the client API would refuse.
const (
	MaxUploadBytes   = 10 << 20
	MaxMessageLength = 5000
)

// WidgetConfig is everything the widget page needs to draw itself: appearance, availability,
// the pre-chat form and the limits.
type WidgetConfig struct {
	WebsiteToken         string        `json:"website_token"`
	InboxName            string        `json:"inbox_name"`
	WebsiteURL           string        `json:"website_url"`
	WidgetColor          string        `json:"widget_color"`
	Position             string        `json:"position" enum:"left,right"`
	AvatarURL            string        `json:"avatar_url"`
	WelcomeTitle         string        `json:"welcome_title"`
	WelcomeTagline       string        `json:"welcome_tagline"`
	ReplyTime            string        `json:"reply_time"`
	Online               bool          `json:"online"`
	OfflineMessage       string        `json:"offline_message"`
	BusinessHoursEnabled bool          `json:"business_hours_enabled"`
	NextOpenAt           *int64        `json:"next_open_at"` // unix seconds; null when open now or never
	Timezone             string        `json:"timezone"`
	GreetingEnabled      bool          `json:"greeting_enabled"`
	GreetingMessage      string        `json:"greeting_message"`
	PreChatForm          PreChatConfig `json:"pre_chat_form"`
	Features             FeatureConfig `json:"features"`
	HMACMandatory        bool          `json:"hmac_mandatory"`
	CSATEnabled          bool          `json:"csat_enabled"`
	Locale               string        `json:"locale"` // the account's language; the page prefers the visitor's
	MaxUploadBytes       int64         `json:"max_upload_bytes"`
	MaxMessageLength     int           `json:"max_message_length"`
}

// PreChatConfig is the pre-chat form with only its enabled fields.
type PreChatConfig struct {
	Enabled bool                   `json:"enabled"`
	Message string                 `json:"message"`
	Fields  []inboxes.PreChatField `json:"fields"`
}

// FeatureConfig says which optional parts of the widget are on.
type FeatureConfig struct {
	Attachments     bool `json:"attachments"`
	EmojiPicker     bool `json:"emoji_picker"`
	EndConversation bool `json:"end_conversation"`
}

// errDisallowed is what a site outside the allow-list gets: the SDK shows nothing.
var errDisallowed = apperr.Forbiddenf("this site is not allowed to show the chat")

// configLimit is per client address: a page load asks once, a bot asking a thousand times
// gets turned away.
func newConfigLimit() *ratelimit.Keyed { return ratelimit.New(60, time.Second) }

// website loads the enabled website inbox of token. A disabled inbox looks the same as a missing
// one to the outside ("chat unavailable"): the widget simply does not show.
func website(tx *storage.Tx, token string) (*inboxes.Inbox, error) {
	in, err := inboxes.ByToken(tx, token)
	if err != nil || in.ChannelType != inboxes.ChannelWebWidget {
		return nil, apperr.NotFoundf("chat unavailable")
	}
	if !in.Enabled {
		return nil, apperr.NotFoundf("chat unavailable")
	}
	return in, nil
}

// CheckOrigin decides whether a page at origin may use the widget of token: origin "" is the
// widget's own page (same origin as Parley) and always may.
func (s *Service) CheckOrigin(ctx context.Context, token, origin string) error {
	return s.DB.View(func(tx *storage.Tx) error {
		in, err := website(tx, token)
		if err != nil {
			return err
		}
		if origin != "" && !OriginAllowed(in.ChannelStrings(inboxes.KeyAllowedDomains), origin) {
			return errDisallowed
		}
		return nil
	})
}

// Config answers the widget's settings for token to a page at origin (empty: Parley's own page)
// from client address ip.
func (s *Service) Config(ctx context.Context, token, origin, ip string) (*WidgetConfig, error) {
	if ok, wait := s.configLimit.Take(ratelimit.AddressKey(ip)); !ok {
		return nil, &apperr.Error{Kind: apperr.TooManyRequests, Message: "too many requests; try again shortly", RetryAfterSeconds: ratelimit.RetryAfter(wait)}
	}
	var out WidgetConfig
	err := s.DB.View(func(tx *storage.Tx) error {
		in, err := website(tx, token)
		if err != nil {
			return err
		}
		if origin != "" && !OriginAllowed(in.ChannelStrings(inboxes.KeyAllowedDomains), origin) {
			return errDisallowed
		}
		acct, err := accounts.Accounts.Get(tx, 0, in.AccountID)
		if err != nil {
			return apperr.NotFoundf("chat unavailable")
		}
		out = s.configOf(tx, in, acct)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) configOf(tx *storage.Tx, in *inboxes.Inbox, acct *accounts.Account) WidgetConfig {
	loc := acct.Location()
	now := s.now()
	pre := in.PreChat()
	fields := []inboxes.PreChatField{}
	for _, f := range pre.Fields {
		if f.Enabled {
			fields = append(fields, f)
		}
	}
	feats := in.ChannelStrings(inboxes.KeyFeatures)
	if _, set := in.Channel[inboxes.KeyFeatures]; !set {
		feats = inboxes.Features
	}
	c := WidgetConfig{
		WebsiteToken: in.Identifier, InboxName: in.Name, WebsiteURL: in.ChannelString(inboxes.KeyWebsiteURL),
		WidgetColor: in.ChannelString(inboxes.KeyWidgetColor), Position: in.ChannelString(inboxes.KeyPosition),
		WelcomeTitle: in.ChannelString(inboxes.KeyWelcomeTitle), WelcomeTagline: in.ChannelString(inboxes.KeyWelcomeTagline),
		ReplyTime: in.ChannelString(inboxes.KeyReplyTime), OfflineMessage: in.ChannelString(inboxes.KeyOfflineMessage),
		BusinessHoursEnabled: in.BusinessHours.Enabled, Timezone: loc.String(),
		GreetingEnabled: in.Greeting.Enabled, GreetingMessage: in.Greeting.Message,
		PreChatForm: PreChatConfig{Enabled: in.ChannelBool(inboxes.KeyPreChatEnabled), Message: pre.Message, Fields: fields},
		Features: FeatureConfig{Attachments: slices.Contains(feats, "attachments"), EmojiPicker: slices.Contains(feats, "emoji_picker"),
			EndConversation: slices.Contains(feats, "end_conversation")},
		HMACMandatory: in.ChannelBool(inboxes.KeyHMACMandatory), CSATEnabled: in.CSATEnabled, Locale: acct.Language,
		MaxUploadBytes: MaxUploadBytes, MaxMessageLength: MaxMessageLength,
	}
	if c.WidgetColor == "" {
		c.WidgetColor = inboxes.DefaultWidgetColor
	}
	if c.Position == "" {
		c.Position = "right"
	}
	if c.ReplyTime == "" {
		c.ReplyTime = inboxes.ReplyTimes[0]
	}
	if c.Locale == "" {
		c.Locale = "en"
	}
	if h := in.ChannelString(inboxes.KeyAvatarHash); h != "" {
		c.AvatarURL = accounts.AvatarURL(h)
	}
	if c.OfflineMessage == "" && in.BusinessHours.Enabled {
		c.OfflineMessage = in.BusinessHours.OutOfOffice
	}
	open := in.BusinessHours.OpenAt(now, loc)
	if !open {
		if next := in.BusinessHours.NextOpen(now, loc); !next.IsZero() {
			u := next.Unix()
			c.NextOpenAt = &u
		}
	}
	c.Online = open && s.agentOnline(tx, in)
	return c
}

// agentOnline reports whether someone who works the inbox is there to answer: their
// availability says online and they have Parley open.
func (s *Service) agentOnline(tx *storage.Tx, in *inboxes.Inbox) bool {
	if s.Hub == nil {
		return false
	}
	seen := map[uint64]bool{}
	check := func(uid uint64) bool {
		if seen[uid] {
			return false
		}
		seen[uid] = true
		m, err := accounts.Members.GetBy(tx, in.AccountID, "user", storage.Uint(uid))
		return err == nil && m.Availability == "online" && s.Hub.Online(uid)
	}
	for _, uid := range in.MemberIDs {
		if check(uid) {
			return true
		}
	}
	for _, tid := range in.TeamIDs {
		if t, err := accounts.Teams.Get(tx, in.AccountID, tid); err == nil {
			for _, uid := range t.MemberIDs {
				if check(uid) {
					return true
				}
			}
		}
	}
	return false
}

// online reports whether the inbox shows as available now (the presence frame a socket gets
// on connect).
func (s *Service) online(tx *storage.Tx, in *inboxes.Inbox) bool {
	acct, err := accounts.Accounts.Get(tx, 0, in.AccountID)
	if err != nil {
		return false
	}
	return in.BusinessHours.OpenAt(s.now(), acct.Location()) && s.agentOnline(tx, in)
}

// PagePolicy is the Content-Security-Policy of the widget page of token: it may be framed only
// by the inbox's allowed domains. Unknown or disabled tokens are NotFound.
func (s *Service) PagePolicy(ctx context.Context, token string) (string, error) {
	var domains []string
	err := s.DB.View(func(tx *storage.Tx) error {
		in, err := website(tx, token)
		if err == nil {
			domains = in.ChannelStrings(inboxes.KeyAllowedDomains)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
		"frame-ancestors " + FrameAncestors(domains) + "; base-uri 'self'; object-src 'none'", nil
}
