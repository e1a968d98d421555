// Package realtime pushes change-feed events to the people looking at them: browser tabs over
// SSE and the desktop window over Wails events. It is an ephemeral consumer of the feed; what a
// subscriber receives is limited to the accounts it belongs to, and events addressed to one user
// (a notification) reach only that user.
package realtime

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/parleyhq/parley/storage"
)

// Message is what a subscriber receives, JSON-encoded.
type Message struct {
	Type      string          `json:"type"`
	AccountID uint64          `json:"account_id"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// Subscriber is one open window.
type Subscriber struct {
	UserID   uint64
	Accounts []uint64
	// C receives encoded messages. A subscriber that does not keep up loses messages rather
	// than slowing everyone down (the UI refetches on reconnect).
	C chan []byte
}

// Hub fans events out to subscribers.
type Hub struct {
	mu     sync.RWMutex
	subs   map[*Subscriber]struct{}
	closed bool
	filter Filter
}

// Filter decides who may receive an event: it returns nil when every member of the event's
// account may, else a predicate over user ids (a conversation's events reach only the people
// allowed to see that conversation).
type Filter func(e storage.Event) func(userID uint64) bool

// SetFilter installs the visibility filter; call it before the feed starts.
func (h *Hub) SetFilter(f Filter) { h.filter = f }

// New builds an empty hub.
func New() *Hub { return &Hub{subs: map[*Subscriber]struct{}{}} }

// Subscribe registers a window of a user who belongs to accounts. After Close the subscriber's
// channel comes back already closed.
func (h *Hub) Subscribe(userID uint64, accounts []uint64) *Subscriber {
	s := &Subscriber{UserID: userID, Accounts: slices.Clone(accounts), C: make(chan []byte, 64)}
	h.mu.Lock()
	if h.closed {
		close(s.C)
	} else {
		h.subs[s] = struct{}{}
	}
	h.mu.Unlock()
	return s
}

// Unsubscribe removes a window and closes its channel (once, whoever comes first).
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.C)
	}
	h.mu.Unlock()
}

// Close ends every stream: their channels close, so SSE responses return and the server can
// shut down without waiting for browsers to hang up.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.C)
	}
	h.mu.Unlock()
}

// Count is the number of open windows.
func (h *Hub) Count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// Online reports whether the user has a window open (a browser tab or the desktop app): the
// website widget shows the team as available only while someone can actually answer.
func (h *Hub) Online(userID uint64) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs {
		if s.UserID == userID {
			return true
		}
	}
	return false
}

// listening reports whether anyone of the account has a window open: a busy feed (an import, a
// burst of messages) with nobody to tell costs no decoding.
func (h *Hub) listening(account uint64) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs {
		if slices.Contains(s.Accounts, account) {
			return true
		}
	}
	return false
}

// Handle is the change-feed consumer: engine events (storage.*) are internal and skipped.
func (h *Hub) Handle(ctx context.Context, batch []storage.Event) error {
	for _, e := range batch {
		if strings.HasPrefix(e.Type, "storage.") || e.Account == 0 || !h.listening(e.Account) {
			continue
		}
		var target struct {
			UserID uint64 `json:"user_id"`
		}
		if len(e.Data) > 0 {
			e.DecodeData(&target)
		}
		raw, err := json.Marshal(Message{Type: e.Type, AccountID: e.Account, Data: e.Data})
		if err != nil {
			continue
		}
		var allowed func(uint64) bool
		if h.filter != nil {
			allowed = h.filter(e)
		}
		h.mu.RLock()
		for s := range h.subs {
			if !slices.Contains(s.Accounts, e.Account) || (target.UserID != 0 && target.UserID != s.UserID) {
				continue
			}
			if allowed != nil && !allowed(s.UserID) {
				continue
			}
			select {
			case s.C <- raw:
			default:
			}
		}
		h.mu.RUnlock()
	}
	return nil
}
