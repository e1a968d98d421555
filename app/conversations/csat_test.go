package conversations

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// TestCSATSurveyAndResponses: resolving sends one survey per resolution in the account's
// language; the contact's answer is stored once per survey (a second answer updates it), shows
// on the survey message and reaches the report and its summary.
func TestCSATSurveyAndResponses(t *testing.T) {
	start := time.Date(2025, 6, 2, 13, 0, 0, 0, time.UTC)
	f := h3New(t, start, "America/Sao_Paulo", "pt-BR", func(_ *accounts.Account, in *inboxes.Inbox) { in.CSATEnabled = true })
	ctx := context.Background()
	c := f.start("oi")
	c = f.status(c, Resolved, nil)
	f.status(c, Resolved, nil) // no change: no second survey
	surveys := f.automatedOf(c, AutoCSAT)
	if len(surveys) != 1 {
		t.Fatalf("%d surveys", len(surveys))
	}
	sv := surveys[0]
	if sv.ContentType != "input_csat" || sv.Content != "Como você avalia o atendimento?" || sv.ContentAttributes["survey_url"] != "/survey/responses/"+c.Token || sv.Type != Outgoing {
		t.Fatalf("survey message: %+v", sv)
	}

	info, err := f.s.SurveyInfo(ctx, c.Token)
	if err != nil || info.AccountName != "Padaria Pão Quente" || info.Language != "pt-BR" || info.Rating != 0 {
		t.Fatalf("survey info: %+v %v", info, err)
	}
	if _, err := f.s.SurveyInfo(ctx, "nope"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	if _, err := f.s.SubmitCSAT(ctx, c.Token, 6, ""); fieldOf(err, "rating") == "" {
		t.Fatalf("rating 6: %v", err)
	}
	if _, err := f.s.SubmitCSAT(ctx, c.Token, 4, strings.Repeat("x", 1001)); fieldOf(err, "feedback_message") == "" {
		t.Fatalf("long comment: %v", err)
	}
	if _, err := f.s.SubmitCSAT(ctx, "nope", 4, ""); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	r1, err := f.s.SubmitCSAT(ctx, c.Token, 5, " Ótimo ")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.s.SubmitCSAT(ctx, c.Token, 3, "mudei de ideia")
	if err != nil || r2.ID != r1.ID || r2.Rating != 3 || r2.MessageID != sv.ID || r2.ContactID != f.contID {
		t.Fatalf("second answer: %+v %v", r2, err)
	}
	if info, _ := f.s.SurveyInfo(ctx, c.Token); info.Rating != 3 || info.Comment != "mudei de ideia" {
		t.Fatalf("survey info after answering: %+v", info)
	}
	if evs := f.events(EventCSATReceived); len(evs) != 2 {
		t.Fatalf("%d csat_received events", len(evs))
	} else {
		var ev csatEvent
		json.Unmarshal(evs[1].Data, &ev)
		if ev.Conversation.ID != c.ID || ev.Response == nil || ev.Response.Rating != 3 {
			t.Fatalf("csat event: %+v", ev)
		}
	}
	var shown *Message
	f.db.View(func(tx *storage.Tx) (err error) { shown, err = Messages.Get(tx, c.AccountID, sv.ID); return err })
	if sub, _ := shown.ContentAttributes["submitted_values"].(map[string]any); sub == nil {
		t.Fatalf("survey message does not show the answer: %+v", shown.ContentAttributes)
	}

	// Reopen and resolve again: a second survey; the answer goes to it.
	f.clock.Set(start.Add(time.Hour))
	c = f.status(c, Open, nil)
	c = f.status(c, Resolved, nil)
	if n := len(f.automatedOf(c, AutoCSAT)); n != 2 {
		t.Fatalf("%d surveys after the second resolution", n)
	}
	if _, err := f.s.SubmitCSAT(ctx, c.Token, 5, ""); err != nil {
		t.Fatal(err)
	}
	c2 := f.start("outra")
	f.status(c2, Resolved, nil) // sent, never answered

	page, err := f.s.ListCSAT(ctx, f.admin, CSATFilter{}, 1)
	if err != nil || page.Total != 2 || len(page.Items) != 2 || page.Items[0].Rating != 5 || page.Items[1].ConversationID != c.DisplayID ||
		page.Items[1].ContactName != "Carla Cliente" {
		t.Fatalf("report: %+v %v", page, err)
	}
	if page, _ := f.s.ListCSAT(ctx, f.admin, CSATFilter{Rating: 3}, 1); page.Total != 1 {
		t.Fatalf("rating filter: %+v", page)
	}
	since := start.Add(30 * time.Minute)
	if page, _ := f.s.ListCSAT(ctx, f.admin, CSATFilter{Since: &since}, 1); page.Total != 1 || page.Items[0].Rating != 5 {
		t.Fatalf("since filter: %+v", page)
	}
	sum, err := f.s.CSATSummary(ctx, f.admin, CSATFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Count != 2 || sum.Average != 4 || sum.Distribution["3"] != 1 || sum.Distribution["5"] != 1 || sum.Satisfaction != 50 || sum.SurveysSent != 3 || sum.ResponseRate != 66.67 {
		t.Fatalf("summary: %+v", sum)
	}
	noReports := access.Actor{UserID: f.agent.UserID, AccountID: f.acct.ID, Role: access.Agent, Permissions: map[string]access.Level{"conversations": access.None}}
	if _, err := f.s.CSATSummary(ctx, noReports, CSATFilter{}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent without reports: %v", err)
	}
	if _, err := f.s.ListCSAT(ctx, f.agent, CSATFilter{}, 1); err != nil {
		t.Fatalf("agent with reports view: %v", err)
	}
}

// TestCSATWaitsForQuietHours: a survey on a resolution at night is sent when the quiet period
// ends, and not at all if the conversation was reopened meanwhile.
func TestCSATWaitsForQuietHours(t *testing.T) {
	f := h3New(t, time.Time{}, "Europe/Lisbon", "en", func(a *accounts.Account, in *inboxes.Inbox) {
		in.CSATEnabled = true
		a.DoNotDisturb = accounts.DoNotDisturb{Enabled: true, Start: "21:00", End: "08:00"}
	})
	f.clock.Set(f.local(2025, 6, 2, 22, 0))
	c := f.start("hi")
	f.status(c, Resolved, nil)
	c2 := f.start("another")
	f.status(c2, Resolved, nil)
	f.clock.Set(f.local(2025, 6, 2, 23, 0))
	f.status(c2, Open, nil)
	if n := len(f.automatedOf(c, AutoCSAT)); n != 0 {
		t.Fatalf("survey sent at night: %d", n)
	}
	f.advance(f.local(2025, 6, 3, 8, 5))
	got := f.automatedOf(c, AutoCSAT)
	if len(got) != 1 || got[0].Content != "Please rate the conversation" {
		t.Fatalf("surveys after the night: %+v", got)
	}
	if n := len(f.automatedOf(c2, AutoCSAT)); n != 0 {
		t.Fatalf("survey sent for a reopened conversation: %d", n)
	}
	if _, err := f.s.SubmitCSAT(context.Background(), f.conv(c2).Token, 4, ""); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("answer without a survey: %v", err)
	}
}
