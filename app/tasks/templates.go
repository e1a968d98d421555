package tasks

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
)

// Template limits.
const (
	MaxTemplateName     = 80
	MaxTemplateSubtasks = 50
	// MaxDueOffsetDays keeps a template's due offsets within ten years.
	MaxDueOffsetDays = 3650
)

// EventTemplateChanged tells open settings pages that a task template changed.
const EventTemplateChanged = "task_template_changed"

// TaskTemplateInput creates (POST) or changes (PATCH: absent fields stay) a task template. Slices
// replace the template's ones when present ([] clears them).
type TaskTemplateInput struct {
	Name             *string           `json:"name,omitempty" maxLength:"80"`
	Title            *string           `json:"title,omitempty" maxLength:"255"`
	Description      *string           `json:"description,omitempty"`
	Priority         *string           `json:"priority,omitempty" doc:"none, low, medium, high or urgent"`
	ListID           *uint64           `json:"list_id,omitempty"`
	AssigneeIDs      []uint64          `json:"assignee_ids,omitempty"`
	Labels           []string          `json:"labels,omitempty"`
	DueOffsetDays    *int              `json:"due_offset_days,omitempty" doc:"the task is due this many days after it is created; -1 removes the due date"`
	Checklist        []string          `json:"checklist,omitempty"`
	Subtasks         []TemplateSubtask `json:"subtasks,omitempty"`
	CustomAttributes map[string]any    `json:"custom_attributes,omitempty"`
}

// TemplateApplyInput changes what a template gives the task it creates; absent fields keep the
// template's. DueAt is RFC 3339 or YYYY-MM-DD (all-day).
type TemplateApplyInput struct {
	Title          *string  `json:"title,omitempty" maxLength:"255"`
	ListID         *uint64  `json:"list_id,omitempty"`
	DueAt          *string  `json:"due_at,omitempty"`
	AssigneeIDs    []uint64 `json:"assignee_ids,omitempty"`
	ContactID      *uint64  `json:"contact_id,omitempty"`
	ConversationID *uint64  `json:"conversation_id,omitempty" doc:"the conversation's display number"`
	DealID         *uint64  `json:"deal_id,omitempty"`
	CompanyID      *uint64  `json:"company_id,omitempty"`
}

// Templates lists the account's task templates by name.
func (s *Service) Templates(ctx context.Context, actor access.Actor) ([]Template, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	out := []Template{}
	err := s.db.View(func(tx *storage.Tx) error {
		return Templates.Each(tx, actor.AccountID, storage.Query{Index: "name"}, func(t *Template) bool { out = append(out, *t); return true })
	})
	return out, err
}

// Template returns one task template.
func (s *Service) Template(ctx context.Context, actor access.Actor, id uint64) (*Template, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var t *Template
	err := s.db.View(func(tx *storage.Tx) (err error) {
		t, err = templateTx(tx, actor.AccountID, id)
		return err
	})
	return t, err
}

func templateTx(tx *storage.Tx, account, id uint64) (*Template, error) {
	t, err := Templates.Get(tx, account, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.NotFoundf("template %d not found", id)
	}
	return t, err
}

// CreateTemplate adds a task template (administrators).
func (s *Service) CreateTemplate(ctx context.Context, actor access.Actor, in TaskTemplateInput) (*Template, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	now := s.now()
	t := &Template{AccountID: actor.AccountID, Priority: "none", CreatedAt: now, UpdatedAt: now}
	err := s.db.Update(func(tx *storage.Tx) error {
		if err := checkTemplate(tx, in, t, true); err != nil {
			return err
		}
		if err := Templates.Put(tx, t); err != nil {
			return templateNameTaken(err)
		}
		return emitTemplateTx(tx, actor, t)
	})
	return t, err
}

// UpdateTemplate changes a task template (administrators); tasks made from it stay as they are.
func (s *Service) UpdateTemplate(ctx context.Context, actor access.Actor, id uint64, in TaskTemplateInput) (*Template, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var t *Template
	err := s.db.Update(func(tx *storage.Tx) (err error) {
		if t, err = templateTx(tx, actor.AccountID, id); err != nil {
			return err
		}
		if err := checkTemplate(tx, in, t, false); err != nil {
			return err
		}
		t.UpdatedAt = s.now()
		if err := Templates.Put(tx, t); err != nil {
			return templateNameTaken(err)
		}
		return emitTemplateTx(tx, actor, t)
	})
	return t, err
}

