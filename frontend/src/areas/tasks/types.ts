// API shapes of the tasks pages, taken from the generated schema (src/api/schema.d.ts, made by
// `make api-types` from the server's OpenAPI document) so that a change on the server is a type
// error here. Only narrowings live in this file: where Go says `string` for a closed set
// (statuses, priorities, recurrence frequency, SLA states, reminder targets) the union is spelled
// out, and lists Go always fills (assignees, subtask items, dependencies, reminders) are never null.
import type { Schemas } from '@/api/types'

export type TaskStatus = 'todo' | 'in_progress' | 'done' | 'cancelled'
export type TaskPriority = 'none' | 'low' | 'medium' | 'high' | 'urgent'
export type ActionKind = 'call' | 'message' | 'email' | 'other'
/** How often a task repeats; '' (only sent, never stored) removes the recurrence. */
export type Freq = 'daily' | 'weekly' | 'monthly' | 'yearly' | ''
/** Where one SLA target stands: none (no such target), ok (running), met, breached. */
export type SLAStage = 'none' | 'ok' | 'met' | 'breached'
export type ReminderTarget = 'me' | 'user' | 'assignees'
export type MailSecurity = Schemas['MailSettings']['security']
export type MailState = 'queued' | 'sent' | 'failed'
export const STATUSES: TaskStatus[] = ['todo', 'in_progress', 'done', 'cancelled']
export const PRIORITIES: TaskPriority[] = ['none', 'low', 'medium', 'high', 'urgent']

/** Optional lists Go omits when empty: absent, never null. */
type Lists<T, K extends keyof T> = Omit<T, K> & { [P in K]?: Exclude<T[P], null> }

export type ChecklistItem = Schemas['TaskChecklistItem']
/** A recurrence rule; until is a YYYY-MM-DD in the account's time zone, anchor is set by the server. */
export type Recurrence = Omit<Lists<Schemas['Recurrence'], 'weekdays'>, 'freq'> & { freq: Freq }
export type SLA = Schemas['SLA']
export type SLAState = Omit<Schemas['SLAState'], 'start' | 'finish'> & { start: SLAStage; finish: SLAStage }
export type UserRef = Schemas['TaskUserRef']
/** A linked record: hidden when the viewer may not see it, missing when it was deleted. */
export type LinkRef = Schemas['LinkRef']
export type TaskRef = Omit<Schemas['TaskRef'], 'status'> & { status: TaskStatus }
export type Progress = Schemas['Progress']

/** A task as lists, the board and the calendar show it. */
export type TaskView = Omit<
  Lists<Schemas['TaskView'], 'assignee_ids' | 'labels' | 'blocked_by' | 'checklist'>,
  'status' | 'priority' | 'action_kind' | 'recurrence' | 'sla_state' | 'assignees'
> & {
  status: TaskStatus
  priority: TaskPriority
  action_kind?: ActionKind
  recurrence?: Recurrence
  sla_state?: SLAState
  assignees: UserRef[]
}
/** The stored task (what the view adds is optional here only in name: every answer is a view). */
export type Task = TaskView

export type Reminder = Omit<Schemas['Reminder'], 'target'> & { target: ReminderTarget }

/** A task as the drawer and the task page edit it, with its parent, subtasks, dependencies, reminders and next dates. */
export type TaskDetail = TaskView &
  Pick<Schemas['TaskDetail'], 'parent'> & {
    subtask_items: TaskView[]
    blockers: TaskRef[]
    blocking: TaskRef[]
    reminders: Reminder[]
    upcoming: string[]
  }

/** POST /tasks and PATCH /tasks/{id}: absent fields stay; '' clears due_at/start_at. */
export type TaskInput = Omit<
  Lists<Schemas['TaskInput'], 'assignee_ids' | 'labels' | 'checklist'>,
  'status' | 'priority' | 'action_kind' | 'recurrence'
> & {
  status?: TaskStatus
  priority?: TaskPriority
  action_kind?: ActionKind
  recurrence?: Recurrence
}

/** A task list with its counts (GET task_lists). */
export type TaskList = Schemas['TaskListView']
/** A list as create and update answer it (without counts). */
export type TaskListSaved = Schemas['List']
export type TaskListInput = Schemas['TaskListInput']
export type TaskListPage = Omit<Schemas['TasksPayload'], 'payload'> & { payload: TaskView[] }
export type BoardColumn = Omit<Schemas['TaskColumn'], 'status' | 'tasks'> & { status: TaskStatus; tasks: TaskView[] }
export type Projected = Schemas['TaskProjected']
export type CalendarData = { payload: TaskView[]; projected: Projected[] }
export type LabelCount = Schemas['TaskLabelCount']
export type TaskSummary = Schemas['TaskSummary']

/** Query of GET /tasks (and, minus status/sort/page, of the board and calendar). */
export interface TaskQuery {
  list_id?: number
  /** comma list of statuses */
  status?: string
  /** me, none or a user id */
  assignee?: string
  label?: string
  /** comma list of priorities */
  priority?: string
  contact_id?: number
  /** the conversation's display number */
  conversation_id?: number
  deal_id?: number
  company_id?: number
  parent_id?: number
  top_level?: boolean
  due_from?: string
  due_to?: string
  overdue?: boolean
  blocked?: boolean
  action?: boolean
  q?: string
  sort?: 'due_at' | 'priority' | 'title' | 'created_at' | 'updated_at' | 'status' | 'position'
  order?: 'asc' | 'desc'
  page?: number
  per_page?: number
}

export type ReminderInput = Omit<Schemas['TaskReminderInput'], 'target'> & { target?: ReminderTarget }

export type SLAPolicy = Omit<Schemas['TaskSLAPolicy'], 'priority'> & { priority?: TaskPriority | '' }
export type SLAPolicyInput = Omit<Schemas['TaskSLAPolicyInput'], 'priority'> & { priority?: TaskPriority | '' }
export type TemplateSubtask = Omit<Schemas['TemplateSubtask'], 'priority'> & { priority?: TaskPriority }
export type TaskTemplate = Omit<
  Lists<Schemas['TaskTemplate'], 'assignee_ids' | 'labels' | 'checklist'>,
  'priority' | 'subtasks'
> & { priority: TaskPriority; subtasks?: TemplateSubtask[] }
export type TaskTemplateInput = Omit<
  Lists<Schemas['TaskTemplateInput'], 'assignee_ids' | 'labels' | 'checklist'>,
  'priority' | 'subtasks'
> & { priority?: TaskPriority; subtasks?: TemplateSubtask[] }
export type ApplyTemplateInput = Lists<Schemas['TemplateApplyInput'], 'assignee_ids'>

export type ActionInput = Omit<Schemas['ActionInput'], 'kind'> & { kind: ActionKind }

export type MailSettings = Schemas['MailSettings']
/** PUT platform/mail: an absent password keeps the stored one. */
export type MailSettingsInput = Omit<Schemas['MailSettingsInput'], 'security'> & { security?: MailSecurity }
export type MailMessage = Omit<Schemas['MailMessage'], 'state'> & { state: MailState }
