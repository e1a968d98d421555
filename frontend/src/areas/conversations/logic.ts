// The inbox's pure logic: canned-response variables, mentions, the composer's "/" and "@"
// triggers, snooze times, day grouping, and the reducers that fold realtime events into the
// list and the open thread. No Vue and no fetch here, so all of it is unit-tested directly.

import {
  MessageType,
  type AssigneeRef,
  type AssigneeTab,
  type Attachment,
  type Conversation,
  type ConversationCounts,
  type ConversationEventData,
  type ConversationStatus,
  type DeliveryStatus,
  type EventConversationRef,
  type Filter,
  type Message,
  type MessageSender,
  type MessageTypeNum,
  type Priority,
} from './types'

// ---------------------------------------------------------------------------------------------
// Canned responses

/** What a canned response's {{variables}} are filled from. */
export interface CannedContext {
  contact?: { name?: string | null; email?: string | null; phone_number?: string | null } | null
  agent?: { name?: string | null } | null
  conversation?: { id?: number | null } | null
  account?: { name?: string | null } | null
}

export const CANNED_VARIABLES = [
  'contact.name',
  'contact.first_name',
  'contact.email',
  'contact.phone',
  'agent.name',
  'agent.first_name',
  'conversation.id',
  'account.name',
] as const

function firstName(name: string | null | undefined): string {
  return (name ?? '').trim().split(/\s+/)[0] ?? ''
}

/**
 * renderCanned fills {{contact.name}}-style variables. A known variable without a value becomes
 * empty (no "{{contact.email}}" reaches a customer); an unknown one is left as written so the
 * agent sees it and can fix it before sending.
 */
export function renderCanned(template: string, ctx: CannedContext): string {
  const values: Record<string, string> = {
    'contact.name': ctx.contact?.name ?? '',
    'contact.first_name': firstName(ctx.contact?.name),
    'contact.email': ctx.contact?.email ?? '',
    'contact.phone': ctx.contact?.phone_number ?? '',
    'agent.name': ctx.agent?.name ?? '',
    'agent.first_name': firstName(ctx.agent?.name),
    'conversation.id': ctx.conversation?.id != null ? String(ctx.conversation.id) : '',
    'account.name': ctx.account?.name ?? '',
  }
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, key: string) => (key in values ? values[key] : whole))
}

/** filterCanned keeps the responses whose short code or text contains the query, short-code hits first. */
export function filterCanned<T extends { short_code: string; content: string }>(list: T[], query: string): T[] {
  const q = query.trim().toLowerCase()
  if (!q) return list
  const byCode = list.filter((c) => c.short_code.toLowerCase().includes(q))
  const byText = list.filter((c) => !byCode.includes(c) && c.content.toLowerCase().includes(q))
  return [...byCode, ...byText]
}

// ---------------------------------------------------------------------------------------------
// Mentions: stored as Markdown links [@Name](mention://user/ID/Name), shown as @Name.

export interface Mention {
  id: number
  name: string
}

/** mentionMarkup is what the composer inserts for an @mention. */
export function mentionMarkup(user: Mention): string {
  const name = user.name.replace(/[[\]]/g, '')
  return `[@${name}](mention://user/${user.id}/${encodeURIComponent(name)})`
}

const MENTION_RE = /\[@([^\]]*)\]\(mention:\/\/user\/(\d+)\/([^)]*)\)/g

/** parseMentions lists the users a note mentions, each once, in order. */
export function parseMentions(text: string): Mention[] {
  const out: Mention[] = []
  for (const m of text.matchAll(MENTION_RE)) {
    const id = Number(m[2])
    if (!out.some((x) => x.id === id)) out.push({ id, name: m[1] })
  }
  return out
}

export type ContentPart = { kind: 'text'; text: string } | { kind: 'mention'; id: number; name: string }

/** splitMentions cuts a message into text and mentions so the UI renders them without HTML. */
export function splitMentions(text: string): ContentPart[] {
  const parts: ContentPart[] = []
  let last = 0
  for (const m of text.matchAll(MENTION_RE)) {
    if (m.index! > last) parts.push({ kind: 'text', text: text.slice(last, m.index) })
    parts.push({ kind: 'mention', id: Number(m[2]), name: m[1] })
    last = m.index! + m[0].length
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) })
  return parts
}

/** plainText shows mentions as @Name (list previews, notifications). */
export function plainText(text: string | null | undefined): string {
  return (text ?? '').replace(MENTION_RE, (_w, name: string) => `@${name}`)
}

