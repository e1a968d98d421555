// Pure helpers of the task detail, badges and quick add: wall-clock times in the account's time
// zone (the date pickers work in the browser's zone, the server in UTC, people in the account's),
// how a due date reads, the recurrence summary in both languages, and reminder presets. Kept free
// of Vue so vitest checks them directly.
import type { Recurrence, Reminder, TaskView } from '../types'

/** Wall is a clock reading in some time zone (month 1-12). */
export interface Wall { y: number; m: number; d: number; h: number; min: number }

const pad = (n: number) => String(n).padStart(2, '0')

/** wallIn reads instant t on the clocks of zone tz (the browser's zone when tz is empty). */
export function wallIn(t: Date, tz?: string): Wall {
  if (!tz) return { y: t.getFullYear(), m: t.getMonth() + 1, d: t.getDate(), h: t.getHours(), min: t.getMinutes() }
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(t)
  const get = (k: string) => Number(parts.find((p) => p.type === k)?.value ?? 0)
  return { y: get('year'), m: get('month'), d: get('day'), h: get('hour') % 24, min: get('minute') }
}

/** offsetMs is how far zone tz's clocks are ahead of UTC at instant t. */
function offsetMs(t: number, tz: string): number {
  const w = wallIn(new Date(t), tz)
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min) - Math.floor(t / 60000) * 60000
}

/**
 * wallToInstant is the instant when zone tz's clocks show w. In a spring-forward gap it lands
 * just after the gap; in a fall-back overlap it takes the first of the two readings.
 */
export function wallToInstant(w: Wall, tz?: string): Date {
  if (!tz) return new Date(w.y, w.m - 1, w.d, w.h, w.min)
  const guess = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min)
  const day = 86400000
  // The zone's offset near w is one of the offsets a day either side of it.
  const candidates = [guess - day, guess, guess + day].map((x) => guess - offsetMs(x, tz))
  const shows = (x: number) => {
    const v = wallIn(new Date(x), tz)
    return v.y === w.y && v.m === w.m && v.d === w.d && v.h === w.h && v.min === w.min
  }
  const exact = candidates.filter(shows)
  if (exact.length) return new Date(Math.min(...exact))
  // A spring-forward gap: with the offset from before the gap, the clocks read just after it.
  return new Date(guess - offsetMs(guess - day, tz))
}

/** pickerFromIso turns a server time into a Date whose local fields show it on tz's clocks. */
export function pickerFromIso(iso: string | undefined | null, tz?: string): Date | null {
  if (!iso) return null
  const t = new Date(iso)
  if (Number.isNaN(t.getTime())) return null
  const w = wallIn(t, tz)
  return new Date(w.y, w.m - 1, w.d, w.h, w.min)
}

/** isoFromPicker reads a picker's local fields as a clock reading in tz: the RFC 3339 instant. */
export function isoFromPicker(d: Date, tz?: string): string {
  return wallToInstant({ y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), min: d.getMinutes() }, tz).toISOString()
}

