package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/webhooks"
)

// signatureDoc is the delivery contract, repeated on the operations that make deliveries.
const signatureDoc = "Every delivery is an HTTP POST of a Chatwoot-shaped JSON body with the headers " +
	"`Content-Type: application/json`, `User-Agent: Parley-Webhooks/1.0`, `X-Parley-Event` (the event name), " +
	"`X-Parley-Delivery` (the delivery id, the same on every retry and resend: deduplicate on it, delivery is at least once), " +
	"`X-Parley-Timestamp` (unix seconds of this attempt) and `X-Parley-Signature: sha256=<hex of HMAC-SHA256(secret, \"<timestamp>.<body>\")>`; " +
	"the same three values are also sent as `X-Chatwoot-Delivery`, `X-Chatwoot-Timestamp` and `X-Chatwoot-Signature`. " +
	"Any 2xx answer is a success; anything else is retried after 30 s, 1 min, 2 min, 4 min … (doubling, at most 2 h apart) " +
	"for 24 hours. A webhook that fails for 24 hours is turned off and the administrators are notified. " +
	"An API channel inbox's webhook URL receives its conversations' events the same way, signed with the inbox's webhook secret " +
	"(no signature headers when it has none)."

type (
	// Named payloads: huma names schemas after types, and anonymous ones clash across files.
	webhookListPayload struct {
		Webhooks []webhooks.WebhookView `json:"webhooks"`
	}
	webhookListBody struct {
		Payload webhookListPayload `json:"payload"`
	}
	webhookListOutput struct{ Body webhookListBody }
	webhookPayload    struct {
		Webhook *webhooks.WebhookView `json:"webhook"`
	}
	webhookBodyOut struct {
		Payload webhookPayload `json:"payload"`
	}
	webhookOutput struct {
		Status int
		Body   webhookBodyOut
	}
	// webhookBody takes Chatwoot's {"webhook": {…}} envelope or the same fields flat.
	webhookBody struct {
		webhooks.WebhookInput
		Webhook *webhooks.WebhookInput `json:"webhook,omitempty" doc:"Chatwoot's envelope; the flat fields are used when it is absent"`
	}
	webhookEvent struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Group       string `json:"group"`
	}
	webhookEventsOutput struct{ Body []webhookEvent }
	webhookSecret       struct {
		Secret string `json:"secret"`
	}
	secretOutput         struct{ Body webhookSecret }
	deliveryOutput       struct{ Body *webhooks.DeliveryView }
	deliveryPageOutput   struct{ Body *webhooks.DeliveryPage }
	webhookDeletedOutput struct{ Body struct{} }
	webhookDeliveryPath  struct {
		AccountID  uint64 `path:"account_id"`
		ID         uint64 `path:"id"`
		DeliveryID uint64 `path:"delivery_id"`
	}
	inboxDeliveryPath struct {
		AccountID  uint64 `path:"account_id"`
		InboxID    uint64 `path:"inbox_id"`
		DeliveryID uint64 `path:"delivery_id"`
	}
)

func (b webhookBody) input() webhooks.WebhookInput {
	if b.Webhook != nil {
		return *b.Webhook
	}
	return b.WebhookInput
}

func webhookResult(status int, w *webhooks.WebhookView) *webhookOutput {
	out := &webhookOutput{Status: status}
	out.Body.Payload.Webhook = w
	return out
}

