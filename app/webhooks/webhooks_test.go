package webhooks

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

func TestSignedDeliveriesForAccountAndInboxWebhooks(t *testing.T) {
	f := newFixture(t)
	acctRecv, inboxRecv := newReceiver(t), newReceiver(t)
	w := f.hook(acctRecv.URL+"/hook", "message_created")
	f.setInboxWebhook(inboxRecv.URL+"/api-inbox", "inbox-secret")
	res := f.incoming("visitor-1", "Olá, tem pão de queijo?")
	f.feed()
	if n := f.runDue(); n != 3 { // account: message_created; inbox: conversation_created + message_created
		t.Fatalf("attempts = %d, want 3", n)
	}

	hits := acctRecv.got()
	if len(hits) != 1 {
		t.Fatalf("account webhook got %d requests", len(hits))
	}
	verify(t, hits[0], w.Secret)
	if hits[0].Header.Get("X-Parley-Event") != "message_created" {
		t.Fatalf("event header %q", hits[0].Header.Get("X-Parley-Event"))
	}
	body := decode(t, hits[0].Body)
	conv, _ := body["conversation"].(map[string]any)
	sender, _ := body["sender"].(map[string]any)
	inbox, _ := body["inbox"].(map[string]any)
	account, _ := body["account"].(map[string]any)
	ci, _ := conv["contact_inbox"].(map[string]any)
	switch {
	case body["event"] != "message_created", body["message_type"] != "incoming", body["content"] != "Olá, tem pão de queijo?":
		t.Fatalf("message fields: %s", hits[0].Body)
	case conv["id"] != float64(res.DisplayID), conv["status"] != "open", ci["source_id"] != "visitor-1":
		t.Fatalf("conversation: %v", conv)
	case sender["type"] != "contact", sender["name"] != "Carla Cliente":
		t.Fatalf("sender: %v", sender)
	case inbox["name"] != "Loja API", account["name"] != "Padaria Pão Quente":
		t.Fatalf("inbox/account: %v %v", inbox, account)
	}

	ihits := inboxRecv.got()
	if len(ihits) != 2 {
		t.Fatalf("inbox webhook got %d requests", len(ihits))
	}
	events := map[string]bool{}
	for _, h := range ihits {
		verify(t, h, "inbox-secret")
		events[decode(t, h.Body)["event"].(string)] = true
	}
	if !events["conversation_created"] || !events["message_created"] {
		t.Fatalf("inbox events: %v", events)
	}
	// A wrong secret must not verify: the check above is not vacuous.
	if got, bad := ihits[0].Header.Get("X-Parley-Signature"), Sign("other", 1, ihits[0].Body); got == bad {
		t.Fatal("signature does not depend on the secret")
	}
	for _, d := range f.deliveries() {
		if d.Status != Succeeded || len(d.Attempts) != 1 || d.Attempts[0].StatusCode != 200 || d.Attempts[0].ResponseExcerpt != "answer 200" {
			t.Fatalf("delivery %+v", d)
		}
	}
	if wh := f.webhook(w.ID); wh.LastStatus != 200 || wh.LastDeliveryAt == nil {
		t.Fatalf("webhook health: %+v", wh)
	}
}

func TestInboxWebhookWithoutSecretIsUnsigned(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t)
	f.setInboxWebhook(r.URL, "")
	f.incoming("visitor-1", "oi")
	f.feed()
	f.runDue()
	hits := r.got()
	if len(hits) != 2 {
		t.Fatalf("%d requests", len(hits))
	}
	if h := hits[0].Header; h.Get("X-Parley-Signature") != "" || h.Get("X-Parley-Delivery") == "" {
		t.Fatalf("headers %v", h)
	}
}

func TestNextAttemptSchedule(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		tries int
		at    time.Duration // when the failure happened, after start
		wait  time.Duration // 0: no further attempt
	}{
		{1, 0, 30 * time.Second},
		{2, time.Minute, time.Minute},
		{3, 2 * time.Minute, 2 * time.Minute},
		{4, 5 * time.Minute, 4 * time.Minute},
		{8, time.Hour, 64 * time.Minute},
		{9, 2 * time.Hour, 2 * time.Hour}, // 128 min capped at 2 h
		{30, 10 * time.Hour, 2 * time.Hour},
		{20, 22 * time.Hour, 2 * time.Hour},                         // lands exactly on the 24 h mark: still allowed
		{20, 22*time.Hour + time.Second, 2*time.Hour - time.Second}, // one last attempt at the mark
		{3, 24*time.Hour - time.Minute, time.Minute},                // 2 min cut to the 1 min left
		{1, 24 * time.Hour, 0},                                      // the mark's own attempt failed: over
		{1, 25 * time.Hour, 0},
	}
	for _, c := range cases {
		next, ok := NextAttempt(start, c.tries, start.Add(c.at))
		if c.wait == 0 {
			if ok {
				t.Errorf("tries %d at %v: retry at %v, want none", c.tries, c.at, next)
			}
			continue
		}
		if !ok || next.Sub(start.Add(c.at)) != c.wait {
			t.Errorf("tries %d at %v: next %v (%v), want a wait of %v", c.tries, c.at, next.Sub(start.Add(c.at)), ok, c.wait)
		}
	}
}