/** dayFromPicker is the picker's date as YYYY-MM-DD (an all-day date for the server). */
export function dayFromPicker(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** dayKey is the calendar day of instant t in tz, as YYYY-MM-DD. */
export function dayKey(t: Date, tz?: string): string {
  const w = wallIn(t, tz)
  return `${w.y}-${pad(w.m)}-${pad(w.d)}`
}

/** dayDiff counts calendar days from a to b in tz (tomorrow = 1). */
export function dayDiff(a: Date, b: Date, tz?: string): number {
  const wa = wallIn(a, tz)
  const wb = wallIn(b, tz)
  return Math.round((Date.UTC(wb.y, wb.m - 1, wb.d) - Date.UTC(wa.y, wa.m - 1, wa.d)) / 86400000)
}

/** isClosed: done and cancelled tasks are finished business (never overdue, never blocking). */
export const isClosed = (status: string) => status === 'done' || status === 'cancelled'

/** isOverdue follows the server's flag, and also notices a due time that passed since loading. */
export function isOverdue(task: Pick<TaskView, 'status' | 'due_at' | 'all_day' | 'overdue'>, now = new Date(), tz?: string): boolean {
  if (isClosed(task.status) || !task.due_at) return false
  if (task.overdue) return true
  const due = new Date(task.due_at)
  if (task.all_day) return dayDiff(due, now, tz) > 0
  return due.getTime() < now.getTime()
}

/**
 * dueText says when a task is due as people say it: "today", "tomorrow", "in 3 days",
 * "2 days ago", with the time for timed tasks; further away, the date.
 */
export function dueText(iso: string, allDay: boolean, locale: string, now = new Date(), tz?: string): string {
  const due = new Date(iso)
  if (Number.isNaN(due.getTime())) return ''
  const days = dayDiff(now, due, tz)
  const time = allDay ? '' : new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: tz }).format(due)
  let day: string
  if (Math.abs(days) <= 6) {
    const s = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(days, 'day')
    day = s.charAt(0).toUpperCase() + s.slice(1)
  } else {
    day = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: wallIn(due, tz).y === wallIn(now, tz).y ? undefined : 'numeric', timeZone: tz }).format(due)
  }
  return time ? `${day} ${time}` : day
}

/** formatWhen is a full date (and time unless all-day) in tz. */
export function formatWhen(iso: string | undefined | null, locale: string, tz?: string, allDay = false): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  try {
    return new Intl.DateTimeFormat(locale, allDay ? { dateStyle: 'medium', timeZone: tz } : { dateStyle: 'medium', timeStyle: 'short', timeZone: tz }).format(d)
  } catch {
    return d.toLocaleString()
  }
}

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const

const SUMMARY = {
  en: {
    unit: { daily: ['day', 'days'], weekly: ['week', 'weeks'], monthly: ['month', 'months'], yearly: ['year', 'years'] },
    every1: { daily: 'Every day', weekly: 'Every week', monthly: 'Every month', yearly: 'Every year' },
    every: (n: number, unit: string) => `Every ${n} ${unit}`,
    on: 'on',
    times: (n: number) => (n === 1 ? 'once' : `${n} times`),
    until: (d: string) => `until ${d}`,
    wd: { MO: 'Mon', TU: 'Tue', WE: 'Wed', TH: 'Thu', FR: 'Fri', SA: 'Sat', SU: 'Sun' },
    none: 'Does not repeat',
  },
  'pt-BR': {
    unit: { daily: ['dia', 'dias'], weekly: ['semana', 'semanas'], monthly: ['mês', 'meses'], yearly: ['ano', 'anos'] },
    every1: { daily: 'Todo dia', weekly: 'Toda semana', monthly: 'Todo mês', yearly: 'Todo ano' },
    every: (n: number, unit: string) => `A cada ${n} ${unit}`,
    on: 'às',
    times: (n: number) => (n === 1 ? '1 vez' : `${n} vezes`),
    until: (d: string) => `até ${d}`,
    wd: { MO: 'seg', TU: 'ter', WE: 'qua', TH: 'qui', FR: 'sex', SA: 'sáb', SU: 'dom' },
    none: 'Não se repete',
  },
}

/**
 * recurrenceSummary reads a rule as a sentence: "Every 2 weeks on Mon, Wed — 10 times",
 * "A cada 2 semanas (seg, qua) — 10 vezes". until (YYYY-MM-DD) is shown as a date in locale.
 */
export function recurrenceSummary(r: Recurrence | null | undefined, locale: string): string {
  const w = locale.toLowerCase().startsWith('pt') ? SUMMARY['pt-BR'] : SUMMARY.en
  if (!r || !r.freq) return w.none
  const n = Math.max(1, r.interval || 1)
  let s = n === 1 ? w.every1[r.freq] : w.every(n, w.unit[r.freq][1])
  const days = (r.weekdays ?? []).filter((d): d is (typeof WEEKDAYS)[number] => (WEEKDAYS as readonly string[]).includes(d))
  if (r.freq === 'weekly' && days.length) {
    const sorted = [...days].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b)).map((d) => w.wd[d])
    s += w === SUMMARY.en ? ` ${w.on} ${sorted.join(', ')}` : ` (${sorted.join(', ')})`
  }
  if (r.count) s += ` — ${w.times(r.count)}`
  else if (r.until) {
    const [y, m, d] = r.until.split('-').map(Number)
    const date = y && m && d ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d))) : r.until
    s += ` — ${w.until(date)}`
  }
  return s
}

