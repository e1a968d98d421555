// Pure logic behind the inbox settings forms: API envelopes, business hours ⇄ form rows,
// minutes ⇄ hours + minutes, macro action checks and the channel catalogue. No Vue here, so
// tests/inboxSettings*.test.ts can check it directly.

import type { ActionName, CsatMetrics, CsatSummary, MacroAction, WorkingHour } from './types'

// ---------------------------------------------------------------- envelopes

/** unwrapList reads a list whether it comes bare, as {payload: [...]}, or as null. */
export function unwrapList<T>(x: unknown): T[] {
  if (Array.isArray(x)) return x as T[]
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>
    if (Array.isArray(o.payload)) return o.payload as T[]
    if (o.data && typeof o.data === 'object') return unwrapList<T>(o.data)
  }
  return []
}

/** unwrapOne reads one record whether it comes bare or as {payload: {...}}. */
export function unwrapOne<T>(x: unknown): T {
  if (x && typeof x === 'object' && !Array.isArray(x)) {
    const o = x as Record<string, unknown>
    if (!('id' in o) && o.payload && typeof o.payload === 'object' && !Array.isArray(o.payload)) return o.payload as T
  }
  return x as T
}

/** toDate reads unix seconds or an RFC 3339 string; null when it is neither. */
export function toDate(v: number | string | null | undefined): Date | null {
  if (v === null || v === undefined || v === '') return null
  const d = typeof v === 'number' ? new Date(v * 1000) : /^\d+$/.test(v) ? new Date(Number(v) * 1000) : new Date(v)
  return Number.isNaN(d.getTime()) ? null : d
}

// ---------------------------------------------------------------- clock times

/** parseClock reads "HH:MM" (00:00–23:59) into minutes after midnight; null if malformed. */
export function parseClock(s: string | null | undefined): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec((s ?? '').trim())
  if (!m) return null
  const h = Number(m[1])
  const min = Number(m[2])
  if (h > 23 || min > 59) return null
  return h * 60 + min
}

export function formatClock(hour: number | null | undefined, minutes: number | null | undefined): string {
  const pad = (n: number) => String(Math.max(0, Math.trunc(n))).padStart(2, '0')
  return `${pad(hour ?? 0)}:${pad(minutes ?? 0)}`
}

// ---------------------------------------------------------------- business hours

export type DayMode = 'closed' | 'all_day' | 'hours'

/** One weekday row of the business hours form. */
export interface HoursRow {
  day: number
  mode: DayMode
  from: string
  to: string
}

/** Monday first, the way people read a week; day numbers stay Sunday = 0 as the API wants. */
export const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0]

export const DEFAULT_FROM = '09:00'
export const DEFAULT_TO = '18:00'

/**
 * hoursToRows turns the API's working_hours into seven form rows in WEEK_ORDER. A day the server
 * did not send is open 09:00–18:00 on weekdays and closed on weekends, like a new inbox.
 */
export function hoursToRows(list: WorkingHour[] | null | undefined): HoursRow[] {
  const byDay = new Map<number, WorkingHour>()
  for (const w of list ?? []) byDay.set(w.day_of_week, w)
  return WEEK_ORDER.map((day) => {
    const w = byDay.get(day)
    if (!w) return { day, mode: day === 0 || day === 6 ? 'closed' : 'hours', from: DEFAULT_FROM, to: DEFAULT_TO }
    const mode: DayMode = w.closed_all_day ? 'closed' : w.open_all_day ? 'all_day' : 'hours'
    // A closed day's times are zeros; opening it again should start from the usual hours.
    if (mode !== 'hours') return { day, mode, from: DEFAULT_FROM, to: DEFAULT_TO }
    const hasFrom = w.open_hour !== null && w.open_hour !== undefined
    const hasTo = w.close_hour !== null && w.close_hour !== undefined
    const from = hasFrom ? formatClock(w.open_hour, w.open_minutes) : DEFAULT_FROM
    const to = hasTo ? formatClock(w.close_hour, w.close_minutes) : DEFAULT_TO
    return { day, mode, from, to }
  })
}

