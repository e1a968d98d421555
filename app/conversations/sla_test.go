package conversations

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

func ptr[T any](v T) *T { return &v }

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestBusinessAddAcrossWeekend counts working time over a weekend in two zones, one of them
// crossing the start of summer time (Lisbon, 30 March 2025).
func TestBusinessAddAcrossWeekend(t *testing.T) {
	h := weekdays9to18("")
	sp, lis := mustLoc(t, "America/Sao_Paulo"), mustLoc(t, "Europe/Lisbon")
	cases := []struct {
		name  string
		loc   *time.Location
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"sao paulo friday evening", sp, time.Date(2025, 6, 6, 17, 0, 0, 0, sp), 2 * time.Hour, time.Date(2025, 6, 9, 10, 0, 0, 0, sp)},
		{"sao paulo saturday", sp, time.Date(2025, 6, 7, 11, 0, 0, 0, sp), 30 * time.Minute, time.Date(2025, 6, 9, 9, 30, 0, 0, sp)},
		{"sao paulo exactly to closing", sp, time.Date(2025, 6, 6, 17, 0, 0, 0, sp), time.Hour, time.Date(2025, 6, 6, 18, 0, 0, 0, sp)},
		{"sao paulo two working days", sp, time.Date(2025, 6, 5, 9, 0, 0, 0, sp), 18 * time.Hour, time.Date(2025, 6, 6, 18, 0, 0, 0, sp)},
		{"lisbon over the clock change", lis, time.Date(2025, 3, 28, 17, 30, 0, 0, lis), time.Hour, time.Date(2025, 3, 31, 9, 30, 0, 0, lis)},
		{"lisbon before opening", lis, time.Date(2025, 3, 31, 6, 0, 0, 0, lis), 90 * time.Minute, time.Date(2025, 3, 31, 10, 30, 0, 0, lis)},
	}
	for _, c := range cases {
		got := h.Add(c.start, c.d, c.loc)
		if !got.Equal(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got.In(c.loc), c.want)
		}
	}
	// The Lisbon deadline is 08:30 UTC (summer time), not 09:30.
	if got := h.Add(time.Date(2025, 3, 28, 17, 30, 0, 0, lis), time.Hour, lis).UTC(); got.Hour() != 8 || got.Minute() != 30 {
		t.Errorf("lisbon deadline in UTC: %v", got)
	}
	// Through the policy: calendar time unless the policy counts business hours; hours that
	// never open set no deadline.
	start := time.Date(2025, 6, 6, 17, 0, 0, 0, sp)
	in := &inboxes.Inbox{BusinessHours: h}
	if got := slaAdd(&SLAPolicy{}, in, sp, start, 120); !got.Equal(start.Add(2 * time.Hour)) {
		t.Errorf("calendar policy: %v", got)
	}
	if got := slaAdd(&SLAPolicy{OnlyDuringBusinessHrs: true}, in, sp, start, 120); !got.Equal(time.Date(2025, 6, 9, 10, 0, 0, 0, sp)) {
		t.Errorf("business-hours policy: %v", got)
	}
	if got := slaAdd(&SLAPolicy{OnlyDuringBusinessHrs: true}, &inboxes.Inbox{BusinessHours: inboxes.BusinessHours{Enabled: true}}, sp, start, 120); got != nil {
		t.Errorf("never open: %v", got)
	}
	if got := slaAdd(&SLAPolicy{}, in, sp, start, 0); got != nil {
		t.Errorf("no target: %v", got)
	}
}

func (f *h3Fix) policy(in SLAPolicyInput) *SLAPolicy {
	f.t.Helper()
	p, err := f.s.CreateSLAPolicy(context.Background(), f.admin, in)
	if err != nil {
		f.t.Fatal(err)
	}
	f.update(func(tx *storage.Tx) error { f.inbox.SLAPolicyID = p.ID; return inboxes.Inboxes.Put(tx, f.inbox) })
	return p
}

func slaState(t *testing.T, c *Conversation, now time.Time, want string) {
	t.Helper()
	if got, _ := SLAState(c, now); got != want {
		t.Fatalf("SLA state at %v: %q, want %q (clock %+v)", now, got, want, c.SLA)
	}
}