// ---------------------------------------------------------------------------------------------
// Composer triggers and text editing

export interface Trigger {
  char: '/' | '@'
  /** What was typed after the trigger character. */
  query: string
  /** Index of the trigger character. */
  start: number
}

/**
 * triggerAt finds a "/" or "@" token that ends at the caret: the character starts the text or
 * follows whitespace, and no whitespace follows it (an @ in an e-mail address is no trigger).
 */
export function triggerAt(text: string, caret: number): Trigger | null {
  const before = text.slice(0, caret)
  const m = /(^|\s)([/@])([^\s/@]*)$/.exec(before)
  if (!m) return null
  return { char: m[2] as '/' | '@', query: m[3], start: caret - m[3].length - 1 }
}

/** replaceRange puts insertion between from and to and says where the caret goes after it. */
export function replaceRange(text: string, from: number, to: number, insertion: string): { text: string; caret: number } {
  return { text: text.slice(0, from) + insertion + text.slice(to), caret: from + insertion.length }
}

/** insertMention replaces the "@query" token with the mention markup and a space. */
export function insertMention(text: string, trigger: Trigger, caret: number, user: Mention): { text: string; caret: number } {
  return replaceRange(text, trigger.start, caret, mentionMarkup(user) + ' ')
}

// ---------------------------------------------------------------------------------------------
// Snooze

export type SnoozeOption = '1h' | 'tomorrow' | 'next_week' | 'next_reply'

/**
 * snoozeUntil turns a menu choice into unix seconds in the viewer's local time: tomorrow and
 * next week mean 9:00; "until next reply" is null.
 */
export function snoozeUntil(option: SnoozeOption, now: Date = new Date()): number | null {
  const d = new Date(now.getTime())
  switch (option) {
    case '1h':
      return Math.floor(now.getTime() / 1000) + 3600
    case 'tomorrow':
      d.setDate(d.getDate() + 1)
      d.setHours(9, 0, 0, 0)
      return Math.floor(d.getTime() / 1000)
    case 'next_week': {
      // Next Monday (a Monday asks for the one after).
      const add = ((8 - d.getDay()) % 7) || 7
      d.setDate(d.getDate() + add)
      d.setHours(9, 0, 0, 0)
      return Math.floor(d.getTime() / 1000)
    }
    case 'next_reply':
      return null
  }
}

// ---------------------------------------------------------------------------------------------
// Threads

/** dayKey is a message's local calendar day, for day dividers. */
export function dayKey(unix: number): string {
  const d = new Date(unix * 1000)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

export interface DayGroup {
  day: string
  at: number
  messages: Message[]
}

/** groupByDay splits an ascending thread at local midnights. */
export function groupByDay(messages: Message[]): DayGroup[] {
  const out: DayGroup[] = []
  for (const m of messages) {
    const day = dayKey(m.created_at)
    const last = out[out.length - 1]
    if (last && last.day === day) last.messages.push(m)
    else out.push({ day, at: m.created_at, messages: [m] })
  }
  return out
}

/** mergeMessages adds messages to a thread once each (by id), keeping it ascending. */
export function mergeMessages(thread: Message[], incoming: Message[]): Message[] {
  const byId = new Map(thread.map((m) => [m.id, m]))
  for (const m of incoming) byId.set(m.id, { ...byId.get(m.id), ...m })
  return [...byId.values()].sort((a, b) => a.created_at - b.created_at || a.id - b.id)
}

// ---------------------------------------------------------------------------------------------
// Normalising event payloads

const TYPE_NAMES: Record<string, MessageTypeNum> = {
  incoming: MessageType.incoming,
  outgoing: MessageType.outgoing,
  activity: MessageType.activity,
  template: MessageType.template,
}

function unixOf(v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string') {
    const n = Date.parse(v)
    if (!Number.isNaN(n)) return Math.floor(n / 1000)
    if (/^\d+$/.test(v)) return Number(v)
  }
  return Math.floor(Date.now() / 1000)
}

/** Who sent what, for messages that arrive with only sender_type and sender_id. */
export interface SenderLookup {
  user?: (id: number) => { name: string; avatar_url?: string | null } | undefined
  contact?: (id: number) => { name: string; thumbnail?: string | null } | undefined
}

/**
 * normalizeMessage accepts a message in the API's Chatwoot shape or as the change feed stores it
 * (message_type as a word, RFC 3339 times, the internal conversation id) and returns the API
 * shape. displayId is the conversation's number from the event's ref.
 */
