// The chat window's pure rules: language, colours, merging live frames with pending messages,
// day groups, "back at", survey tokens, the pre-chat form, remembered state.
import { describe, expect, it } from 'vitest'
import { dictionaries, pickLocale, translator } from '@/widget/i18n'
import {
  backAt,
  contactFields,
  groupByDay,
  initials,
  insertAt,
  mergeAll,
  mergeMessage,
  surveyToken,
  textOn,
  validatePreChat,
} from '@/widget/logic'
import { load, parseState, save, forget, storageKey } from '@/widget/state'
import type { ChatMessage, MessageView, PreChatField } from '@/widget/types'

const en = translator('en')
const pt = translator('pt-BR')

function msg(id: number, created: number, extra: Partial<MessageView> = {}): MessageView {
  return {
    id,
    content: 'm' + id,
    conversation_id: 7,
    message_type: 1,
    content_type: 'text',
    content_attributes: {},
    status: 'sent',
    created_at: created,
    sender: { id: 3, name: 'Ana', avatar_url: '', type: 'user' },
    attachments: [],
    ...extra,
  }
}

function pending(echo: string, created: number): ChatMessage {
  return { ...msg(0, created, { message_type: 0, content: 'hi', content_attributes: { echo_id: echo } }), key: 'e' + echo, echo_id: echo, source_id: 's-' + echo, pending: true }
}

describe('pickLocale', () => {
  it('speaks Portuguese for any pt tag from the URL, else the browser, else English', () => {
    expect(pickLocale('pt-BR', 'en-US')).toBe('pt-BR')
    expect(pickLocale('pt-PT')).toBe('pt-BR')
    expect(pickLocale('PT')).toBe('pt-BR')
    expect(pickLocale('', 'pt-br')).toBe('pt-BR')
    expect(pickLocale(null, 'en-GB')).toBe('en')
    expect(pickLocale('es-ES', 'pt-BR')).toBe('en') // the host page's language wins
    expect(pickLocale(undefined, undefined)).toBe('en')
    expect(pickLocale('ptx')).toBe('en')
  })
  it('has the same keys in both languages and fills placeholders', () => {
    expect(Object.keys(dictionaries['pt-BR']).sort()).toEqual(Object.keys(dictionaries.en).sort())
    expect(en('typing', { name: 'Ana' })).toBe('Ana is typing…')
    expect(pt('typing', { name: 'Ana' })).toBe('Ana está digitando…')
  })
})

describe('textOn', () => {
  it('picks white on dark and dark on pale colours', () => {
    expect(textOn('#1F93FF')).toBe('#ffffff') // the default blue keeps white text (3.3:1, bold header text)
    expect(textOn('#7DD3FC')).toBe('#111827') // a pale sky blue gets dark text
    expect(textOn('#4F46E5')).toBe('#ffffff')
    expect(textOn('#000000')).toBe('#ffffff')
    expect(textOn('#FFEB3B')).toBe('#111827')
    expect(textOn('#ffffff')).toBe('#111827')
    expect(textOn('nonsense')).toBe('#ffffff')
  })
})

describe('mergeMessage', () => {
  it('replaces the pending bubble with the stored message by echo id, once', () => {
    let list: ChatMessage[] = [pending('a', 100)]
    const stored = msg(11, 101, { message_type: 0, content: 'hi', content_attributes: { echo_id: 'a' } })
    list = mergeMessage(list, stored) // the POST answer
    list = mergeMessage(list, stored) // the same message as a realtime frame
    expect(list.map((m) => [m.id, !!m.pending])).toEqual([[11, false]])
  })
  it('updates a message by id and keeps id order, with pending ones last', () => {
    let list: ChatMessage[] = [pending('b', 50)]
    list = mergeAll(list, [msg(12, 200), msg(10, 100)])
    list = mergeMessage(list, msg(10, 100, { content: 'edited', status: 'read' }))
    expect(list.map((m) => m.id)).toEqual([10, 12, 0])
    expect(list[0].content).toBe('edited')
  })
  it('does not let a stored message with the same echo id swallow another stored one', () => {
    let list: ChatMessage[] = mergeAll([], [msg(1, 1, { content_attributes: { echo_id: 'x' } })])
    list = mergeMessage(list, msg(2, 2, { content_attributes: { echo_id: 'x' } }))
    expect(list.map((m) => m.id)).toEqual([1, 2])
  })
})

describe('groupByDay', () => {
  it('labels Today, Yesterday and older dates in the visitor language', () => {
    const now = Date.UTC(2025, 5, 18, 15, 0) / 1000 // Wed 18 June 2025
    const list = mergeAll([], [msg(1, now - 3 * 86400), msg(2, now - 86400), msg(3, now - 86400 + 60), msg(4, now - 60)])
    const g = groupByDay(list, 'en', en, now, 'UTC')
    expect(g.map((x) => [x.label, x.messages.length])).toEqual([
      ['June 15', 1],
      ['Yesterday', 2],
      ['Today', 1],
    ])
    expect(groupByDay(list, 'pt-BR', pt, now, 'UTC').map((x) => x.label)).toEqual(['15 de junho', 'Ontem', 'Hoje'])
  })
  it('splits days in the visitor time zone', () => {
    const t = Date.UTC(2025, 5, 18, 2, 0) / 1000 // 02:00 UTC is still the 17th in São Paulo
    const list = mergeAll([], [msg(1, t - 3 * 3600), msg(2, t)])
    expect(groupByDay(list, 'en', en, t, 'UTC').length).toBe(2)
    expect(groupByDay(list, 'en', en, t, 'America/Sao_Paulo').length).toBe(1)
  })
})

