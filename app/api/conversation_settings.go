package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/parleyhq/parley/app/ratelimit"
	"html/template"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/conversations"
)

// The automated and settings side of conversations: account labels, SLA policies, scheduled
// messages, and CSAT reports with the public survey page.

type (
	labelsOutput struct {
		Body struct {
			Payload []conversations.Label `json:"payload"`
		}
	}
	labelOutput struct {
		Status int
		Body   *conversations.Label
	}
	slaPoliciesOutput struct {
		Body struct {
			Payload []conversations.SLAPolicy `json:"payload"`
		}
	}
	slaPolicyOutput struct {
		Status int
		Body   *conversations.SLAPolicy
	}
	conversationOutput struct {
		Body *conversations.ConversationView
	}
	scheduledListOutput struct {
		Body struct {
			Payload []conversations.ScheduledMessage `json:"payload"`
		}
	}
	scheduledOutput struct {
		Status int
		Body   *conversations.ScheduledMessage
	}
	csatListOutput       struct{ Body *conversations.CSATPage }
	csatMetricsOutput    struct{ Body *conversations.CSATSummary }
	conversationItemPath struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		ID             uint64 `path:"id"`
	}
	csatQuery struct {
		AccountID  uint64 `path:"account_id"`
		Since      int64  `query:"since" doc:"Unix seconds: responses from this moment"`
		Until      int64  `query:"until" doc:"Unix seconds: responses before this moment"`
		InboxID    uint64 `query:"inbox_id"`
		AssigneeID uint64 `query:"assignee_id"`
		Rating     int    `query:"rating" doc:"Only responses with this rating (1–5)"`
		Page       int    `query:"page" doc:"1-based page of 25"`
	}
)

func (q csatQuery) filter() conversations.CSATFilter {
	f := conversations.CSATFilter{InboxID: q.InboxID, AssigneeID: q.AssigneeID, Rating: q.Rating}
	if q.Since > 0 {
		t := time.Unix(q.Since, 0).UTC()
		f.Since = &t
	}
	if q.Until > 0 {
		t := time.Unix(q.Until, 0).UTC()
		f.Until = &t
	}
	return f
}

// displayScheduled shows a scheduled message with its conversation's display number, the id
// every route uses.
func displayScheduled(m *conversations.ScheduledMessage, display uint64) *conversations.ScheduledMessage {
	if m != nil {
		m.ConversationID = display
	}
	return m
}

