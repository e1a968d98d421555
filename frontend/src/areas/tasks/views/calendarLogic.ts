// Time-zone arithmetic of the tasks calendar. FullCalendar needs a plugin (luxon/moment) for
// named time zones, so the calendar runs in "UTC" and is fed wall-clock times of the account's
// zone instead: an instant becomes its wall time in the zone written as if it were UTC, and a
// dropped wall time is turned back into the real instant here (DST gaps resolve forwards).
import type { Projected, TaskView } from '../types'

interface Wall { y: number; m: number; d: number; h: number; mi: number; s: number }

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    formatters.set(tz, f)
  }
  return f
}

/** wallOf is the wall clock of instant ms in zone tz (the browser's zone when tz is empty). */
function wallOf(ms: number, tz: string | undefined): Wall {
  if (!tz) {
    const d = new Date(ms)
    return { y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds() }
  }
  const p: Record<string, number> = {}
  for (const part of formatter(tz).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value)
  return { y: p.year, m: p.month, d: p.day, h: p.hour % 24, mi: p.minute, s: p.second }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** offsetAt is how far the zone's wall clock is ahead of UTC at instant ms, in ms. */
function offsetAt(ms: number, tz: string | undefined): number {
  const w = wallOf(ms, tz)
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000
}

/** toWall is instant iso as the zone's wall clock "YYYY-MM-DDTHH:mm:ss" (for FullCalendar in UTC). */
export function toWall(iso: string, tz?: string): string {
  const w = wallOf(new Date(iso).getTime(), tz)
  return `${w.y}-${pad(w.m)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}`
}

/** dayIn is the calendar day "YYYY-MM-DD" of instant iso in the zone. */
export function dayIn(iso: string, tz?: string): string {
  return toWall(iso, tz).slice(0, 10)
}

/**
 * fromWall turns a wall time (a Date whose UTC fields are the zone's wall clock, as FullCalendar
 * gives in its "UTC" mode) into the real instant, as an RFC 3339 UTC string.
 */
export function fromWall(wall: Date, tz?: string): string {
  const guess = wall.getTime()
  const first = offsetAt(guess, tz)
  let ms = guess - first
  const second = offsetAt(ms, tz)
  if (second !== first) {
    // Near a DST change the first guess used the other side's offset. A wall time that exists
    // takes the offset that reproduces it; one that does not (spring forward) takes the offset
    // from before the change, so it lands just after the gap.
    const alt = guess - second
    ms = offsetAt(alt, tz) === second ? alt : guess - Math.min(first, second)
  }
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

/** wallDay is the "YYYY-MM-DD" of a FullCalendar "UTC" date. */
export function wallDay(wall: Date): string {
  return wall.toISOString().slice(0, 10)
}

/** dropDue is the PATCH body after an event landed at start: all-day keeps a plain date. */
export function dropDue(start: Date, allDay: boolean, tz?: string): { due_at: string; all_day: boolean } {
  return allDay ? { due_at: wallDay(start), all_day: true } : { due_at: fromWall(start, tz), all_day: false }
}

/** An event as FullCalendar takes it (a subset of EventInput). */
export interface CalEvent {
  id: string
  title: string
  start: string
  end?: string
  allDay: boolean
  editable: boolean
  backgroundColor?: string
  borderColor?: string
  classNames: string[]
  extendedProps: { taskId: number; projected: boolean; task?: TaskView }
}

const CLOSED = new Set(['done', 'cancelled'])
const DEFAULT_COLOR = '#6366f1'
const OVERDUE_COLOR = '#dc2626'

/**
 * taskEvent is a task on the calendar: at its due time (all-day on its date), spanning from
 * start_at when it has one; coloured by its list, red when overdue, faded when closed.
 */
export function taskEvent(task: TaskView, tz: string | undefined, colorOf: (listId?: number) => string | undefined, canEdit: boolean): CalEvent | null {
  const at = task.due_at || task.start_at
  if (!at) return null
  const allDay = !!task.all_day
  const color = task.overdue ? OVERDUE_COLOR : colorOf(task.list_id) || DEFAULT_COLOR
  const classes = ['task-event']
  if (CLOSED.has(task.status)) classes.push('closed')
  if (task.overdue) classes.push('overdue')
  let start = allDay ? dayIn(at, tz) : toWall(at, tz)
  let end: string | undefined
  if (task.start_at && task.due_at && task.start_at < task.due_at) {
    start = allDay ? dayIn(task.start_at, tz) : toWall(task.start_at, tz)
    end = allDay ? nextDay(dayIn(task.due_at, tz)) : toWall(task.due_at, tz)
  }
  return {
    id: `t${task.id}`,
    title: task.title,
    start,
    end,
    allDay,
    editable: canEdit && !!task.due_at && !end,
    backgroundColor: color,
    borderColor: color,
    classNames: classes,
    extendedProps: { taskId: task.id, projected: false, task },
  }
}

/** projectedEvent is a future occurrence of a recurring task: shown dashed, never draggable. */
export function projectedEvent(p: Projected, tz: string | undefined, color?: string): CalEvent {
  return {
    id: `p${p.task_id}-${p.occurrence}`,
    title: p.title,
    start: p.all_day ? dayIn(p.due_at, tz) : toWall(p.due_at, tz),
    allDay: !!p.all_day,
    editable: false,
    backgroundColor: 'transparent',
    borderColor: color || DEFAULT_COLOR,
    classNames: ['task-event', 'projected'],
    extendedProps: { taskId: p.task_id, projected: true },
  }
}

/** nextDay is the day after "YYYY-MM-DD" (FullCalendar all-day ends are exclusive). */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}

/** quickDue is the due date a click on the calendar proposes: a plain date, or the clicked time. */
export function quickDue(wall: Date, allDay: boolean, tz?: string): string {
  return allDay ? wallDay(wall) : fromWall(wall, tz)
}