describe('backAt', () => {
  const now = Date.UTC(2025, 5, 18, 20, 0) / 1000 // Wednesday 20:00 UTC
  it('says today, tomorrow, a weekday or a date', () => {
    expect(backAt(now + 3600, 'en', en, now, 'UTC')).toBe('Back today at 9:00 PM')
    expect(backAt(Date.UTC(2025, 5, 19, 9) / 1000, 'en', en, now, 'UTC')).toBe('Back tomorrow at 9:00 AM')
    expect(backAt(Date.UTC(2025, 5, 19, 9) / 1000, 'pt-BR', pt, now, 'UTC')).toBe('Voltamos amanhã às 09:00')
    expect(backAt(Date.UTC(2025, 5, 23, 9) / 1000, 'en', en, now, 'UTC')).toBe('Back on Monday at 9:00 AM')
    expect(backAt(Date.UTC(2025, 5, 23, 9) / 1000, 'pt-BR', pt, now, 'UTC')).toBe('Voltamos segunda-feira às 09:00')
    expect(backAt(Date.UTC(2025, 6, 10, 9) / 1000, 'en', en, now, 'UTC')).toMatch(/^Back on July 10/)
  })
  it('says nothing without a future opening', () => {
    expect(backAt(null, 'en', en, now)).toBe('')
    expect(backAt(now - 10, 'en', en, now)).toBe('')
  })
  it('uses the visitor time zone for the day', () => {
    // 02:00 UTC Thursday is 23:00 Wednesday in São Paulo: "today" there.
    expect(backAt(Date.UTC(2025, 5, 19, 2) / 1000, 'pt-BR', pt, now, 'America/Sao_Paulo')).toBe('Voltamos hoje às 23:00')
  })
})

describe('surveyToken', () => {
  it('is the last path segment of survey_url', () => {
    expect(surveyToken('/survey/responses/abc123')).toBe('abc123')
    expect(surveyToken('https://chat.example.com/survey/responses/t-9/?x=1#y')).toBe('t-9')
    expect(surveyToken('/survey/responses/a%20b')).toBe('a b')
    expect(surveyToken('')).toBe('')
    expect(surveyToken(undefined)).toBe('')
    expect(surveyToken(42)).toBe('')
  })
})

describe('pre-chat form', () => {
  const fields: PreChatField[] = [
    { name: 'fullName', label: 'Name', type: 'text', required: true },
    { name: 'emailAddress', label: 'Email', type: 'email', required: true },
    { name: 'phoneNumber', label: 'Phone', type: 'phone', required: false },
    { name: 'plan', label: 'Plan', type: 'list', required: false, values: ['Basic', 'Pro'] },
    { name: 'seats', label: 'Seats', type: 'number', required: false },
    { name: 'terms', label: 'I agree', type: 'checkbox', required: true },
  ]
  it('names each bad field', () => {
    const errs = validatePreChat(fields, { fullName: ' ', emailAddress: 'nope', phoneNumber: '12', seats: 'x' }, en)
    expect(errs).toEqual({
      fullName: 'Please fill this in',
      emailAddress: 'Enter a valid email address',
      phoneNumber: 'Enter a valid phone number, e.g. +55 11 91234-5678',
      seats: 'Enter a number',
      terms: 'Please fill this in',
    })
    expect(validatePreChat(fields, { fullName: 'Bia', emailAddress: 'bia@example.com', phoneNumber: '+55 (11) 91234-5678', terms: true }, pt)).toEqual({})
  })
  it('maps standard fields to the contact and the rest to custom attributes', () => {
    expect(contactFields(fields, { fullName: ' Bia ', emailAddress: 'bia@example.com', phoneNumber: '+55 (11) 91234-5678', plan: 'Pro', seats: '3', terms: true })).toEqual({
      name: 'Bia',
      email: 'bia@example.com',
      phone_number: '+5511912345678',
      custom_attributes: { plan: 'Pro', seats: 3, terms: true },
    })
    expect(contactFields(fields, { fullName: 'Bia' })).toEqual({ name: 'Bia' })
  })
})

describe('small helpers', () => {
  it('initials and emoji insertion', () => {
    expect(initials('Ana Maria Souza')).toBe('AS')
    expect(initials('  ')).toBe('?')
    expect(insertAt('helo', 3, 3, 'l')).toEqual({ value: 'hello', caret: 4 })
    expect(insertAt('ab', 0, 2, '👍')).toEqual({ value: '👍', caret: 2 })
  })
})

describe('visitor state', () => {
  it('round-trips through storage and refuses broken values', () => {
    const m = new Map<string, string>()
    const s = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) }
    expect(load('tok', s)).toBeNull()
    save('tok', { source_id: 'src', pubsub_token: 'pub', conversation_id: 4 }, s)
    expect(m.has(storageKey('tok'))).toBe(true)
    expect(storageKey('tok')).toBe('parley.widget.tok')
    expect(load('tok', s)).toEqual({ source_id: 'src', pubsub_token: 'pub', conversation_id: 4 })
    forget('tok', s)
    expect(load('tok', s)).toBeNull()
    expect(parseState('{"pubsub_token":"x"}')).toBeNull()
    expect(parseState('not json')).toBeNull()
  })
})