export function normalizeMessage(raw: Record<string, unknown>, displayId: number, who: SenderLookup = {}): Message {
  const rawType = raw.message_type
  const type: MessageTypeNum = typeof rawType === 'number' ? (rawType as MessageTypeNum) : (TYPE_NAMES[String(rawType)] ?? MessageType.outgoing)
  let sender = (raw.sender as MessageSender | null | undefined) ?? null
  if (!sender && raw.sender_type && raw.sender_id) {
    const id = Number(raw.sender_id)
    const kind = String(raw.sender_type)
    if (kind === 'contact') {
      const c = who.contact?.(id)
      sender = { id, type: 'contact', name: c?.name ?? '', thumbnail: c?.thumbnail ?? null }
    } else {
      const u = who.user?.(id)
      sender = { id, type: kind, name: u?.name ?? '', avatar_url: u?.avatar_url ?? null }
    }
  }
  const rawAtts = Array.isArray(raw.attachments) ? (raw.attachments as Array<Record<string, unknown>>) : []
  const attachments: Attachment[] = rawAtts.map((a, i) => ({
    ...(a as Partial<Attachment>),
    id: typeof a.id === 'number' ? a.id : i,
    message_id: Number(raw.id),
    file_type: String(a.file_type ?? 'file'),
  }))
  return {
    id: Number(raw.id),
    content: (raw.content as string | null | undefined) ?? null,
    account_id: Number(raw.account_id ?? 0),
    inbox_id: Number(raw.inbox_id ?? 0),
    conversation_id: displayId,
    message_type: type,
    content_type: (raw.content_type as string) || 'text',
    content_attributes: (raw.content_attributes as Record<string, unknown>) ?? {},
    private: !!raw.private,
    status: ((raw.status as DeliveryStatus) || 'sent') as DeliveryStatus,
    created_at: unixOf(raw.created_at),
    source_id: (raw.source_id as string) ?? null,
    sender,
    attachments,
    mentions: (raw.mentions as number[]) ?? undefined,
    error: (raw.error as string) || undefined,
  }
}

/** needsRefetch: attachments from the change feed carry no signed URLs; the thread reloads them. */
export function needsRefetch(m: Message): boolean {
  return (m.attachments ?? []).some((a) => ['image', 'audio', 'video', 'file'].includes(a.file_type) && !a.data_url)
}

// ---------------------------------------------------------------------------------------------
// The list and its live updates

/** Lite is what deciding list membership needs; events carry all of it but the unread count. */
export interface Lite {
  status: ConversationStatus
  assignee_id: number
  inbox_id: number
  team_id: number
  labels: string[]
  priority: string
  unread_count: number
}

export function liteOf(c: Conversation): Lite {
  return {
    status: c.status,
    assignee_id: c.meta?.assignee?.id ?? 0,
    inbox_id: c.inbox_id,
    team_id: c.team_id ?? c.meta?.team?.id ?? 0,
    labels: c.labels ?? [],
    priority: c.priority ?? '',
    unread_count: c.unread_count ?? 0,
  }
}

export function liteOfRef(r: EventConversationRef, unread = 0): Lite {
  return {
    status: r.status,
    assignee_id: r.assignee_id ?? 0,
    inbox_id: r.inbox_id,
    team_id: r.team_id ?? 0,
    labels: r.labels ?? [],
    priority: r.priority ?? '',
    unread_count: unread,
  }
}

/** ListFilter is the list's current query: the tab, the status and the optional filters. */
export interface ListFilter extends Filter {
  tab: AssigneeTab
  status: NonNullable<Filter['status']>
}

/** matches says whether a conversation belongs in the list under f for user me. */
export function matches(c: Lite, f: ListFilter, me: number, tab: AssigneeTab | 'assigned' = f.tab): boolean {
  if (f.status !== 'all' && c.status !== f.status) return false
  if (tab === 'me' && c.assignee_id !== me) return false
  if (tab === 'unassigned' && c.assignee_id !== 0) return false
  if (tab === 'assigned' && c.assignee_id === 0) return false
  if (f.assignee_id && c.assignee_id !== f.assignee_id) return false
  if (f.inbox_id && c.inbox_id !== f.inbox_id) return false
  if (f.team_id && c.team_id !== f.team_id) return false
  if (f.priority && c.priority !== f.priority) return false
  if (f.labels?.length && !f.labels.every((l) => c.labels.includes(l))) return false
  if (f.unread && c.unread_count <= 0) return false
  return true
}

