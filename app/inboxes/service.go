package inboxes

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/storage"
)

// Service holds the rules of inboxes.
type Service struct {
	db *storage.DB
	// InUse counts an inbox's conversations; Delete refuses while it is above zero (disable the
	// inbox instead, so history keeps its inbox). The app sets it: conversations import this
	// package, not the other way round. Nil counts nothing.
	InUse func(tx *storage.Tx, account, inboxID uint64) int
}

// New builds the service.
func New(db *storage.DB) *Service { return &Service{db: db} }

// Limits of the inbox settings.
const (
	maxName    = 80
	maxMessage = 1000
)

// WorksIn reports whether a user works the inbox: a direct member, or a member of one of its
// teams. It decides what agents see (inboxes, conversations, search).
func WorksIn(tx *storage.Tx, in *Inbox, userID uint64) bool {
	if slices.Contains(in.MemberIDs, userID) {
		return true
	}
	for _, tid := range in.TeamIDs {
		if t, err := accounts.Teams.Get(tx, in.AccountID, tid); err == nil && slices.Contains(t.MemberIDs, userID) {
			return true
		}
	}
	return false
}

// OfUser lists the ids of the inboxes a user works in (directly or through a team).
func OfUser(tx *storage.Tx, account, userID uint64) ([]uint64, error) {
	teams := map[uint64]bool{}
	err := accounts.Teams.Each(tx, account, storage.Query{}, func(t *accounts.Team) bool {
		if slices.Contains(t.MemberIDs, userID) {
			teams[t.ID] = true
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	ids := []uint64{}
	err = Inboxes.Each(tx, account, storage.Query{}, func(in *Inbox) bool {
		if slices.Contains(in.MemberIDs, userID) || slices.ContainsFunc(in.TeamIDs, func(t uint64) bool { return teams[t] }) {
			ids = append(ids, in.ID)
		}
		return true
	})
	return ids, err
}

func timezone(tx *storage.Tx, account uint64) string {
	if a, err := accounts.Accounts.Get(tx, 0, account); err == nil {
		return a.Location().String()
	}
	return "UTC"
}

// visible loads an inbox the actor may read: administrators read all, agents the ones they
// work in; any other is NotFound, like a missing one.
func visible(tx *storage.Tx, actor access.Actor, id uint64) (*Inbox, error) {
	in, err := Inboxes.Get(tx, actor.AccountID, id)
	if err != nil {
		return nil, apperr.NotFoundf("inbox %d not found", id)
	}
	if !actor.IsAdmin() && !WorksIn(tx, in, actor.UserID) {
		return nil, apperr.NotFoundf("inbox %d not found", id)
	}
	return in, nil
}

// List returns the inboxes the actor works in (every inbox for administrators), by id.
func (s *Service) List(ctx context.Context, actor access.Actor) ([]InboxView, error) {
	out := []InboxView{}
	err := s.db.View(func(tx *storage.Tx) error {
		var ids []uint64
		if !actor.IsAdmin() {
			var err error
			if ids, err = OfUser(tx, actor.AccountID, actor.UserID); err != nil {
				return err
			}
		}
		tz := timezone(tx, actor.AccountID)
		return Inboxes.Each(tx, actor.AccountID, storage.Query{}, func(in *Inbox) bool {
			if actor.IsAdmin() || slices.Contains(ids, in.ID) {
				out = append(out, ViewOf(in, tz))
			}
			return true
		})
	})
	return out, err
}

// Get returns one inbox the actor may read.
func (s *Service) Get(ctx context.Context, actor access.Actor, id uint64) (*InboxView, error) {
	var out InboxView
	err := s.db.View(func(tx *storage.Tx) error {
		in, err := visible(tx, actor, id)
		if err == nil {
			out = ViewOf(in, timezone(tx, actor.AccountID))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// InboxInput holds the settings of an inbox in Chatwoot's names; nil (or absent) leaves a
// setting alone on update. Channel settings are merged into the inbox's: a null value removes
// a key, and secrets never come back in answers.
type InboxInput struct {
	Name *string `json:"name,omitempty"`
	// ChannelType is chosen on create (Chatwoot's "Channel::Api"; `channel.type` "api" also
	// works) and never changes.
	ChannelType              *string           `json:"channel_type,omitempty"`
	Enabled                  *bool             `json:"enabled,omitempty"`
	GreetingEnabled          *bool             `json:"greeting_enabled,omitempty"`
	GreetingMessage          *string           `json:"greeting_message,omitempty"`
	WorkingHoursEnabled      *bool             `json:"working_hours_enabled,omitempty"`
	OutOfOfficeMessage       *string           `json:"out_of_office_message,omitempty"`
	WorkingHours             []WorkingHour     `json:"working_hours,omitempty"`
	EnableAutoAssignment     *bool             `json:"enable_auto_assignment,omitempty"`
	AutoAssignmentConfig     *AutoAssignConfig `json:"auto_assignment_config,omitempty"`
	CSATSurveyEnabled        *bool             `json:"csat_survey_enabled,omitempty"`
	LockToSingleConversation *bool             `json:"lock_to_single_conversation,omitempty"`
	// SLAPolicyID applies an SLA policy to the inbox's new conversations (0 removes it).
	SLAPolicyID *uint64 `json:"sla_policy_id,omitempty"`
	// MemberIDs replaces the agents who work the inbox (user ids of the account's agents).
	MemberIDs []uint64 `json:"member_ids,omitempty"`
	// TeamIDs replaces the teams whose members work the inbox.
	TeamIDs []uint64       `json:"team_ids,omitempty"`
	Channel map[string]any `json:"channel,omitempty"`
}

// chatwootTypes maps Chatwoot's `channel.type` of the create call to channel types.
var chatwootTypes = map[string]string{
	"api": ChannelAPI, "web_widget": ChannelWebWidget, "email": ChannelEmail, "whatsapp": ChannelWhatsAppCloud,
	"whatsapp_web": ChannelWhatsAppWeb, "facebook": ChannelFacebook, "instagram": ChannelInstagram,
	"tiktok": ChannelTikTok, "sms": ChannelSMS, "voice": ChannelVoice,
}

var channelTypes = []string{ChannelAPI, ChannelWebWidget, ChannelEmail, ChannelWhatsAppWeb, ChannelWhatsAppCloud,
	ChannelFacebook, ChannelInstagram, ChannelTikTok, ChannelSMS, ChannelVoice}

// creatable are the channel types this release can create.
var creatable = []string{ChannelAPI, ChannelWebWidget}

var dayNames = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// apply validates in and writes it onto in's target, collecting every problem at once. It
// checks references (teams, agents) in tx.
func (in InboxInput) apply(tx *storage.Tx, x *Inbox, creating bool) error {
	var fe apperr.Fields
	if in.Name != nil {
		switch n := strings.TrimSpace(*in.Name); {
		case n == "":
			fe.Add("name", "is required")
		case len([]rune(n)) > maxName:
			fe.Add("name", fmt.Sprintf("must be at most %d characters", maxName))
		default:
			x.Name = n
		}
	} else if creating {
		fe.Add("name", "is required")
	}
	channel := in.Channel
	if t, ok := channel["type"].(string); ok {
		channel = cloneMap(channel)
		delete(channel, "type")
		if in.ChannelType == nil {
			ct, known := chatwootTypes[t]
			if !known {
				ct = t
			}
			in.ChannelType = &ct
		}
	}
	if creating {
		switch {
		case in.ChannelType == nil || *in.ChannelType == "":
			fe.Add("channel_type", "is required")
		case !slices.Contains(channelTypes, *in.ChannelType):
			fe.Add("channel_type", "is not a channel type")
		case !slices.Contains(creatable, *in.ChannelType):
			fe.Add("channel_type", "this channel arrives in a later release; for now create a website or API inbox")
		default:
			x.ChannelType = *in.ChannelType
		}
	} else if in.ChannelType != nil && *in.ChannelType != x.ChannelType {
		fe.Add("channel_type", "cannot change; create a new inbox for another channel")
	}
	if in.Enabled != nil {
		x.Enabled = *in.Enabled
	}
	if in.GreetingEnabled != nil {
		x.Greeting.Enabled = *in.GreetingEnabled
	}
	if in.GreetingMessage != nil {
		x.Greeting.Message = strings.TrimSpace(*in.GreetingMessage)
	}
	if len([]rune(x.Greeting.Message)) > maxMessage {
		fe.Add("greeting_message", fmt.Sprintf("must be at most %d characters", maxMessage))
	} else if x.Greeting.Enabled && x.Greeting.Message == "" {
		fe.Add("greeting_message", "is required when the greeting is on")
	}
	if in.WorkingHoursEnabled != nil {
		x.BusinessHours.Enabled = *in.WorkingHoursEnabled
	}
	if in.OutOfOfficeMessage != nil {
		x.BusinessHours.OutOfOffice = strings.TrimSpace(*in.OutOfOfficeMessage)
	}
	if len([]rune(x.BusinessHours.OutOfOffice)) > maxMessage {
		fe.Add("out_of_office_message", fmt.Sprintf("must be at most %d characters", maxMessage))
	}
	// A day's problem is reported at its place in the list sent ("working_hours[2]"), as forms
	// show it next to that row; a stored day nobody sent is reported at its day number.
	at := [7]int{0, 1, 2, 3, 4, 5, 6}
	for i, w := range in.WorkingHours {
		if w.DayOfWeek < 0 || w.DayOfWeek > 6 {
			fe.Add(fmt.Sprintf("working_hours[%d].day_of_week", i), "must be 0 (Sunday) to 6 (Saturday)")
			continue
		}
		x.BusinessHours.Days[w.DayOfWeek] = w.day()
		at[w.DayOfWeek] = i
	}
	for i, d := range x.BusinessHours.Days {
		if !d.Open || d.AllDay {
			continue
		}
		from, okf := clock(d.From, false)
		to, okt := clock(d.To, true)
		key := fmt.Sprintf("working_hours[%d]", at[i])
		switch {
		case !okf || !okt:
			fe.Add(key, dayNames[i]+": times must be HH:MM")
		case from >= to:
			fe.Add(key, dayNames[i]+": opening time must be before closing time")
		}
	}
	if in.EnableAutoAssignment != nil {
		x.AutoAssign.Enabled = *in.EnableAutoAssignment
	}
	if c := in.AutoAssignmentConfig; c != nil {
		if c.MaxAssignmentLimit < 0 {
			fe.Add("auto_assignment_config.max_assignment_limit", "must be 0 (no limit) or more")
		} else {
			x.AutoAssign.MaxPerAgent = c.MaxAssignmentLimit
		}
	}
	if in.CSATSurveyEnabled != nil {
		x.CSATEnabled = *in.CSATSurveyEnabled
	}
	if in.LockToSingleConversation != nil {
		x.LockToSingleConversation = *in.LockToSingleConversation
	}
	if in.SLAPolicyID != nil {
		x.SLAPolicyID = *in.SLAPolicyID
	}
	if in.MemberIDs != nil {
		if ids, err := agentIDs(tx, x.AccountID, in.MemberIDs); err != nil {
			fe.Add("member_ids", err.Error())
		} else {
			x.MemberIDs = ids
		}
	}
	if in.TeamIDs != nil {
		ids := dedup(in.TeamIDs)
		for _, id := range ids {
			if !accounts.Teams.Exists(tx, x.AccountID, id) {
				fe.Add("team_ids", fmt.Sprintf("team %d is not a team of this account", id))
			}
		}
		x.TeamIDs = ids
	}
	if len(channel) > 0 {
		mergeChannel(x, channel, &fe)
	}
	if x.Channel == nil {
		x.Channel = map[string]any{}
	}
	normalizeChannel(x, &fe, creating)
	return fe.Err()
}

// cloneMap copies a settings map so a merge never writes into a shared (or nil) map.
func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func dedup(ids []uint64) []uint64 {
	out := []uint64{}
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// agentIDs checks that every id is an agent of the account, and drops repeats.
func agentIDs(tx *storage.Tx, account uint64, ids []uint64) ([]uint64, error) {
	ids = dedup(ids)
	for _, id := range ids {
		if _, err := accounts.Members.GetBy(tx, account, "user", storage.Uint(id)); err != nil {
			return nil, fmt.Errorf("user %d is not an agent of this account", id)
		}
	}
	return ids, nil
}

// newIdentifier is an inbox's public id: 24 characters of base58, unguessable (Chatwoot's
// inbox identifiers look the same).
func newIdentifier() string { return RandomToken(24) }

// Create adds an inbox (administrators). Website and API inboxes can be created in this release;
// the other channels come with their own issues. The inbox gets its public identifier (a
// website's token) and its generated secrets.
func (s *Service) Create(ctx context.Context, actor access.Actor, in InboxInput) (*InboxView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out InboxView
	err := s.db.Update(func(tx *storage.Tx) error {
		now := time.Now().UTC()
		x := &Inbox{AccountID: actor.AccountID, Enabled: true, Identifier: newIdentifier(), MemberIDs: []uint64{}, TeamIDs: []uint64{}, CreatedAt: now, UpdatedAt: now}
		if err := in.apply(tx, x, true); err != nil {
			return err
		}
		if err := Inboxes.Put(tx, x); err != nil {
			return err
		}
		if err := PublicIDs.Put(tx, &PublicID{ID: x.ID, AccountID: x.AccountID, Token: x.Identifier}); err != nil {
			return err
		}
		out = ViewOf(x, timezone(tx, actor.AccountID))
		if err := s.emit(tx, actor, EventInboxCreated, x.ID, out); err != nil {
			return err
		}
		return audit.Record(tx, actor, "inbox.created", "inbox", x.ID, x.Name+" ("+x.ChannelType+")")
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) emit(tx *storage.Tx, actor access.Actor, typ string, id uint64, data any) error {
	return tx.EmitData(storage.Event{Account: actor.AccountID, Type: typ, Entity: Inboxes.Name(), ID: id, Actor: actor.UserID}, data)
}

// Update changes an inbox's settings (administrators).
func (s *Service) Update(ctx context.Context, actor access.Actor, id uint64, in InboxInput) (*InboxView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out InboxView
	err := s.db.Update(func(tx *storage.Tx) error {
		x, err := Inboxes.Get(tx, actor.AccountID, id)
		if err != nil {
			return apperr.NotFoundf("inbox %d not found", id)
		}
		if err := in.apply(tx, x, false); err != nil {
			return err
		}
		x.UpdatedAt = time.Now().UTC()
		if err := Inboxes.Put(tx, x); err != nil {
			return err
		}
		out = ViewOf(x, timezone(tx, actor.AccountID))
		if err := s.emit(tx, actor, EventInboxUpdated, x.ID, out); err != nil {
			return err
		}
		return audit.Record(tx, actor, "inbox.updated", "inbox", x.ID, x.Name)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete removes an inbox and its public identifier (administrators). An inbox with
// conversations is refused: disable it instead, so their history keeps its inbox.
func (s *Service) Delete(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		x, err := Inboxes.Get(tx, actor.AccountID, id)
		if err != nil {
			return apperr.NotFoundf("inbox %d not found", id)
		}
		if s.InUse != nil {
			if n := s.InUse(tx, actor.AccountID, id); n > 0 {
				return apperr.Conflictf("the inbox has %d conversations; disable it instead of deleting it", n)
			}
		}
		if err := Inboxes.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		if p, err := PublicIDs.GetBy(tx, 0, "token", storage.Str(x.Identifier)); err == nil {
			if err := PublicIDs.Delete(tx, 0, p.ID); err != nil {
				return err
			}
		}
		if err := s.emit(tx, actor, EventInboxDeleted, id, ViewOf(x, timezone(tx, actor.AccountID))); err != nil {
			return err
		}
		return audit.Record(tx, actor, "inbox.deleted", "inbox", id, x.Name)
	})
}

// agents builds the agents API objects of user ids, skipping people no longer in the account.
func agents(tx *storage.Tx, account uint64, ids []uint64) []accounts.Agent {
	out := []accounts.Agent{}
	for _, uid := range ids {
		m, err := accounts.Members.GetBy(tx, account, "user", storage.Uint(uid))
		if err != nil {
			continue
		}
		u, err := auth.Users.Get(tx, 0, uid)
		if err != nil {
			continue
		}
		out = append(out, accounts.Agent{ID: u.ID, Name: u.Name, Email: u.Email, Role: m.Role, CustomRoleID: m.CustomRoleID,
			AvailabilityStatus: m.Availability, AvatarURL: accounts.AvatarURL(u.AvatarHash), TOTPEnabled: u.TOTPEnabled, CreatedAt: m.CreatedAt})
	}
	return out
}

// Members lists the agents who work an inbox directly (its collaborators; team members work it
// too but are listed under their team).
func (s *Service) Members(ctx context.Context, actor access.Actor, inboxID uint64) ([]accounts.Agent, error) {
	var out []accounts.Agent
	err := s.db.View(func(tx *storage.Tx) error {
		x, err := visible(tx, actor, inboxID)
		if err == nil {
			out = agents(tx, actor.AccountID, x.MemberIDs)
		}
		return err
	})
	return out, err
}

// SetMembers replaces the agents who work an inbox (administrators). Every id must be an agent
// of the account.
func (s *Service) SetMembers(ctx context.Context, actor access.Actor, inboxID uint64, userIDs []uint64) ([]accounts.Agent, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out []accounts.Agent
	err := s.db.Update(func(tx *storage.Tx) error {
		x, err := Inboxes.Get(tx, actor.AccountID, inboxID)
		if err != nil {
			return apperr.NotFoundf("inbox %d not found", inboxID)
		}
		ids, err := agentIDs(tx, actor.AccountID, userIDs)
		if err != nil {
			return apperr.Field("user_ids", err.Error())
		}
		x.MemberIDs, x.UpdatedAt = ids, time.Now().UTC()
		if err := Inboxes.Put(tx, x); err != nil {
			return err
		}
		out = agents(tx, actor.AccountID, ids)
		if err := s.emit(tx, actor, EventInboxUpdated, x.ID, ViewOf(x, timezone(tx, actor.AccountID))); err != nil {
			return err
		}
		return audit.Record(tx, actor, "inbox.members_set", "inbox", x.ID, fmt.Sprintf("%s: %d agents", x.Name, len(ids)))
	})
	return out, err
}
