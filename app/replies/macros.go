package replies

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/storage"
)

// Macro action names (Chatwoot's).
const (
	ActAddLabel            = "add_label"
	ActRemoveLabel         = "remove_label"
	ActAssignAgent         = "assign_agent"
	ActAssignTeam          = "assign_team"
	ActRemoveAssignedAgent = "remove_assigned_agent"
	ActRemoveAssignedTeam  = "remove_assigned_team"
	ActChangeStatus        = "change_status"
	ActChangePriority      = "change_priority"
	ActSendMessage         = "send_message"
	ActSendCannedResponse  = "send_canned_response"
	ActAddPrivateNote      = "add_private_note"
)

// ActionNames lists every macro action, in the order the macro editor offers them.
var ActionNames = []string{
	ActAddLabel, ActRemoveLabel, ActAssignAgent, ActAssignTeam, ActRemoveAssignedAgent,
	ActRemoveAssignedTeam, ActChangeStatus, ActChangePriority, ActSendMessage,
	ActSendCannedResponse, ActAddPrivateNote,
}

// Limits of a macro.
const (
	MaxMacroName       = 100
	MaxMacroActions    = 30
	MaxMessageLength   = 5000
	MaxExecuteAtOnce   = 100
	selfAssignee       = "self"
	noPriorityParam    = "none"
	maxLabelsPerAction = 20
)

// MacroInput is the create/update form of a macro; nil leaves a field alone on update. Name and
// actions are required on create; visibility defaults to personal.
type MacroInput struct {
	Name       *string   `json:"name,omitempty"`
	Visibility *string   `json:"visibility,omitempty" enum:"personal,global"`
	Actions    *[]Action `json:"actions,omitempty"`
}

// ExecResult is what running a macro did to one conversation.
type ExecResult struct {
	// ConversationID is the conversation's display number.
	ConversationID uint64 `json:"conversation_id"`
	OK             bool   `json:"ok"`
	// FailedAction is the index of the action that failed; the actions after it were not run
	// (the ones before it were).
	FailedAction *int   `json:"failed_action,omitempty"`
	Error        string `json:"error,omitempty"`
}

// visible reports whether the actor sees m: global macros everyone, personal ones their author.
func visible(actor access.Actor, m *Macro) bool {
	return m.Visibility == Global || m.CreatedBy == actor.UserID
}

// ListMacros returns the account's global macros and the actor's personal ones, by name.
func (s *Service) ListMacros(ctx context.Context, actor access.Actor) ([]Macro, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	out := []Macro{}
	err := s.db.View(func(tx *storage.Tx) error {
		return Macros.Each(tx, actor.AccountID, storage.Query{}, func(m *Macro) bool {
			if visible(actor, m) {
				out = append(out, *m)
			}
			return true
		})
	})
	slices.SortStableFunc(out, func(a, b Macro) int { return strings.Compare(storage.Fold(a.Name), storage.Fold(b.Name)) })
	return out, err
}

// GetMacro returns one macro the actor sees; someone else's personal macro is NotFound.
func (s *Service) GetMacro(ctx context.Context, actor access.Actor, id uint64) (*Macro, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	var out *Macro
	err := s.db.View(func(tx *storage.Tx) (err error) {
		out, err = getMacro(tx, actor, id)
		return err
	})
	return out, err
}

func getMacro(tx *storage.Tx, actor access.Actor, id uint64) (*Macro, error) {
	m, err := Macros.Get(tx, actor.AccountID, id)
	if err != nil {
		return nil, err
	}
	if !visible(actor, m) {
		return nil, apperr.NotFoundf("macros %d not found", id)
	}
	return m, nil
}

// CreateMacro adds a macro: a global one needs an administrator, a personal one anyone who
// works conversations.
func (s *Service) CreateMacro(ctx context.Context, actor access.Actor, in MacroInput) (*Macro, error) {
	return s.saveMacro(actor, 0, in)
}

