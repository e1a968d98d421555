package inboxes

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The channel settings a website or API inbox takes from the API, their defaults and limits.
// Settings the server manages (secrets, the avatar) are never taken from input: secrets are
// generated and rotated, the avatar is uploaded.

// channelKeys are the settings each channel type accepts; a type absent here accepts any.
var channelKeys = map[string][]string{
	ChannelAPI: {KeyWebhookURL, KeyHMACMandatory},
	ChannelWebWidget: {KeyWebsiteURL, KeyAllowedDomains, KeyWidgetColor, KeyPosition, KeyWelcomeTitle, KeyWelcomeTagline,
		KeyReplyTime, KeyOfflineMessage, KeyPreChatEnabled, KeyPreChatOptions, KeyFeatures, KeyHMACMandatory},
}

// Widget defaults and limits.
const (
	DefaultWidgetColor = "#1F93FF"
	maxWelcomeTitle    = 60
	maxWelcomeTagline  = 255
	maxOfflineMessage  = 1000
	maxPreChatMessage  = 1000
	maxFieldLabel      = 255
	maxPreChatFields   = 20
)

// ReplyTimes are the widget's "we typically reply…" choices.
var ReplyTimes = []string{"in_a_few_minutes", "in_a_few_hours", "in_a_day"}

// Features are the widget's optional features (selected_feature_flags).
var Features = []string{"attachments", "emoji_picker", "end_conversation"}

// PreChatFieldTypes are the input kinds of a pre-chat field.
var PreChatFieldTypes = []string{"text", "email", "phone", "number", "checkbox", "list"}

// Standard pre-chat fields fill the contact itself; any other name is a custom attribute key.
var standardFields = []string{"fullName", "emailAddress", "phoneNumber"}

var (
	colorRE     = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
	attrKeyRE   = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
	hostLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// PreChatField is one field of the widget's pre-chat form (Chatwoot's shape).
type PreChatField struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	Enabled  bool     `json:"enabled"`
	Values   []string `json:"values,omitempty"`
}

// PreChatOptions is the pre-chat form: a message above it and its fields.
type PreChatOptions struct {
	Message string         `json:"pre_chat_message"`
	Fields  []PreChatField `json:"pre_chat_fields"`
}

// defaultPreChat asks for an email (required) and a name; the phone is there to switch on. The
// labels are empty: the widget shows its own, in the visitor's language.
func defaultPreChat() PreChatOptions {
	return PreChatOptions{Fields: []PreChatField{
		{Name: "emailAddress", Type: "email", Required: true, Enabled: true},
		{Name: "fullName", Type: "text", Enabled: true},
		{Name: "phoneNumber", Type: "phone", Enabled: false},
	}}
}

// PreChat reads the inbox's pre-chat form settings (the defaults when none are stored).
func (in *Inbox) PreChat() PreChatOptions {
	raw, ok := in.Channel[KeyPreChatOptions]
	if !ok {
		return defaultPreChat()
	}
	o, _ := parsePreChat(raw, nil)
	return o
}

// serverManaged reports whether a channel key is set by the server only.
func serverManaged(key string) bool { return secret(key) || key == KeyAvatarHash }

// RandomToken is a random base58 string of n characters: secrets and public ids.
func RandomToken(n int) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

// secretLength is the length of generated channel secrets.
const secretLength = 32

// mergeChannel writes the input's channel settings onto x (null removes a key), refusing keys
// the channel type does not know; server-managed keys in the input are ignored, so a form that
// sends back what it read does no harm.
func mergeChannel(x *Inbox, input map[string]any, fe addFielder) {
	allowed, checked := channelKeys[x.ChannelType]
	x.Channel = cloneMap(x.Channel)
	for k, v := range input {
		if serverManaged(k) {
			continue
		}
		if checked && !slices.Contains(allowed, k) {
			fe.Add("channel."+k, "is not a setting of this channel")
			continue
		}
		if v == nil {
			delete(x.Channel, k)
		} else {
			x.Channel[k] = v
		}
	}
}

type addFielder interface{ Add(field, msg string) }

// normalizeChannel validates the merged settings of a website or API inbox, fills defaults and
// stores the settings in their canonical form; creating generates the secrets.
func normalizeChannel(x *Inbox, fe addFielder, creating bool) {
	c := x.Channel
	if raw, set := c[KeyWebhookURL]; set {
		if u, ok := raw.(string); !ok || u != "" && !validURL(u) {
			fe.Add("channel."+KeyWebhookURL, "must be an http or https URL")
		}
	}
	if raw, set := c[KeyHMACMandatory]; set {
		if _, ok := raw.(bool); !ok {
			fe.Add("channel."+KeyHMACMandatory, "must be true or false")
		}
	}
	switch x.ChannelType {
	case ChannelAPI:
		if creating {
			c[KeyHMACToken] = RandomToken(secretLength)
		}
		if x.ChannelString(KeyWebhookURL) != "" && x.ChannelString(KeyWebhookSecret) == "" {
			c[KeyWebhookSecret] = RandomToken(secretLength)
		}
	case ChannelWebWidget:
		normalizeWidget(c, fe)
		if creating {
			c[KeyHMACToken] = RandomToken(secretLength)
		}
	}
}

