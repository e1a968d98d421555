// Package client is the contact's side of an inbox: the public client API (Chatwoot's
// /public/api/v1/inboxes/{inbox_identifier}/…) through which the website widget and API-channel
// integrations create contacts, conversations and messages, with HMAC identity, idempotency keys
// and per-visitor and per-address rate limits.
package client

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
)

// MaxUpload is the largest file a visitor may attach.
const MaxUpload = 10 << 20

// uploadMemory is how long the service remembers who uploaded a file: a visitor attaches what
// they uploaded within a day, and nothing else.
const uploadMemory = 24 * time.Hour

// Deps are what the service needs.
type Deps struct {
	DB            *storage.DB
	Blobs         *blob.Store
	Conversations *conversations.Service
	Logger        *slog.Logger
}

// Service answers the public client API.
type Service struct {
	Deps
	lim limits

	mu      sync.Mutex
	uploads map[string]time.Time // "<contact inbox>/<hash>" → when it was uploaded
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{Deps: d, lim: newLimits(), uploads: map[string]time.Time{}}
}

// Caller is who a public request comes from: the inbox's public identifier, the visitor's
// contact identifier (the source id returned when the contact was created) and the address.
type Caller struct {
	Inbox   string
	Contact string
	IP      string
}

// inboxIn resolves an inbox's public identifier. Only API and website inboxes serve the client
// API; a disabled inbox refuses.
func inboxIn(tx *storage.Tx, identifier string) (*inboxes.Inbox, error) {
	notFound := apperr.NotFoundf("inbox not found")
	if identifier == "" {
		return nil, notFound
	}
	p, err := inboxes.PublicIDs.GetBy(tx, 0, "token", storage.Str(identifier))
	if err != nil {
		return nil, notFound
	}
	in, err := inboxes.Inboxes.Get(tx, p.AccountID, p.ID)
	if err != nil || (in.ChannelType != inboxes.ChannelAPI && in.ChannelType != inboxes.ChannelWebWidget) {
		return nil, notFound
	}
	if !in.Enabled {
		return nil, apperr.Unavailablef("this inbox is not accepting messages")
	}
	return in, nil
}

// Inbox resolves an inbox's public identifier (NotFound when unknown or not an API or website
// inbox, Unavailable when disabled).
func (s *Service) Inbox(ctx context.Context, identifier string) (*inboxes.Inbox, error) {
	var in *inboxes.Inbox
	err := s.DB.View(func(tx *storage.Tx) (err error) {
		in, err = inboxIn(tx, identifier)
		return err
	})
	return in, err
}

// visitorIn resolves a visitor in tx.
func visitorIn(tx *storage.Tx, identifier, sourceID string) (conversations.Visitor, *inboxes.Inbox, *contacts.ContactInbox, error) {
	in, err := inboxIn(tx, identifier)
	if err != nil {
		return conversations.Visitor{}, nil, nil, err
	}
	if sourceID == "" {
		return conversations.Visitor{}, nil, nil, apperr.NotFoundf("contact not found")
	}
	ci, err := contacts.ContactInboxes.GetBy(tx, in.AccountID, "source", storage.Key(storage.Uint(in.ID), storage.Str(sourceID)))
	if err != nil {
		return conversations.Visitor{}, nil, nil, apperr.NotFoundf("contact not found")
	}
	return conversations.Visitor{AccountID: in.AccountID, InboxID: in.ID, ContactID: ci.ContactID, ContactInboxID: ci.ID}, in, ci, nil
}

// Visitor resolves the contact identity a request acts as (NotFound for an unknown source id).
func (s *Service) Visitor(ctx context.Context, identifier, sourceID string) (conversations.Visitor, error) {
	var v conversations.Visitor
	err := s.DB.View(func(tx *storage.Tx) (err error) {
		v, _, _, err = visitorIn(tx, identifier, sourceID)
		return err
	})
	return v, err
}

// caller checks the address's overall rate and resolves the visitor.
func (s *Service) caller(ctx context.Context, c Caller) (conversations.Visitor, error) {
	if err := s.lim.allowIP(c.IP); err != nil {
		return conversations.Visitor{}, err
	}
	v, err := s.Visitor(ctx, c.Inbox, c.Contact)
	v.IP = c.IP
	return v, err
}

