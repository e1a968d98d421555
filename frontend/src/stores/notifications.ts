// The bell: the current account's notifications, the unread count, and live arrivals.

import { defineStore } from 'pinia'
import { ref } from 'vue'
import { accountPath, api } from '@/api/client'
import type { Notification, NotificationPage, RealtimeMessage } from '@/api/types'
import { realtime } from '@/realtime'

export const useNotifications = defineStore('notifications', () => {
  const items = ref<Notification[]>([])
  const unread = ref(0)
  const next = ref<string | null>(null)
  const loading = ref(false)
  const loaded = ref(false)
  let accountId: string | null = null
  let unsubscribe: Array<() => void> = []

  async function load(account: string | number, more = false): Promise<void> {
    accountId = String(account)
    loading.value = true
    try {
      const page = await api.get<NotificationPage>(accountPath(accountId, 'notifications'), {
        query: { cursor: more ? next.value : undefined },
      })
      const got = page.items ?? []
      items.value = more ? [...items.value, ...got] : got
      unread.value = page.unread_count
      next.value = page.next ?? null
      loaded.value = true
    } finally {
      loading.value = false
    }
  }

  /** watch starts following "notification.created" for the given account. */
  function watch(account: string | number): void {
    stop()
    items.value = []
    unread.value = 0
    loaded.value = false
    accountId = String(account)
    const mine = (msg: RealtimeMessage) => msg.account_id == null || String(msg.account_id) === accountId
    unsubscribe = [
      realtime.subscribe('notification.created', (msg: RealtimeMessage) => {
        if (!mine(msg)) return
        const n = msg.data as Notification
        if (!n || items.value.some((x) => String(x.id) === String(n.id))) return
        items.value = [n, ...items.value]
        if (!n.read_at) unread.value++
      }),
      // Read in another window: refresh the list and the count.
      realtime.subscribe('notification.read', (msg: RealtimeMessage) => {
        if (mine(msg) && accountId) load(accountId).catch(() => undefined)
      }),
    ]
    load(account).catch(() => {
      /* the bell stays empty; the page itself reports connection problems */
    })
  }

  function stop(): void {
    for (const off of unsubscribe) off()
    unsubscribe = []
  }

  async function markRead(n: Notification): Promise<void> {
    if (n.read_at || !accountId) return
    await api.post(accountPath(accountId, `notifications/${n.id}/read`))
    n.read_at = new Date().toISOString()
    unread.value = Math.max(0, unread.value - 1)
  }

  async function markAllRead(): Promise<void> {
    if (!accountId) return
    await api.post(accountPath(accountId, 'notifications/read_all'))
    const now = new Date().toISOString()
    for (const n of items.value) if (!n.read_at) n.read_at = now
    unread.value = 0
  }

  return { items, unread, next, loading, loaded, load, watch, stop, markRead, markAllRead }
})
