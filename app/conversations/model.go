// Package conversations is the heart of the product: every customer conversation from any
// channel, its messages (incoming, outgoing, activity lines and private notes), the one ingest
// path all channels use, assignment, labels, status and snooze, unread counts, scheduled
// messages, CSAT, SLA clocks and who may see what.
package conversations

import (
	"time"

	"github.com/parleyhq/parley/storage"
)

// Status of a conversation.
type Status string

// Statuses, as Chatwoot names them.
const (
	Open     Status = "open"
	Pending  Status = "pending"
	Resolved Status = "resolved"
	Snoozed  Status = "snoozed"
)

// statuses are the parts of the "all" tab, in no particular order.
var statuses = []Status{Open, Pending, Resolved, Snoozed}

// onStatus points q at the part of a list index under status st followed by rest: one prefix,
// or for "all" the four statuses' prefixes merged by what follows them (the activity).
func onStatus(q storage.Query, st string, rest ...[]byte) storage.Query {
	if ps := statusPrefixes(st, rest...); len(ps) == 1 {
		q.Prefix = ps[0]
	} else {
		q.Prefixes = ps
	}
	return q
}

// statusPrefixes are the list index prefixes of status st (every status for "all"), each
// followed by rest.
func statusPrefixes(st string, rest ...[]byte) [][]byte {
	one := func(s string) []byte { return storage.Key(append([][]byte{storage.Str(s)}, rest...)...) }
	if st != "all" {
		return [][]byte{one(st)}
	}
	out := make([][]byte, len(statuses))
	for i, s := range statuses {
		out[i] = one(string(s))
	}
	return out
}

// Priority of a conversation; "" is none.
type Priority string

// Priorities.
const (
	Urgent Priority = "urgent"
	High   Priority = "high"
	Medium Priority = "medium"
	Low    Priority = "low"
	NoPrio Priority = ""
)

