package tasks

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// MaxListName is the longest list name.
const MaxListName = 80

// listColors are handed out in turn to lists created without a colour, so neighbours differ.
var listColors = []string{"#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6", "#64748b"}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// systemListNames are the names of the lists Parley makes itself, in English and Portuguese: the
// list is named once, in the account's language, when it is first needed.
var systemListNames = map[string][2]string{
	SystemManualActions: {"Manual actions", "Ações manuais"},
}

// TaskListView is a list with how many of its tasks are open and how many it holds in all.
type TaskListView struct {
	List
	OpenCount  int `json:"open_count"`
	TotalCount int `json:"total_count"`
}

// TaskListInput creates (POST) or changes (PATCH: absent fields stay) a task list.
type TaskListInput struct {
	Name     *string `json:"name,omitempty" maxLength:"80"`
	Color    *string `json:"color,omitempty" doc:"#rrggbb"`
	Position *int    `json:"position,omitempty"`
}

// accountOf loads the account a task belongs to (language, time zone).
func accountOf(tx *storage.Tx, account uint64) (*accounts.Account, error) {
	return accounts.Accounts.Get(tx, 0, account)
}

// ptBR reports whether an account speaks Brazilian Portuguese (the default when unset).
func ptBR(a *accounts.Account) bool {
	return a == nil || a.Language == "" || strings.HasPrefix(strings.ToLower(a.Language), "pt")
}

// systemListTx returns the account's system list (creating it, named in the account's
// language, the first time it is needed): the manual actions queue lives in one.
func (s *Service) systemListTx(tx *storage.Tx, account uint64, system string) (*List, error) {
	if l, err := Lists.GetBy(tx, account, "system", storage.Str(system)); err == nil {
		return l, nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	names, ok := systemListNames[system]
	if !ok {
		return nil, fmt.Errorf("tasks: unknown system list %q", system)
	}
	acct, err := accountOf(tx, account)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	name := names[0]
	if ptBR(acct) {
		name = names[1]
	}
	n := Lists.Len(tx, account)
	now := s.now()
	l := &List{AccountID: account, Name: name, Color: listColors[n%len(listColors)], Position: n, System: system, CreatedAt: now, UpdatedAt: now}
	// A user's own list may already carry the name: the system list then takes a numbered one.
	for i := 2; ; i++ {
		if _, err := Lists.GetBy(tx, account, "name", storage.Str(storage.Fold(l.Name))); apperr.Is(err, apperr.NotFound) {
			break
		} else if err != nil {
			return nil, err
		}
		l.Name = fmt.Sprintf("%s (%d)", name, i)
	}
	if err := Lists.Put(tx, l); err != nil {
		return nil, err
	}
	return l, s.emitListTx(tx, access.SystemActor(account), l)
}

// emitListTx tells open windows and webhooks that a list changed (created, edited, deleted).
func (s *Service) emitListTx(tx *storage.Tx, actor access.Actor, l *List) error {
	return tx.EmitData(storage.Event{Account: l.AccountID, Type: EventListChanged, Entity: Lists.Name(), ID: l.ID, Actor: actor.UserID}, l)
}

// checkList validates a list input onto l; create requires a name.
func checkList(in TaskListInput, l *List, create bool) error {
	var fe apperr.Fields
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		switch {
		case name == "":
			fe.Add("name", "is required")
		case utf8.RuneCountInString(name) > MaxListName:
			fe.Add("name", fmt.Sprintf("must be at most %d characters", MaxListName))
		}
		l.Name = name
	} else if create {
		fe.Add("name", "is required")
	}
	if in.Color != nil {
		c := strings.TrimSpace(*in.Color)
		if !colorRE.MatchString(c) {
			fe.Add("color", "must be a colour as #rrggbb")
		}
		l.Color = strings.ToLower(c)
	}
	if in.Position != nil {
		if *in.Position < 0 {
			fe.Add("position", "must not be negative")
		}
		l.Position = *in.Position
	}
	return fe.Err()
}

