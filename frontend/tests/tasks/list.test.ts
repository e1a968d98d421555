// The tasks page keeps its state in the URL and turns it into the server's query; "my tasks"
// groups by the due day on the ACCOUNT's calendar, not the browser's; the new task dialog turns a
// picked day and time into the instant the account means. These pin those rules.
import { describe, expect, it } from 'vitest'
import {
  activeFilters, addDays, listLabel, bucketOf, clearFilters, csv, dueInput, groupTasks, joinCsv, linkOf, listQuery, pageState, pickerDay, pickerTime,
  routeQuery, scopeQuery, tableSort, validColor, withFilter, zoneDay, zoneInstant,
} from '@/areas/tasks/logic'
import { taskQuery } from '@/areas/tasks/api'
import type { TaskView } from '@/areas/tasks/types'

describe('filters', () => {
  it('splits and joins comma lists, with no values meaning no filter', () => {
    expect(csv('todo, in_progress,,')).toEqual(['todo', 'in_progress'])
    expect(csv(undefined)).toEqual([])
    expect(joinCsv(['todo', 'done'])).toBe('todo,done')
    expect(joinCsv([])).toBeUndefined()
  })

  it('sets and removes one filter and goes back to page 1', () => {
    const q = withFilter({ status: 'todo', page: 3 }, 'priority', 'high')
    expect(q).toEqual({ status: 'todo', priority: 'high' })
    expect(withFilter(q, 'status', undefined)).toEqual({ priority: 'high' })
    expect(withFilter(q, 'overdue', false)).toEqual({ status: 'todo', priority: 'high' })
  })

  it('counts and clears only the filters shown, keeping sort and hidden ones', () => {
    const q = { q: 'x', status: 'todo', list_id: 4, sort: 'title' as const, order: 'desc' as const, overdue: true }
    expect(activeFilters(q)).toBe(4)
    expect(activeFilters(q, ['list_id'])).toBe(3)
    expect(clearFilters(q, ['list_id'])).toEqual({ list_id: 4, sort: 'title', order: 'desc' })
  })

  it('drops empty values from the request query', () => {
    expect(taskQuery({ q: '', status: 'todo', overdue: false, blocked: true, list_id: 0 })).toEqual({ status: 'todo', blocked: true, list_id: 0 })
  })
})

describe('URL state', () => {
  it('reads view, scope, task and filters, ignoring junk', () => {
    const st = pageState({ view: 'board', list: '7', task: '12', status: 'todo,done', overdue: 'true', sort: 'nonsense', order: 'desc', page: '2', q: ' call ' })
    expect(st).toEqual({ view: 'board', scope: '7', task: 12, query: { q: 'call', status: 'todo,done', overdue: true, order: 'desc', page: 2 } })
    expect(pageState({ view: 'weird', list: '-3', task: 'x' })).toEqual({ view: 'list', scope: 'all', task: null, query: {} })
    expect(pageState({ view: 'mine' }).scope).toBe('mine')
  })

  it("keeps a record's filter (the conversation panel's \"see all\" link) and clears it with the rest", () => {
    const st = pageState({ contact_id: '42', deal_id: 'x' })
    expect(st.query).toEqual({ contact_id: 42 })
    expect(routeQuery(st)).toEqual({ contact_id: '42' })
    expect(activeFilters(st.query)).toBe(1)
    expect(clearFilters(st.query)).toEqual({})
  })

  it('round-trips through the URL, writing only what differs from the defaults', () => {
    const st = pageState({ view: 'calendar', list: 'actions', assignee: 'me', blocked: 'true', sort: 'priority', order: 'asc' })
    const q = routeQuery(st)
    expect(q).toEqual({ view: 'calendar', list: 'actions', assignee: 'me', blocked: 'true', sort: 'priority', order: 'asc' })
    expect(pageState(q)).toEqual(st)
    expect(routeQuery(pageState({}))).toEqual({})
  })

  it('turns the scope into the server query', () => {
    expect(scopeQuery(pageState({ list: '7', q: 'a' }))).toEqual({ list_id: 7, q: 'a' })
    expect(scopeQuery(pageState({ list: 'mine', assignee: '3' }))).toEqual({ assignee: 'me' })
    expect(scopeQuery(pageState({ list: 'actions' }), 9)).toEqual({ list_id: 9 })
    expect(scopeQuery(pageState({ list: 'actions' }))).toEqual({ action: true })
    expect(scopeQuery(pageState({}))).toEqual({})
  })

  it('asks for top-level tasks unless a search or assignee should find subtasks too', () => {
    expect(listQuery({ list_id: 2 })).toEqual({ list_id: 2, per_page: 50, top_level: true })
    expect(listQuery({ q: 'x' }).top_level).toBeUndefined()
    expect(listQuery({ assignee: 'me' }).top_level).toBeUndefined()
  })

  it('maps table sorting onto sort/order', () => {
    expect(tableSort('due_at', 1)).toEqual({ sort: 'due_at', order: 'asc' })
    expect(tableSort('title', -1)).toEqual({ sort: 'title', order: 'desc' })
    expect(tableSort('assignees', 1)).toEqual({})
    expect(tableSort('title', 0)).toEqual({})
  })
})

