// API shapes of the webhooks pages, taken from the generated schema (src/api/schema.d.ts, made by
// `make api-types` from the server's OpenAPI document) so that a change on the server is a type
// error here. Only narrowings live in this file: where Go says `string` for a closed set (a
// delivery's status), the union is spelled out.
import type { components } from '@/api/schema'

// The server accepts unknown fields, so every schema carries `[key: string]: unknown`; Known keeps
// only the declared properties (the same trick as src/api/types.ts), so a misspelt field is an error.
type Known<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] }
type Schemas = { [K in keyof components['schemas']]: Known<components['schemas'][K]> }

/** Times come as unix seconds; the helpers also read ISO strings, so both are accepted there. */
export type Instant = number | string

/**
 * An account webhook: where events are posted and which ones. The secret is in it only in the
 * create answer (see CreatedWebhook); the list never carries it.
 */
export type Webhook = Omit<Schemas['WebhookView'], 'secret'>

/** The create answer, the only time the signing secret is shown. */
export type CreatedWebhook = Webhook & { secret: string }

/** What POST and PATCH accept (sent in Chatwoot's {"webhook": {…}} envelope). */
export type WebhookInput = Schemas['WebhookInput']

/** One subscribable event, its description in the user's language and its group. */
export type WebhookEvent = Schemas['WebhookEvent']

/** The answer of rotate_secret: the new secret, shown this once. */
export type WebhookSecret = Schemas['WebhookSecret']

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled'

/** One try at posting a delivery; status_code is 0 when no answer came (network error, timeout). */
export type Attempt = Schemas['AttemptView']

/** One event posted (or to be posted) to one webhook or inbox webhook URL; body and attempts only in the detail. */
export type Delivery = Omit<Schemas['DeliveryView'], 'status' | 'attempts'> & {
  status: DeliveryStatus
  attempts?: Attempt[] | null
}

/** One page of a delivery log, newest first. */
export type DeliveryPage = Omit<Schemas['DeliveryPage'], 'payload' | 'meta'> & {
  payload: Delivery[] | null
  meta: Schemas['DeliveryPageMetaStruct']
}
