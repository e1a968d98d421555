// Package inboxes holds the account's inboxes: one per connected channel, with the agents and
// teams who work it and its behaviour (business hours, greeting, auto-assignment, CSAT, SLA).
package inboxes

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// Channel types, as Chatwoot names them in `channel_type`.
const (
	ChannelAPI           = "Channel::Api"
	ChannelWebWidget     = "Channel::WebWidget"
	ChannelEmail         = "Channel::Email"
	ChannelWhatsAppWeb   = "Channel::WhatsappWeb"
	ChannelWhatsAppCloud = "Channel::Whatsapp"
	ChannelFacebook      = "Channel::FacebookPage"
	ChannelInstagram     = "Channel::Instagram"
	ChannelTikTok        = "Channel::Tiktok"
	ChannelSMS           = "Channel::Sms"
	ChannelVoice         = "Channel::Voice"
)

// Inbox is where one channel's conversations arrive.
type Inbox struct {
	ID          uint64 `json:"id"`
	AccountID   uint64 `json:"account_id"`
	Name        string `json:"name"`
	ChannelType string `json:"channel_type"`
	// Enabled false stops the channel accepting new messages; its history stays.
	Enabled bool `json:"enabled"`
	// Identifier is the inbox's public id (API channel, widget token): random, unguessable.
	Identifier string `json:"identifier"`
	// Channel holds the channel adapter's settings (webhook URL, site domain…). Keys ending in
	// "_secret", "_token" or "password" are never returned by the API.
	Channel map[string]any `json:"channel,omitempty"`
	// MemberIDs are the user ids of the agents who work this inbox ("collaborators").
	MemberIDs []uint64 `json:"member_ids"`
	// TeamIDs are teams whose members also work it.
	TeamIDs       []uint64      `json:"team_ids"`
	Greeting      Greeting      `json:"greeting"`
	BusinessHours BusinessHours `json:"business_hours"`
	AutoAssign    AutoAssign    `json:"auto_assignment"`
	CSATEnabled   bool          `json:"csat_survey_enabled"`
	// LockToSingleConversation reopens a contact's resolved conversation on a new message
	// instead of starting a new one.
	LockToSingleConversation bool `json:"lock_to_single_conversation"`
	// SLAPolicyID is applied to every new conversation of the inbox (0: none).
	SLAPolicyID uint64    `json:"sla_policy_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Greeting is sent once when a contact starts a new conversation.
type Greeting struct {
	Enabled bool   `json:"enabled"`
	Message string `json:"message"`
}

// AutoAssign spreads new conversations over the inbox's online agents.
type AutoAssign struct {
	Enabled bool `json:"enabled"`
	// MaxPerAgent caps an agent's open conversations in this inbox (0: no cap).
	MaxPerAgent int `json:"max_assignment_limit"`
}

// BusinessHours are the team's working hours in the account's time zone.
type BusinessHours struct {
	Enabled bool `json:"enabled"`
	// OutOfOffice is sent (once per conversation while closed) when a contact writes outside
	// the hours.
	OutOfOffice string `json:"out_of_office_message"`
	// Days are Sunday (0) to Saturday (6).
	Days [7]Day `json:"days"`
}

// Day is one weekday's opening: closed, all day, or From–To ("09:00"–"18:00").
type Day struct {
	Open   bool   `json:"open"`
	AllDay bool   `json:"all_day"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// Inboxes are scoped by account with unique names; "identifier" finds an inbox from a public
// request (widget, API channel) and is installation-wide unique.
var Inboxes = storage.NewCollection(storage.Def[Inbox]{
	Name:    "inboxes",
	ID:      func(i *Inbox) *uint64 { return &i.ID },
	Account: func(i *Inbox) uint64 { return i.AccountID },
	Shared:  256,
	Indexes: []storage.Index[Inbox]{
		{Name: "name", Unique: true, Keys: func(i *Inbox) [][]byte { return [][]byte{storage.Str(storage.Fold(i.Name))} }},
	},
})

// PublicIDs maps an inbox's public identifier to its account and id, installation-wide (public
// routes know no account).
type PublicID struct {
	ID        uint64 `json:"id"` // the inbox id
	AccountID uint64 `json:"account_id"`
	Token     string `json:"token"`
}

// PublicIDs are installation-wide (account 0) and unique by token.
var PublicIDs = storage.NewCollection(storage.Def[PublicID]{
	Name:    "inbox_public_ids",
	ID:      func(p *PublicID) *uint64 { return &p.ID },
	Account: func(*PublicID) uint64 { return 0 },
	Indexes: []storage.Index[PublicID]{
		{Name: "token", Unique: true, Keys: func(p *PublicID) [][]byte { return [][]byte{storage.Str(p.Token)} }},
	},
})

// Channel setting keys (Inbox.Channel) shared by the channel adapters, the client API and the
// webhooks. Keys ending in "_secret", "_token" or "password" never leave the server.
const (
	// KeyWebhookURL is the API channel's endpoint for its conversations' events (agents' replies).
	KeyWebhookURL = "webhook_url"
	// KeyWebhookSecret signs what is posted to KeyWebhookURL (generated; shown once on rotate).
	KeyWebhookSecret = "webhook_secret"
	// KeyHMACToken is the secret a site (or integration) signs its user ids with: identifier_hash
	// = hex(HMAC-SHA256(hmac_token, identifier)). Generated on create; shown once on rotate.
	KeyHMACToken = "hmac_token"
	// KeyHMACMandatory refuses contacts whose identifier comes without a valid hash.
	KeyHMACMandatory = "hmac_mandatory"
	// Website widget settings (Chatwoot's names).
	KeyWebsiteURL     = "website_url"     // string: the site's address
	KeyAllowedDomains = "allowed_domains" // []string: hosts (with optional :port, *.wildcard) that may embed the widget
	KeyWidgetColor    = "widget_color"    // string: "#1F93FF"
	KeyPosition       = "widget_position" // string: "right" (default) or "left"
	KeyWelcomeTitle   = "welcome_title"
	KeyWelcomeTagline = "welcome_tagline"
	KeyReplyTime      = "reply_time"      // "in_a_few_minutes", "in_a_few_hours", "in_a_day"
	KeyOfflineMessage = "offline_message" // shown while the team is away
	KeyAvatarHash     = "avatar_hash"     // blob hash of the widget's avatar (served at /media/avatars/{hash})
	KeyPreChatEnabled = "pre_chat_form_enabled"
	KeyPreChatOptions = "pre_chat_form_options"  // {"pre_chat_message": "...", "pre_chat_fields": [...]}
	KeyFeatures       = "selected_feature_flags" // []string: "attachments", "emoji_picker", "end_conversation"
)

// ChannelString reads a string channel setting ("" when absent or not a string).
func (in *Inbox) ChannelString(key string) string {
	s, _ := in.Channel[key].(string)
	return s
}

// ChannelBool reads a boolean channel setting (false when absent).
func (in *Inbox) ChannelBool(key string) bool {
	b, _ := in.Channel[key].(bool)
	return b
}

// ChannelStrings reads a list-of-strings channel setting (JSON decoding gives []any).
func (in *Inbox) ChannelStrings(key string) []string {
	switch v := in.Channel[key].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Event types of this area.
const (
	EventInboxCreated = "inbox_created"
	EventInboxUpdated = "inbox_updated"
	EventInboxDeleted = "inbox_deleted"
)