const COUNT_TABS: Array<[keyof ConversationCounts, AssigneeTab | 'assigned']> = [
  ['mine_count', 'me'],
  ['unassigned_count', 'unassigned'],
  ['assigned_count', 'assigned'],
  ['all_count', 'all'],
]

/** The state the reducers fold events into (the Pinia store holds one reactively). */
export interface InboxState {
  me: number
  filter: ListFilter
  list: Conversation[]
  counts: ConversationCounts
  /** What is known of every conversation seen, by display number. */
  known: Record<number, Lite>
  /** Message ids already counted, so a message delivered twice is counted once. */
  seen: Record<number, true>
  openId: number | null
  messages: Message[]
  /** Who is typing in which conversation (display number → name, '' for the contact). */
  typing: Record<number, string>
  agents: AssigneeRef[]
}

export function emptyCounts(): ConversationCounts {
  return { mine_count: 0, unassigned_count: 0, assigned_count: 0, all_count: 0 }
}

export function newInboxState(me = 0): InboxState {
  return {
    me,
    filter: { tab: 'me', status: 'open' },
    list: [],
    counts: emptyCounts(),
    known: {},
    seen: {},
    openId: null,
    messages: [],
    typing: {},
    agents: [],
  }
}

/** What the store must do after a reducer ran (the reducers never call the server). */
export interface Effects {
  /** Fetch this conversation and upsert it (it now belongs in the list but is not loaded). */
  fetch?: number
  /** The counts could not be adjusted locally; reload them. */
  refreshCounts?: boolean
  /** The open conversation got a message while visible: tell the server it was read. */
  markRead?: number
  /** The open thread needs reloading (attachments without URLs). */
  reloadThread?: boolean
}

function sortList(s: InboxState): void {
  const key = s.filter.sort === 'created_at' ? 'created_at' : 'last_activity_at'
  s.list.sort((a, b) => b[key] - a[key] || b.id - a.id)
}

function adjustCounts(s: InboxState, prev: Lite | undefined, next: Lite | undefined, fx: Effects): void {
  if (!prev && next) {
    fx.refreshCounts = true
    return
  }
  for (const [key, tab] of COUNT_TABS) {
    const before = prev ? matches(prev, s.filter, s.me, tab) : false
    const after = next ? matches(next, s.filter, s.me, tab) : false
    if (before !== after) s.counts[key] = Math.max(0, s.counts[key] + (after ? 1 : -1))
  }
}

/** setList replaces the list with a fresh page 1 (or appends a later page). */
export function setList(s: InboxState, page: Conversation[], counts: ConversationCounts | null, append = false): void {
  const merged = append ? [...s.list, ...page.filter((c) => !s.list.some((x) => x.id === c.id))] : page
  s.list = merged
  for (const c of page) s.known[c.id] = liteOf(c)
  if (counts) s.counts = { ...emptyCounts(), ...counts }
}

function assigneeFor(s: InboxState, id: number): AssigneeRef | null {
  if (!id) return null
  return s.agents.find((a) => a.id === id) ?? { id, name: '' }
}

/** upsertConversation puts a fetched conversation in (or out of) the list. */
export function upsertConversation(s: InboxState, c: Conversation): Effects {
  const fx: Effects = {}
  const prev = s.known[c.id]
  const next = liteOf(c)
  if (s.openId === c.id) next.unread_count = 0
  const row = { ...c, unread_count: next.unread_count }
  const i = s.list.findIndex((x) => x.id === c.id)
  if (matches(next, s.filter, s.me)) {
    if (i >= 0) s.list[i] = row
    else s.list.push(row)
    sortList(s)
  } else if (i >= 0) s.list.splice(i, 1)
  if (prev) adjustCounts(s, prev, next, fx)
  else fx.refreshCounts = true
  s.known[c.id] = next
  return fx
}

function patchRow(s: InboxState, row: Conversation, ref: EventConversationRef): void {
  row.status = ref.status
  row.priority = (ref.priority || null) as Priority | null
  row.labels = ref.labels ?? []
  row.team_id = ref.team_id || null
  if ((row.meta.assignee?.id ?? 0) !== (ref.assignee_id ?? 0)) row.meta = { ...row.meta, assignee: assigneeFor(s, ref.assignee_id) }
  if ((row.meta.team?.id ?? 0) !== (ref.team_id ?? 0)) row.meta = { ...row.meta, team: ref.team_id ? { id: ref.team_id, name: row.meta.team?.name ?? '' } : null }
}

