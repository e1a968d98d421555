package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
	"github.com/pquerna/otp/totp"
	"github.com/skip2/go-qrcode"
	"golang.org/x/crypto/bcrypt"
)

// Options tunes the service.
type Options struct {
	// BcryptCost is the password hashing cost (default 12). Tests may lower it.
	BcryptCost int
	// SessionTTL is how long an unused session lives (default 30 days, renewed on use).
	SessionTTL time.Duration
	// Now is the clock (tests).
	Now func() time.Time
}

// Service is users and their credentials.
type Service struct {
	db   *storage.DB
	opts Options
	// dummy is a hash to compare against for unknown emails, so timing does not tell. It is made
	// in the background: at cost 12 it takes a third of a second, which start-up should not wait.
	dummy func() []byte
	guard *throttle
}

// New builds the service.
func New(db *storage.DB, opts Options) *Service {
	if opts.BcryptCost == 0 {
		opts.BcryptCost = 12
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 30 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	made := make(chan []byte, 1)
	go func() {
		h, _ := bcrypt.GenerateFromPassword([]byte("parley-dummy-password"), opts.BcryptCost)
		made <- h
	}()
	return &Service{db: db, opts: opts, dummy: sync.OnceValue(func() []byte { return <-made }), guard: newThrottle(opts.Now)}
}

// Languages the UI speaks.
var Languages = []string{"en", "pt-BR"}

// NewUser is what creating a user needs.
type NewUser struct {
	Name     string
	Email    string
	Password string
	Language string
	Operator bool
	// Temporary marks an administrator-chosen password the user should change.
	Temporary bool
}

// ValidateNewUser checks the fields of a new user, naming each bad one.
func ValidateNewUser(in NewUser) error {
	var fe apperr.Fields
	if strings.TrimSpace(in.Name) == "" {
		fe.Add("name", "is required")
	} else if len(in.Name) > 120 {
		fe.Add("name", "must be at most 120 characters")
	}
	if err := validEmail(in.Email); err != "" {
		fe.Add("email", err)
	}
	if msg := passwordProblem(in.Password); msg != "" {
		fe.Add("password", msg)
	}
	if in.Language != "" && !validLanguage(in.Language) {
		fe.Add("language", "must be en or pt-BR")
	}
	return fe.Err()
}

func validLanguage(l string) bool {
	for _, x := range Languages {
		if x == l {
			return true
		}
	}
	return false
}

func validEmail(e string) string {
	e = strings.TrimSpace(e)
	if e == "" {
		return "is required"
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") && !strings.HasSuffix(e, "@localhost") {
		return "is not a valid email address"
	}
	return ""
}

func passwordProblem(p string) string {
	switch {
	case len(p) < 8:
		return "must be at least 8 characters"
	case len(p) > 72:
		return "must be at most 72 bytes"
	}
	return ""
}

// CreateUser adds a user in tx. The email must be free (Conflict on "email" otherwise).
func (s *Service) CreateUser(tx *storage.Tx, in NewUser) (*User, error) {
	if err := ValidateNewUser(in); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.opts.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("auth: hash password: %w", err)
	}
	lang := in.Language
	if lang == "" {
		lang = "en"
	}
	u := &User{
		Name: strings.TrimSpace(in.Name), Email: strings.TrimSpace(in.Email), PasswordHash: string(hash),
		Language: lang, SendKey: "enter", Theme: "system", Operator: in.Operator, CreatedAt: s.opts.Now().UTC(),
		MustChangePassword: in.Temporary,
	}
	if err := Users.Put(tx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// UserByEmail finds a user by email (case-insensitive).
func UserByEmail(tx *storage.Tx, email string) (*User, error) {
	return Users.GetBy(tx, 0, "email", storage.Str(storage.Fold(email)))
}

// Session is what a successful sign-in returns.
type Session struct {
	Token string `json:"token"`
	User  *User  `json:"-"`
}

// LoginInput is a sign-in attempt.
type LoginInput struct {
	Email, Password, OTP string
	IP, UserAgent        string
}

// errBadCredentials is the one message for a wrong email or password, so that nobody can learn
// which emails have accounts.
var errBadCredentials = apperr.Unauthorizedf("invalid email or password")

// Login checks credentials (and the second factor when the user has one) and opens a session.
// Repeated failures for an email or an address are slowed down (429 with Retry-After).
func (s *Service) Login(ctx context.Context, in LoginInput) (*Session, error) {
	keys := []string{"email:" + storage.Fold(in.Email), "ip:" + in.IP}
	if wait := s.guard.blocked(keys...); wait > 0 {
		return nil, &apperr.Error{Kind: apperr.TooManyRequests, Message: fmt.Sprintf("too many failed sign-in attempts; try again in %d seconds", int(wait.Seconds())+1), RetryAfterSeconds: int(wait.Seconds()) + 1}
	}
	var u *User
	s.db.View(func(tx *storage.Tx) error {
		u, _ = UserByEmail(tx, in.Email)
		return nil
	})
	if u == nil {
		bcrypt.CompareHashAndPassword(s.dummy(), []byte(in.Password))
		s.guard.fail(keys...)
		return nil, errBadCredentials
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(in.Password)) != nil {
		s.guard.fail(keys...)
		s.db.Update(func(tx *storage.Tx) error {
			return s.auditUser(tx, u, actorFor(u, in.IP, in.UserAgent), "auth.login_failed", "wrong password")
		})
		return nil, errBadCredentials
	}
	var sess *Session
	err := s.db.Update(func(tx *storage.Tx) error {
		u, err := Users.Get(tx, 0, u.ID)
		if err != nil {
			return err
		}
		actor := actorFor(u, in.IP, in.UserAgent)
		if u.TOTPEnabled {
			if strings.TrimSpace(in.OTP) == "" {
				return apperr.Field("otp", "two-factor code required")
			}
			ok, err := s.checkSecondFactor(tx, u, in.OTP)
			if err != nil {
				return err
			}
			if !ok {
				s.auditUser(tx, u, actor, "auth.login_failed", "wrong two-factor code")
				return &apperr.Error{Kind: apperr.Unauthorized, Message: "invalid two-factor code", Fields: map[string]string{"otp": "is not valid"}}
			}
		}
		newPlace := u.LastLoginIP != "" && u.LastLoginIP != in.IP
		u.LastLoginIP = in.IP
		if err := Users.Put(tx, u); err != nil {
			return err
		}
		token, err := s.issue(tx, u.ID, KindSession, "", in.IP, in.UserAgent, false)
		if err != nil {
			return err
		}
		sess = &Session{Token: token, User: u}
		if newPlace {
			s.notifyUser(tx, u, "security", "New sign-in from "+in.IP, "Novo acesso a partir de "+in.IP,
				"If this wasn't you, change your password and turn on two-factor authentication.",
				"Se não foi você, troque sua senha e ative a verificação em duas etapas.")
		}
		return s.auditUser(tx, u, actor, "auth.login", "")
	})
	if err != nil {
		if e, ok := apperr.As(err); ok {
			switch e.Kind {
			case apperr.Unauthorized: // a wrong second factor
				s.guard.fail(keys...)
			case apperr.Invalid: // the password was right and the code is still to come
				e.Kind = apperr.Unauthorized
			}
		}
		return nil, err
	}
	s.guard.reset(keys...)
	return sess, nil
}

// DesktopLogin opens a session for a user without a password. Only the desktop shell calls it,
// for the local owner of the machine.
func (s *Service) DesktopLogin(ctx context.Context, userID uint64) (*Session, error) {
	var sess *Session
	err := s.db.Update(func(tx *storage.Tx) error {
		u, err := Users.Get(tx, 0, userID)
		if err != nil {
			return err
		}
		token, err := s.issue(tx, u.ID, KindSession, "desktop", "local", "desktop", true)
		if err != nil {
			return err
		}
		sess = &Session{Token: token, User: u}
		return s.auditUser(tx, u, actorFor(u, "local", "desktop"), "auth.login", "desktop window")
	})
	return sess, err
}

func actorFor(u *User, ip, ua string) access.Actor {
	return access.Actor{UserID: u.ID, UserName: u.Name, IP: ip, UserAgent: ua, Operator: u.Operator}
}

// auditUser writes the entry into the trail of every account the user belongs to, where that
// account's administrators can see it.
func (s *Service) auditUser(tx *storage.Tx, u *User, actor access.Actor, action, detail string) error {
	for _, acc := range u.AccountIDs {
		if err := audit.RecordIn(tx, acc, actor, action, "user", u.ID, detail); err != nil {
			return err
		}
	}
	if len(u.AccountIDs) == 0 {
		return audit.RecordIn(tx, 0, actor, action, "user", u.ID, detail)
	}
	return nil
}

func (s *Service) notifyUser(tx *storage.Tx, u *User, typ, titleEN, titlePT, bodyEN, bodyPT string) error {
	title, body := titleEN, bodyEN
	if u.Language == "pt-BR" {
		title, body = titlePT, bodyPT
	}
	for _, acc := range u.AccountIDs {
		if err := notify.Send(tx, notify.Notification{AccountID: acc, UserID: u.ID, Type: typ, Title: title, Body: body, Link: "/profile"}); err != nil {
			return err
		}
	}
	return nil
}

// IssueSession opens a session for a user inside tx (first-run setup signs the owner in).
func (s *Service) IssueSession(tx *storage.Tx, userID uint64, ip, ua string) (string, error) {
	return s.issue(tx, userID, KindSession, "", ip, ua, false)
}

func (s *Service) issue(tx *storage.Tx, userID uint64, kind TokenKind, name, ip, ua string, desktop bool) (string, error) {
	raw := make([]byte, 32)
	rand.Read(raw)
	prefix := "pls_"
	if kind == KindPersonal {
		prefix = "plt_"
	}
	secret := prefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.opts.Now().UTC()
	t := &Token{UserID: userID, Kind: kind, Name: name, Hash: hashToken(secret), IP: ip, UserAgent: ua, Desktop: desktop, CreatedAt: now}
	if kind == KindSession {
		exp := now.Add(s.opts.SessionTTL)
		t.ExpiresAt = &exp
	}
	if err := Tokens.Put(tx, t); err != nil {
		return "", err
	}
	return secret, nil
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Authenticate resolves a presented token to its user. Sessions slide their expiry forward;
// last-use times are written at most once a minute so reads stay reads.
func (s *Service) Authenticate(ctx context.Context, secret string) (*User, *Token, error) {
	if secret == "" {
		return nil, nil, apperr.Unauthorizedf("sign in to continue")
	}
	var u *User
	var t *Token
	now := s.opts.Now().UTC()
	stale := false
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		t, err = Tokens.GetBy(tx, 0, "hash", []byte(hashToken(secret)))
		if err != nil {
			return apperr.Unauthorizedf("your session has ended; sign in again")
		}
		if t.ExpiresAt != nil && now.After(*t.ExpiresAt) {
			return apperr.Unauthorizedf("your session has ended; sign in again")
		}
		u, err = Users.Get(tx, 0, t.UserID)
		if err != nil {
			return apperr.Unauthorizedf("your session has ended; sign in again")
		}
		stale = t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if stale {
		s.db.Update(func(tx *storage.Tx) error {
			cur, err := Tokens.Get(tx, 0, t.ID)
			if err != nil {
				return nil
			}
			cur.LastUsedAt = &now
			if cur.Kind == KindSession {
				exp := now.Add(s.opts.SessionTTL)
				cur.ExpiresAt = &exp
			}
			return Tokens.Put(tx, cur)
		})
	}
	return u, t, nil
}

// Logout ends the session behind secret.
func (s *Service) Logout(ctx context.Context, actor access.Actor, secret string) error {
	return s.db.Update(func(tx *storage.Tx) error {
		t, err := Tokens.GetBy(tx, 0, "hash", []byte(hashToken(secret)))
		if err != nil {
			return nil
		}
		if err := Tokens.Delete(tx, 0, t.ID); err != nil {
			return err
		}
		u, err := Users.Get(tx, 0, t.UserID)
		if err != nil {
			return nil
		}
		return s.auditUser(tx, u, actor, "auth.logout", "")
	})
}

// RevokeAll ends every token of a user (removal from the install, password reset).
func RevokeAll(tx *storage.Tx, userID uint64) error {
	ids, err := Tokens.IDs(tx, 0, storage.Query{Index: "user", Prefix: storage.Uint(userID)})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := Tokens.Delete(tx, 0, id); err != nil {
			return err
		}
	}
	return nil
}

// IsAvatar reports whether hash is some user's avatar (only those are served publicly).
func IsAvatar(tx *storage.Tx, hash string) bool {
	n, _ := Users.Count(tx, 0, storage.Query{Index: "avatar", Prefix: storage.Str(hash)})
	return n > 0
}

// PurgeExpired deletes sessions past their expiry; the desktop window and browsers open new
// ones, so without this the tokens collection only grows.
func (s *Service) PurgeExpired(ctx context.Context) (int, error) {
	now := s.opts.Now().UTC()
	var expired []uint64
	err := s.db.View(func(tx *storage.Tx) error {
		return Tokens.Each(tx, 0, storage.Query{}, func(t *Token) bool {
			if t.ExpiresAt != nil && now.After(*t.ExpiresAt) {
				expired = append(expired, t.ID)
			}
			return ctx.Err() == nil
		})
	})
	if err != nil || len(expired) == 0 {
		return 0, err
	}
	err = s.db.Update(func(tx *storage.Tx) error {
		for _, id := range expired {
			// Re-check inside the write: the session may have been used (and extended) since.
			t, err := Tokens.Get(tx, 0, id)
			if err != nil || t.ExpiresAt == nil || !now.After(*t.ExpiresAt) {
				continue
			}
			if err := Tokens.Delete(tx, 0, id); err != nil {
				return err
			}
		}
		return nil
	})
	return len(expired), err
}

// ProfileUpdate holds the fields a user may change about themselves; nil leaves a field alone.
type ProfileUpdate struct {
	Name     *string
	Language *string
	SendKey  *string
	Theme    *string
}

// UpdateProfile changes the actor's own profile.
func (s *Service) UpdateProfile(ctx context.Context, actor access.Actor, in ProfileUpdate) (*User, error) {
	var fe apperr.Fields
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		fe.Add("name", "is required")
	}
	if in.Language != nil && !validLanguage(*in.Language) {
		fe.Add("language", "must be en or pt-BR")
	}
	if in.SendKey != nil && *in.SendKey != "enter" && *in.SendKey != "mod_enter" {
		fe.Add("send_key", "must be enter or mod_enter")
	}
	if in.Theme != nil && *in.Theme != "system" && *in.Theme != "light" && *in.Theme != "dark" {
		fe.Add("theme", "must be system, light or dark")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *User
	err := s.db.Update(func(tx *storage.Tx) error {
		u, err := Users.Get(tx, 0, actor.UserID)
		if err != nil {
			return err
		}
		if in.Name != nil {
			u.Name = strings.TrimSpace(*in.Name)
		}
		if in.Language != nil {
			u.Language = *in.Language
		}
		if in.SendKey != nil {
			u.SendKey = *in.SendKey
		}
		if in.Theme != nil {
			u.Theme = *in.Theme
		}
		out = u
		return Users.Put(tx, u)
	})
	return out, err
}

// SetAvatar records the blob hash of the actor's new avatar.
func (s *Service) SetAvatar(tx *storage.Tx, userID uint64, hash string) (old string, err error) {
	u, err := Users.Get(tx, 0, userID)
	if err != nil {
		return "", err
	}
	old, u.AvatarHash = u.AvatarHash, hash
	return old, Users.Put(tx, u)
}

// ChangePassword replaces the actor's password after checking the current one; other sessions
// end.
func (s *Service) ChangePassword(ctx context.Context, actor access.Actor, current, next, keepToken string) error {
	if msg := passwordProblem(next); msg != "" {
		return apperr.Field("new_password", msg)
	}
	var u *User
	s.db.View(func(tx *storage.Tx) (err error) { u, err = Users.Get(tx, 0, actor.UserID); return err })
	if u == nil {
		return apperr.Unauthorizedf("sign in to continue")
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return apperr.Field("current_password", "is not your current password")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), s.opts.BcryptCost)
	if err != nil {
		return fmt.Errorf("auth: hash password: %w", err)
	}
	return s.db.Update(func(tx *storage.Tx) error {
		u, err := Users.Get(tx, 0, actor.UserID)
		if err != nil {
			return err
		}
		u.PasswordHash, u.MustChangePassword = string(hash), false
		if err := Users.Put(tx, u); err != nil {
			return err
		}
		// Every other session ends; personal tokens stay (integrations keep working).
		ids, err := Tokens.IDs(tx, 0, storage.Query{Index: "user", Prefix: storage.Key(storage.Uint(u.ID), storage.Str(string(KindSession)))})
		if err != nil {
			return err
		}
		keep := hashToken(keepToken)
		for _, id := range ids {
			t, err := Tokens.Get(tx, 0, id)
			if err != nil {
				return err
			}
			if t.Hash != keep {
				if err := Tokens.Delete(tx, 0, id); err != nil {
					return err
				}
			}
		}
		return s.auditUser(tx, u, actor, "auth.password_changed", "")
	})
}

// PersonalToken is a personal access token as listed (never with its secret).
type PersonalToken struct {
	ID         uint64     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	// Token is the secret, present only in the answer that created it.
	Token string `json:"token,omitempty"`
}

// CreateToken makes a personal access token for integrations; the secret is returned once.
func (s *Service) CreateToken(ctx context.Context, actor access.Actor, name string) (*PersonalToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, apperr.Field("name", "is required")
	}
	if len(name) > 80 {
		return nil, apperr.Field("name", "must be at most 80 characters")
	}
	var out *PersonalToken
	err := s.db.Update(func(tx *storage.Tx) error {
		u, err := Users.Get(tx, 0, actor.UserID)
		if err != nil {
			return err
		}
		n, _ := Tokens.Count(tx, 0, storage.Query{Index: "user", Prefix: storage.Key(storage.Uint(u.ID), storage.Str(string(KindPersonal)))})
		if n >= 20 {
			return apperr.Conflictf("you already have 20 access tokens; revoke one first")
		}
		secret, err := s.issue(tx, u.ID, KindPersonal, name, actor.IP, actor.UserAgent, false)
		if err != nil {
			return err
		}
		t, err := Tokens.GetBy(tx, 0, "hash", []byte(hashToken(secret)))
		if err != nil {
			return err
		}
		out = &PersonalToken{ID: t.ID, Name: name, CreatedAt: t.CreatedAt, Token: secret}
		return s.auditUser(tx, u, actor, "auth.token_created", name)
	})
	return out, err
}