// DeleteTemplate removes a task template (administrators); tasks made from it keep template_id.
func (s *Service) DeleteTemplate(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		t, err := templateTx(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := Templates.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emitTemplateTx(tx, actor, t)
	})
}

func emitTemplateTx(tx *storage.Tx, actor access.Actor, t *Template) error {
	return tx.EmitData(storage.Event{Account: t.AccountID, Type: EventTemplateChanged, Entity: Templates.Name(), ID: t.ID, Actor: actor.UserID}, t)
}

func templateNameTaken(err error) error {
	if apperr.Is(err, apperr.Conflict) {
		return apperr.Field("name", "is already used by another template")
	}
	return err
}

// isMember reports whether the user works in the account.
func isMember(tx *storage.Tx, account, user uint64) bool {
	_, err := accounts.Members.GetBy(tx, account, "user", storage.Uint(user))
	return err == nil
}

// checkTemplate validates in onto t; create requires a name and a title.
func checkTemplate(tx *storage.Tx, in TaskTemplateInput, t *Template, create bool) error {
	var fe apperr.Fields
	text := func(field string, v *string, dst *string, required bool, limit int) {
		if v == nil && !create {
			return
		}
		val := ""
		if v != nil {
			val = strings.TrimSpace(*v)
		}
		switch n := utf8.RuneCountInString(val); {
		case n == 0 && required:
			fe.Add(field, "is required")
		case n > limit:
			fe.Add(field, fmt.Sprintf("must be at most %d characters", limit))
		}
		*dst = val
	}
	text("name", in.Name, &t.Name, true, MaxTemplateName)
	text("title", in.Title, &t.Title, true, MaxTitle)
	text("description", in.Description, &t.Description, false, MaxDescription)
	if in.Priority != nil {
		t.Priority = *in.Priority
		if t.Priority == "" {
			t.Priority = "none"
		}
		if !slices.Contains(Priorities, t.Priority) {
			fe.Add("priority", "must be one of "+strings.Join(Priorities, ", "))
		}
	}
	if in.ListID != nil {
		t.ListID = *in.ListID
		if t.ListID != 0 && !Lists.Exists(tx, t.AccountID, t.ListID) {
			fe.Add("list_id", fmt.Sprintf("list %d not found", t.ListID))
		}
	}
	if in.AssigneeIDs != nil {
		t.AssigneeIDs = cleanAssignees(tx, t.AccountID, in.AssigneeIDs, &fe)
	}
	if in.Labels != nil {
		t.Labels = cleanLabels(in.Labels, &fe)
	}
	offset := func(field string, v *int) {
		if v != nil && (*v < 0 || *v > MaxDueOffsetDays) {
			fe.Add(field, fmt.Sprintf("must be between 0 and %d days", MaxDueOffsetDays))
		}
	}
	if in.DueOffsetDays != nil {
		if *in.DueOffsetDays == -1 {
			t.DueOffsetDays = nil
		} else {
			offset("due_offset_days", in.DueOffsetDays)
			d := *in.DueOffsetDays
			t.DueOffsetDays = &d
		}
	}
	if in.Checklist != nil {
		items := []string{}
		for _, text := range in.Checklist {
			text = strings.TrimSpace(text)
			if text == "" || utf8.RuneCountInString(text) > MaxChecklistText {
				fe.Add("checklist", fmt.Sprintf("each item needs 1 to %d characters", MaxChecklistText))
				continue
			}
			items = append(items, text)
		}
		if len(items) > MaxChecklist {
			fe.Add("checklist", fmt.Sprintf("at most %d items", MaxChecklist))
		}
		t.Checklist = items
	}
	if in.Subtasks != nil {
		subs := make([]TemplateSubtask, 0, len(in.Subtasks))
		if len(in.Subtasks) > MaxTemplateSubtasks {
			fe.Add("subtasks", fmt.Sprintf("at most %d subtasks", MaxTemplateSubtasks))
		}
		for i, st := range in.Subtasks {
			field := func(name string) string { return fmt.Sprintf("subtasks.%d.%s", i, name) }
			st.Title = strings.TrimSpace(st.Title)
			switch n := utf8.RuneCountInString(st.Title); {
			case n == 0:
				fe.Add(field("title"), "is required")
			case n > MaxTitle:
				fe.Add(field("title"), fmt.Sprintf("must be at most %d characters", MaxTitle))
			}
			if st.Priority != "" && !slices.Contains(Priorities, st.Priority) {
				fe.Add(field("priority"), "must be one of "+strings.Join(Priorities, ", "))
			}
			if st.AssigneeID != 0 && !isMember(tx, t.AccountID, st.AssigneeID) {
				fe.Add(field("assignee_id"), fmt.Sprintf("user %d is not a member of this account", st.AssigneeID))
			}
			offset(field("due_offset_days"), st.DueOffsetDays)
			subs = append(subs, st)
		}
		t.Subtasks = subs
	}
	if in.CustomAttributes != nil {
		vals, bad := contacts.ValidateAttributes(tx, t.AccountID, contacts.ModelTask, in.CustomAttributes)
		for k, v := range bad {
			fe.Add(k, v)
		}
		kept := map[string]any{}
		for k, v := range vals {
			if v != nil {
				kept[k] = v
			}
		}
		if len(kept) == 0 {
			kept = nil
		}
		t.CustomAttributes = kept
	}
	return fe.Err()
}

