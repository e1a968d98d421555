package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/channels/client"
	"github.com/parleyhq/parley/app/conversations"
)

// The public client API (Chatwoot's /public/api/v1/inboxes/{inbox_identifier}/…): what the
// website widget and API-channel integrations call as the contact. No session and no cookies:
// the inbox identifier names the inbox and the contact identifier (the source id returned when
// the contact was created) is the visitor's credential. No CORS headers either: the widget
// calls from its own frame, on Parley's origin, and integrations from their servers.

// The path parameters of the client routes (exported: huma only reads embedded structs that
// are).
type (
	// ClientInboxPath names the inbox.
	ClientInboxPath struct {
		InboxIdentifier string `path:"inbox_identifier" doc:"the inbox's public identifier (for a website inbox, its website token)"`
	}
	// ClientContactPath names the visitor.
	ClientContactPath struct {
		InboxIdentifier   string `path:"inbox_identifier" doc:"the inbox's public identifier (for a website inbox, its website token)"`
		ContactIdentifier string `path:"contact_identifier" doc:"the source_id returned when the contact was created"`
	}
	// ClientConvPath names one of the visitor's conversations.
	ClientConvPath struct {
		InboxIdentifier   string `path:"inbox_identifier" doc:"the inbox's public identifier (for a website inbox, its website token)"`
		ContactIdentifier string `path:"contact_identifier" doc:"the source_id returned when the contact was created"`
		ConversationID    uint64 `path:"conversation_id" doc:"the conversation's number"`
	}
	clientContactOutput struct{ Body *client.PublicContact }
	clientConvOutput    struct {
		Body *conversations.PublicConversation
	}
	clientMessageOutput struct {
		Body *conversations.MessageView
	}
	// ClientContactInput is client.ContactInput under its own schema name (the agents' API
	// already has a ContactInput).
	ClientContactInput client.ContactInput
)

// caller is the client service's view of a request.
func (p ClientContactPath) caller(ctx context.Context) client.Caller {
	return client.Caller{Inbox: p.InboxIdentifier, Contact: p.ContactIdentifier, IP: remoteAddr(ctx)}
}

func (p ClientConvPath) caller(ctx context.Context) client.Caller {
	return client.Caller{Inbox: p.InboxIdentifier, Contact: p.ContactIdentifier, IP: remoteAddr(ctx)}
}

