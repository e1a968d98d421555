// The chat window's state and flow: configuration, the remembered visitor, the conversation and
// its messages, the live link, and the conversation with the host page (postMessage). Components
// read this one reactive object and call its actions; the rules themselves live in logic.ts.

import { computed, reactive, shallowRef } from 'vue'
import { ApiError, Client } from './api'
import { pickLocale, translator, type Locale } from './i18n'
import { contactFields, fromVisitor, mergeAll, mergeMessage, safeColor, textOn, type PreChatValues } from './logic'
import { connect, type Connection } from './realtime'
import * as stateStore from './state'
import type { Attachment, ChatMessage, Frame, MessageView, VisitorState, WidgetConfig } from './types'

/** View is the screen the window shows. */
export type View = 'loading' | 'error' | 'home' | 'prechat' | 'chat'

const params = new URLSearchParams(location.search)
const token = params.get('website_token') ?? ''
const embedded = window.parent !== window

function uuid(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID()
  return Math.random().toString(36).slice(2) + Date.now().toString(36)
}

const client = new Client(token)

/** chat is the window's single state; components read it and call the actions below. */
export const chat = reactive({
  token,
  locale: pickLocale(params.get('locale'), navigator.language) as Locale,
  config: null as WidgetConfig | null,
  view: 'loading' as View,
  error: '',
  visitor: null as VisitorState | null,
  conversation: null as { id: number; status: string } | null,
  messages: [] as ChatMessage[],
  hasOlder: false,
  online: false,
  typingName: '',
  isOpen: !embedded,
  unread: 0,
  notice: '',
  connected: false,
})

/** t translates into the visitor's language. */
export const t = computed(() => translator(chat.locale))

/** colors are the widget colour and the text colour readable on it. */
export const colors = computed(() => {
  const bg = safeColor(chat.config?.widget_color)
  return { bg, fg: textOn(bg) }
})

const conn = shallowRef<Connection | null>(null)
let convKey = '' // idempotency key of the conversation being started, reused on retry
let typingOn = false
let typingSentAt = 0
let typingTimer: ReturnType<typeof setTimeout> | null = null
let agentTypingTimer: ReturnType<typeof setTimeout> | null = null
let seenAt = 0

function toParent(msg: object) {
  if (embedded) window.parent.postMessage(msg, '*') // nothing secret: counts and "close"
}

/**
 * parentOrigin is the host page's origin, to which the visitor's state is sent: never '*', since
 * the state is the visitor's credential (the page's CSP frame-ancestors already limits who can
 * embed the window, this keeps the state from reaching anyone else).
 */
const parentOrigin = (() => {
  if (!embedded) return ''
  const anc = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins
  if (anc && anc.length) return anc[0]
  try {
    return document.referrer ? new URL(document.referrer).origin : ''
  } catch {
    return ''
  }
})()

/**
 * persist stores the visitor's state where it survives a reload: the window's own storage when
 * the browser allows it, and the host page's (through the SDK), which browsers that block or
 * partition a cross-site frame's storage still keep.
 */
function persist(v: VisitorState | null) {
  if (v) stateStore.save(token, v)
  else stateStore.forget(token)
  if (embedded && parentOrigin) window.parent.postMessage({ parley: 'state', state: v ? JSON.stringify(v) : null }, parentOrigin)
}

/** hostState is the state the SDK read from the host page, delivered right after 'ready'. */
let hostStateArrived: (raw: string | null) => void = () => {}
const hostState = new Promise<string | null>((res) => {
  hostStateArrived = res
  if (!embedded) res(null)
  else setTimeout(() => res(null), 1500) // an older SDK that does not send it
})
let hostStateSeen = false

function setUnread(n: number) {
  if (chat.unread === n) return
  chat.unread = n
  toParent({ parley: 'unread', count: n })
}

function remember() {
  if (chat.visitor) persist(chat.visitor)
}

function visible() {
  return chat.isOpen && document.visibilityState === 'visible'
}

/** markSeen tells Parley the visitor has read the conversation (at most every 2 s). */
function markSeen(force = false) {
  if (!chat.visitor || !chat.conversation || !visible()) return
  const now = Date.now()
  if (!force && now - seenAt < 2000) return
  seenAt = now
  client.seen(chat.visitor.source_id, chat.conversation.id).catch(() => {})
}

function disconnect() {
  conn.value?.close()
  conn.value = null
  chat.connected = false
}

