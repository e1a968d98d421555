// The tasks calls (app/api/tasks.go, task_reminders.go, task_settings.go, mail.go), with list
// envelopes unwrapped.
import { accountPath, api } from '@/api/client'
import { unwrapList } from '@/areas/inbox-settings/helpers'
import { useSession } from '@/stores/session'
import type {
  ActionInput, ApplyTemplateInput, BoardColumn, CalendarData, LabelCount, MailMessage, MailSettings, MailSettingsInput, Recurrence, Reminder, ReminderInput,
  SLAPolicy, SLAPolicyInput, TaskDetail, TaskInput, TaskList, TaskListInput, TaskListPage, TaskListSaved, TaskQuery, TaskStatus, TaskSummary, TaskTemplate,
  TaskTemplateInput, TaskView,
} from './types'

type Query = Record<string, string | number | boolean | undefined>

/** query drops empty filters so the URL carries only what is set. */
export function taskQuery(q: TaskQuery): Query {
  const out: Query = {}
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '' || v === false) continue
    out[k] = v as string | number | boolean
  }
  return out
}

export function useTasksApi() {
  const session = useSession()
  const p = (rest: string) => accountPath(session.current!.id, rest)
  const t = (id: number, rest = '') => p(`tasks/${id}${rest}`)
  return {
    lists: async () => unwrapList<TaskList>(await api.get<unknown>(p('task_lists'))),
    createList: (body: TaskListInput) => api.post<TaskListSaved>(p('task_lists'), body),
    updateList: (id: number, body: TaskListInput) => api.patch<TaskListSaved>(p(`task_lists/${id}`), body),
    deleteList: (id: number) => api.del(p(`task_lists/${id}`)),

    tasks: (q: TaskQuery) => api.get<TaskListPage>(p('tasks'), { query: taskQuery(q) }),
    task: (id: number) => api.get<TaskDetail>(t(id)),
    create: (body: TaskInput) => api.post<TaskDetail>(p('tasks'), body),
    update: (id: number, body: TaskInput) => api.patch<TaskDetail>(t(id), body),
    remove: (id: number) => api.del(t(id)),
    complete: (id: number) => api.post<TaskDetail>(t(id, '/complete'), {}),
    reopen: (id: number) => api.post<TaskDetail>(t(id, '/reopen'), {}),
    move: (id: number, status: TaskStatus, before_id?: number) => api.post<TaskView>(t(id, '/move'), { status, before_id }),
    board: async (q: TaskQuery) => (await api.get<{ columns: BoardColumn[] }>(p('tasks/board'), { query: taskQuery(q) })).columns,
    calendar: (from: string, to: string, q: TaskQuery) => api.get<CalendarData>(p('tasks/calendar'), { query: { ...taskQuery(q), from, to } }),
    labels: async () => unwrapList<LabelCount>(await api.get<unknown>(p('tasks/labels'))),
    summary: () => api.get<TaskSummary>(p('tasks/summary')),
    addBlocker: (id: number, task_id: number) => api.post<TaskDetail>(t(id, '/blocked_by'), { task_id }),
    removeBlocker: (id: number, blocker: number) => api.del<TaskDetail>(t(id, `/blocked_by/${blocker}`)),
    addChecklist: (id: number, text: string) => api.post<TaskDetail>(t(id, '/checklist'), { text }),
    updateChecklist: (id: number, item: number, body: { text?: string; done?: boolean }) => api.patch<TaskDetail>(t(id, `/checklist/${item}`), body),
    deleteChecklist: (id: number, item: number) => api.del<TaskDetail>(t(id, `/checklist/${item}`)),

    reminders: async (id: number) => unwrapList<Reminder>(await api.get<unknown>(t(id, '/reminders'))),
    addReminder: (id: number, body: ReminderInput) => api.post<Reminder>(t(id, '/reminders'), body),
    updateReminder: (id: number, rid: number, body: ReminderInput) => api.patch<Reminder>(t(id, `/reminders/${rid}`), body),
    deleteReminder: (id: number, rid: number) => api.del(t(id, `/reminders/${rid}`)),
    previewRecurrence: async (recurrence: Recurrence, due_at?: string) => (await api.post<{ dates: string[] }>(p('tasks/recurrence/preview'), { recurrence, due_at })).dates,

    slaPolicies: async () => unwrapList<SLAPolicy>(await api.get<unknown>(p('task_sla_policies'))),
    createSLAPolicy: (body: SLAPolicyInput) => api.post<SLAPolicy>(p('task_sla_policies'), body),
    updateSLAPolicy: (id: number, body: SLAPolicyInput) => api.patch<SLAPolicy>(p(`task_sla_policies/${id}`), body),
    deleteSLAPolicy: (id: number) => api.del(p(`task_sla_policies/${id}`)),
    templates: async () => unwrapList<TaskTemplate>(await api.get<unknown>(p('task_templates'))),
    template: (id: number) => api.get<TaskTemplate>(p(`task_templates/${id}`)),
    createTemplate: (body: TaskTemplateInput) => api.post<TaskTemplate>(p('task_templates'), body),
    updateTemplate: (id: number, body: TaskTemplateInput) => api.patch<TaskTemplate>(p(`task_templates/${id}`), body),
    deleteTemplate: (id: number) => api.del(p(`task_templates/${id}`)),
    applyTemplate: (id: number, body: ApplyTemplateInput) => api.post<TaskDetail>(p(`task_templates/${id}/apply`), body),

    manualActions: (assignee: 'me' | 'all', done = false) => api.get<{ items: TaskView[]; next?: string }>(p('manual_actions'), { query: { assignee, done: done || undefined } }),
    createAction: (body: ActionInput) => api.post<TaskView>(p('manual_actions'), body),
    completeAction: (id: number) => api.post<TaskView>(p(`manual_actions/${id}/complete`), {}),
    reopenAction: (id: number) => api.post<TaskView>(p(`manual_actions/${id}/reopen`), {}),

    /** members feed the assignee pickers; a failure leaves them empty rather than breaking the page. */
    members: async () => unwrapList<{ id: number; name: string; avatar_url?: string | null }>(await api.get<unknown>(p('agents')).catch(() => [])),
    /** The link pickers reuse the existing search routes of contacts, companies and deals. */
    searchContacts: async (q: string) => unwrapList<{ id: number; name: string; email?: string }>(await api.get<unknown>(p('contacts/search'), { query: { q } })),
    searchCompanies: async (q: string) => unwrapList<{ id: number; name: string }>(await api.get<unknown>(p('companies'), { query: { q } })),
    searchDeals: async (q: string) => unwrapList<{ id: number; title?: string; name?: string }>(await api.get<unknown>(p('deals'), { query: { q, per_page: 20 } })),
  }
}

/** The operator's mail server (installation-wide, not per account). */
export const mailApi = {
  settings: () => api.get<MailSettings>('/api/v1/platform/mail'),
  save: (body: MailSettingsInput) => api.put<MailSettings>('/api/v1/platform/mail', body),
  test: (to: string) => api.post<{ ok: boolean }>('/api/v1/platform/mail/test', { to }),
  outgoing: async () => unwrapList<MailMessage>(await api.get<unknown>('/api/v1/platform/mail/outgoing')),
}