func TestFailsTwiceThenSucceedsOnTheBackoffSchedule(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t)
	r.codes = []int{500, 503}
	f.hook(r.URL, "message_created")
	f.incoming("visitor-1", "oi")
	f.feed()
	var d Delivery
	one := func() Delivery {
		ds := f.deliveries()
		if len(ds) != 1 {
			t.Fatalf("%d deliveries", len(ds))
		}
		return ds[0]
	}
	if n := f.runDue(); n != 1 {
		t.Fatalf("first run: %d attempts", n)
	}
	d = one()
	if d.Status != Pending || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(f.clock.Now().Add(30*time.Second)) {
		t.Fatalf("after the first failure: %+v", d)
	}
	f.clock.Add(29 * time.Second)
	if n := f.runDue(); n != 0 {
		t.Fatalf("retried %d early", n)
	}
	f.clock.Add(time.Second)
	if n := f.runDue(); n != 1 {
		t.Fatalf("second attempt: %d", n)
	}
	d = one()
	if !d.NextAttemptAt.Equal(f.clock.Now().Add(time.Minute)) {
		t.Fatalf("second wait: %v", d.NextAttemptAt.Sub(f.clock.Now()))
	}
	f.clock.Add(time.Minute)
	if n := f.runDue(); n != 1 {
		t.Fatalf("third attempt: %d", n)
	}
	d = one()
	if d.Status != Succeeded || len(d.Attempts) != 3 || d.Attempts[0].StatusCode != 500 || d.Attempts[1].StatusCode != 503 || d.Attempts[2].StatusCode != 200 {
		t.Fatalf("delivery: %+v", d)
	}
	var bodies []string
	ids := map[string]bool{}
	for _, h := range r.got() {
		if h.Header.Get("X-Parley-Event") == "message_created" {
			bodies = append(bodies, string(h.Body))
			ids[h.Header.Get("X-Parley-Delivery")] = true
		}
	}
	if len(bodies) != 3 || bodies[0] != bodies[1] || bodies[1] != bodies[2] || len(ids) != 1 || !ids[fmt.Sprint(d.ID)] {
		t.Fatalf("retries must post the same body under the same delivery id: %d bodies, ids %v", len(bodies), ids)
	}
	if w := f.webhook(d.WebhookID); w.FailingSince != nil {
		t.Fatalf("a success must end the failing streak: %+v", w)
	}
}

func TestRedeliveredBatchCreatesNoSecondDelivery(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t)
	f.hook(r.URL, "message_created")
	f.setInboxWebhook(r.URL, "s")
	f.incoming("visitor-1", "oi")
	evs := f.feed()
	before := len(f.deliveries())
	if before != 3 {
		t.Fatalf("%d deliveries", before)
	}
	// The dispatcher hands the same batch again after a crash before it saved its cursor.
	if err := f.svc.Handle(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	if after := len(f.deliveries()); after != before {
		t.Fatalf("replay made %d deliveries, want %d", after, before)
	}
}