func (s *Server) registerConversationSettings() {
	mod := map[string]any{"module": "conversations"}
	base := "/api/v1/accounts/{account_id}"

	tags := []string{"Labels"}
	register(s, huma.Operation{OperationID: "labels-list", Method: http.MethodGet, Path: base + "/labels", Summary: "The account's conversation labels", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *accountPath) (*labelsOutput, error) {
			l, err := s.Conversations.ListLabels(ctx, actorOf(ctx))
			out := &labelsOutput{}
			out.Body.Payload = l
			return out, err
		})
	type labelCreate struct {
		AccountID uint64 `path:"account_id"`
		Body      conversations.LabelInput
	}
	register(s, huma.Operation{OperationID: "labels-create", Method: http.MethodPost, Path: base + "/labels", Summary: "Create a label (administrators)", Tags: tags, Metadata: mod, DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *labelCreate) (*labelOutput, error) {
			l, err := s.Conversations.CreateLabel(ctx, actorOf(ctx), in.Body)
			return &labelOutput{Status: 201, Body: l}, err
		})
	register(s, huma.Operation{OperationID: "labels-get", Method: http.MethodGet, Path: base + "/labels/{id}", Summary: "A label", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*labelOutput, error) {
			l, err := s.Conversations.GetLabel(ctx, actorOf(ctx), in.ID)
			return &labelOutput{Status: 200, Body: l}, err
		})
	type labelUpdate struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      conversations.LabelInput
	}
	register(s, huma.Operation{OperationID: "labels-update", Method: http.MethodPatch, Path: base + "/labels/{id}", Summary: "Change a label (administrators); a new title is carried over to its conversations", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *labelUpdate) (*labelOutput, error) {
			l, err := s.Conversations.UpdateLabel(ctx, actorOf(ctx), in.ID, in.Body)
			return &labelOutput{Status: 200, Body: l}, err
		})
	register(s, huma.Operation{OperationID: "labels-delete", Method: http.MethodDelete, Path: base + "/labels/{id}", Summary: "Delete a label (administrators) and take it off every conversation", Tags: tags, Metadata: mod, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Conversations.DeleteLabel(ctx, actorOf(ctx), in.ID)
		})

	tags = []string{"SLA"}
	register(s, huma.Operation{OperationID: "sla-policies-list", Method: http.MethodGet, Path: base + "/sla_policies", Summary: "The account's SLA policies", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *accountPath) (*slaPoliciesOutput, error) {
			l, err := s.Conversations.ListSLAPolicies(ctx, actorOf(ctx))
			out := &slaPoliciesOutput{}
			out.Body.Payload = l
			return out, err
		})
	type slaCreate struct {
		AccountID uint64 `path:"account_id"`
		Body      conversations.SLAPolicyInput
	}
	register(s, huma.Operation{OperationID: "sla-policies-create", Method: http.MethodPost, Path: base + "/sla_policies", Summary: "Create an SLA policy (administrators); targets in minutes, 0 for none", Tags: tags, Metadata: mod, DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *slaCreate) (*slaPolicyOutput, error) {
			p, err := s.Conversations.CreateSLAPolicy(ctx, actorOf(ctx), in.Body)
			return &slaPolicyOutput{Status: 201, Body: p}, err
		})
	register(s, huma.Operation{OperationID: "sla-policies-get", Method: http.MethodGet, Path: base + "/sla_policies/{id}", Summary: "An SLA policy", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*slaPolicyOutput, error) {
			p, err := s.Conversations.GetSLAPolicy(ctx, actorOf(ctx), in.ID)
			return &slaPolicyOutput{Status: 200, Body: p}, err
		})
	type slaUpdate struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      conversations.SLAPolicyInput
	}
	register(s, huma.Operation{OperationID: "sla-policies-update", Method: http.MethodPatch, Path: base + "/sla_policies/{id}", Summary: "Change an SLA policy (administrators)", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *slaUpdate) (*slaPolicyOutput, error) {
			p, err := s.Conversations.UpdateSLAPolicy(ctx, actorOf(ctx), in.ID, in.Body)
			return &slaPolicyOutput{Status: 200, Body: p}, err
		})
	register(s, huma.Operation{OperationID: "sla-policies-delete", Method: http.MethodDelete, Path: base + "/sla_policies/{id}", Summary: "Delete an SLA policy (administrators)", Tags: tags, Metadata: mod, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*noContent, error) {
			return &noContent{Status: 204}, s.Conversations.DeleteSLAPolicy(ctx, actorOf(ctx), in.ID)
		})
	type slaApply struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Body           struct {
			SLAPolicyID uint64 `json:"sla_policy_id" doc:"The policy to apply; 0 removes the conversation's SLA"`
		}
	}
	register(s, huma.Operation{OperationID: "conversation-sla-apply", Method: http.MethodPost, Path: base + "/conversations/{conversation_id}/sla", Summary: "Apply an SLA policy to a conversation (0 removes it)", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *slaApply) (*conversationOutput, error) {
			c, err := s.Conversations.ApplySLA(ctx, actorOf(ctx), in.ConversationID, in.Body.SLAPolicyID)
			return &conversationOutput{c}, err
		})

	tags = []string{"Scheduled messages"}
	type convPath struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
	}
	register(s, huma.Operation{OperationID: "scheduled-messages-list", Method: http.MethodGet, Path: base + "/conversations/{conversation_id}/scheduled_messages", Summary: "A conversation's scheduled messages (every state)", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *convPath) (*scheduledListOutput, error) {
			l, err := s.Conversations.ListScheduled(ctx, actorOf(ctx), in.ConversationID)
			for i := range l {
				displayScheduled(&l[i], in.ConversationID)
			}
			out := &scheduledListOutput{}
			out.Body.Payload = l
			return out, err
		})
	type scheduleCreate struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Body           conversations.ScheduleInput
	}
	register(s, huma.Operation{OperationID: "scheduled-messages-create", Method: http.MethodPost, Path: base + "/conversations/{conversation_id}/scheduled_messages", Summary: "Schedule a message (or a private note) to be sent at send_at", Tags: tags, Metadata: mod, DefaultStatus: 201}, authAccount,
		func(ctx context.Context, in *scheduleCreate) (*scheduledOutput, error) {
			m, err := s.Conversations.ScheduleMessage(ctx, actorOf(ctx), in.ConversationID, in.Body)
			return &scheduledOutput{Status: 201, Body: displayScheduled(m, in.ConversationID)}, err
		})
	type scheduleUpdate struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		ID             uint64 `path:"id"`
		Body           conversations.ScheduleInput
	}
	register(s, huma.Operation{OperationID: "scheduled-messages-update", Method: http.MethodPatch, Path: base + "/conversations/{conversation_id}/scheduled_messages/{id}", Summary: "Change a scheduled message that has not been sent", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *scheduleUpdate) (*scheduledOutput, error) {
			m, err := s.Conversations.UpdateScheduled(ctx, actorOf(ctx), in.ConversationID, in.ID, in.Body)
			return &scheduledOutput{Status: 200, Body: displayScheduled(m, in.ConversationID)}, err
		})
	register(s, huma.Operation{OperationID: "scheduled-messages-cancel", Method: http.MethodDelete, Path: base + "/conversations/{conversation_id}/scheduled_messages/{id}", Summary: "Cancel a scheduled message that has not been sent", Tags: tags, Metadata: mod, DefaultStatus: 204}, authAccount,
		func(ctx context.Context, in *conversationItemPath) (*noContent, error) {
			_, err := s.Conversations.CancelScheduled(ctx, actorOf(ctx), in.ConversationID, in.ID)
			return &noContent{Status: 204}, err
		})

	tags = []string{"CSAT"}
	register(s, huma.Operation{OperationID: "csat-responses-list", Method: http.MethodGet, Path: base + "/csat_survey_responses", Summary: "Satisfaction survey responses, newest first", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *csatQuery) (*csatListOutput, error) {
			p, err := s.Conversations.ListCSAT(ctx, actorOf(ctx), in.filter(), in.Page)
			return &csatListOutput{p}, err
		})
	register(s, huma.Operation{OperationID: "csat-responses-metrics", Method: http.MethodGet, Path: base + "/csat_survey_responses/metrics", Summary: "Satisfaction summary: count, average, ratings, satisfaction and response rate", Tags: tags, Metadata: mod}, authAccount,
		func(ctx context.Context, in *csatQuery) (*csatMetricsOutput, error) {
			m, err := s.Conversations.CSATSummary(ctx, actorOf(ctx), in.filter())
			return &csatMetricsOutput{m}, err
		})

	// The public survey: the page a contact opens from the survey message, and its JSON calls.
	limit := ratelimit.New(10, 6*time.Second)
	s.mux.HandleFunc("GET /survey/responses/{token}", s.surveyPage)
	s.mux.HandleFunc("GET /public/api/v1/csat_survey/{token}", func(w http.ResponseWriter, r *http.Request) {
		info, err := s.Conversations.SurveyInfo(r.Context(), r.PathValue("token"))
		if err != nil {
			s.writePlainErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, info)
	})
	s.mux.HandleFunc("POST /public/api/v1/csat_survey/{token}", func(w http.ResponseWriter, r *http.Request) {
		if !limit.Allow(ratelimit.AddressKey(clientIP(r.RemoteAddr))) {
			w.Header().Set("Retry-After", "6")
			writeProblem(w, http.StatusTooManyRequests, "too many answers from this address; wait a moment and try again")
			return
		}
		var body struct {
			Rating  int    `json:"rating"`
			Comment string `json:"feedback_message"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 16<<10)).Decode(&body); err != nil {
			s.writePlainErr(w, apperr.Field("rating", "send JSON: {\"rating\": 1-5, \"feedback_message\": \"…\"}"))
			return
		}
		resp, err := s.Conversations.SubmitCSAT(r.Context(), r.PathValue("token"), body.Rating, body.Comment)
		if err != nil {
			s.writePlainErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"rating": resp.Rating, "feedback_message": resp.Comment})
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writePlainErr writes a service error as problem+json from a handler outside huma, with the
// same field locations (body.<field>) as the API's.
func (s *Server) writePlainErr(w http.ResponseWriter, err error) {
	status, msg := s.classify(err)
	out := map[string]any{"status": status, "title": http.StatusText(status), "detail": msg}
	var errs []map[string]string
	for _, d := range detailsOf(err) {
		if e, ok := d.(*huma.ErrorDetail); ok {
			errs = append(errs, map[string]string{"location": e.Location, "message": e.Message})
		}
	}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(out)
}

// surveyText is the page's wording in one language.
type surveyText struct {
	Lang, Title, Subtitle, Comment, Send, Sending, Thanks, ThanksSub, Change, Error, Invalid string
	Ratings                                                                                  [5]string
}

var surveyTexts = map[string]surveyText{
	"en": {Lang: "en", Title: "How was your conversation with %s?", Subtitle: "Tap a rating. It takes a second and helps the team a lot.",
		Comment: "Anything you'd like to tell us? (optional)", Send: "Send rating", Sending: "Sending…", Thanks: "Thank you for your feedback!",
		ThanksSub: "Your rating was recorded.", Change: "Change my answer", Error: "Something went wrong. Please try again.",
		Invalid: "This survey link is not valid or has expired.", Ratings: [5]string{"Very bad", "Bad", "Okay", "Good", "Excellent"}},
	"pt-BR": {Lang: "pt-BR", Title: "Como foi seu atendimento com %s?", Subtitle: "Toque em uma nota. Leva um segundo e ajuda muito a equipe.",
		Comment: "Quer nos contar algo mais? (opcional)", Send: "Enviar avaliação", Sending: "Enviando…", Thanks: "Obrigado pela sua avaliação!",
		ThanksSub: "Sua nota foi registrada.", Change: "Alterar minha resposta", Error: "Algo deu errado. Tente novamente.",
		Invalid: "Este link de pesquisa não é válido ou expirou.", Ratings: [5]string{"Muito ruim", "Ruim", "Regular", "Bom", "Excelente"}},
}

// surveyPage serves the public CSAT page: plain HTML with inline style and script (allowed by a
// per-response nonce), in the account's language.
func (s *Server) surveyPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	info, err := s.Conversations.SurveyInfo(r.Context(), token)
	status := http.StatusOK
	text := surveyTexts["en"]
	if err != nil {
		status = http.StatusNotFound
		if !apperr.Is(err, apperr.NotFound) {
			s.Logger.Error("survey page", "err", err)
			status = http.StatusInternalServerError
		}
		info = &conversations.SurveyInfo{}
	} else if t, ok := surveyTexts[info.Language]; ok {
		text = t
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	n := base64.StdEncoding.EncodeToString(nonce)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+n+"'; script-src 'nonce-"+n+"'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	surveyTemplate.Execute(w, map[string]any{"T": text, "Info": info, "Token": token, "Nonce": n, "Found": err == nil,
		"Title": fmt.Sprintf(text.Title, info.AccountName)})
}

var surveyTemplate = template.Must(template.New("survey").Parse(`<!doctype html>
<html lang="{{.T.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.T.Thanks}}</title>
<style nonce="{{.Nonce}}">
  :root { --accent: #1f6feb; --ink: #1c2430; --muted: #5b6675; --card: #fff; --bg: #f3f5f9; --line: #dfe4ec; }
  @media (prefers-color-scheme: dark) { :root { --ink: #e8ecf2; --muted: #9aa5b4; --card: #1b2129; --bg: #11151a; --line: #2c3440; } }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--ink);
         font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; padding: 1rem; }
  main { width: 100%; max-width: 34rem; background: var(--card); border: 1px solid var(--line); border-radius: 16px;
         padding: 2rem 1.5rem; box-shadow: 0 10px 30px rgba(0,0,0,.06); text-align: center; }
  h1 { font-size: 1.35rem; margin: 0 0 .4rem; }
  p.sub { color: var(--muted); margin: 0 0 1.5rem; }
  .ratings { display: grid; grid-template-columns: repeat(5, 1fr); gap: .5rem; margin-bottom: 1.25rem; }
  .ratings button { appearance: none; border: 2px solid var(--line); background: transparent; color: var(--ink); border-radius: 12px;
         padding: .7rem .2rem .5rem; cursor: pointer; font: inherit; transition: transform .1s, border-color .1s, background .1s; }
  .ratings button:hover { transform: translateY(-2px); border-color: var(--accent); }
  .ratings button[aria-pressed="true"] { border-color: var(--accent); background: color-mix(in srgb, var(--accent) 12%, transparent); }
  .ratings .face { display: block; font-size: 2rem; line-height: 1.1; }
  .ratings .label { display: block; font-size: .75rem; color: var(--muted); margin-top: .25rem; }
  textarea { width: 100%; min-height: 6rem; resize: vertical; border: 1px solid var(--line); border-radius: 10px; padding: .7rem;
         font: inherit; color: var(--ink); background: transparent; margin-bottom: 1rem; }
  .send { width: 100%; border: 0; border-radius: 10px; padding: .8rem 1rem; font: inherit; font-weight: 600; color: #fff;
         background: var(--accent); cursor: pointer; }
  .send:disabled { opacity: .5; cursor: default; }
  .link { background: none; border: 0; color: var(--accent); cursor: pointer; font: inherit; text-decoration: underline; margin-top: 1rem; }
  .error { color: #c62828; min-height: 1.5em; margin: .5rem 0 0; }
  .done .big { font-size: 3rem; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<main>
{{if .Found}}
  <section id="form">
    <h1>{{.Title}}</h1>
    <p class="sub">{{.T.Subtitle}}</p>
    <div class="ratings" role="group" aria-label="{{.T.Subtitle}}">
      {{range $i, $label := .T.Ratings}}<button type="button" data-rating="{{$i}}" aria-pressed="false"><span class="face" aria-hidden="true"></span><span class="label">{{$label}}</span></button>{{end}}
    </div>
    <textarea id="comment" maxlength="1000" placeholder="{{.T.Comment}}" aria-label="{{.T.Comment}}">{{.Info.Comment}}</textarea>
    <button class="send" id="send" type="button" disabled>{{.T.Send}}</button>
    <p class="error" id="error" role="alert"></p>
  </section>
  <section id="done" class="done" hidden>
    <div class="big" id="doneFace" aria-hidden="true"></div>
    <h1>{{.T.Thanks}}</h1>
    <p class="sub">{{.T.ThanksSub}}</p>
    <button class="link" id="change" type="button">{{.T.Change}}</button>
  </section>
{{else}}
  <h1>{{.T.Invalid}}</h1>
{{end}}
</main>
{{if .Found}}
<script nonce="{{.Nonce}}">
(function () {
  var token = {{.Token}}, existing = {{.Info.Rating}}, text = {sending: {{.T.Sending}}, send: {{.T.Send}}, error: {{.T.Error}}};
  var faces = ["\u{1F61E}", "\u{1F641}", "\u{1F610}", "\u{1F642}", "\u{1F60D}"];
  var buttons = document.querySelectorAll(".ratings button"), send = document.getElementById("send");
  var comment = document.getElementById("comment"), error = document.getElementById("error");
  var rating = existing;
  buttons.forEach(function (b, i) {
    b.querySelector(".face").textContent = faces[i];
    b.addEventListener("click", function () { rating = i + 1; paint(); });
  });
  function paint() {
    buttons.forEach(function (b, i) { b.setAttribute("aria-pressed", String(i + 1 === rating)); });
    send.disabled = !rating;
  }
  function show(done) {
    document.getElementById("form").hidden = done;
    document.getElementById("done").hidden = !done;
    if (done) document.getElementById("doneFace").textContent = faces[rating - 1];
  }
  send.addEventListener("click", function () {
    if (!rating) return;
    send.disabled = true; send.textContent = text.sending; error.textContent = "";
    fetch("/public/api/v1/csat_survey/" + encodeURIComponent(token), {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({rating: rating, feedback_message: comment.value})
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      show(true);
    }).catch(function () { error.textContent = text.error; })
      .finally(function () { send.textContent = text.send; paint(); });
  });
  document.getElementById("change").addEventListener("click", function () { show(false); });
  paint();
  if (existing) show(true);
})();
</script>
{{end}}
</body>
</html>`))
