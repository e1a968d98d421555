package mail

import (
	"context"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/storage"
)

// Connection security choices.
const (
	SecurityStartTLS = "starttls"
	SecurityTLS      = "tls"
	SecurityNone     = "none"
)

// defaultPorts are the usual submission ports, used when the operator leaves the port empty.
var defaultPorts = map[string]int{SecurityStartTLS: 587, SecurityTLS: 465, SecurityNone: 25}

// Settings are the operator's SMTP server as shown to the operator; the password is never
// shown, only whether one is stored.
type Settings struct {
	Enabled     bool   `json:"enabled"`
	Host        string `json:"host"`
	Port        int    `json:"port"`
	Security    string `json:"security" enum:"starttls,tls,none"`
	Username    string `json:"username"`
	PasswordSet bool   `json:"password_set"`
	FromName    string `json:"from_name"`
	FromAddress string `json:"from_address"`
}

// SettingsInput replaces the settings. An empty Password keeps the stored one; clearing the
// username removes it (a password without a user name is never used).
type SettingsInput struct {
	Enabled     bool   `json:"enabled,omitempty"`
	Host        string `json:"host,omitempty"`
	Port        int    `json:"port,omitempty"`
	Security    string `json:"security,omitempty"`
	Username    string `json:"username,omitempty"`
	Password    string `json:"password,omitempty"`
	FromName    string `json:"from_name,omitempty"`
	FromAddress string `json:"from_address,omitempty"`
}

// server is the stored record: the one place the password lives.
type server struct {
	ID uint64 `json:"id"`
	Settings
	Password  string    `json:"password"`
	UpdatedAt time.Time `json:"updated_at"`
}

// configID is the id of the installation's single settings record.
const configID = 1

var servers = storage.NewCollection(storage.Def[server]{
	Name:    "mail_settings",
	ID:      func(s *server) *uint64 { return &s.ID },
	Account: func(*server) uint64 { return 0 },
})

// loadServer returns the stored settings, or empty ones when mail was never set up.
func loadServer(tx *storage.Tx) *server {
	if s, err := servers.Get(tx, 0, configID); err == nil {
		return s
	}
	return &server{ID: configID, Settings: Settings{Security: SecurityStartTLS, Port: defaultPorts[SecurityStartTLS]}}
}

// ready tells whether queued mail can go out now.
func (s *server) ready() bool { return s.Enabled && s.Host != "" && s.FromAddress != "" }

func (s *server) view() *Settings {
	v := s.Settings
	v.PasswordSet = s.Password != ""
	return &v
}

func requireOperator(actor access.Actor) error {
	if !actor.Operator {
		return apperr.Forbiddenf("only the installation operator can do this")
	}
	return nil
}

// Settings returns the installation's mail server settings (operator).
func (s *Service) Settings(ctx context.Context, actor access.Actor) (*Settings, error) {
	if err := requireOperator(actor); err != nil {
		return nil, err
	}
	var out *Settings
	err := s.db.View(func(tx *storage.Tx) error { out = loadServer(tx).view(); return nil })
	return out, err
}

// SaveSettings validates and replaces the settings (operator). Saving wakes the worker, so mail
// that waited for a server goes out.
func (s *Service) SaveSettings(ctx context.Context, actor access.Actor, in SettingsInput) (*Settings, error) {
	if err := requireOperator(actor); err != nil {
		return nil, err
	}
	next, err := validate(in)
	if err != nil {
		return nil, err
	}
	var out *Settings
	err = s.db.Update(func(tx *storage.Tx) error {
		cur := loadServer(tx)
		next.Password = cur.Password
		if in.Password != "" {
			next.Password = in.Password
		}
		if next.Username == "" {
			next.Password = ""
		}
		next.ID, next.UpdatedAt = configID, s.now().UTC()
		if err := servers.Put(tx, next); err != nil {
			return err
		}
		if err := audit.RecordIn(tx, 0, actor, "platform.mail_updated", "mail_settings", configID, next.Host); err != nil {
			return err
		}
		out = next.view()
		db := tx.DB()
		tx.OnCommit(func() { wake(db) })
		return tx.EmitData(storage.Event{Type: EventSettingsUpdated, Entity: "mail_settings", ID: configID, Actor: actor.UserID}, out)
	})
	return out, err
}

// Change-feed events of the mail service. They are installation-wide (account 0), so no
// account's users or webhooks see them.
const (
	EventSettingsUpdated = "mail.settings_updated"
	EventMessageSent     = "mail.message_sent"
	EventMessageFailed   = "mail.message_failed"
)

func oneLine(s string) bool { return !strings.ContainsAny(s, "\r\n") }

// validate checks the input field by field; a server that is off may be saved half filled in,
// so the operator can come back to it.
func validate(in SettingsInput) (*server, error) {
	var fe apperr.Fields
	out := &server{Settings: Settings{
		Enabled:     in.Enabled,
		Host:        strings.TrimSpace(in.Host),
		Port:        in.Port,
		Security:    strings.ToLower(strings.TrimSpace(in.Security)),
		Username:    strings.TrimSpace(in.Username),
		FromName:    strings.TrimSpace(in.FromName),
		FromAddress: strings.TrimSpace(in.FromAddress),
	}}
	if out.Security == "" {
		out.Security = SecurityStartTLS
	}
	if _, ok := defaultPorts[out.Security]; !ok {
		fe.Add("security", "must be starttls, tls or none")
	}
	switch {
	case out.Host == "" && out.Enabled:
		fe.Add("host", "is required to turn mail on")
	case out.Host != "" && !validHost(out.Host):
		fe.Add("host", "must be a host name or IP address, without scheme or port (smtp.example.com)")
	}
	switch {
	case out.Port == 0:
		out.Port = defaultPorts[out.Security]
	case out.Port < 1 || out.Port > 65535:
		fe.Add("port", "must be between 1 and 65535")
	}
	if len(out.Username) > 254 || !oneLine(out.Username) {
		fe.Add("username", "must be one line of at most 254 characters")
	}
	if in.Password != "" && out.Username == "" {
		fe.Add("username", "is required when a password is given")
	}
	if len(in.Password) > 512 || !oneLine(in.Password) {
		fe.Add("password", "must be one line of at most 512 characters")
	}
	if len([]rune(out.FromName)) > 100 || !oneLine(out.FromName) {
		fe.Add("from_name", "must be one line of at most 100 characters")
	}
	switch {
	case out.FromAddress == "" && out.Enabled:
		fe.Add("from_address", "is required to turn mail on")
	case out.FromAddress != "" && !validAddress(out.FromAddress):
		fe.Add("from_address", "is not a valid email address (name@example.com)")
	}
	return out, fe.Err()
}

// validHost accepts a DNS name or an IP literal: no scheme, path, port or spaces.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if len(h) > 253 || strings.HasPrefix(h, ".") || strings.HasPrefix(h, "-") || strings.Contains(h, "..") {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// validAddress accepts a bare address (no display name, no angle brackets).
func validAddress(a string) bool {
	p, err := netmail.ParseAddress(a)
	return err == nil && p.Address == a && strings.Contains(a, "@")
}
