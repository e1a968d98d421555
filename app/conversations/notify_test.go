package conversations

import (
	"testing"

	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// The assignee hears about a contact's new message only once they turn that notification on.
func TestNewMessageNotifiesTheAssigneeWhoAskedForIt(t *testing.T) {
	f := cxNew(t, "pt-BR")
	id := f.newConv("maria", "oi")
	ana := f.ana.UserID
	if _, err := f.s.Assign(t.Context(), f.admin, id, Assignment{AssigneeID: &ana}); err != nil {
		t.Fatal(err)
	}
	count := func() (n int, last *notify.Notification) {
		f.db.View(func(tx *storage.Tx) error {
			return notify.Notifications.Each(tx, f.acct.ID, storage.Query{Index: "user", Prefix: storage.Uint(ana)}, func(x *notify.Notification) bool {
				if x.Type == NotifyNewMessage {
					n++
					last = x
				}
				return true
			})
		})
		return n, last
	}
	f.ingest(f.in("maria", "ainda aí?"))
	if n, _ := count(); n != 0 {
		t.Fatalf("notified %d times with the notification off by default", n)
	}
	if err := f.db.Update(func(tx *storage.Tx) error {
		return notify.SetPrefs(tx, ana, map[string]notify.Channels{NotifyNewMessage: {App: true}})
	}); err != nil {
		t.Fatal(err)
	}
	f.ingest(f.in("maria", "preciso do pedido hoje"))
	n, last := count()
	if n != 1 {
		t.Fatalf("notified %d times, want 1", n)
	}
	if last.Body != "preciso do pedido hoje" || last.Link != Link(id) {
		t.Fatalf("notification = %+v", last)
	}
}
