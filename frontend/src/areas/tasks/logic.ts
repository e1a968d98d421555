// Pure helpers of the tasks pages: filters ⇄ URL query, table sort ⇄ API sort, "my tasks" groups
// and dates in the account's time zone. No Vue here, so tests/tasks/*.test.ts check it directly.

import type { TaskQuery, TaskView } from './types'

// ---------------------------------------------------------------- filters

/** The filter keys TaskFilters edits (and may be told to hide). */
export const FILTER_KEYS = ['q', 'list_id', 'assignee', 'status', 'priority', 'label', 'overdue', 'blocked', 'contact_id', 'deal_id', 'company_id', 'conversation_id'] as const
export type FilterKey = (typeof FILTER_KEYS)[number]

/** csv splits a comma list filter ("todo,done") into its values; empty gives none. */
export function csv(s: string | undefined | null): string[] {
  return (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)
}

/** joinCsv is the reverse of csv: no values means no filter at all (undefined, not ""). */
export function joinCsv(values: readonly string[] | null | undefined): string | undefined {
  const v = (values ?? []).filter(Boolean)
  return v.length ? v.join(',') : undefined
}

/** withFilter returns a copy of q with one filter set — or removed when the value is empty — and back on page 1. */
export function withFilter<K extends keyof TaskQuery>(q: TaskQuery, key: K, value: TaskQuery[K] | null | undefined): TaskQuery {
  const out: TaskQuery = { ...q }
  if (value === undefined || value === null || value === '' || value === false) delete out[key]
  else out[key] = value
  delete out.page
  return out
}

/** activeFilters counts what narrows the result (sorting and paging do not), for the "clear" button. */
export function activeFilters(q: TaskQuery, hide: readonly string[] = []): number {
  return FILTER_KEYS.filter((k) => !hide.includes(k)).filter((k) => {
    const v = q[k]
    return v !== undefined && v !== null && v !== '' && v !== false
  }).length
}

/** clearFilters drops every filter TaskFilters shows, keeping sort, order and hidden (fixed) filters. */
export function clearFilters(q: TaskQuery, hide: readonly string[] = []): TaskQuery {
  const out: TaskQuery = { ...q }
  for (const k of FILTER_KEYS) if (!hide.includes(k)) delete out[k]
  delete out.page
  return out
}

// ---------------------------------------------------------------- URL query

/** The main area's views; "my tasks" is the list view with the "mine" scope. */
export type TasksView = 'list' | 'board' | 'calendar'
const VIEWS: TasksView[] = ['list', 'board', 'calendar']
const SORTS = ['due_at', 'priority', 'title', 'created_at', 'updated_at', 'status', 'position'] as const

/** The state of the tasks page kept in the URL so reload and back restore it. */
export interface PageState {
  view: TasksView
  /** 'all', 'mine', 'actions' or a list id. */
  scope: string
  task: number | null
  query: TaskQuery
}

type RouteQuery = Record<string, string | null | (string | null)[] | undefined>

function one(v: string | null | (string | null)[] | undefined): string {
  if (Array.isArray(v)) return v[0] ?? ''
  return v ?? ''
}

function posInt(s: string): number | undefined {
  const n = Number(s)
  return Number.isInteger(n) && n > 0 ? n : undefined
}

/** pageState reads the tasks page's URL query (?view=&list=&task=&q=&status=…). Unknown values fall back to defaults. */
export function pageState(rq: RouteQuery): PageState {
  const view = one(rq.view)
  const list = one(rq.list)
  // ?view=mine is accepted as a link to "my tasks".
  const scope = list === 'mine' || list === 'actions' || posInt(list) ? list : view === 'mine' ? 'mine' : 'all'
  const q: TaskQuery = {}
  const s = (k: string) => one(rq[k]).trim()
  if (s('q')) q.q = s('q')
  if (s('assignee')) q.assignee = s('assignee')
  if (s('status')) q.status = joinCsv(csv(s('status')))
  if (s('priority')) q.priority = joinCsv(csv(s('priority')))
  if (s('label')) q.label = s('label')
  if (s('overdue') === 'true') q.overdue = true
  if (s('blocked') === 'true') q.blocked = true
  // A record's tasks (links from a contact, deal, company or conversation panel).
  for (const k of ['contact_id', 'deal_id', 'company_id', 'conversation_id'] as const) {
    const id = posInt(s(k))
    if (id) q[k] = id
  }
  if ((SORTS as readonly string[]).includes(s('sort'))) q.sort = s('sort') as TaskQuery['sort']
  if (s('order') === 'asc' || s('order') === 'desc') q.order = s('order') as 'asc' | 'desc'
  const page = posInt(s('page'))
  if (page && page > 1) q.page = page
  return { view: VIEWS.includes(view as TasksView) ? (view as TasksView) : 'list', scope, task: posInt(one(rq.task)) ?? null, query: q }
}