// UpdateMacro changes a macro: global ones are the administrators', personal ones their
// author's. Making a macro personal makes it the actor's.
func (s *Service) UpdateMacro(ctx context.Context, actor access.Actor, id uint64, in MacroInput) (*Macro, error) {
	return s.saveMacro(actor, id, in)
}

// canEdit says whether the actor may change or delete m (visible to them already).
func canEdit(actor access.Actor, m *Macro) error {
	if m.Visibility == Global {
		if !actor.IsAdmin() {
			return apperr.Forbiddenf("only administrators can change global macros")
		}
		return nil
	}
	return actor.Require("conversations", access.Manage)
}

func (s *Service) saveMacro(actor access.Actor, id uint64, in MacroInput) (*Macro, error) {
	if err := actor.Require("conversations", access.View); err != nil {
		return nil, err
	}
	var out Macro
	err := s.db.Update(func(tx *storage.Tx) error {
		now := s.now()
		m := &Macro{AccountID: actor.AccountID, CreatedBy: actor.UserID, Visibility: Personal, CreatedAt: now}
		typ, action := EventMacroCreated, "macro.created"
		if id != 0 {
			var err error
			if m, err = getMacro(tx, actor, id); err != nil {
				return err
			}
			if err := canEdit(actor, m); err != nil {
				return err
			}
			typ, action = EventMacroUpdated, "macro.updated"
		}
		var fe apperr.Fields
		if in.Name != nil {
			name := strings.TrimSpace(*in.Name)
			switch {
			case name == "":
				fe.Add("name", "is required")
			case utf8.RuneCountInString(name) > MaxMacroName:
				fe.Add("name", fmt.Sprintf("must be at most %d characters", MaxMacroName))
			}
			m.Name = name
		} else if id == 0 {
			fe.Add("name", "is required")
		}
		if in.Visibility != nil {
			switch v := strings.TrimSpace(*in.Visibility); v {
			case Global:
				if !actor.IsAdmin() {
					return apperr.Forbiddenf("only administrators can create global macros")
				}
				m.Visibility = Global
			case Personal, "":
				if m.Visibility != Personal {
					// A global macro turned personal becomes the personal macro of whoever did it.
					m.CreatedBy = actor.UserID
				}
				m.Visibility = Personal
			default:
				fe.Add("visibility", "must be personal or global")
			}
		}
		if m.Visibility == Personal {
			if err := actor.Require("conversations", access.Manage); err != nil {
				return err
			}
		}
		if in.Actions != nil {
			m.Actions = checkActions(tx, actor.AccountID, *in.Actions, &fe)
		} else if id == 0 {
			fe.Add("actions", "must list at least one action")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		m.UpdatedAt = now
		if err := Macros.Put(tx, m); err != nil {
			return err
		}
		out = *m
		if err := emitMacro(tx, actor, typ, m); err != nil {
			return err
		}
		return audit.Record(tx, actor, action, "macro", m.ID, m.Name)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// macroEvent is the payload of macro events. UserID targets a personal macro's events at its
// author's windows only.
type macroEvent struct {
	Macro  *Macro `json:"macro"`
	UserID uint64 `json:"user_id,omitempty"`
}

func emitMacro(tx *storage.Tx, actor access.Actor, typ string, m *Macro) error {
	d := macroEvent{Macro: m}
	if m.Visibility == Personal {
		d.UserID = m.CreatedBy
	}
	return tx.EmitData(storage.Event{Account: m.AccountID, Type: typ, Entity: Macros.Name(), ID: m.ID, Actor: actor.UserID}, d)
}

// DeleteMacro removes a macro (same rights as changing it).
func (s *Service) DeleteMacro(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require("conversations", access.View); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		m, err := getMacro(tx, actor, id)
		if err != nil {
			return err
		}
		if err := canEdit(actor, m); err != nil {
			return err
		}
		if err := Macros.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		if err := emitMacro(tx, actor, EventMacroDeleted, m); err != nil {
			return err
		}
		return audit.Record(tx, actor, "macro.deleted", "macro", id, m.Name)
	})
}

// checkActions validates and normalises a macro's actions, reporting each problem under
// "actions[i].action_name" or "actions[i].action_params". Labels, agents, teams and canned
// responses must exist when the macro is saved (they are checked again when it runs).
func checkActions(tx *storage.Tx, account uint64, actions []Action, fe *apperr.Fields) []Action {
	if len(actions) == 0 {
		fe.Add("actions", "must list at least one action")
		return nil
	}
	if len(actions) > MaxMacroActions {
		fe.Add("actions", fmt.Sprintf("may list at most %d actions", MaxMacroActions))
		return nil
	}
	out := make([]Action, len(actions))
	for i, a := range actions {
		name := strings.TrimSpace(a.Name)
		field := fmt.Sprintf("actions[%d].action_params", i)
		params, msg := checkParams(tx, account, name, a.Params)
		switch {
		case !slices.Contains(ActionNames, name):
			fe.Add(fmt.Sprintf("actions[%d].action_name", i), "must be one of "+strings.Join(ActionNames, ", "))
		case msg != "":
			fe.Add(field, msg)
		}
		out[i] = Action{Name: name, Params: params}
	}
	return out
}

// checkParams returns the normalised params of one action, or what is wrong with them.
func checkParams(tx *storage.Tx, account uint64, name string, params []any) ([]any, string) {
	switch name {
	case ActAddLabel, ActRemoveLabel:
		if len(params) == 0 || len(params) > maxLabelsPerAction {
			return nil, fmt.Sprintf("must list 1 to %d labels", maxLabelsPerAction)
		}
		out := make([]any, 0, len(params))
		for _, p := range params {
			title, ok := p.(string)
			title = strings.ToLower(strings.TrimSpace(title))
			if !ok || title == "" {
				return nil, "must be label names"
			}
			if _, err := conversations.Labels.GetBy(tx, account, "title", storage.Str(title)); err != nil {
				return nil, fmt.Sprintf("label %q does not exist", title)
			}
			if !slices.Contains(out, any(title)) {
				out = append(out, title)
			}
		}
		return out, ""
	case ActAssignAgent:
		if len(params) != 1 {
			return nil, "must hold one agent id (or \"self\")"
		}
		if s, ok := params[0].(string); ok && strings.TrimSpace(s) == selfAssignee {
			return []any{selfAssignee}, ""
		}
		id, ok := idParam(params[0])
		if !ok {
			return nil, "must hold one agent id (or \"self\")"
		}
		if _, err := accounts.Members.GetBy(tx, account, "user", storage.Uint(id)); err != nil {
			return nil, fmt.Sprintf("agent %d is not in this account", id)
		}
		return []any{id}, ""
	case ActAssignTeam:
		id, ok := oneID(params)
		if !ok {
			return nil, "must hold one team id"
		}
		if !accounts.Teams.Exists(tx, account, id) {
			return nil, fmt.Sprintf("team %d does not exist", id)
		}
		return []any{id}, ""
	case ActSendCannedResponse:
		id, ok := oneID(params)
		if !ok {
			return nil, "must hold one canned response id"
		}
		if !CannedResponses.Exists(tx, account, id) {
			return nil, fmt.Sprintf("canned response %d does not exist", id)
		}
		return []any{id}, ""
	case ActRemoveAssignedAgent, ActRemoveAssignedTeam:
		if len(params) != 0 {
			return nil, "takes no parameters"
		}
		return nil, ""
	case ActChangeStatus:
		st, ok := oneString(params)
		switch conversations.Status(st) {
		case conversations.Open, conversations.Pending, conversations.Resolved, conversations.Snoozed:
		default:
			ok = false
		}
		if !ok {
			return nil, "must be one of open, pending, resolved, snoozed"
		}
		return []any{st}, ""
	case ActChangePriority:
		if len(params) == 1 && params[0] == nil {
			return []any{noPriorityParam}, ""
		}
		p, ok := oneString(params)
		switch conversations.Priority(p) {
		case conversations.Urgent, conversations.High, conversations.Medium, conversations.Low:
		case noPriorityParam, "":
			p = noPriorityParam
		default:
			ok = false
		}
		if !ok {
			return nil, "must be one of urgent, high, medium, low, none"
		}
		return []any{p}, ""
	case ActSendMessage, ActAddPrivateNote:
		text, ok := oneString(params)
		switch {
		case !ok || text == "":
			return nil, "must hold the message text"
		case utf8.RuneCountInString(text) > MaxMessageLength:
			return nil, fmt.Sprintf("must be at most %d characters", MaxMessageLength)
		}
		return []any{text}, ""
	}
	return params, ""
}

func oneString(params []any) (string, bool) {
	if len(params) != 1 {
		return "", false
	}
	s, ok := params[0].(string)
	return strings.TrimSpace(s), ok
}

func oneID(params []any) (uint64, bool) {
	if len(params) != 1 {
		return 0, false
	}
	return idParam(params[0])
}

// idParam reads an id as JSON decodes it (a float64), as Go callers pass it (an integer) or as
// some clients send it (a numeric string).
func idParam(v any) (uint64, bool) {
	switch n := v.(type) {
	case float64:
		if n >= 1 && n == float64(uint64(n)) {
			return uint64(n), true
		}
	case int:
		if n > 0 {
			return uint64(n), true
		}
	case int64:
		if n > 0 {
			return uint64(n), true
		}
	case uint64:
		return n, n > 0
	case json.Number:
		id, err := strconv.ParseUint(string(n), 10, 64)
		return id, err == nil && id > 0
	case string:
		id, err := strconv.ParseUint(strings.TrimSpace(n), 10, 64)
		return id, err == nil && id > 0
	}
	return 0, false
}

// Execute runs a macro on conversations (display numbers), each action in order through the
// conversations service as the actor, so it may do nothing the actor could not do by hand. An
// action that fails stops the rest of that conversation's actions (the earlier ones stay
// done) and the result says which; the other conversations still run. Canned responses, and
// the text of send_message and add_private_note, are rendered with Render for each
// conversation.
func (s *Service) Execute(ctx context.Context, actor access.Actor, macroID uint64, conversationIDs []uint64) ([]ExecResult, error) {
	m, err := s.GetMacro(ctx, actor, macroID)
	if err != nil {
		return nil, err
	}
	ids := make([]uint64, 0, len(conversationIDs))
	for _, id := range conversationIDs {
		if id != 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return nil, apperr.Field("conversation_ids", "must list at least one conversation")
	case len(ids) > MaxExecuteAtOnce:
		return nil, apperr.Field("conversation_ids", fmt.Sprintf("may list at most %d conversations at once", MaxExecuteAtOnce))
	}
	out := make([]ExecResult, 0, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		res := ExecResult{ConversationID: id, OK: true}
		if i, err := s.runOn(ctx, actor, m, id); err != nil {
			res.OK, res.Error = false, s.describe(err)
			if i >= 0 {
				n := i
				res.FailedAction = &n
				res.Error = fmt.Sprintf("step %d (%s): %s", i+1, m.Actions[i].Name, res.Error)
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// describe is an error as an agent may read it: classified errors say what went wrong,
// internal ones are logged and reported generically (their text is nobody's business).
func (s *Service) describe(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Error()
	}
	if s.convs != nil && s.convs.Logger != nil {
		s.convs.Logger.Error("macro action failed", "err", err)
	}
	return "something went wrong on our side; the details are in the server log"
}

// runOn runs the macro's actions on conversation number id; it returns the index of the
// action that failed (-1 when the conversation itself could not be loaded).
func (s *Service) runOn(ctx context.Context, actor access.Actor, m *Macro, id uint64) (int, error) {
	c, err := s.convs.Visible(ctx, actor, id)
	if err != nil {
		return -1, err
	}
	vars, err := s.varsFor(actor, c)
	if err != nil {
		return -1, err
	}
	for i, a := range m.Actions {
		if err := s.run(ctx, actor, id, a, vars); err != nil {
			return i, err
		}
	}
	return -1, nil
}

// varsFor gathers the values canned responses may insert for conversation c.
func (s *Service) varsFor(actor access.Actor, c *conversations.Conversation) (Vars, error) {
	v := Vars{ConversationID: c.DisplayID, AgentName: actor.UserName}
	err := s.db.View(func(tx *storage.Tx) error {
		if ct, err := contacts.Contacts.Get(tx, c.AccountID, c.ContactID); err == nil {
			v.ContactName, v.ContactEmail, v.ContactPhone = ct.Name, ct.Email, ct.Phone
		}
		if a, err := accounts.Accounts.Get(tx, 0, c.AccountID); err == nil {
			v.AccountName = a.Name
		}
		if v.AgentName == "" && actor.UserID != 0 {
			if u, err := auth.Users.Get(tx, 0, actor.UserID); err == nil {
				v.AgentName = u.Name
			}
		}
		return nil
	})
	return v, err
}

// run performs one action on conversation number id.
func (s *Service) run(ctx context.Context, actor access.Actor, id uint64, a Action, vars Vars) error {
	var err error
	switch a.Name {
	case ActAddLabel, ActRemoveLabel:
		labels := make([]string, 0, len(a.Params))
		for _, p := range a.Params {
			if l, ok := p.(string); ok {
				labels = append(labels, l)
			}
		}
		if a.Name == ActAddLabel {
			_, err = s.convs.AddLabels(ctx, actor, id, labels)
		} else {
			_, err = s.convs.RemoveLabels(ctx, actor, id, labels)
		}
	case ActAssignAgent:
		var uid uint64
		if p, _ := oneString(a.Params); p == selfAssignee {
			uid = actor.UserID
		} else if uid, _ = oneID(a.Params); uid == 0 {
			return apperr.Field("action_params", "has no agent id")
		}
		_, err = s.convs.Assign(ctx, actor, id, conversations.Assignment{AssigneeID: &uid})
	case ActAssignTeam:
		tid, _ := oneID(a.Params)
		if tid == 0 {
			return apperr.Field("action_params", "has no team id")
		}
		_, err = s.convs.Assign(ctx, actor, id, conversations.Assignment{TeamID: &tid})
	case ActRemoveAssignedAgent:
		var zero uint64
		_, err = s.convs.Assign(ctx, actor, id, conversations.Assignment{AssigneeID: &zero})
	case ActRemoveAssignedTeam:
		var zero uint64
		_, err = s.convs.Assign(ctx, actor, id, conversations.Assignment{TeamID: &zero})
	case ActChangeStatus:
		st, _ := oneString(a.Params)
		_, err = s.convs.ToggleStatus(ctx, actor, id, conversations.StatusChange{Status: conversations.Status(st)})
	case ActChangePriority:
		p, _ := oneString(a.Params)
		if p == noPriorityParam {
			p = ""
		}
		_, err = s.convs.SetPriority(ctx, actor, id, conversations.Priority(p))
	case ActSendMessage, ActAddPrivateNote:
		text, _ := oneString(a.Params)
		_, err = s.convs.CreateMessage(ctx, actor, id, conversations.NewMessage{
			Content: Render(text, vars), MessageType: string(conversations.Outgoing), Private: a.Name == ActAddPrivateNote,
		})
	case ActSendCannedResponse:
		cid, _ := oneID(a.Params)
		var c *CannedResponse
		if err := s.db.View(func(tx *storage.Tx) (err error) {
			c, err = CannedResponses.Get(tx, actor.AccountID, cid)
			return err
		}); err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.NotFoundf("canned response %d no longer exists", cid)
			}
			return err
		}
		_, err = s.convs.CreateMessage(ctx, actor, id, conversations.NewMessage{Content: Render(c.Content, vars), MessageType: string(conversations.Outgoing)})
	default:
		return apperr.Newf(apperr.Invalid, "unknown action %q", a.Name)
	}
	return err
}
