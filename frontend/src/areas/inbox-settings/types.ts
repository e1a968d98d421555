// API shapes of the inbox settings pages, taken from the generated schema (src/api/schema.d.ts,
// made by `make api-types` from the server's OpenAPI document) so that a change on the server is
// a type error here. Only narrowings live in this file: where Go says `string` for a closed set
// (macro visibility, action names), the union is spelled out.
import type { components } from '@/api/schema'

// The server accepts unknown fields, so every schema carries `[key: string]: unknown`; Known keeps
// only the declared properties (the same trick as src/api/types.ts), so a misspelt field is an error.
type Known<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] }
type Schemas = { [K in keyof components['schemas']]: Known<components['schemas'][K]> }

export type Id = number

/**
 * One weekday of an inbox's business hours, as Chatwoot sends it (0 = Sunday). The times are
 * read only for a day that is neither closed nor open all day; they may be absent otherwise.
 */
export type WorkingHour = Schemas['WorkingHour']

export type Inbox = Schemas['InboxView']
/** What POST/PATCH /inboxes accept: any subset of the inbox's writable fields. */
export type InboxInput = Schemas['InboxInput']
/** A channel secret (hmac_token, webhook_secret) as the rotate answer shows it, once. */
export type InboxSecret = Schemas['Secret']

export type Label = Schemas['Label']
export type LabelInput = Schemas['LabelInput']

export type CannedResponse = Schemas['CannedResponse']
export type CannedResponseInput = Schemas['CannedInput']

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

/** One step of a macro; the server keeps the parameters as they come (ids, titles, text). */
export type MacroAction = Omit<Schemas['Action'], 'action_name' | 'action_params'> & {
  action_name: ActionName
  action_params?: Array<string | number> | null
}

export type Macro = Omit<Schemas['Macro'], 'visibility' | 'actions'> & {
  visibility: MacroVisibility
  actions: MacroAction[] | null
}
export type MacroInput = Omit<Schemas['MacroInput'], 'actions'> & { actions?: MacroAction[] }

/** Thresholds are minutes; 0 means no target. */
export type SlaPolicy = Schemas['SLAPolicy']
export type SlaPolicyInput = Schemas['SLAPolicyInput']

/** One answer to a satisfaction survey; conversation_id is the conversation's display number. */
export type CsatResponse = Schemas['CSATItem']
/** One page of the CSAT report (newest first, 25 a page). */
export type CsatPage = Schemas['CSATPage']
/** The CSAT headline numbers as the server sends them (Chatwoot's names). */
export type CsatSummary = Schemas['CSATSummary']

/** The CSAT headline numbers as the report shows them (normalizeMetrics fills it from CsatSummary). */
export interface CsatMetrics {
  count: number
  average: number
  /** Responses per rating: {"1": 3, …}. */
  distribution: Record<string, number>
  /** Percentage (0–100) of responses rated 4 or 5. */
  satisfaction: number
  /** Percentage (0–100) of surveys sent that got an answer. */
  response_rate: number
  surveys_sent: number
}

/** The account's quiet hours for automated messages ("HH:MM" in the account's time zone). */
export type DoNotDisturb = Schemas['DoNotDisturb']
