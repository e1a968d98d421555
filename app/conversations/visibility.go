package conversations

import (
	"slices"
	"strings"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// viewer answers "may this person see that conversation" for many conversations in one call:
// the person's teams and inboxes are read once, when it is built.
//
// The rule: administrators (and Parley itself) see everything. An agent sees the conversations
// of the inboxes they work in (a member of Inbox.MemberIDs or of a team in Inbox.TeamIDs). With
// OwnConversationsOnly, only those assigned to them, to one of their teams, or unassigned (no
// agent and no team) in those inboxes. Whoever may not see a conversation is told it does not
// exist, on every route and in search.
type viewer struct {
	userID uint64
	all    bool
	own    bool
	// everyInbox: the person works every inbox of the account.
	everyInbox bool
	inboxes    map[uint64]bool
	teams      map[uint64]bool
}

// viewerOf builds the viewer for actor in its account.
func viewerOf(tx *storage.Tx, actor access.Actor) *viewer {
	v := &viewer{userID: actor.UserID, own: actor.OwnConversationsOnly}
	if actor.IsAdmin() {
		v.all = true
		return v
	}
	v.teams, v.inboxes = memberships(tx, actor.AccountID, actor.UserID)
	v.everyInbox = len(v.inboxes) == inboxes.Inboxes.Len(tx, actor.AccountID)
	return v
}

// memberships lists the teams a user belongs to and the inboxes they work in.
func memberships(tx *storage.Tx, account, userID uint64) (teams, ins map[uint64]bool) {
	teams, ins = map[uint64]bool{}, map[uint64]bool{}
	accounts.Teams.Each(tx, account, storage.Query{}, func(t *accounts.Team) bool {
		if slices.Contains(t.MemberIDs, userID) {
			teams[t.ID] = true
		}
		return true
	})
	ids, _ := inboxes.OfUser(tx, account, userID)
	for _, id := range ids {
		ins[id] = true
	}
	return teams, ins
}

// canSeeRef applies the rule to an event's reference, so the realtime filter needs no read.
func (v *viewer) canSeeRef(r Ref) bool {
	return v.sees(r.InboxID, r.AssigneeID, r.TeamID)
}

// Sees builds the rule for actor once, for other areas that show the conversations they link to
// (a task's conversation): it reports whether actor may see a stored conversation.
func Sees(tx *storage.Tx, actor access.Actor) func(c *Conversation) bool {
	return viewerOf(tx, actor).canSee
}

// canSee applies the rule to a stored conversation.
func (v *viewer) canSee(c *Conversation) bool { return v.sees(c.InboxID, c.AssigneeID, c.TeamID) }

func (v *viewer) sees(inbox, assignee, team uint64) bool {
	if v.all {
		return true
	}
	if !v.inboxes[inbox] {
		return false
	}
	if !v.own {
		return true
	}
	return assignee == v.userID || (team != 0 && v.teams[team]) || (assignee == 0 && team == 0)
}

// inboxWorkers are the user ids who work an inbox: its members and its teams' members, sorted.
func inboxWorkers(tx *storage.Tx, in *inboxes.Inbox) []uint64 {
	ids := slices.Clone(in.MemberIDs)
	for _, tid := range in.TeamIDs {
		if t, err := accounts.Teams.Get(tx, in.AccountID, tid); err == nil {
			ids = append(ids, t.MemberIDs...)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// worksIn reports whether a user works in the inbox (the inboxes area owns the rule).
func worksIn(tx *storage.Tx, in *inboxes.Inbox, userID uint64) bool {
	return inboxes.WorksIn(tx, in, userID)
}

// memberActor builds the actor of a member of account as the API would (role, custom role
// permissions and OwnConversationsOnly); ok is false for a user who is not a member.
func memberActor(tx *storage.Tx, account, userID uint64) (access.Actor, bool) {
	m, err := accounts.Members.GetBy(tx, account, "user", storage.Uint(userID))
	if err != nil {
		return access.Actor{}, false
	}
	a := access.Actor{UserID: userID, AccountID: account, Role: m.Role}
	if m.Role != access.Administrator {
		a.Permissions = access.AgentDefaults
		if m.CustomRoleID != 0 {
			if r, err := accounts.CustomRoles.Get(tx, account, m.CustomRoleID); err == nil {
				a.Permissions, a.OwnConversationsOnly = r.Permissions, r.OwnConversationsOnly
			}
		}
	}
	return a, true
}

// userSees reports whether a member may see the conversation (used for mention notifications).
func userSees(tx *storage.Tx, c *Conversation, userID uint64) bool {
	a, ok := memberActor(tx, c.AccountID, userID)
	return ok && a.Can(module, access.View) && viewerOf(tx, a).canSee(c)
}

// RealtimeFilter decides, for one change-feed event, which users of its account may receive it:
// conversation and message events (those whose data holds a conversation reference) reach only
// the people allowed to see that conversation, decided from the reference alone. Other events
// return nil (everyone in the account). The predicate caches each user's answer, so a batch of
// windows costs one read per user.
func (s *Service) RealtimeFilter(e storage.Event) func(userID uint64) bool {
	if len(e.Data) == 0 || e.Account == 0 {
		return nil
	}
	var d struct {
		Conversation *Ref `json:"conversation"`
	}
	if strings.HasPrefix(e.Type, "contact_") {
		// A contact's details reach only those whose role lets them see contacts.
		return s.moduleFilter(e.Account, "contacts")
	}
	if strings.HasPrefix(e.Type, "task_") {
		// Tasks are shared by everyone who may view the tasks module, and by no one else.
		return s.moduleFilter(e.Account, "tasks")
	}
	if e.DecodeData(&d) != nil || d.Conversation == nil || d.Conversation.ID == 0 {
		return nil
	}
	ref := *d.Conversation
	cache := map[uint64]bool{}
	return func(userID uint64) bool {
		if ok, seen := cache[userID]; seen {
			return ok
		}
		ok := false
		s.DB.View(func(tx *storage.Tx) error {
			a, member := memberActor(tx, e.Account, userID)
			ok = member && a.Can(module, access.View) && viewerOf(tx, a).canSeeRef(ref)
			return nil
		})
		cache[userID] = ok
		return ok
	}
}

// moduleFilter lets through the members of account who may view module.
func (s *Service) moduleFilter(account uint64, module string) func(userID uint64) bool {
	cache := map[uint64]bool{}
	return func(userID uint64) bool {
		if ok, seen := cache[userID]; seen {
			return ok
		}
		ok := false
		s.DB.View(func(tx *storage.Tx) error {
			a, member := memberActor(tx, account, userID)
			ok = member && a.Can(module, access.View)
			return nil
		})
		cache[userID] = ok
		return ok
	}
}