/**
 * hoursNeverSet reports business hours nobody has filled in yet: switched off with every day
 * closed, as a new inbox starts. The form then offers the usual week instead of seven closed days.
 */
export function hoursNeverSet(enabled: boolean, list: WorkingHour[] | null | undefined): boolean {
  return !enabled && (list ?? []).every((w) => w.closed_all_day)
}

/** rowsToHours turns the form rows back into the API's working_hours, Sunday first, all seven days. */
export function rowsToHours(rows: HoursRow[]): WorkingHour[] {
  return [...rows]
    .sort((a, b) => a.day - b.day)
    .map((r) => {
      // Closed and all-day days carry no times (the server's times are integers, never null).
      if (r.mode !== 'hours') return { day_of_week: r.day, closed_all_day: r.mode === 'closed', open_all_day: r.mode === 'all_day' }
      const from = parseClock(r.from) ?? 0
      const to = parseClock(r.to) ?? 0
      return {
        day_of_week: r.day,
        closed_all_day: false,
        open_all_day: false,
        open_hour: Math.floor(from / 60),
        open_minutes: from % 60,
        close_hour: Math.floor(to / 60),
        close_minutes: to % 60,
      }
    })
}

export type HoursProblem = 'invalidTime' | 'closeBeforeOpen'

/** hoursProblems checks the rows before saving: each open day needs two times, closing after opening. */
export function hoursProblems(rows: HoursRow[]): Record<number, HoursProblem> {
  const out: Record<number, HoursProblem> = {}
  for (const r of rows) {
    if (r.mode !== 'hours') continue
    const from = parseClock(r.from)
    const to = parseClock(r.to)
    if (from === null || to === null) out[r.day] = 'invalidTime'
    else if (to <= from) out[r.day] = 'closeBeforeOpen'
  }
  return out
}

// ---------------------------------------------------------------- durations

export interface HoursMinutes {
  hours: number | null
  minutes: number | null
}

/** splitMinutes shows a threshold in minutes as hours + minutes; no target gives two blanks. */
export function splitMinutes(total: number | null | undefined): HoursMinutes {
  if (!total || total <= 0) return { hours: null, minutes: null }
  return { hours: Math.floor(total / 60), minutes: total % 60 }
}

/** joinMinutes adds hours + minutes back into minutes; blanks count as zero, negatives as zero. */
export function joinMinutes(v: HoursMinutes): number {
  const h = Math.max(0, Math.trunc(v.hours ?? 0))
  const m = Math.max(0, Math.trunc(v.minutes ?? 0))
  return h * 60 + m
}

// ---------------------------------------------------------------- labels and colours

/** Label titles: up to 40 lower-case letters, digits, "-" and "_" (what the server accepts). */
export const LABEL_TITLE = /^[a-z0-9_-]{1,40}$/

/** normalizeLabelTitle is what leaving the title box does: lower case, no accents ("cobrança" → "cobranca"), spaces to "-". */
export function normalizeLabelTitle(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, '-')
}

export function labelTitleValid(s: string): boolean {
  return LABEL_TITLE.test(s)
}

