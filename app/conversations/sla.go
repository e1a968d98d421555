package conversations

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// SLA targets, as named in SLAClock.Breaches and in sla_warning / sla_breached events.
const (
	TargetFirstResponse = "first_response"
	TargetNextResponse  = "next_response"
	TargetResolution    = "resolution"
)

// SLA states shown on a conversation.
const (
	SLAOnTrack  = "on_track"
	SLADueSoon  = "due_soon"
	SLABreached = "breached"
	SLAMet      = "met"
)

// jobSLACheck wakes at the next warning or deadline of a conversation's SLA clock.
const jobSLACheck = "sla.check"

// EventSLAPoliciesChanged tells open settings pages that the account's SLA policies changed.
const EventSLAPoliciesChanged = "sla_policies_changed"

// maxSLAMinutes caps a target at a year: anything longer is a typo.
const maxSLAMinutes = 525600

// SLAPolicyInput creates or changes an SLA policy; on update, nil fields are left as they are.
type SLAPolicyInput struct {
	Name                  *string `json:"name,omitempty"`
	Description           *string `json:"description,omitempty"`
	FirstResponseMinutes  *int    `json:"first_response_time_threshold,omitempty"`
	NextResponseMinutes   *int    `json:"next_response_time_threshold,omitempty"`
	ResolutionMinutes     *int    `json:"resolution_time_threshold,omitempty"`
	OnlyDuringBusinessHrs *bool   `json:"only_during_business_hours,omitempty"`
}

func (in SLAPolicyInput) apply(p *SLAPolicy) {
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		p.Description = strings.TrimSpace(*in.Description)
	}
	if in.FirstResponseMinutes != nil {
		p.FirstResponseMinutes = *in.FirstResponseMinutes
	}
	if in.NextResponseMinutes != nil {
		p.NextResponseMinutes = *in.NextResponseMinutes
	}
	if in.ResolutionMinutes != nil {
		p.ResolutionMinutes = *in.ResolutionMinutes
	}
	if in.OnlyDuringBusinessHrs != nil {
		p.OnlyDuringBusinessHrs = *in.OnlyDuringBusinessHrs
	}
}

func validatePolicy(p *SLAPolicy) error {
	var fe apperr.Fields
	switch {
	case p.Name == "":
		fe.Add("name", "is required")
	case len([]rune(p.Name)) > 100:
		fe.Add("name", "must be at most 100 characters")
	}
	if len([]rune(p.Description)) > 1000 {
		fe.Add("description", "must be at most 1000 characters")
	}
	for field, v := range map[string]int{"first_response_time_threshold": p.FirstResponseMinutes,
		"next_response_time_threshold": p.NextResponseMinutes, "resolution_time_threshold": p.ResolutionMinutes} {
		if v < 0 {
			fe.Add(field, "must not be negative")
		} else if v > maxSLAMinutes {
			fe.Add(field, "must be at most a year (525600 minutes)")
		}
	}
	if p.FirstResponseMinutes <= 0 && p.NextResponseMinutes <= 0 && p.ResolutionMinutes <= 0 {
		fe.Add("first_response_time_threshold", "set at least one target (first response, next response or resolution)")
	}
	return fe.Err()
}

// ListSLAPolicies returns the account's SLA policies by name. Agents read them too: the
// conversation view names the applied policy.
func (s *Service) ListSLAPolicies(ctx context.Context, actor access.Actor) ([]SLAPolicy, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	var out []SLAPolicy
	err := s.DB.View(func(tx *storage.Tx) error {
		page, err := SLAPolicies.Scan(tx, actor.AccountID, storage.Query{Index: "name"})
		out = page.Items
		return err
	})
	if out == nil {
		out = []SLAPolicy{}
	}
	return out, err
}

// GetSLAPolicy returns one policy.
func (s *Service) GetSLAPolicy(ctx context.Context, actor access.Actor, id uint64) (*SLAPolicy, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	var p *SLAPolicy
	err := s.DB.View(func(tx *storage.Tx) (err error) {
		p, err = SLAPolicies.Get(tx, actor.AccountID, id)
		return err
	})
	return p, err
}

