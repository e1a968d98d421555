package inboxes_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

var ctx = context.Background()

// env is an account (time zone Lisbon) with its owner and two agents, on a real store.
type env struct {
	t      *testing.T
	db     *storage.DB
	accts  *accounts.Service
	svc    *inboxes.Service
	acct   uint64
	owner  uint64
	admin  access.Actor
	agent  access.Actor
	agent2 access.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	a := auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost})
	acc := accounts.New(db, a)
	res, err := acc.Setup(ctx, accounts.SetupInput{AccountName: "Loja", Name: "Olga Owner", Email: "owner@example.com", Password: "correct horse", TimeZone: "Europe/Lisbon"})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, accts: acc, svc: inboxes.New(db), acct: res.AccountID, owner: res.UserID}
	e.admin = e.actor(res.UserID, res.AccountID)
	e.agent = e.actor(e.addAgent("Bruno Lima", "bruno@example.com"), e.acct)
	e.agent2 = e.actor(e.addAgent("Carla Dias", "carla@example.com"), e.acct)
	return e
}

func (e *env) addAgent(name, email string) uint64 {
	e.t.Helper()
	ag, err := e.accts.AddAgent(ctx, e.admin, accounts.NewAgent{Name: name, Email: email, Role: access.Agent, Password: "long enough pw"})
	if err != nil {
		e.t.Fatal(err)
	}
	return ag.ID
}