func normalizeWidget(c map[string]any, fe addFielder) {
	site, _ := c[KeyWebsiteURL].(string)
	site = strings.TrimSpace(site)
	var siteHost string
	if site == "" {
		fe.Add("channel."+KeyWebsiteURL, "is required")
	} else if !validURL(site) {
		fe.Add("channel."+KeyWebsiteURL, "must be an http or https URL")
	} else {
		c[KeyWebsiteURL] = site
		u, _ := url.Parse(site)
		siteHost = strings.ToLower(u.Hostname())
	}

	domains, ok := stringList(c[KeyAllowedDomains])
	if !ok {
		fe.Add("channel."+KeyAllowedDomains, "must be a list of domains")
	} else {
		out := []string{}
		for _, d := range domains {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "" {
				continue
			}
			if !validDomainEntry(d) {
				fe.Add("channel."+KeyAllowedDomains, fmt.Sprintf("%q is not a domain (use example.com, example.com:8080 or *.example.com)", d))
				continue
			}
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
		if len(out) == 0 && siteHost != "" {
			out = []string{siteHost}
		}
		c[KeyAllowedDomains] = out
	}

	text := func(key string, max int, def string) {
		raw, set := c[key]
		if !set {
			if def != "" {
				c[key] = def
			}
			return
		}
		s, ok := raw.(string)
		switch {
		case !ok:
			fe.Add("channel."+key, "must be text")
		case len([]rune(strings.TrimSpace(s))) > max:
			fe.Add("channel."+key, fmt.Sprintf("must be at most %d characters", max))
		default:
			c[key] = strings.TrimSpace(s)
		}
	}
	oneOf := func(key string, choices []string, def string) {
		raw, set := c[key]
		if !set || raw == "" {
			c[key] = def
			return
		}
		if s, ok := raw.(string); !ok || !slices.Contains(choices, s) {
			fe.Add("channel."+key, "must be one of "+strings.Join(choices, ", "))
		}
	}
	if raw, set := c[KeyWidgetColor]; !set || raw == "" {
		c[KeyWidgetColor] = DefaultWidgetColor
	} else if s, ok := raw.(string); !ok || !colorRE.MatchString(s) {
		fe.Add("channel."+KeyWidgetColor, "must be a colour like #1F93FF")
	} else {
		c[KeyWidgetColor] = strings.ToUpper(s)
	}
	oneOf(KeyPosition, []string{"right", "left"}, "right")
	text(KeyWelcomeTitle, maxWelcomeTitle, "")
	text(KeyWelcomeTagline, maxWelcomeTagline, "")
	oneOf(KeyReplyTime, ReplyTimes, ReplyTimes[0])
	text(KeyOfflineMessage, maxOfflineMessage, "")
	if raw, set := c[KeyPreChatEnabled]; !set {
		c[KeyPreChatEnabled] = false
	} else if _, ok := raw.(bool); !ok {
		fe.Add("channel."+KeyPreChatEnabled, "must be true or false")
	}
	if raw, set := c[KeyPreChatOptions]; !set {
		c[KeyPreChatOptions] = defaultPreChat()
	} else if o, ok := parsePreChat(raw, fe); ok {
		c[KeyPreChatOptions] = o
	}
	if raw, set := c[KeyFeatures]; !set {
		c[KeyFeatures] = slices.Clone(Features)
	} else if list, ok := stringList(raw); !ok {
		fe.Add("channel."+KeyFeatures, "must be a list of features")
	} else {
		out := []string{}
		for _, f := range list {
			if !slices.Contains(Features, f) {
				fe.Add("channel."+KeyFeatures, fmt.Sprintf("%q is not a feature (%s)", f, strings.Join(Features, ", ")))
			} else if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
		c[KeyFeatures] = out
	}
}

// parsePreChat reads the pre-chat options as they come from JSON (or as stored); fe nil reads
// leniently (stored settings were validated when written).
func parsePreChat(raw any, fe addFielder) (PreChatOptions, bool) {
	const key = "channel." + KeyPreChatOptions
	if o, ok := raw.(PreChatOptions); ok {
		return o, true
	}
	var o PreChatOptions
	m, ok := raw.(map[string]any)
	if !ok {
		if fe != nil {
			fe.Add(key, "must be an object with pre_chat_message and pre_chat_fields")
		}
		return defaultPreChat(), false
	}
	good := true
	bad := func(field, msg string) {
		good = false
		if fe != nil {
			fe.Add(key+field, msg)
		}
	}
	if v, set := m["pre_chat_message"]; set && v != nil {
		if s, ok := v.(string); !ok {
			bad(".pre_chat_message", "must be text")
		} else if len([]rune(s)) > maxPreChatMessage {
			bad(".pre_chat_message", fmt.Sprintf("must be at most %d characters", maxPreChatMessage))
		} else {
			o.Message = strings.TrimSpace(s)
		}
	}
	o.Fields = []PreChatField{}
	fields, _ := m["pre_chat_fields"].([]any)
	if v, set := m["pre_chat_fields"]; set && v != nil && fields == nil {
		bad(".pre_chat_fields", "must be a list of fields")
	}
	if len(fields) > maxPreChatFields {
		bad(".pre_chat_fields", fmt.Sprintf("at most %d fields", maxPreChatFields))
		fields = nil
	}
	for i, rf := range fields {
		at := fmt.Sprintf(".pre_chat_fields[%d]", i)
		f, ok := rf.(map[string]any)
		if !ok {
			bad(at, "must be an object")
			continue
		}
		var pf PreChatField
		pf.Name, _ = f["name"].(string)
		pf.Label, _ = f["label"].(string)
		pf.Type, _ = f["type"].(string)
		pf.Required, _ = f["required"].(bool)
		pf.Enabled, _ = f["enabled"].(bool)
		if _, set := f["enabled"]; !set {
			pf.Enabled = true
		}
		switch {
		case pf.Name == "":
			bad(at+".name", "is required")
		case !slices.Contains(standardFields, pf.Name) && !attrKeyRE.MatchString(pf.Name):
			bad(at+".name", "must be fullName, emailAddress, phoneNumber or a custom attribute key (a-z, 0-9, _)")
		case slices.ContainsFunc(o.Fields, func(x PreChatField) bool { return x.Name == pf.Name }):
			bad(at+".name", "is already a field of the form")
		}
		if pf.Type == "" {
			pf.Type = "text"
		}
		if !slices.Contains(PreChatFieldTypes, pf.Type) {
			bad(at+".type", "must be one of "+strings.Join(PreChatFieldTypes, ", "))
		}
		pf.Label = strings.TrimSpace(pf.Label)
		if len([]rune(pf.Label)) > maxFieldLabel {
			bad(at+".label", fmt.Sprintf("must be at most %d characters", maxFieldLabel))
		}
		if pf.Type == "list" {
			vals, ok := stringList(f["values"])
			vals = slices.DeleteFunc(vals, func(s string) bool { return strings.TrimSpace(s) == "" })
			if !ok || len(vals) == 0 {
				bad(at+".values", "a list field needs its choices")
			}
			pf.Values = vals
		}
		o.Fields = append(o.Fields, pf)
	}
	if !good {
		return defaultPreChat(), false
	}
	return o, true
}

// stringList reads a list of strings as JSON decodes it ([]any) or as Go code passes it;
// absent is an empty list.
func stringList(raw any) ([]string, bool) {
	switch v := raw.(type) {
	case nil:
		return nil, true
	case []string:
		return slices.Clone(v), true
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// validDomainEntry accepts "host", "host:port" and "*.host" (lower-case), where host is a DNS
// name, "localhost" or an IP address.
func validDomainEntry(d string) bool {
	host := d
	if h, p, err := net.SplitHostPort(d); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return false
		}
		host = h
	}
	if strings.HasPrefix(host, "*.") {
		host = host[2:]
		if net.ParseIP(host) != nil {
			return false
		}
	}
	if net.ParseIP(host) != nil {
		return true
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if !hostLabelRE.MatchString(l) {
			return false
		}
	}
	return len(host) <= 253
}

// Snippet is the script tag a site pastes to show the widget of the inbox whose website token
// is token, loading it from base (Parley's public address).
func Snippet(base, token string) string {
	base = strings.TrimRight(base, "/")
	return `<script>
  (function(d,t) {
    var BASE_URL="` + jsString(base) + `";
    var g=d.createElement(t),s=d.getElementsByTagName(t)[0];
    g.src=BASE_URL+"/widget/sdk.js";
    g.async=true;
    s.parentNode.insertBefore(g,s);
    g.onload=function(){
      window.parleySDK.run({ websiteToken: '` + jsString(token) + `', baseUrl: BASE_URL })
    }
  })(document,"script");
</script>`
}

// jsString keeps a configured address from breaking out of the snippet's string literals.
func jsString(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, `'`, `\'`, "<", `\x3c`, "\n", "", "\r", "").Replace(s)
}
