// Package auth holds the people of an installation and how they prove who they are: users,
// passwords (bcrypt), sessions and personal access tokens (stored as SHA-256 hashes), TOTP
// two-factor authentication with recovery codes, and sign-in throttling.
package auth

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// User is a person who signs in. Users are installation-wide (account 0); memberships in
// accounts live in package accounts, which keeps AccountIDs in step.
type User struct {
	ID           uint64    `json:"id"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	PasswordHash string    `json:"password_hash"`
	AvatarHash   string    `json:"avatar_hash,omitempty"`
	Language     string    `json:"language"`
	SendKey      string    `json:"send_key"`
	Theme        string    `json:"theme"`
	Operator     bool      `json:"operator"`
	AccountIDs   []uint64  `json:"account_ids"`
	CreatedAt    time.Time `json:"created_at"`
	// MustChangePassword is set when an administrator created the user with a temporary password.
	MustChangePassword bool `json:"must_change_password"`

	TOTPSecret  string `json:"totp_secret,omitempty"`
	TOTPEnabled bool   `json:"totp_enabled"`
	// TOTPLastStep is the last 30-second step accepted, so a code is never accepted twice.
	TOTPLastStep  int64    `json:"totp_last_step,omitempty"`
	RecoveryCodes []string `json:"recovery_codes,omitempty"` // SHA-256 hex of unused codes
	LastLoginIP   string   `json:"last_login_ip,omitempty"`
}

// Users is the installation's user collection; email is unique (case-insensitive).
var Users = storage.NewCollection(storage.Def[User]{
	Name:    "users",
	ID:      func(u *User) *uint64 { return &u.ID },
	Account: func(*User) uint64 { return 0 },
	Shared:  256,
	Indexes: []storage.Index[User]{
		{Name: "email", Unique: true, Keys: func(u *User) [][]byte { return [][]byte{storage.Str(storage.Fold(u.Email))} }},
		{Name: "avatar", Keys: func(u *User) [][]byte {
			if u.AvatarHash == "" {
				return nil
			}
			return [][]byte{storage.Str(u.AvatarHash)}
		}},
	},
})

// TokenKind tells sessions from personal access tokens.
type TokenKind string

// Token kinds.
const (
	KindSession  TokenKind = "session"
	KindPersonal TokenKind = "personal"
)

// Token is a session or a personal access token. Only the SHA-256 of the secret is stored.
type Token struct {
	ID         uint64     `json:"id"`
	UserID     uint64     `json:"user_id"`
	Kind       TokenKind  `json:"kind"`
	Name       string     `json:"name,omitempty"`
	Hash       string     `json:"hash"`
	IP         string     `json:"ip,omitempty"`
	UserAgent  string     `json:"user_agent,omitempty"`
	Desktop    bool       `json:"desktop,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

// Tokens holds every live token; "hash" finds one from a presented secret, "user" lists a
// user's tokens.
var Tokens = storage.NewCollection(storage.Def[Token]{
	Name:    "tokens",
	ID:      func(t *Token) *uint64 { return &t.ID },
	Account: func(*Token) uint64 { return 0 },
	Indexes: []storage.Index[Token]{
		{Name: "hash", Unique: true, Keys: func(t *Token) [][]byte { return [][]byte{[]byte(t.Hash)} }},
		{Name: "user", Keys: func(t *Token) [][]byte {
			return [][]byte{storage.Key(storage.Uint(t.UserID), storage.Str(string(t.Kind)))}
		}},
	},
})

// Address is a user's email address and name, for the mail service's recipients (mail cannot
// import auth: auth notifies, and notify queues mail).
func Address(tx *storage.Tx, userID uint64) (email, name string, err error) {
	u, err := Users.Get(tx, 0, userID)
	if err != nil {
		return "", "", err
	}
	return u.Email, u.Name, nil
}
