package conversations

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
)

// Page sizes of the lists.
const (
	ListPageSize     = 25
	MessagesPageSize = 20
	// MaxMessagesPageSize bounds the limit a caller may ask of Messages.
	MaxMessagesPageSize = 100
	// searchListCap bounds how many search hits a list with q considers.
	searchListCap = 500
)

// Counts are the tab counts of the inbox list.
type Counts struct {
	Mine       int `json:"mine_count"`
	Unassigned int `json:"unassigned_count"`
	Assigned   int `json:"assigned_count"`
	All        int `json:"all_count"`
}

// ListResult is one page of the inbox list with the tab counts.
type ListResult struct {
	Meta    Counts             `json:"meta"`
	Payload []ConversationView `json:"payload"`
}

// normalize fills a filter's defaults and checks its values.
func normalize(f *Filter) error {
	var fe apperr.Fields
	if f.Status == "" {
		f.Status = string(Open)
	}
	if f.Status != "all" && !validStatus(Status(f.Status)) {
		fe.Add("status", "must be open, pending, resolved, snoozed or all")
	}
	if f.AssigneeType == "" {
		f.AssigneeType = "all"
	}
	if !slices.Contains([]string{"me", "unassigned", "assigned", "all"}, f.AssigneeType) {
		fe.Add("assignee_type", "must be me, unassigned, assigned or all")
	}
	if !slices.Contains([]string{"", "none", "urgent", "high", "medium", "low"}, f.Priority) {
		fe.Add("priority", "must be urgent, high, medium, low or none")
	}
	switch f.Sort {
	case "", "last_activity_at", "latest":
		f.Sort = "last_activity_at"
	case "created_at", "sort_on_created_at":
		f.Sort = "created_at"
	default:
		fe.Add("sort", "must be last_activity_at or created_at")
	}
	for i, l := range f.Labels {
		f.Labels[i] = strings.ToLower(strings.TrimSpace(l))
	}
	f.Labels = slices.DeleteFunc(f.Labels, func(l string) bool { return l == "" })
	return fe.Err()
}

// plan picks the most selective index for a filter (every list index ends in last activity, so
// a reverse walk is newest first); the rest is checked by match.
func plan(f Filter, userID uint64) storage.Query {
	q := storage.Query{Index: "status", Reverse: true}
	switch {
	case f.AssigneeType == "me":
		q.Index = "status_assignee"
		return onStatus(q, f.Status, storage.Uint(userID))
	case f.AssigneeID != 0:
		q.Index = "status_assignee"
		return onStatus(q, f.Status, storage.Uint(f.AssigneeID))
	case len(f.Labels) > 0:
		q.Index = "status_label"
		return onStatus(q, f.Status, storage.Str(f.Labels[0]))
	case f.TeamID != 0:
		q.Index = "status_team"
		return onStatus(q, f.Status, storage.Uint(f.TeamID))
	case f.InboxID != 0:
		q.Index = "status_inbox"
		return onStatus(q, f.Status, storage.Uint(f.InboxID))
	case f.AssigneeType == "unassigned":
		q.Index = "status_assignee"
		return onStatus(q, f.Status, storage.Uint(0))
	}
	return onStatus(q, f.Status)
}

// match checks every filter but the assignee type (the tab), and visibility.
func match(f Filter, v *viewer, c *Conversation) bool {
	switch {
	case f.Status != "all" && string(c.Status) != f.Status,
		f.AssigneeID != 0 && c.AssigneeID != f.AssigneeID,
		f.InboxID != 0 && c.InboxID != f.InboxID,
		f.TeamID != 0 && c.TeamID != f.TeamID,
		f.Priority == "none" && c.Priority != NoPrio,
		f.Priority != "" && f.Priority != "none" && string(c.Priority) != f.Priority,
		f.Unread && unread(c, v.userID) == 0,
		f.Since != nil && c.LastActivityAt.Before(*f.Since),
		f.Until != nil && !c.LastActivityAt.Before(*f.Until):
		return false
	}
	for _, l := range f.Labels {
		if !slices.Contains(c.Labels, l) {
			return false
		}
	}
	return v.canSee(c)
}

// inTab reports whether c belongs to the assignee tab for userID.
func inTab(tab string, c *Conversation, userID uint64) bool {
	switch tab {
	case "me":
		return c.AssigneeID == userID
	case "unassigned":
		return c.AssigneeID == 0
	case "assigned":
		return c.AssigneeID != 0
	}
	return true
}

