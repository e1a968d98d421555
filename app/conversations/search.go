package conversations

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
)

// Search documents. A conversation's document holds its contact's name, email and phone as they
// were when the conversation last changed: a contact renamed later is found under the new name
// only once the conversation changes again (known gap; a contact_updated consumer could
// re-index the contact's conversations).

// Search page size per kind of result.
const searchPageSize = 15

func conversationDoc(tx *storage.Tx, c *Conversation) map[string]any {
	doc := map[string]any{"number": strconv.FormatUint(c.DisplayID, 10)}
	if ct, err := contacts.Contacts.Get(tx, c.AccountID, c.ContactID); err == nil {
		doc["contact_name"], doc["contact_email"], doc["contact_phone"] = ct.Name, ct.Email, ct.Phone
	}
	return doc
}

func messageDoc(m *Message) (map[string]any, bool) {
	if m.Type == Activity || strings.TrimSpace(m.Content) == "" {
		return nil, false
	}
	return map[string]any{"content": m.Content}, true
}

// SearchTypes are the conversation and message documents of the search index. Activity lines
// are never indexed; private notes are (the team may search them; contacts never search).
func SearchTypes() []search.DocType {
	conversation := func(tx *storage.Tx, c *Conversation) (map[string]any, bool) { return conversationDoc(tx, c), true }
	message := func(_ *storage.Tx, m *Message) (map[string]any, bool) { return messageDoc(m) }
	return []search.DocType{
		// The fields a search matches, and nothing else: results are hydrated from bbolt, and a
		// field that changes often (status, labels) would re-index the document at each change.
		search.CollectionType("conversation", Conversations, func(c *Conversation) uint64 { return c.ID }, conversation,
			search.Field{Name: "number", Kind: search.Text, Prefixes: true},
			search.Field{Name: "contact_name", Kind: search.Text, Prefixes: true},
			search.Field{Name: "contact_email", Kind: search.Text, Prefixes: true},
			search.Field{Name: "contact_phone", Kind: search.Text, Prefixes: true},
		),
		search.CollectionType("message", Messages, func(m *Message) uint64 { return m.ID }, message,
			// Content alone: a search is ranked by score and its hits are hydrated from bbolt, so
			// the conversation and the date would only be indexed, never read. Most of the date's
			// trie terms are unique to each message; at 300k messages the two fields made the
			// index 65% larger and the build a third slower (110 s against 82 s).
			search.Field{Name: "content", Kind: search.Text, Store: true, Phrases: true},
		),
	}
}

// MessageHit is a message search result: the message with its conversation and the matching
// excerpt (HTML: the match in <mark>, the rest escaped).
type MessageHit struct {
	MessageView
	Highlight string `json:"highlight,omitempty"`
}

// SearchResult is the account-wide search (contacts are added by the API from the contacts
// service).
type SearchResult struct {
	Conversations []ConversationView `json:"conversations"`
	Messages      []MessageHit       `json:"messages"`
}