// TestSLAFirstReplyMeetsTarget: the inbox's policy starts the clock on a new conversation and
// the first agent reply meets it; nothing is left scheduled.
func TestSLAFirstReplyMeetsTarget(t *testing.T) {
	start := time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC)
	f := h3New(t, start, "America/Sao_Paulo", "en", nil)
	p := f.policy(SLAPolicyInput{Name: ptr("Gold"), FirstResponseMinutes: ptr(60), ResolutionMinutes: ptr(480)})
	c := f.start("help")
	if c.SLA == nil || c.SLA.PolicyID != p.ID || !c.SLA.FirstResponseDue.Equal(start.Add(time.Hour)) || !c.SLA.ResolutionDue.Equal(start.Add(8*time.Hour)) {
		t.Fatalf("clock: %+v", c.SLA)
	}
	slaState(t, c, start.Add(10*time.Minute), SLAOnTrack)
	slaState(t, c, start.Add(50*time.Minute), SLADueSoon)
	if j := f.pendingJob(slaKey(c.ID)); j == nil || !j.Due.Equal(start.Add(48*time.Minute)) {
		t.Fatalf("check job: %+v", j)
	}
	f.clock.Set(start.Add(20 * time.Minute))
	c = f.reply(c, "on it")
	if c.SLA.FirstResponseDue != nil || c.SLA.ResolutionDue == nil {
		t.Fatalf("after the first reply: %+v", c.SLA)
	}
	state, next := SLAState(c, start.Add(21*time.Minute))
	if state != SLAOnTrack || next == nil || !next.Equal(start.Add(8*time.Hour)) {
		t.Fatalf("after reply: %s %v", state, next)
	}
	c = f.status(c, Resolved, nil)
	slaState(t, c, start.Add(9*time.Hour), SLAMet)
	if j := f.pendingJob(slaKey(c.ID)); j != nil {
		t.Fatalf("a check is still scheduled after every target was met: %+v", j)
	}
	f.advance(start.Add(10 * time.Hour))
	if n := len(f.events(EventSLABreached)); n != 0 {
		t.Fatalf("%d breaches of a met SLA", n)
	}
}

// TestSLABreachFiresOnce: each warning and each breach fires once although the check runs
// again for the other target in between; breaches are recorded and the administrators (nobody is
// assigned) are told.
func TestSLABreachFiresOnce(t *testing.T) {
	start := time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC)
	f := h3New(t, start, "UTC", "en", nil)
	// First response: due soon at 24m, due at 30m. Resolution: due soon at 28m, due at 35m.
	f.policy(SLAPolicyInput{Name: ptr("Fast"), FirstResponseMinutes: ptr(30), ResolutionMinutes: ptr(35)})
	c := f.start("help")
	targets := func(typ string) []string {
		var out []string
		for _, e := range f.events(typ) {
			var ev slaEvent
			json.Unmarshal(e.Data, &ev)
			if ev.Conversation.ID != c.ID {
				t.Fatalf("event of another conversation: %+v", ev)
			}
			out = append(out, ev.Target)
		}
		return out
	}
	f.advance(start.Add(20 * time.Minute))
	if got := targets(EventSLAWarning); len(got) != 0 {
		t.Fatalf("warned too early: %v", got)
	}
	f.advance(start.Add(25 * time.Minute))
	f.advance(start.Add(29 * time.Minute))
	if got := targets(EventSLAWarning); !slices.Equal(got, []string{TargetFirstResponse, TargetResolution}) {
		t.Fatalf("warnings: %v", got)
	}
	f.advance(start.Add(31 * time.Minute))
	if got := targets(EventSLABreached); !slices.Equal(got, []string{TargetFirstResponse}) {
		t.Fatalf("breaches at 31m: %v", got)
	}
	f.advance(start.Add(3 * time.Hour))
	if got := targets(EventSLABreached); !slices.Equal(got, []string{TargetFirstResponse, TargetResolution}) {
		t.Fatalf("breaches at 3h: %v", got)
	}
	if got := targets(EventSLAWarning); len(got) != 2 {
		t.Fatalf("warnings repeated: %v", got)
	}
	var ev slaEvent
	json.Unmarshal(f.events(EventSLABreached)[0].Data, &ev)
	if !ev.DueAt.Equal(start.Add(30 * time.Minute)) {
		t.Fatalf("breach event: %+v", ev)
	}
	c = f.conv(c)
	if !slices.Equal(c.SLA.Breaches, []string{TargetFirstResponse, TargetResolution}) {
		t.Fatalf("breaches: %v", c.SLA.Breaches)
	}
	slaState(t, c, start.Add(3*time.Hour), SLABreached)
	var sent []notify.Notification
	f.db.View(func(tx *storage.Tx) error {
		return notify.Notifications.Each(tx, f.acct.ID, storage.Query{}, func(n *notify.Notification) bool { sent = append(sent, *n); return true })
	})
	if len(sent) != 2 || sent[0].UserID != f.admin.UserID || sent[0].Type != "sla_breached" || sent[0].Link != "/conversations/1" || sent[0].Title != "SLA missed on conversation #1" {
		t.Fatalf("notifications: %+v", sent)
	}
	// A late reply still stops the clock; the breach stays on record.
	c = f.reply(c, "sorry for the wait")
	slaState(t, c, start.Add(4*time.Hour), SLABreached)
	if j := f.pendingJob(slaKey(c.ID)); j != nil {
		t.Fatalf("check still scheduled: %+v", j)
	}
}