// registerWebhooks adds the webhooks routes (administrators only; agents get 403).
func (s *Server) registerWebhooks() {
	tags := []string{"Webhooks"}
	base := "/api/v1/accounts/{account_id}/webhooks"
	register(s, huma.Operation{OperationID: "webhooks-list", Method: http.MethodGet, Path: base, Summary: "The account's webhooks", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountPath) (*webhookListOutput, error) {
			l, err := s.Webhooks.List(ctx, actorOf(ctx))
			out := &webhookListOutput{}
			out.Body.Payload.Webhooks = l
			return out, err
		})
	type createInput struct {
		AccountID uint64 `path:"account_id"`
		Body      webhookBody
	}
	register(s, huma.Operation{OperationID: "webhooks-create", Method: http.MethodPost, Path: base, Summary: "Add a webhook; the answer holds its signing secret, shown only this once",
		Description: signatureDoc, Tags: tags, DefaultStatus: 200}, authAccount,
		func(ctx context.Context, in *createInput) (*webhookOutput, error) {
			w, err := s.Webhooks.Create(ctx, actorOf(ctx), in.Body.input())
			return webhookResult(200, w), err
		})
	register(s, huma.Operation{OperationID: "webhooks-events", Method: http.MethodGet, Path: base + "/events", Summary: "The events a webhook can subscribe to, described in your language", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountPath) (*webhookEventsOutput, error) {
			lang := ""
			if u := userOf(ctx); u != nil {
				lang = u.Language
			}
			out := &webhookEventsOutput{Body: []webhookEvent{}}
			for _, e := range webhooks.Events() {
				out.Body = append(out.Body, webhookEvent{Name: e.Name, Description: e.Description(lang), Group: e.Group})
			}
			return out, nil
		})
	register(s, huma.Operation{OperationID: "webhooks-get", Method: http.MethodGet, Path: base + "/{id}", Summary: "A webhook", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*webhookOutput, error) {
			w, err := s.Webhooks.Get(ctx, actorOf(ctx), in.ID)
			return webhookResult(200, w), err
		})
	type updateInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Body      webhookBody
	}
	register(s, huma.Operation{OperationID: "webhooks-update", Method: http.MethodPatch, Path: base + "/{id}", Summary: "Change a webhook; enabling it again clears its failing streak", Tags: tags}, authAccount,
		func(ctx context.Context, in *updateInput) (*webhookOutput, error) {
			w, err := s.Webhooks.Update(ctx, actorOf(ctx), in.ID, in.Body.input())
			return webhookResult(200, w), err
		})
	register(s, huma.Operation{OperationID: "webhooks-delete", Method: http.MethodDelete, Path: base + "/{id}", Summary: "Delete a webhook and cancel its pending deliveries", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*webhookDeletedOutput, error) {
			return &webhookDeletedOutput{}, s.Webhooks.Delete(ctx, actorOf(ctx), in.ID)
		})
	register(s, huma.Operation{OperationID: "webhooks-rotate-secret", Method: http.MethodPost, Path: base + "/{id}/rotate_secret", Summary: "Give a webhook a new signing secret (shown only in this answer)", Tags: tags}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*secretOutput, error) {
			secret, err := s.Webhooks.RotateSecret(ctx, actorOf(ctx), in.ID)
			out := &secretOutput{}
			out.Body.Secret = secret
			return out, err
		})
	register(s, huma.Operation{OperationID: "webhooks-test", Method: http.MethodPost, Path: base + "/{id}/test", Summary: "Queue a ping delivery ({\"event\":\"ping\",\"webhook_id\":…}) to a webhook",
		Description: signatureDoc, Tags: tags}, authAccount,
		func(ctx context.Context, in *accountItemPath) (*deliveryOutput, error) {
			d, err := s.Webhooks.Test(ctx, actorOf(ctx), in.ID)
			return &deliveryOutput{d}, err
		})
	type deliveriesInput struct {
		AccountID uint64 `path:"account_id"`
		ID        uint64 `path:"id"`
		Page      int    `query:"page" doc:"1-based page of 25, newest first"`
		Status    string `query:"status" doc:"Only pending, succeeded, failed or cancelled deliveries"`
	}
	register(s, huma.Operation{OperationID: "webhooks-deliveries", Method: http.MethodGet, Path: base + "/{id}/deliveries", Summary: "A webhook's delivery log", Description: signatureDoc, Tags: tags}, authAccount,
		func(ctx context.Context, in *deliveriesInput) (*deliveryPageOutput, error) {
			p, err := s.Webhooks.Deliveries(ctx, actorOf(ctx), in.ID, in.Page, in.Status)
			return &deliveryPageOutput{p}, err
		})
	register(s, huma.Operation{OperationID: "webhooks-delivery", Method: http.MethodGet, Path: base + "/{id}/deliveries/{delivery_id}", Summary: "A delivery with the body posted and every attempt", Tags: tags}, authAccount,
		func(ctx context.Context, in *webhookDeliveryPath) (*deliveryOutput, error) {
			d, err := s.Webhooks.Delivery(ctx, actorOf(ctx), webhooks.Target{WebhookID: in.ID}, in.DeliveryID)
			return &deliveryOutput{d}, err
		})
	register(s, huma.Operation{OperationID: "webhooks-delivery-resend", Method: http.MethodPost, Path: base + "/{id}/deliveries/{delivery_id}/resend",
		Summary: "Send a delivery again (same body, same X-Parley-Delivery id, a fresh day of retries)", Tags: tags}, authAccount,
		func(ctx context.Context, in *webhookDeliveryPath) (*deliveryOutput, error) {
			d, err := s.Webhooks.Resend(ctx, actorOf(ctx), webhooks.Target{WebhookID: in.ID}, in.DeliveryID)
			return &deliveryOutput{d}, err
		})

	inbox := "/api/v1/accounts/{account_id}/inboxes/{inbox_id}/webhook_deliveries"
	type inboxDeliveriesInput struct {
		AccountID uint64 `path:"account_id"`
		InboxID   uint64 `path:"inbox_id"`
		Page      int    `query:"page" doc:"1-based page of 25, newest first"`
	}
	register(s, huma.Operation{OperationID: "inbox-webhook-deliveries", Method: http.MethodGet, Path: inbox, Summary: "The delivery log of an API inbox's webhook URL", Description: signatureDoc, Tags: tags}, authAccount,
		func(ctx context.Context, in *inboxDeliveriesInput) (*deliveryPageOutput, error) {
			p, err := s.Webhooks.InboxDeliveries(ctx, actorOf(ctx), in.InboxID, in.Page)
			return &deliveryPageOutput{p}, err
		})
	register(s, huma.Operation{OperationID: "inbox-webhook-delivery", Method: http.MethodGet, Path: inbox + "/{delivery_id}", Summary: "An inbox webhook delivery with its body and attempts", Tags: tags}, authAccount,
		func(ctx context.Context, in *inboxDeliveryPath) (*deliveryOutput, error) {
			d, err := s.Webhooks.Delivery(ctx, actorOf(ctx), webhooks.Target{InboxID: in.InboxID}, in.DeliveryID)
			return &deliveryOutput{d}, err
		})
	register(s, huma.Operation{OperationID: "inbox-webhook-delivery-resend", Method: http.MethodPost, Path: inbox + "/{delivery_id}/resend", Summary: "Send an inbox webhook delivery again", Tags: tags}, authAccount,
		func(ctx context.Context, in *inboxDeliveryPath) (*deliveryOutput, error) {
			d, err := s.Webhooks.Resend(ctx, actorOf(ctx), webhooks.Target{InboxID: in.InboxID}, in.DeliveryID)
			return &deliveryOutput{d}, err
		})
}