function live() {
  disconnect()
  if (!chat.visitor?.pubsub_token) return
  conn.value = connect({
    url: client.realtimeURL(chat.visitor.pubsub_token),
    onFrame: (f) => onFrame(f as Frame),
    onOpen: (_kind, reconnected) => {
      chat.connected = true
      if (reconnected) void refetch()
    },
    onDown: () => (chat.connected = false),
  })
}

async function refetch() {
  if (!chat.visitor || !chat.conversation) return
  try {
    const ms = await client.messages(chat.visitor.source_id, chat.conversation.id)
    chat.messages = mergeAll(chat.messages, ms)
    const conv = await client.conversation(chat.visitor.source_id, chat.conversation.id)
    chat.conversation.status = conv.status
  } catch {
    /* the next reconnect tries again */
  }
}

async function openConversation(id: number) {
  if (!chat.visitor) return
  if (chat.conversation?.id !== id) {
    chat.conversation = { id, status: 'open' }
    // What the visitor is still sending stays; the rest belongs to the previous conversation.
    chat.messages = chat.messages.filter((m) => m.pending || m.failed)
  }
  chat.visitor.conversation_id = id
  remember()
  const [conv, ms] = await Promise.all([client.conversation(chat.visitor.source_id, id), client.messages(chat.visitor.source_id, id)])
  if (chat.conversation?.id !== id) return
  chat.conversation.status = conv.status
  chat.messages = mergeAll(chat.messages, ms)
  chat.hasOlder = ms.length >= 50
  markSeen(true)
}

/** loadOlder fetches the page before the oldest message shown. */
export async function loadOlder() {
  if (!chat.visitor || !chat.conversation || !chat.hasOlder) return
  const oldest = chat.messages.find((m) => m.id)
  if (!oldest) return
  chat.hasOlder = false
  const ms = await client.messages(chat.visitor.source_id, chat.conversation.id, oldest.id)
  chat.messages = mergeAll(chat.messages, ms)
  chat.hasOlder = ms.length >= 50
}

/** resume picks up a remembered visitor: their latest conversation and the live link. */
async function resume(v: VisitorState) {
  chat.visitor = { ...v }
  try {
    const list = await client.conversations(v.source_id)
    const pick = list.find((c) => c.id === v.conversation_id) ?? list[0]
    live()
    if (pick) {
      await openConversation(pick.id)
      chat.view = 'chat'
    } else {
      chat.conversation = null
      chat.messages = []
      chat.view = 'home'
    }
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 401)) {
      // Parley no longer knows this visitor (deleted contact, another installation): start afresh.
      persist(null)
      chat.visitor = null
      chat.view = 'home'
      return
    }
    throw e
  }
}

function onFrame(f: Frame) {
  switch (f.event) {
    case 'message.created':
    case 'message.updated': {
      const m = f.data
      if (convKey && !chat.conversation) return // ours, being created: the POST answers bring it
      if (!chat.conversation || m.conversation_id > chat.conversation.id) {
        // An agent (or another tab) opened a newer conversation: follow it.
        void openConversation(m.conversation_id).then(() => (chat.view = 'chat'))
        return
      }
      if (m.conversation_id !== chat.conversation.id) return
      const known = chat.messages.some((x) => x.id === m.id)
      chat.messages = mergeMessage(chat.messages, m)
      if (!fromVisitor(m)) {
        chat.typingName = ''
        if (f.event === 'message.created' && !known) {
          if (visible()) markSeen()
          else setUnread(chat.unread + 1)
        }
      }
      return
    }
    case 'conversation.created':
      if (!chat.conversation && !convKey) void openConversation(f.data.id)
      return
    case 'conversation.status_changed':
      if (chat.conversation?.id === f.data.id) chat.conversation.status = f.data.status
      return
    case 'conversation.typing_on':
    case 'conversation.typing_off':
      if (chat.conversation?.id !== f.data.conversation_id) return
      if (agentTypingTimer) clearTimeout(agentTypingTimer)
      chat.typingName = f.event === 'conversation.typing_on' ? f.data.user?.name || t.value('someone') : ''
      // A lost "off" must not leave the indicator up for ever.
      if (chat.typingName) agentTypingTimer = setTimeout(() => (chat.typingName = ''), 30000)
      return
    case 'presence.update':
      chat.online = !!f.data.online
      return
  }
}

async function ensureContact(fields: ReturnType<typeof contactFields> = {}) {
  if (chat.visitor) return chat.visitor
  const c = await client.createContact(fields)
  chat.visitor = { source_id: c.source_id, pubsub_token: c.pubsub_token ?? '' }
  remember()
  live()
  return chat.visitor
}