// Conversations lists the visitor's conversations, newest first.
func (s *Service) Conversations(ctx context.Context, c Caller) ([]conversations.PublicConversation, error) {
	v, err := s.caller(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.Deps.Conversations.ContactConversations(ctx, v)
}

// Conversation returns one of the visitor's conversations.
func (s *Service) Conversation(ctx context.Context, c Caller, id uint64) (*conversations.PublicConversation, error) {
	v, err := s.caller(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.Deps.Conversations.ContactConversation(ctx, v, id)
}

// StartConversation opens a conversation for the visitor; a retry with the same source_id
// returns the same one.
func (s *Service) StartConversation(ctx context.Context, c Caller, in conversations.ContactConversationInput) (*conversations.PublicConversation, error) {
	v, err := s.caller(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.Deps.Conversations.StartContactConversation(ctx, v, in)
}

// Resolve ends the visitor's conversation.
func (s *Service) Resolve(ctx context.Context, c Caller, id uint64) (*conversations.PublicConversation, error) {
	v, err := s.caller(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.Deps.Conversations.ContactResolve(ctx, v, id)
}

// Typing tells the agents the visitor started or stopped typing.
func (s *Service) Typing(ctx context.Context, c Caller, id uint64, on bool) error {
	v, err := s.caller(ctx, c)
	if err != nil {
		return err
	}
	return s.TypingAs(ctx, v, id, on)
}

// TypingAs is Typing for a visitor already resolved (the widget's socket), within the
// visitor's typing rate.
func (s *Service) TypingAs(ctx context.Context, v conversations.Visitor, id uint64, on bool) error {
	if err := s.lim.take(s.lim.typing, v, "typing updates"); err != nil {
		return err
	}
	return s.Deps.Conversations.ContactTyping(ctx, v, id, on)
}

// Seen records that the visitor read the conversation.
func (s *Service) Seen(ctx context.Context, c Caller, id uint64) error {
	v, err := s.caller(ctx, c)
	if err != nil {
		return err
	}
	return s.Deps.Conversations.ContactSeen(ctx, v, id)
}

// Messages pages a conversation's messages as the visitor sees them, oldest first.
func (s *Service) Messages(ctx context.Context, c Caller, id, before uint64) ([]conversations.MessageView, error) {
	v, err := s.caller(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.Deps.Conversations.ContactMessages(ctx, v, id, before, conversations.ContactMessagesPage)
}

// Post stores the visitor's message (a retry with the same source_id returns the first one,
// duplicate true). Files must be ones this visitor uploaded.
func (s *Service) Post(ctx context.Context, c Caller, id uint64, in conversations.ContactMessageInput) (*conversations.MessageView, bool, error) {
	v, err := s.caller(ctx, c)
	if err != nil {
		return nil, false, err
	}
	return s.PostAs(ctx, v, id, in)
}

// PostAs is Post for a visitor already resolved (the widget's socket).
func (s *Service) PostAs(ctx context.Context, v conversations.Visitor, id uint64, in conversations.ContactMessageInput) (*conversations.MessageView, bool, error) {
	if err := s.lim.take(s.lim.message, v, "messages"); err != nil {
		return nil, false, err
	}
	var fe apperr.Fields
	for i, a := range in.Attachments {
		if a.Hash != "" && !s.uploaded(v, a.Hash) {
			fe.Add("attachments["+strconv.Itoa(i)+"].hash", "is not a file you uploaded: upload it again")
		}
	}
	if err := fe.Err(); err != nil {
		return nil, false, err
	}
	return s.Deps.Conversations.ContactPost(ctx, v, id, in)
}

// Upload stores a file the visitor attaches (at most MaxUpload) and remembers it was theirs.
func (s *Service) Upload(ctx context.Context, c Caller, r io.Reader, name, contentType string) (*conversations.Attachment, error) {
	v, err := s.BeginUpload(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.UploadAs(ctx, v, r, name, contentType)
}

// BeginUpload is Upload's admission, for the HTTP layer to run before it reads a byte of the
// body: the address's rate, the visitor (inbox and contact identifier) and the visitor's upload
// rate. A stranger or a flood is turned away without the server taking in 10 MB first.
func (s *Service) BeginUpload(ctx context.Context, c Caller) (conversations.Visitor, error) {
	v, err := s.caller(ctx, c)
	if err != nil {
		return conversations.Visitor{}, err
	}
	if err := s.lim.take(s.lim.upload, v, "uploads"); err != nil {
		return conversations.Visitor{}, err
	}
	return v, nil
}

// UploadAs stores the file of an upload BeginUpload admitted (at most MaxUpload, field "file")
// and remembers it was the visitor's.
func (s *Service) UploadAs(ctx context.Context, v conversations.Visitor, r io.Reader, name, contentType string) (*conversations.Attachment, error) {
	a, err := s.Deps.Conversations.StoreFile(ctx, r, MaxUpload, name, contentType)
	if err != nil {
		return nil, err
	}
	s.remember(v, a.Hash)
	return a, nil
}

func uploadKey(v conversations.Visitor, hash string) string {
	return strconv.FormatUint(v.ContactInboxID, 10) + "/" + hash
}

// remember notes that v uploaded hash, forgetting old uploads when the map grows.
func (s *Service) remember(v conversations.Visitor, hash string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.uploads) >= 10_000 {
		for k, at := range s.uploads {
			if now.Sub(at) > uploadMemory {
				delete(s.uploads, k)
			}
		}
	}
	s.uploads[uploadKey(v, hash)] = now
}

// uploaded reports whether v uploaded hash recently.
func (s *Service) uploaded(v conversations.Visitor, hash string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.uploads[uploadKey(v, hash)]
	return ok && time.Since(at) <= uploadMemory
}
