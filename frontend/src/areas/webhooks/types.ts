// API shapes of the webhooks pages, hand-written to the server's contract (helper A's
// app/api/webhooks.go). Kept in this one file so the switch to the generated schema
// (src/api/schema.d.ts) touches nothing else.

/** Times come as unix seconds; older answers may carry ISO strings, so both are accepted. */
export type Instant = number | string

/** An account webhook: where events are posted and which ones. The secret is never in it. */
export interface Webhook {
  id: number
  account_id: number
  name: string
  url: string
  subscriptions: string[] | null
  enabled: boolean
  /** Why the server switched it off (the last error of a day of failures); '' otherwise. */
  disabled_reason: string
  /** First failed attempt of the current streak; null while deliveries succeed. */
  failing_since: Instant | null
  last_delivery_at: Instant | null
  last_status_code: number
  created_at: Instant
  updated_at: Instant
}

/** The create answer, the only time the signing secret is shown. */
export type CreatedWebhook = Webhook & { secret: string }

/** What POST and PATCH accept. */
export interface WebhookInput {
  name?: string
  url?: string
  subscriptions?: string[]
  enabled?: boolean
}

/** One subscribable event, its description in the user's language and its group. */
export interface WebhookEvent {
  name: string
  description: string
  group: string
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled'

/** One try at posting a delivery. */
export interface Attempt {
  at: Instant
  /** 0 when no answer came (network error, timeout). */
  status_code: number
  latency_ms: number
  /** The first 512 bytes of the receiver's answer. */
  response_excerpt: string
  error: string
}

/** One event posted (or to be posted) to one webhook or inbox webhook URL. */
export interface Delivery {
  id: number
  webhook_id: number
  inbox_id: number
  event: string
  status: DeliveryStatus
  attempts_count: number
  next_attempt_at: Instant | null
  last_status_code: number
  last_error: string
  created_at: Instant
  updated_at: Instant
  /** Detail answer only: the exact JSON posted. */
  body?: string
  /** Detail answer only. */
  attempts?: Attempt[] | null
}

/** One page of a delivery log, newest first. */
export interface DeliveryPage {
  payload: Delivery[] | null
  meta: { count: number; current_page: number }
}