// Find is the account-wide search (named so because Deps.Search is the index): it finds
// conversations (number, contact name, email, phone) and messages (content) the
// actor may see; page is 1-based, searchPageSize of each. Hits the actor may not see are
// dropped before paging, reading ahead in bigger pages so a restricted agent still gets full
// pages.
func (s *Service) Find(ctx context.Context, actor access.Actor, q string, page int) (*SearchResult, error) {
	if err := actor.Require(module, access.View); err != nil {
		return nil, err
	}
	if q = strings.TrimSpace(q); q == "" {
		return nil, apperr.Field("q", "is required")
	}
	if s.Search == nil {
		return nil, apperr.Unavailablef("search is not available yet")
	}
	if page < 1 {
		page = 1
	}
	key, err := s.mediaKey()
	if err != nil {
		return nil, err
	}
	out := &SearchResult{Conversations: []ConversationView{}, Messages: []MessageHit{}}
	var v *viewer
	s.DB.View(func(tx *storage.Tx) error { v = viewerOf(tx, actor); return nil })
	need := page * searchPageSize
	// Hits are read ahead only for someone who may not see every conversation: for the others
	// every hit counts (but for records the index still holds after a deletion).
	fetch := need
	if seesAll := v.all || (!v.own && v.everyInbox); !seesAll {
		fetch = need * 3
	}

	// The conversations and the messages are two searches; they run at once, so the answer
	// takes as long as the slower one.
	var convErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		skip := (page - 1) * searchPageSize
		convErr = s.visibleHits(ctx, actor.AccountID, "conversation", q, need, fetch, func(tx *storage.Tx, vs *viewSet, h search.Hit) bool {
			c, err := Conversations.Get(tx, actor.AccountID, h.ID)
			if err != nil || !v.canSee(c) {
				return false
			}
			if skip > 0 {
				skip--
				return true
			}
			out.Conversations = append(out.Conversations, vs.conversation(c))
			return true
		}, key, actor.UserID)
	})

	// Messages. A thread's messages often come together: its conversation is read once.
	skip := (page - 1) * searchPageSize
	convs, convsTx := map[uint64]*Conversation{}, (*storage.Tx)(nil)
	err = s.visibleHits(ctx, actor.AccountID, "message", q, need, fetch, func(tx *storage.Tx, vs *viewSet, h search.Hit) bool {
		if tx != convsTx { // what was read in another transaction may have changed
			clear(convs)
			convsTx = tx
		}
		m, err := Messages.Get(tx, actor.AccountID, h.ID)
		if err != nil || m.Type == Activity {
			return false
		}
		c, ok := convs[m.ConversationID]
		if !ok {
			if c, err = Conversations.Get(tx, actor.AccountID, m.ConversationID); err != nil {
				c = nil
			}
			convs[m.ConversationID] = c
		}
		if c == nil || !v.canSee(c) {
			return false
		}
		if skip > 0 {
			skip--
			return true
		}
		out.Messages = append(out.Messages, MessageHit{MessageView: vs.message(c, m)})
		return true
	}, key, actor.UserID)
	wg.Wait()
	if err == nil {
		err = convErr
	}
	if err != nil {
		return nil, err
	}
	// Excerpts are made for the page's messages only, not for every hit read.
	if len(out.Messages) > 0 {
		ids := make([]uint64, len(out.Messages))
		for i, m := range out.Messages {
			ids[i] = m.ID
		}
		frags, err := s.Search.Highlight(ctx, search.Query{Account: actor.AccountID, Text: q}, "message", ids)
		if err != nil {
			return nil, qError(err)
		}
		for i := range out.Messages {
			if f := frags[out.Messages[i].ID]["content"]; len(f) > 0 {
				out.Messages[i].Highlight = f[0]
			}
		}
	}
	return out, nil
}

// visibleHits pages through the search hits of one type, `fetch` at a time, calling keep for
// each inside a read transaction, until keep accepted `need` hits or the results (or MaxFrom)
// run out. keep returns false for a hit that does not count (invisible or gone).
func (s *Service) visibleHits(ctx context.Context, account uint64, typ, q string, need, fetch int,
	keep func(tx *storage.Tx, vs *viewSet, h search.Hit) bool, key []byte, viewer uint64) error {
	size := min(fetch, search.MaxSize)
	kept := 0
	for from := 0; kept < need && from <= search.MaxFrom; from += size {
		res, err := s.Search.Search(ctx, search.Query{Account: account, Types: []string{typ}, Text: q, From: from, Size: size})
		if err != nil {
			return qError(err)
		}
		err = s.DB.View(func(tx *storage.Tx) error {
			vs := s.views(tx, key, account, viewer)
			for _, h := range res.Hits {
				if kept < need && keep(tx, vs, h) {
					kept++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(res.Hits) < size {
			return nil
		}
	}
	return nil
}

// qError names the query parameter in the search's complaint about the text ("has no words to
// search for").
func qError(err error) error {
	if e, ok := apperr.As(err); ok && e.Fields["text"] != "" {
		return apperr.Field("q", e.Fields["text"])
	}
	return err
}