// ListTokens lists the actor's personal access tokens.
func (s *Service) ListTokens(ctx context.Context, actor access.Actor) ([]PersonalToken, error) {
	out := []PersonalToken{}
	err := s.db.View(func(tx *storage.Tx) error {
		return Tokens.Each(tx, 0, storage.Query{Index: "user", Prefix: storage.Key(storage.Uint(actor.UserID), storage.Str(string(KindPersonal)))}, func(t *Token) bool {
			out = append(out, PersonalToken{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt})
			return true
		})
	})
	return out, err
}

// RevokeToken deletes one of the actor's personal access tokens.
func (s *Service) RevokeToken(ctx context.Context, actor access.Actor, id uint64) error {
	return s.db.Update(func(tx *storage.Tx) error {
		t, err := Tokens.Get(tx, 0, id)
		if err != nil || t.UserID != actor.UserID || t.Kind != KindPersonal {
			return apperr.NotFoundf("access token %d not found", id)
		}
		if err := Tokens.Delete(tx, 0, id); err != nil {
			return err
		}
		u, err := Users.Get(tx, 0, actor.UserID)
		if err != nil {
			return err
		}
		return s.auditUser(tx, u, actor, "auth.token_revoked", t.Name)
	})
}

// Enrollment is what the UI shows to pair an authenticator app.
type Enrollment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
	QRPNG      string `json:"qr_png"`
}