// nameTaken turns the unique index clash on the folded name into a message people understand.
func nameTaken(err error) error {
	if apperr.Is(err, apperr.Conflict) {
		e, _ := apperr.As(err)
		if _, ok := e.Fields["name"]; ok {
			return &apperr.Error{Kind: apperr.Conflict, Message: "a list with this name already exists", Fields: map[string]string{"name": "is already taken"}}
		}
	}
	return err
}

// Lists returns the account's task lists by position, with their counts.
func (s *Service) Lists(ctx context.Context, actor access.Actor) ([]TaskListView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	out := []TaskListView{}
	err := s.db.View(func(tx *storage.Tx) error {
		err := Lists.Each(tx, actor.AccountID, storage.Query{}, func(l *List) bool {
			out = append(out, TaskListView{List: *l})
			return true
		})
		for i := range out {
			if err != nil {
				return err
			}
			err = Tasks.Each(tx, actor.AccountID, storage.Query{Index: "list", Prefix: storage.Uint(out[i].ID)}, func(t *Task) bool {
				out[i].TotalCount++
				if !t.Closed() {
					out[i].OpenCount++
				}
				return true
			})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Position < out[j].Position })
	return out, err
}

// CreateList adds a task list at the end.
func (s *Service) CreateList(ctx context.Context, actor access.Actor, in TaskListInput) (*List, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out *List
	err := s.db.Update(func(tx *storage.Tx) error {
		n := Lists.Len(tx, actor.AccountID)
		now := s.now()
		l := &List{AccountID: actor.AccountID, Color: listColors[n%len(listColors)], Position: n, CreatedAt: now, UpdatedAt: now}
		if err := checkList(in, l, true); err != nil {
			return err
		}
		if err := Lists.Put(tx, l); err != nil {
			return nameTaken(err)
		}
		out = l
		return s.emitListTx(tx, actor, l)
	})
	return out, err
}

// UpdateList renames, recolours or moves a list; system lists stay as Parley made them.
func (s *Service) UpdateList(ctx context.Context, actor access.Actor, id uint64, in TaskListInput) (*List, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out *List
	err := s.db.Update(func(tx *storage.Tx) error {
		l, err := Lists.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if l.System != "" {
			return apperr.Conflictf("system lists cannot be changed")
		}
		if err := checkList(in, l, false); err != nil {
			return err
		}
		l.UpdatedAt = s.now()
		if err := Lists.Put(tx, l); err != nil {
			return nameTaken(err)
		}
		out = l
		return s.emitListTx(tx, actor, l)
	})
	return out, err
}

// DeleteList removes a list (administrators only); its tasks stay, outside any list, and so do
// the tasks templates make from now on.
func (s *Service) DeleteList(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		l, err := Lists.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if !actor.IsAdmin() {
			return apperr.Forbiddenf("only administrators can delete task lists")
		}
		if l.System != "" {
			return apperr.Conflictf("system lists cannot be changed")
		}
		var members []Task
		err = Tasks.Each(tx, actor.AccountID, storage.Query{Index: "list", Prefix: storage.Uint(id)}, func(t *Task) bool {
			members = append(members, *t)
			return true
		})
		if err != nil {
			return err
		}
		now := s.now()
		for i := range members {
			t := &members[i]
			prev := *t
			t.ListID = 0
			t.UpdatedAt = now
			if err := s.putTx(tx, actor, &prev, t); err != nil {
				return err
			}
		}
		// Templates that filed their tasks in the list file them nowhere now; otherwise applying
		// one would fail on a list that no longer exists.
		var tpls []Template
		err = Templates.Each(tx, actor.AccountID, storage.Query{}, func(t *Template) bool {
			if t.ListID == id {
				tpls = append(tpls, *t)
			}
			return true
		})
		if err != nil {
			return err
		}
		for i := range tpls {
			tpls[i].ListID, tpls[i].UpdatedAt = 0, now
			if err := Templates.Put(tx, &tpls[i]); err != nil {
				return err
			}
			if err := emitTemplateTx(tx, actor, &tpls[i]); err != nil {
				return err
			}
		}
		if err := Lists.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return s.emitListTx(tx, actor, l)
	})
}