// Conversation is one thread with a contact in one inbox.
type Conversation struct {
	ID             uint64   `json:"id"`
	AccountID      uint64   `json:"account_id"`
	DisplayID      uint64   `json:"display_id"` // per-account number shown to people
	InboxID        uint64   `json:"inbox_id"`
	ContactID      uint64   `json:"contact_id"`
	ContactInboxID uint64   `json:"contact_inbox_id"`
	Status         Status   `json:"status"`
	Priority       Priority `json:"priority"`
	AssigneeID     uint64   `json:"assignee_id"`
	TeamID         uint64   `json:"team_id"`
	Labels         []string `json:"labels"`
	// SnoozedUntil is when a snoozed conversation wakes; nil with Snoozed means "until the next
	// reply".
	SnoozedUntil         *time.Time     `json:"snoozed_until"`
	CustomAttributes     map[string]any `json:"custom_attributes,omitempty"`
	AdditionalAttributes map[string]any `json:"additional_attributes,omitempty"`
	// ThreadKey is the channel's thread id (an email thread) when a contact can have several
	// conversations in one inbox at once.
	ThreadKey string `json:"thread_key,omitempty"`
	// Token is the unguessable id of the conversation's public pages (CSAT survey).
	Token string `json:"token"`
	// Incoming counts the contact's messages; Seen[user] is how many of them the user has seen,
	// so a user's unread count is Incoming - Seen[user].
	Incoming uint64            `json:"incoming"`
	Seen     map[uint64]uint64 `json:"seen,omitempty"`
	// LastMessageID is the latest non-activity message, for the list preview.
	LastMessageID  uint64    `json:"last_message_id"`
	LastActivityAt time.Time `json:"last_activity_at"`
	// WaitingSince is the first contact message not yet answered by an agent (nil: answered).
	WaitingSince *time.Time `json:"waiting_since"`
	FirstReplyAt *time.Time `json:"first_reply_created_at"`
	ResolvedAt   *time.Time `json:"resolved_at"`
	// ContactLastSeenAt is when the contact last had the conversation open (the widget), which
	// is what turns the agents' replies "read".
	ContactLastSeenAt *time.Time `json:"contact_last_seen_at,omitempty"`
	// SLA is the applied policy's clock.
	SLA       *SLAClock `json:"sla,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SLAClock is a conversation's applied SLA policy and its deadlines.
type SLAClock struct {
	PolicyID uint64 `json:"policy_id"`
	// Due times of the running targets (nil: met, not applicable, or stopped).
	FirstResponseDue *time.Time `json:"first_response_due_at"`
	NextResponseDue  *time.Time `json:"next_response_due_at"`
	ResolutionDue    *time.Time `json:"resolution_due_at"`
	// Breaches lists the targets missed so far ("first_response", "next_response",
	// "resolution"), each recorded once.
	Breaches []string `json:"breaches,omitempty"`
}

// byActivity orders a list key by last activity then id (the index appends the id).
func act(c *Conversation, parts ...[]byte) []byte {
	return storage.Key(append(parts, storage.Time(c.LastActivityAt))...)
}

// Conversations are scoped by account. The list indexes all end in last activity, so a reverse
// scan of a prefix is a tab of the inbox, newest first.
var Conversations = storage.NewCollection(storage.Def[Conversation]{
	Name:    "conversations",
	ID:      func(c *Conversation) *uint64 { return &c.ID },
	Account: func(c *Conversation) uint64 { return c.AccountID },
	Shared:  2048, // the tops of the lists
	Feed:    true,
	Indexes: []storage.Index[Conversation]{
		{Name: "display", Unique: true, Field: "display_id", Keys: func(c *Conversation) [][]byte { return [][]byte{storage.Uint(c.DisplayID)} }},
		{Name: "token", Unique: true, Keys: func(c *Conversation) [][]byte { return [][]byte{storage.Str(c.Token)} }},
		{Name: "thread", Unique: true, Field: "thread_key", Keys: func(c *Conversation) [][]byte {
			if c.ThreadKey == "" {
				return nil
			}
			return [][]byte{storage.Key(storage.Uint(c.InboxID), storage.Str(c.ThreadKey))}
		}},
		// contact_inbox: a contact's conversations in one inbox, newest created last.
		{Name: "contact_inbox", Keys: func(c *Conversation) [][]byte {
			return [][]byte{storage.Key(storage.Uint(c.ContactInboxID), storage.Time(c.CreatedAt))}
		}},
		{Name: "contact", Keys: func(c *Conversation) [][]byte {
			return [][]byte{storage.Key(storage.Uint(c.ContactID), storage.Time(c.CreatedAt))}
		}},
		// Tabs: status × (everything | assignee | inbox | team | label), by activity. A
		// conversation is listed under its status only; the "all" tab is a merged walk over the
		// four statuses (see onStatus), so a message that bumps activity moves half the keys.
		{Name: "status", Keys: func(c *Conversation) [][]byte {
			return [][]byte{act(c, storage.Str(string(c.Status)))}
		}},
		{Name: "status_assignee", Keys: func(c *Conversation) [][]byte {
			return [][]byte{act(c, storage.Str(string(c.Status)), storage.Uint(c.AssigneeID))}
		}},
		{Name: "status_inbox", Keys: func(c *Conversation) [][]byte {
			return [][]byte{act(c, storage.Str(string(c.Status)), storage.Uint(c.InboxID))}
		}},
		// status_inbox_assignee lists an agent's tabs over just the inboxes they work in.
		{Name: "status_inbox_assignee", Keys: func(c *Conversation) [][]byte {
			return [][]byte{act(c, storage.Str(string(c.Status)), storage.Uint(c.InboxID), storage.Uint(c.AssigneeID))}
		}},
		{Name: "status_team", Keys: func(c *Conversation) [][]byte {
			return [][]byte{act(c, storage.Str(string(c.Status)), storage.Uint(c.TeamID))}
		}},
		{Name: "status_label", Keys: func(c *Conversation) [][]byte {
			out := make([][]byte, 0, len(c.Labels))
			for _, l := range c.Labels {
				out = append(out, act(c, storage.Str(string(c.Status)), storage.Str(l)))
			}
			return out
		}},
		// open_assignee counts an agent's open conversations per inbox (auto-assignment capacity).
		{Name: "open_assignee", Keys: func(c *Conversation) [][]byte {
			if c.Status != Open || c.AssigneeID == 0 {
				return nil
			}
			return [][]byte{storage.Key(storage.Uint(c.AssigneeID), storage.Uint(c.InboxID))}
		}},
	},
	// The inbox list's tab counts, read in O(1): status (or "all") × [inbox] × [label] ×
	// [assignee]. Activity is in no group key, so a message that only bumps it writes no counter.
	Tallies: []storage.Tally[Conversation]{
		{Name: "status", Keys: tabGroups(false, false, false)},
		{Name: "status_assignee", Keys: tabGroups(false, false, true)},
		{Name: "status_inbox", Keys: tabGroups(true, false, false)},
		{Name: "status_inbox_assignee", Keys: tabGroups(true, false, true)},
		{Name: "status_label", Keys: tabGroups(false, true, false)},
		{Name: "status_label_assignee", Keys: tabGroups(false, true, true)},
		{Name: "status_inbox_label", Keys: tabGroups(true, true, false)},
		{Name: "status_inbox_label_assignee", Keys: tabGroups(true, true, true)},
	},
})

// tabGroups builds the keys of one tab tally: for the conversation's status and for "all", the
// status then (when asked) the inbox, each label and the assignee, in that order — tabGroup
// builds the same key to read a counter.
func tabGroups(inbox, label, assignee bool) func(c *Conversation) [][]byte {
	return func(c *Conversation) [][]byte {
		labels := []string{""}
		if label {
			labels = c.Labels
		}
		out := make([][]byte, 0, 2*len(labels))
		for _, st := range []string{string(c.Status), "all"} {
			for _, l := range labels {
				out = append(out, tabGroup(st, inbox, c.InboxID, label, l, assignee, c.AssigneeID))
			}
		}
		return out
	}
}

// tabGroup is the key of one tab tally group; the flags say which parts the tally has.
func tabGroup(status string, inbox bool, inboxID uint64, label bool, l string, assignee bool, assigneeID uint64) []byte {
	// One allocation: every message bumping a conversation builds these keys twice.
	k := append(make([]byte, 0, len(status)+len(l)+18), storage.Str(status)...)
	if inbox {
		k = append(k, storage.Uint(inboxID)...)
	}
	if label {
		k = append(k, storage.Str(l)...)
	}
	if assignee {
		k = append(k, storage.Uint(assigneeID)...)
	}
	return k
}

// MessageType says who a message is from.
type MessageType string

// Message types, as Chatwoot names them.
const (
	Incoming MessageType = "incoming" // from the contact
	Outgoing MessageType = "outgoing" // from an agent, a bot or an automation
	Activity MessageType = "activity" // a system line: "Assigned to Ana by Bruno"
)

// Delivery states of outgoing messages.
const (
	StatusSending   = "sending"
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
)

// Sender kinds.
const (
	SenderContact = "contact"
	SenderUser    = "user"
	SenderBot     = "agent_bot"
)

// Message is one line of a conversation.
type Message struct {
	ID             uint64      `json:"id"`
	AccountID      uint64      `json:"account_id"`
	ConversationID uint64      `json:"conversation_id"`
	InboxID        uint64      `json:"inbox_id"`
	Type           MessageType `json:"message_type"`
	// Private marks an internal note: visible to the team, never sent to the contact.
	Private     bool   `json:"private"`
	Content     string `json:"content"`
	ContentType string `json:"content_type"` // text, input_csat, location, contact
	// ContentAttributes carry typed extras (CSAT request, in_reply_to, email subject…).
	ContentAttributes map[string]any `json:"content_attributes,omitempty"`
	Attachments       []Attachment   `json:"attachments,omitempty"`
	SenderType        string         `json:"sender_type,omitempty"`
	SenderID          uint64         `json:"sender_id,omitempty"`
	// Status is the delivery state of an outgoing message (sent for the others).
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// SourceID is the channel's id for the message: a retried delivery with the same id is
	// stored once.
	SourceID string `json:"source_id,omitempty"`
	// Mentions are the user ids @mentioned in a private note.
	Mentions  []uint64  `json:"mentions,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Attachment kinds (Chatwoot's file_type).
const (
	FileImage    = "image"
	FileAudio    = "audio"
	FileVideo    = "video"
	FileDocument = "file"
	FileLocation = "location"
	FileContact  = "contact"
)

// Attachment is a file in the blob store, or a location or a contact card.
type Attachment struct {
	FileType    string `json:"file_type"`
	Hash        string `json:"hash,omitempty"`
	Name        string `json:"name,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"file_size,omitempty"`
	// Location
	Latitude  float64 `json:"coordinates_lat,omitempty"`
	Longitude float64 `json:"coordinates_long,omitempty"`
	// Contact card / location title
	Title string `json:"fallback_title,omitempty"`
	Phone string `json:"phone_number,omitempty"`
}

// Messages are scoped by account: "conversation" walks a thread in id order, "source" dedups a
// channel's retries per inbox.
var Messages = storage.NewCollection(storage.Def[Message]{
	Name:    "messages",
	ID:      func(m *Message) *uint64 { return &m.ID },
	Account: func(m *Message) uint64 { return m.AccountID },
	Shared:  2048, // the last message of each listed conversation, the open conversations' pages
	Feed:    true,
	Indexes: []storage.Index[Message]{
		{Name: "conversation", Keys: func(m *Message) [][]byte { return [][]byte{storage.Uint(m.ConversationID)} }},
		{Name: "source", Unique: true, Field: "source_id", Keys: func(m *Message) [][]byte {
			if m.SourceID == "" {
				return nil
			}
			return [][]byte{storage.Key(storage.Uint(m.InboxID), storage.Str(m.SourceID))}
		}},
	},
})

// Label classifies conversations (contacts have tags, a separate thing).
type Label struct {
	ID            uint64    `json:"id"`
	AccountID     uint64    `json:"account_id"`
	Title         string    `json:"title"` // lower-case, letters, digits, - and _
	Description   string    `json:"description"`
	Color         string    `json:"color"` // #RRGGBB
	ShowOnSidebar bool      `json:"show_on_sidebar"`
	CreatedAt     time.Time `json:"created_at"`
}

// Labels are scoped by account with unique titles.
var Labels = storage.NewCollection(storage.Def[Label]{
	Name:    "labels",
	ID:      func(l *Label) *uint64 { return &l.ID },
	Account: func(l *Label) uint64 { return l.AccountID },
	Indexes: []storage.Index[Label]{
		{Name: "title", Unique: true, Keys: func(l *Label) [][]byte { return [][]byte{storage.Str(l.Title)} }},
	},
})

// View is a user's saved conversation filter (Chatwoot's custom filter).
type View struct {
	ID        uint64    `json:"id"`
	AccountID uint64    `json:"account_id"`
	UserID    uint64    `json:"user_id"`
	Name      string    `json:"name"`
	Filter    Filter    `json:"query"`
	CreatedAt time.Time `json:"created_at"`
}

// Views: "user" lists a user's views.
var Views = storage.NewCollection(storage.Def[View]{
	Name:    "conversation_views",
	ID:      func(v *View) *uint64 { return &v.ID },
	Account: func(v *View) uint64 { return v.AccountID },
	Indexes: []storage.Index[View]{
		{Name: "user", Keys: func(v *View) [][]byte { return [][]byte{storage.Uint(v.UserID)} }},
	},
})

// Filter selects conversations for a list; zero fields do not filter.
type Filter struct {
	// Status is open, pending, resolved, snoozed or all (default open).
	Status string `json:"status,omitempty"`
	// AssigneeType is me, unassigned, assigned or all (default all).
	AssigneeType string   `json:"assignee_type,omitempty"`
	AssigneeID   uint64   `json:"assignee_id,omitempty"`
	InboxID      uint64   `json:"inbox_id,omitempty"`
	TeamID       uint64   `json:"team_id,omitempty"`
	Labels       []string `json:"labels,omitempty"`
	Priority     string   `json:"priority,omitempty"`
	// Unread keeps conversations with messages the user has not seen.
	Unread bool `json:"unread,omitempty"`
	// Since / Until bound the last activity.
	Since *time.Time `json:"since,omitempty"`
	Until *time.Time `json:"until,omitempty"`
	// Sort is last_activity_at (default, newest first) or created_at.
	Sort string `json:"sort,omitempty"`
}

// ScheduledMessage is a message composed now and sent at SendAt by the scheduler.
type ScheduledMessage struct {
	ID             uint64       `json:"id"`
	AccountID      uint64       `json:"account_id"`
	ConversationID uint64       `json:"conversation_id"`
	AuthorID       uint64       `json:"author_id"`
	Content        string       `json:"content"`
	Private        bool         `json:"private"`
	Attachments    []Attachment `json:"attachments,omitempty"`
	SendAt         time.Time    `json:"send_at"`
	// Status is scheduled, sent, cancelled or failed.
	Status    string    `json:"status"`
	MessageID uint64    `json:"message_id,omitempty"`
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ScheduledMessages: "conversation" lists a conversation's scheduled messages.
var ScheduledMessages = storage.NewCollection(storage.Def[ScheduledMessage]{
	Name:    "scheduled_messages",
	ID:      func(m *ScheduledMessage) *uint64 { return &m.ID },
	Account: func(m *ScheduledMessage) uint64 { return m.AccountID },
	Indexes: []storage.Index[ScheduledMessage]{
		{Name: "conversation", Keys: func(m *ScheduledMessage) [][]byte { return [][]byte{storage.Uint(m.ConversationID)} }},
	},
})

// CSATResponse is a contact's rating of a resolved conversation.
type CSATResponse struct {
	ID             uint64    `json:"id"`
	AccountID      uint64    `json:"account_id"`
	ConversationID uint64    `json:"conversation_id"`
	MessageID      uint64    `json:"message_id"` // the survey message
	ContactID      uint64    `json:"contact_id"`
	AssigneeID     uint64    `json:"assigned_agent_id"`
	InboxID        uint64    `json:"inbox_id"`
	TeamID         uint64    `json:"team_id"`
	Rating         int       `json:"rating"` // 1–5
	Comment        string    `json:"feedback_message"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// CSATResponses: "message" is one response per survey (a second answer updates it), "created"
// orders the report.
var CSATResponses = storage.NewCollection(storage.Def[CSATResponse]{
	Name:    "csat_responses",
	ID:      func(r *CSATResponse) *uint64 { return &r.ID },
	Account: func(r *CSATResponse) uint64 { return r.AccountID },
	Indexes: []storage.Index[CSATResponse]{
		{Name: "message", Unique: true, Keys: func(r *CSATResponse) [][]byte { return [][]byte{storage.Uint(r.MessageID)} }},
		{Name: "created", Keys: func(r *CSATResponse) [][]byte { return [][]byte{storage.Time(r.CreatedAt)} }},
	},
})

// SLAPolicy sets response and resolution targets; zero minutes means no target.
type SLAPolicy struct {
	ID                    uint64    `json:"id"`
	AccountID             uint64    `json:"account_id"`
	Name                  string    `json:"name"`
	Description           string    `json:"description"`
	FirstResponseMinutes  int       `json:"first_response_time_threshold"`
	NextResponseMinutes   int       `json:"next_response_time_threshold"`
	ResolutionMinutes     int       `json:"resolution_time_threshold"`
	OnlyDuringBusinessHrs bool      `json:"only_during_business_hours"`
	CreatedAt             time.Time `json:"created_at"`
}

// SLAPolicies are scoped by account with unique names.
var SLAPolicies = storage.NewCollection(storage.Def[SLAPolicy]{
	Name:    "sla_policies",
	ID:      func(p *SLAPolicy) *uint64 { return &p.ID },
	Account: func(p *SLAPolicy) uint64 { return p.AccountID },
	Shared:  64,
	Indexes: []storage.Index[SLAPolicy]{
		{Name: "name", Unique: true, Keys: func(p *SLAPolicy) [][]byte { return [][]byte{storage.Str(storage.Fold(p.Name))} }},
	},
})

// Change-feed event types (the webhook names of Chatwoot).
const (
	EventConversationCreated       = "conversation_created"
	EventConversationUpdated       = "conversation_updated"
	EventConversationStatusChanged = "conversation_status_changed"
	EventConversationRead          = "conversation_read"
	EventMessageCreated            = "message_created"
	EventMessageUpdated            = "message_updated"
	EventTypingOn                  = "conversation_typing_on"
	EventTypingOff                 = "conversation_typing_off"
	EventSLAWarning                = "sla_warning"
	EventSLABreached               = "sla_breached"
	EventCSATReceived              = "csat_received"
)

// MigrateListIndexes rewrites the six list indexes, which used to hold every conversation twice
// (under its status and under "all").
func MigrateListIndexes(tx *storage.Tx) error {
	return Conversations.RebuildIndexes(tx, "status", "status_assignee", "status_inbox", "status_inbox_assignee", "status_team", "status_label")
}