/**
 * applyConversationChange folds conversation_updated / _status_changed / _created into the
 * list: the row takes the new fields, leaves the list when it no longer matches (resolved while
 * the Open tab is shown), and the tab counts follow.
 */
export function applyConversationChange(s: InboxState, data: ConversationEventData): Effects {
  const fx: Effects = {}
  const ref = data.conversation
  const id = ref.display_id
  const prev = s.known[id]
  const next = liteOfRef(ref, prev?.unread_count ?? 0)
  if (s.openId === id) next.unread_count = 0
  const i = s.list.findIndex((x) => x.id === id)
  if (matches(next, s.filter, s.me)) {
    if (i >= 0) {
      patchRow(s, s.list[i], ref)
      sortList(s)
    } else fx.fetch = id
  } else if (i >= 0) s.list.splice(i, 1)
  adjustCounts(s, prev, next, fx)
  s.known[id] = next
  return fx
}

/**
 * applyMessage folds message_created / message_updated: the open thread gets the message once
 * (a second delivery only refreshes it), the row moves to the top with the new preview, and an
 * incoming message raises the unread count unless the thread is open and visible.
 */
export function applyMessage(s: InboxState, data: ConversationEventData, visible: boolean, who: SenderLookup = {}): Effects {
  const fx: Effects = {}
  if (!data.message) return fx
  const ref = data.conversation
  const id = ref.display_id
  const msg = normalizeMessage(data.message, id, who)
  const isOpen = s.openId === id
  const firstTime = !s.seen[msg.id]
  s.seen[msg.id] = true

  if (isOpen) {
    s.messages = mergeMessages(s.messages, [msg])
    if (needsRefetch(msg)) fx.reloadThread = true
  }

  const prev = s.known[id]
  let unread = prev?.unread_count ?? 0
  const countsAsUnread = msg.message_type === MessageType.incoming && firstTime
  if (isOpen && visible) {
    unread = 0
    if (msg.message_type === MessageType.incoming) fx.markRead = id
  } else if (countsAsUnread) unread++
  const next = liteOfRef(ref, unread)

  const i = s.list.findIndex((x) => x.id === id)
  if (matches(next, s.filter, s.me)) {
    if (i >= 0) {
      const row = s.list[i]
      patchRow(s, row, ref)
      if (msg.message_type !== MessageType.activity) {
        const last = row.messages?.[0]
        if (!last || last.id <= msg.id) row.messages = [msg]
      }
      if (firstTime) row.last_activity_at = Math.max(row.last_activity_at, msg.created_at)
      row.timestamp = row.last_activity_at
      row.unread_count = unread
      sortList(s)
    } else fx.fetch = id
  } else if (i >= 0) s.list.splice(i, 1)
  adjustCounts(s, prev, next, fx)
  s.known[id] = next
  return fx
}

/** applyRead: the signed-in user read the conversation elsewhere (another tab or device). */
export function applyRead(s: InboxState, data: ConversationEventData): Effects {
  const fx: Effects = {}
  if (data.user_id && data.user_id !== s.me) return fx
  const id = data.conversation.display_id
  const prev = s.known[id]
  const row = s.list.find((x) => x.id === id)
  if (row) row.unread_count = 0
  if (prev) {
    const next = { ...prev, unread_count: 0 }
    if (s.filter.unread) {
      const i = s.list.findIndex((x) => x.id === id)
      if (i >= 0) s.list.splice(i, 1)
      adjustCounts(s, prev, next, fx)
    }
    s.known[id] = next
  }
  return fx
}

/** applyTyping records (on) or clears (off) who is typing. */
export function applyTyping(s: InboxState, on: boolean, data: ConversationEventData & { user?: { name?: string; id?: number; type?: string } }): void {
  const id = data.conversation?.display_id
  if (!id) return
  if (data.user?.id && data.user.type !== 'contact' && data.user.id === s.me) return
  if (on) s.typing[id] = data.user?.name ?? ''
  else delete s.typing[id]
}

/** openConversation marks a conversation open: its unread count drops to 0 in the list. */
export function markOpen(s: InboxState, id: number | null): void {
  s.openId = id
  if (id == null) return
  const row = s.list.find((x) => x.id === id)
  if (row) row.unread_count = 0
  const k = s.known[id]
  if (k) s.known[id] = { ...k, unread_count: 0 }
}
