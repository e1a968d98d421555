package inboxes

import (
	"fmt"
	"strings"
)

// InboxView is an inbox as the API shows it, in Chatwoot's flat shape. The channel's secrets
// (keys ending in _secret, _token or password) are never in it: the view also travels in events
// that webhooks forward.
type InboxView struct {
	ID                       uint64           `json:"id"`
	AccountID                uint64           `json:"account_id"`
	Name                     string           `json:"name"`
	ChannelType              string           `json:"channel_type"`
	Enabled                  bool             `json:"enabled"`
	InboxIdentifier          string           `json:"inbox_identifier"`
	GreetingEnabled          bool             `json:"greeting_enabled"`
	GreetingMessage          string           `json:"greeting_message"`
	WorkingHoursEnabled      bool             `json:"working_hours_enabled"`
	OutOfOfficeMessage       string           `json:"out_of_office_message"`
	Timezone                 string           `json:"timezone"`
	WorkingHours             []WorkingHour    `json:"working_hours"`
	EnableAutoAssignment     bool             `json:"enable_auto_assignment"`
	AutoAssignmentConfig     AutoAssignConfig `json:"auto_assignment_config"`
	CSATSurveyEnabled        bool             `json:"csat_survey_enabled"`
	LockToSingleConversation bool             `json:"lock_to_single_conversation"`
	SLAPolicyID              *uint64          `json:"sla_policy_id"`
	MemberIDs                []uint64         `json:"member_ids"`
	TeamIDs                  []uint64         `json:"team_ids"`
	Channel                  map[string]any   `json:"channel"`
	// WebsiteToken is a website inbox's public id, which its widget snippet names.
	WebsiteToken string `json:"website_token,omitempty"`
	// WebWidgetScript is the snippet a site pastes (website inboxes). The API fills it in, as
	// it knows the address sites reach Parley at.
	WebWidgetScript string `json:"web_widget_script,omitempty"`
	// AvatarURL is the widget's avatar (website inboxes).
	AvatarURL string `json:"avatar_url,omitempty"`
}

// WorkingHour is one weekday of the business hours in Chatwoot's shape (day_of_week 0 is
// Sunday). On input, the open/close times are read only for a day that is neither closed nor
// open all day.
type WorkingHour struct {
	DayOfWeek    int  `json:"day_of_week" minimum:"0" maximum:"6"`
	ClosedAllDay bool `json:"closed_all_day" required:"false"`
	OpenAllDay   bool `json:"open_all_day" required:"false"`
	OpenHour     int  `json:"open_hour" required:"false"`
	OpenMinutes  int  `json:"open_minutes" required:"false"`
	CloseHour    int  `json:"close_hour" required:"false"`
	CloseMinutes int  `json:"close_minutes" required:"false"`
}

// AutoAssignConfig is Chatwoot's auto_assignment_config.
type AutoAssignConfig struct {
	// MaxAssignmentLimit caps an agent's open conversations in the inbox (0: no cap).
	MaxAssignmentLimit int `json:"max_assignment_limit"`
}

// secret reports whether a channel setting must never leave the server.
func secret(key string) bool {
	k := strings.ToLower(key)
	return strings.HasSuffix(k, "_secret") || strings.HasSuffix(k, "_token") || strings.HasSuffix(k, "password")
}

// ViewOf shapes in for the API; timezone is the account's (business hours are read in it).
func ViewOf(in *Inbox, timezone string) InboxView {
	v := InboxView{
		ID: in.ID, AccountID: in.AccountID, Name: in.Name, ChannelType: in.ChannelType, Enabled: in.Enabled,
		InboxIdentifier: in.Identifier, GreetingEnabled: in.Greeting.Enabled, GreetingMessage: in.Greeting.Message,
		WorkingHoursEnabled: in.BusinessHours.Enabled, OutOfOfficeMessage: in.BusinessHours.OutOfOffice,
		Timezone: timezone, EnableAutoAssignment: in.AutoAssign.Enabled,
		AutoAssignmentConfig: AutoAssignConfig{MaxAssignmentLimit: in.AutoAssign.MaxPerAgent},
		CSATSurveyEnabled:    in.CSATEnabled, LockToSingleConversation: in.LockToSingleConversation,
		MemberIDs: in.MemberIDs, TeamIDs: in.TeamIDs, Channel: map[string]any{},
	}
	if v.MemberIDs == nil {
		v.MemberIDs = []uint64{}
	}
	if v.TeamIDs == nil {
		v.TeamIDs = []uint64{}
	}
	if in.SLAPolicyID != 0 {
		id := in.SLAPolicyID
		v.SLAPolicyID = &id
	}
	if in.ChannelType == ChannelWebWidget {
		v.WebsiteToken = in.Identifier
		if h := in.ChannelString(KeyAvatarHash); h != "" {
			v.AvatarURL = "/media/avatars/" + h
		}
	}
	for k, val := range in.Channel {
		if !secret(k) {
			v.Channel[k] = val
		}
	}
	for i, d := range in.BusinessHours.Days {
		w := WorkingHour{DayOfWeek: i, ClosedAllDay: !d.Open, OpenAllDay: d.Open && d.AllDay}
		if from, to, ok := d.span(); ok && !d.AllDay {
			w.OpenHour, w.OpenMinutes = from/60, from%60
			w.CloseHour, w.CloseMinutes = to/60, to%60
		}
		v.WorkingHours = append(v.WorkingHours, w)
	}
	return v
}

// day turns a Chatwoot working hour into a Day; validation of the times happens on the Day.
func (w WorkingHour) day() Day {
	switch {
	case w.ClosedAllDay:
		return Day{}
	case w.OpenAllDay:
		return Day{Open: true, AllDay: true}
	}
	return Day{Open: true, From: hhmm(w.OpenHour, w.OpenMinutes), To: hhmm(w.CloseHour, w.CloseMinutes)}
}

func hhmm(h, m int) string {
	if h < 0 || h > 24 || m < 0 || m > 59 {
		return "invalid"
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}