// CreateSLAPolicy adds a policy (administrators).
func (s *Service) CreateSLAPolicy(ctx context.Context, actor access.Actor, in SLAPolicyInput) (*SLAPolicy, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	p := &SLAPolicy{AccountID: actor.AccountID, CreatedAt: s.now()}
	in.apply(p)
	if err := validatePolicy(p); err != nil {
		return nil, err
	}
	err := s.DB.Update(func(tx *storage.Tx) error {
		if err := SLAPolicies.Put(tx, p); err != nil {
			return err
		}
		return policyEvent(tx, actor, p, "created")
	})
	return p, err
}

// UpdateSLAPolicy changes a policy (administrators). Running clocks keep the deadlines they were
// given; new conversations and restarted clocks use the new targets.
func (s *Service) UpdateSLAPolicy(ctx context.Context, actor access.Actor, id uint64, in SLAPolicyInput) (*SLAPolicy, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var p *SLAPolicy
	err := s.DB.Update(func(tx *storage.Tx) (err error) {
		if p, err = SLAPolicies.Get(tx, actor.AccountID, id); err != nil {
			return err
		}
		in.apply(p)
		if err := validatePolicy(p); err != nil {
			return err
		}
		if err := SLAPolicies.Put(tx, p); err != nil {
			return err
		}
		return policyEvent(tx, actor, p, "updated")
	})
	return p, err
}

// DeleteSLAPolicy removes a policy (administrators). Conversations keep the clocks they have;
// inboxes naming it stop applying it to new conversations.
func (s *Service) DeleteSLAPolicy(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.DB.Update(func(tx *storage.Tx) error {
		p, err := SLAPolicies.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := SLAPolicies.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return policyEvent(tx, actor, p, "deleted")
	})
}

func policyEvent(tx *storage.Tx, actor access.Actor, p *SLAPolicy, action string) error {
	return tx.EmitData(storage.Event{Account: p.AccountID, Type: EventSLAPoliciesChanged, Entity: SLAPolicies.Name(), ID: p.ID, Actor: actor.UserID},
		map[string]any{"action": action, "sla_policy": p})
}