/** routeQuery is the reverse of pageState: only what differs from the defaults goes in the URL. */
export function routeQuery(st: PageState): Record<string, string> {
  const out: Record<string, string> = {}
  if (st.view !== 'list') out.view = st.view
  if (st.scope !== 'all') out.list = st.scope
  if (st.task) out.task = String(st.task)
  const q = st.query
  for (const k of ['q', 'assignee', 'status', 'priority', 'label', 'sort', 'order', 'contact_id', 'deal_id', 'company_id', 'conversation_id'] as const) {
    const v = q[k]
    if (v) out[k] = String(v)
  }
  if (q.overdue) out.overdue = 'true'
  if (q.blocked) out.blocked = 'true'
  if (q.page && q.page > 1) out.page = String(q.page)
  return out
}

/** scopeQuery is the server query of a page state: the scope (list, mine, manual actions) plus the filters. */
export function scopeQuery(st: PageState, actionsListId?: number): TaskQuery {
  const q: TaskQuery = { ...st.query }
  delete q.list_id
  if (st.scope === 'mine') q.assignee = 'me'
  else if (st.scope === 'actions') {
    if (actionsListId) q.list_id = actionsListId
    else q.action = true
  } else if (posInt(st.scope)) q.list_id = Number(st.scope)
  return q
}

// ---------------------------------------------------------------- table sort

/** The list view's sortable columns and the API sort each maps to. */
export const SORT_FIELDS: Record<string, NonNullable<TaskQuery['sort']>> = {
  title: 'title',
  due_at: 'due_at',
  priority: 'priority',
  status: 'status',
  created_at: 'created_at',
  updated_at: 'updated_at',
}

/** tableSort maps a DataTable sort (field, 1 | -1) onto the API's sort/order; an unknown field means the default. */
export function tableSort(field: string | undefined | null, order: number | undefined | null): Pick<TaskQuery, 'sort' | 'order'> {
  const sort = field ? SORT_FIELDS[field] : undefined
  if (!sort || !order) return {}
  return { sort, order: order < 0 ? 'desc' : 'asc' }
}

// ---------------------------------------------------------------- time zone

const dayFormats = new Map<string, Intl.DateTimeFormat>()