/** normalizeColor gives "#RRGGBB" from what a colour picker or a person types; null if it is not one. */
export function normalizeColor(s: string | null | undefined): string | null {
  let v = (s ?? '').trim().replace(/^#/, '')
  if (/^[0-9a-fA-F]{3}$/.test(v)) v = v.replace(/./g, (c) => c + c)
  if (!/^[0-9a-fA-F]{6}$/.test(v)) return null
  return '#' + v.toUpperCase()
}

export const LABEL_SWATCHES = ['#4F46E5', '#0EA5E9', '#10B981', '#84CC16', '#F59E0B', '#F97316', '#EF4444', '#EC4899', '#8B5CF6', '#64748B']

// ---------------------------------------------------------------- macros

/** What parameter an action takes, which decides the editor shown on its row. */
export type ParamKind = 'labels' | 'agent' | 'team' | 'status' | 'priority' | 'text' | 'canned' | 'none'

const PARAM_KIND: Record<ActionName, ParamKind> = {
  add_label: 'labels',
  remove_label: 'labels',
  assign_agent: 'agent',
  assign_team: 'team',
  remove_assigned_agent: 'none',
  remove_assigned_team: 'none',
  change_status: 'status',
  change_priority: 'priority',
  send_message: 'text',
  send_canned_response: 'canned',
  add_private_note: 'text',
}

export function paramKind(name: ActionName): ParamKind {
  return PARAM_KIND[name] ?? 'none'
}

export const STATUSES = ['open', 'pending', 'resolved', 'snoozed'] as const
export const PRIORITIES = ['none', 'low', 'medium', 'high', 'urgent'] as const

/** defaultParams is what a new row (or a row whose type changed) starts with. */
export function defaultParams(name: ActionName): Array<string | number> {
  switch (paramKind(name)) {
    case 'status':
      return ['resolved']
    case 'priority':
      return ['high']
    default:
      return []
  }
}

export type ActionProblem = 'pickLabel' | 'pickAgent' | 'pickTeam' | 'pickStatus' | 'pickPriority' | 'writeText' | 'pickCanned' | 'unknownAction'

/** actionProblem is the first thing wrong with one action, or null when it can be saved. */
export function actionProblem(a: MacroAction): ActionProblem | null {
  if (!(a.action_name in PARAM_KIND)) return 'unknownAction'
  const p = a.action_params ?? []
  const first = p[0]
  const isId = (v: unknown) => (typeof v === 'number' && v > 0) || (typeof v === 'string' && /^\d+$/.test(v) && Number(v) > 0)
  switch (paramKind(a.action_name)) {
    case 'labels':
      return p.length && p.every((x) => typeof x === 'string' && x.trim() !== '') ? null : 'pickLabel'
    case 'agent':
      // "self" (whoever runs the macro) comes from Chatwoot clients; it is valid too.
      return isId(first) || first === 'self' ? null : 'pickAgent'
    case 'team':
      return isId(first) ? null : 'pickTeam'
    case 'canned':
      return isId(first) ? null : 'pickCanned'
    case 'status':
      return (STATUSES as readonly unknown[]).includes(first) ? null : 'pickStatus'
    case 'priority':
      return (PRIORITIES as readonly unknown[]).includes(first) ? null : 'pickPriority'
    case 'text':
      return typeof first === 'string' && first.trim() !== '' ? null : 'writeText'
    default:
      return null
  }
}

export interface MacroProblems {
  name?: 'nameRequired'
  actions?: 'actionsRequired'
  rows: Record<number, ActionProblem>
}

/** macroProblems checks a whole macro before it is sent; ok when nothing is set. */
export function macroProblems(m: { name: string; actions: MacroAction[] }): MacroProblems & { ok: boolean } {
  const out: MacroProblems = { rows: {} }
  if (!m.name.trim()) out.name = 'nameRequired'
  if (!m.actions.length) out.actions = 'actionsRequired'
  m.actions.forEach((a, i) => {
    const p = actionProblem(a)
    if (p) out.rows[i] = p
  })
  return { ...out, ok: !out.name && !out.actions && !Object.keys(out.rows).length }
}

/** cleanAction drops parameters an action does not take and trims text, ready to send. */
export function cleanAction(a: MacroAction): MacroAction {
  const kind = paramKind(a.action_name)
  if (kind === 'none') return { action_name: a.action_name }
  const p = a.action_params ?? []
  if (kind === 'labels') return { action_name: a.action_name, action_params: p.map(String) }
  if (kind === 'text') return { action_name: a.action_name, action_params: [String(p[0] ?? '').trim()] }
  if (kind === 'agent' && p[0] === 'self') return { action_name: a.action_name, action_params: ['self'] }
  if (kind === 'agent' || kind === 'team' || kind === 'canned') return { action_name: a.action_name, action_params: p.slice(0, 1).map(Number) }
  return { action_name: a.action_name, action_params: p.slice(0, 1) }
}

/**
 * indexedErrors picks the server's messages about single items of a list out of a form's field
 * errors: with list "actions", "actions[2].action_params" (or "actions.2.action_name") → {2: message}.
 */
export function indexedErrors(fields: Record<string, string>, list: string): Record<number, string> {
  const out: Record<number, string> = {}
  const esc = list.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const re = new RegExp(`^${esc}(?:\\[(\\d+)\\]|\\.(\\d+))(?:\\.(.*))?$`)
  for (const [k, v] of Object.entries(fields)) {
    const m = re.exec(k)
    if (!m) continue
    const i = Number(m[1] ?? m[2])
    if (!(i in out)) out[i] = v
  }
  return out
}

/** moveItem returns a copy of list with item i moved by delta places (kept inside the list). */
export function moveItem<T>(list: T[], i: number, delta: number): T[] {
  const j = i + delta
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return [...list]
  const out = [...list]
  const [x] = out.splice(i, 1)
  out.splice(j, 0, x)
  return out
}

// ---------------------------------------------------------------- CSAT

/** distributionCounts gives the number of responses for ratings 1..5 from {"1": n, …}. */
export function distributionCounts(d: CsatMetrics['distribution'] | null | undefined): number[] {
  const out = [0, 0, 0, 0, 0]
  for (let r = 1; r <= 5; r++) out[r - 1] = Number(d?.[String(r)] ?? 0) || 0
  return out
}

/** asPercent tidies a percentage for display: 0–100, one decimal, 0 when missing. */
export function asPercent(v: number | null | undefined): number {
  if (v === null || v === undefined || !Number.isFinite(v)) return 0
  return Math.round(Math.min(100, Math.max(0, v)) * 10) / 10
}

/** normalizeMetrics reads the server's CSAT summary (Chatwoot's names); missing numbers are zero. */
export function normalizeMetrics(raw: Partial<CsatSummary> | null | undefined): CsatMetrics {
  const num = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
  return {
    count: num(raw?.total_count),
    average: num(raw?.average),
    distribution: raw?.ratings_count ?? {},
    satisfaction: num(raw?.satisfaction_score),
    response_rate: num(raw?.response_rate),
    surveys_sent: num(raw?.total_sent_messages_count),
  }
}

// ---------------------------------------------------------------- channels

export interface ChannelDef {
  /** i18n key under inboxSettings.channels. */
  key: string
  type: string
  icon: string
  available: boolean
}

/** The channel choice grid. Website and API inboxes can be created in this release. */
export const CHANNELS: ChannelDef[] = [
  { key: 'website', type: 'Channel::WebWidget', icon: 'pi pi-globe', available: true },
  { key: 'api', type: 'Channel::Api', icon: 'pi pi-code', available: true },
  { key: 'email', type: 'Channel::Email', icon: 'pi pi-envelope', available: false },
  { key: 'whatsapp', type: 'Channel::Whatsapp', icon: 'pi pi-whatsapp', available: false },
  { key: 'messenger', type: 'Channel::FacebookPage', icon: 'pi pi-facebook', available: false },
  { key: 'instagram', type: 'Channel::Instagram', icon: 'pi pi-instagram', available: false },
  { key: 'tiktok', type: 'Channel::Tiktok', icon: 'pi pi-tiktok', available: false },
  { key: 'sms', type: 'Channel::Sms', icon: 'pi pi-mobile', available: false },
  { key: 'voice', type: 'Channel::Voice', icon: 'pi pi-phone', available: false },
]

/** channelOf finds a channel's entry by channel_type (WhatsApp Web shares the WhatsApp one). */
export function channelOf(type: string | null | undefined): ChannelDef {
  if (type === 'Channel::WhatsappWeb') return CHANNELS.find((c) => c.key === 'whatsapp')!
  return CHANNELS.find((c) => c.type === type) ?? { key: 'other', type: type ?? '', icon: 'pi pi-inbox', available: false }
}

/** Variables a canned response may use; the composer fills them in. Not translated: they are code. */
export const CANNED_VARIABLES = [
  '{{contact.name}}',
  '{{contact.first_name}}',
  '{{contact.email}}',
  '{{contact.phone}}',
  '{{agent.name}}',
  '{{agent.first_name}}',
  '{{conversation.id}}',
  '{{account.name}}',
]