// EnrollTOTP starts two-factor enrolment: a new secret is stored (not yet enabled) and shown.
func (s *Service) EnrollTOTP(ctx context.Context, actor access.Actor) (*Enrollment, error) {
	var out *Enrollment
	err := s.db.Update(func(tx *storage.Tx) error {
		u, err := Users.Get(tx, 0, actor.UserID)
		if err != nil {
			return err
		}
		if u.TOTPEnabled {
			return apperr.Conflictf("two-factor authentication is already on; turn it off first to pair a new device")
		}
		key, err := totp.Generate(totp.GenerateOpts{Issuer: "Parley", AccountName: u.Email})
		if err != nil {
			return fmt.Errorf("auth: totp: %w", err)
		}
		png, err := qrcode.Encode(key.URL(), qrcode.Medium, 256)
		if err != nil {
			return fmt.Errorf("auth: qr: %w", err)
		}
		u.TOTPSecret = key.Secret()
		out = &Enrollment{Secret: key.Secret(), OTPAuthURL: key.URL(), QRPNG: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)}
		return Users.Put(tx, u)
	})
	return out, err
}

// ConfirmTOTP turns two-factor authentication on once the user proves the pairing with a code,
// and returns ten single-use recovery codes (shown once).
func (s *Service) ConfirmTOTP(ctx context.Context, actor access.Actor, code string) ([]string, error) {
	var codes []string
	err := s.db.Update(func(tx *storage.Tx) error {
		u, err := Users.Get(tx, 0, actor.UserID)
		if err != nil {
			return err
		}
		if u.TOTPEnabled {
			return apperr.Conflictf("two-factor authentication is already on")
		}
		if u.TOTPSecret == "" {
			return apperr.Conflictf("start the enrolment first")
		}
		if !s.checkTOTP(u, code) {
			return apperr.Field("otp", "is not valid; check the time on your phone and try the current code")
		}
		u.TOTPEnabled = true
		u.RecoveryCodes = nil
		for i := 0; i < 10; i++ {
			c := recoveryCode()
			codes = append(codes, c)
			u.RecoveryCodes = append(u.RecoveryCodes, hashToken(normalizeCode(c)))
		}
		if err := Users.Put(tx, u); err != nil {
			return err
		}
		s.notifyUser(tx, u, "security", "Two-factor authentication is on", "Verificação em duas etapas ativada",
			"Sign-ins now need a code from your authenticator app.", "O acesso agora pede um código do seu aplicativo autenticador.")
		return s.auditUser(tx, u, actor, "auth.2fa_enabled", "")
	})
	return codes, err
}