func TestSubscriptionsDisabledWebhooksAndTenants(t *testing.T) {
	f := newFixture(t)
	contactsOnly, disabled, other := newReceiver(t), newReceiver(t), newReceiver(t)
	f.hook(contactsOnly.URL, "contact_created")
	off := f.hook(disabled.URL, "message_created", "conversation_created")
	no := false
	if _, err := f.svc.Update(context.Background(), f.admin, off.ID, WebhookInput{Enabled: &no}); err != nil {
		t.Fatal(err)
	}
	// Another account with a webhook that subscribes to everything.
	var acct2 uint64
	err := f.db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Outra Loja"}
		err := accounts.Accounts.Put(tx, a)
		acct2 = a.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	subs := []string{}
	for _, e := range Events() {
		subs = append(subs, e.Name)
	}
	u := other.URL
	if _, err := f.svc.Create(context.Background(), access.SystemActor(acct2), WebhookInput{URL: &u, Subscriptions: &subs}); err != nil {
		t.Fatal(err)
	}
	f.skipFeed()
	f.incoming("visitor-1", "oi")
	f.feed()
	f.runDue()
	if hits := contactsOnly.got(); len(hits) != 1 || decode(t, hits[0].Body)["event"] != "contact_created" {
		t.Fatalf("contacts-only webhook got %d", len(hits))
	} else if b := decode(t, hits[0].Body); b["name"] != "Carla Cliente" || b["type"] != "contact" || b["email"] != "visitor-1@example.com" {
		t.Fatalf("contact body: %v", b)
	}
	if n := len(disabled.got()); n != 0 {
		t.Fatalf("disabled webhook got %d", n)
	}
	if n := len(other.got()); n != 0 {
		t.Fatalf("another account's webhook got %d of this account's events", n)
	}
}

func TestFailingForADayDisablesAndNotifiesAdmins(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t)
	r.always = 500
	w := f.hook(r.URL, "message_created")
	ctx := context.Background()
	start := f.clock.Now()
	for i := 0; i < 30 && f.webhook(w.ID).Enabled; i++ {
		if _, err := f.svc.Test(ctx, f.admin, w.ID); err != nil {
			t.Fatal(err)
		}
		f.runDue()
		f.clock.Add(time.Hour)
	}
	wh := f.webhook(w.ID)
	if wh.Enabled || !strings.Contains(wh.DisabledReason, "500") {
		t.Fatalf("webhook after a day of failures: %+v", wh)
	}
	if wh.FailingSince == nil || !wh.FailingSince.Equal(start) {
		t.Fatalf("failing since %v, want %v", wh.FailingSince, start)
	}
	if since := f.clock.Now().Sub(start); since < 24*time.Hour || since > 26*time.Hour {
		t.Fatalf("disabled after %v", since)
	}
	for _, d := range f.deliveries() {
		if d.Status == Pending {
			t.Fatalf("pending delivery left on a disabled webhook: %+v", d)
		}
	}
	for _, c := range []struct {
		user  uint64
		title string
	}{{f.admin.UserID, "Webhook disabled"}, {f.adminPT, "Webhook desativado"}} {
		var got []notify.Notification
		f.db.View(func(tx *storage.Tx) error {
			return notify.Notifications.Each(tx, f.acct, storage.Query{Index: "user", Prefix: storage.Uint(c.user)}, func(n *notify.Notification) bool {
				if n.Type == NotifyDisabled {
					got = append(got, *n)
				}
				return true
			})
		})
		if len(got) != 1 || !strings.HasPrefix(got[0].Title, c.title) || got[0].Link != fmt.Sprintf("/settings/webhooks/%d", w.ID) {
			t.Fatalf("user %d notifications: %+v", c.user, got)
		}
	}
	var agentN int
	f.db.View(func(tx *storage.Tx) error {
		agentN, _ = notify.Notifications.Count(tx, f.acct, storage.Query{Index: "user", Prefix: storage.Uint(f.agent.UserID)})
		return nil
	})
	if agentN != 0 {
		t.Fatalf("an agent was notified")
	}
	// Disabled: new events make nothing; pings are refused.
	before := len(f.deliveries())
	f.skipFeed()
	f.incoming("visitor-2", "oi")
	f.feed()
	if len(f.deliveries()) != before {
		t.Fatal("a disabled webhook got a delivery")
	}
	if _, err := f.svc.Test(ctx, f.admin, w.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("ping a disabled webhook: %v", err)
	}
	// Turning it back on clears the streak.
	yes := true
	v, err := f.svc.Update(ctx, f.admin, w.ID, WebhookInput{Enabled: &yes})
	if err != nil || !v.Enabled || v.FailingSince != nil || v.DisabledReason != "" {
		t.Fatalf("re-enable: %+v %v", v, err)
	}
}

