package api

import (
	"context"
	"io"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// Profile is the signed-in user as the UI needs it.
type Profile struct {
	ID                 uint64                     `json:"id"`
	Name               string                     `json:"name"`
	Email              string                     `json:"email"`
	AvatarURL          string                     `json:"avatar_url"`
	Language           string                     `json:"language" enum:"en,pt-BR"`
	SendKey            string                     `json:"send_key" enum:"enter,mod_enter"`
	Theme              string                     `json:"theme" enum:"system,light,dark"`
	TOTPEnabled        bool                       `json:"totp_enabled"`
	IsOperator         bool                       `json:"is_operator"`
	MustChangePassword bool                       `json:"must_change_password"`
	Accounts           []accounts.AccountRef      `json:"accounts"`
	NotificationPrefs  map[string]notify.Channels `json:"notification_prefs"`
}

// profile reads the user afresh: the caller's copy may predate the change it just made.
func (s *Server) profile(u *auth.User) (*Profile, error) {
	var p *Profile
	err := s.DB.View(func(tx *storage.Tx) error {
		cur, err := auth.Users.Get(tx, 0, u.ID)
		if err != nil {
			return err
		}
		p = &Profile{ID: cur.ID, Name: cur.Name, Email: cur.Email, AvatarURL: accounts.AvatarURL(cur.AvatarHash), Language: cur.Language,
			SendKey: cur.SendKey, Theme: cur.Theme, TOTPEnabled: cur.TOTPEnabled, IsOperator: cur.Operator, MustChangePassword: cur.MustChangePassword,
			Accounts: s.Accounts.Refs(tx, cur), NotificationPrefs: notify.Effective(tx, cur.ID)}
		return nil
	})
	return p, err
}

type (
	setupStatus struct {
		Body struct {
			Needed bool `json:"needed"`
		}
	}
	setupInput struct {
		Body struct {
			AccountName string `json:"account_name" maxLength:"120"`
			Name        string `json:"name" maxLength:"120"`
			Email       string `json:"email" maxLength:"254"`
			Password    string `json:"password"`
			TimeZone    string `json:"time_zone,omitempty" doc:"IANA zone, default America/Sao_Paulo"`
			Language    string `json:"language,omitempty" enum:"en,pt-BR"`
			Currency    string `json:"currency,omitempty" doc:"ISO 4217, default BRL"`
			Demo        bool   `json:"demo,omitempty" doc:"fill the new account with demo data"`
		}
	}
	setupOutput struct {
		Status int
		Body   *accounts.SetupResult
	}
	loginInput struct {
		Body struct {
			Email    string `json:"email"`
			Password string `json:"password"`
			OTP      string `json:"otp,omitempty" doc:"six-digit code or a recovery code, when two-factor authentication is on"`
		}
		UserAgent string `header:"User-Agent"`
	}
	sessionOutput struct {
		Body struct {
			Token    string                `json:"token"`
			User     *Profile              `json:"user"`
			Accounts []accounts.AccountRef `json:"accounts"`
		}
	}
	profileOutput struct{ Body *Profile }
	empty         struct{}
	noContent     struct {
		Status int
	}
)

type remoteKey struct{}

// remoteAddr reads the caller's address from the request context (set by withRemote).
func remoteAddr(ctx context.Context) string { v, _ := ctx.Value(remoteKey{}).(string); return v }

func (s *Server) sessionOut(sess *auth.Session) (*sessionOutput, error) {
	p, err := s.profile(sess.User)
	if err != nil {
		return nil, err
	}
	out := &sessionOutput{}
	out.Body.Token, out.Body.User, out.Body.Accounts = sess.Token, p, p.Accounts
	return out, nil
}

func (s *Server) registerAuth() {
	register(s, huma.Operation{OperationID: "setup-status", Method: http.MethodGet, Path: "/api/v1/setup", Summary: "Whether first-run setup is needed", Tags: []string{"Setup"}}, authNone,
		func(ctx context.Context, _ *empty) (*setupStatus, error) {
			out := &setupStatus{}
			out.Body.Needed = s.Accounts.SetupNeeded()
			return out, nil
		})
	register(s, huma.Operation{OperationID: "setup", Method: http.MethodPost, Path: "/api/v1/setup", Summary: "Create the first account and its owner", Tags: []string{"Setup"}, DefaultStatus: 201}, authNone,
		func(ctx context.Context, in *setupInput) (*setupOutput, error) {
			b := in.Body
			res, err := s.Accounts.Setup(ctx, accounts.SetupInput{AccountName: b.AccountName, Name: b.Name, Email: b.Email, Password: b.Password,
				TimeZone: b.TimeZone, Language: b.Language, Currency: b.Currency, IP: remoteAddr(ctx)})
			if err != nil {
				return nil, err
			}
			if b.Demo && s.Demo != nil {
				if err := s.Demo(ctx, res.AccountID); err != nil {
					s.Logger.Error("demo data", "err", err)
				}
			}
			return &setupOutput{Status: 201, Body: res}, nil
		})
	register(s, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/api/v1/auth/login", Summary: "Sign in", Tags: []string{"Auth"},
		Description: "401 with the same message whether the email exists or not; 401 naming `otp` when a two-factor code is needed; 429 with Retry-After after repeated failures."}, authNone,
		func(ctx context.Context, in *loginInput) (*sessionOutput, error) {
			sess, err := s.Auth.Login(ctx, auth.LoginInput{Email: in.Body.Email, Password: in.Body.Password, OTP: in.Body.OTP, IP: remoteAddr(ctx), UserAgent: in.UserAgent})
			if err != nil {
				return nil, err
			}
			return s.sessionOut(sess)
		})
	register(s, huma.Operation{OperationID: "login-desktop", Method: http.MethodPost, Path: "/api/v1/auth/desktop", Summary: "Sign the local owner in (desktop window only)", Tags: []string{"Auth"}}, authNone,
		func(ctx context.Context, _ *empty) (*sessionOutput, error) {
			if !isDesktop(ctx) {
				return nil, apperr.NotFoundf("not available outside the desktop app")
			}
			owner, err := s.Accounts.Owner(ctx)
			if err != nil {
				return nil, err
			}
			sess, err := s.Auth.DesktopLogin(ctx, owner)
			if err != nil {
				return nil, err
			}
			if s.OnDesktopUser != nil {
				s.OnDesktopUser(owner)
			}
			return s.sessionOut(sess)
		})
	register(s, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/api/v1/auth/logout", Summary: "Sign out", Tags: []string{"Auth"}, DefaultStatus: 204}, authUser,
		func(ctx context.Context, _ *empty) (*noContent, error) {
			return &noContent{Status: 204}, s.Auth.Logout(ctx, actorOf(ctx), tokenOf(ctx))
		})
	register(s, huma.Operation{OperationID: "profile", Method: http.MethodGet, Path: "/api/v1/profile", Summary: "The signed-in user", Tags: []string{"Profile"}}, authUser,
		func(ctx context.Context, _ *empty) (*profileOutput, error) {
			p, err := s.profile(userOf(ctx))
			return &profileOutput{p}, err
		})
	type profileUpdate struct {
		Body struct {
			Name              *string                    `json:"name,omitempty"`
			Language          *string                    `json:"language,omitempty" enum:"en,pt-BR"`
			SendKey           *string                    `json:"send_key,omitempty" enum:"enter,mod_enter"`
			Theme             *string                    `json:"theme,omitempty" enum:"system,light,dark"`
			NotificationPrefs map[string]notify.Channels `json:"notification_prefs,omitempty"`
		}
	}
	register(s, huma.Operation{OperationID: "profile-update", Method: http.MethodPatch, Path: "/api/v1/profile", Summary: "Change your profile", Tags: []string{"Profile"}}, authUser,
		func(ctx context.Context, in *profileUpdate) (*profileOutput, error) {
			b := in.Body
			u, err := s.Auth.UpdateProfile(ctx, actorOf(ctx), auth.ProfileUpdate{Name: b.Name, Language: b.Language, SendKey: b.SendKey, Theme: b.Theme})
			if err != nil {
				return nil, err
			}
			if b.NotificationPrefs != nil {
				if err := s.DB.Update(func(tx *storage.Tx) error { return notify.SetPrefs(tx, u.ID, b.NotificationPrefs) }); err != nil {
					return nil, err
				}
			}
			p, err := s.profile(u)
			return &profileOutput{p}, err
		})
	type avatarInput struct {
		RawBody huma.MultipartFormFiles[struct {
			File huma.FormFile `form:"file" contentType:"image/png,image/jpeg,image/gif,image/webp" required:"true"`
		}]
	}
	register(s, huma.Operation{OperationID: "profile-avatar", Method: http.MethodPost, Path: "/api/v1/profile/avatar", Summary: "Upload your avatar (PNG, JPEG, GIF or WebP, up to 2 MB)", Tags: []string{"Profile"}, MaxBodyBytes: 3 << 20}, authUser,
		func(ctx context.Context, in *avatarInput) (*profileOutput, error) {
			f := in.RawBody.Data().File
			if err := s.setAvatar(ctx, userOf(ctx).ID, f); err != nil {
				return nil, err
			}
			p, err := s.profile(userOf(ctx))
			return &profileOutput{p}, err
		})
	type passwordInput struct {
		Body struct {
			CurrentPassword string `json:"current_password"`
			NewPassword     string `json:"new_password"`
		}
	}
	register(s, huma.Operation{OperationID: "profile-password", Method: http.MethodPost, Path: "/api/v1/profile/password", Summary: "Change your password (other sessions end)", Tags: []string{"Profile"}, DefaultStatus: 204}, authUser,
		func(ctx context.Context, in *passwordInput) (*noContent, error) {
			return &noContent{Status: 204}, s.Auth.ChangePassword(ctx, actorOf(ctx), in.Body.CurrentPassword, in.Body.NewPassword, tokenOf(ctx))
		})
	type tokensOutput struct{ Body []auth.PersonalToken }
	type tokenOutput struct {
		Status int
		Body   *auth.PersonalToken
	}
	type tokenInput struct {
		Body struct {
			Name string `json:"name" maxLength:"80"`
		}
	}
	type idInput struct {
		ID uint64 `path:"id"`
	}
	register(s, huma.Operation{OperationID: "tokens-list", Method: http.MethodGet, Path: "/api/v1/profile/access_tokens", Summary: "Your personal access tokens", Tags: []string{"Profile"}}, authUser,
		func(ctx context.Context, _ *empty) (*tokensOutput, error) {
			t, err := s.Auth.ListTokens(ctx, actorOf(ctx))
			return &tokensOutput{t}, err
		})
	register(s, huma.Operation{OperationID: "tokens-create", Method: http.MethodPost, Path: "/api/v1/profile/access_tokens", Summary: "Create a personal access token (the secret is shown once)", Tags: []string{"Profile"}, DefaultStatus: 201}, authUser,
		func(ctx context.Context, in *tokenInput) (*tokenOutput, error) {
			t, err := s.Auth.CreateToken(ctx, actorOf(ctx), in.Body.Name)
			return &tokenOutput{Status: 201, Body: t}, err
		})
	register(s, huma.Operation{OperationID: "tokens-revoke", Method: http.MethodDelete, Path: "/api/v1/profile/access_tokens/{id}", Summary: "Revoke a personal access token", Tags: []string{"Profile"}, DefaultStatus: 204}, authUser,
		func(ctx context.Context, in *idInput) (*noContent, error) {
			return &noContent{Status: 204}, s.Auth.RevokeToken(ctx, actorOf(ctx), in.ID)
		})
	type enrollOutput struct{ Body *auth.Enrollment }
	register(s, huma.Operation{OperationID: "2fa-enroll", Method: http.MethodPost, Path: "/api/v1/profile/2fa/enroll", Summary: "Start two-factor enrolment (QR code and secret)", Tags: []string{"Profile"}}, authUser,
		func(ctx context.Context, _ *empty) (*enrollOutput, error) {
			e, err := s.Auth.EnrollTOTP(ctx, actorOf(ctx))
			return &enrollOutput{e}, err
		})
	type confirmInput struct {
		Body struct {
			OTP string `json:"otp"`
		}
	}
	type confirmOutput struct {
		Body struct {
			RecoveryCodes []string `json:"recovery_codes"`
		}
	}
	register(s, huma.Operation{OperationID: "2fa-confirm", Method: http.MethodPost, Path: "/api/v1/profile/2fa/confirm", Summary: "Turn two-factor authentication on with a code; returns recovery codes once", Tags: []string{"Profile"}}, authUser,
		func(ctx context.Context, in *confirmInput) (*confirmOutput, error) {
			codes, err := s.Auth.ConfirmTOTP(ctx, actorOf(ctx), in.Body.OTP)
			out := &confirmOutput{}
			out.Body.RecoveryCodes = codes
			return out, err
		})
	type disableInput struct {
		Body struct {
			Password string `json:"password"`
		}
	}
	register(s, huma.Operation{OperationID: "2fa-disable", Method: http.MethodPost, Path: "/api/v1/profile/2fa/disable", Summary: "Turn two-factor authentication off", Tags: []string{"Profile"}, DefaultStatus: 204}, authUser,
		func(ctx context.Context, in *disableInput) (*noContent, error) {
			p, err := s.profile(userOf(ctx))
			if err != nil {
				return nil, err
			}
			for _, ref := range p.Accounts {
				if ref.Require2FA {
					return nil, apperr.Conflictf("%s requires two-factor authentication; it cannot be turned off", ref.Name)
				}
			}
			return &noContent{Status: 204}, s.Auth.DisableTOTP(ctx, actorOf(ctx), in.Body.Password)
		})
	type modulesOutput struct{ Body []accounts.Module }
	register(s, huma.Operation{OperationID: "modules", Method: http.MethodGet, Path: "/api/v1/modules", Summary: "Every module of the product, in sidebar order", Tags: []string{"Accounts"}}, authUser,
		func(ctx context.Context, _ *empty) (*modulesOutput, error) {
			return &modulesOutput{accounts.Modules}, nil
		})
	type typesOutput struct{ Body []notify.Type }
	register(s, huma.Operation{OperationID: "notification-types", Method: http.MethodGet, Path: "/api/v1/notification_types", Summary: "Notification types for the preferences page", Tags: []string{"Notifications"}}, authUser,
		func(ctx context.Context, _ *empty) (*typesOutput, error) { return &typesOutput{notify.Types}, nil })
}

const avatarLimit = 2 << 20

func (s *Server) setAvatar(ctx context.Context, userID uint64, f huma.FormFile) error {
	ref, err := s.Blobs.Write(ctx, io.Reader(f), avatarLimit)
	if err != nil {
		return err
	}
	switch ref.ContentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
	default:
		return apperr.Field("file", "must be a PNG, JPEG, GIF or WebP image")
	}
	return s.DB.Update(func(tx *storage.Tx) error {
		old, err := s.Auth.SetAvatar(tx, userID, ref.Hash)
		if err != nil {
			return err
		}
		if old == ref.Hash {
			return nil
		}
		if err := s.Blobs.AddRef(tx, 0, ref.Hash, ref.Size); err != nil {
			return err
		}
		if old != "" {
			return s.Blobs.Release(tx, 0, old)
		}
		return nil
	})
}