// count adds c to the tab counts.
func (n *Counts) count(c *Conversation, userID uint64) {
	n.All++
	switch {
	case c.AssigneeID == 0:
		n.Unassigned++
	default:
		n.Assigned++
		if c.AssigneeID == userID {
			n.Mine++
		}
	}
}

// List returns one page (1-based, ListPageSize) of the conversations the actor may see that
// match the filter, newest activity first (or newest created with Sort created_at), with the
// tab counts for the same filter. A non-empty q narrows to conversations the search finds.
func (s *Service) List(ctx context.Context, actor access.Actor, f Filter, q string, page int) (*ListResult, error) {
	if err := actor.Require(module, access.View); err != nil {
		return nil, err
	}
	if err := normalize(&f); err != nil {
		return nil, err
	}
	if page < 1 {
		page = 1
	}
	var hits []uint64
	if q = strings.TrimSpace(q); q != "" {
		var err error
		if hits, err = s.searchIDs(ctx, actor.AccountID, "conversation", q, searchListCap); err != nil {
			return nil, err
		}
	}
	key, err := s.mediaKey()
	if err != nil {
		return nil, err
	}
	out := &ListResult{Payload: []ConversationView{}}
	err = s.DB.View(func(tx *storage.Tx) error {
		v := viewerOf(tx, actor)
		var matched []*Conversation
		collect := func(c *Conversation) bool {
			if match(f, v, c) {
				out.Meta.count(c, actor.UserID)
				if inTab(f.AssigneeType, c, actor.UserID) {
					matched = append(matched, c)
				}
			}
			return true
		}
		switch {
		case q != "":
			for _, id := range hits {
				if c, err := Conversations.Get(tx, actor.AccountID, id); err == nil {
					collect(c)
				}
			}
		case f.Sort == "created_at":
			if err := s.walk(tx, actor.AccountID, f, actor.UserID, collect); err != nil {
				return err
			}
		default:
			return s.listPage(tx, actor, v, f, page, key, out)
		}
		if f.Sort == "created_at" {
			slices.SortStableFunc(matched, func(a, b *Conversation) int {
				if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
					return c
				}
				return int(int64(b.ID) - int64(a.ID))
			})
		}
		from := min((page-1)*ListPageSize, len(matched))
		vs := s.views(tx, key, actor.AccountID, actor.UserID)
		for _, c := range matched[from:min(from+ListPageSize, len(matched))] {
			out.Payload = append(out.Payload, vs.conversation(c))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// walk calls fn for every conversation the filter's index yields, ignoring the tab, newest
// activity first; it stops early once activity falls before Since.
func (s *Service) walk(tx *storage.Tx, account uint64, f Filter, userID uint64, fn func(c *Conversation) bool) error {
	all := f
	if all.AssigneeType == "me" || all.AssigneeType == "unassigned" {
		all.AssigneeType = "all"
	}
	return Conversations.Each(tx, account, plan(all, userID), func(c *Conversation) bool {
		if f.Since != nil && c.LastActivityAt.Before(*f.Since) {
			return false
		}
		return fn(c)
	})
}

// listPage is List's common case (sorted by activity, no text): the counts come from the tab
// tallies (or one walk, see counts), and the page from a walk of the tab's own index that stops
// once the page is full. When every row of that index is known to belong on the page (see
// exact), the rows of earlier pages are skipped by key instead of being read.
func (s *Service) listPage(tx *storage.Tx, actor access.Actor, v *viewer, f Filter, page int, key []byte, out *ListResult) error {
	var err error
	if out.Meta, err = s.counts(tx, actor, v, f); err != nil {
		return err
	}
	if !v.all && len(v.inboxes) == 0 {
		return nil // works no inbox: sees nothing
	}
	skip := (page - 1) * ListPageSize
	q := plan(f, actor.UserID)
	if mq, ok := byInboxes(f, v); ok {
		q = mq
	}
	if exact(f, v) {
		q.Skip, skip = skip, 0
	}
	var rows []*Conversation
	err = Conversations.EachView(tx, actor.AccountID, q, func(c *Conversation) bool {
		if f.Since != nil && c.LastActivityAt.Before(*f.Since) {
			return false
		}
		if !match(f, v, c) || !inTab(f.AssigneeType, c, actor.UserID) {
			return true
		}
		if skip > 0 {
			skip--
			return true
		}
		rows = append(rows, c)
		return len(rows) < ListPageSize
	})
	if err != nil {
		return err
	}
	vs := s.views(tx, key, actor.AccountID, actor.UserID)
	for _, c := range rows {
		out.Payload = append(out.Payload, vs.conversation(c))
	}
	return nil
}

// exact reports whether every conversation the page's walk yields (plan(f), or byInboxes for
// an agent of some inboxes) passes match and inTab for this viewer: the filter is the status
// with at most one label or one inbox, the index is the tab's own, and the viewer sees every
// conversation it holds.
func exact(f Filter, v *viewer) bool {
	if f.AssigneeID != 0 || f.TeamID != 0 || f.Priority != "" || f.Unread || f.Since != nil || f.Until != nil || len(f.Labels) > 1 {
		return false
	}
	switch f.AssigneeType {
	case "me", "unassigned":
		// plan walks the assignee's index, which knows no label or inbox.
		if len(f.Labels) > 0 || f.InboxID != 0 {
			return false
		}
	case "assigned":
		return false
	default:
		// plan walks the label's index, which knows no inbox.
		if len(f.Labels) == 1 && f.InboxID != 0 {
			return false
		}
	}
	if _, ok := byInboxes(f, v); ok {
		return true
	}
	return v.all || !v.own && (v.everyInbox || f.InboxID != 0 && v.inboxes[f.InboxID])
}

// byInboxes plans the page of an agent who works some (not all) inboxes, for the status alone
// on the tabs all, me and unassigned: one merged walk over the per-inbox part of the tab's index,
// so every row it yields is the agent's to see (exact holds) and page N skips rows by key.
func byInboxes(f Filter, v *viewer) (storage.Query, bool) {
	if v.all || v.own || v.everyInbox || len(v.inboxes) == 0 || f.InboxID != 0 || len(f.Labels) > 0 || !tallied(f) {
		return storage.Query{}, false
	}
	q := storage.Query{Index: "status_inbox", Reverse: true}
	var assignee []byte
	switch f.AssigneeType {
	case "me":
		q.Index, assignee = "status_inbox_assignee", storage.Uint(v.userID)
	case "unassigned":
		q.Index, assignee = "status_inbox_assignee", storage.Uint(0)
	case "assigned":
		return storage.Query{}, false
	}
	for inbox := range v.inboxes {
		q.Prefixes = append(q.Prefixes, statusPrefixes(f.Status, storage.Uint(inbox), assignee)...)
	}
	return q, true
}

// tallied reports whether the tab tallies can count a filter: the status with at most one
// label and one inbox.
func tallied(f Filter) bool {
	return f.AssigneeID == 0 && f.TeamID == 0 && len(f.Labels) <= 1 && f.Priority == "" && !f.Unread && f.Since == nil && f.Until == nil
}

// counts computes the tab counts for a filter. When the filter is the status with at most one
// label and one inbox, they are read from the tab tallies (a few O(1) reads): directly for
// someone who sees every conversation; summed over the inboxes of an agent who sees whole
// inboxes. Otherwise (other filters, agents who see only their own) every conversation the
// filter's index yields is read and checked.
func (s *Service) counts(tx *storage.Tx, actor access.Actor, v *viewer, f Filter) (Counts, error) {
	var n Counts
	seesAll := v.all || (!v.own && v.everyInbox)
	if !tallied(f) || !seesAll && v.own {
		err := s.walk(tx, actor.AccountID, f, actor.UserID, func(c *Conversation) bool {
			if match(f, v, c) {
				n.count(c, actor.UserID)
			}
			return true
		})
		return n, err
	}
	label, l := len(f.Labels) == 1, ""
	if label {
		l = f.Labels[0]
	}
	add := func(inbox bool, inboxID uint64) {
		name := "status"
		if inbox {
			name += "_inbox"
		}
		if label {
			name += "_label"
		}
		read := func(assignee bool, id uint64) int {
			tally := name
			if assignee {
				tally += "_assignee"
			}
			return Conversations.Tally(tx, actor.AccountID, tally, tabGroup(f.Status, inbox, inboxID, label, l, assignee, id))
		}
		n.All += read(false, 0)
		n.Unassigned += read(true, 0)
		if actor.UserID != 0 {
			n.Mine += read(true, actor.UserID)
		}
	}
	switch {
	case seesAll:
		add(f.InboxID != 0, f.InboxID)
	case f.InboxID != 0:
		if v.inboxes[f.InboxID] {
			add(true, f.InboxID)
		}
	default:
		// An agent sees every conversation of the inboxes they work in: each tab is a sum over
		// those inboxes.
		for inbox := range v.inboxes {
			add(true, inbox)
		}
	}
	n.Assigned = n.All - n.Unassigned
	return n, nil
}

// Meta returns the tab counts for a filter (GET …/conversations/meta).
func (s *Service) Meta(ctx context.Context, actor access.Actor, f Filter) (Counts, error) {
	if err := actor.Require(module, access.View); err != nil {
		return Counts{}, err
	}
	if err := normalize(&f); err != nil {
		return Counts{}, err
	}
	var n Counts
	err := s.DB.View(func(tx *storage.Tx) (err error) {
		n, err = s.counts(tx, actor, viewerOf(tx, actor), f)
		return err
	})
	return n, err
}

// MessagesMeta is who a message page's conversation is with.
type MessagesMeta struct {
	Contact  ContactSummary `json:"contact"`
	Assignee *AssigneeView  `json:"assignee"`
	Labels   []string       `json:"labels"`
}

// MessagesPage is a page of a conversation's messages, oldest first.
type MessagesPage struct {
	Meta    MessagesMeta  `json:"meta"`
	Payload []MessageView `json:"payload"`
}

// Messages returns the MessagesPageSize messages of conversation number id before message
// `before` (the latest ones when 0), oldest first: notes and activity lines included.
func (s *Service) Messages(ctx context.Context, actor access.Actor, id, before uint64) (*MessagesPage, error) {
	return s.MessagesLimit(ctx, actor, id, before, 0)
}

// MessagesLimit is Messages with a page of up to limit messages (1..MaxMessagesPageSize; 0 is
// MessagesPageSize), so opening a conversation with its last 50 messages is one call.
func (s *Service) MessagesLimit(ctx context.Context, actor access.Actor, id, before uint64, limit int) (*MessagesPage, error) {
	if err := actor.Require(module, access.View); err != nil {
		return nil, err
	}
	switch {
	case limit == 0:
		limit = MessagesPageSize
	case limit < 0 || limit > MaxMessagesPageSize:
		return nil, apperr.Field("limit", fmt.Sprintf("must be between 1 and %d", MaxMessagesPageSize))
	}
	key, err := s.mediaKey()
	if err != nil {
		return nil, err
	}
	out := &MessagesPage{Payload: []MessageView{}}
	err = s.DB.View(func(tx *storage.Tx) error {
		c, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		vs := s.views(tx, key, actor.AccountID, actor.UserID)
		out.Meta = MessagesMeta{Contact: vs.contactSummary(c.ContactID), Assignee: vs.assignee(c.AssigneeID), Labels: c.Labels}
		if out.Meta.Labels == nil {
			out.Meta.Labels = []string{}
		}
		q := storage.Query{Index: "conversation", Prefix: storage.Uint(c.ID), Reverse: true, Limit: limit}
		if before != 0 {
			q.To = storage.Uint(before)
		}
		var page []*Message
		err = Messages.EachView(tx, actor.AccountID, q, func(m *Message) bool {
			page = append(page, m)
			return true
		})
		if err != nil {
			return err
		}
		for i := len(page) - 1; i >= 0; i-- {
			out.Payload = append(out.Payload, vs.message(c, page[i]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MarkRead records that the actor has seen every message of conversation number id, which
// clears their unread count; their other windows hear it.
func (s *Service) MarkRead(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(module, access.View); err != nil {
		return err
	}
	return s.DB.Update(func(tx *storage.Tx) error {
		c, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if c.Seen[actor.UserID] == c.Incoming {
			return nil
		}
		if c.Seen == nil {
			c.Seen = map[uint64]uint64{}
		}
		c.Seen[actor.UserID] = c.Incoming
		if err := s.putConversation(tx, c); err != nil {
			return err
		}
		return emit(tx, c, EventConversationRead, actor.UserID, EventData{UserID: actor.UserID})
	})
}

// searchIDs runs a text search of one document type and returns up to max ids, best first.
func (s *Service) searchIDs(ctx context.Context, account uint64, typ, q string, max int) ([]uint64, error) {
	if s.Search == nil {
		return nil, apperr.Unavailablef("search is not available yet")
	}
	var ids []uint64
	for from := 0; from < max; from += search.MaxSize {
		res, err := s.Search.Search(ctx, search.Query{Account: account, Types: []string{typ}, Text: q, From: from, Size: search.MaxSize})
		if err != nil {
			return nil, qError(err)
		}
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		if len(res.Hits) < search.MaxSize {
			break
		}
	}
	return ids, nil
}