func (e *env) actor(userID, account uint64) access.Actor {
	e.t.Helper()
	var a access.Actor
	err := e.db.View(func(tx *storage.Tx) error {
		u, err := auth.Users.Get(tx, 0, userID)
		if err != nil {
			return err
		}
		a, _, err = e.accts.Actor(tx, u, account)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func ptr[T any](v T) *T { return &v }

func (e *env) create(name string, more ...func(*inboxes.InboxInput)) *inboxes.InboxView {
	e.t.Helper()
	in := inboxes.InboxInput{Name: ptr(name), ChannelType: ptr(inboxes.ChannelAPI)}
	for _, f := range more {
		f(&in)
	}
	v, err := e.svc.Create(ctx, e.admin, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// field asserts err is kind with a message on field containing want.
func field(t *testing.T, err error, kind apperr.Kind, name, want string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind {
		t.Fatalf("got %v, want %v on %s", err, kind, name)
	}
	if !strings.Contains(e.Fields[name], want) {
		t.Fatalf("field %s: %q (all: %v), want %q", name, e.Fields[name], e.Fields, want)
	}
}

func TestCreateInbox(t *testing.T) {
	e := newEnv(t)
	v := e.create("Site API", func(in *inboxes.InboxInput) {
		in.Channel = map[string]any{"webhook_url": "https://example.com/hook", "hmac_token": "s3cr3t", "smtp_password": "x"}
	})
	if v.Timezone != "Europe/Lisbon" || !v.Enabled || v.ChannelType != inboxes.ChannelAPI {
		t.Fatalf("created: %+v", v)
	}
	if len(v.InboxIdentifier) != 24 {
		t.Fatalf("identifier %q", v.InboxIdentifier)
	}
	if _, leaked := v.Channel["hmac_token"]; leaked || v.Channel["smtp_password"] != nil || v.Channel["webhook_url"] != "https://example.com/hook" {
		t.Fatalf("channel shown as %v", v.Channel)
	}
	if len(v.WorkingHours) != 7 || !v.WorkingHours[0].ClosedAllDay {
		t.Fatalf("working hours %+v", v.WorkingHours)
	}
	e.db.View(func(tx *storage.Tx) error {
		p, err := inboxes.PublicIDs.GetBy(tx, 0, "token", storage.Str(v.InboxIdentifier))
		if err != nil || p.ID != v.ID || p.AccountID != e.acct {
			t.Errorf("public id: %+v %v", p, err)
		}
		stored, _ := inboxes.Inboxes.Get(tx, e.acct, v.ID)
		// Secrets are generated, never taken from input (they are shown once, on rotate).
		if tok := stored.ChannelString(inboxes.KeyHMACToken); len(tok) != 32 || tok == "s3cr3t" || stored.Channel["smtp_password"] != nil {
			t.Errorf("secrets: %v", stored.Channel)
		}
		if len(stored.ChannelString(inboxes.KeyWebhookSecret)) != 32 {
			t.Errorf("no webhook secret with the webhook URL: %v", stored.Channel)
		}
		if n, _ := audit.Entries.Count(tx, e.acct, storage.Query{Index: "action", Prefix: storage.Str("inbox.created")}); n != 1 {
			t.Errorf("audit entries: %d", n)
		}
		evs, _ := tx.Events(0, 1000)
		found := false
		for _, ev := range evs {
			if ev.Type == inboxes.EventInboxCreated && ev.ID == v.ID {
				found = !strings.Contains(string(ev.Data), "s3cr3t")
			}
		}
		if !found {
			t.Error("no inbox_created event, or it carries the secret")
		}
		return nil
	})

	// Chatwoot's create call: the channel type inside `channel`.
	cw, err := e.svc.Create(ctx, e.admin, inboxes.InboxInput{Name: ptr("Chatwoot style"), Channel: map[string]any{"type": "api"}})
	if err != nil || cw.ChannelType != inboxes.ChannelAPI || cw.Channel["type"] != nil {
		t.Fatalf("channel.type api: %+v %v", cw, err)
	}
	// Names are unique regardless of case.
	_, err = e.svc.Create(ctx, e.admin, inboxes.InboxInput{Name: ptr("  site api "), ChannelType: ptr(inboxes.ChannelAPI)})
	field(t, err, apperr.Conflict, "name", "taken")
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.Create(ctx, e.agent, inboxes.InboxInput{Name: ptr("Mine"), ChannelType: ptr(inboxes.ChannelAPI)})
	if !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent creating: %v", err)
	}
	cases := []struct {
		name string
		in   inboxes.InboxInput
		fld  string
		want string
	}{
		{"no name", inboxes.InboxInput{ChannelType: ptr(inboxes.ChannelAPI)}, "name", "required"},
		{"long name", inboxes.InboxInput{Name: ptr(strings.Repeat("x", 81)), ChannelType: ptr(inboxes.ChannelAPI)}, "name", "80"},
		{"no channel", inboxes.InboxInput{Name: ptr("A")}, "channel_type", "required"},
		{"later channel", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr(inboxes.ChannelWhatsAppWeb)}, "channel_type", "later release"},
		{"unknown channel", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr("Channel::Pigeon")}, "channel_type", "not a channel"},
		{"greeting", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr(inboxes.ChannelAPI), GreetingEnabled: ptr(true)}, "greeting_message", "required"},
		{"hours order", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr(inboxes.ChannelAPI),
			WorkingHours: []inboxes.WorkingHour{{DayOfWeek: 0, ClosedAllDay: true}, {DayOfWeek: 1, OpenHour: 18, CloseHour: 9}}}, "working_hours[1]", "Monday: opening time must be before"},
		{"hours range", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr(inboxes.ChannelAPI),
			WorkingHours: []inboxes.WorkingHour{{DayOfWeek: 2, OpenHour: 9, CloseHour: 25}}}, "working_hours[0]", "HH:MM"},
		{"weekday", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr(inboxes.ChannelAPI),
			WorkingHours: []inboxes.WorkingHour{{DayOfWeek: 7, ClosedAllDay: true}}}, "working_hours[0].day_of_week", "0 (Sunday)"},
		{"ooo", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr(inboxes.ChannelAPI), OutOfOfficeMessage: ptr(strings.Repeat("z", 1001))}, "out_of_office_message", "1000"},
		{"limit", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr(inboxes.ChannelAPI), AutoAssignmentConfig: &inboxes.AutoAssignConfig{MaxAssignmentLimit: -1}}, "auto_assignment_config.max_assignment_limit", "0"},
		{"webhook", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr(inboxes.ChannelAPI), Channel: map[string]any{"webhook_url": "ftp://x"}}, "channel.webhook_url", "http"},
		{"members", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr(inboxes.ChannelAPI), MemberIDs: []uint64{999}}, "member_ids", "999"},
		{"teams", inboxes.InboxInput{Name: ptr("A"), ChannelType: ptr(inboxes.ChannelAPI), TeamIDs: []uint64{999}}, "team_ids", "999"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.Create(ctx, e.admin, c.in)
			field(t, err, apperr.Invalid, c.fld, c.want)
		})
	}
	// Nothing was half-written.
	e.db.View(func(tx *storage.Tx) error {
		if n := inboxes.Inboxes.Len(tx, e.acct); n != 0 {
			t.Errorf("%d inboxes after failed creates", n)
		}
		if n := inboxes.PublicIDs.Len(tx, 0); n != 0 {
			t.Errorf("%d public ids after failed creates", n)
		}
		return nil
	})
}

