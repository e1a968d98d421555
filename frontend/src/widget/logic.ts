// The chat window's rules that do not need a DOM, kept here so vitest can check them: colours,
// merging what the server says with what the visitor is still sending, day separators, the
// "back at" line, and the pre-chat form's checks.

import type { ChatMessage, MessageView, PreChatField } from './types'
import type { Locale, Translate } from './i18n'

/** luminance is the WCAG relative luminance of #RRGGBB (0 black … 1 white); NaN if not a colour. */
export function luminance(hex: string): number {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim())
  if (!m) return NaN
  const n = parseInt(m[1], 16)
  const lin = (c: number) => {
    const s = c / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255)
}

/**
 * textOn picks white or near-black text for a background colour. White is kept while it reaches
 * 3:1 (WCAG's ratio for large and bold text, which the header and bubbles use), as brand colours
 * such as the default blue read as designed with white; a pale colour gets near-black text.
 */
export function textOn(hex: string): '#ffffff' | '#111827' {
  const l = luminance(hex)
  if (Number.isNaN(l)) return '#ffffff'
  const dark = luminance('#111827')
  const withWhite = 1.05 / (l + 0.05)
  const withDark = (l + 0.05) / (dark + 0.05)
  return withWhite >= 3 || withWhite >= withDark ? '#ffffff' : '#111827'
}

/** safeColor returns hex when it is #RRGGBB, else Parley's default blue. */
export function safeColor(hex: string | undefined | null): string {
  return hex && /^#[0-9a-f]{6}$/i.test(hex) ? hex : '#1F93FF'
}

/** fromVisitor tells whether the visitor wrote m (message_type 0, incoming from Parley's side). */
export function fromVisitor(m: Pick<MessageView, 'message_type'>): boolean {
  return m.message_type === 0
}

/** echoOf is the client's echo id a stored message carries back, if any. */
export function echoOf(m: MessageView): string | undefined {
  const v = m.content_attributes?.echo_id
  return typeof v === 'string' && v ? v : undefined
}

/** toChat wraps a server message for the list. */
export function toChat(m: MessageView): ChatMessage {
  return { ...m, key: 'm' + m.id, echo_id: echoOf(m) }
}

function order(a: ChatMessage, b: ChatMessage): number {
  // Messages still being sent stay at the bottom in the order they were written.
  if (!!a.pending !== !!b.pending || !!a.failed !== !!b.failed) {
    const pa = a.pending || a.failed ? 1 : 0
    const pb = b.pending || b.failed ? 1 : 0
    if (pa !== pb) return pa - pb
  }
  if (a.id && b.id) return a.id - b.id
  return a.created_at - b.created_at
}

/**
 * mergeMessage adds or updates one server message in list (a new array, sorted): the same id
 * replaces the stored copy, the same echo id replaces the visitor's pending bubble, so a message
 * that arrives both as the POST answer and as a realtime frame shows once.
 */
export function mergeMessage(list: ChatMessage[], m: MessageView): ChatMessage[] {
  const next = toChat(m)
  const echo = next.echo_id
  const out = list.filter((x) => !(x.id && x.id === m.id) && !(echo && !x.id && x.echo_id === echo))
  out.push(next)
  return out.sort(order)
}

/** mergeAll merges a page of server messages (a refetch) into list. */
export function mergeAll(list: ChatMessage[], ms: MessageView[]): ChatMessage[] {
  return ms.reduce(mergeMessage, list)
}

/** dayKey is the calendar day of a unix time in a time zone (YYYY-MM-DD). */
export function dayKey(unix: number, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(unix * 1000))
}

/** DayGroup is one day's messages under its separator label. */
export interface DayGroup {
  key: string
  label: string
  messages: ChatMessage[]
}

/**
 * groupByDay splits messages (already in order) into days of the visitor's calendar, labelled
 * Today, Yesterday or the date in their language.
 */
export function groupByDay(list: ChatMessage[], locale: Locale, t: Translate, now: number, timeZone?: string): DayGroup[] {
  const today = dayKey(now, timeZone)
  const yesterday = dayKey(now - 86400, timeZone)
  const groups: DayGroup[] = []
  for (const m of list) {
    const key = dayKey(m.created_at, timeZone)
    let g = groups[groups.length - 1]
    if (!g || g.key !== key) {
      const label =
        key === today
          ? t('today')
          : key === yesterday
            ? t('yesterday')
            : new Intl.DateTimeFormat(locale, { timeZone, day: 'numeric', month: 'long', year: key.slice(0, 4) === today.slice(0, 4) ? undefined : 'numeric' }).format(new Date(m.created_at * 1000))
      g = { key, label, messages: [] }
      groups.push(g)
    }
    g.messages.push(m)
  }
  return groups
}

// English writes 9:00 AM, Brazilian Portuguese 09:00.
const hourStyle = (locale: Locale) => (locale === 'en' ? 'numeric' : '2-digit')

/** timeOf is the clock time of a unix time in the visitor's language. */
export function timeOf(unix: number, locale: Locale, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, hour: hourStyle(locale), minute: '2-digit' }).format(new Date(unix * 1000))
}

