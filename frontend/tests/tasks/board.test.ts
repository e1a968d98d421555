import { describe, expect, it } from 'vitest'
import { beforeIdAt, dropIndex, initials, isRecurring, moveTask, replaceTask } from '@/areas/tasks/views/boardLogic'
import { draftOf, durationText, joinMinutes, splitMinutes, swapPositions, templateBody } from '@/areas/tasks/settings/settingsLogic'
import type { BoardColumn, TaskStatus, TaskView } from '@/areas/tasks/types'

function task(id: number, status: TaskStatus): TaskView {
  return { id, account_id: 1, title: `T${id}`, status, priority: 'none', position: id, created_at: '', updated_at: '', assignees: [], blocked: false, overdue: false, subtasks: { done: 0, total: 0 }, checklist_progress: { done: 0, total: 0 } }
}
function board(): BoardColumn[] {
  return [
    { status: 'todo', count: 3, tasks: [task(1, 'todo'), task(2, 'todo'), task(3, 'todo')] },
    { status: 'in_progress', count: 1, tasks: [task(4, 'in_progress')] },
    { status: 'done', count: 0, tasks: [] },
    { status: 'cancelled', count: 0, tasks: [] },
  ]
}
const ids = (c: BoardColumn) => c.tasks.map((t) => t.id)

describe('dropIndex', () => {
  it('counts the cards above the pointer, skipping the dragged one', () => {
    expect(dropIndex([10, 30, 50], 5)).toBe(0)
    expect(dropIndex([10, 30, 50], 40)).toBe(2)
    expect(dropIndex([10, 30, 50], 99)).toBe(3)
    expect(dropIndex([10, 30, 50], 40, 0)).toBe(1)
  })
})

describe('beforeIdAt', () => {
  it('names the card the moved one goes before, or nothing for last', () => {
    const b = board()
    expect(beforeIdAt(b[0], 3, 0)).toBe(1)
    expect(beforeIdAt(b[0], 1, 1)).toBe(3)
    expect(beforeIdAt(b[0], 1, 2)).toBeUndefined()
    expect(beforeIdAt(b[1], 1, 0)).toBe(4)
    expect(beforeIdAt(b[2], 1, 0)).toBeUndefined()
  })
})

describe('moveTask', () => {
  it('moves across columns with counts and the new status', () => {
    const b = moveTask(board(), 2, 'in_progress', 0)
    expect(ids(b[0])).toEqual([1, 3])
    expect(b[0].count).toBe(2)
    expect(ids(b[1])).toEqual([2, 4])
    expect(b[1].count).toBe(2)
    expect(b[1].tasks[0].status).toBe('in_progress')
  })
  it('reorders within a column without changing the count', () => {
    const b = moveTask(board(), 3, 'todo', 0)
    expect(ids(b[0])).toEqual([3, 1, 2])
    expect(b[0].count).toBe(3)
  })
  it('clamps the index and leaves the original board untouched (rollback keeps it)', () => {
    const orig = board()
    const b = moveTask(orig, 1, 'done', 9)
    expect(ids(b[2])).toEqual([1])
    expect(ids(orig[0])).toEqual([1, 2, 3])
    expect(moveTask(orig, 99, 'done', 0)).toBe(orig)
  })
})

describe('replaceTask', () => {
  it('takes the server copy', () => {
    const b = replaceTask(board(), { ...task(4, 'in_progress'), title: 'saved', started_at: '2026-01-01T00:00:00Z' })
    expect(b[1].tasks[0].title).toBe('saved')
    expect(b[1].tasks[0].started_at).toBe('2026-01-01T00:00:00Z')
  })
})

describe('helpers', () => {
  it('initials and recurrence', () => {
    expect(initials('Ana Maria Souza')).toBe('AS')
    expect(initials('bob')).toBe('B')
    expect(initials('  ')).toBe('?')
    expect(isRecurring({ recurrence: { freq: 'weekly', interval: 1 } })).toBe(true)
    expect(isRecurring({ recurrence: { freq: '', interval: 1 } })).toBe(false)
    expect(isRecurring({})).toBe(false)
  })
})

// The task settings forms (F2's settings pages) share this file: SLA targets and template bodies.

describe('SLA targets', () => {
  it('split and join hours and minutes', () => {
    expect(splitMinutes(90)).toEqual({ h: 1, m: 30 })
    expect(splitMinutes(undefined)).toEqual({ h: 0, m: 0 })
    expect(joinMinutes(2, 15)).toBe(135)
    expect(joinMinutes(null, null)).toBe(0)
    expect(durationText(90)).toBe('1h 30min')
    expect(durationText(120)).toBe('2h')
    expect(durationText(45)).toBe('45min')
    expect(durationText(0)).toBe('')
  })
  it('swapPositions exchanges neighbours, and separates equal positions', () => {
    const items = [{ id: 1, position: 0 }, { id: 2, position: 1 }, { id: 3, position: 2 }]
    expect(swapPositions(items, 1, -1)).toEqual([{ id: 2, position: 0 }, { id: 1, position: 1 }])
    expect(swapPositions(items, 2, 1)).toEqual([])
    expect(swapPositions([{ id: 1, position: 0 }, { id: 2, position: 0 }], 0, 1)).toEqual([{ id: 1, position: 1 }, { id: 2, position: 0 }])
  })
})

describe('template body', () => {
  it('cleans labels, checklist lines and empty subtasks', () => {
    const d = draftOf()
    Object.assign(d, { name: ' Onboarding ', title: 'Onboard', labels: 'vip, VIP,  novo ,', checklist: 'a\n\n b \n', due_offset_days: 3 })
    d.subtasks.push({ title: 'Set up', assignee_id: 4, due_offset_days: 1 }, { title: '  ', assignee_id: null, due_offset_days: null }, { title: 'Train', assignee_id: null, due_offset_days: null })
    const body = templateBody(d)
    expect(body).toMatchObject({ name: 'Onboarding', labels: ['vip', 'novo'], checklist: ['a', 'b'], due_offset_days: 3, list_id: 0, priority: 'none' })
    expect(body.subtasks).toEqual([{ title: 'Set up', assignee_id: 4, due_offset_days: 1 }, { title: 'Train' }])
  })
  it('round-trips a saved template through the editor', () => {
    const d = draftOf({ name: 'X', title: 'Y', priority: 'high', labels: ['a', 'b'], checklist: ['one', 'two'], subtasks: [{ title: 'S', due_offset_days: 0 }] })
    expect(d.labels).toBe('a, b')
    expect(d.checklist).toBe('one\ntwo')
    const body = templateBody(d)
    expect(body.subtasks).toEqual([{ title: 'S', due_offset_days: 0 }])
    expect(body.due_offset_days).toBe(-1) // cleared: an edit must remove the stored offset
  })
})
