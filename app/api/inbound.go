package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/conversations"
)

// registerInbound adds the API channel's ingest: an integration pushes the messages its
// customers wrote and Parley files them as a channel would (contact, conversation, hooks).
func (s *Server) registerInbound() {
	type inboundInput struct {
		AccountID uint64 `path:"account_id"`
		InboxID   uint64 `path:"inbox_id"`
		Body      struct {
			Messages []conversations.InboundMessage `json:"messages" doc:"1 to 100 messages, stored together or not at all" maxItems:"100"`
		}
	}
	type inboundOutput struct {
		Body struct {
			Payload []conversations.IngestResult `json:"payload" doc:"where each message landed, in order; duplicate marks a source_id seen before"`
		}
	}
	op := huma.Operation{OperationID: "inbound-messages", Method: http.MethodPost, Path: "/api/v1/accounts/{account_id}/inboxes/{inbox_id}/inbound",
		Summary:     "Record messages your customers sent, in an API inbox",
		Description: "Each message names its contact by the integration's own id (contact.source_id): Parley finds or creates the contact and its conversation, reopens a resolved one and runs assignment, automation, notifications and webhooks, as for any channel. Concurrent calls share commits.",
		Tags:        []string{"Conversations"}, Metadata: map[string]any{"module": "conversations"}}
	register(s, op, authAccount, func(ctx context.Context, in *inboundInput) (*inboundOutput, error) {
		r, err := s.Conversations.Receive(ctx, actorOf(ctx), in.InboxID, in.Body.Messages)
		out := &inboundOutput{}
		out.Body.Payload = r
		return out, err
	})
}