/** ReminderPreset is a quick choice of when to remind. */
export type ReminderPreset = 'in10m' | 'in1h' | 'tomorrow9' | 'dayBeforeDue'

/**
 * presetTime is when a preset fires, or null when it cannot (no due date, or already past).
 * "Tomorrow 9:00" and "1 day before due" are read on the account's clocks.
 */
export function presetTime(p: ReminderPreset, now: Date, tz?: string, dueIso?: string): Date | null {
  switch (p) {
    case 'in10m':
      return new Date(now.getTime() + 10 * 60000)
    case 'in1h':
      return new Date(now.getTime() + 3600000)
    case 'tomorrow9': {
      const w = wallIn(now, tz)
      const next = new Date(Date.UTC(w.y, w.m - 1, w.d + 1))
      return wallToInstant({ y: next.getUTCFullYear(), m: next.getUTCMonth() + 1, d: next.getUTCDate(), h: 9, min: 0 }, tz)
    }
    case 'dayBeforeDue': {
      if (!dueIso) return null
      const w = wallIn(new Date(dueIso), tz)
      const prev = new Date(Date.UTC(w.y, w.m - 1, w.d - 1))
      const t = wallToInstant({ y: prev.getUTCFullYear(), m: prev.getUTCMonth() + 1, d: prev.getUTCDate(), h: w.h, min: w.min }, tz)
      return t.getTime() > now.getTime() ? t : null
    }
  }
}

/** reminderState is what a reminder shows: waiting, or fired with what happened. */
export function reminderState(r: Pick<Reminder, 'fired_at' | 'outcome'>): 'pending' | 'sent' | 'skipped_closed' | 'no_recipients' | 'fired' {
  if (!r.fired_at) return 'pending'
  if (r.outcome === 'sent' || r.outcome === 'skipped_closed' || r.outcome === 'no_recipients') return r.outcome
  return 'fired'
}

/** parseQuickAdd trims the one-line input; an empty title means nothing to create. */
export function quickTitle(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 255)
}

/** RecurrenceDraft is the recurrence editor's form. */
export interface RecurrenceDraft {
  freq: Recurrence['freq']
  interval: number
  weekdays: string[]
  ends: 'never' | 'on' | 'after'
  until: string
  count: number
}

/** draftFromRecurrence fills the editor from a task's rule (or a blank "none"). */
export function draftFromRecurrence(r: Recurrence | null | undefined): RecurrenceDraft {
  if (!r || !r.freq) return { freq: '', interval: 1, weekdays: [], ends: 'never', until: '', count: 10 }
  return {
    freq: r.freq,
    interval: r.interval || 1,
    weekdays: [...(r.weekdays ?? [])],
    ends: r.count ? 'after' : r.until ? 'on' : 'never',
    until: r.until ?? '',
    count: r.count || 10,
  }
}

/**
 * recurrenceFromDraft is what the server gets: weekdays only for weekly rules, one ending at most,
 * and freq '' (which removes the rule) when the editor says "none".
 */
export function recurrenceFromDraft(d: RecurrenceDraft): Recurrence {
  if (!d.freq) return { freq: '', interval: 0 }
  const r: Recurrence = { freq: d.freq, interval: Math.max(1, Math.floor(d.interval || 1)) }
  if (d.freq === 'weekly' && d.weekdays.length) r.weekdays = WEEKDAYS.filter((w) => d.weekdays.includes(w))
  if (d.ends === 'on' && d.until) r.until = d.until
  if (d.ends === 'after' && d.count > 0) r.count = Math.floor(d.count)
  return r
}
