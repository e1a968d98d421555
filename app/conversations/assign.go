package conversations

import (
	"context"
	"slices"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// assignCursor remembers, per inbox, who auto-assignment picked last, so agents with equal load
// take turns (round-robin) instead of the lowest id winning every tie.
type assignCursor struct {
	ID         uint64 `json:"id"` // the inbox id
	AccountID  uint64 `json:"account_id"`
	LastUserID uint64 `json:"last_user_id"`
}

// assignCursors are scoped by account; the record id is the inbox id.
var assignCursors = storage.NewCollection(storage.Def[assignCursor]{
	Name:    "assignment_cursors",
	ID:      func(a *assignCursor) *uint64 { return &a.ID },
	Account: func(a *assignCursor) uint64 { return a.AccountID },
})

// openCount is how many open conversations of the inbox an agent holds.
func openCount(tx *storage.Tx, account, userID, inboxID uint64) (int, error) {
	return Conversations.Count(tx, account, storage.Query{Index: "open_assignee", Prefix: storage.Key(storage.Uint(userID), storage.Uint(inboxID))})
}

// pickAssignee chooses the agent a new conversation of the inbox goes to when auto-assignment
// is on: among the inbox's workers who are online and under the inbox's cap, the one with the
// fewest open conversations in the inbox; ties go round-robin after the last one picked.
// 0 means nobody is available (the conversation stays unassigned).
func pickAssignee(tx *storage.Tx, in *inboxes.Inbox) (uint64, error) {
	if !in.AutoAssign.Enabled {
		return 0, nil
	}
	best, tied := -1, []uint64(nil)
	for _, uid := range inboxWorkers(tx, in) {
		m, err := accounts.Members.GetBy(tx, in.AccountID, "user", storage.Uint(uid))
		if err != nil || m.Availability != "online" {
			continue
		}
		n, err := openCount(tx, in.AccountID, uid, in.ID)
		if err != nil {
			return 0, err
		}
		if in.AutoAssign.MaxPerAgent > 0 && n >= in.AutoAssign.MaxPerAgent {
			continue
		}
		switch {
		case best < 0 || n < best:
			best, tied = n, []uint64{uid}
		case n == best:
			tied = append(tied, uid)
		}
	}
	if len(tied) == 0 {
		return 0, nil
	}
	cur, err := assignCursors.Get(tx, in.AccountID, in.ID)
	if err != nil {
		cur = &assignCursor{ID: in.ID, AccountID: in.AccountID}
	}
	pick := tied[0] // tied is sorted: the first after the last pick, wrapping around
	if i := slices.IndexFunc(tied, func(u uint64) bool { return u > cur.LastUserID }); i >= 0 {
		pick = tied[i]
	}
	cur.LastUserID = pick
	return pick, assignCursors.Put(tx, cur)
}

// checkAssignee validates an assignee for a conversation of the inbox.
func checkAssignee(tx *storage.Tx, in *inboxes.Inbox, userID uint64, fe *apperr.Fields) {
	if _, ok := memberActor(tx, in.AccountID, userID); !ok {
		fe.Add("assignee_id", "is not an agent of this account")
		return
	}
	if !worksIn(tx, in, userID) {
		fe.Add("assignee_id", "does not work in this conversation's inbox")
	}
}

// Assign sets conversation number id's assignee and/or team. The assignee must work in the
// conversation's inbox; agents may assign themselves. The new assignee is notified unless they
// assigned themselves.
func (s *Service) Assign(ctx context.Context, actor access.Actor, id uint64, in Assignment) (*Conversation, error) {
	if in.AssigneeID == nil && in.TeamID == nil {
		return nil, apperr.Field("assignee_id", "assignee_id or team_id is required")
	}
	return s.update(actor, id, func(tx *storage.Tx, acct *accounts.Account, c *Conversation) error {
		return s.assignTx(tx, acct, actor, c, in)
	})
}

func (s *Service) assignTx(tx *storage.Tx, acct *accounts.Account, actor access.Actor, c *Conversation, in Assignment) error {
	var fe apperr.Fields
	if in.AssigneeID != nil && *in.AssigneeID != 0 {
		checkAssignee(tx, inboxOf(tx, c), *in.AssigneeID, &fe)
	}
	if in.TeamID != nil && *in.TeamID != 0 && !accounts.Teams.Exists(tx, acct.ID, *in.TeamID) {
		fe.Add("team_id", "is not a team of this account")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	var changed []string
	if in.AssigneeID != nil && *in.AssigneeID != c.AssigneeID {
		c.AssigneeID = *in.AssigneeID
		changed = append(changed, "assignee")
		if err := s.announceAssignee(tx, acct, actor, c, false); err != nil {
			return err
		}
	}
	if in.TeamID != nil && *in.TeamID != c.TeamID {
		c.TeamID = *in.TeamID
		changed = append(changed, "team")
		if err := s.announceTeam(tx, acct, actor, c); err != nil {
			return err
		}
	}
	if len(changed) == 0 {
		return nil
	}
	return emit(tx, c, EventConversationUpdated, actor.UserID, EventData{Changed: changed})
}

// announceAssignee writes the activity line of c's (new) assignee, which also stores c, and
// notifies the assignee unless they acted themselves.
func (s *Service) announceAssignee(tx *storage.Tx, acct *accounts.Account, actor access.Actor, c *Conversation, auto bool) error {
	by := actorName(tx, actor)
	name := ""
	if c.AssigneeID != 0 {
		name = userName(tx, c.AssigneeID)
	}
	line := assigneeLine(acct.Language, name, by, c.AssigneeID == actor.UserID && !actor.System)
	if auto {
		line = autoAssignLine(acct.Language, name)
	}
	if err := s.addActivity(tx, c, line, actor.UserID); err != nil {
		return err
	}
	if c.AssigneeID == 0 || (c.AssigneeID == actor.UserID && !auto) {
		return nil
	}
	lang := userLang(tx, c.AssigneeID, acct)
	body := tr(lang, "Assigned by %s", "Atribuída por %s", by)
	if auto {
		body = tr(lang, "Assigned by auto-assignment", "Atribuída pela atribuição automática")
	}
	return notify.Send(tx, notify.Notification{AccountID: acct.ID, UserID: c.AssigneeID, Type: NotifyAssigned,
		Title: tr(lang, "Conversation #%d was assigned to you", "A conversa #%d foi atribuída a você", c.DisplayID),
		Body:  body, Link: Link(c.DisplayID)})
}

// announceTeam writes the activity line of c's (new) team, which also stores c.
func (s *Service) announceTeam(tx *storage.Tx, acct *accounts.Account, actor access.Actor, c *Conversation) error {
	name := ""
	if c.TeamID != 0 {
		if t, err := accounts.Teams.Get(tx, acct.ID, c.TeamID); err == nil {
			name = t.Name
		}
	}
	return s.addActivity(tx, c, teamLine(acct.Language, name, actorName(tx, actor)), actor.UserID)
}

// AssignTo is Assign answering what the API shows: the new assignee when one was set, else the
// new team when one was set (both nil after unassigning).
func (s *Service) AssignTo(ctx context.Context, actor access.Actor, id uint64, in Assignment) (*AssigneeView, *TeamSummary, error) {
	key, err := s.mediaKey()
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Assign(ctx, actor, id, in)
	if err != nil {
		return nil, nil, err
	}
	var agent *AssigneeView
	var team *TeamSummary
	err = s.DB.View(func(tx *storage.Tx) error {
		vs := s.views(tx, key, actor.AccountID, actor.UserID)
		if in.AssigneeID != nil {
			agent = vs.assignee(c.AssigneeID)
		} else if in.TeamID != nil {
			team = vs.teamSummary(c.TeamID)
		}
		return nil
	})
	return agent, team, err
}