// ApplySLA applies policy policyID to conversation number displayID (0 removes its SLA). The
// clocks are computed as if the policy had applied from the start: the first response from the
// conversation's creation, the resolution from its creation, the next response from the
// contact's first unanswered message.
//
// It answers the conversation as the API shows it, with its new SLA state.
func (s *Service) ApplySLA(ctx context.Context, actor access.Actor, displayID, policyID uint64) (*ConversationView, error) {
	if err := actor.Require("conversations", access.Manage); err != nil {
		return nil, err
	}
	seen, err := s.Visible(ctx, actor, displayID)
	if err != nil {
		return nil, err
	}
	var c *Conversation
	err = s.DB.Update(func(tx *storage.Tx) (err error) {
		if c, err = Conversations.Get(tx, actor.AccountID, seen.ID); err != nil {
			return err
		}
		acct, in, err := loadContext(tx, c)
		if err != nil {
			return err
		}
		var line string
		if policyID == 0 {
			if c.SLA == nil {
				return nil
			}
			c.SLA = nil
			line = lang(acct, "SLA policy removed by "+actor.UserName, "Política de SLA removida por "+actor.UserName)
		} else {
			p, err := SLAPolicies.Get(tx, actor.AccountID, policyID)
			if apperr.Is(err, apperr.NotFound) {
				return apperr.Field("sla_policy_id", "is not an SLA policy of this account")
			}
			if err != nil {
				return err
			}
			s.startClock(c, p, in, acct.Location(), s.now())
			line = lang(acct, fmt.Sprintf("SLA policy “%s” applied by %s", p.Name, actor.UserName),
				fmt.Sprintf("Política de SLA “%s” aplicada por %s", p.Name, actor.UserName))
		}
		if err := s.appendMessage(tx, c, &Message{Type: Activity, Content: line}, actor.UserID); err != nil {
			return err
		}
		// A new policy is a fresh start: no warning of the old clock counts as already sent.
		if s.Jobs != nil {
			if err := s.Jobs.Cancel(tx, c.AccountID, slaKey(c.ID)); err != nil {
				return err
			}
		}
		if err := s.scheduleSLA(tx, c); err != nil {
			return err
		}
		return emit(tx, c, EventConversationUpdated, actor.UserID, EventData{Changed: []string{"sla"}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, displayID)
}

// slaAdd is the deadline `minutes` after from: counted in the inbox's business hours when the
// policy says so and the inbox has hours (inboxes.BusinessHours.Add), in calendar time
// otherwise. Zero minutes is no target.
func slaAdd(p *SLAPolicy, in *inboxes.Inbox, loc *time.Location, from time.Time, minutes int) *time.Time {
	if minutes <= 0 {
		return nil
	}
	d := time.Duration(minutes) * time.Minute
	var due time.Time
	if p.OnlyDuringBusinessHrs && in != nil && in.BusinessHours.Enabled {
		due = in.BusinessHours.Add(from, d, loc)
		if due.IsZero() {
			return nil // hours that never open: never due
		}
	} else {
		due = from.Add(d)
	}
	due = due.UTC()
	return &due
}

// startClock (re)starts c's clock under policy p, as of now.
func (s *Service) startClock(c *Conversation, p *SLAPolicy, in *inboxes.Inbox, loc *time.Location, now time.Time) {
	created := c.CreatedAt
	if created.IsZero() {
		created = now
	}
	clock := &SLAClock{PolicyID: p.ID}
	if c.SLA != nil && c.SLA.PolicyID == p.ID {
		clock.Breaches = c.SLA.Breaches
	}
	if c.FirstReplyAt == nil {
		clock.FirstResponseDue = slaAdd(p, in, loc, created, p.FirstResponseMinutes)
	} else if c.WaitingSince != nil {
		clock.NextResponseDue = slaAdd(p, in, loc, *c.WaitingSince, p.NextResponseMinutes)
	}
	if c.Status != Resolved {
		clock.ResolutionDue = slaAdd(p, in, loc, created, p.ResolutionMinutes)
	}
	c.SLA = clock
}

// slaOnCreated applies the inbox's policy to a new conversation.
func (s *Service) slaOnCreated(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation) error {
	if in == nil || in.SLAPolicyID == 0 {
		return nil
	}
	p, err := SLAPolicies.Get(tx, c.AccountID, in.SLAPolicyID)
	if apperr.Is(err, apperr.NotFound) {
		return nil // the policy was deleted: the inbox no longer applies one
	}
	if err != nil {
		return err
	}
	s.startClock(c, p, in, locOf(acct), s.now())
	return nil
}

// slaOnIncoming starts the next-response clock when the contact writes again after an answer.
func (s *Service) slaOnIncoming(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation) error {
	if c.SLA == nil || c.Status == Resolved || c.FirstReplyAt == nil || c.WaitingSince == nil || c.SLA.NextResponseDue != nil {
		return s.scheduleSLA(tx, c)
	}
	p, err := SLAPolicies.Get(tx, c.AccountID, c.SLA.PolicyID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	c.SLA.NextResponseDue = slaAdd(p, in, locOf(acct), *c.WaitingSince, p.NextResponseMinutes)
	if err := s.putConversation(tx, c); err != nil {
		return err
	}
	return s.scheduleSLA(tx, c)
}

// slaOnReply meets the response targets: an agent answered.
func (s *Service) slaOnReply(tx *storage.Tx, c *Conversation) error {
	if c.SLA == nil || (c.SLA.FirstResponseDue == nil && c.SLA.NextResponseDue == nil) {
		return nil
	}
	c.SLA.FirstResponseDue, c.SLA.NextResponseDue = nil, nil
	if err := s.putConversation(tx, c); err != nil {
		return err
	}
	return s.scheduleSLA(tx, c)
}

// slaOnStatus stops every clock on resolution and restarts the resolution clock on reopening.
func (s *Service) slaOnStatus(tx *storage.Tx, acct *accounts.Account, in *inboxes.Inbox, c *Conversation, old Status) error {
	if c.SLA == nil {
		return nil
	}
	switch {
	case c.Status == Resolved && old != Resolved:
		c.SLA.FirstResponseDue, c.SLA.NextResponseDue, c.SLA.ResolutionDue = nil, nil, nil
	case old == Resolved && c.Status != Resolved:
		p, err := SLAPolicies.Get(tx, c.AccountID, c.SLA.PolicyID)
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		c.SLA.ResolutionDue = slaAdd(p, in, locOf(acct), s.now(), p.ResolutionMinutes)
	default:
		return nil
	}
	if err := s.putConversation(tx, c); err != nil {
		return err
	}
	return s.scheduleSLA(tx, c)
}

func locOf(acct *accounts.Account) *time.Location {
	if acct == nil {
		return time.UTC
	}
	return acct.Location()
}

// slaTarget is one running deadline with the moment its clock started.
type slaTarget struct {
	name       string
	start, due time.Time
}

// warn is when the target becomes "due soon": the last fifth of its span.
func (t slaTarget) warn() time.Time { return t.due.Add(-t.due.Sub(t.start) / 5) }

// running lists c's running targets. Start times come from the conversation itself (creation,
// the first unanswered message, the last resolution), so the state needs no other record.
func running(c *Conversation) []slaTarget {
	if c.SLA == nil {
		return nil
	}
	var out []slaTarget
	start := func(t time.Time, due time.Time) time.Time {
		if t.IsZero() || t.After(due) {
			return due
		}
		return t
	}
	if d := c.SLA.FirstResponseDue; d != nil {
		out = append(out, slaTarget{TargetFirstResponse, start(c.CreatedAt, *d), *d})
	}
	if d := c.SLA.NextResponseDue; d != nil {
		from := time.Time{}
		if c.WaitingSince != nil {
			from = *c.WaitingSince
		}
		out = append(out, slaTarget{TargetNextResponse, start(from, *d), *d})
	}
	if d := c.SLA.ResolutionDue; d != nil {
		from := c.CreatedAt
		if c.ResolvedAt != nil && c.ResolvedAt.After(from) && c.ResolvedAt.Before(*d) {
			from = *c.ResolvedAt // the clock restarted when the conversation was reopened
		}
		out = append(out, slaTarget{TargetResolution, start(from, *d), *d})
	}
	return out
}

// SLAState is the state of c's SLA at now and the next deadline (nil when no clock runs):
// breached once any target was missed, met when every target was met, due soon in the last
// fifth of a running target's span, on track otherwise. "" means no SLA applies.
func SLAState(c *Conversation, now time.Time) (string, *time.Time) {
	if c == nil || c.SLA == nil {
		return "", nil
	}
	targets := running(c)
	breached, soon := len(c.SLA.Breaches) > 0, false
	var next *time.Time
	for _, t := range targets {
		if next == nil || t.due.Before(*next) {
			d := t.due
			next = &d
		}
		if !t.due.After(now) {
			breached = true
		} else if !now.Before(t.warn()) {
			soon = true
		}
	}
	switch {
	case breached:
		return SLABreached, next
	case len(targets) == 0:
		return SLAMet, nil
	case soon:
		return SLADueSoon, next
	}
	return SLAOnTrack, next
}

func slaKey(convID uint64) string { return fmt.Sprintf("sla:%d", convID) }

// slaJob is the check job's payload. After is the watermark: warnings due up to it were already
// considered, so each is emitted once however often the job is rescheduled.
type slaJob struct {
	ConversationID uint64    `json:"conversation_id"`
	After          time.Time `json:"after"`
}

// scheduleSLA (re)schedules c's check job after a hook changed its clock, keeping the pending
// job's watermark.
func (s *Service) scheduleSLA(tx *storage.Tx, c *Conversation) error {
	if s.Jobs == nil || c.ID == 0 {
		return nil
	}
	after := s.now()
	if j, err := s.Jobs.Get(tx, c.AccountID, slaKey(c.ID)); err == nil {
		var p slaJob
		if json.Unmarshal(j.Payload, &p) == nil && !p.After.IsZero() && p.After.Before(after) {
			after = p.After
		}
	}
	return s.scheduleSLAFrom(tx, c, after)
}

// scheduleSLAFrom schedules the check at c's next warning or deadline after the watermark, or
// cancels it when nothing is left to watch.
func (s *Service) scheduleSLAFrom(tx *storage.Tx, c *Conversation, after time.Time) error {
	now := s.now()
	var next time.Time
	consider := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, t := range running(c) {
		if !t.due.After(now) {
			if !slices.Contains(c.SLA.Breaches, t.name) {
				consider(now) // a deadline already missed and not yet recorded
			}
			continue
		}
		if w := t.warn(); w.After(after) && w.Before(t.due) {
			consider(w)
		}
		consider(t.due)
	}
	if next.IsZero() {
		return s.Jobs.Cancel(tx, c.AccountID, slaKey(c.ID))
	}
	payload, err := json.Marshal(slaJob{ConversationID: c.ID, After: after})
	if err != nil {
		return err
	}
	_, err = s.Jobs.Schedule(tx, scheduler.Job{Account: c.AccountID, Kind: jobSLACheck, Key: slaKey(c.ID), Due: next, Payload: payload})
	return err
}

// slaEvent is the payload of sla_warning and sla_breached.
type slaEvent struct {
	EventData
	Target string    `json:"target"`
	DueAt  time.Time `json:"due_at"`
}

// runSLACheck warns about targets entering their last fifth and records missed deadlines (each
// once), then waits for the next one.
func (s *Service) runSLACheck(ctx context.Context, tx *storage.Tx, j *scheduler.Job) error {
	var p slaJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("conversations: sla job payload: %w", err)
	}
	c, err := Conversations.Get(tx, j.Account, p.ConversationID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil || c.SLA == nil {
		return err
	}
	now := s.now()
	changed := false
	for _, t := range running(c) {
		switch {
		case !t.due.After(now):
			if slices.Contains(c.SLA.Breaches, t.name) {
				continue
			}
			c.SLA.Breaches = append(c.SLA.Breaches, t.name)
			changed = true
			if err := s.breached(tx, c, t); err != nil {
				return err
			}
		case t.warn().After(p.After) && !t.warn().After(now):
			ev := slaEvent{EventData: EventData{Conversation: RefOf(c)}, Target: t.name, DueAt: t.due}
			if err := tx.EmitData(storage.Event{Account: c.AccountID, Type: EventSLAWarning, Entity: Conversations.Name(), ID: c.ID}, ev); err != nil {
				return err
			}
		}
	}
	if changed {
		if err := s.putConversation(tx, c); err != nil {
			return err
		}
	}
	return s.scheduleSLAFrom(tx, c, now)
}

// breached emits sla_breached and tells the assignee, or every administrator when nobody is
// assigned.
func (s *Service) breached(tx *storage.Tx, c *Conversation, t slaTarget) error {
	ev := slaEvent{EventData: EventData{Conversation: RefOf(c)}, Target: t.name, DueAt: t.due}
	if err := tx.EmitData(storage.Event{Account: c.AccountID, Type: EventSLABreached, Entity: Conversations.Name(), ID: c.ID}, ev); err != nil {
		return err
	}
	var users []uint64
	if c.AssigneeID != 0 {
		users = []uint64{c.AssigneeID}
	} else {
		err := accounts.Members.Each(tx, c.AccountID, storage.Query{Index: "role", Prefix: storage.Str(string(access.Administrator))}, func(m *accounts.Member) bool {
			users = append(users, m.UserID)
			return true
		})
		if err != nil {
			return err
		}
	}
	names := map[string][2]string{
		TargetFirstResponse: {"first response", "primeira resposta"},
		TargetNextResponse:  {"next response", "próxima resposta"},
		TargetResolution:    {"resolution", "resolução"},
	}[t.name]
	for _, uid := range users {
		title := fmt.Sprintf("SLA missed on conversation #%d", c.DisplayID)
		body := fmt.Sprintf("The %s target was due at %s UTC.", names[0], t.due.Format("2006-01-02 15:04"))
		if u, err := auth.Users.Get(tx, 0, uid); err == nil && u.Language == "pt-BR" {
			title = fmt.Sprintf("SLA violado na conversa #%d", c.DisplayID)
			body = fmt.Sprintf("O prazo de %s venceu em %s UTC.", names[1], t.due.Format("02/01/2006 15:04"))
		}
		if err := notify.Send(tx, notify.Notification{AccountID: c.AccountID, UserID: uid, Type: "sla_breached", Title: title, Body: body,
			Link: fmt.Sprintf("/conversations/%d", c.DisplayID)}); err != nil {
			return err
		}
	}
	return nil
}
