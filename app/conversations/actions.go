package conversations

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
)

// Kinds of manual actions.
var actionKinds = []string{"call", "message", "email", "other"}

// ActionInput is a manual action to queue. ConversationID is the conversation's display number.
type ActionInput struct {
	Kind           string     `json:"kind"`
	Title          string     `json:"title"`
	Note           string     `json:"note,omitempty"`
	ContactID      uint64     `json:"contact_id,omitempty"`
	ConversationID uint64     `json:"conversation_id,omitempty"`
	AssigneeID     uint64     `json:"assignee_id,omitempty"`
	Source         string     `json:"source,omitempty"`
	DueAt          *time.Time `json:"due_at,omitempty"`
}

// ActionFilter selects the queue: Assignee "me" (the actor's actions) or "all" (default: every
// action the actor may see), Done for the finished ones instead of the open ones.
type ActionFilter struct {
	Assignee string `json:"assignee,omitempty"`
	Done     bool   `json:"done,omitempty"`
}

func actionEvent(tx *storage.Tx, actor access.Actor, a *ManualAction) error {
	return tx.EmitData(storage.Event{Account: a.AccountID, Type: EventManualActionChanged, Entity: ManualActions.Name(), ID: a.ID, Actor: actor.UserID}, a)
}

// CreateAction queues a manual action (automation, or people who work conversations) and tells
// its assignee. ManualAction.ConversationID holds the conversation's display number.
func (s *Service) CreateAction(ctx context.Context, actor access.Actor, in ActionInput) (*ManualAction, error) {
	if err := actor.Require("conversations", access.Manage); err != nil {
		return nil, err
	}
	var fe apperr.Fields
	kind := strings.ToLower(strings.TrimSpace(in.Kind))
	if kind == "" {
		kind = "other"
	}
	valid := false
	for _, k := range actionKinds {
		valid = valid || k == kind
	}
	if !valid {
		fe.Add("kind", "must be call, message, email or other")
	}
	title := strings.TrimSpace(in.Title)
	switch {
	case title == "":
		fe.Add("title", "is required")
	case len([]rune(title)) > 200:
		fe.Add("title", "must be at most 200 characters")
	}
	if len([]rune(in.Note)) > 5000 {
		fe.Add("note", "must be at most 5000 characters")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	a := &ManualAction{AccountID: actor.AccountID, Kind: kind, Title: title, Note: strings.TrimSpace(in.Note), ContactID: in.ContactID,
		ConversationID: in.ConversationID, AssigneeID: in.AssigneeID, Source: strings.TrimSpace(in.Source), CreatedAt: s.now()}
	if in.DueAt != nil {
		due := in.DueAt.UTC()
		a.DueAt = &due
	}
	err := s.DB.Update(func(tx *storage.Tx) error {
		var fe apperr.Fields
		if a.AssigneeID != 0 {
			if _, err := accounts.Members.GetBy(tx, a.AccountID, "user", storage.Uint(a.AssigneeID)); err != nil {
				fe.Add("assignee_id", "is not an agent of this account")
			}
		}
		if a.ContactID != 0 && !contacts.Contacts.Exists(tx, a.AccountID, a.ContactID) {
			fe.Add("contact_id", "is not a contact of this account")
		}
		if a.ConversationID != 0 {
			c, err := Conversations.GetBy(tx, a.AccountID, "display", storage.Uint(a.ConversationID))
			if err != nil {
				fe.Add("conversation_id", "is not a conversation of this account")
			} else if a.ContactID == 0 {
				a.ContactID = c.ContactID
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := ManualActions.Put(tx, a); err != nil {
			return err
		}
		if a.AssigneeID != 0 && a.AssigneeID != actor.UserID {
			if err := notifyAction(tx, a); err != nil {
				return err
			}
		}
		return actionEvent(tx, actor, a)
	})
	return a, err
}

func notifyAction(tx *storage.Tx, a *ManualAction) error {
	title, body := "New action for you: "+a.Title, a.Note
	if u, err := auth.Users.Get(tx, 0, a.AssigneeID); err == nil && u.Language == "pt-BR" {
		title = "Nova ação para você: " + a.Title
	}
	link := "/manual-actions"
	if a.ConversationID != 0 {
		link = fmt.Sprintf("/conversations/%d", a.ConversationID)
	}
	return notify.Send(tx, notify.Notification{AccountID: a.AccountID, UserID: a.AssigneeID, Type: "manual_action_assigned", Title: title, Body: body, Link: link})
}

// mayWork reports whether the actor sees action a: administrators all, agents their own and
// the unassigned ones.
func mayWork(actor access.Actor, a *ManualAction) bool {
	return actor.IsAdmin() || a.AssigneeID == 0 || a.AssigneeID == actor.UserID
}

// ActionPageSize is the queue's page size.
const ActionPageSize = 25

// ListActions returns a page of the queue: open actions by due date (undated first), or done
// ones newest first. cursor continues a previous page (Page.Next).
func (s *Service) ListActions(ctx context.Context, actor access.Actor, f ActionFilter, cursor string) (storage.Page[ManualAction], error) {
	var page storage.Page[ManualAction]
	if err := actor.Require("conversations", access.View); err != nil {
		return page, err
	}
	var q storage.Query
	mine := f.Assignee == "me"
	switch {
	case f.Assignee != "" && f.Assignee != "me" && f.Assignee != "all":
		return page, apperr.Field("assignee", "must be me or all")
	case f.Done:
		q = storage.Query{Reverse: true}
	case mine:
		q = storage.Query{Index: "open", Prefix: storage.Uint(actor.UserID)}
	default:
		q = storage.Query{Index: "open", Prefix: storage.Str("all")}
	}
	keep := func(a *ManualAction) bool {
		if f.Done != (a.DoneAt != nil) {
			return false
		}
		if mine {
			return a.AssigneeID == actor.UserID
		}
		return mayWork(actor, a)
	}
	err := s.DB.View(func(tx *storage.Tx) (err error) {
		page, err = filteredPage(tx, ManualActions, actor.AccountID, q, cursor, ActionPageSize, keep)
		return err
	})
	if page.Items == nil {
		page.Items = []ManualAction{}
	}
	return page, err
}

// filteredPage pages through q keeping only what keep accepts, with a cursor that resumes right
// after the last record returned (a filter makes the store's own pages uneven).
func filteredPage[T any](tx *storage.Tx, coll *storage.Collection[T], account uint64, q storage.Query, cursor string, limit int, keep func(*T) bool) (storage.Page[T], error) {
	var out storage.Page[T]
	q.Limit, q.Cursor = 1, cursor
	first := true
	for first || q.Cursor != "" {
		first = false
		step, err := coll.Scan(tx, account, q)
		if err != nil && cursor != "" {
			return out, apperr.Field("cursor", "is not a cursor of this list")
		}
		if err != nil {
			return out, err
		}
		if len(step.Items) == 0 {
			break
		}
		if keep(&step.Items[0]) {
			if len(out.Items) == limit {
				out.Next = q.Cursor
				break
			}
			out.Items = append(out.Items, step.Items[0])
		}
		q.Cursor = step.Next
	}
	return out, nil
}

// changeAction loads an action the actor may work and lets fn change it.
func (s *Service) changeAction(actor access.Actor, id uint64, fn func(a *ManualAction) bool) (*ManualAction, error) {
	if err := actor.Require("conversations", access.Manage); err != nil {
		return nil, err
	}
	var a *ManualAction
	err := s.DB.Update(func(tx *storage.Tx) (err error) {
		if a, err = ManualActions.Get(tx, actor.AccountID, id); err != nil {
			return err
		}
		if !mayWork(actor, a) {
			return apperr.NotFoundf("manual action %d not found", id)
		}
		if !fn(a) {
			return nil
		}
		if err := ManualActions.Put(tx, a); err != nil {
			return err
		}
		return actionEvent(tx, actor, a)
	})
	return a, err
}

// CompleteAction marks an action done; completing a done action changes nothing.
func (s *Service) CompleteAction(ctx context.Context, actor access.Actor, id uint64) (*ManualAction, error) {
	return s.changeAction(actor, id, func(a *ManualAction) bool {
		if a.DoneAt != nil {
			return false
		}
		now := s.now()
		a.DoneAt, a.DoneBy = &now, actor.UserID
		return true
	})
}

// ReopenAction puts a done action back in the queue.
func (s *Service) ReopenAction(ctx context.Context, actor access.Actor, id uint64) (*ManualAction, error) {
	return s.changeAction(actor, id, func(a *ManualAction) bool {
		if a.DoneAt == nil {
			return false
		}
		a.DoneAt, a.DoneBy = nil, 0
		return true
	})
}
