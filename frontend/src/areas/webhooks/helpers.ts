// The logic of the webhooks pages, kept out of the components so it is tested on its own:
// status chips, event groups, delivery log paging and the signature verification sample.
import type { Delivery, DeliveryPage, DeliveryStatus, Instant, Webhook, WebhookEvent } from './types'

/** Deliveries per page of a log (the server's page size). */
export const DELIVERIES_PER_PAGE = 25

/** toDate reads a server time (unix seconds, or an ISO string); null when absent or unreadable. */
export function toDate(v: Instant | null | undefined): Date | null {
  if (v === null || v === undefined || v === '' || v === 0) return null
  const d = typeof v === 'number' ? new Date(v * 1000) : /^\d+$/.test(v) ? new Date(Number(v) * 1000) : new Date(v)
  return Number.isNaN(d.getTime()) ? null : d
}

/** What the status chip of a webhook says. */
export type WebhookState =
  | { kind: 'active' }
  | { kind: 'failing'; since: Date }
  | { kind: 'disabled'; reason: string }

/**
 * webhookState derives the chip: switched off wins (with the server's reason, '' when an admin
 * switched it off), then a failure streak, else active.
 */
export function webhookState(w: Pick<Webhook, 'enabled' | 'disabled_reason' | 'failing_since'>): WebhookState {
  if (!w.enabled) return { kind: 'disabled', reason: w.disabled_reason ?? '' }
  const since = toDate(w.failing_since)
  if (since) return { kind: 'failing', since }
  return { kind: 'active' }
}

export const STATE_SEVERITY: Record<WebhookState['kind'], 'success' | 'warn' | 'secondary'> = {
  active: 'success',
  failing: 'warn',
  disabled: 'secondary',
}

export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'cancelled']

export const DELIVERY_SEVERITY: Record<DeliveryStatus, 'info' | 'success' | 'danger' | 'secondary'> = {
  pending: 'info',
  succeeded: 'success',
  failed: 'danger',
  cancelled: 'secondary',
}

/** One group of the event checkboxes ("conversations", "messages", "contacts"…). */
export interface EventGroup {
  group: string
  events: WebhookEvent[]
}

/** The groups people look for first; the server lists groups alphabetically. */
export const GROUP_ORDER = ['conversations', 'messages', 'contacts']

/**
 * groupEvents puts the server's events under their groups: the known groups first (conversations,
 * messages, contacts), then any other group in the order the server listed it (groups of later
 * modules); events keep the server's order inside a group, and one without a group goes to "other".
 */
export function groupEvents(events: readonly WebhookEvent[]): EventGroup[] {
  const out: EventGroup[] = []
  const byName = new Map<string, EventGroup>()
  for (const e of events) {
    const g = e.group || 'other'
    let grp = byName.get(g)
    if (!grp) {
      grp = { group: g, events: [] }
      byName.set(g, grp)
      out.push(grp)
    }
    grp.events.push(e)
  }
  const rank = (g: string) => {
    const i = GROUP_ORDER.indexOf(g)
    return i < 0 ? GROUP_ORDER.length : i
  }
  // Array.prototype.sort is stable: groups of equal rank keep the server's order.
  return out.sort((a, b) => rank(a.group) - rank(b.group))
}

/** How many of names are selected: none, some or all (drives a group's tri-state box). */
export function selectionOf(selected: readonly string[], names: readonly string[]): 'none' | 'some' | 'all' {
  const n = names.filter((x) => selected.includes(x)).length
  return n === 0 ? 'none' : n === names.length ? 'all' : 'some'
}

/**
 * toggleNames adds every one of names to selected (on) or takes them all out, keeping the
 * order of selected and adding no duplicates.
 */
export function toggleNames(selected: readonly string[], names: readonly string[], on: boolean): string[] {
  if (!on) return selected.filter((x) => !names.includes(x))
  return [...selected, ...names.filter((x) => !selected.includes(x))]
}

/**
 * knownSubscriptions keeps the subscriptions the server still offers, so a webhook subscribed to
 * an event that was removed can still be saved.
 */
export function knownSubscriptions(selected: readonly string[], events: readonly WebhookEvent[]): string[] {
  const names = new Set(events.map((e) => e.name))
  return selected.filter((s) => names.has(s))
}

/** hasPending says whether the log should keep refreshing itself. */
export function hasPending(list: readonly Pick<Delivery, 'status'>[]): boolean {
  return list.some((d) => d.status === 'pending')
}

