package widget

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/ratelimit"
	"github.com/parleyhq/parley/storage"
)

// Caps on open sockets: a visitor with many tabs is normal, a thousand sockets from one address
// is not.
const (
	MaxStreamsPerVisitor = 10
	MaxStreamsPerIP      = 50
	// streamBuffer frames wait for a slow socket; past that it loses frames (the widget refetches
	// the messages when it reconnects).
	streamBuffer = 32
)

// Frame is one message on a visitor's socket (one WebSocket message or one SSE data line).
type Frame struct {
	Event string `json:"event"`
	Data  any    `json:"data"`
}

// VisitorResolver finds the visitor a realtime token belongs to (the client API's service).
type VisitorResolver interface {
	VisitorByPubsub(ctx context.Context, inboxIdentifier, pubsubToken string) (conversations.Visitor, error)
}

// visitorKey routes events: a contact inbox of an account is one visitor (all their tabs and
// devices).
type visitorKey struct{ account, contactInbox uint64 }

// visitorHub holds the open sockets of visitors.
type visitorHub struct {
	mu     sync.Mutex
	byKey  map[visitorKey]map[*Stream]struct{}
	byIP   map[string]int
	closed bool
}

// Stream is one open socket of a visitor: the transport (WebSocket or SSE) writes what comes
// out of C, which closes when the server shuts down.
type Stream struct {
	// C carries encoded frames; the first is the presence frame.
	C       <-chan []byte
	c       chan []byte
	key     visitorKey
	inbox   uint64
	ip      string
	hub     *visitorHub
	closeMu sync.Once
}

// Connect opens a stream for the visitor whose realtime token is pubsubToken in the inbox of
// inboxIdentifier, from client address ip. Unknown tokens are NotFound; too many sockets are
// TooManyRequests.
func (s *Service) Connect(ctx context.Context, inboxIdentifier, pubsubToken, ip string) (*Stream, error) {
	if s.Client == nil {
		return nil, apperr.Unavailablef("chat unavailable")
	}
	v, err := s.Client.VisitorByPubsub(ctx, inboxIdentifier, pubsubToken)
	if err != nil {
		return nil, err
	}
	online := false
	err = s.DB.View(func(tx *storage.Tx) error {
		in, err := inboxes.Inboxes.Get(tx, v.AccountID, v.InboxID)
		if err != nil || !in.Enabled {
			return apperr.NotFoundf("chat unavailable")
		}
		online = s.online(tx, in)
		return nil
	})
	if err != nil {
		return nil, err
	}
	st := &Stream{c: make(chan []byte, streamBuffer), key: visitorKey{v.AccountID, v.ContactInboxID}, inbox: v.InboxID, ip: ratelimit.AddressKey(ip), hub: &s.visitors}
	st.C = st.c
	hello, _ := json.Marshal(Frame{Event: "presence.update", Data: map[string]bool{"online": online}})
	st.c <- hello
	h := &s.visitors
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		close(st.c)
		return st, nil
	case len(h.byKey[st.key]) >= MaxStreamsPerVisitor:
		return nil, &apperr.Error{Kind: apperr.TooManyRequests, Message: "too many open chat windows", RetryAfterSeconds: 30}
	case h.byIP[st.ip] >= MaxStreamsPerIP:
		return nil, &apperr.Error{Kind: apperr.TooManyRequests, Message: "too many open chat windows from this address", RetryAfterSeconds: 30}
	}
	if h.byKey == nil {
		h.byKey, h.byIP = map[visitorKey]map[*Stream]struct{}{}, map[string]int{}
	}
	if h.byKey[st.key] == nil {
		h.byKey[st.key] = map[*Stream]struct{}{}
	}
	h.byKey[st.key][st] = struct{}{}
	h.byIP[st.ip]++
	return st, nil
}

// Close ends the stream (the socket went away); calling it twice is harmless.
func (st *Stream) Close() {
	st.closeMu.Do(func() {
		h := st.hub
		h.mu.Lock()
		defer h.mu.Unlock()
		if set, ok := h.byKey[st.key]; ok {
			if _, mine := set[st]; mine {
				delete(set, st)
				if len(set) == 0 {
					delete(h.byKey, st.key)
				}
				if h.byIP[st.ip]--; h.byIP[st.ip] <= 0 {
					delete(h.byIP, st.ip)
				}
				close(st.c)
			}
		}
	})
}

// Close ends every visitor's stream so the server can shut down (their channels close).
func (s *Service) Close() {
	h := &s.visitors
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for key, set := range h.byKey {
		for st := range set {
			close(st.c)
		}
		delete(h.byKey, key)
	}
	h.byIP = map[string]int{}
}

// Streams is the number of open visitor sockets.
func (s *Service) Streams() int {
	s.visitors.mu.Lock()
	defer s.visitors.mu.Unlock()
	n := 0
	for _, set := range s.visitors.byKey {
		n += len(set)
	}
	return n
}

