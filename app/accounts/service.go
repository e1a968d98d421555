package accounts

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/storage"
)

// Service manages accounts and their people.
type Service struct {
	db   *storage.DB
	auth *auth.Service
}

// New builds the service.
func New(db *storage.DB, a *auth.Service) *Service { return &Service{db: db, auth: a} }

// Change-feed event types of this area (webhooks and realtime listen to them).
const (
	EventAccountUpdated = "account.updated"
	EventAgentCreated   = "agent.created"
	EventAgentUpdated   = "agent.updated"
	EventAgentDeleted   = "agent.deleted"
	EventTeamUpdated    = "team.updated"
)

// AccountSettings are the editable fields of an account; nil leaves a field alone.
type AccountSettings struct {
	Name       *string `json:"name,omitempty"`
	TimeZone   *string `json:"time_zone,omitempty"`
	Language   *string `json:"language,omitempty"`
	Currency   *string `json:"currency,omitempty"`
	Require2FA *bool   `json:"require_2fa,omitempty"`
	// DoNotDisturb replaces the quiet hours for automated messages.
	DoNotDisturb *DoNotDisturb `json:"do_not_disturb,omitempty"`
	// OwnerPrivacy turns owner-based privacy of contacts, deals and orders on or off.
	OwnerPrivacy *bool `json:"owner_privacy,omitempty"`
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

func (in AccountSettings) apply(a *Account) error {
	var fe apperr.Fields
	if in.Name != nil {
		if n := strings.TrimSpace(*in.Name); n == "" {
			fe.Add("name", "is required")
		} else if len(n) > 120 {
			fe.Add("name", "must be at most 120 characters")
		} else {
			a.Name = n
		}
	}
	if in.TimeZone != nil {
		if _, err := time.LoadLocation(*in.TimeZone); err != nil || *in.TimeZone == "" || *in.TimeZone == "Local" {
			fe.Add("time_zone", "is not a known IANA time zone (for example America/Sao_Paulo)")
		} else {
			a.TimeZone = *in.TimeZone
		}
	}
	if in.Language != nil {
		if *in.Language != "en" && *in.Language != "pt-BR" {
			fe.Add("language", "must be en or pt-BR")
		} else {
			a.Language = *in.Language
		}
	}
	if in.Currency != nil {
		if c := strings.ToUpper(strings.TrimSpace(*in.Currency)); !currencyRE.MatchString(c) {
			fe.Add("currency", "must be a three-letter ISO 4217 code such as BRL")
		} else {
			a.Currency = c
		}
	}
	if in.Require2FA != nil {
		a.Require2FA = *in.Require2FA
	}
	if in.OwnerPrivacy != nil {
		a.OwnerPrivacy = *in.OwnerPrivacy
	}
	if d := in.DoNotDisturb; d != nil {
		if _, _, err := d.validate(); err != nil && (d.Enabled || d.Start != "" || d.End != "") {
			fe.Add("do_not_disturb", err.Error())
		} else {
			a.DoNotDisturb = *d
		}
	}
	return fe.Err()
}

func newAccount(name, tz, lang, currency string) (*Account, error) {
	a := &Account{TimeZone: "America/Sao_Paulo", Language: "pt-BR", Currency: "BRL", Modules: map[string]bool{}, CreatedAt: time.Now().UTC()}
	in := AccountSettings{Name: &name}
	if tz != "" {
		in.TimeZone = &tz
	}
	if lang != "" {
		in.Language = &lang
	}
	if currency != "" {
		in.Currency = &currency
	}
	if err := in.apply(a); err != nil {
		return nil, err
	}
	return a, nil
}

// SetupInput is the first-run form.
type SetupInput struct {
	AccountName string
	Name        string
	Email       string
	Password    string
	TimeZone    string
	Language    string
	Currency    string
	IP, UA      string
}

// SetupResult is what the first run returns: the owner is signed in.
type SetupResult struct {
	AccountID uint64 `json:"account_id"`
	UserID    uint64 `json:"user_id"`
	Token     string `json:"token"`
}

// SetupNeeded reports whether the installation has no user yet.
func (s *Service) SetupNeeded() bool {
	needed := true
	s.db.View(func(tx *storage.Tx) error { needed = auth.Users.Len(tx, 0) == 0; return nil })
	return needed
}

// Setup creates the first account and its owner (the installation operator), a first team,
// and signs the owner in. Once any user exists it is a Conflict.
func (s *Service) Setup(ctx context.Context, in SetupInput) (*SetupResult, error) {
	var fe apperr.Fields
	if strings.TrimSpace(in.AccountName) == "" {
		fe.Add("account_name", "is required")
	}
	if err := auth.ValidateNewUser(auth.NewUser{Name: in.Name, Email: in.Email, Password: in.Password, Language: in.Language}); err != nil {
		e, _ := apperr.As(err)
		for k, v := range e.Fields {
			fe.Add(k, v)
		}
	}
	acct, err := newAccount(in.AccountName, in.TimeZone, in.Language, in.Currency)
	if err != nil {
		e, _ := apperr.As(err)
		for k, v := range e.Fields {
			if k == "name" {
				k = "account_name"
			}
			fe.Add(k, v)
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var res *SetupResult
	err = s.db.Update(func(tx *storage.Tx) error {
		if auth.Users.Len(tx, 0) > 0 {
			return apperr.Conflictf("Parley is already set up; sign in instead")
		}
		if err := Accounts.Put(tx, acct); err != nil {
			return err
		}
		u, err := s.auth.CreateUser(tx, auth.NewUser{Name: in.Name, Email: in.Email, Password: in.Password, Language: acct.Language, Operator: true})
		if err != nil {
			return err
		}
		if err := addMember(tx, acct, u, access.Administrator, 0); err != nil {
			return err
		}
		if err := Teams.Put(tx, &Team{AccountID: acct.ID, Name: "General", Description: "Everyone in the account", MemberIDs: []uint64{u.ID}, CreatedAt: time.Now().UTC()}); err != nil {
			return err
		}
		token, err := s.auth.IssueSession(tx, u.ID, in.IP, in.UA)
		if err != nil {
			return err
		}
		actor := access.Actor{UserID: u.ID, UserName: u.Name, AccountID: acct.ID, Role: access.Administrator, IP: in.IP, UserAgent: in.UA}
		res = &SetupResult{AccountID: acct.ID, UserID: u.ID, Token: token}
		return audit.Record(tx, actor, "account.created", "account", acct.ID, acct.Name)
	})
	return res, err
}

// addMember makes u a member of acct in tx and keeps u.AccountIDs in step.
func addMember(tx *storage.Tx, acct *Account, u *auth.User, role access.Role, customRole uint64) error {
	if err := Members.Put(tx, &Member{AccountID: acct.ID, UserID: u.ID, Role: role, CustomRoleID: customRole, Availability: "online", CreatedAt: time.Now().UTC()}); err != nil {
		return err
	}
	if !slices.Contains(u.AccountIDs, acct.ID) {
		u.AccountIDs = append(u.AccountIDs, acct.ID)
	}
	return auth.Users.Put(tx, u)
}

// Owner is the installation's first operator: the person the desktop window signs in.
func (s *Service) Owner(ctx context.Context) (uint64, error) {
	var id uint64
	err := s.db.View(func(tx *storage.Tx) error {
		return auth.Users.Each(tx, 0, storage.Query{}, func(u *auth.User) bool {
			if u.Operator {
				id = u.ID
				return false
			}
			return true
		})
	})
	if err == nil && id == 0 {
		err = apperr.NotFoundf("Parley is not set up yet")
	}
	return id, err
}

// Actor builds the actor for a user working in an account. A user who is not a member gets
// NotFound, exactly as for an account that does not exist.
func (s *Service) Actor(tx *storage.Tx, u *auth.User, accountID uint64) (access.Actor, *Account, error) {
	acct, err := Accounts.Get(tx, 0, accountID)
	if err != nil {
		return access.Actor{}, nil, apperr.NotFoundf("account %d not found", accountID)
	}
	m, err := Members.GetBy(tx, accountID, "user", storage.Uint(u.ID))
	if err != nil {
		return access.Actor{}, nil, apperr.NotFoundf("account %d not found", accountID)
	}
	a := access.Actor{UserID: u.ID, UserName: u.Name, AccountID: accountID, Role: m.Role, Operator: u.Operator}
	if m.Role != access.Administrator {
		a.Permissions = access.AgentDefaults
		if m.CustomRoleID != 0 {
			if r, err := CustomRoles.Get(tx, accountID, m.CustomRoleID); err == nil {
				a.Permissions = r.Permissions
				a.OwnConversationsOnly = r.OwnConversationsOnly
			}
		}
	}
	return a, acct, nil
}

// AccountRef is one of a user's accounts as the profile lists it.
type AccountRef struct {
	ID           uint64                  `json:"id"`
	Name         string                  `json:"name"`
	Role         access.Role             `json:"role"`
	CustomRoleID uint64                  `json:"custom_role_id,omitempty"`
	Permissions  map[string]access.Level `json:"permissions"`
	Modules      []string                `json:"modules"`
	Require2FA   bool                    `json:"require_2fa"`
}

// Refs lists the accounts a user belongs to with their role and effective permissions there.
func (s *Service) Refs(tx *storage.Tx, u *auth.User) []AccountRef {
	out := []AccountRef{}
	for _, id := range u.AccountIDs {
		a, acct, err := s.Actor(tx, u, id)
		if err != nil {
			continue
		}
		m, _ := Members.GetBy(tx, id, "user", storage.Uint(u.ID))
		perms := map[string]access.Level{}
		for _, mod := range acct.EnabledModules() {
			if l := a.Level(mod); l != access.None {
				perms[mod] = l
			}
		}
		perms[access.Settings] = a.Level(access.Settings)
		ref := AccountRef{ID: id, Name: acct.Name, Role: a.Role, Permissions: perms, Modules: acct.EnabledModules(), Require2FA: acct.Require2FA}
		if m != nil {
			ref.CustomRoleID = m.CustomRoleID
		}
		out = append(out, ref)
	}
	return out
}

// Get returns the actor's account.
func (s *Service) Get(ctx context.Context, actor access.Actor, id uint64) (*Account, error) {
	if err := actor.RequireAccount(id); err != nil {
		return nil, err
	}
	var a *Account
	err := s.db.View(func(tx *storage.Tx) (err error) { a, err = Accounts.Get(tx, 0, id); return err })
	return a, err
}

// Update changes the account's settings (administrators only).
func (s *Service) Update(ctx context.Context, actor access.Actor, id uint64, in AccountSettings) (*Account, error) {
	if err := actor.RequireAccount(id); err != nil {
		return nil, err
	}
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out *Account
	err := s.db.Update(func(tx *storage.Tx) error {
		a, err := Accounts.Get(tx, 0, id)
		if err != nil {
			return err
		}
		if err := in.apply(a); err != nil {
			return err
		}
		if err := Accounts.Put(tx, a); err != nil {
			return err
		}
		out = a
		if err := tx.EmitData(storage.Event{Account: id, Type: EventAccountUpdated, Entity: "accounts", ID: id, Actor: actor.UserID}, a); err != nil {
			return err
		}
		return audit.Record(tx, actor, "account.updated", "account", id, describe(in))
	})
	return out, err
}

func describe(in AccountSettings) string {
	var parts []string
	if in.Name != nil {
		parts = append(parts, "name="+*in.Name)
	}
	if in.TimeZone != nil {
		parts = append(parts, "time_zone="+*in.TimeZone)
	}
	if in.Language != nil {
		parts = append(parts, "language="+*in.Language)
	}
	if in.Currency != nil {
		parts = append(parts, "currency="+*in.Currency)
	}
	if in.Require2FA != nil {
		parts = append(parts, fmt.Sprintf("require_2fa=%v", *in.Require2FA))
	}
	return strings.Join(parts, ", ")
}

func tempPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 14)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}
