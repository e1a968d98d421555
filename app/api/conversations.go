package api

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
)

// The conversations API follows Chatwoot's Application API (routes, payloads, ids are the
// account's conversation numbers), so tools written for Chatwoot work against Parley.

type (
	convPath struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
	}
	// convFilter is the query of the list and of its counts.
	convFilter struct {
		AccountID    uint64   `path:"account_id"`
		Status       string   `query:"status" doc:"open (default), pending, resolved, snoozed or all"`
		AssigneeType string   `query:"assignee_type" doc:"me, unassigned, assigned or all (default)"`
		InboxID      uint64   `query:"inbox_id"`
		TeamID       uint64   `query:"team_id"`
		Labels       []string `query:"labels,explode" doc:"conversations carrying every one of these labels"`
		LabelsArray  []string `query:"labels[],explode" doc:"the same as labels, as Chatwoot clients send it"`
		Priority     string   `query:"priority" doc:"urgent, high, medium, low or none"`
		Unread       bool     `query:"unread" doc:"only conversations with messages you have not seen"`
		Since        int64    `query:"since" doc:"last activity at or after (unix seconds)"`
		Until        int64    `query:"until" doc:"last activity before (unix seconds)"`
		Sort         string   `query:"sort" doc:"last_activity_at (default, newest first) or created_at"`
		Q            string   `query:"q" doc:"words to find in the conversation number or the contact's name, email or phone (list only)"`
		Page         int      `query:"page" minimum:"0" doc:"1-based page of 25 (list only)"`
	}
	convListOutput struct {
		Body struct {
			Data conversations.ListResult `json:"data"`
		}
	}
	convMetaOutput struct {
		Body struct {
			Meta conversations.Counts `json:"meta"`
		}
	}
	convOutput struct {
		Body *conversations.ConversationView
	}
	messageOutput struct {
		Body *conversations.MessageView
	}
	convLabelsOutput struct {
		Body struct {
			Payload []string `json:"payload"`
		}
	}
)

func (in convFilter) filter() conversations.Filter {
	f := conversations.Filter{Status: in.Status, AssigneeType: in.AssigneeType, InboxID: in.InboxID, TeamID: in.TeamID,
		Labels: append(in.Labels, in.LabelsArray...), Priority: in.Priority, Unread: in.Unread, Sort: in.Sort}
	if in.Since > 0 {
		t := time.Unix(in.Since, 0).UTC()
		f.Since = &t
	}
	if in.Until > 0 {
		t := time.Unix(in.Until, 0).UTC()
		f.Until = &t
	}
	return f
}