// closeInbox ends the streams of an inbox's visitors (the inbox was disabled or deleted: it no
// longer serves them). Their transports see the channel close and hang up.
func (h *visitorHub) closeInbox(account, inbox uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for key, set := range h.byKey {
		if key.account != account {
			continue
		}
		for st := range set {
			if st.inbox != inbox {
				continue
			}
			delete(set, st)
			if h.byIP[st.ip]--; h.byIP[st.ip] <= 0 {
				delete(h.byIP, st.ip)
			}
			close(st.c)
		}
		if len(set) == 0 {
			delete(h.byKey, key)
		}
	}
}

func (h *visitorHub) connected(key visitorKey) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.byKey[key]) > 0
}

// send hands an encoded frame to every socket of the visitor, dropping it for a socket whose
// buffer is full rather than holding up the feed.
func (h *visitorHub) send(key visitorKey, raw []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.byKey[key] {
		select {
		case st.c <- raw:
		default:
		}
	}
}

// eventData is what the push reads of a conversation event: the reference, the message, and on
// typing events who types.
type eventData struct {
	conversations.EventData
	User *struct {
		ID   uint64 `json:"id"`
		Name string `json:"name"`
	} `json:"user,omitempty"`
	// Private marks an agent typing a private note.
	Private bool `json:"is_private,omitempty"`
	// Contact is set when the contact is the one typing.
	Contact *struct {
		ID uint64 `json:"id"`
	} `json:"contact,omitempty"`
}

// Handle is the ephemeral change-feed consumer that pushes events to visitors: the agents'
// replies, status changes and typing of each conversation reach the sockets of its contact
// inbox and nobody else's. An inbox disabled or deleted closes its visitors' sockets: it
// refuses new ones, and must not keep serving those opened before.
func (s *Service) Handle(ctx context.Context, batch []storage.Event) error {
	for _, e := range batch {
		switch e.Type {
		case inboxes.EventInboxDeleted:
			s.visitors.closeInbox(e.Account, e.ID)
			continue
		case inboxes.EventInboxUpdated:
			if !s.inboxServes(e.Account, e.ID) {
				s.visitors.closeInbox(e.Account, e.ID)
			}
			continue
		}
		switch e.Type {
		case conversations.EventMessageCreated, conversations.EventMessageUpdated, conversations.EventConversationCreated,
			conversations.EventConversationStatusChanged, conversations.EventTypingOn, conversations.EventTypingOff:
		default:
			continue
		}
		var d eventData
		if err := e.DecodeData(&d); err != nil || d.Conversation.ContactInboxID == 0 {
			continue
		}
		key := visitorKey{e.Account, d.Conversation.ContactInboxID}
		if !s.visitors.connected(key) {
			continue
		}
		f, ok := s.frame(e, &d)
		if !ok {
			continue
		}
		raw, err := json.Marshal(f)
		if err != nil {
			continue
		}
		s.visitors.send(key, raw)
	}
	return nil
}

// inboxServes reports whether the inbox exists and is enabled now (the store, not the event:
// an inbox turned off and on again before the event is handled keeps its sockets).
func (s *Service) inboxServes(account, id uint64) bool {
	ok := false
	s.DB.View(func(tx *storage.Tx) error {
		in, err := inboxes.Inboxes.Get(tx, account, id)
		ok = err == nil && in.Enabled
		return nil
	})
	return ok
}

// frame shapes an event for the visitor; ok is false when the visitor must not see it.
func (s *Service) frame(e storage.Event, d *eventData) (Frame, bool) {
	ref := d.Conversation
	event := strings.Replace(strings.TrimPrefix(e.Type, "conversation_"), "_", ".", 1)
	switch e.Type {
	case conversations.EventMessageCreated, conversations.EventMessageUpdated:
		if d.Message == nil || !conversations.Public(d.Message) || s.Conversations == nil {
			return Frame{}, false
		}
		var view conversations.MessageView
		err := s.DB.View(func(tx *storage.Tx) error {
			c, err := conversations.Conversations.Get(tx, e.Account, ref.ID)
			if err != nil {
				return err
			}
			view = s.Conversations.PublicMessageView(tx, c, d.Message)
			return nil
		})
		if err != nil {
			return Frame{}, false
		}
		return Frame{Event: event, Data: view}, true
	case conversations.EventConversationCreated, conversations.EventConversationStatusChanged:
		return Frame{Event: "conversation." + strings.TrimPrefix(e.Type, "conversation_"), Data: map[string]any{"id": ref.DisplayID, "status": ref.Status}}, true
	case conversations.EventTypingOn, conversations.EventTypingOff:
		if d.Private || d.Contact != nil || d.User == nil || d.User.ID == 0 {
			return Frame{}, false
		}
		user := map[string]string{"name": d.User.Name, "avatar_url": ""}
		s.DB.View(func(tx *storage.Tx) error {
			if u, err := auth.Users.Get(tx, 0, d.User.ID); err == nil {
				user["avatar_url"] = accounts.AvatarURL(u.AvatarHash)
				if user["name"] == "" {
					user["name"] = u.Name
				}
			}
			return nil
		})
		return Frame{Event: "conversation." + strings.TrimPrefix(e.Type, "conversation_"), Data: map[string]any{"conversation_id": ref.DisplayID, "user": user}}, true
	}
	return Frame{}, false
}