// registerClient adds the client routes.
func (s *Server) registerClient() {
	tags := []string{"Client API"}
	op := func(id, method, path, summary, desc string) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: "/public/api/v1/inboxes/{inbox_identifier}" + path,
			Summary: summary, Description: desc, Tags: tags}
	}
	const contact = "/contacts/{contact_identifier}"
	const conv = contact + "/conversations/{conversation_id}"

	type clientCreateContactInput struct {
		ClientInboxPath
		Body ClientContactInput
	}
	register(s, op("client-contact-create", http.MethodPost, "/contacts", "Create the visitor's contact",
		"Returns the contact with its source_id (the contact_identifier of every other call) and a pubsub_token for the widget's socket, shown only here. With identifier and identifier_hash = hex(HMAC-SHA256(the inbox's HMAC token, identifier)) the signed-in user gets the same contact and conversations on every device; an identifier without a valid hash never links to an existing contact (401 when the inbox requires the hash). Rate limited per address."),
		authNone, func(ctx context.Context, in *clientCreateContactInput) (*clientContactOutput, error) {
			c, err := s.Client.CreateContact(ctx, in.InboxIdentifier, client.ContactInput(in.Body), remoteAddr(ctx))
			return &clientContactOutput{c}, err
		})
	register(s, op("client-contact-get", http.MethodGet, contact, "The visitor's contact", ""), authNone,
		func(ctx context.Context, in *ClientContactPath) (*clientContactOutput, error) {
			c, err := s.Client.GetContact(ctx, in.caller(ctx))
			return &clientContactOutput{c}, err
		})
	type clientUpdateContactInput struct {
		ClientContactPath
		Body ClientContactInput
	}
	register(s, op("client-contact-update", http.MethodPatch, contact, "Update the visitor's contact",
		"Name, email, phone number and attributes (the pre-chat form). An email or phone number that belongs to another contact is refused; a new identifier needs its identifier_hash."),
		authNone, func(ctx context.Context, in *clientUpdateContactInput) (*clientContactOutput, error) {
			c, err := s.Client.UpdateContact(ctx, in.caller(ctx), client.ContactInput(in.Body))
			return &clientContactOutput{c}, err
		})

	type clientConvListOutput struct {
		Body []conversations.PublicConversation
	}
	register(s, op("client-conversations-list", http.MethodGet, contact+"/conversations", "The visitor's conversations, newest first", "Each with its latest 20 messages the contact may see."), authNone,
		func(ctx context.Context, in *ClientContactPath) (*clientConvListOutput, error) {
			l, err := s.Client.Conversations(ctx, in.caller(ctx))
			return &clientConvListOutput{l}, err
		})
	type clientStartInput struct {
		ClientContactPath
		Body conversations.ContactConversationInput
	}
	register(s, op("client-conversations-create", http.MethodPost, contact+"/conversations", "Start a conversation",
		"source_id is an idempotency key: a retry with the same key returns the conversation made the first time."),
		authNone, func(ctx context.Context, in *clientStartInput) (*clientConvOutput, error) {
			c, err := s.Client.StartConversation(ctx, in.caller(ctx), in.Body)
			return &clientConvOutput{c}, err
		})
	register(s, op("client-conversations-get", http.MethodGet, conv, "One of the visitor's conversations", ""), authNone,
		func(ctx context.Context, in *ClientConvPath) (*clientConvOutput, error) {
			c, err := s.Client.Conversation(ctx, in.caller(ctx), in.ConversationID)
			return &clientConvOutput{c}, err
		})
	register(s, op("client-conversations-resolve", http.MethodPost, conv+"/toggle_status", "End the conversation (resolves it)", ""), authNone,
		func(ctx context.Context, in *ClientConvPath) (*clientConvOutput, error) {
			c, err := s.Client.Resolve(ctx, in.caller(ctx), in.ConversationID)
			return &clientConvOutput{c}, err
		})
	type clientTypingInput struct {
		ClientConvPath
		Body struct {
			TypingStatus string `json:"typing_status" enum:"on,off"`
		}
	}
	typing := op("client-conversations-typing", http.MethodPost, conv+"/toggle_typing", "Tell the agents the visitor is typing (on) or stopped (off)", "")
	typing.DefaultStatus = 204
	register(s, typing, authNone, func(ctx context.Context, in *clientTypingInput) (*noContent, error) {
		return &noContent{Status: 204}, s.Client.Typing(ctx, in.caller(ctx), in.ConversationID, in.Body.TypingStatus == "on")
	})
	seen := op("client-conversations-seen", http.MethodPost, conv+"/update_last_seen", "Mark the conversation read by the visitor", "The agents' messages sent so far show as read.")
	seen.DefaultStatus = 204
	register(s, seen, authNone, func(ctx context.Context, in *ClientConvPath) (*noContent, error) {
		return &noContent{Status: 204}, s.Client.Seen(ctx, in.caller(ctx), in.ConversationID)
	})

	type clientMessagesInput struct {
		ClientConvPath
		Before uint64 `query:"before" doc:"only messages older than this message id (the next page back)"`
	}
	type clientMessagesOutput struct {
		Body []conversations.MessageView
	}
	register(s, op("client-messages-list", http.MethodGet, conv+"/messages", "The conversation's messages, oldest first",
		"Up to 50, the latest ones (or those before `before`). Private notes and activity lines are never listed."), authNone,
		func(ctx context.Context, in *clientMessagesInput) (*clientMessagesOutput, error) {
			l, err := s.Client.Messages(ctx, in.caller(ctx), in.ConversationID, in.Before)
			return &clientMessagesOutput{l}, err
		})
	type clientPostInput struct {
		ClientConvPath
		Body conversations.ContactMessageInput
	}
	register(s, op("client-messages-create", http.MethodPost, conv+"/messages", "Send a message as the visitor",
		"source_id is the idempotency key: a retry with the same key stores nothing new and answers the message stored the first time. echo_id comes back in content_attributes.echo_id. Attachments name files uploaded by this visitor, by hash. At most 5,000 characters."),
		authNone, func(ctx context.Context, in *clientPostInput) (*clientMessageOutput, error) {
			m, _, err := s.Client.Post(ctx, in.caller(ctx), in.ConversationID, in.Body)
			return &clientMessageOutput{m}, err
		})

	type clientUploadInput struct {
		ClientContactPath
		RawBody huma.MultipartFormFiles[struct {
			File huma.FormFile `form:"file" required:"true"`
		}]
	}
	type clientUploadOutput struct{ Body *conversations.Attachment }
	upload := op("client-attachments-upload", http.MethodPost, contact+"/attachments", "Upload a file (up to 10 MB) to attach to a message by its hash", "")
	upload.MaxBodyBytes = uploadBodyLimit
	upload.Middlewares = huma.Middlewares{s.admitUpload}
	register(s, upload, authNone, func(ctx context.Context, in *clientUploadInput) (*clientUploadOutput, error) {
		v, ok := ctx.Value(keyUploadVisitor).(conversations.Visitor)
		if !ok {
			return nil, apperr.Unavailablef("upload not admitted")
		}
		f := in.RawBody.Data().File
		a, err := s.Client.UploadAs(ctx, v, f, f.Filename, f.ContentType)
		return &clientUploadOutput{a}, err
	})
}