// TestSLABusinessHoursAndLaterClocks: a business-hours policy counts only open time; a contact
// writing again after an answer starts the next-response clock; resolving stops everything and
// reopening restarts the resolution clock. The assignee is the one told of a breach.
func TestSLABusinessHoursAndLaterClocks(t *testing.T) {
	f := h3New(t, time.Time{}, "America/Sao_Paulo", "pt-BR", func(_ *accounts.Account, in *inboxes.Inbox) {
		in.BusinessHours = weekdays9to18("")
	})
	f.policy(SLAPolicyInput{Name: ptr("Horário comercial"), FirstResponseMinutes: ptr(60), NextResponseMinutes: ptr(30), ResolutionMinutes: ptr(600), OnlyDuringBusinessHrs: ptr(true)})
	f.clock.Set(f.local(2025, 6, 6, 17, 30)) // Friday
	c := f.start("oi")
	if !c.SLA.FirstResponseDue.Equal(f.local(2025, 6, 9, 9, 30)) || !c.SLA.ResolutionDue.Equal(f.local(2025, 6, 10, 9, 30)) {
		t.Fatalf("clock over the weekend: first %v resolution %v", c.SLA.FirstResponseDue.In(f.acct.Location()), c.SLA.ResolutionDue.In(f.acct.Location()))
	}
	f.update(func(tx *storage.Tx) error {
		cur, _ := Conversations.Get(tx, c.AccountID, c.ID)
		cur.AssigneeID = f.agent.UserID
		return Conversations.Put(tx, cur)
	})
	f.clock.Set(f.local(2025, 6, 9, 9, 10))
	c = f.reply(c, "bom dia!")
	f.clock.Set(f.local(2025, 6, 9, 17, 50))
	c = f.incoming(c, "e então?")
	if c.SLA.NextResponseDue == nil || !c.SLA.NextResponseDue.Equal(f.local(2025, 6, 10, 9, 20)) {
		t.Fatalf("next response due: %v", c.SLA.NextResponseDue)
	}
	f.advance(f.local(2025, 6, 10, 9, 21))
	c = f.conv(c)
	if !slices.Equal(c.SLA.Breaches, []string{TargetNextResponse}) {
		t.Fatalf("breaches: %v", c.SLA.Breaches)
	}
	var sent []notify.Notification
	f.db.View(func(tx *storage.Tx) error {
		return notify.Notifications.Each(tx, f.acct.ID, storage.Query{}, func(n *notify.Notification) bool { sent = append(sent, *n); return true })
	})
	if len(sent) != 1 || sent[0].UserID != f.agent.UserID || sent[0].Title != "SLA violado na conversa #1" {
		t.Fatalf("notifications: %+v", sent)
	}

	f.clock.Set(f.local(2025, 6, 10, 9, 30))
	c = f.status(c, Resolved, nil)
	if c.SLA.NextResponseDue != nil || c.SLA.ResolutionDue != nil || c.SLA.FirstResponseDue != nil {
		t.Fatalf("clocks after resolving: %+v", c.SLA)
	}
	f.clock.Set(f.local(2025, 6, 11, 17, 0))
	c = f.status(c, Open, nil)
	if c.SLA.ResolutionDue == nil || !c.SLA.ResolutionDue.Equal(f.local(2025, 6, 12, 18, 0)) {
		t.Fatalf("resolution restarted at %v", c.SLA.ResolutionDue)
	}
}