func TestUpdateInbox(t *testing.T) {
	e := newEnv(t)
	v := e.create("Support", func(in *inboxes.InboxInput) {
		in.Channel = map[string]any{"webhook_url": "https://a.example"}
	})
	var secret string
	e.db.View(func(tx *storage.Tx) error {
		x, _ := inboxes.Inboxes.Get(tx, e.acct, v.ID)
		secret = x.ChannelString(inboxes.KeyHMACToken)
		return nil
	})
	wh := []inboxes.WorkingHour{
		{DayOfWeek: 1, OpenHour: 9, CloseHour: 18},
		{DayOfWeek: 6, OpenAllDay: true},
	}
	got, err := e.svc.Update(ctx, e.admin, v.ID, inboxes.InboxInput{
		WorkingHoursEnabled: ptr(true), WorkingHours: wh, OutOfOfficeMessage: ptr("Back at nine"),
		GreetingEnabled: ptr(true), GreetingMessage: ptr("Hi!"), EnableAutoAssignment: ptr(true),
		AutoAssignmentConfig: &inboxes.AutoAssignConfig{MaxAssignmentLimit: 5}, CSATSurveyEnabled: ptr(true),
		LockToSingleConversation: ptr(true), SLAPolicyID: ptr(uint64(7)),
		Channel: map[string]any{"webhook_url": nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !got.WorkingHoursEnabled || got.WorkingHours[1].OpenHour != 9 || got.WorkingHours[1].CloseHour != 18 || !got.WorkingHours[6].OpenAllDay || !got.WorkingHours[2].ClosedAllDay {
		t.Fatalf("hours: %+v", got.WorkingHours)
	}
	if got.SLAPolicyID == nil || *got.SLAPolicyID != 7 || got.AutoAssignmentConfig.MaxAssignmentLimit != 5 || !got.CSATSurveyEnabled || !got.LockToSingleConversation || got.Name != "Support" {
		t.Fatalf("settings: %+v", got)
	}
	if _, still := got.Channel["webhook_url"]; still {
		t.Fatalf("null did not remove webhook_url: %v", got.Channel)
	}
	e.db.View(func(tx *storage.Tx) error {
		x, _ := inboxes.Inboxes.Get(tx, e.acct, v.ID)
		if x.Channel["hmac_token"] != secret || secret == "" {
			t.Errorf("an update dropped the secret: %v", x.Channel)
		}
		if x.BusinessHours.Days[1] != (inboxes.Day{Open: true, From: "09:00", To: "18:00"}) {
			t.Errorf("Monday stored as %+v", x.BusinessHours.Days[1])
		}
		return nil
	})
	// Turning the greeting off keeps the message; clearing it while on is refused.
	_, err = e.svc.Update(ctx, e.admin, v.ID, inboxes.InboxInput{GreetingMessage: ptr("  ")})
	field(t, err, apperr.Invalid, "greeting_message", "required")
	_, err = e.svc.Update(ctx, e.admin, v.ID, inboxes.InboxInput{ChannelType: ptr(inboxes.ChannelEmail)})
	field(t, err, apperr.Invalid, "channel_type", "cannot change")
	if _, err := e.svc.Update(ctx, e.agent, v.ID, inboxes.InboxInput{Name: ptr("Mine")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent updating: %v", err)
	}
	other := e.create("Other")
	_, err = e.svc.Update(ctx, e.admin, other.ID, inboxes.InboxInput{Name: ptr("SUPPORT")})
	field(t, err, apperr.Conflict, "name", "taken")
}

func TestAgentsSeeOnlyTheirInboxes(t *testing.T) {
	e := newEnv(t)
	var team *accounts.TeamView
	team, err := e.accts.CreateTeam(ctx, e.admin, accounts.TeamInput{Name: ptr("Vendas")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.accts.SetTeamMembers(ctx, e.admin, team.ID, []uint64{e.agent2.UserID}, true); err != nil {
		t.Fatal(err)
	}
	direct := e.create("Direct", func(in *inboxes.InboxInput) { in.MemberIDs = []uint64{e.agent.UserID} })
	viaTeam := e.create("Via team", func(in *inboxes.InboxInput) { in.TeamIDs = []uint64{team.ID} })
	nobody := e.create("Nobody")

	names := func(a access.Actor) []string {
		l, err := e.svc.List(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range l {
			out = append(out, v.Name)
		}
		return out
	}
	if got := names(e.admin); !slices.Equal(got, []string{"Direct", "Via team", "Nobody"}) {
		t.Errorf("admin sees %v", got)
	}
	if got := names(e.agent); !slices.Equal(got, []string{"Direct"}) {
		t.Errorf("agent sees %v", got)
	}
	if got := names(e.agent2); !slices.Equal(got, []string{"Via team"}) {
		t.Errorf("team member sees %v", got)
	}
	for _, id := range []uint64{viaTeam.ID, nobody.ID} {
		if _, err := e.svc.Get(ctx, e.agent, id); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("agent reading inbox %d: %v", id, err)
		}
		if _, err := e.svc.Members(ctx, e.agent, id); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("agent reading members of %d: %v", id, err)
		}
	}
	if v, err := e.svc.Get(ctx, e.agent, direct.ID); err != nil || v.Name != "Direct" {
		t.Errorf("agent reading own inbox: %v", err)
	}
	e.db.View(func(tx *storage.Tx) error {
		for _, c := range []struct {
			user uint64
			want []uint64
		}{{e.agent.UserID, []uint64{direct.ID}}, {e.agent2.UserID, []uint64{viaTeam.ID}}, {e.owner, []uint64{}}} {
			got, err := inboxes.OfUser(tx, e.acct, c.user)
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("OfUser(%d) = %v %v, want %v", c.user, got, err, c.want)
			}
		}
		x, _ := inboxes.Inboxes.Get(tx, e.acct, viaTeam.ID)
		if !inboxes.WorksIn(tx, x, e.agent2.UserID) || inboxes.WorksIn(tx, x, e.agent.UserID) {
			t.Error("WorksIn through the team is wrong")
		}
		return nil
	})

	// Another account's inbox looks missing, even to its own id's neighbour's administrator.
	pa, err := e.accts.PlatformCreate(ctx, access.Actor{UserID: e.owner, Operator: true}, accounts.NewPlatformAccount{Name: "Second"})
	if err != nil {
		t.Fatal(err)
	}
	admin2 := e.actor(e.owner, pa.ID)
	if _, err := e.svc.Get(ctx, admin2, direct.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("cross-account get: %v", err)
	}
	if err := e.svc.Delete(ctx, admin2, direct.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("cross-account delete: %v", err)
	}
	if l, _ := e.svc.List(ctx, admin2); len(l) != 0 {
		t.Errorf("second account lists %d inboxes", len(l))
	}
}

func TestSetMembers(t *testing.T) {
	e := newEnv(t)
	v := e.create("Team inbox")
	if _, err := e.svc.SetMembers(ctx, e.agent, v.ID, []uint64{e.agent.UserID}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent setting members: %v", err)
	}
	_, err := e.svc.SetMembers(ctx, e.admin, v.ID, []uint64{e.agent.UserID, 4242})
	field(t, err, apperr.Invalid, "user_ids", "4242")
	got, err := e.svc.SetMembers(ctx, e.admin, v.ID, []uint64{e.agent.UserID, e.agent2.UserID, e.agent.UserID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "Bruno Lima" || got[1].Email != "carla@example.com" {
		t.Fatalf("members: %+v", got)
	}
	list, err := e.svc.Members(ctx, e.agent, v.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("members as a member: %v %v", list, err)
	}
	if got, _ := e.svc.SetMembers(ctx, e.admin, v.ID, []uint64{}); len(got) != 0 {
		t.Fatalf("emptied: %v", got)
	}
	if _, err := e.svc.Get(ctx, e.agent, v.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("removed agent still reads the inbox: %v", err)
	}
}

func TestDeleteRefusedWhileInUse(t *testing.T) {
	e := newEnv(t)
	v := e.create("Busy")
	conversations := 3
	e.svc.InUse = func(tx *storage.Tx, account, inboxID uint64) int {
		if account != e.acct || inboxID != v.ID {
			t.Errorf("InUse asked about %d/%d", account, inboxID)
		}
		return conversations
	}
	if err := e.svc.Delete(ctx, e.agent, v.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent deleting: %v", err)
	}
	err := e.svc.Delete(ctx, e.admin, v.ID)
	if !apperr.Is(err, apperr.Conflict) || !strings.Contains(err.Error(), "3 conversations") {
		t.Fatalf("delete in use: %v", err)
	}
	if _, err := e.svc.Get(ctx, e.admin, v.ID); err != nil {
		t.Fatalf("refused delete removed it: %v", err)
	}
	conversations = 0
	if err := e.svc.Delete(ctx, e.admin, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(ctx, e.admin, v.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted inbox: %v", err)
	}
	e.db.View(func(tx *storage.Tx) error {
		if _, err := inboxes.PublicIDs.GetBy(tx, 0, "token", storage.Str(v.InboxIdentifier)); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("public id left behind: %v", err)
		}
		evs, _ := tx.Events(0, 1000)
		var last storage.Event
		for _, ev := range evs {
			if strings.HasPrefix(ev.Type, "inbox_") {
				last = ev
			}
		}
		var data inboxes.InboxView
		json.Unmarshal(last.Data, &data)
		if last.Type != inboxes.EventInboxDeleted || data.Name != "Busy" {
			t.Errorf("last inbox event %s %s", last.Type, last.Data)
		}
		return nil
	})
	// The name is free again.
	e.create("Busy")
}