// uploadBodyLimit is the most an upload request may send: the file and its multipart framing.
const uploadBodyLimit = client.MaxUpload + 64<<10

// uploadVisitorKey carries the visitor admitUpload resolved to the upload handler.
type uploadVisitorKey struct{}

var keyUploadVisitor = uploadVisitorKey{}

// admitUpload runs before huma reads the multipart body (which it would read whole, with no
// limit): it checks the address's rate and resolves the visitor, so a stranger or a flood costs
// no upload, refuses a declared length over the limit, and reads the form itself through a
// MaxBytesReader so a body that does not declare its length is cut off at the limit. huma then
// finds the form already parsed.
func (s *Server) admitUpload(ctx huma.Context, next func(huma.Context)) {
	caller := client.Caller{Inbox: ctx.Param("inbox_identifier"), Contact: ctx.Param("contact_identifier"), IP: remoteAddr(ctx.Context())}
	if s.Client == nil {
		s.writeErr(ctx, apperr.Unavailablef("the client API is not available"))
		return
	}
	v, err := s.Client.BeginUpload(ctx.Context(), caller)
	if err != nil {
		s.writeErr(ctx, err)
		return
	}
	tooBig := func() {
		huma.WriteErr(s.api, ctx, http.StatusRequestEntityTooLarge, "the file is too large",
			&huma.ErrorDetail{Location: "body.file", Message: "must be at most 10 MB"})
	}
	r, w := humago.Unwrap(ctx)
	if r.ContentLength > uploadBodyLimit {
		tooBig()
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, uploadBodyLimit)
	if err := r.ParseMultipartForm(humago.MultipartMaxMemory); err != nil {
		if _, over := errors.AsType[*http.MaxBytesError](err); over {
			tooBig()
			return
		}
		huma.WriteErr(s.api, ctx, http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "body.file", Message: "could not read the upload: send a multipart/form-data body with the file in \"file\""})
		return
	}
	next(huma.WithValue(ctx, keyUploadVisitor, v))
}