/**
 * backAt says when the team is back (next_open_at) relative to now, in the visitor's language and
 * time zone: "Back today at 09:00", "Back tomorrow at …", "Back on Monday at …" within a week,
 * else the date. Empty when there is no next opening or it is in the past.
 */
export function backAt(nextOpenAt: number | null | undefined, locale: Locale, t: Translate, now: number, timeZone?: string): string {
  if (!nextOpenAt || nextOpenAt <= now) return ''
  const time = timeOf(nextOpenAt, locale, timeZone)
  const day = dayKey(nextOpenAt, timeZone)
  if (day === dayKey(now, timeZone)) return t('back_today', { time })
  if (day === dayKey(now + 86400, timeZone)) return t('back_tomorrow', { time })
  if (nextOpenAt - now < 6 * 86400) {
    const weekday = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long' }).format(new Date(nextOpenAt * 1000))
    return t('back_weekday', { day: weekday, time })
  }
  const date = new Intl.DateTimeFormat(locale, { timeZone, day: 'numeric', month: 'long', hour: hourStyle(locale), minute: '2-digit' }).format(new Date(nextOpenAt * 1000))
  return t('back_date', { date })
}

/** surveyToken is the CSAT token from a survey message's survey_url (its last path segment). */
export function surveyToken(url: unknown): string {
  if (typeof url !== 'string' || !url) return ''
  const path = url.replace(/[?#].*$/, '').replace(/\/+$/, '')
  const seg = path.slice(path.lastIndexOf('/') + 1)
  try {
    return decodeURIComponent(seg)
  } catch {
    return ''
  }
}

/** initials is up to two letters for an avatar placeholder. */
export function initials(name: string | undefined | null): string {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean)
  if (!parts.length) return '?'
  const a = [...parts[0]][0] ?? ''
  const b = parts.length > 1 ? ([...parts[parts.length - 1]][0] ?? '') : ''
  return (a + b).toUpperCase()
}

/** formatSize is a byte count for people (10 MB). */
export function formatSize(bytes: number): string {
  if (bytes >= 1 << 20) return `${Math.round((bytes / (1 << 20)) * 10) / 10} MB`
  if (bytes >= 1 << 10) return `${Math.round(bytes / (1 << 10))} KB`
  return `${bytes} B`
}

/** PreChatValues is what the visitor typed in the pre-chat form, by field name. */
export type PreChatValues = Record<string, string | boolean>

/** ContactFields is the pre-chat form turned into the client API's contact body. */
export interface ContactFields {
  name?: string
  email?: string
  phone_number?: string
  custom_attributes?: Record<string, string | number | boolean>
}

const emailRe = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const phoneRe = /^\+?[0-9 ()-]{7,20}$/

/** validatePreChat returns the problem of each field by name (empty when the form is fine). */
export function validatePreChat(fields: PreChatField[], values: PreChatValues, t: Translate): Record<string, string> {
  const errs: Record<string, string> = {}
  for (const f of fields) {
    const v = values[f.name]
    const s = typeof v === 'string' ? v.trim() : ''
    if (f.type === 'checkbox') {
      if (f.required && v !== true) errs[f.name] = t('field_required')
      continue
    }
    if (!s) {
      if (f.required) errs[f.name] = t('field_required')
      continue
    }
    if ((f.type === 'email' || f.name === 'emailAddress') && !emailRe.test(s)) errs[f.name] = t('invalid_email')
    else if ((f.type === 'phone' || f.name === 'phoneNumber') && (!phoneRe.test(s) || s.replace(/\D/g, '').length < 7)) errs[f.name] = t('invalid_phone')
    else if (f.type === 'number' && !Number.isFinite(Number(s))) errs[f.name] = t('invalid_number')
  }
  return errs
}

/** contactFields maps the form to the contact: the three standard names, the rest as custom attributes. */
export function contactFields(fields: PreChatField[], values: PreChatValues): ContactFields {
  const out: ContactFields = {}
  const custom: Record<string, string | number | boolean> = {}
  for (const f of fields) {
    const v = values[f.name]
    if (v === undefined || v === '') continue
    const s = typeof v === 'string' ? v.trim() : v
    if (s === '') continue
    if (f.name === 'fullName') out.name = String(s)
    else if (f.name === 'emailAddress') out.email = String(s)
    else if (f.name === 'phoneNumber') out.phone_number = String(s).replace(/[ ()-]/g, '')
    else custom[f.name] = f.type === 'number' ? Number(s) : s
  }
  if (Object.keys(custom).length) out.custom_attributes = custom
  return out
}

/** EMOJI is the picker's small grid of common emoji. */
export const EMOJI = [
  '😀', '😁', '😂', '🙂', '😉', '😊', '😍', '😘', '🤔', '😎', '😅', '😢', '😭', '😡', '😮', '😴',
  '👍', '👎', '👏', '🙏', '👋', '💪', '🤝', '👌', '❤️', '🔥', '🎉', '✅', '❌', '⭐', '💡', '📦',
]

/** insertAt puts text into value at a caret range and returns the new value and caret. */
export function insertAt(value: string, start: number, end: number, text: string): { value: string; caret: number } {
  const s = Math.max(0, Math.min(start, value.length))
  const e = Math.max(s, Math.min(end, value.length))
  return { value: value.slice(0, s) + text + value.slice(e), caret: s + text.length }
}
