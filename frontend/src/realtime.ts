// Live updates from the server. The desktop window has no SSE (the Wails asset server cannot
// stream), so it receives the same JSON through Wails events; a browser uses EventSource.
// Everything else in the UI subscribes here by message type and never cares which one is in use.

import type { RealtimeMessage } from './api/types'

export type Transport = 'wails' | 'sse'
export type Handler = (msg: RealtimeMessage) => void

/** The Wails event name the Go side emits with a JSON string payload. */
export const WAILS_EVENT = 'parley'

interface WindowLike {
  runtime?: { EventsOn?: (name: string, cb: (...data: unknown[]) => void) => (() => void) | void }
  EventSource?: unknown
}

/** pickTransport chooses Wails events when the desktop runtime is present, else SSE. */
export function pickTransport(win: WindowLike | undefined): Transport | null {
  if (win?.runtime && typeof win.runtime.EventsOn === 'function') return 'wails'
  if (win && typeof win.EventSource === 'function') return 'sse'
  return null
}

/** parseMessage accepts the payload as a JSON string (both transports) or an already parsed object. */
export function parseMessage(raw: unknown): RealtimeMessage | null {
  let v: unknown = raw
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw)
    } catch {
      return null
    }
  }
  if (v && typeof v === 'object' && typeof (v as RealtimeMessage).type === 'string') return v as RealtimeMessage
  return null
}

export interface RealtimeOptions {
  win?: WindowLike
  /** Builds an EventSource; tests pass a fake. */
  makeEventSource?: (url: string) => EventSource
  /** Delay before reconnect attempt n (1-based), in ms. */
  backoff?: (attempt: number) => number
}

/**
 * Realtime keeps one connection and fans messages out to subscribers by type ("*" gets all).
 * Connecting again with a new token replaces the old connection.
 */
export class Realtime {
  private handlers = new Map<string, Set<Handler>>()
  private source: EventSource | null = null
  private unlisten: (() => void) | null = null
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private attempts = 0
  private token: string | null = null
  transport: Transport | null = null
  connected = false

  constructor(private opts: RealtimeOptions = {}) {}

  private get win(): WindowLike | undefined {
    return this.opts.win ?? (typeof window === 'undefined' ? undefined : (window as unknown as WindowLike))
  }

  /** subscribe registers a handler for one message type and returns the function that removes it. */
  subscribe(type: string, fn: Handler): () => void {
    let set = this.handlers.get(type)
    if (!set) this.handlers.set(type, (set = new Set()))
    set.add(fn)
    return () => set!.delete(fn)
  }

  /** dispatch delivers one message to its type's handlers and to the "*" handlers. */
  dispatch(raw: unknown): void {
    const msg = parseMessage(raw)
    if (!msg) return
    for (const key of [msg.type, '*']) {
      for (const fn of this.handlers.get(key) ?? []) {
        try {
          fn(msg)
        } catch (e) {
          console.warn('realtime handler failed', e)
        }
      }
    }
  }

  connect(token: string): void {
    this.disconnect()
    this.token = token
    this.transport = pickTransport(this.win)
    if (this.transport === 'wails') {
      const off = this.win!.runtime!.EventsOn!(WAILS_EVENT, (...data: unknown[]) => this.dispatch(data[0]))
      this.unlisten = typeof off === 'function' ? off : null
      this.connected = true
    } else if (this.transport === 'sse') {
      this.openSource()
    }
  }

  private openSource(): void {
    if (!this.token) return
    const url = `/api/v1/realtime?token=${encodeURIComponent(this.token)}`
    const make = this.opts.makeEventSource ?? ((u: string) => new EventSource(u))
    const es = make(url)
    this.source = es
    es.onopen = () => {
      this.attempts = 0
      this.connected = true
    }
    es.onmessage = (ev: MessageEvent) => this.dispatch(ev.data)
    es.onerror = () => {
      this.connected = false
      // EventSource retries by itself while CONNECTING; once CLOSED (e.g. an HTTP error) it
      // gives up, so we reopen with a growing delay.
      if (es.readyState === 2 /* CLOSED */) this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    if (this.retryTimer || !this.token) return
    this.source?.close()
    this.source = null
    this.attempts++
    const delay = (this.opts.backoff ?? ((n) => Math.min(30000, 1000 * 2 ** (n - 1))))(this.attempts)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.openSource()
    }, delay)
  }

  disconnect(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.source?.close()
    this.source = null
    this.unlisten?.()
    this.unlisten = null
    this.connected = false
    this.attempts = 0
    this.token = null
  }
}

/** The app-wide connection. */
export const realtime = new Realtime()
