// Types of the tasks API (app/tasks, /tmp-era contract: app/api/tasks.go and friends). Written by
// hand while the routes are built; they are to be derived from the generated schema
// (src/api/types.ts Schemas) once `make api-types` has the routes.

export type TaskStatus = 'todo' | 'in_progress' | 'done' | 'cancelled'
export type TaskPriority = 'none' | 'low' | 'medium' | 'high' | 'urgent'
export type ActionKind = 'call' | 'message' | 'email' | 'other'
export const STATUSES: TaskStatus[] = ['todo', 'in_progress', 'done', 'cancelled']
export const PRIORITIES: TaskPriority[] = ['none', 'low', 'medium', 'high', 'urgent']

export interface ChecklistItem { id: number; text: string; done: boolean }
export interface Recurrence {
  freq: 'daily' | 'weekly' | 'monthly' | 'yearly' | ''
  interval: number
  weekdays?: string[]
  until?: string
  count?: number
  anchor?: string
}
export interface SLA { policy_id: number; start_by?: string; finish_by?: string; start_breached_at?: string; finish_breached_at?: string }
export interface SLAState { policy_id: number; start: 'none' | 'ok' | 'met' | 'breached'; finish: 'none' | 'ok' | 'met' | 'breached'; start_by?: string; finish_by?: string }
export interface UserRef { id: number; name: string }
export interface LinkRef { id: number; name?: string; hidden?: boolean; missing?: boolean }
export interface TaskRef { id: number; title: string; status: TaskStatus; due_at?: string }
export interface Progress { done: number; total: number }

export interface Task {
  id: number
  account_id: number
  list_id?: number
  parent_id?: number
  title: string
  description?: string
  status: TaskStatus
  priority: TaskPriority
  position: number
  assignee_ids?: number[]
  creator_id?: number
  start_at?: string
  due_at?: string
  all_day?: boolean
  labels?: string[]
  custom_attributes?: Record<string, unknown>
  contact_id?: number
  conversation_id?: number
  deal_id?: number
  company_id?: number
  blocked_by?: number[]
  checklist?: ChecklistItem[]
  recurrence?: Recurrence
  series_id?: number
  occurrence?: number
  next_id?: number
  sla?: SLA
  template_id?: number
  action_kind?: ActionKind
  source?: string
  started_at?: string
  completed_at?: string
  completed_by?: number
  cancelled_at?: string
  created_at: string
  updated_at: string
}

export interface TaskView extends Task {
  assignees: UserRef[]
  list_name?: string
  blocked: boolean
  overdue: boolean
  subtasks: Progress
  checklist_progress: Progress
  contact?: LinkRef
  conversation?: LinkRef
  deal?: LinkRef
  company?: LinkRef
  sla_state?: SLAState
  next_reminder_at?: string
}

export interface Reminder {
  id: number
  account_id: number
  task_id: number
  at: string
  app: boolean
  email: boolean
  target: 'me' | 'user' | 'assignees'
  user_id?: number
  created_by: number
  fired_at?: string
  outcome?: string
  created_at: string
}

export interface TaskDetail extends TaskView {
  parent?: TaskRef
  subtask_items: TaskView[]
  blockers: TaskRef[]
  blocking: TaskRef[]
  reminders: Reminder[]
  upcoming: string[]
}

/** POST /tasks and PATCH /tasks/{id}: absent fields stay; '' clears due_at/start_at. */
export interface TaskInput {
  title?: string
  description?: string
  status?: TaskStatus
  priority?: TaskPriority
  list_id?: number
  parent_id?: number
  assignee_ids?: number[]
  start_at?: string
  due_at?: string
  all_day?: boolean
  labels?: string[]
  custom_attributes?: Record<string, unknown>
  contact_id?: number
  conversation_id?: number
  deal_id?: number
  company_id?: number
  recurrence?: Recurrence
  checklist?: string[]
  action_kind?: ActionKind
  source?: string
}

export interface TaskList { id: number; account_id: number; name: string; color: string; position: number; system?: string; open_count: number; total_count: number; created_at: string; updated_at: string }
export interface TaskListPage { meta: { count: number; current_page: number }; payload: TaskView[] }
export interface BoardColumn { status: TaskStatus; count: number; tasks: TaskView[] }
export interface Projected { task_id: number; title: string; due_at: string; occurrence: number; all_day?: boolean }
export interface CalendarData { payload: TaskView[]; projected: Projected[] }
export interface LabelCount { label: string; count: number }
export interface TaskSummary { mine_open: number; mine_overdue: number; mine_due_today: number; actions_open: number }

/** Query of GET /tasks (and, minus status/sort/page, of the board and calendar). */
export interface TaskQuery {
  list_id?: number
  status?: string
  assignee?: string
  label?: string
  priority?: string
  contact_id?: number
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

export interface ReminderInput { at: string; app: boolean; email: boolean; target: 'me' | 'user' | 'assignees'; user_id?: number }

export interface SLAPolicy { id: number; account_id: number; name: string; list_id?: number; priority?: string; start_minutes?: number; finish_minutes?: number; enabled: boolean; position: number; created_at: string; updated_at: string }
export interface TemplateSubtask { title: string; priority?: string; assignee_id?: number; due_offset_days?: number }
export interface TaskTemplate {
  id: number
  account_id: number
  name: string
  title: string
  description?: string
  priority: TaskPriority
  list_id?: number
  assignee_ids?: number[]
  labels?: string[]
  due_offset_days?: number
  checklist?: string[]
  subtasks?: TemplateSubtask[]
  custom_attributes?: Record<string, unknown>
  created_at: string
  updated_at: string
}
export interface ApplyTemplateInput { title?: string; list_id?: number; due_at?: string; assignee_ids?: number[]; contact_id?: number; conversation_id?: number; deal_id?: number; company_id?: number }

export interface ActionInput { kind: ActionKind; title: string; note?: string; contact_id?: number; conversation_id?: number; assignee_id?: number; source?: string; due_at?: string }

export interface MailSettings { enabled: boolean; host: string; port: number; security: 'starttls' | 'tls' | 'none'; username: string; password_set: boolean; from_name: string; from_address: string; password?: string }
export interface MailMessage { id: number; account_id: number; user_id?: number; to?: string; subject: string; state: 'queued' | 'sent' | 'failed'; attempts: number; last_error?: string; sent_at?: string; created_at: string }