/** zoneDay is the calendar day ("YYYY-MM-DD") an instant falls on in a time zone (the browser's when none). */
export function zoneDay(d: Date, zone?: string): string {
  const key = zone ?? ''
  let f = dayFormats.get(key)
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { timeZone: zone || undefined, year: 'numeric', month: '2-digit', day: '2-digit' })
    } catch {
      f = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' })
    }
    dayFormats.set(key, f)
  }
  const parts = Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day}`
}

/** addDays moves a "YYYY-MM-DD" day by n days (calendar arithmetic, no zones involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number)
  const t = new Date(Date.UTC(y, m - 1, d + n))
  return t.toISOString().slice(0, 10)
}

/** zoneOffsetMinutes is how far a zone's wall clock is ahead of UTC at an instant. */
function zoneOffsetMinutes(at: Date, zone?: string): number {
  if (!zone) return -at.getTimezoneOffset()
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]))
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute), Number(p.second))
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60000)
}

/**
 * zoneInstant is the instant (RFC 3339, UTC) of a wall-clock day and time in a zone: what a person
 * in the account's zone means by "the 5th at 14:00", whatever the browser's own zone is.
 */
export function zoneInstant(day: string, time: string, zone?: string): string {
  const [y, m, d] = day.split('-').map(Number)
  const [hh, mm] = time.split(':').map(Number)
  const wall = Date.UTC(y, m - 1, d, hh || 0, mm || 0)
  let t = wall - zoneOffsetMinutes(new Date(wall), zone) * 60000
  // Near a DST switch the offset at the guess may differ from the offset at the answer.
  t = wall - zoneOffsetMinutes(new Date(t), zone) * 60000
  return new Date(t).toISOString().replace('.000Z', 'Z')
}

/**
 * dueInput is the due_at the API takes from the dialog's fields: a bare day ("YYYY-MM-DD", all
 * day) without a time, the instant in the account's zone with one, '' when there is no date.
 */
export function dueInput(day: string | null | undefined, time: string | null | undefined, zone?: string): string {
  if (!day) return ''
  if (!time) return day
  return zoneInstant(day, time, zone)
}

/** pickerDay turns a DatePicker value (a local Date) into the day the person picked. */
export function pickerDay(d: Date | null | undefined): string {
  if (!d) return ''
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** pickerTime turns a time-only DatePicker value into "HH:MM". */
export function pickerTime(d: Date | null | undefined): string {
  if (!d) return ''
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** isOverdue: due in the past and still open. All-day tasks are overdue only once their day is over in the zone. */
export function isOverdue(t: Pick<TaskView, 'due_at' | 'all_day' | 'status'>, now: Date, zone?: string): boolean {
  if (!t.due_at || t.status === 'done' || t.status === 'cancelled') return false
  if (t.all_day) return zoneDay(new Date(t.due_at), zone) < zoneDay(now, zone)
  return new Date(t.due_at).getTime() < now.getTime()
}

// ---------------------------------------------------------------- my tasks

export type Bucket = 'overdue' | 'today' | 'week' | 'later' | 'none'
export const BUCKETS: Bucket[] = ['overdue', 'today', 'week', 'later', 'none']

/**
 * bucketOf puts a task in one of the "my tasks" groups, by its due day in the account's zone:
 * overdue, today, the next 7 days, later, or no date. Only the date counts, not the status, so a
 * task just completed from the page stays where it was (struck through) instead of jumping.
 */
export function bucketOf(t: Pick<TaskView, 'due_at' | 'all_day' | 'status'>, now: Date, zone?: string): Bucket {
  if (!t.due_at) return 'none'
  if (isOverdue({ ...t, status: 'todo' }, now, zone)) return 'overdue'
  const day = zoneDay(new Date(t.due_at), zone)
  const today = zoneDay(now, zone)
  if (day <= today) return 'today'
  if (day <= addDays(today, 7)) return 'week'
  return 'later'
}

/** groupTasks sorts tasks into the "my tasks" groups, keeping the server's order inside each. */
export function groupTasks<T extends Pick<TaskView, 'due_at' | 'all_day' | 'status'>>(tasks: T[], now: Date, zone?: string): Record<Bucket, T[]> {
  const out: Record<Bucket, T[]> = { overdue: [], today: [], week: [], later: [], none: [] }
  for (const t of tasks) out[bucketOf(t, now, zone)].push(t)
  return out
}

// ---------------------------------------------------------------- lists

/** The colours offered for a new list (the server picks one when none is given). */
export const LIST_COLORS = ['#3b82f6', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#ec4899', '#14b8a6', '#64748b']

/** validColor tells whether s is the #rrggbb the server accepts. */
export function validColor(s: string): boolean {
  return /^#[0-9a-fA-F]{6}$/.test(s)
}

/** The icon of a manual action's kind. */
export function actionIcon(kind: string | undefined): string {
  switch (kind) {
    case 'call': return 'pi pi-phone'
    case 'message': return 'pi pi-comment'
    case 'email': return 'pi pi-envelope'
    default: return 'pi pi-bolt'
  }
}

/**
 * listQuery is what the list view asks for: top-level tasks only (subtasks open under their
 * parent row), except when searching or filtering by assignee, where a matching subtask must show
 * on its own. Paging defaults to 50 rows.
 */
export function listQuery(q: TaskQuery, perPage = 50): TaskQuery {
  const out: TaskQuery = { ...q, per_page: q.per_page ?? perPage }
  if (!q.q && !q.assignee && !q.parent_id) out.top_level = true
  return out
}

/** linkOf names the record a task is linked to, and the route of its page, for the "Linked to" column. */
export function linkOf(t: Pick<TaskView, 'contact' | 'deal' | 'company' | 'conversation' | 'contact_id' | 'deal_id' | 'company_id' | 'conversation_id'>):
  { kind: 'contact' | 'deal' | 'company' | 'conversation'; id: number; name: string; hidden: boolean; route: { name: string; params: Record<string, string> } } | null {
  const pick = [
    { kind: 'contact' as const, ref: t.contact, id: t.contact_id, route: 'contact' },
    { kind: 'deal' as const, ref: t.deal, id: t.deal_id, route: 'crm-deal' },
    { kind: 'company' as const, ref: t.company, id: t.company_id, route: 'company' },
    { kind: 'conversation' as const, ref: t.conversation, id: t.conversation_id, route: 'module-conversations' },
  ].find((x) => x.ref || x.id)
  if (!pick) return null
  const id = pick.ref?.id || pick.id || 0
  const name = pick.ref?.name || `#${id}`
  return { kind: pick.kind, id, name, hidden: !!pick.ref?.hidden, route: { name: pick.route, params: { id: String(id) } } }
}

/** listLabel names a task's list in the person's language: lists Parley made (the manual
 * actions queue) are stored under the account's language. */
export function listLabel(task: Pick<TaskView, 'list_name' | 'list_system'>, t: (key: string) => string): string {
  return task.list_system === 'manual_actions' ? t('tasks.list.nav.actions') : (task.list_name ?? '')
}
