package replies_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/replies"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

var ctx = context.Background()

// env is an account with its owner (an administrator) and an agent, on a real store.
type env struct {
	t       *testing.T
	db      *storage.DB
	accts   *accounts.Service
	convs   *conversations.Service
	svc     *replies.Service
	account uint64
	admin   access.Actor
	agent   access.Actor
	agent2  access.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	a := auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost})
	acc := accounts.New(db, a)
	res, err := acc.Setup(ctx, accounts.SetupInput{AccountName: "Padaria Pão Quente", Name: "Olga Owner", Email: "owner@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	convs := conversations.New(conversations.Deps{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e := &env{t: t, db: db, accts: acc, convs: convs, svc: replies.New(db, convs), account: res.AccountID}
	e.admin = e.actor(res.UserID)
	e.agent = e.actor(e.addAgent("Bruno Lima", "bruno@example.com"))
	e.agent2 = e.actor(e.addAgent("Carla Dias", "carla@example.com"))
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

// actor is the actor the API would build for a user (accounts.Actor).
func (e *env) actor(userID uint64) access.Actor {
	e.t.Helper()
	var a access.Actor
	err := e.db.View(func(tx *storage.Tx) error {
		u, err := auth.Users.Get(tx, 0, userID)
		if err != nil {
			return err
		}
		a, _, err = e.accts.Actor(tx, u, e.account)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) label(title string) {
	e.t.Helper()
	if err := e.db.Update(func(tx *storage.Tx) error {
		return conversations.Labels.Put(tx, &conversations.Label{AccountID: e.account, Title: title, Color: "#336699"})
	}); err != nil {
		e.t.Fatal(err)
	}
}

func str(s string) *string { return &s }

// fieldErr returns the message of an Invalid (or Conflict) error for field, failing otherwise.
func fieldErr(t *testing.T, err error, kind apperr.Kind, field string) string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind || e.Fields[field] == "" {
		t.Fatalf("want a %v error on %q, got %v", kind, field, err)
	}
	return e.Fields[field]
}

func TestRender(t *testing.T) {
	v := replies.Vars{ContactName: "Maria  Souza", ContactEmail: "maria@example.com", ContactPhone: "+5511999998888",
		AgentName: "Bruno Lima", ConversationID: 42, AccountName: "Padaria"}
	cases := map[string]string{
		"Olá {{contact.first_name}}, aqui é {{agent.first_name}} da {{account.name}}.": "Olá Maria, aqui é Bruno da Padaria.",
		"{{contact.name}} <{{contact.email}}> {{contact.phone}}":                       "Maria  Souza <maria@example.com> +5511999998888",
		"#{{ conversation.id }} by {{agent.name}}":                                     "#42 by Bruno Lima",
		"{{contact.nickname}} and {{Contact.Name}} stay; {{contact.name":               "{{contact.nickname}} and {{Contact.Name}} stay; {{contact.name",
		"no variables at all": "no variables at all",
	}
	for in, want := range cases {
		if got := replies.Render(in, v); got != want {
			t.Errorf("Render(%q) = %q, want %q", in, got, want)
		}
	}
	if got := replies.Render("Oi {{contact.first_name}}!{{conversation.id}}", replies.Vars{}); got != "Oi !" {
		t.Errorf("empty values: %q", got)
	}
}

func TestCannedResponses(t *testing.T) {
	e := newEnv(t)
	s := e.svc

	// Validation: both fields required, short code shape, content length.
	_, err := s.Create(ctx, e.admin, replies.CannedInput{})
	fieldErr(t, err, apperr.Invalid, "short_code")
	fieldErr(t, err, apperr.Invalid, "content")
	_, err = s.Create(ctx, e.admin, replies.CannedInput{ShortCode: str("two words"), Content: str("x")})
	fieldErr(t, err, apperr.Invalid, "short_code")
	_, err = s.Create(ctx, e.admin, replies.CannedInput{ShortCode: str(strings.Repeat("a", 51)), Content: str("x")})
	fieldErr(t, err, apperr.Invalid, "short_code")
	_, err = s.Create(ctx, e.admin, replies.CannedInput{ShortCode: str("ok"), Content: str(strings.Repeat("é", 5001))})
	fieldErr(t, err, apperr.Invalid, "content")
	_, err = s.Create(ctx, e.admin, replies.CannedInput{ShortCode: str("ok"), Content: str("   ")})
	fieldErr(t, err, apperr.Invalid, "content")

	// Agents read but do not write.
	if _, err := s.Create(ctx, e.agent, replies.CannedInput{ShortCode: str("hi"), Content: str("Hello")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent create: %v", err)
	}

	hours, err := s.Create(ctx, e.admin, replies.CannedInput{ShortCode: str("  Hours "), Content: str("We open 8–18, {{contact.first_name}}.")})
	if err != nil {
		t.Fatal(err)
	}
	if hours.ShortCode != "hours" || hours.ID == 0 || hours.AccountID != e.account {
		t.Fatalf("created: %+v", hours)
	}
	price, err := s.Create(ctx, e.admin, replies.CannedInput{ShortCode: str("price_list"), Content: str("Our PRICES are on the site.")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, e.admin, replies.CannedInput{ShortCode: str("HOURS"), Content: str("dup")}); fieldErr(t, err, apperr.Conflict, "short_code") == "" {
		t.Fatal("unreachable")
	}

	list := func(search string) []string {
		t.Helper()
		l, err := s.List(ctx, e.agent, search)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, c := range l {
			codes = append(codes, c.ShortCode)
		}
		return codes
	}
	if got := strings.Join(list(""), ","); got != "hours,price_list" {
		t.Fatalf("list: %s", got)
	}
	if got := strings.Join(list("PR"), ","); got != "price_list" {
		t.Fatalf("prefix search: %s", got)
	}
	if got := strings.Join(list("prices"), ","); got != "price_list" {
		t.Fatalf("content search ignoring case: %s", got)
	}
	if got := strings.Join(list("ours"), ","); got != "" {
		t.Fatalf("short codes match by prefix only: %s", got)
	}

	// Update: partial, validated, unique.
	up, err := s.Update(ctx, e.admin, price.ID, replies.CannedInput{Content: str("New prices.")})
	if err != nil || up.ShortCode != "price_list" || up.Content != "New prices." {
		t.Fatalf("update: %+v %v", up, err)
	}
	_, err = s.Update(ctx, e.admin, price.ID, replies.CannedInput{ShortCode: str("hours")})
	fieldErr(t, err, apperr.Conflict, "short_code")
	_, err = s.Update(ctx, e.admin, price.ID, replies.CannedInput{ShortCode: str("")})
	fieldErr(t, err, apperr.Invalid, "short_code")
	if _, err := s.Update(ctx, e.agent, price.ID, replies.CannedInput{Content: str("x")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent update: %v", err)
	}
	if _, err := s.Update(ctx, e.admin, 999, replies.CannedInput{Content: str("x")}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("update missing: %v", err)
	}

	// Another account's ids look missing.
	other := e.admin
	other.AccountID = e.account + 1
	if _, err := s.Update(ctx, other, price.ID, replies.CannedInput{Content: str("x")}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("cross-account update: %v", err)
	}

	if err := s.Delete(ctx, e.agent, price.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent delete: %v", err)
	}
	if err := s.Delete(ctx, e.admin, price.ID); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(list(""), ","); got != "hours" {
		t.Fatalf("after delete: %s", got)
	}
	// The short code is free again.
	if _, err := s.Create(ctx, e.admin, replies.CannedInput{ShortCode: str("price_list"), Content: str("again")}); err != nil {
		t.Fatal(err)
	}
}

func TestMacroValidationAndVisibility(t *testing.T) {
	e := newEnv(t)
	s := e.svc
	e.label("billing")
	canned, err := s.Create(ctx, e.admin, replies.CannedInput{ShortCode: str("thanks"), Content: str("Thanks!")})
	if err != nil {
		t.Fatal(err)
	}
	team, err := e.accts.CreateTeam(ctx, e.admin, accounts.TeamInput{Name: str("Support")})
	if err != nil {
		t.Fatal(err)
	}

	acts := func(a ...replies.Action) *[]replies.Action { return &a }
	act := func(name string, params ...any) replies.Action { return replies.Action{Name: name, Params: params} }

	_, err = s.CreateMacro(ctx, e.agent, replies.MacroInput{})
	fieldErr(t, err, apperr.Invalid, "name")
	fieldErr(t, err, apperr.Invalid, "actions")

	// Every bad parameter is named by its action's index.
	bad := []struct {
		action replies.Action
		field  string
	}{
		{act("add_label"), "action_params"},
		{act("add_label", "no-such-label"), "action_params"},
		{act("remove_label", 12), "action_params"},
		{act("assign_agent", 99999.0), "action_params"},
		{act("assign_agent", "someone"), "action_params"},
		{act("assign_team", 4242.0), "action_params"},
		{act("assign_team"), "action_params"},
		{act("remove_assigned_agent", 1.0), "action_params"},
		{act("change_status", "closed"), "action_params"},
		{act("change_priority", "highest"), "action_params"},
		{act("send_message", ""), "action_params"},
		{act("send_message", strings.Repeat("x", 5001)), "action_params"},
		{act("send_canned_response", 777.0), "action_params"},
		{act("add_private_note"), "action_params"},
		{act("archive_conversation"), "action_name"},
	}
	for _, b := range bad {
		_, err := s.CreateMacro(ctx, e.agent, replies.MacroInput{Name: str("m"), Actions: acts(act("add_label", "billing"), act("change_status", "open"), b.action)})
		fieldErr(t, err, apperr.Invalid, "actions[2]."+b.field)
	}

	good := acts(
		act("add_label", "Billing"), act("remove_label", "billing"), act("assign_agent", float64(e.agent2.UserID)),
		act("assign_agent", "self"), act("assign_team", float64(team.ID)), act("remove_assigned_agent"),
		act("remove_assigned_team"), act("change_status", "resolved"), act("change_priority", "none"),
		act("change_priority", nil), act("send_message", "Hi {{contact.first_name}}"),
		act("send_canned_response", float64(canned.ID)), act("add_private_note", "checked"),
	)
	mine, err := s.CreateMacro(ctx, e.agent, replies.MacroInput{Name: str("Close as billing"), Actions: good})
	if err != nil {
		t.Fatal(err)
	}
	if mine.Visibility != replies.Personal || mine.CreatedBy != e.agent.UserID || len(mine.Actions) != 13 || mine.Actions[0].Params[0] != "billing" {
		t.Fatalf("personal macro: %+v", mine)
	}

	// Global macros are the administrators'.
	if _, err := s.CreateMacro(ctx, e.agent, replies.MacroInput{Name: str("Global"), Visibility: str("global"), Actions: acts(act("change_status", "open"))}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent global: %v", err)
	}
	_, err = s.CreateMacro(ctx, e.admin, replies.MacroInput{Name: str("x"), Visibility: str("team"), Actions: acts(act("change_status", "open"))})
	fieldErr(t, err, apperr.Invalid, "visibility")
	global, err := s.CreateMacro(ctx, e.admin, replies.MacroInput{Name: str("Reopen"), Visibility: str("global"), Actions: acts(act("change_status", "open"))})
	if err != nil {
		t.Fatal(err)
	}

	names := func(a access.Actor) string {
		t.Helper()
		l, err := s.ListMacros(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, m := range l {
			n = append(n, m.Name)
		}
		return strings.Join(n, ",")
	}
	if got := names(e.agent); got != "Close as billing,Reopen" {
		t.Fatalf("author sees: %s", got)
	}
	if got := names(e.agent2); got != "Reopen" {
		t.Fatalf("another agent sees: %s", got)
	}
	if got := names(e.admin); got != "Reopen" {
		t.Fatalf("admin sees: %s", got)
	}

	// Someone else's personal macro does not exist for them, admins included.
	for _, a := range []access.Actor{e.agent2, e.admin} {
		if _, err := s.GetMacro(ctx, a, mine.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("get other's personal: %v", err)
		}
		if _, err := s.UpdateMacro(ctx, a, mine.ID, replies.MacroInput{Name: str("x")}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("update other's personal: %v", err)
		}
		if err := s.DeleteMacro(ctx, a, mine.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("delete other's personal: %v", err)
		}
		if _, err := s.Execute(ctx, a, mine.ID, []uint64{1}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("execute other's personal: %v", err)
		}
	}
	// Agents run global macros but do not change them.
	if _, err := s.UpdateMacro(ctx, e.agent, global.ID, replies.MacroInput{Name: str("x")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent updates global: %v", err)
	}
	if err := s.DeleteMacro(ctx, e.agent, global.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent deletes global: %v", err)
	}
	// The author edits their own; an invalid update writes nothing.
	_, err = s.UpdateMacro(ctx, e.agent, mine.ID, replies.MacroInput{Name: str("Renamed"), Actions: acts(act("change_status", "gone"))})
	fieldErr(t, err, apperr.Invalid, "actions[0].action_params")
	if m, _ := s.GetMacro(ctx, e.agent, mine.ID); m.Name != "Close as billing" {
		t.Fatalf("invalid update wrote the name: %q", m.Name)
	}
	if m, err := s.UpdateMacro(ctx, e.agent, mine.ID, replies.MacroInput{Name: str("Renamed")}); err != nil || m.Name != "Renamed" || len(m.Actions) != 13 {
		t.Fatalf("author update: %+v %v", m, err)
	}
	if _, err := s.Execute(ctx, e.agent, mine.ID, nil); fieldErr(t, err, apperr.Invalid, "conversation_ids") == "" {
		t.Fatal("unreachable")
	}
	if err := s.DeleteMacro(ctx, e.agent, mine.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMacro(ctx, e.admin, global.ID); err != nil {
		t.Fatal(err)
	}
	if got := names(e.agent); got != "" {
		t.Fatalf("after deletes: %s", got)
	}
}