func (s *Server) registerConversations() {
	tags := []string{"Conversations"}
	mod := map[string]any{"module": "conversations"}
	op := func(id, method, path, summary string) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: "/api/v1/accounts/{account_id}" + path, Summary: summary, Tags: tags, Metadata: mod}
	}
	const one = "/conversations/{conversation_id}"

	register(s, op("conversations-list", http.MethodGet, "/conversations", "Conversations you may see, newest activity first, with the counts of each tab"), authAccount,
		func(ctx context.Context, in *convFilter) (*convListOutput, error) {
			r, err := s.Conversations.List(ctx, actorOf(ctx), in.filter(), in.Q, in.Page)
			out := &convListOutput{}
			if r != nil {
				out.Body.Data = *r
			}
			return out, err
		})
	register(s, op("conversations-meta", http.MethodGet, "/conversations/meta", "The counts of each tab (mine, unassigned, assigned, all) for a filter"), authAccount,
		func(ctx context.Context, in *convFilter) (*convMetaOutput, error) {
			n, err := s.Conversations.Meta(ctx, actorOf(ctx), in.filter())
			out := &convMetaOutput{}
			out.Body.Meta = n
			return out, err
		})
	type createInput struct {
		AccountID uint64 `path:"account_id"`
		Body      conversations.NewConversation
	}
	register(s, op("conversations-create", http.MethodPost, "/conversations", "Start a conversation with a contact in an inbox you work in"), authAccount,
		func(ctx context.Context, in *createInput) (*convOutput, error) {
			v, err := s.Conversations.Create(ctx, actorOf(ctx), in.Body)
			return &convOutput{v}, err
		})
	register(s, op("conversations-get", http.MethodGet, one, "A conversation"), authAccount,
		func(ctx context.Context, in *convPath) (*convOutput, error) {
			v, err := s.Conversations.Get(ctx, actorOf(ctx), in.ConversationID)
			return &convOutput{v}, err
		})
	del := op("conversations-delete", http.MethodDelete, one, "Delete a conversation and its messages (administrators)")
	del.DefaultStatus = 204
	register(s, del, authAccount, func(ctx context.Context, in *convPath) (*noContent, error) {
		return &noContent{Status: 204}, s.Conversations.Delete(ctx, actorOf(ctx), in.ConversationID)
	})

	type messagesInput struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Before         uint64 `query:"before" doc:"the page of messages before this message id (default: the latest)"`
		Limit          int    `query:"limit" doc:"how many messages, 1 to 100 (default 20)"`
	}
	type messagesOutput struct{ Body *conversations.MessagesPage }
	register(s, op("messages-list", http.MethodGet, one+"/messages", "A conversation's messages, 20 at a time (up to 100 with limit), oldest first"), authAccount,
		func(ctx context.Context, in *messagesInput) (*messagesOutput, error) {
			p, err := s.Conversations.MessagesLimit(ctx, actorOf(ctx), in.ConversationID, in.Before, in.Limit)
			return &messagesOutput{p}, err
		})
	type messageInput struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Body           conversations.NewMessage
	}
	register(s, op("messages-create", http.MethodPost, one+"/messages", "Reply, add a private note (with @mentions) or, in API inboxes, record an incoming message"), authAccount,
		func(ctx context.Context, in *messageInput) (*messageOutput, error) {
			m, err := s.Conversations.PostMessage(ctx, actorOf(ctx), in.ConversationID, in.Body)
			return &messageOutput{m}, err
		})

	type statusInput struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Body           struct {
			Status       conversations.Status `json:"status,omitempty" doc:"open, pending, resolved or snoozed; empty toggles between open and resolved"`
			SnoozedUntil *int64               `json:"snoozed_until,omitempty" doc:"when a snoozed conversation wakes (unix seconds); without it, at the contact's next message"`
		}
	}
	type statusOutput struct {
		Body struct {
			Meta    struct{} `json:"meta"`
			Payload struct {
				Success        bool                 `json:"success"`
				CurrentStatus  conversations.Status `json:"current_status"`
				ConversationID uint64               `json:"conversation_id"`
				SnoozedUntil   *int64               `json:"snoozed_until"`
			} `json:"payload"`
		}
	}
	register(s, op("conversations-toggle-status", http.MethodPost, one+"/toggle_status", "Change a conversation's status"), authAccount,
		func(ctx context.Context, in *statusInput) (*statusOutput, error) {
			ch := conversations.StatusChange{Status: in.Body.Status}
			if in.Body.SnoozedUntil != nil {
				t := time.Unix(*in.Body.SnoozedUntil, 0).UTC()
				ch.SnoozedUntil = &t
			}
			c, err := s.Conversations.ToggleStatus(ctx, actorOf(ctx), in.ConversationID, ch)
			if err != nil {
				return nil, err
			}
			out := &statusOutput{}
			p := &out.Body.Payload
			p.Success, p.CurrentStatus, p.ConversationID = true, c.Status, c.DisplayID
			if c.SnoozedUntil != nil {
				u := c.SnoozedUntil.Unix()
				p.SnoozedUntil = &u
			}
			return out, nil
		})
	type priorityInput struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Body           struct {
			Priority *string `json:"priority" doc:"urgent, high, medium, low, or none / null to remove it"`
		}
	}
	type emptyObject struct{ Body struct{} }
	register(s, op("conversations-toggle-priority", http.MethodPost, one+"/toggle_priority", "Change a conversation's priority"), authAccount,
		func(ctx context.Context, in *priorityInput) (*emptyObject, error) {
			p := conversations.NoPrio
			if in.Body.Priority != nil {
				p = conversations.Priority(*in.Body.Priority)
			}
			_, err := s.Conversations.SetPriority(ctx, actorOf(ctx), in.ConversationID, p)
			return &emptyObject{}, err
		})
	type assignInput struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Body           conversations.Assignment
	}
	type assignOutput struct{ Body any }
	register(s, op("conversations-assign", http.MethodPost, one+"/assignments", "Assign a conversation to an agent (assignee_id, 0 or null to unassign) or a team (team_id); answers the agent or team"), authAccount,
		func(ctx context.Context, in *assignInput) (*assignOutput, error) {
			if in.Body.AssigneeID == nil && in.Body.TeamID == nil {
				zero := uint64(0) // Chatwoot: a null assignee unassigns
				in.Body.AssigneeID = &zero
			}
			agent, team, err := s.Conversations.AssignTo(ctx, actorOf(ctx), in.ConversationID, in.Body)
			switch {
			case err != nil:
				return nil, err
			case agent != nil:
				return &assignOutput{agent}, nil
			case team != nil:
				return &assignOutput{team}, nil
			}
			return &assignOutput{nil}, nil
		})
	type contactConvInput struct {
		AccountID uint64 `path:"account_id"`
		ContactID uint64 `path:"contact_id"`
	}
	type contactConvOutput struct {
		Body struct {
			Payload []conversations.ConversationView `json:"payload"`
		}
	}
	register(s, op("contact-conversations", http.MethodGet, "/contacts/{contact_id}/conversations", "A contact's conversations you may see, newest first"), authAccount,
		func(ctx context.Context, in *contactConvInput) (*contactConvOutput, error) {
			l, err := s.Conversations.OfContact(ctx, actorOf(ctx), in.ContactID)
			out := &contactConvOutput{}
			out.Body.Payload = l
			return out, err
		})
	register(s, op("conversation-labels-list", http.MethodGet, one+"/labels", "A conversation's labels"), authAccount,
		func(ctx context.Context, in *convPath) (*convLabelsOutput, error) {
			l, err := s.Conversations.LabelsOf(ctx, actorOf(ctx), in.ConversationID)
			out := &convLabelsOutput{}
			out.Body.Payload = l
			return out, err
		})
	type labelsInput struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Body           struct {
			Labels []string `json:"labels" doc:"the conversation's labels from now on (titles of the account's labels)"`
		}
	}
	register(s, op("conversation-labels-set", http.MethodPost, one+"/labels", "Replace a conversation's labels"), authAccount,
		func(ctx context.Context, in *labelsInput) (*convLabelsOutput, error) {
			l, err := s.Conversations.SetLabels(ctx, actorOf(ctx), in.ConversationID, in.Body.Labels)
			out := &convLabelsOutput{}
			out.Body.Payload = l
			return out, err
		})
	seen := op("conversations-mark-read", http.MethodPost, one+"/update_last_seen", "Mark a conversation read (your unread count goes to zero)")
	seen.DefaultStatus = 204
	register(s, seen, authAccount, func(ctx context.Context, in *convPath) (*noContent, error) {
		return &noContent{Status: 204}, s.Conversations.MarkRead(ctx, actorOf(ctx), in.ConversationID)
	})
	type typingInput struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Body           struct {
			TypingStatus string `json:"typing_status" enum:"on,off"`
			IsPrivate    bool   `json:"is_private,omitempty" doc:"true while writing a private note: the contact never sees it"`
		}
	}
	typing := op("conversations-typing", http.MethodPost, one+"/toggle_typing_status", "Tell the others looking at the conversation that you are typing (on) or stopped (off)")
	typing.DefaultStatus = 204
	register(s, typing, authAccount, func(ctx context.Context, in *typingInput) (*noContent, error) {
		return &noContent{Status: 204}, s.Conversations.SetTyping(ctx, actorOf(ctx), in.ConversationID, in.Body.TypingStatus == "on", in.Body.IsPrivate)
	})
	type attrsBody struct {
		CustomAttributes map[string]any `json:"custom_attributes"`
	}
	type attrsInput struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Body           attrsBody
	}
	type attrsOutput struct{ Body attrsBody }
	register(s, op("conversations-custom-attributes", http.MethodPost, one+"/custom_attributes", "Replace a conversation's custom attributes"), authAccount,
		func(ctx context.Context, in *attrsInput) (*attrsOutput, error) {
			a, err := s.Conversations.UpdateCustomAttributes(ctx, actorOf(ctx), in.ConversationID, in.Body.CustomAttributes)
			return &attrsOutput{attrsBody{a}}, err
		})
	type botBody struct {
		BotEnabled bool `json:"bot_enabled" doc:"on: the account's bot answers this contact; off: people do"`
	}
	type botInput struct {
		AccountID      uint64 `path:"account_id"`
		ConversationID uint64 `path:"conversation_id"`
		Body           botBody
	}
	type botOutput struct{ Body botBody }
	register(s, op("conversations-toggle-bot", http.MethodPost, one+"/toggle_bot", "Turn the bot on or off for the conversation's contact"), authAccount,
		func(ctx context.Context, in *botInput) (*botOutput, error) {
			return &botOutput{botBody{in.Body.BotEnabled}}, s.Conversations.SetBot(ctx, actorOf(ctx), in.ConversationID, in.Body.BotEnabled)
		})

	type searchInput struct {
		AccountID uint64 `path:"account_id"`
		Q         string `query:"q" doc:"words to find"`
		Page      int    `query:"page" minimum:"0"`
	}
	type searchPayload struct {
		Conversations []conversations.ConversationView `json:"conversations"`
		Messages      []conversations.MessageHit       `json:"messages"`
		Contacts      []contacts.ContactView           `json:"contacts"`
	}
	type searchOutput struct {
		Body struct {
			Payload searchPayload `json:"payload"`
		}
	}
	register(s, op("search", http.MethodGet, "/search", "Search conversations, messages and contacts you may see"), authAccount,
		func(ctx context.Context, in *searchInput) (*searchOutput, error) {
			actor := actorOf(ctx)
			out := &searchOutput{}
			out.Body.Payload.Contacts = []contacts.ContactView{}
			// The contacts are searched while the conversations and messages are.
			var contactsErr error
			var wg sync.WaitGroup
			if s.Contacts != nil && actor.Can(contacts.Module, access.View) {
				wg.Go(func() {
					cl, err := s.Contacts.Search(ctx, actor, in.Q, in.Page)
					if contactsErr = err; err == nil {
						out.Body.Payload.Contacts = cl.Payload
					}
				})
			}
			r, err := s.Conversations.Find(ctx, actor, in.Q, in.Page)
			wg.Wait()
			if err == nil {
				err = contactsErr
			}
			if err != nil {
				return nil, err
			}
			out.Body.Payload.Conversations, out.Body.Payload.Messages = r.Conversations, r.Messages
			return out, nil
		})

	type uploadInput struct {
		AccountID uint64 `path:"account_id"`
		RawBody   huma.MultipartFormFiles[struct {
			Attachment huma.FormFile `form:"attachment" required:"true"`
		}]
	}
	type uploadOutput struct{ Body *conversations.Attachment }
	upload := op("attachments-upload", http.MethodPost, "/upload", "Upload a file (up to 40 MB) to attach to a message by its hash")
	upload.MaxBodyBytes = conversations.MaxUpload + 1<<20
	register(s, upload, authAccount, func(ctx context.Context, in *uploadInput) (*uploadOutput, error) {
		f := in.RawBody.Data().Attachment
		a, err := s.Conversations.Upload(ctx, actorOf(ctx), f, f.Filename, f.ContentType)
		return &uploadOutput{a}, err
	})

	s.mux.HandleFunc("GET /media/attachments/{account}/{message}/{index}", s.attachment)
}

// attachment serves a message's file through its signed, expiring link (see
// conversations.OpenAttachment): pictures, sound and video inline, anything else as a download.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) {
	account, err1 := strconv.ParseUint(r.PathValue("account"), 10, 64)
	message, err2 := strconv.ParseUint(r.PathValue("message"), 10, 64)
	index, err3 := strconv.Atoi(r.PathValue("index"))
	exp, err4 := strconv.ParseInt(r.URL.Query().Get("exp"), 10, 64)
	if err := errors.Join(err1, err2, err3, err4); err != nil || s.Conversations == nil {
		writeProblem(w, http.StatusNotFound, "attachment not found")
		return
	}
	a, f, err := s.Conversations.OpenAttachment(r.Context(), account, message, index, exp, r.URL.Query().Get("sig"))
	if err != nil {
		status, msg := s.classify(err)
		if apperr.Is(err, apperr.NotFound) {
			status, msg = http.StatusNotFound, "attachment not found (the link may have expired: reload the conversation)"
		}
		writeProblem(w, status, msg)
		return
	}
	defer f.Close()
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	disposition := "attachment"
	if conversations.Inline(ct) {
		disposition = "inline"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": a.Name}))
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; media-src 'self'")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", time.Time{}, f)
}
