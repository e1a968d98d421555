package conversations

import (
	"context"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// The CSAT survey: when an inbox with the survey on resolves a conversation, the contact gets a
// message with a link to a public page (/survey/responses/<conversation token>) where they rate
// the conversation from 1 to 5 and may leave a comment.

// csatSurvey records one survey sent. Public pages know no account, so surveys are kept
// installation-wide, found by the conversation's unguessable token; they also count the surveys
// sent for the response rate.
type csatSurvey struct {
	ID             uint64    `json:"id"`
	AccountID      uint64    `json:"account_id"`
	Token          string    `json:"token"`
	ConversationID uint64    `json:"conversation_id"`
	MessageID      uint64    `json:"message_id"`
	InboxID        uint64    `json:"inbox_id"`
	AssigneeID     uint64    `json:"assignee_id"`
	SentAt         time.Time `json:"sent_at"`
}

// csatSurveys: "token" finds a conversation's surveys (latest last), "sent" counts an account's
// surveys over a period.
var csatSurveys = storage.NewCollection(storage.Def[csatSurvey]{
	Name:    "csat_surveys",
	ID:      func(v *csatSurvey) *uint64 { return &v.ID },
	Account: func(*csatSurvey) uint64 { return 0 },
	Indexes: []storage.Index[csatSurvey]{
		{Name: "token", Keys: func(v *csatSurvey) [][]byte { return [][]byte{storage.Str(v.Token)} }},
		{Name: "sent", Keys: func(v *csatSurvey) [][]byte {
			return [][]byte{storage.Key(storage.Uint(v.AccountID), storage.Time(v.SentAt))}
		}},
	},
})

// SurveyPath is the public page of a conversation's survey.
func SurveyPath(token string) string { return "/survey/responses/" + token }

// csatOnStatus sends the survey when a conversation of an inbox with CSAT on is resolved: once
// per resolution, held back by do-not-disturb like every automated message.
func (s *Service) csatOnStatus(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation, old Status) error {
	if in == nil || !in.CSATEnabled || c.Status != Resolved || old == Resolved {
		return nil
	}
	if c.Token == "" {
		c.Token = newToken()
		if err := s.putConversation(tx, c); err != nil {
			return err
		}
	}
	return s.sendAutomated(tx, acct, c, automated{Kind: AutoCSAT, ContentType: "input_csat",
		Content:    lang(acct, "Please rate the conversation", "Como você avalia o atendimento?"),
		Attributes: map[string]any{"survey_url": SurveyPath(c.Token)}})
}

// recordSurvey remembers a survey message just sent.
func (s *Service) recordSurvey(tx *storage.Tx, c *Conversation, m *Message) error {
	return csatSurveys.Put(tx, &csatSurvey{AccountID: c.AccountID, Token: c.Token, ConversationID: c.ID, MessageID: m.ID,
		InboxID: c.InboxID, AssigneeID: c.AssigneeID, SentAt: m.CreatedAt})
}

// latestSurvey finds the most recent survey of the conversation with this token.
func latestSurvey(tx *storage.Tx, token string) (*csatSurvey, error) {
	if strings.TrimSpace(token) == "" {
		return nil, apperr.NotFoundf("survey not found")
	}
	page, err := csatSurveys.Scan(tx, 0, storage.Query{Index: "token", Prefix: storage.Str(token), Reverse: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(page.Items) == 0 {
		return nil, apperr.NotFoundf("survey not found")
	}
	return &page.Items[0], nil
}

// SurveyInfo is what the public survey page shows.
type SurveyInfo struct {
	AccountName string `json:"account_name"`
	Language    string `json:"language"`
	// Rating and Comment are the answer already given (0: none yet).
	Rating  int    `json:"rating"`
	Comment string `json:"feedback_message"`
}

// SurveyInfo returns the public survey page's data for a conversation token.
func (s *Service) SurveyInfo(ctx context.Context, token string) (*SurveyInfo, error) {
	var info *SurveyInfo
	err := s.DB.View(func(tx *storage.Tx) error {
		sv, err := latestSurvey(tx, token)
		if err != nil {
			return err
		}
		acct, err := accounts.Accounts.Get(tx, 0, sv.AccountID)
		if err != nil {
			return apperr.NotFoundf("survey not found")
		}
		info = &SurveyInfo{AccountName: acct.Name, Language: acct.Language}
		if info.Language == "" {
			info.Language = "en"
		}
		if r, err := CSATResponses.GetBy(tx, sv.AccountID, "message", storage.Uint(sv.MessageID)); err == nil {
			info.Rating, info.Comment = r.Rating, r.Comment
		}
		return nil
	})
	return info, err
}

// csatEvent is the payload of csat_received.
type csatEvent struct {
	EventData
	Response *CSATResponse `json:"csat_response"`
}

// SubmitCSAT stores the contact's answer to the latest survey of the conversation with this
// token: one response per survey, a second submission updates it.
func (s *Service) SubmitCSAT(ctx context.Context, token string, rating int, comment string) (*CSATResponse, error) {
	var fe apperr.Fields
	if rating < 1 || rating > 5 {
		fe.Add("rating", "must be from 1 to 5")
	}
	comment = strings.TrimSpace(comment)
	if len([]rune(comment)) > 1000 {
		fe.Add("feedback_message", "must be at most 1000 characters")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var r *CSATResponse
	err := s.DB.Update(func(tx *storage.Tx) error {
		sv, err := latestSurvey(tx, token)
		if err != nil {
			return err
		}
		c, err := Conversations.Get(tx, sv.AccountID, sv.ConversationID)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.NotFoundf("survey not found")
		}
		if err != nil {
			return err
		}
		now := s.now()
		r, err = CSATResponses.GetBy(tx, c.AccountID, "message", storage.Uint(sv.MessageID))
		switch {
		case apperr.Is(err, apperr.NotFound):
			r = &CSATResponse{AccountID: c.AccountID, ConversationID: c.ID, MessageID: sv.MessageID, ContactID: c.ContactID,
				AssigneeID: c.AssigneeID, InboxID: c.InboxID, TeamID: c.TeamID, CreatedAt: now}
		case err != nil:
			return err
		}
		r.Rating, r.Comment, r.UpdatedAt = rating, comment, now
		if err := CSATResponses.Put(tx, r); err != nil {
			return err
		}
		// The survey message shows the answer in the conversation, as Chatwoot's does.
		if m, err := Messages.Get(tx, c.AccountID, sv.MessageID); err == nil {
			if m.ContentAttributes == nil {
				m.ContentAttributes = map[string]any{}
			}
			m.ContentAttributes["submitted_values"] = map[string]any{"csat_survey_response": map[string]any{"rating": rating, "feedback_message": comment}}
			m.UpdatedAt = now
			if err := Messages.Put(tx, m); err != nil {
				return err
			}
			if err := emit(tx, c, EventMessageUpdated, 0, EventData{Message: m}); err != nil {
				return err
			}
		}
		ev := csatEvent{EventData: EventData{Conversation: RefOf(c)}, Response: r}
		return tx.EmitData(storage.Event{Account: c.AccountID, Type: EventCSATReceived, Entity: CSATResponses.Name(), ID: r.ID}, ev)
	})
	return r, err
}

// CSATFilter narrows the CSAT report; zero fields do not filter. Since and Until bound when the
// response (and, for the response rate, the survey) was made.
type CSATFilter struct {
	Since      *time.Time `json:"since,omitempty"`
	Until      *time.Time `json:"until,omitempty"`
	InboxID    uint64     `json:"inbox_id,omitempty"`
	AssigneeID uint64     `json:"assignee_id,omitempty"`
	Rating     int        `json:"rating,omitempty"`
}

func (f CSATFilter) query(prefix []byte) storage.Query {
	q := storage.Query{Index: "created", Prefix: prefix}
	if f.Since != nil {
		q.From = storage.Time(*f.Since)
	}
	if f.Until != nil {
		q.To = storage.Time(*f.Until)
	}
	return q
}

func (f CSATFilter) keep(r *CSATResponse, withRating bool) bool {
	return (f.InboxID == 0 || r.InboxID == f.InboxID) && (f.AssigneeID == 0 || r.AssigneeID == f.AssigneeID) &&
		(!withRating || f.Rating == 0 || r.Rating == f.Rating)
}

func requireReports(actor access.Actor) error {
	if actor.Can("reports", access.View) || actor.Can("conversations", access.View) {
		return nil
	}
	return actor.Require("reports", access.View)
}

// CSATItem is one response in the report, with the names the table shows. ConversationID is the
// conversation's display number.
type CSATItem struct {
	ID              uint64    `json:"id"`
	Rating          int       `json:"rating"`
	Comment         string    `json:"feedback_message"`
	ConversationID  uint64    `json:"conversation_id"`
	InboxID         uint64    `json:"inbox_id"`
	TeamID          uint64    `json:"team_id"`
	ContactID       uint64    `json:"contact_id"`
	ContactName     string    `json:"contact_name"`
	AssignedAgentID uint64    `json:"assigned_agent_id"`
	AgentName       string    `json:"assigned_agent_name"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// CSATPage is one page of the report, newest first.
type CSATPage struct {
	Items []CSATItem `json:"payload"`
	Total int        `json:"total_count"`
	Page  int        `json:"current_page"`
}

// CSATPageSize is the report's page size.
const CSATPageSize = 25

// ListCSAT lists the account's survey responses matching f, newest first; page is 1-based.
func (s *Service) ListCSAT(ctx context.Context, actor access.Actor, f CSATFilter, page int) (*CSATPage, error) {
	if err := requireReports(actor); err != nil {
		return nil, err
	}
	if page < 1 {
		page = 1
	}
	out := &CSATPage{Items: []CSATItem{}, Page: page}
	err := s.DB.View(func(tx *storage.Tx) error {
		q := f.query(nil)
		q.Reverse = true
		var matched []CSATResponse
		err := CSATResponses.Each(tx, actor.AccountID, q, func(r *CSATResponse) bool {
			if f.keep(r, true) {
				matched = append(matched, *r)
			}
			return true
		})
		if err != nil {
			return err
		}
		out.Total = len(matched)
		from := min((page-1)*CSATPageSize, len(matched))
		to := min(from+CSATPageSize, len(matched))
		for _, r := range matched[from:to] {
			it := CSATItem{ID: r.ID, Rating: r.Rating, Comment: r.Comment, InboxID: r.InboxID, TeamID: r.TeamID, ContactID: r.ContactID,
				AssignedAgentID: r.AssigneeID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
			if c, err := Conversations.Get(tx, actor.AccountID, r.ConversationID); err == nil {
				it.ConversationID = c.DisplayID
			}
			if ct, err := contacts.Contacts.Get(tx, actor.AccountID, r.ContactID); err == nil {
				it.ContactName = ct.Name
			}
			if r.AssigneeID != 0 {
				if u, err := auth.Users.Get(tx, 0, r.AssigneeID); err == nil {
					it.AgentName = u.Name
				}
			}
			out.Items = append(out.Items, it)
		}
		return nil
	})
	return out, err
}

// CSATSummary is the report's headline: how many answered, how they rated, how many of the
// surveys sent got an answer.
type CSATSummary struct {
	Count   int     `json:"total_count"`
	Average float64 `json:"average"`
	// Distribution counts the responses per rating, "1" to "5".
	Distribution map[string]int `json:"ratings_count"`
	// Satisfaction is the percentage of responses rated 4 or 5.
	Satisfaction float64 `json:"satisfaction_score"`
	SurveysSent  int     `json:"total_sent_messages_count"`
	// ResponseRate is the percentage of surveys sent that got an answer.
	ResponseRate float64 `json:"response_rate"`
}

// CSATSummary sums up the responses matching f.
func (s *Service) CSATSummary(ctx context.Context, actor access.Actor, f CSATFilter) (*CSATSummary, error) {
	if err := requireReports(actor); err != nil {
		return nil, err
	}
	sum := &CSATSummary{Distribution: map[string]int{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}}
	answered := 0
	err := s.DB.View(func(tx *storage.Tx) error {
		total, happy := 0, 0
		err := CSATResponses.Each(tx, actor.AccountID, f.query(nil), func(r *CSATResponse) bool {
			if !f.keep(r, false) {
				return true
			}
			answered++
			if !f.keep(r, true) || r.Rating < 1 || r.Rating > 5 {
				return true
			}
			sum.Count++
			total += r.Rating
			sum.Distribution[string(rune('0'+r.Rating))]++
			if r.Rating >= 4 {
				happy++
			}
			return true
		})
		if err != nil {
			return err
		}
		if sum.Count > 0 {
			sum.Average = round2(float64(total) / float64(sum.Count))
			sum.Satisfaction = round2(100 * float64(happy) / float64(sum.Count))
		}
		q := storage.Query{Index: "sent", Prefix: storage.Uint(actor.AccountID)}
		if f.Since != nil {
			q.From = storage.Time(*f.Since)
		}
		if f.Until != nil {
			q.To = storage.Time(*f.Until)
		}
		return csatSurveys.Each(tx, 0, q, func(v *csatSurvey) bool {
			if (f.InboxID == 0 || v.InboxID == f.InboxID) && (f.AssigneeID == 0 || v.AssigneeID == f.AssigneeID) {
				sum.SurveysSent++
			}
			return true
		})
	})
	if sum.SurveysSent > 0 {
		sum.ResponseRate = round2(100 * float64(min(answered, sum.SurveysSent)) / float64(sum.SurveysSent))
	}
	return sum, err
}

func round2(v float64) float64 {
	if v < 0 {
		return -round2(-v)
	}
	return float64(int64(v*100+0.5)) / 100
}