async function ensureConversation(customAttributes?: Record<string, unknown>) {
  const v = await ensureContact()
  if (chat.conversation) return chat.conversation.id
  convKey ||= uuid()
  const c = await client.startConversation(v.source_id, convKey, customAttributes)
  convKey = ''
  chat.conversation = { id: c.id, status: c.status }
  chat.messages = mergeAll(chat.messages, c.messages ?? [])
  v.conversation_id = c.id
  remember()
  return c.id
}

function patch(key: string, p: Partial<ChatMessage>) {
  const i = chat.messages.findIndex((m) => m.key === key)
  if (i >= 0) chat.messages[i] = { ...chat.messages[i], ...p }
}

function errorText(e: unknown): string {
  if (e instanceof ApiError && e.message) return e.message
  return t.value('error_generic')
}

async function deliver(key: string) {
  const m = chat.messages.find((x) => x.key === key)
  if (!m) return
  patch(key, { pending: true, failed: false, error: '' })
  try {
    const id = await ensureConversation()
    const v = chat.visitor!
    let att: Attachment[] | undefined = m.attachmentInput
    if (m.upload && !att) {
      att = [await client.upload(v.source_id, m.upload)]
      patch(key, { attachmentInput: att })
    }
    const saved = await client.post(v.source_id, id, { content: m.content, source_id: m.source_id!, echo_id: m.echo_id!, attachments: att })
    chat.messages = mergeMessage(chat.messages, saved)
    if (chat.conversation && chat.conversation.status === 'resolved') chat.conversation.status = 'open'
  } catch (e) {
    patch(key, { pending: false, failed: true, error: errorText(e) })
  }
}

function pending(content: string, extra: Partial<ChatMessage> = {}): ChatMessage {
  const echo = uuid()
  return {
    key: 'e' + echo,
    echo_id: echo,
    source_id: uuid(),
    id: 0,
    content,
    conversation_id: chat.conversation?.id ?? 0,
    message_type: 0,
    content_type: 'text',
    content_attributes: { echo_id: echo },
    status: 'sending',
    created_at: Math.floor(Date.now() / 1000),
    sender: null,
    attachments: null,
    pending: true,
    ...extra,
  }
}

/** send posts the visitor's text (creating the contact and conversation on the first one). */
export function send(text: string): boolean {
  const content = text.trim()
  if (!content) return false
  const max = chat.config?.max_message_length || 5000
  if ([...content].length > max) {
    chat.notice = t.value('too_long', { max })
    return false
  }
  chat.notice = ''
  stopTyping()
  const m = pending(content)
  chat.messages = [...chat.messages, m]
  void deliver(m.key)
  return true
}

/** sendFile uploads a file then posts it as a message; too large files are refused here. */
export function sendFile(file: File) {
  const max = chat.config?.max_upload_bytes || 10 << 20
  if (file.size > max) {
    chat.notice = t.value('too_big', { size: `${Math.round(max / (1 << 20))} MB` })
    return
  }
  chat.notice = ''
  const preview: MessageView['attachments'] = [
    { id: 0, file_type: file.type.startsWith('image/') ? 'image' : 'file', content_type: file.type, data_url: file.type.startsWith('image/') ? URL.createObjectURL(file) : '', thumb_url: '', file_size: file.size, name: file.name },
  ]
  const m = pending('', { upload: file, attachments: preview })
  chat.messages = [...chat.messages, m]
  void deliver(m.key)
}

/** retry sends a failed message again with the same source id, so it is stored at most once. */
export function retry(key: string) {
  void deliver(key)
}

/** typing tells the agents the visitor is typing: at most every 2.5 s, "off" after 3 s idle. */
export function typing() {
  if (!chat.visitor || !chat.conversation) return
  const now = Date.now()
  if (!typingOn || now - typingSentAt > 2500) {
    typingOn = true
    typingSentAt = now
    client.typing(chat.visitor.source_id, chat.conversation.id, true).catch(() => {})
  }
  if (typingTimer) clearTimeout(typingTimer)
  typingTimer = setTimeout(stopTyping, 3000)
}

function stopTyping() {
  if (typingTimer) clearTimeout(typingTimer)
  typingTimer = null
  if (!typingOn || !chat.visitor || !chat.conversation) return
  typingOn = false
  client.typing(chat.visitor.source_id, chat.conversation.id, false).catch(() => {})
}

