// Pure rules of the tasks board, kept out of the component so tests can check them: where a
// dropped card lands, which task the server should place it before, and the board after an
// optimistic move (rolled back by keeping the old array when the server refuses).
import type { BoardColumn, TaskStatus, TaskView } from '../types'

/** dropIndex is where a dropped card lands (shared by every board). */
export { dropIndex } from '@/composables/useBoardDrag'

/**
 * beforeIdAt is the task the moved card is placed before (POST /tasks/{id}/move before_id): the
 * card at index among the column's other cards, or undefined for "last".
 */
export function beforeIdAt(col: BoardColumn | undefined, movedId: number, index: number): number | undefined {
  if (!col) return undefined
  const rest = col.tasks.filter((t) => t.id !== movedId)
  return rest[index]?.id
}

/** findTask finds a card anywhere on the board. */
export function findTask(columns: BoardColumn[], id: number): TaskView | undefined {
  for (const c of columns) {
    const t = c.tasks.find((x) => x.id === id)
    if (t) return t
  }
  return undefined
}

/**
 * moveTask is the board after task id moved into status at index (counts follow). A move to the
 * same place returns an equal board; an unknown id returns the board unchanged.
 */
export function moveTask(columns: BoardColumn[], id: number, status: TaskStatus, index: number): BoardColumn[] {
  const task = findTask(columns, id)
  if (!task) return columns
  const moved: TaskView = { ...task, status }
  return columns.map((c) => {
    const had = c.tasks.some((t) => t.id === id)
    let tasks = had ? c.tasks.filter((t) => t.id !== id) : c.tasks
    let count = had ? c.count - 1 : c.count
    if (c.status === status) {
      tasks = [...tasks]
      tasks.splice(Math.max(0, Math.min(index, tasks.length)), 0, moved)
      count++
    }
    return had || c.status === status ? { ...c, count, tasks } : c
  })
}

/** replaceTask puts the server's copy of a task in place of the optimistic one. */
export function replaceTask(columns: BoardColumn[], saved: TaskView): BoardColumn[] {
  return columns.map((c) => (c.tasks.some((t) => t.id === saved.id) ? { ...c, tasks: c.tasks.map((t) => (t.id === saved.id ? { ...t, ...saved } : t)) } : c))
}

/** initials are the one or two letters shown in an assignee's avatar. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  if (!parts.length) return '?'
  const first = parts[0][0] ?? ''
  const last = parts.length > 1 ? parts[parts.length - 1][0] ?? '' : ''
  return (first + last).toUpperCase()
}

/** isRecurring tells whether completing the task makes a next occurrence. */
export function isRecurring(t: Pick<TaskView, 'recurrence'> | undefined): boolean {
  return !!t?.recurrence?.freq
}
