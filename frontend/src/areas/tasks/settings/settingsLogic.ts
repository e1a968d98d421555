// Pure rules of the task settings forms, kept out of the components so tests can check them:
// SLA targets typed as hours + minutes but stored as minutes, and the template editor's text
// fields (labels separated by commas, one checklist item per line) turned into the API's body.
import type { TaskPriority, TaskTemplate, TaskTemplateInput, TemplateSubtask } from '../types'

/** splitMinutes shows a stored target as hours and minutes (0/absent: no target). */
export function splitMinutes(total: number | undefined | null): { h: number; m: number } {
  const n = Math.max(0, Math.round(total ?? 0))
  return { h: Math.floor(n / 60), m: n % 60 }
}

/** joinMinutes is what the API stores for the hours and minutes typed. */
export function joinMinutes(h: number | null | undefined, m: number | null | undefined): number {
  return Math.max(0, Math.round(h ?? 0)) * 60 + Math.max(0, Math.round(m ?? 0))
}

/** durationText reads a target compactly: "1h 30min", "45min", "2h"; empty for none. */
export function durationText(total: number | undefined | null, h = 'h', min = 'min'): string {
  const { h: hh, m } = splitMinutes(total)
  if (!hh && !m) return ''
  if (!m) return `${hh}${h}`
  if (!hh) return `${m}${min}`
  return `${hh}${h} ${m}${min}`
}

/** The template editor's working copy: free-text fields the person types. */
export interface TemplateDraft {
  name: string
  title: string
  description: string
  priority: TaskPriority
  list_id: number | null
  assignee_ids: number[]
  labels: string
  due_offset_days: number | null
  checklist: string
  subtasks: { title: string; assignee_id: number | null; due_offset_days: number | null }[]
}

/** draftOf is the editor's copy of a template (or an empty one). */
export function draftOf(t?: Partial<TaskTemplate> | null): TemplateDraft {
  return {
    name: t?.name ?? '',
    title: t?.title ?? '',
    description: t?.description ?? '',
    priority: t?.priority || 'none',
    list_id: t?.list_id || null,
    assignee_ids: [...(t?.assignee_ids ?? [])],
    labels: (t?.labels ?? []).join(', '),
    due_offset_days: t?.due_offset_days ?? null,
    checklist: (t?.checklist ?? []).join('\n'),
    subtasks: (t?.subtasks ?? []).map((s) => ({ title: s.title, assignee_id: s.assignee_id || null, due_offset_days: s.due_offset_days ?? null })),
  }
}

/**
 * templateBody is the POST/PATCH body of a draft: trimmed, labels split on commas (duplicates
 * dropped, case kept), checklist one item per non-empty line, subtasks without a title dropped.
 * Clearing fields sends empty values so an edit can remove them (a cleared due offset is -1:
 * absent would keep the stored one).
 */
export function templateBody(d: TemplateDraft): TaskTemplateInput {
  const labels: string[] = []
  for (const raw of d.labels.split(',')) {
    const l = raw.trim()
    if (l && !labels.some((x) => x.toLowerCase() === l.toLowerCase())) labels.push(l)
  }
  const subtasks: TemplateSubtask[] = d.subtasks
    .filter((s) => s.title.trim())
    .map((s) => {
      const out: TemplateSubtask = { title: s.title.trim() }
      if (s.assignee_id) out.assignee_id = s.assignee_id
      if (s.due_offset_days !== null && s.due_offset_days !== undefined) out.due_offset_days = s.due_offset_days
      return out
    })
  const body: TaskTemplateInput = {
    name: d.name.trim(),
    title: d.title.trim(),
    description: d.description.trim(),
    priority: d.priority,
    list_id: d.list_id ?? 0,
    assignee_ids: d.assignee_ids,
    labels,
    checklist: d.checklist.split('\n').map((l) => l.trim()).filter(Boolean),
    subtasks,
    due_offset_days: d.due_offset_days ?? -1,
  }
  return body
}

/** swapPositions is the two PATCHes that move item at index one step up (-1) or down (+1). */
export function swapPositions<T extends { id: number; position: number }>(items: T[], index: number, step: -1 | 1): { id: number; position: number }[] {
  const other = items[index + step]
  const me = items[index]
  if (!me || !other) return []
  const a = me.position === other.position ? other.position + (step < 0 ? 0 : 1) : other.position
  const b = me.position === other.position ? me.position + (step < 0 ? 1 : 0) : me.position
  return [{ id: me.id, position: a }, { id: other.id, position: b }]
}
