// The visitor's live link: WebSocket first, SSE when the socket never opens, reconnect with backoff.
import { describe, expect, it } from 'vitest'
import { backoff, connect, wsURL, type SocketLike, type StreamLike } from '@/widget/realtime'

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: unknown) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  closed = false
  constructor(public url: string) {}
  close() {
    this.closed = true
  }
}

class FakeStream implements StreamLike {
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  readyState = 0
  closed = false
  constructor(public url: string) {}
  close() {
    this.closed = true
    this.readyState = 2
  }
}

function harness() {
  const sockets: FakeSocket[] = []
  const streams: FakeStream[] = []
  const frames: unknown[] = []
  const opens: [string, boolean][] = []
  const timers: { fn: () => void; ms: number }[] = []
  const c = connect({
    url: 'https://parley.example/public/api/v1/inboxes/T/realtime?pubsub_token=p',
    onFrame: (f) => frames.push(f),
    onOpen: (k, re) => opens.push([k, re]),
    ws: (u) => (sockets.push(new FakeSocket(u)), sockets[sockets.length - 1]),
    sse: (u) => (streams.push(new FakeStream(u)), streams[streams.length - 1]),
    schedule: (fn, ms) => timers.push({ fn, ms }),
    cancel: () => {},
  })
  return { c, sockets, streams, frames, opens, timers }
}

describe('realtime transport', () => {
  it('uses the WebSocket when it opens and passes JSON frames', () => {
    const h = harness()
    expect(h.sockets[0].url).toBe('wss://parley.example/public/api/v1/inboxes/T/realtime?pubsub_token=p')
    h.sockets[0].onopen?.({})
    h.sockets[0].onmessage?.({ data: '{"event":"presence.update","data":{"online":true}}' })
    h.sockets[0].onmessage?.({ data: 'garbage' })
    expect(h.frames).toEqual([{ event: 'presence.update', data: { online: true } }])
    expect(h.opens).toEqual([['ws', false]])
    expect(h.streams.length).toBe(0)
    expect(h.c.kind()).toBe('ws')
  })

  it('falls back to SSE on the same URL when the socket fails before opening', () => {
    const h = harness()
    h.sockets[0].onerror?.({})
    h.sockets[0].onclose?.({}) // error then close: still one fallback
    expect(h.streams.length).toBe(1)
    expect(h.streams[0].url).toBe('https://parley.example/public/api/v1/inboxes/T/realtime?pubsub_token=p')
    expect(h.c.kind()).toBe('sse')
    h.streams[0].onopen?.({})
    h.streams[0].onmessage?.({ data: '{"event":"message.created","data":{"id":1}}' })
    expect(h.opens).toEqual([['sse', false]])
    expect(h.frames.length).toBe(1)
    // A given-up stream reconnects over SSE, not WebSocket, after a backoff, and says so.
    h.streams[0].readyState = 2
    h.streams[0].onerror?.({})
    expect(h.timers.map((t) => t.ms)).toEqual([1000])
    h.timers[0].fn()
    expect(h.sockets.length).toBe(1)
    expect(h.streams.length).toBe(2)
    h.streams[1].onopen?.({})
    expect(h.opens[1]).toEqual(['sse', true])
  })

  it('reconnects a dropped WebSocket with backoff and reports the reconnect', () => {
    const h = harness()
    h.sockets[0].onopen?.({})
    h.sockets[0].onclose?.({})
    expect(h.streams.length).toBe(0) // it worked once: keep using WebSockets
    expect(h.timers.length).toBe(1)
    h.timers[0].fn()
    expect(h.sockets.length).toBe(2)
    h.sockets[1].onopen?.({})
    expect(h.opens).toEqual([
      ['ws', false],
      ['ws', true],
    ])
  })

  it('stops for good on close', () => {
    const h = harness()
    h.sockets[0].onopen?.({})
    h.c.close()
    expect(h.sockets[0].closed).toBe(true)
    expect(h.timers.length).toBe(0)
  })

  it('backs off from 1 s to at most 30 s and maps schemes', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(backoff)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000])
    expect(wsURL('http://a/b')).toBe('ws://a/b')
    expect(wsURL('https://a/b')).toBe('wss://a/b')
  })
})
