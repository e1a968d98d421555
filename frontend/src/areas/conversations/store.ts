// The inbox's state: the conversation list with its filters and counts, the open conversation
// and its thread, the account's reference data (agents, teams, inboxes, labels, canned
// responses, macros, saved views), search, and the live updates that keep all of it current.
// Event folding lives in logic.ts; this file only talks to the server.

import { defineStore } from 'pinia'
import { computed, reactive, ref, toRefs } from 'vue'
import { accountPath, api } from '@/api/client'
import type { RealtimeMessage } from '@/api/types'
import { realtime } from '@/realtime'
import type { TaskView } from '@/areas/tasks/types'
import { useSession } from '@/stores/session'
import {
  applyConversationChange,
  applyMessage,
  applyRead,
  applyTyping,
  emptyCounts,
  markOpen,
  mergeMessages,
  newInboxState,
  setList,
  upsertConversation,
  type Effects,
  type ListFilter,
} from './logic'
import type {
  AssigneeRef,
  CannedResponse,
  Contact,
  Conversation,
  ConversationCounts,
  ConversationEventData,
  ConversationListResponse,
  ConversationStatus,
  Inbox,
  Label,
  Macro,
  Message,
  MessagesResponse,
  Priority,
  SavedView,
  ScheduledMessage,
  SearchResults,
  TeamRef,
  ToggleStatusResponse,
  Upload,
} from './types'

export interface AgentLite extends AssigneeRef {
  email?: string
}

const PAGE_SIZE = 25

/**
 * typingData reads who is typing from a typing event: an agent comes as "user", a visitor
 * typing in the website widget as "contact" ({id, name}); the contact is shown by name too.
 */
export function typingData<T extends ConversationEventData>(
  data: T & { user?: { id?: number; name?: string; type?: string }; contact?: { id?: number; name?: string } },
): T & { user?: { id?: number; name?: string; type?: string } } {
  if (data.user || !data.contact) return data
  return { ...data, user: { id: data.contact.id, name: data.contact.name ?? '', type: 'contact' } }
}

