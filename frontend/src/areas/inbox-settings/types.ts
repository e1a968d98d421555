// API shapes of the inbox settings pages (Chatwoot-compatible JSON), written by hand until the
// server's OpenAPI document describes them and `make api-types` can generate them.

export type Id = number

/**
 * One weekday of an inbox's business hours, as Chatwoot sends it (0 = Sunday). The times are
 * read only for a day that is neither closed nor open all day; they may be absent otherwise.
 */
export interface WorkingHour {
  day_of_week: number
  closed_all_day: boolean
  open_all_day: boolean
  open_hour?: number | null
  open_minutes?: number | null
  close_hour?: number | null
  close_minutes?: number | null
}

export interface Inbox {
  id: Id
  account_id: Id
  name: string
  channel_type: string
  enabled: boolean
  inbox_identifier: string
  greeting_enabled: boolean
  greeting_message: string
  working_hours_enabled: boolean
  out_of_office_message: string
  /** The account's time zone; business hours are read in it. */
  timezone?: string
  working_hours: WorkingHour[]
  enable_auto_assignment: boolean
  auto_assignment_config: { max_assignment_limit: number | null }
  csat_survey_enabled: boolean
  lock_to_single_conversation: boolean
  sla_policy_id: Id | null
  member_ids: Id[]
  team_ids: Id[]
  channel?: Record<string, unknown>
}

/** What POST/PATCH /inboxes accept: any subset of the inbox's writable fields. */
export type InboxInput = Partial<Omit<Inbox, 'id' | 'account_id' | 'inbox_identifier' | 'timezone'>>

export interface Label {
  id: Id
  title: string
  description: string
  color: string
  show_on_sidebar: boolean
}
export type LabelInput = Omit<Label, 'id'>

export interface CannedResponse {
  id: Id
  short_code: string
  content: string
}
export type CannedResponseInput = Omit<CannedResponse, 'id'>

export type MacroVisibility = 'personal' | 'global'

export const ACTION_NAMES = [
  'add_label',
  'remove_label',
  'assign_agent',
  'assign_team',
  'remove_assigned_agent',
  'remove_assigned_team',
  'change_status',
  'change_priority',
  'send_message',
  'send_canned_response',
  'add_private_note',
] as const
export type ActionName = (typeof ACTION_NAMES)[number]

export interface MacroAction {
  action_name: ActionName
  action_params?: Array<string | number>
}

export interface Macro {
  id: Id
  name: string
  visibility: MacroVisibility
  created_by_id: Id
  actions: MacroAction[]
}
export type MacroInput = Pick<Macro, 'name' | 'visibility' | 'actions'>

export interface SlaPolicy {
  id: Id
  name: string
  description: string
  /** Minutes; 0 or null means no target. */
  first_response_time_threshold: number | null
  next_response_time_threshold: number | null
  resolution_time_threshold: number | null
  only_during_business_hours: boolean
}
export type SlaPolicyInput = Omit<SlaPolicy, 'id'>

/** A person or contact as embedded in other records. */
export interface PersonRef {
  id: Id
  name: string
  email?: string
  thumbnail?: string
  avatar_url?: string
}

export interface CsatResponse {
  id: Id
  rating: number
  feedback_message: string
  /** The conversation's display number. */
  conversation_id: Id
  contact_id?: Id
  contact_name?: string
  contact?: PersonRef | null
  assigned_agent_id?: Id
  assigned_agent_name?: string
  assigned_agent?: PersonRef | null
  inbox_id?: Id
  /** Unix seconds or an RFC 3339 string, depending on the route. */
  created_at: number | string
}

/** One page of the CSAT report (newest first, 25 a page). */
export interface CsatPage {
  payload: CsatResponse[]
  total_count: number
  current_page: number
}

/** The CSAT headline numbers, whichever names the server uses (normalizeMetrics reads both). */
export interface CsatMetrics {
  count: number
  average: number
  /** Responses per rating: {"1": 3, …} or [n1, n2, n3, n4, n5]. */
  distribution: Record<string, number> | number[]
  /** Percentage (0–100) of responses rated 4 or 5. */
  satisfaction: number
  /** Percentage (0–100) of surveys sent that got an answer. */
  response_rate: number
  surveys_sent?: number
}

/** The account's quiet hours for automated messages ("HH:MM" in the account's time zone). */
export interface DoNotDisturb {
  enabled: boolean
  start: string
  end: string
}
