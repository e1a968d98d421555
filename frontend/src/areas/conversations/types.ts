// The inbox's API shapes. The server's Go types say `string` for closed sets and leave out the
// nulls of pointers, so the shapes the UI relies on are spelled out here; each is checked
// against the generated schema (src/api/schema.d.ts) at the bottom of this file, so a field the
// server renames or drops becomes a type error. Plain records are aliased to the schema.
import type { components } from '@/api/schema'

// As in src/api/types.ts: keep only the declared properties (every schema also carries an
// `[key: string]: unknown` for Chatwoot's extra fields).
type Known<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] }
type Schemas = { [K in keyof components['schemas']]: Known<components['schemas'][K]> }

export type ConversationStatus = 'open' | 'pending' | 'snoozed' | 'resolved'
export type StatusFilter = ConversationStatus | 'all'
export type Priority = 'urgent' | 'high' | 'medium' | 'low'
export type AssigneeTab = 'me' | 'unassigned' | 'all'
export type DeliveryStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed'
export type SlaState = 'on_track' | 'due_soon' | 'breached' | 'met'

/** message_type numbers as Chatwoot sends them. */
export const MessageType = { incoming: 0, outgoing: 1, activity: 2, template: 3 } as const
export type MessageTypeNum = (typeof MessageType)[keyof typeof MessageType]

export interface ContactRef {
  id: number
  name: string
  email?: string | null
  phone_number?: string | null
  identifier?: string | null
  thumbnail?: string | null
  blocked?: boolean
}

export interface AssigneeRef {
  id: number
  name: string
  available_name?: string
  avatar_url?: string | null
  availability_status?: string
}

export interface TeamRef {
  id: number
  name: string
}

export interface ConversationSla {
  policy_id: number
  name: string
  state: SlaState
  next_due_at: number | null
  breaches: string[]
}

export interface Attachment {
  id: number
  message_id: number
  file_type: 'image' | 'audio' | 'video' | 'file' | 'location' | 'contact' | string
  data_url?: string | null
  thumb_url?: string | null
  file_size?: number
  extension?: string | null
  name?: string | null
  coordinates_lat?: number | null
  coordinates_long?: number | null
  fallback_title?: string | null
  phone_number?: string | null
}

export interface MessageSender {
  id: number
  name: string
  avatar_url?: string | null
  thumbnail?: string | null
  type: 'user' | 'contact' | 'agent_bot' | string
}

export interface Message {
  id: number
  content: string | null
  account_id: number
  inbox_id: number
  /** The conversation's display number. */
  conversation_id: number
  message_type: MessageTypeNum
  content_type?: string
  content_attributes?: Record<string, unknown>
  private: boolean
  status: DeliveryStatus
  /** Unix seconds. */
  created_at: number
  source_id?: string | null
  sender?: MessageSender | null
  attachments?: Attachment[]
  mentions?: number[]
  error?: string
}

export interface Conversation {
  /** The per-account display number. */
  id: number
  uuid?: string
  account_id: number
  inbox_id: number
  status: ConversationStatus
  priority: Priority | null
  labels: string[]
  snoozed_until: number | null
  unread_count: number
  last_activity_at: number
  created_at: number
  timestamp?: number
  first_reply_created_at: number | null
  waiting_since: number | null
  custom_attributes: Record<string, unknown>
  additional_attributes: Record<string, unknown>
  can_reply: boolean
  bot_enabled: boolean
  team_id: number | null
  meta: {
    sender: ContactRef
    assignee: AssigneeRef | null
    team: TeamRef | null
    channel: string
    hmac_verified?: boolean
  }
  messages: Message[]
  sla: ConversationSla | null
}

export type ConversationCounts = Schemas['Counts']

export interface ConversationListResponse {
  data: { meta: ConversationCounts; payload: Conversation[] }
}

export interface MessagesResponse {
  meta: { contact?: unknown; assignee?: unknown; labels?: string[] }
  payload: Message[]
}

export interface ToggleStatusResponse {
  meta: Record<string, unknown>
  payload: { success: boolean; current_status: ConversationStatus; conversation_id: number; snoozed_until: number | null }
}

/** Filter is the saved-view query (and the list's own filter state). */
export interface Filter {
  status?: StatusFilter
  assignee_type?: AssigneeTab | 'assigned'
  assignee_id?: number
  inbox_id?: number
  team_id?: number
  labels?: string[]
  priority?: string
  unread?: boolean
  sort?: 'last_activity_at' | 'created_at'
}