/** start leaves the home screen: the pre-chat form first when the inbox asks for it. */
export function start() {
  chat.view = chat.config?.pre_chat_form?.enabled && !chat.visitor ? 'prechat' : 'chat'
}

/** submitPreChat creates the contact from the form, then the conversation, then the first message. */
export async function submitPreChat(values: PreChatValues, message: string) {
  const fields = chat.config?.pre_chat_form.fields ?? []
  await ensureContact(contactFields(fields, values))
  await ensureConversation()
  chat.view = 'chat'
  if (message.trim()) send(message)
}

/** endConversation resolves the visitor's conversation. */
export async function endConversation() {
  if (!chat.visitor || !chat.conversation) return
  try {
    const c = await client.resolve(chat.visitor.source_id, chat.conversation.id)
    chat.conversation.status = c.status
  } catch (e) {
    chat.notice = errorText(e)
  }
}

/** close asks the host page to hide the window. */
export function close() {
  toParent({ parley: 'close' })
}

function reset() {
  disconnect()
  persist(null)
  chat.visitor = null
  chat.conversation = null
  chat.messages = []
  chat.typingName = ''
  setUnread(0)
  chat.view = chat.config ? 'home' : chat.view
}

type SetUser = { identifier?: string; identifier_hash?: string; name?: string; email?: string; phone_number?: string }

async function setUser(u: SetUser) {
  const identifier = (u.identifier ?? '').trim()
  const attrs = { name: u.name || undefined, email: u.email || undefined, phone_number: u.phone_number || undefined }
  try {
    if (chat.visitor && (!identifier || chat.visitor.identifier === identifier)) {
      await client.updateContact(chat.visitor.source_id, attrs)
      return
    }
    // A different identity: a verified one brings back the same contact on every device.
    const c = await client.createContact({ identifier: identifier || undefined, identifier_hash: u.identifier_hash || undefined, ...attrs })
    disconnect()
    const v: VisitorState = { source_id: c.source_id, pubsub_token: c.pubsub_token ?? '', identifier: identifier || undefined }
    persist(v)
    await resume(v)
  } catch (e) {
    console.warn('Parley: setUser failed:', errorText(e))
  }
}

function onParent(ev: MessageEvent) {
  if (!embedded || ev.source !== window.parent) return
  const d = ev.data as { parley?: string } & SetUser
  if (!d || typeof d !== 'object') return
  switch (d.parley) {
    case 'open':
      chat.isOpen = true
      setUnread(0)
      markSeen(true)
      break
    case 'closed':
      chat.isOpen = false
      stopTyping()
      break
    case 'set-user':
      void setUser(d)
      break
    case 'reset':
      reset()
      break
    case 'state': {
      const raw = typeof (d as { state?: unknown }).state === 'string' ? ((d as { state: string }).state) : null
      if (!hostStateSeen) {
        hostStateSeen = true
        hostStateArrived(raw)
      } else applyState(stateStore.parseState(raw)) // another tab of the site changed it
      break
    }
  }
}

function onStorage(ev: StorageEvent) {
  if (ev.key !== stateStore.storageKey(token)) return
  applyState(stateStore.parseState(ev.newValue))
}

/** applyState follows a visitor state another tab wrote. */
function applyState(next: VisitorState | null) {
  if (!next) {
    // Another tab reset the visitor.
    if (chat.visitor) reset()
    return
  }
  if (!chat.visitor || chat.visitor.source_id !== next.source_id) {
    void resume(next)
    return
  }
  if (next.conversation_id && next.conversation_id !== chat.conversation?.id) {
    chat.visitor = { ...chat.visitor, ...next }
    void openConversation(next.conversation_id).then(() => (chat.view = 'chat'))
  }
}

/** init loads the config and the remembered visitor and tells the host page it is ready. */
export async function init() {
  window.addEventListener('message', onParent)
  window.addEventListener('storage', onStorage)
  document.addEventListener('visibilitychange', () => markSeen(true))
  toParent({ parley: 'ready' })
  if (!token) {
    chat.view = 'error'
    chat.error = t.value('error_unavailable')
    return
  }
  try {
    chat.config = await client.config()
    chat.online = chat.config.online
    const v = stateStore.parseState(await hostState) ?? stateStore.load(token)
    if (v) await resume(v)
    else chat.view = 'home'
  } catch (e) {
    chat.view = 'error'
    chat.error = e instanceof ApiError && e.status === 404 ? t.value('error_unavailable') : errorText(e)
  }
}