func TestResendPostsTheSameBodyAgain(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t)
	w := f.hook(r.URL, "message_created")
	f.incoming("visitor-1", "oi")
	f.feed()
	f.runDue()
	d := f.deliveries()[0]
	f.clock.Add(3 * 24 * time.Hour) // long after the retry window: resend opens a new one
	v, err := f.svc.Resend(context.Background(), f.admin, Target{WebhookID: w.ID}, d.ID)
	if err != nil || v.Status != Pending {
		t.Fatalf("resend: %+v %v", v, err)
	}
	if _, err := f.svc.Resend(context.Background(), f.admin, Target{WebhookID: w.ID + 1}, d.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("resend through another webhook: %v", err)
	}
	r.codes = []int{502}
	if n := f.runDue(); n != 1 {
		t.Fatalf("resend attempts: %d", n)
	}
	got, _ := f.svc.Delivery(context.Background(), f.admin, Target{}, d.ID)
	if got.Status != Pending || got.AttemptsCount != 2 || got.LastStatusCode != 502 || got.NextAttemptAt == nil {
		t.Fatalf("after a failed resend: %+v", got)
	}
	f.clock.Add(30 * time.Second)
	f.runDue()
	hits := r.got()
	if len(hits) != 3 || string(hits[0].Body) != string(hits[2].Body) || hits[0].Header.Get("X-Parley-Delivery") != hits[2].Header.Get("X-Parley-Delivery") {
		t.Fatalf("resend must post the same body under the same id: %d hits", len(hits))
	}
	if got, _ := f.svc.Delivery(context.Background(), f.admin, Target{}, d.ID); got.Status != Succeeded || len(got.Attempts) != 3 || *got.Body != string(hits[0].Body) {
		t.Fatalf("log: %+v", got)
	}
}

func TestAdminsOnlyAndValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	url, subs := "https://example.com/h", []string{"message_created"}
	if _, err := f.svc.Create(ctx, f.agent, WebhookInput{URL: &url, Subscriptions: &subs}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent creates: %v", err)
	}
	if _, err := f.svc.List(ctx, f.agent); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent lists: %v", err)
	}
	bad, unknown := "ftp://example.com", []string{"message_created", "nope"}
	_, err := f.svc.Create(ctx, f.admin, WebhookInput{URL: &bad, Subscriptions: &unknown})
	e, ok := apperr.As(err)
	if !ok || e.Fields["url"] == "" || !strings.Contains(e.Fields["subscriptions"], "nope") {
		t.Fatalf("validation: %v", err)
	}
	if n := len(f.deliveries()); n != 0 {
		t.Fatal("written despite errors")
	}
	w := f.hook(url, subs...)
	if w.Secret == "" {
		t.Fatal("create must show the secret")
	}
	if got, _ := f.svc.Get(ctx, f.admin, w.ID); got.Secret != "" {
		t.Fatal("get shows the secret")
	}
	secret, err := f.svc.RotateSecret(ctx, f.admin, w.ID)
	if err != nil || secret == w.Secret || f.webhook(w.ID).Secret != secret {
		t.Fatalf("rotate: %v", err)
	}
	for i := 1; i < MaxPerAccount; i++ {
		f.hook(url, subs...)
	}
	if _, err := f.svc.Create(ctx, f.admin, WebhookInput{URL: &url, Subscriptions: &subs}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := f.svc.Get(ctx, access.Actor{AccountID: f.acct + 1, Role: access.Administrator}, w.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another account reads a webhook: %v", err)
	}
}

func TestDeletedWebhookCancelsPendingAndPruneKeepsAWeek(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t)
	r.always = 500
	w := f.hook(r.URL, "message_created")
	f.incoming("visitor-1", "oi")
	f.feed()
	f.runDue()
	if err := f.svc.Delete(context.Background(), f.admin, w.ID); err != nil {
		t.Fatal(err)
	}
	ds := f.deliveries()
	if len(ds) != 1 || ds[0].Status != Cancelled {
		t.Fatalf("after delete: %+v", ds)
	}
	if _, ok := f.svc.nextDue(); ok {
		t.Fatal("a cancelled delivery stays queued")
	}
	f.clock.Add(PruneAge - time.Minute)
	if n, err := f.svc.Prune(context.Background()); err != nil || n != 0 {
		t.Fatalf("pruned %d early (%v)", n, err)
	}
	f.clock.Add(2 * time.Minute)
	if n, err := f.svc.Prune(context.Background()); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v)", n, err)
	}
}

