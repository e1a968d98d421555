// Calls to Parley's public client API from the widget window (same origin as Parley, no cookies:
// the visitor's source id in the URL is their credential).

import type { Attachment, MessageView, PublicContact, PublicConversation, WidgetConfig } from './types'
import type { ContactFields } from './logic'

/** ApiError carries the server's problem detail and status (429 brings retryAfter seconds). */
export class ApiError extends Error {
  constructor(
    message: string,
    public status: number,
    public fields: Record<string, string> = {},
    public retryAfter = 0,
  ) {
    super(message)
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'omit', headers: { Accept: 'application/json' } }
  if (body instanceof FormData) init.body = body
  else if (body !== undefined) {
    init.body = JSON.stringify(body)
    ;(init.headers as Record<string, string>)['Content-Type'] = 'application/json'
  }
  const res = await fetch(path, init)
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let data: unknown = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (!res.ok) {
    const p = (data ?? {}) as { detail?: string; title?: string; errors?: { location?: string; message?: string }[] }
    const fields: Record<string, string> = {}
    for (const e of p.errors ?? []) if (e.location) fields[e.location.replace(/^body\./, '')] = e.message ?? ''
    const detail = p.errors?.[0]?.message || p.detail || p.title || res.statusText
    throw new ApiError(detail, res.status, fields, Number(res.headers.get('Retry-After')) || 0)
  }
  return data as T
}

const enc = encodeURIComponent

/** Client is the client API for one website inbox. */
export class Client {
  constructor(public token: string) {}

  private inbox() {
    return `/public/api/v1/inboxes/${enc(this.token)}`
  }
  private contact(sourceID: string) {
    return `${this.inbox()}/contacts/${enc(sourceID)}`
  }
  private conv(sourceID: string, id: number) {
    return `${this.contact(sourceID)}/conversations/${id}`
  }

  config() {
    return call<WidgetConfig>('GET', `/public/api/v1/widget/${enc(this.token)}/config`)
  }
  createContact(body: ContactFields & { identifier?: string; identifier_hash?: string }) {
    return call<PublicContact>('POST', `${this.inbox()}/contacts`, body)
  }
  updateContact(sourceID: string, body: ContactFields & { identifier?: string; identifier_hash?: string }) {
    return call<PublicContact>('PATCH', this.contact(sourceID), body)
  }
  conversations(sourceID: string) {
    return call<PublicConversation[]>('GET', `${this.contact(sourceID)}/conversations`)
  }
  startConversation(sourceID: string, key: string, customAttributes?: Record<string, unknown>) {
    return call<PublicConversation>('POST', `${this.contact(sourceID)}/conversations`, { source_id: key, custom_attributes: customAttributes })
  }
  conversation(sourceID: string, id: number) {
    return call<PublicConversation>('GET', this.conv(sourceID, id))
  }
  messages(sourceID: string, id: number, before = 0) {
    return call<MessageView[]>('GET', `${this.conv(sourceID, id)}/messages${before ? `?before=${before}` : ''}`)
  }
  post(sourceID: string, id: number, body: { content: string; source_id: string; echo_id: string; attachments?: Attachment[] }) {
    return call<MessageView>('POST', `${this.conv(sourceID, id)}/messages`, body)
  }
  resolve(sourceID: string, id: number) {
    return call<PublicConversation>('POST', `${this.conv(sourceID, id)}/toggle_status`)
  }
  typing(sourceID: string, id: number, on: boolean) {
    return call<void>('POST', `${this.conv(sourceID, id)}/toggle_typing`, { typing_status: on ? 'on' : 'off' })
  }
  seen(sourceID: string, id: number) {
    return call<void>('POST', `${this.conv(sourceID, id)}/update_last_seen`)
  }
  upload(sourceID: string, file: File) {
    const fd = new FormData()
    fd.append('file', file, file.name)
    return call<Attachment>('POST', `${this.contact(sourceID)}/attachments`, fd)
  }
  /** realtimeURL is the live link's URL (http; the transport makes it ws when it can). */
  realtimeURL(pubsubToken: string) {
    return `${location.origin}${this.inbox()}/realtime?pubsub_token=${enc(pubsubToken)}`
  }
}

/** SurveyAnswer is the stored CSAT answer (rating 0: none yet). */
export interface SurveyAnswer {
  rating: number
  feedback_message: string
}

/** survey reads the answer to a CSAT survey. */
export function survey(token: string) {
  return call<SurveyAnswer>('GET', `/public/api/v1/csat_survey/${enc(token)}`)
}

/** answerSurvey stores a CSAT answer. */
export function answerSurvey(token: string, rating: number, comment: string) {
  return call<SurveyAnswer>('POST', `/public/api/v1/csat_survey/${enc(token)}`, { rating, feedback_message: comment })
}