describe('time zones', () => {
  it('reads the day of an instant on the account calendar', () => {
    // 02:30 UTC on the 10th is still the 9th in São Paulo (UTC-3) and the 10th in Lisbon.
    const t = new Date('2025-03-10T02:30:00Z')
    expect(zoneDay(t, 'America/Sao_Paulo')).toBe('2025-03-09')
    expect(zoneDay(t, 'Europe/Lisbon')).toBe('2025-03-10')
  })

  it('adds calendar days across month and year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01')
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28')
  })

  it('turns a wall-clock time in the account zone into the instant, across DST', () => {
    expect(zoneInstant('2025-07-01', '14:00', 'America/Sao_Paulo')).toBe('2025-07-01T17:00:00Z')
    // Lisbon is UTC+0 in winter and UTC+1 in summer (switch on 2025-03-30).
    expect(zoneInstant('2025-03-29', '09:30', 'Europe/Lisbon')).toBe('2025-03-29T09:30:00Z')
    expect(zoneInstant('2025-03-31', '09:30', 'Europe/Lisbon')).toBe('2025-03-31T08:30:00Z')
  })

  it('sends a bare day for all-day tasks and an instant when a time is given', () => {
    expect(dueInput('2025-05-02', '', 'America/Sao_Paulo')).toBe('2025-05-02')
    expect(dueInput('2025-05-02', '08:15', 'America/Sao_Paulo')).toBe('2025-05-02T11:15:00Z')
    expect(dueInput('', '08:15')).toBe('')
    expect(pickerDay(new Date(2025, 0, 5, 23, 59))).toBe('2025-01-05')
    expect(pickerTime(new Date(2025, 0, 5, 7, 3))).toBe('07:03')
  })
})

describe('my tasks groups', () => {
  const zone = 'America/Sao_Paulo'
  // 2025-06-11 10:00 in São Paulo (a Wednesday).
  const now = new Date('2025-06-11T13:00:00Z')
  const task = (due_at?: string, all_day = false, status: TaskView['status'] = 'todo') => ({ due_at, all_day, status })

  it('buckets by the due day in the account zone', () => {
    expect(bucketOf(task(), now, zone)).toBe('none')
    expect(bucketOf(task('2025-06-11T12:00:00Z'), now, zone)).toBe('overdue') // 09:00 today, passed
    expect(bucketOf(task('2025-06-11T20:00:00Z'), now, zone)).toBe('today')
    // 01:00 UTC on the 12th is 22:00 on the 11th in São Paulo: still today there.
    expect(bucketOf(task('2025-06-12T01:00:00Z'), now, zone)).toBe('today')
    expect(bucketOf(task('2025-06-12T03:00:00Z'), now, zone)).toBe('week')
    expect(bucketOf(task('2025-06-18T15:00:00Z'), now, zone)).toBe('week')
    expect(bucketOf(task('2025-06-19T15:00:00Z'), now, zone)).toBe('later')
  })

  it('keeps an all-day task due today out of overdue until the day is over', () => {
    expect(bucketOf(task('2025-06-11T03:00:00Z', true), now, zone)).toBe('today')
    expect(bucketOf(task('2025-06-10T03:00:00Z', true), now, zone)).toBe('overdue')
  })

  it('keeps a task just completed in the group it was in', () => {
    expect(bucketOf(task('2025-06-01T03:00:00Z', false, 'done'), now, zone)).toBe('overdue')
    expect(bucketOf(task('2025-06-11T20:00:00Z', false, 'done'), now, zone)).toBe('today')
  })

  it('groups keeping the server order', () => {
    const a = { id: 1, ...task('2025-06-20T12:00:00Z') }
    const b = { id: 2, ...task() }
    const c = { id: 3, ...task('2025-06-19T12:00:00Z') }
    const g = groupTasks([a, b, c], now, zone)
    expect(g.later.map((x) => x.id)).toEqual([1, 3])
    expect(g.none.map((x) => x.id)).toEqual([2])
    expect(g.overdue).toEqual([])
  })
})

describe('misc', () => {
  it('accepts only #rrggbb colours', () => {
    expect(validColor('#12abEF')).toBe(true)
    expect(validColor('#123')).toBe(false)
    expect(validColor('red')).toBe(false)
  })

  it('names the linked record with its page, and marks hidden ones', () => {
    expect(linkOf({ contact: { id: 4, name: 'Ana' }, contact_id: 4 })).toMatchObject({ kind: 'contact', name: 'Ana', hidden: false, route: { name: 'contact', params: { id: '4' } } })
    expect(linkOf({ deal: { id: 9, hidden: true }, deal_id: 9 })).toMatchObject({ kind: 'deal', hidden: true })
    expect(linkOf({ conversation_id: 31 })).toMatchObject({ kind: 'conversation', name: '#31', route: { name: 'module-conversations', params: { id: '31' } } })
    expect(linkOf({})).toBeNull()
  })
})

describe('listLabel', () => {
  const t = (k: string) => (k === 'tasks.list.nav.actions' ? 'Manual actions' : k)
  it("names Parley's own lists in the person's language and others as stored", () => {
    expect(listLabel({ list_name: 'Ações manuais', list_system: 'manual_actions' }, t)).toBe('Manual actions')
    expect(listLabel({ list_name: 'Financeiro' }, t)).toBe('Financeiro')
    expect(listLabel({}, t)).toBe('')
  })
})
