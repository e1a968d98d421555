import { describe, expect, it } from 'vitest'
import { dayIn, dropDue, fromWall, nextDay, projectedEvent, quickDue, taskEvent, toWall } from '@/areas/tasks/views/calendarLogic'
import type { TaskView } from '@/areas/tasks/types'

const wall = (s: string) => new Date(`${s}Z`)

function task(over: Partial<TaskView>): TaskView {
  return { id: 7, account_id: 1, title: 'Call', status: 'todo', priority: 'none', position: 1, created_at: '', updated_at: '', assignees: [], blocked: false, overdue: false, subtasks: { done: 0, total: 0 }, checklist_progress: { done: 0, total: 0 }, ...over }
}

describe('zone conversion', () => {
  it('shows instants as the account zone wall clock', () => {
    expect(toWall('2026-03-10T12:00:00Z', 'America/Sao_Paulo')).toBe('2026-03-10T09:00:00')
    expect(toWall('2026-07-10T12:00:00Z', 'Europe/Lisbon')).toBe('2026-07-10T13:00:00')
    expect(dayIn('2026-03-10T02:00:00Z', 'America/Sao_Paulo')).toBe('2026-03-09')
  })
  it('round-trips wall times back to instants', () => {
    expect(fromWall(wall('2026-03-10T09:00:00'), 'America/Sao_Paulo')).toBe('2026-03-10T12:00:00Z')
    expect(fromWall(wall('2026-07-10T13:00:00'), 'Europe/Lisbon')).toBe('2026-07-10T12:00:00Z')
    expect(fromWall(wall('2026-01-10T13:00:00'), 'Europe/Lisbon')).toBe('2026-01-10T13:00:00Z')
  })
  it('handles the Lisbon DST changes', () => {
    // 2026-03-29 01:00 UTC clocks jump 01:00 -> 02:00; 01:30 does not exist and lands after the gap.
    expect(fromWall(wall('2026-03-29T01:30:00'), 'Europe/Lisbon')).toBe('2026-03-29T01:30:00Z')
    expect(fromWall(wall('2026-03-29T03:00:00'), 'Europe/Lisbon')).toBe('2026-03-29T02:00:00Z')
    expect(fromWall(wall('2026-03-29T00:30:00'), 'Europe/Lisbon')).toBe('2026-03-29T00:30:00Z')
    // 2026-10-25: 01:30 happens twice; either reading keeps the wall clock.
    const back = fromWall(wall('2026-10-25T01:30:00'), 'Europe/Lisbon')
    expect(toWall(back, 'Europe/Lisbon')).toBe('2026-10-25T01:30:00')
  })
})

describe('dropDue and quickDue', () => {
  it('keeps all-day as a plain date and timed as an instant', () => {
    expect(dropDue(wall('2026-05-04T00:00:00'), true, 'America/Sao_Paulo')).toEqual({ due_at: '2026-05-04', all_day: true })
    expect(dropDue(wall('2026-05-04T15:30:00'), false, 'America/Sao_Paulo')).toEqual({ due_at: '2026-05-04T18:30:00Z', all_day: false })
    expect(quickDue(wall('2026-05-04T00:00:00'), true)).toBe('2026-05-04')
  })
  it('nextDay crosses month ends', () => {
    expect(nextDay('2026-02-28')).toBe('2026-03-01')
    expect(nextDay('2026-12-31')).toBe('2027-01-01')
  })
})

describe('events', () => {
  const colorOf = (id?: number) => (id === 2 ? '#10b981' : undefined)
  it('puts all-day tasks on their date and timed ones at their time', () => {
    const a = taskEvent(task({ due_at: '2026-05-04T03:00:00Z', all_day: true, list_id: 2 }), 'America/Sao_Paulo', colorOf, true)!
    expect(a).toMatchObject({ start: '2026-05-04', allDay: true, editable: true, backgroundColor: '#10b981' })
    const b = taskEvent(task({ due_at: '2026-05-04T18:30:00Z' }), 'America/Sao_Paulo', colorOf, true)!
    expect(b).toMatchObject({ start: '2026-05-04T15:30:00', allDay: false })
  })
  it('marks overdue red, closed faded, and read-only without manage', () => {
    const o = taskEvent(task({ due_at: '2026-05-04T18:30:00Z', overdue: true, list_id: 2 }), 'UTC', colorOf, false)!
    expect(o.backgroundColor).toBe('#dc2626')
    expect(o.classNames).toContain('overdue')
    expect(o.editable).toBe(false)
    const c = taskEvent(task({ due_at: '2026-05-04T18:30:00Z', status: 'done' }), 'UTC', colorOf, true)!
    expect(c.classNames).toContain('closed')
  })
  it('spans start..due and skips undated tasks', () => {
    const s = taskEvent(task({ start_at: '2026-05-01T03:00:00Z', due_at: '2026-05-03T03:00:00Z', all_day: true }), 'America/Sao_Paulo', colorOf, true)!
    expect(s).toMatchObject({ start: '2026-05-01', end: '2026-05-04', editable: false })
    expect(taskEvent(task({}), 'UTC', colorOf, true)).toBeNull()
  })
  it('projected occurrences are dashed and never draggable', () => {
    const p = projectedEvent({ task_id: 7, title: 'Weekly', due_at: '2026-05-11T03:00:00Z', occurrence: 3, all_day: true }, 'America/Sao_Paulo')
    expect(p).toMatchObject({ id: 'p7-3', start: '2026-05-11', allDay: true, editable: false })
    expect(p.classNames).toContain('projected')
    expect(p.extendedProps).toEqual({ taskId: 7, projected: true })
  })
})