func TestConversationBodies(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t)
	f.hook(r.URL, "conversation_status_changed", "conversation_typing_on", "message_created")
	res := f.incoming("visitor-1", "oi")
	ctx := context.Background()
	if _, err := f.convs.PostMessage(ctx, f.admin, res.DisplayID, conversations.NewMessage{Content: "nota", Private: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.convs.ToggleStatus(ctx, f.admin, res.DisplayID, conversations.StatusChange{Status: "resolved"}); err != nil {
		t.Fatal(err)
	}
	if err := f.convs.Typing(ctx, f.admin, res.DisplayID, true); err != nil {
		t.Fatal(err)
	}
	f.feed()
	f.runDue()
	byEvent := map[string][]map[string]any{}
	for _, h := range r.got() {
		b := decode(t, h.Body)
		byEvent[b["event"].(string)] = append(byEvent[b["event"].(string)], b)
	}
	var note map[string]any
	for _, m := range byEvent["message_created"] {
		if m["private"] == true {
			note = m
		}
	}
	if note == nil || note["message_type"] != "outgoing" || note["content"] != "nota" {
		t.Fatalf("private notes reach webhooks marked private: %v", byEvent["message_created"])
	}
	st := byEvent["conversation_status_changed"]
	if len(st) != 1 || st[0]["status"] != "resolved" || st[0]["id"] != float64(res.DisplayID) {
		t.Fatalf("status body: %v", st)
	}
	ch, _ := st[0]["changed_attributes"].([]any)
	if len(ch) != 1 || fmt.Sprint(ch[0]) != "map[status:map[current_value:resolved previous_value:open]]" {
		t.Fatalf("changed_attributes: %v", ch)
	}
	ty := byEvent["conversation_typing_on"]
	if len(ty) != 1 || fmt.Sprint(ty[0]["user"]) != fmt.Sprintf("map[id:%d name:Olga Owner type:user]", f.admin.UserID) || ty[0]["is_private"] != false {
		t.Fatalf("typing body: %v", ty)
	}
}

// Typing bodies say who types: an agent writing a private note is marked is_private (an
// integration relaying typing to the customer must not show it), and a contact typing in the
// widget is the contact, not an unnamed user 0.
func TestTypingBodiesNameTheTyperAndPrivacy(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t)
	f.hook(r.URL, "conversation_typing_on")
	res := f.incoming("visitor-1", "oi")
	ctx := context.Background()
	if err := f.convs.SetTyping(ctx, f.admin, res.DisplayID, true, true); err != nil {
		t.Fatal(err)
	}
	v := conversations.Visitor{AccountID: f.acct, InboxID: f.inbox, ContactID: res.ContactID}
	f.db.View(func(tx *storage.Tx) error {
		c, err := conversations.Conversations.GetBy(tx, f.acct, "display", storage.Uint(res.DisplayID))
		if err == nil {
			v.ContactInboxID = c.ContactInboxID
		}
		return err
	})
	if err := f.convs.ContactTyping(ctx, v, res.DisplayID, true); err != nil {
		t.Fatal(err)
	}
	f.feed()
	f.runDue()
	var agent, contact map[string]any
	for _, h := range r.got() {
		b := decode(t, h.Body)
		if u, _ := b["user"].(map[string]any); u != nil && u["type"] == "contact" {
			contact = b
		} else {
			agent = b
		}
	}
	if agent == nil || agent["is_private"] != true {
		t.Fatalf("an agent typing a note is private: %v", agent)
	}
	if contact == nil || fmt.Sprint(contact["user"]) != fmt.Sprintf("map[id:%d name:Carla Cliente type:contact]", res.ContactID) || contact["is_private"] != false {
		t.Fatalf("a contact typing is the contact: %v", contact)
	}
}

// Pruning removes old log entries, never a delivery still waiting to go out: one resent near
// the end of its week is pending, and deleting it would drop the resend without a word.
func TestPruneKeepsPendingDeliveries(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t)
	r.always = 500
	w := f.hook(r.URL, "message_created")
	f.incoming("visitor-1", "oi")
	f.feed()
	f.runDue()
	ds := f.deliveries()
	if len(ds) != 1 {
		t.Fatalf("deliveries: %+v", ds)
	}
	// Its day of retries ran out (settled here directly rather than through 20 retries).
	err := f.db.Update(func(tx *storage.Tx) error {
		d, err := Deliveries.Get(tx, f.acct, ds[0].ID)
		if err != nil {
			return err
		}
		d.Status, d.NextAttemptAt = Failed, nil
		return putDelivery(tx, d)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.always = 0
	r.mu.Unlock()
	f.clock.Add(PruneAge - time.Hour)
	if _, err := f.svc.Resend(context.Background(), f.admin, Target{WebhookID: w.ID}, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(2 * time.Hour)
	if n, err := f.svc.Prune(context.Background()); err != nil || n != 0 {
		t.Fatalf("pruned %d pending deliveries (%v)", n, err)
	}
	if f.runDue() != 1 || len(r.got()) != 2 {
		t.Fatalf("the resent delivery was not posted: %d hits", len(r.got()))
	}
	if n, err := f.svc.Prune(context.Background()); err != nil || n != 1 {
		t.Fatalf("pruned %d once settled (%v)", n, err)
	}
}