// DisableTOTP turns two-factor authentication off after checking the password. Callers refuse
// it first when the account requires 2FA.
func (s *Service) DisableTOTP(ctx context.Context, actor access.Actor, password string) error {
	var u *User
	s.db.View(func(tx *storage.Tx) (err error) { u, err = Users.Get(tx, 0, actor.UserID); return err })
	if u == nil {
		return apperr.Unauthorizedf("sign in to continue")
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return apperr.Field("password", "is not your current password")
	}
	return s.db.Update(func(tx *storage.Tx) error {
		u, err := Users.Get(tx, 0, actor.UserID)
		if err != nil {
			return err
		}
		u.TOTPEnabled, u.TOTPSecret, u.RecoveryCodes, u.TOTPLastStep = false, "", nil, 0
		if err := Users.Put(tx, u); err != nil {
			return err
		}
		s.notifyUser(tx, u, "security", "Two-factor authentication is off", "Verificação em duas etapas desativada",
			"Sign-ins need only your password now.", "O acesso agora pede apenas a sua senha.")
		return s.auditUser(tx, u, actor, "auth.2fa_disabled", "")
	})
}

// checkSecondFactor accepts a current TOTP code (once) or an unused recovery code (consumed).
func (s *Service) checkSecondFactor(tx *storage.Tx, u *User, code string) (bool, error) {
	if s.checkTOTP(u, code) {
		return true, Users.Put(tx, u)
	}
	h := hashToken(normalizeCode(code))
	for i, rc := range u.RecoveryCodes {
		if subtle.ConstantTimeCompare([]byte(rc), []byte(h)) == 1 {
			u.RecoveryCodes = append(u.RecoveryCodes[:i:i], u.RecoveryCodes[i+1:]...)
			return true, Users.Put(tx, u)
		}
	}
	return false, nil
}

