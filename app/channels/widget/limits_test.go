package widget

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

// The config's per-address limit counts an IPv6 /64 as one address: a client holding the block
// must not get a fresh allowance from each of its addresses.
func TestConfigLimitCountsAnIPv6BlockAsOne(t *testing.T) {
	db := storagetest.Open(t, t.TempDir(), storage.Options{NoSync: true})
	err := db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Loja", Language: "en"}
		if err := accounts.Accounts.Put(tx, a); err != nil {
			return err
		}
		in := &inboxes.Inbox{AccountID: a.ID, Name: "Site", ChannelType: inboxes.ChannelWebWidget, Enabled: true, Identifier: "tok",
			Channel: map[string]any{inboxes.KeyAllowedDomains: []string{"example.com"}}}
		if err := inboxes.Inboxes.Put(tx, in); err != nil {
			return err
		}
		return inboxes.PublicIDs.Put(tx, &inboxes.PublicID{ID: in.ID, AccountID: a.ID, Token: in.Identifier})
	})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Deps{DB: db})
	ctx := context.Background()
	for i := range 60 {
		if _, err := s.Config(ctx, "tok", "", fmt.Sprintf("2001:db8:5:6::%x", i+1)); err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
	}
	_, err = s.Config(ctx, "tok", "", "2001:db8:5:6:aaaa::1")
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.TooManyRequests {
		t.Fatalf("the 61st call from the same /64: %v", err)
	}
	if _, err := s.Config(ctx, "tok", "", "2001:db8:5:7::1"); err != nil {
		t.Fatalf("another /64: %v", err)
	}
}