// TestSLAPolicies: validation names the field, names are unique, only administrators write,
// and applying a policy by hand computes the clock from the conversation's history.
func TestSLAPolicies(t *testing.T) {
	start := time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC)
	f := h3New(t, start, "UTC", "en", nil)
	ctx := context.Background()
	if _, err := f.s.CreateSLAPolicy(ctx, f.admin, SLAPolicyInput{Name: ptr("Zero")}); apperr.KindOf(err) != apperr.Invalid || fieldOf(err, "first_response_time_threshold") == "" {
		t.Fatalf("no target: %v", err)
	}
	if _, err := f.s.CreateSLAPolicy(ctx, f.admin, SLAPolicyInput{Name: ptr(" "), FirstResponseMinutes: ptr(-1)}); fieldOf(err, "name") == "" || fieldOf(err, "first_response_time_threshold") == "" {
		t.Fatalf("bad name and minutes: %v", err)
	}
	if _, err := f.s.CreateSLAPolicy(ctx, f.agent, SLAPolicyInput{Name: ptr("Mine"), FirstResponseMinutes: ptr(5)}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent creates a policy: %v", err)
	}
	p, err := f.s.CreateSLAPolicy(ctx, f.admin, SLAPolicyInput{Name: ptr("Gold"), FirstResponseMinutes: ptr(15)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateSLAPolicy(ctx, f.admin, SLAPolicyInput{Name: ptr("gold "), FirstResponseMinutes: ptr(5)}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := f.s.UpdateSLAPolicy(ctx, f.admin, p.ID, SLAPolicyInput{FirstResponseMinutes: ptr(0)}); fieldOf(err, "first_response_time_threshold") == "" {
		t.Fatalf("update removing every target: %v", err)
	}
	up, err := f.s.UpdateSLAPolicy(ctx, f.admin, p.ID, SLAPolicyInput{ResolutionMinutes: ptr(120)})
	if err != nil || up.FirstResponseMinutes != 15 || up.ResolutionMinutes != 120 || up.Name != "Gold" {
		t.Fatalf("update: %+v %v", up, err)
	}
	list, err := f.s.ListSLAPolicies(ctx, f.agent)
	if err != nil || len(list) != 1 {
		t.Fatalf("agents list policies: %+v %v", list, err)
	}
	if len(f.events(EventSLAPoliciesChanged)) != 2 {
		t.Fatalf("policy events: %d", len(f.events(EventSLAPoliciesChanged)))
	}

	// An inbox naming a deleted policy applies none.
	f.update(func(tx *storage.Tx) error { f.inbox.SLAPolicyID = 999; return inboxes.Inboxes.Put(tx, f.inbox) })
	c := f.start("hi")
	if c.SLA != nil {
		t.Fatalf("missing policy applied: %+v", c.SLA)
	}
	// Applying by hand: 15 minutes from the conversation's start, already missed at +20m.
	f.clock.Set(start.Add(20 * time.Minute))
	if _, err := f.s.ApplySLA(ctx, f.agent, c.DisplayID, 999); fieldOf(err, "sla_policy_id") == "" {
		t.Fatalf("apply a missing policy: %v", err)
	}
	if _, err := f.s.ApplySLA(ctx, f.other, c.DisplayID, p.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("apply to a conversation the agent cannot see: %v", err)
	}
	view, err := f.s.ApplySLA(ctx, f.agent, c.DisplayID, p.ID)
	if err != nil || view.SLA == nil || view.SLA.State != SLABreached || view.SLA.Name != "Gold" {
		t.Fatalf("applied: %+v %v", view, err)
	}
	if msgs := f.messages(c); msgs[len(msgs)-1].Content != "SLA policy “Gold” applied by Bruno Agent" {
		t.Fatalf("activity line: %q", msgs[len(msgs)-1].Content)
	}
	c = f.conv(c)
	if !c.SLA.FirstResponseDue.Equal(start.Add(15*time.Minute)) || !c.SLA.ResolutionDue.Equal(start.Add(2*time.Hour)) {
		t.Fatalf("applied clock: %+v", c.SLA)
	}
	f.advance(start.Add(21 * time.Minute))
	if n := len(f.events(EventSLABreached)); n != 1 {
		t.Fatalf("missed deadline of an applied policy: %d breach events", n)
	}
	if view, err := f.s.ApplySLA(ctx, f.agent, c.DisplayID, 0); err != nil || view.SLA != nil {
		t.Fatalf("remove: %+v %v", view, err)
	}
	if err := f.s.DeleteSLAPolicy(ctx, f.admin, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GetSLAPolicy(ctx, f.admin, p.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted policy: %v", err)
	}
}

func fieldOf(err error, field string) string {
	if e, ok := apperr.As(err); ok {
		return e.Fields[field]
	}
	return ""
}

func TestSLAStateTable(t *testing.T) {
	now := time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)
	at := func(m int) *time.Time { v := now.Add(time.Duration(m) * time.Minute); return &v }
	created := now.Add(-50 * time.Minute)
	for _, c := range []struct {
		clock *SLAClock
		want  string
	}{
		{nil, ""},
		{&SLAClock{}, SLAMet},
		{&SLAClock{FirstResponseDue: at(50)}, SLAOnTrack},  // 50 of 100 minutes left
		{&SLAClock{FirstResponseDue: at(10)}, SLADueSoon},  // 10 of 60 left
		{&SLAClock{FirstResponseDue: at(-1)}, SLABreached}, // overdue
		{&SLAClock{Breaches: []string{TargetResolution}}, SLABreached},
	} {
		conv := &Conversation{CreatedAt: created, SLA: c.clock}
		if got, _ := SLAState(conv, now); got != c.want {
			t.Errorf("%+v: %q, want %q", c.clock, got, c.want)
		}
	}
}
