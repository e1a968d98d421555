package tasks

import (
	"fmt"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/crm"
	"github.com/parleyhq/parley/storage"
)

// linker answers, for one actor, whether the records a task links to exist and whether the
// actor may see them. It reads the actor's privacy scope and conversation visibility once, so a
// page of tasks costs one lookup per link, not per rule.
type linker struct {
	tx       *storage.Tx
	actor    access.Actor
	scope    contacts.Scope
	seesConv func(*conversations.Conversation) bool
}

func newLinker(tx *storage.Tx, actor access.Actor) (*linker, error) {
	sc, err := contacts.ScopeOf(tx, actor)
	if err != nil {
		return nil, err
	}
	return &linker{tx: tx, actor: actor, scope: sc, seesConv: conversations.Sees(tx, actor)}, nil
}

// conversation loads a conversation by display number.
func (l *linker) conversation(display uint64) (*conversations.Conversation, error) {
	return conversations.Conversations.GetBy(l.tx, l.actor.AccountID, "display", storage.Uint(display))
}

// check validates the links of t that changed from prev (nil on create): each must exist in the
// account and be visible to the actor; otherwise the field reads "contact 9 not found", so
// hidden records look exactly like missing ones.
func (l *linker) check(prev, t *Task, fe *apperr.Fields) {
	account := l.actor.AccountID
	changed := func(a, b uint64) bool { return a != 0 && (prev == nil || a != b) }
	if changed(t.ContactID, prevOr(prev).ContactID) {
		c, err := contacts.Contacts.Get(l.tx, account, t.ContactID)
		if err != nil || !l.scope.Sees(c.OwnerID) {
			fe.Add("contact_id", fmt.Sprintf("contact %d not found", t.ContactID))
		}
	}
	if changed(t.ConversationID, prevOr(prev).ConversationID) {
		c, err := l.conversation(t.ConversationID)
		if err != nil || !l.seesConv(c) {
			fe.Add("conversation_id", fmt.Sprintf("conversation %d not found", t.ConversationID))
		}
	}
	if changed(t.DealID, prevOr(prev).DealID) {
		d, err := crm.Deals.Get(l.tx, account, t.DealID)
		if err != nil || !l.scope.Sees(d.OwnerID) {
			fe.Add("deal_id", fmt.Sprintf("deal %d not found", t.DealID))
		}
	}
	if changed(t.CompanyID, prevOr(prev).CompanyID) {
		if !contacts.Companies.Exists(l.tx, account, t.CompanyID) {
			fe.Add("company_id", fmt.Sprintf("company %d not found", t.CompanyID))
		}
	}
}

func prevOr(prev *Task) *Task {
	if prev == nil {
		return &Task{}
	}
	return prev
}

// refs fills the link references of a view: a name when the actor may see the record, Hidden
// when not, Missing when it was deleted since.
func (l *linker) refs(t *Task, v *TaskView) {
	account := t.AccountID
	if t.ContactID != 0 {
		r := &LinkRef{ID: t.ContactID}
		if c, err := contacts.Contacts.Get(l.tx, account, t.ContactID); err != nil {
			r.Missing = true
		} else if !l.scope.Sees(c.OwnerID) {
			r.Hidden = true
		} else {
			r.Name = c.Name
		}
		v.Contact = r
	}
	if t.ConversationID != 0 {
		r := &LinkRef{ID: t.ConversationID}
		if c, err := l.conversation(t.ConversationID); err != nil {
			r.Missing = true
		} else if !l.seesConv(c) {
			r.Hidden = true
		} else {
			r.Name = fmt.Sprintf("#%d", c.DisplayID)
		}
		v.Conversation = r
	}
	if t.DealID != 0 {
		r := &LinkRef{ID: t.DealID}
		if d, err := crm.Deals.Get(l.tx, account, t.DealID); err != nil {
			r.Missing = true
		} else if !l.scope.Sees(d.OwnerID) {
			r.Hidden = true
		} else {
			r.Name = d.Title
		}
		v.Deal = r
	}
	if t.CompanyID != 0 {
		r := &LinkRef{ID: t.CompanyID}
		if c, err := contacts.Companies.Get(l.tx, account, t.CompanyID); err != nil {
			r.Missing = true
		} else {
			r.Name = c.Name
		}
		v.Company = r
	}
}
