package mail_test

import (
	"testing"

	"github.com/parleyhq/parley/app/mail"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
)

// TestNotifySendQueuesEmailByPreference checks the notification centre's email channel: a type
// the user gets by email queues a message (keyed by the notification when there is one), and
// the app channel alone queues nothing.
func TestNotifySendQueuesEmailByPreference(t *testing.T) {
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	const acct, user = 3, 42
	send := func(typ string) {
		t.Helper()
		err := db.Update(func(tx *storage.Tx) error {
			return notify.Send(tx, notify.Notification{AccountID: acct, UserID: user, Type: typ, Title: "Título", Body: "Corpo", Link: "/app/accounts/3/tasks/1"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	counts := func() (notes int, msgs []mail.Message) {
		db.View(func(tx *storage.Tx) error {
			notes = notify.Notifications.Len(tx, acct)
			p, err := mail.Outgoing.Scan(tx, acct, storage.Query{})
			msgs = p.Items
			return err
		})
		return
	}
	prefs := func(types map[string]notify.Channels) {
		t.Helper()
		if err := db.Update(func(tx *storage.Tx) error { return notify.SetPrefs(tx, user, types) }); err != nil {
			t.Fatal(err)
		}
	}

	// "security" is app + email by default.
	send("security")
	notes, msgs := counts()
	if notes != 1 || len(msgs) != 1 {
		t.Fatalf("app+email: %d notifications, %d messages", notes, len(msgs))
	}
	var n notify.Notification
	db.View(func(tx *storage.Tx) error {
		p, _ := notify.Notifications.Scan(tx, acct, storage.Query{})
		n = p.Items[0]
		return nil
	})
	m := msgs[0]
	if m.UserID != user || m.To != "" || m.Subject != "Título" || m.Text != "Corpo" || m.Link != "/app/accounts/3/tasks/1" ||
		m.Key != "notification:"+itoa(n.ID) || m.State != mail.StateQueued {
		t.Fatalf("queued message %+v for notification %d", m, n.ID)
	}

	// App only: a notification, no message.
	prefs(map[string]notify.Channels{"security": {App: true}})
	send("security")
	if notes, msgs = counts(); notes != 2 || len(msgs) != 1 {
		t.Fatalf("app only: %d notifications, %d messages", notes, len(msgs))
	}

	// Email only: a message, no notification.
	prefs(map[string]notify.Channels{"security": {Email: true}})
	send("security")
	if notes, msgs = counts(); notes != 2 || len(msgs) != 2 {
		t.Fatalf("email only: %d notifications, %d messages", notes, len(msgs))
	}

	// Neither: nothing.
	prefs(map[string]notify.Channels{"security": {}})
	send("security")
	if notes, msgs = counts(); notes != 2 || len(msgs) != 2 {
		t.Fatalf("off: %d notifications, %d messages", notes, len(msgs))
	}
}

func itoa(n uint64) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		if n /= 10; n == 0 {
			return string(b)
		}
	}
}
