package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"
)

func newService(t *testing.T, now *time.Time) (*auth.Service, *storage.DB) {
	t.Helper()
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	return auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost, SessionTTL: time.Hour, Now: func() time.Time { return *now }}), db
}

func TestSessionsExpireSlideAndArePurged(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	s, db := newService(t, &now)
	ctx := context.Background()
	var u *auth.User
	if err := db.Update(func(tx *storage.Tx) (err error) {
		u, err = s.CreateUser(tx, auth.NewUser{Name: "Ana", Email: "ana@example.com", Password: "long enough"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	stale, err := s.Login(ctx, auth.LoginInput{Email: "ana@example.com", Password: "long enough", IP: "1.2.3.4"})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(30 * time.Minute)
	active, _ := s.Login(ctx, auth.LoginInput{Email: "ana@example.com", Password: "long enough", IP: "1.2.3.4"})
	pat, err := s.CreateToken(ctx, access.Actor{UserID: u.ID}, "script")
	if err != nil {
		t.Fatal(err)
	}
	// Using a session slides its expiry: 50 minutes later the active one is renewed...
	now = now.Add(50 * time.Minute)
	if _, _, err := s.Authenticate(ctx, active.Token); err != nil {
		t.Fatalf("active session: %v", err)
	}
	// ...while the untouched one is past its hour.
	if _, _, err := s.Authenticate(ctx, stale.Token); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("stale session: %v", err)
	}
	n, err := s.PurgeExpired(ctx)
	if err != nil || n != 1 {
		t.Fatalf("purged %d (%v), want 1", n, err)
	}
	// The renewed session and the personal token (which never expires) remain.
	now = now.Add(40 * time.Minute)
	if _, _, err := s.Authenticate(ctx, active.Token); err != nil {
		t.Errorf("renewed session: %v", err)
	}
	if _, _, err := s.Authenticate(ctx, pat.Token); err != nil {
		t.Errorf("personal token: %v", err)
	}
	db.View(func(tx *storage.Tx) error {
		if n := auth.Tokens.Len(tx, 0); n != 2 {
			t.Errorf("%d tokens left, want 2", n)
		}
		return nil
	})
}

func TestAvatarIndex(t *testing.T) {
	now := time.Now()
	s, db := newService(t, &now)
	db.Update(func(tx *storage.Tx) error {
		u, err := s.CreateUser(tx, auth.NewUser{Name: "Ana", Email: "ana@example.com", Password: "long enough"})
		if err != nil {
			return err
		}
		if _, err := s.SetAvatar(tx, u.ID, "aaaa"); err != nil {
			return err
		}
		_, err = s.SetAvatar(tx, u.ID, "bbbb")
		return err
	})
	db.View(func(tx *storage.Tx) error {
		if auth.IsAvatar(tx, "aaaa") || !auth.IsAvatar(tx, "bbbb") {
			t.Error("avatar index does not follow the user's current avatar")
		}
		return nil
	})
}

// TestSecondFactorPromptIsNoStrike: a 2FA user's password-only attempt is the first half of a
// normal sign-in and must not count towards the lockout; wrong codes do.
func TestSecondFactorPromptIsNoStrike(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	s, db := newService(t, &now)
	ctx := context.Background()
	var u *auth.User
	db.Update(func(tx *storage.Tx) (err error) {
		u, err = s.CreateUser(tx, auth.NewUser{Name: "Ana", Email: "ana@example.com", Password: "long enough"})
		return err
	})
	actor := access.Actor{UserID: u.ID}
	enr, err := s.EnrollTOTP(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(enr.Secret, now)
	if _, err := s.ConfirmTOTP(ctx, actor, code); err != nil {
		t.Fatal(err)
	}
	in := auth.LoginInput{Email: "ana@example.com", Password: "long enough", IP: "1.2.3.4"}
	for i := 0; i < 8; i++ {
		_, err := s.Login(ctx, in)
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.Unauthorized || e.Fields["otp"] == "" {
			t.Fatalf("attempt %d without a code: %v", i, err)
		}
	}
	now = now.Add(30 * time.Second)
	in.OTP, _ = totp.GenerateCode(enr.Secret, now)
	if _, err := s.Login(ctx, in); err != nil {
		t.Fatalf("with the code after prompts: %v", err)
	}
	in.OTP = "000000"
	for i := 0; i < 5; i++ {
		s.Login(ctx, in)
	}
	if _, err := s.Login(ctx, in); !apperr.Is(err, apperr.TooManyRequests) {
		t.Fatalf("wrong codes are not throttled: %v", err)
	}
}
