// The shapes the chat window reads from Parley's public widget and client API. They mirror the Go
// types (widget.WidgetConfig, client.PublicContact, conversations.MessageView/PublicConversation)
// by hand because those routes are public and not part of the account API's generated schema.

/** A field of the pre-chat form, as the inbox settings define it (enabled ones only). */
export interface PreChatField {
  name: string
  label: string
  type: 'text' | 'email' | 'phone' | 'number' | 'checkbox' | 'list'
  required: boolean
  enabled?: boolean
  values?: string[]
}

/** WidgetConfig is GET /public/api/v1/widget/{website_token}/config. */
export interface WidgetConfig {
  website_token: string
  inbox_name: string
  website_url: string
  widget_color: string
  position: 'left' | 'right'
  avatar_url: string
  welcome_title: string
  welcome_tagline: string
  reply_time: 'in_a_few_minutes' | 'in_a_few_hours' | 'in_a_day' | string
  online: boolean
  offline_message: string
  business_hours_enabled: boolean
  next_open_at: number | null
  timezone: string
  greeting_enabled: boolean
  greeting_message: string
  pre_chat_form: { enabled: boolean; message: string; fields: PreChatField[] }
  features: { attachments: boolean; emoji_picker: boolean; end_conversation: boolean }
  hmac_mandatory: boolean
  csat_enabled: boolean
  locale: string
  max_upload_bytes: number
  max_message_length: number
}

/** PublicContact is the visitor's contact; pubsub_token only comes back on creation. */
export interface PublicContact {
  id: number
  source_id: string
  pubsub_token?: string
  name: string
  email: string
  phone_number: string
  identifier: string
}

export interface SenderView {
  id: number
  name: string
  avatar_url: string
  type: string
}

export interface AttachmentView {
  id: number
  file_type: string
  content_type?: string
  data_url: string
  thumb_url: string
  file_size: number
  name: string
}

/** MessageView is one message as the contact sees it. message_type 0 is the visitor's own. */
export interface MessageView {
  id: number
  content: string
  conversation_id: number
  message_type: number
  content_type: string
  content_attributes: Record<string, unknown> | null
  status: string
  created_at: number
  sender: SenderView | null
  attachments: AttachmentView[] | null
}

export interface PublicConversation {
  id: number
  inbox_id: number
  status: string
  created_at: number
  csat_survey_enabled: boolean
  messages: MessageView[] | null
}

/** Attachment is what an upload returns; a message references it by hash. */
export interface Attachment {
  file_type: string
  hash: string
  name: string
  content_type: string
  file_size: number
}

/**
 * ChatMessage is a message in the window: a stored one (id > 0) or one still being sent
 * (pending, keyed by its echo id), which keeps its source id so a retry cannot double-post.
 */
export interface ChatMessage extends MessageView {
  key: string
  echo_id?: string
  source_id?: string
  pending?: boolean
  failed?: boolean
  error?: string
  /** upload is the file a pending message still has to upload before it can be posted. */
  upload?: File
  attachmentInput?: Attachment[]
}

/** Frame is one realtime message from /public/api/v1/inboxes/{token}/realtime. */
export type Frame =
  | { event: 'message.created' | 'message.updated'; data: MessageView }
  | { event: 'conversation.created' | 'conversation.status_changed'; data: { id: number; status: string } }
  | { event: 'conversation.typing_on' | 'conversation.typing_off'; data: { conversation_id: number; user: { name: string; avatar_url: string } } }
  | { event: 'presence.update'; data: { online: boolean } }

/** VisitorState is what a browser remembers (per site, in localStorage) to resume its chat. */
export interface VisitorState {
  source_id: string
  pubsub_token: string
  conversation_id?: number
  identifier?: string
}