export interface SavedView {
  id: number
  name: string
  filter_type?: string
  query: Filter
}

export type Label = Schemas['Label']

export interface Inbox {
  id: number
  account_id: number
  name: string
  channel_type: string
  enabled?: boolean
  /** Who works the inbox (besides its teams' members); assignment accepts only them. */
  member_ids?: number[] | null
  team_ids?: number[] | null
}

export type CannedResponse = Schemas['CannedResponse']

export interface Macro {
  id: number
  name: string
  visibility: 'personal' | 'global'
  created_by_id?: number
  actions: Array<{ action_name: string; action_params: unknown[] }>
}

export interface ScheduledMessage {
  id: number
  conversation_id: number
  author_id: number
  content: string
  private: boolean
  /** RFC 3339. */
  send_at: string
  status: 'scheduled' | 'sent' | 'cancelled' | 'failed'
  error?: string
}

export interface Contact {
  id: number
  name: string
  email?: string | null
  phone_number?: string | null
  identifier?: string | null
  thumbnail?: string | null
  blocked?: boolean
  bot_enabled?: boolean
  city?: string | null
  country?: string | null
  company_name?: string | null
  custom_attributes?: Record<string, unknown>
  additional_attributes?: Record<string, unknown>
  created_at?: number | string
  last_activity_at?: number | string | null
}

export interface SearchResults {
  payload: {
    conversations: Conversation[]
    messages: Message[]
    contacts: ContactRef[]
  }
}

/** The stored file an upload returns, to be sent in a message's attachments. */
export interface Upload {
  [key: string]: unknown
  file_type?: string
  name?: string
  file_size?: number
  hash?: string
  blob_key?: string
  data_url?: string
}

/** The Ref every conversation event carries (internal id plus the display number). */
export interface EventConversationRef {
  id: number
  display_id: number
  inbox_id: number
  contact_id: number
  assignee_id: number
  team_id: number
  status: ConversationStatus
  priority: string
  labels: string[] | null
}

/** The data of a conversation or message realtime event. */
export interface ConversationEventData {
  conversation: EventConversationRef
  /** The stored message; its shape may be the internal one (string type, RFC 3339 times). */
  message?: Record<string, unknown>
  previous_status?: ConversationStatus
  changed?: string[]
  user_id?: number
}

// ---------------------------------------------------------------------------------------------
// Drift checks: every field the UI reads must exist in the server's schema. A failing line
// names the fields the server no longer sends.

type Extra<Mine, Theirs> = Exclude<keyof Mine, keyof Theirs>
type NoExtra<Mine, Theirs> = [Extra<Mine, Theirs>] extends [never] ? true : Extra<Mine, Theirs>

export const schemaChecks: {
  conversation: NoExtra<Conversation, Schemas['ConversationView']>
  conversationMeta: NoExtra<Conversation['meta'], Schemas['ConversationMeta']>
  sender: NoExtra<ContactRef, Schemas['ContactSummary']>
  assignee: NoExtra<AssigneeRef, Schemas['AssigneeView']>
  team: NoExtra<TeamRef, Schemas['TeamSummary']>
  sla: NoExtra<ConversationSla, Schemas['SLAView']>
  message: NoExtra<Message, Schemas['MessageView']>
  messageSender: NoExtra<MessageSender, Schemas['SenderView']>
  attachment: NoExtra<Attachment, Schemas['AttachmentView']>
  messagesPage: NoExtra<MessagesResponse, Schemas['MessagesPage']>
  list: NoExtra<ConversationListResponse['data'], Schemas['ListResult']>
  search: NoExtra<SearchResults['payload'], Schemas['SearchPayload']>
  scheduled: NoExtra<ScheduledMessage, Schemas['ScheduledMessage']>
  savedView: NoExtra<SavedView, Schemas['CustomFilter']>
  filter: NoExtra<Filter, Schemas['Filter']>
  macro: NoExtra<Macro, Schemas['Macro']>
  inbox: NoExtra<Inbox, Schemas['InboxView']>
  contact: NoExtra<Contact, Schemas['ContactView']>
} = {
  conversation: true,
  conversationMeta: true,
  sender: true,
  assignee: true,
  team: true,
  sla: true,
  message: true,
  messageSender: true,
  attachment: true,
  messagesPage: true,
  list: true,
  search: true,
  scheduled: true,
  savedView: true,
  filter: true,
  macro: true,
  inbox: true,
  contact: true,
}
