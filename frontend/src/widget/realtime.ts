// The visitor's live connection: a WebSocket first, and EventSource (Server-Sent Events) on the
// same URL when the WebSocket cannot open — some proxies and corporate networks block upgrades.
// Once the socket fails to open, the window stays on SSE; a drop after a successful open only
// reconnects, with backoff, and tells the caller so it can refetch what it missed.

/** SocketLike is the part of WebSocket this module uses (tests pass fakes). */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: unknown) => void) | null
  onerror: ((ev: unknown) => void) | null
  close(): void
}

/** StreamLike is the part of EventSource this module uses. */
export interface StreamLike {
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onerror: ((ev: unknown) => void) | null
  readonly readyState: number
  close(): void
}

/** Kind is the transport in use. */
export type Kind = 'ws' | 'sse'

export interface RealtimeOptions {
  /** url is the http(s) URL of the realtime endpoint, pubsub_token included. */
  url: string
  onFrame: (frame: unknown) => void
  /** onOpen runs on every (re)connection; reconnected is false the first time only. */
  onOpen?: (kind: Kind, reconnected: boolean) => void
  onDown?: () => void
  ws?: (url: string) => SocketLike
  sse?: (url: string) => StreamLike
  schedule?: (fn: () => void, ms: number) => unknown
  cancel?: (handle: unknown) => void
}

/** wsURL turns an http(s) URL into its ws(s) twin. */
export function wsURL(url: string): string {
  return url.replace(/^http(s?):/i, 'ws$1:')
}

/** backoff is the wait before reconnect attempt n (0-based): 1 s doubling to 30 s. */
export function backoff(n: number): number {
  return Math.min(30000, 1000 * 2 ** Math.min(n, 5))
}

function parse(data: unknown): unknown {
  if (typeof data !== 'string') return null
  try {
    return JSON.parse(data)
  } catch {
    return null
  }
}

/** Connection is a live realtime link; close stops it for good. */
export interface Connection {
  close(): void
  kind(): Kind
}

/** connect opens the link and keeps it open until close. */
export function connect(o: RealtimeOptions): Connection {
  const mkWS = o.ws ?? ((u: string) => new WebSocket(u) as unknown as SocketLike)
  const mkSSE = o.sse ?? ((u: string) => new EventSource(u) as unknown as StreamLike)
  const schedule = o.schedule ?? ((fn, ms) => setTimeout(fn, ms))
  const cancel = o.cancel ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>))
  let kind: Kind = typeof WebSocket === 'undefined' && !o.ws ? 'sse' : 'ws'
  let stopped = false
  let opened = false // opened at least once (any transport)
  let attempt = 0
  let timer: unknown = null
  let current: { close(): void } | null = null

  const frame = (ev: { data: unknown }) => {
    const f = parse(ev.data)
    if (f) o.onFrame(f)
  }
  const up = () => {
    attempt = 0
    o.onOpen?.(kind, opened)
    opened = true
  }
  const retry = () => {
    if (stopped) return
    o.onDown?.()
    const wait = backoff(attempt++)
    timer = schedule(() => {
      timer = null
      start()
    }, wait)
  }

  function start() {
    if (stopped) return
    if (kind === 'ws') {
      let wsOpen = false
      let done = false
      const s = mkWS(wsURL(o.url))
      current = s
      s.onopen = () => {
        wsOpen = true
        up()
      }
      s.onmessage = frame
      const fail = () => {
        if (done) return
        done = true
        s.onopen = s.onmessage = s.onclose = s.onerror = null
        try {
          s.close()
        } catch {
          /* already closed */
        }
        if (stopped) return
        if (!wsOpen) {
          // Never opened: this network does not do WebSockets; use SSE from now on, at once.
          kind = 'sse'
          start()
          return
        }
        retry()
      }
      s.onerror = fail
      s.onclose = fail
      return
    }
    const es = mkSSE(o.url)
    current = es
    es.onopen = up
    es.onmessage = frame
    es.onerror = () => {
      // EventSource retries by itself while CONNECTING; once CLOSED (2) it has given up.
      if (es.readyState === 2) {
        es.onopen = es.onmessage = es.onerror = null
        retry()
      } else {
        o.onDown?.()
      }
    }
  }

  start()
  return {
    close() {
      stopped = true
      if (timer !== null) cancel(timer)
      current?.close()
    },
    kind: () => kind,
  }
}