/** prettyJson indents a posted body for reading; a body that is not JSON is shown as it is. */
export function prettyJson(body: string | null | undefined): string {
  if (!body) return ''
  try {
    return JSON.stringify(JSON.parse(body), null, 2)
  } catch {
    return body
  }
}

/** pageCount is the number of pages for count deliveries (at least one, for the paginator). */
export function pageCount(count: number, perPage = DELIVERIES_PER_PAGE): number {
  return Math.max(1, Math.ceil(Math.max(0, count) / perPage))
}

/** Headers every delivery carries (the X-Chatwoot-* twins carry the same values). */
export const SIGNATURE_HEADERS = ['X-Parley-Event', 'X-Parley-Delivery', 'X-Parley-Timestamp', 'X-Parley-Signature'] as const

/**
 * verificationSample is the receiver's side of the signature, in Node.js: HMAC-SHA256 of
 * "<timestamp>.<raw body>" with the secret, compared in constant time with the header after
 * "sha256=". The secret is written in when known (right after create or rotate).
 */
export function verificationSample(secret = '<your webhook secret>'): string {
  return [
    "const crypto = require('crypto')",
    '',
    '// rawBody: the request body exactly as received (a Buffer or string, before JSON parsing)',
    'function verify(headers, rawBody) {',
    "  const timestamp = headers['x-parley-timestamp']",
    "  const signature = headers['x-parley-signature'] // \"sha256=<hex>\"",
    `  const expected = 'sha256=' + crypto.createHmac('sha256', ${JSON.stringify(secret)})`,
    '    .update(`${timestamp}.${rawBody}`)',
    "    .digest('hex')",
    '  const ok = signature && signature.length === expected.length &&',
    '    crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))',
    '  // Refuse old timestamps (replays) and process each X-Parley-Delivery id once:',
    '  // a delivery can arrive more than once.',
    '  return ok && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300',
    '}',
  ].join('\n')
}

/** isoOf gives a server time as an ISO string for the shared date formatters; null when absent. */
export function isoOf(v: Instant | null | undefined): string | null {
  return toDate(v)?.toISOString() ?? null
}

/** The calls behind one delivery log: a webhook's, or an API inbox's. */
export interface DeliverySource {
  /** Whether list honours a status filter (an inbox's log has none on the server). */
  filterable: boolean
  list(page: number, status: DeliveryStatus | null): Promise<DeliveryPage>
  one(id: number): Promise<Delivery>
  resend(id: number): Promise<Delivery>
}

/** pageOf reads a log page; a bare array (no envelope) counts as one page. */
export function pageOf(raw: unknown): DeliveryPage {
  if (Array.isArray(raw)) return { payload: raw as Delivery[], meta: { count: raw.length, current_page: 1 } }
  const r = (raw ?? {}) as Partial<DeliveryPage>
  const payload = Array.isArray(r.payload) ? r.payload : []
  return { payload, meta: { count: r.meta?.count ?? payload.length, current_page: r.meta?.current_page ?? 1 } }
}

/** webhooksOf reads the list answer ({"payload":{"webhooks":[…]}}, Chatwoot's envelope) or a bare list. */
export function webhooksOf(raw: unknown): Webhook[] {
  if (Array.isArray(raw)) return raw as Webhook[]
  const p = (raw as { payload?: unknown } | null)?.payload
  if (Array.isArray(p)) return p as Webhook[]
  const list = (p as { webhooks?: unknown } | null)?.webhooks
  return Array.isArray(list) ? (list as Webhook[]) : []
}

/** webhookOf reads one webhook ({"payload":{"webhook":{…}}}) or a bare one. */
export function webhookOf<T extends Webhook = Webhook>(raw: unknown): T {
  const p = (raw as { payload?: unknown } | null)?.payload
  const w = (p as { webhook?: unknown } | null)?.webhook
  if (w && typeof w === 'object') return w as T
  if (p && typeof p === 'object' && 'id' in p) return p as T
  return raw as T
}

/** headersSample shows what a delivery request looks like on the wire, for the secret dialog. */
export function headersSample(): string {
  return [
    'POST /your/endpoint HTTP/1.1',
    'Content-Type: application/json',
    'User-Agent: Parley-Webhooks/1.0',
    'X-Parley-Event: message_created',
    'X-Parley-Delivery: 4211',
    'X-Parley-Timestamp: 1767225600',
    'X-Parley-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">',
    '',
    '{"event":"message_created", …}',
  ].join('\n')
}
