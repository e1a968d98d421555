// Completing or reopening a task from a row (list view, "my tasks"). A completed recurring task
// answers with next_id: the person is told when the next occurrence is due, since it appears
// elsewhere in the list (or not at all, when filtered out) and would otherwise go unnoticed.
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { useNotify } from '@/composables/useApiErrors'
import { useTasksApi } from '../api'
import type { TaskDetail, TaskView } from '../types'
import { formatWhen, isClosed } from './taskLogic'
import { useTaskContext } from './useTaskContext'

export function useToggleDone() {
  const { t, locale } = useI18n()
  const notify = useNotify()
  const tasks = useTasksApi()
  const { tz } = useTaskContext()
  /** busy holds the ids being changed, so their checkboxes wait. */
  const busy = ref(new Set<number>())

  /** toggle completes an open task or reopens a closed one; null when the server refused (toast shown). */
  async function toggle(task: Pick<TaskView, 'id' | 'status' | 'action_kind'>): Promise<TaskDetail | null> {
    if (busy.value.has(task.id)) return null
    busy.value.add(task.id)
    try {
      const closing = !isClosed(task.status)
      const res = closing ? await tasks.complete(task.id) : await tasks.reopen(task.id)
      if (closing && res.next_id) {
        const next = await tasks.task(res.next_id).catch(() => null)
        notify.toast.add({
          severity: 'success',
          summary: t('tasks.list.completed'),
          detail: next?.due_at ? t('tasks.list.nextOccurrence', { due: formatWhen(next.due_at, locale.value, tz.value, !!next.all_day) }) : t('tasks.list.nextOccurrenceNoDate'),
          life: 6000,
        })
      } else {
        notify.success(closing ? t('tasks.list.completed') : t('tasks.list.reopened'))
      }
      return res
    } catch (e) {
      notify.failure(e)
      return null
    } finally {
      busy.value.delete(task.id)
    }
  }

  return { toggle, busy }
}