// checkTOTP accepts the code of the current 30 s step or its neighbours (clock drift), never a
// step at or before the last accepted one (replay). It advances u.TOTPLastStep.
func (s *Service) checkTOTP(u *User, code string) bool {
	code = strings.TrimSpace(code)
	if len(code) != 6 || u.TOTPSecret == "" {
		return false
	}
	now := s.opts.Now()
	step := now.Unix() / 30
	for _, d := range []int64{0, -1, 1} {
		st := step + d
		if st <= u.TOTPLastStep {
			continue
		}
		want, err := totp.GenerateCode(u.TOTPSecret, time.Unix(st*30, 0))
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			u.TOTPLastStep = st
			return true
		}
	}
	return false
}

func recoveryCode() string {
	raw := make([]byte, 5)
	rand.Read(raw)
	s := strings.ToLower(base32.StdEncoding.EncodeToString(raw))
	return s[:4] + "-" + s[4:8]
}

func normalizeCode(c string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(c), "-", ""))
}

// throttle slows repeated sign-in failures per key (email and address): after 5 failures each
// further one doubles the wait, from 30 s up to 15 min. It forgets a key on success.
type throttle struct {
	mu   sync.Mutex
	now  func() time.Time
	keys map[string]*strikes
}

type strikes struct {
	n     int
	until time.Time
	last  time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, keys: map[string]*strikes{}}
}

func (t *throttle) blocked(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	now := t.now()
	for _, k := range keys {
		if s := t.keys[k]; s != nil && s.until.After(now) && s.until.Sub(now) > wait {
			wait = s.until.Sub(now)
		}
	}
	return wait
}

func (t *throttle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for k, s := range t.keys { // forget old strikes so the map stays small
		if now.Sub(s.last) > time.Hour {
			delete(t.keys, k)
		}
	}
	for _, k := range keys {
		s := t.keys[k]
		if s == nil {
			s = &strikes{}
			t.keys[k] = s
		}
		s.n++
		s.last = now
		if s.n >= 5 {
			wait := 30 * time.Second << min(s.n-5, 5)
			s.until = now.Add(min(wait, 15*time.Minute))
		}
	}
}

func (t *throttle) reset(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.keys, k)
	}
}
