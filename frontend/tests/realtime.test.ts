import { describe, expect, it, vi } from 'vitest'
import { Realtime, WAILS_EVENT, parseMessage, pickTransport } from '@/realtime'

class FakeEventSource {
  static instances: FakeEventSource[] = []
  readyState = 0
  closed = false
  onopen: (() => void) | null = null
  onmessage: ((ev: { data: string }) => void) | null = null
  onerror: (() => void) | null = null
  constructor(public url: string) {
    FakeEventSource.instances.push(this)
  }
  close() {
    this.closed = true
    this.readyState = 2
  }
}

describe('pickTransport', () => {
  it('prefers Wails events inside the desktop window', () => {
    expect(pickTransport({ runtime: { EventsOn: () => () => {} }, EventSource: FakeEventSource })).toBe('wails')
  })
  it('uses SSE in a browser', () => {
    expect(pickTransport({ EventSource: FakeEventSource })).toBe('sse')
    expect(pickTransport({ runtime: {}, EventSource: FakeEventSource })).toBe('sse')
  })
  it('has nothing without either', () => {
    expect(pickTransport({})).toBeNull()
    expect(pickTransport(undefined)).toBeNull()
  })
})

describe('parseMessage', () => {
  it('accepts JSON strings and objects, rejects junk', () => {
    expect(parseMessage('{"type":"a","data":1}')).toEqual({ type: 'a', data: 1 })
    expect(parseMessage({ type: 'b', data: null })).toEqual({ type: 'b', data: null })
    expect(parseMessage('not json')).toBeNull()
    expect(parseMessage('{"data":1}')).toBeNull()
  })
})

describe('Realtime', () => {
  it('listens to the "parley" Wails event and dispatches by type', () => {
    let registered: ((...d: unknown[]) => void) | null = null
    const off = vi.fn()
    const EventsOn = vi.fn((name: string, cb: (...d: unknown[]) => void) => {
      expect(name).toBe(WAILS_EVENT)
      registered = cb
      return off
    })
    const rt = new Realtime({ win: { runtime: { EventsOn } } })
    const created = vi.fn()
    const all = vi.fn()
    const other = vi.fn()
    rt.subscribe('notification.created', created)
    rt.subscribe('*', all)
    rt.subscribe('agent.updated', other)
    rt.connect('tok')
    expect(rt.transport).toBe('wails')
    registered!(JSON.stringify({ type: 'notification.created', account_id: 1, data: { id: 9 } }))
    expect(created).toHaveBeenCalledWith({ type: 'notification.created', account_id: 1, data: { id: 9 } })
    expect(all).toHaveBeenCalledOnce()
    expect(other).not.toHaveBeenCalled()
    rt.disconnect()
    expect(off).toHaveBeenCalledOnce()
  })

  it('opens an EventSource with the token, and reopens it after the server closes it', () => {
    vi.useFakeTimers()
    FakeEventSource.instances = []
    const rt = new Realtime({
      win: { EventSource: FakeEventSource },
      makeEventSource: (u) => new FakeEventSource(u) as unknown as EventSource,
      backoff: () => 1000,
    })
    const got = vi.fn()
    const unsubscribe = rt.subscribe('notification.created', got)
    rt.connect('a b')
    expect(rt.transport).toBe('sse')
    const first = FakeEventSource.instances[0]
    expect(first.url).toBe('/api/v1/realtime?token=a%20b')
    first.onopen!()
    first.onmessage!({ data: '{"type":"notification.created","data":{"id":1}}' })
    expect(got).toHaveBeenCalledOnce()

    // A transient error while the browser retries by itself: no new connection.
    first.readyState = 0
    first.onerror!()
    expect(FakeEventSource.instances).toHaveLength(1)

    // The connection is closed for good (e.g. an HTTP error): reconnect after the backoff.
    first.readyState = 2
    first.onerror!()
    expect(first.closed).toBe(true)
    vi.advanceTimersByTime(999)
    expect(FakeEventSource.instances).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeEventSource.instances).toHaveLength(2)

    unsubscribe()
    FakeEventSource.instances[1].onmessage!({ data: '{"type":"notification.created","data":{}}' })
    expect(got).toHaveBeenCalledOnce()

    rt.disconnect()
    expect(FakeEventSource.instances[1].closed).toBe(true)
    vi.useRealTimers()
  })
})