export const useInbox = defineStore('inbox', () => {
  const session = useSession()
  const acc = () => session.current!.id
  const path = (rest: string) => accountPath(acc(), rest)

  const state = reactive(newInboxState())
  const page = ref(1)
  const hasMore = ref(false)
  const loadingList = ref(false)
  const loadingThread = ref(false)
  const hasEarlier = ref(false)
  const current = ref<Conversation | null>(null)
  const contact = ref<Contact | null>(null)
  const previous = ref<Conversation[] | null>(null)
  const scheduled = ref<ScheduledMessage[]>([])
  const activeView = ref<number | null>(null)
  /** Whether the thread is on screen (tab visible and window focused), for read receipts. */
  const visible = ref(true)

  const teams = ref<TeamRef[]>([])
  const inboxes = ref<Inbox[]>([])
  const labels = ref<Label[]>([])
  const canned = ref<CannedResponse[]>([])
  const macros = ref<Macro[]>([])
  const views = ref<SavedView[]>([])
  /** The actor's open manual actions (tasks with an action kind), for the queue's count. */
  const manualActions = ref<TaskView[]>([])

  const searchQuery = ref('')
  const searching = ref(false)
  const searchResults = ref<SearchResults['payload'] | null>(null)

  const selected = ref<number[]>([])

  const inboxById = computed(() => new Map(inboxes.value.map((i) => [i.id, i])))
  const labelByTitle = computed(() => new Map(labels.value.map((l) => [l.title, l])))

  function listQuery(): Record<string, string | number | boolean | undefined> {
    const f = state.filter
    return {
      assignee_type: f.tab,
      status: f.status,
      inbox_id: f.inbox_id || undefined,
      team_id: f.team_id || undefined,
      labels: f.labels?.length ? f.labels.join(',') : undefined,
      priority: f.priority || undefined,
      unread: f.unread || undefined,
      sort: f.sort && f.sort !== 'last_activity_at' ? f.sort : undefined,
      page: page.value,
    }
  }

  let listSeq = 0
  async function loadList(reset = true): Promise<void> {
    if (reset) page.value = 1
    const seq = ++listSeq
    loadingList.value = true
    try {
      const r = await api.get<ConversationListResponse>(path('conversations'), { query: listQuery() })
      if (seq !== listSeq) return
      const payload = r.data?.payload ?? []
      setList(state, payload, r.data?.meta ?? null, !reset)
      hasMore.value = payload.length >= PAGE_SIZE
      if (state.openId != null) markOpen(state, state.openId)
    } finally {
      if (seq === listSeq) loadingList.value = false
    }
  }

  async function loadMore(): Promise<void> {
    if (!hasMore.value || loadingList.value) return
    page.value++
    await loadList(false)
  }

  async function refreshCounts(): Promise<void> {
    const f = state.filter
    const r = await api.get<{ meta: ConversationCounts }>(path('conversations/meta'), {
      query: { status: f.status, inbox_id: f.inbox_id || undefined, team_id: f.team_id || undefined, labels: f.labels?.join(',') || undefined, priority: f.priority || undefined, unread: f.unread || undefined },
    })
    state.counts = { ...emptyCounts(), ...r.meta }
  }

  function setFilter(patch: Partial<ListFilter>): Promise<void> {
    Object.assign(state.filter, patch)
    if (!('view' in patch)) activeView.value = activeView.value && sameAsView() ? activeView.value : null
    selected.value = []
    return loadList()
  }

  function sameAsView(): boolean {
    const v = views.value.find((x) => x.id === activeView.value)
    if (!v) return false
    const q = v.query
    const f = state.filter
    return (q.status ?? 'open') === f.status && (q.inbox_id ?? 0) === (f.inbox_id ?? 0) && (q.team_id ?? 0) === (f.team_id ?? 0) && (q.priority ?? '') === (f.priority ?? '') && !!q.unread === !!f.unread && (q.labels ?? []).join() === (f.labels ?? []).join()
  }

  async function loadReference(): Promise<void> {
    const safe = async <T>(p: Promise<T>, fallback: T): Promise<T> => {
      try {
        return await p
      } catch {
        return fallback
      }
    }
    state.me = Number(session.profile?.id ?? 0)
    const [agents, t, ib, lb, cr, mc, vw] = await Promise.all([
      safe(api.list<AgentLite>(path('agents')), []),
      safe(api.list<TeamRef>(path('teams')), []),
      safe(api.get<{ payload: Inbox[] }>(path('inboxes')), { payload: [] }),
      safe(api.get<{ payload: Label[] }>(path('labels')), { payload: [] }),
      safe(api.list<CannedResponse>(path('canned_responses')), []),
      safe(api.get<{ payload: Macro[] }>(path('macros')), { payload: [] }),
      safe(api.get<SavedView[] | { payload: SavedView[] }>(path('custom_filters'), { query: { filter_type: 'conversation' } }), []),
    ])
    state.agents = agents.map((a) => ({ id: a.id, name: a.name, avatar_url: a.avatar_url, availability_status: a.availability_status, email: a.email }) as AgentLite)
    teams.value = t
    inboxes.value = ib?.payload ?? []
    labels.value = lb?.payload ?? []
    canned.value = cr
    macros.value = mc?.payload ?? []
    views.value = Array.isArray(vw) ? vw : (vw?.payload ?? [])
  }

  // ---- the open conversation

  let openSeq = 0
  async function open(id: number | null): Promise<void> {
    const seq = ++openSeq
    markOpen(state, id)
    state.messages = []
    scheduled.value = []
    contact.value = null
    previous.value = null
    hasEarlier.value = false
    current.value = id == null ? null : (state.list.find((c) => c.id === id) ?? null)
    if (id == null) return
    loadingThread.value = true
    try {
      const [conv, msgs] = await Promise.all([
        api.get<Conversation>(path(`conversations/${id}`)),
        api.get<MessagesResponse>(path(`conversations/${id}/messages`)),
      ])
      if (seq !== openSeq) return
      current.value = conv
      state.messages = mergeMessages([], msgs.payload ?? [])
      for (const m of state.messages) state.seen[m.id] = true
      hasEarlier.value = (msgs.payload ?? []).length >= 20
      void markRead(id)
      void loadSide(conv, seq)
    } finally {
      if (seq === openSeq) loadingThread.value = false
    }
  }

  async function loadSide(conv: Conversation, seq: number): Promise<void> {
    const contactId = conv.meta?.sender?.id
    const tasks: Promise<unknown>[] = [
      api
        .get<ScheduledMessage[] | { payload: ScheduledMessage[] }>(path(`conversations/${conv.id}/scheduled_messages`))
        .then((r) => seq === openSeq && (scheduled.value = Array.isArray(r) ? r : (r?.payload ?? [])))
        .catch(() => undefined),
    ]
    if (contactId) {
      tasks.push(
        api
          .get<{ payload: Contact } | Contact>(path(`contacts/${contactId}`))
          .then((r) => seq === openSeq && (contact.value = 'payload' in r ? r.payload : r))
          .catch(() => undefined),
        api
          .get<{ payload: Conversation[] }>(path(`contacts/${contactId}/conversations`))
          .then((r) => {
            if (seq !== openSeq) return
            previous.value = (r?.payload ?? []).filter((c) => c.id !== conv.id)
          })
          .catch(() => seq === openSeq && (previous.value = null)),
      )
    }
    await Promise.all(tasks)
  }

  async function loadEarlier(): Promise<void> {
    const id = state.openId
    const first = state.messages[0]
    if (id == null || !first) return
    const r = await api.get<MessagesResponse>(path(`conversations/${id}/messages`), { query: { before: first.id } })
    if (state.openId !== id) return
    const got = r.payload ?? []
    state.messages = mergeMessages(state.messages, got)
    hasEarlier.value = got.length >= 20
  }

  async function reloadThread(): Promise<void> {
    const id = state.openId
    if (id == null) return
    const r = await api.get<MessagesResponse>(path(`conversations/${id}/messages`))
    if (state.openId === id) state.messages = mergeMessages(state.messages, r.payload ?? [])
  }

  async function markRead(id: number): Promise<void> {
    try {
      await api.post(path(`conversations/${id}/update_last_seen`))
    } catch {
      /* a failed read receipt only leaves a badge */
    }
  }

  // ---- writing

  async function send(content: string, isPrivate: boolean, attachments: Upload[] = []): Promise<Message> {
    const id = state.openId!
    const m = await api.post<Message>(path(`conversations/${id}/messages`), {
      content,
      private: isPrivate,
      message_type: 'outgoing',
      ...(attachments.length ? { attachments } : {}),
    })
    if (state.openId === id && m && typeof m.id === 'number') {
      state.seen[m.id] = true
      state.messages = mergeMessages(state.messages, [m])
      // The row shows the reply at once; the message_created event confirms it later.
      const row = state.list.find((c) => c.id === id)
      if (row) {
        row.messages = [m]
        row.last_activity_at = Math.max(row.last_activity_at, m.created_at)
        if (state.filter.sort !== 'created_at') state.list.sort((a, b) => b.last_activity_at - a.last_activity_at || b.id - a.id)
      }
    }
    return m
  }

  async function upload(file: File): Promise<Upload> {
    const fd = new FormData()
    fd.append('attachment', file)
    return api.post<Upload>(path('upload'), fd)
  }

  function applyToCurrent(patch: Partial<Conversation>): void {
    const id = state.openId
    if (current.value && current.value.id === id) current.value = { ...current.value, ...patch }
  }

  async function toggleStatus(ids: number[], status: ConversationStatus, snoozedUntil?: number | null): Promise<void> {
    for (const id of ids) {
      const body: Record<string, unknown> = { status }
      if (status === 'snoozed' && snoozedUntil) body.snoozed_until = snoozedUntil
      const r = await api.post<ToggleStatusResponse>(path(`conversations/${id}/toggle_status`), body)
      if (id === state.openId) applyToCurrent({ status: r.payload?.current_status ?? status, snoozed_until: r.payload?.snoozed_until ?? null })
    }
  }

  async function setPriority(id: number, priority: Priority | null): Promise<void> {
    await api.post(path(`conversations/${id}/toggle_priority`), { priority })
    if (id === state.openId) applyToCurrent({ priority })
  }

  async function assignAgent(ids: number[], agentId: number | null): Promise<void> {
    for (const id of ids) {
      await api.post(path(`conversations/${id}/assignments`), { assignee_id: agentId ?? 0 })
      if (id === state.openId && current.value) {
        const a = agentId ? (state.agents.find((x) => x.id === agentId) ?? null) : null
        applyToCurrent({ meta: { ...current.value.meta, assignee: a } })
      }
    }
  }

  async function assignTeam(id: number, teamId: number | null): Promise<void> {
    await api.post(path(`conversations/${id}/assignments`), { team_id: teamId ?? 0 })
    if (id === state.openId && current.value) {
      const t = teamId ? (teams.value.find((x) => x.id === teamId) ?? null) : null
      applyToCurrent({ team_id: teamId, meta: { ...current.value.meta, team: t } })
    }
  }

  async function setLabels(id: number, list: string[]): Promise<string[]> {
    const r = await api.post<{ payload: string[] }>(path(`conversations/${id}/labels`), { labels: list })
    const got = r?.payload ?? list
    if (id === state.openId) applyToCurrent({ labels: got })
    return got
  }

  async function addLabel(ids: number[], label: string): Promise<void> {
    for (const id of ids) {
      const have = id === state.openId && current.value ? current.value.labels : (state.list.find((c) => c.id === id)?.labels ?? [])
      if (!have.includes(label)) await setLabels(id, [...have, label])
    }
  }

  async function setBot(enabled: boolean): Promise<void> {
    const id = state.openId
    if (id == null) return
    const r = await api.post<{ bot_enabled: boolean }>(path(`conversations/${id}/toggle_bot`), { bot_enabled: enabled })
    const on = typeof r?.bot_enabled === 'boolean' ? r.bot_enabled : enabled
    if (state.openId !== id) return
    if (contact.value) contact.value = { ...contact.value, bot_enabled: on }
    applyToCurrent({ bot_enabled: on })
  }

  async function executeMacro(macroId: number, ids: number[]): Promise<void> {
    await api.post(path(`macros/${macroId}/execute`), { conversation_ids: ids })
  }

  async function sendTyping(on: boolean, isPrivate: boolean): Promise<void> {
    const id = state.openId
    if (id == null) return
    try {
      await api.post(path(`conversations/${id}/toggle_typing_status`), { typing_status: on ? 'on' : 'off', is_private: isPrivate })
    } catch {
      /* typing is best effort */
    }
  }

  // ---- scheduled messages

  async function schedule(content: string, isPrivate: boolean, sendAt: Date): Promise<void> {
    const id = state.openId!
    const m = await api.post<ScheduledMessage>(path(`conversations/${id}/scheduled_messages`), { content, private: isPrivate, send_at: sendAt.toISOString() })
    if (state.openId === id) scheduled.value = [...scheduled.value, m].sort((a, b) => a.send_at.localeCompare(b.send_at))
  }

  async function updateScheduled(s: ScheduledMessage, patch: { content?: string; send_at?: string }): Promise<void> {
    const m = await api.patch<ScheduledMessage>(path(`conversations/${s.conversation_id}/scheduled_messages/${s.id}`), patch)
    scheduled.value = scheduled.value.map((x) => (x.id === s.id ? { ...x, ...m } : x))
  }

  async function cancelScheduled(s: ScheduledMessage): Promise<void> {
    await api.del(path(`conversations/${s.conversation_id}/scheduled_messages/${s.id}`))
    scheduled.value = scheduled.value.filter((x) => x.id !== s.id)
  }

  // ---- saved views

  async function saveView(name: string): Promise<void> {
    const f = state.filter
    const query = { status: f.status, inbox_id: f.inbox_id, team_id: f.team_id, labels: f.labels, priority: f.priority, unread: f.unread, sort: f.sort }
    const v = await api.post<SavedView>(path('custom_filters'), { name, filter_type: 'conversation', query })
    views.value = [...views.value, v]
    activeView.value = v.id
  }

  async function applyView(id: number | null): Promise<void> {
    const v = views.value.find((x) => x.id === id)
    activeView.value = v ? v.id : null
    const q = v?.query ?? {}
    Object.assign(state.filter, {
      status: q.status ?? 'open',
      inbox_id: q.inbox_id || undefined,
      team_id: q.team_id || undefined,
      labels: q.labels ?? [],
      priority: q.priority || undefined,
      unread: !!q.unread,
      sort: q.sort,
    })
    selected.value = []
    await loadList()
  }

  async function deleteView(id: number): Promise<void> {
    await api.del(path(`custom_filters/${id}`))
    views.value = views.value.filter((v) => v.id !== id)
    if (activeView.value === id) activeView.value = null
  }

  // ---- search

  let searchSeq = 0
  async function search(q: string): Promise<void> {
    searchQuery.value = q
    const seq = ++searchSeq
    if (!q.trim()) {
      searchResults.value = null
      return
    }
    searching.value = true
    try {
      const r = await api.get<SearchResults>(path('search'), { query: { q } })
      if (seq === searchSeq) searchResults.value = { conversations: r.payload?.conversations ?? [], messages: r.payload?.messages ?? [], contacts: r.payload?.contacts ?? [] }
    } finally {
      if (seq === searchSeq) searching.value = false
    }
  }

  /** latestOf finds a contact's newest conversation the user may see (search's contact hits). */
  async function latestOf(contactId: number): Promise<number | null> {
    const r = await api.get<{ payload: Conversation[] }>(path(`contacts/${contactId}/conversations`))
    return r?.payload?.[0]?.id ?? null
  }

  // ---- manual actions

  async function loadManualActions(): Promise<void> {
    // The queue is a tasks list: without the tasks module there is none.
    if (!session.hasModule('tasks')) {
      manualActions.value = []
      return
    }
    const r = await api.get<{ items: TaskView[] | null }>(path('manual_actions'), { query: { assignee: 'me', done: false } })
    manualActions.value = r?.items ?? []
  }

  // ---- live updates

  function who() {
    return {
      user: (id: number) => state.agents.find((a) => a.id === id),
      contact: (id: number) => {
        const c = current.value?.meta?.sender?.id === id ? current.value.meta.sender : state.list.find((x) => x.meta?.sender?.id === id)?.meta?.sender
        return c ? { name: c.name, thumbnail: c.thumbnail } : undefined
      },
    }
  }

  async function run(fx: Effects): Promise<void> {
    try {
      if (fx.markRead != null) void markRead(fx.markRead)
      if (fx.reloadThread) void reloadThread()
      let counts = !!fx.refreshCounts
      if (fx.fetch != null) {
        const c = await api.get<Conversation>(path(`conversations/${fx.fetch}`))
        counts = upsertConversation(state, c).refreshCounts || counts
      }
      if (counts) await refreshCounts()
    } catch {
      /* the next full load corrects anything missed */
    }
  }

  function syncCurrent(data: ConversationEventData): void {
    const c = current.value
    if (!c || c.id !== data.conversation.display_id) return
    const r = data.conversation
    const row = state.list.find((x) => x.id === c.id)
    const assignee = r.assignee_id ? (state.agents.find((a) => a.id === r.assignee_id) ?? row?.meta.assignee ?? c.meta.assignee) : null
    const team = r.team_id ? (teams.value.find((x) => x.id === r.team_id) ?? c.meta.team) : null
    current.value = {
      ...c,
      status: r.status,
      priority: (r.priority || null) as Priority | null,
      labels: r.labels ?? [],
      team_id: r.team_id || null,
      snoozed_until: row?.snoozed_until ?? c.snoozed_until,
      meta: { ...c.meta, assignee, team },
    }
  }

  function handle(msg: RealtimeMessage): void {
    if (session.current && msg.account_id != null && String(msg.account_id) !== String(session.current.id)) return
    const data = msg.data as ConversationEventData
    if (!data?.conversation) return
    let fx: Effects = {}
    switch (msg.type) {
      case 'message_created':
      case 'message_updated':
        fx = applyMessage(state, data, visible.value, who())
        if (data.conversation.display_id === state.openId) delete state.typing[state.openId]
        break
      case 'conversation_created':
      case 'conversation_updated':
      case 'conversation_status_changed':
        fx = applyConversationChange(state, data)
        syncCurrent(data)
        break
      case 'conversation_read':
        fx = applyRead(state, data)
        break
      case 'conversation_typing_on':
      case 'conversation_typing_off':
        applyTyping(state, msg.type.endsWith('_on'), typingData(data))
        return
    }
    void run(fx)
  }

  const EVENTS = [
    'message_created',
    'message_updated',
    'conversation_created',
    'conversation_updated',
    'conversation_status_changed',
    'conversation_read',
    'conversation_typing_on',
    'conversation_typing_off',
  ]
  let offs: Array<() => void> = []
  function subscribe(): void {
    unsubscribe()
    offs = EVENTS.map((t) => realtime.subscribe(t, handle))
    for (const ev of ['task_created', 'task_updated', 'task_completed', 'task_deleted']) {
      offs.push(
        realtime.subscribe(ev, (m) => {
          const d = m.data as { id?: number; action_kind?: string } | null
          if (d?.action_kind || manualActions.value.some((a) => a.id === d?.id)) void loadManualActions().catch(() => undefined)
        }),
      )
    }
  }
  function unsubscribe(): void {
    for (const off of offs) off()
    offs = []
  }

  function reset(): void {
    Object.assign(state, newInboxState(Number(session.profile?.id ?? 0)))
    current.value = null
    selected.value = []
    searchResults.value = null
    searchQuery.value = ''
    activeView.value = null
  }

  const { list, counts, filter, openId, messages, typing, agents } = toRefs(state)

  return {
    state,
    list,
    counts,
    filter,
    openId,
    messages,
    typing,
    agents,
    page,
    hasMore,
    loadingList,
    loadingThread,
    hasEarlier,
    current,
    contact,
    previous,
    scheduled,
    activeView,
    visible,
    teams,
    inboxes,
    labels,
    canned,
    macros,
    views,
    manualActions,
    searchQuery,
    searching,
    searchResults,
    selected,
    inboxById,
    labelByTitle,
    loadList,
    loadMore,
    refreshCounts,
    setFilter,
    loadReference,
    open,
    loadEarlier,
    markRead,
    send,
    upload,
    toggleStatus,
    setPriority,
    assignAgent,
    assignTeam,
    setLabels,
    addLabel,
    setBot,
    executeMacro,
    sendTyping,
    schedule,
    updateScheduled,
    cancelScheduled,
    saveView,
    applyView,
    deleteView,
    search,
    latestOf,
    loadManualActions,
    handle,
    subscribe,
    unsubscribe,
    reset,
  }
})