// ApplyTemplate creates a task from a template — its fields, checklist and subtasks, each
// subtask due its offset in days after today (all-day dates in the account's zone) — in one
// transaction: if any part is refused (an assignee who left the account), nothing is written.
func (s *Service) ApplyTemplate(ctx context.Context, actor access.Actor, id uint64, in TemplateApplyInput) (*TaskDetail, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out *TaskDetail
	err := s.db.Update(func(tx *storage.Tx) error {
		tpl, err := templateTx(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		acct, err := accountOf(tx, actor.AccountID)
		if err != nil {
			return err
		}
		today := s.now().In(acct.Location())
		day := func(offset *int) *string {
			if offset == nil {
				return nil
			}
			d := today.AddDate(0, 0, *offset).Format(time.DateOnly)
			return &d
		}
		title, desc, prio, list := tpl.Title, tpl.Description, tpl.Priority, tpl.ListID
		root := TaskInput{Title: &title, Priority: &prio, ListID: &list, AssigneeIDs: tpl.AssigneeIDs, DueAt: day(tpl.DueOffsetDays),
			Labels: tpl.Labels, CustomAttributes: tpl.CustomAttributes, Checklist: tpl.Checklist,
			ContactID: in.ContactID, ConversationID: in.ConversationID, DealID: in.DealID, CompanyID: in.CompanyID}
		if desc != "" {
			root.Description = &desc
		}
		if in.Title != nil {
			root.Title = in.Title
		}
		if in.ListID != nil {
			root.ListID = in.ListID
		}
		if in.DueAt != nil {
			root.DueAt = in.DueAt
		}
		if in.AssigneeIDs != nil {
			root.AssigneeIDs = in.AssigneeIDs
		}
		if root.AssigneeIDs == nil {
			root.AssigneeIDs = []uint64{}
		}
		t, err := s.createTx(tx, actor, root, func(t *Task) { t.TemplateID = tpl.ID }, false)
		if err != nil {
			return err
		}
		for i, st := range tpl.Subtasks {
			sub := TaskInput{Title: &st.Title, ParentID: &t.ID, DueAt: day(st.DueOffsetDays), AssigneeIDs: []uint64{}}
			if st.Priority != "" {
				sub.Priority = &st.Priority
			}
			if st.AssigneeID != 0 {
				sub.AssigneeIDs = []uint64{st.AssigneeID}
			}
			if _, err := s.createTx(tx, actor, sub, func(k *Task) { k.TemplateID = tpl.ID }, false); err != nil {
				return prefixFields(err, fmt.Sprintf("subtasks.%d.", i))
			}
		}
		out, err = s.detailTx(tx, actor, t)
		return err
	})
	return out, err
}

// prefixFields names the fields of a validation error after the part of a request they came
// from ("subtasks.2.assignee_ids").
func prefixFields(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	var fe apperr.Fields
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare)
	for _, k := range keys {
		fe.Add(prefix+k, e.Fields[k])
	}
	return fe.Err()
}
