import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  groupEvents,
  hasPending,
  knownSubscriptions,
  pageCount,
  pageOf,
  prettyJson,
  selectionOf,
  toDate,
  toggleNames,
  verificationSample,
  webhookOf,
  webhookState,
  webhooksOf,
} from '@/areas/webhooks/helpers'

describe('webhook status chip', () => {
  it('is active when enabled with no failure streak', () => {
    expect(webhookState({ enabled: true, disabled_reason: '', failing_since: null })).toEqual({ kind: 'active' })
  })
  it('is failing since the first failed attempt', () => {
    const s = webhookState({ enabled: true, disabled_reason: '', failing_since: 1_700_000_000 })
    expect(s.kind).toBe('failing')
    expect(s.kind === 'failing' && s.since.getTime()).toBe(1_700_000_000_000)
  })
  it('is disabled (with the server reason) whatever the streak says', () => {
    expect(webhookState({ enabled: false, disabled_reason: 'HTTP 500', failing_since: 1 })).toEqual({ kind: 'disabled', reason: 'HTTP 500' })
    expect(webhookState({ enabled: false, disabled_reason: '', failing_since: null })).toEqual({ kind: 'disabled', reason: '' })
  })
  it('reads unix seconds and ISO strings', () => {
    expect(toDate(0)).toBeNull()
    expect(toDate(null)).toBeNull()
    expect(toDate('2026-01-02T03:04:05Z')?.toISOString()).toBe('2026-01-02T03:04:05.000Z')
    expect(toDate('1700000000')?.getTime()).toBe(1_700_000_000_000)
    expect(toDate('garbage')).toBeNull()
  })
})

describe('event checkboxes', () => {
  // As GET …/webhooks/events answers: grouped, groups in alphabetical order.
  const events = [
    { name: 'contact_created', description: 'a', group: 'contacts' },
    { name: 'conversation_created', description: 'b', group: 'conversations' },
    { name: 'conversation_updated', description: 'c', group: 'conversations' },
    { name: 'deal_won', description: 'd', group: 'crm' },
    { name: 'message_created', description: 'e', group: 'messages' },
    { name: 'custom_thing', description: 'f', group: '' },
  ]
  it('puts conversations, messages and contacts first, then other groups in the server order', () => {
    expect(groupEvents(events).map((g) => [g.group, g.events.map((e) => e.name)])).toEqual([
      ['conversations', ['conversation_created', 'conversation_updated']],
      ['messages', ['message_created']],
      ['contacts', ['contact_created']],
      ['crm', ['deal_won']],
      ['other', ['custom_thing']],
    ])
  })
  it('selects and clears whole groups without duplicates', () => {
    const conv = ['conversation_created', 'conversation_updated']
    expect(selectionOf([], conv)).toBe('none')
    expect(selectionOf(['conversation_created'], conv)).toBe('some')
    let sel = toggleNames(['message_created', 'conversation_created'], conv, true)
    expect(sel).toEqual(['message_created', 'conversation_created', 'conversation_updated'])
    expect(selectionOf(sel, conv)).toBe('all')
    sel = toggleNames(sel, conv, false)
    expect(sel).toEqual(['message_created'])
  })
  it('drops subscriptions the server no longer offers', () => {
    expect(knownSubscriptions(['message_created', 'gone_event'], events)).toEqual(['message_created'])
  })
})

describe('delivery log', () => {
  it('refreshes only while something is pending', () => {
    expect(hasPending([{ status: 'succeeded' }, { status: 'failed' }])).toBe(false)
    expect(hasPending([{ status: 'succeeded' }, { status: 'pending' }])).toBe(true)
  })
  it('pretty-prints JSON bodies and leaves others alone', () => {
    expect(prettyJson('{"event":"ping","id":1}')).toBe('{\n  "event": "ping",\n  "id": 1\n}')
    expect(prettyJson('not json')).toBe('not json')
    expect(prettyJson(undefined)).toBe('')
  })
  it('counts pages', () => {
    expect(pageCount(0)).toBe(1)
    expect(pageCount(25)).toBe(1)
    expect(pageCount(26)).toBe(2)
  })
  it('reads the page envelope or a bare list', () => {
    const d = { id: 1 } as never
    expect(pageOf({ payload: [d], meta: { count: 40, current_page: 2 } })).toEqual({ payload: [d], meta: { count: 40, current_page: 2 } })
    expect(pageOf([d])).toEqual({ payload: [d], meta: { count: 1, current_page: 1 } })
    expect(pageOf(null)).toEqual({ payload: [], meta: { count: 0, current_page: 1 } })
  })
  it('unwraps the Chatwoot webhook envelopes', () => {
    const w = { id: 3, url: 'https://x' }
    expect(webhooksOf({ payload: { webhooks: [w] } })).toEqual([w])
    expect(webhooksOf([w])).toEqual([w])
    expect(webhooksOf({ payload: [w] })).toEqual([w])
    expect(webhooksOf({})).toEqual([])
    expect(webhookOf({ payload: { webhook: { ...w, secret: 's' } } })).toEqual({ ...w, secret: 's' })
    expect(webhookOf(w)).toEqual(w)
  })
})

describe('signature verification sample', () => {
  it('is code that really verifies a signature made the documented way', () => {
    const secret = 'whsec_test'
    const body = '{"event":"ping","webhook_id":7}'
    const ts = String(Math.floor(Date.now() / 1000))
    const sig = 'sha256=' + createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')
    const verify = new Function('require', `${verificationSample(secret)}\nreturn verify`)(require) as (h: Record<string, string>, b: string) => boolean
    expect(verify({ 'x-parley-timestamp': ts, 'x-parley-signature': sig }, body)).toBe(true)
    expect(verify({ 'x-parley-timestamp': ts, 'x-parley-signature': sig }, body + ' ')).toBe(false)
    expect(verify({ 'x-parley-timestamp': String(Number(ts) - 3600), 'x-parley-signature': 'sha256=' + createHmac('sha256', secret).update(`${Number(ts) - 3600}.${body}`).digest('hex') }, body)).toBe(false)
  })
})
