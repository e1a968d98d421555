// The SDK believes only messages from Parley's origin sent by its own iframe.
import { describe, expect, it } from 'vitest'
import { accept, labels, originOf } from '@/widget-sdk/bridge'

describe('SDK postMessage check', () => {
  const frame = { name: 'frame window' }
  const origin = originOf('https://chat.example.com:8443/')

  it('accepts the frame commands from the right origin and window', () => {
    expect(origin).toBe('https://chat.example.com:8443')
    expect(accept({ origin, source: frame, data: { parley: 'ready' } }, origin, frame)).toEqual({ parley: 'ready' })
    expect(accept({ origin, source: frame, data: { parley: 'close' } }, origin, frame)).toEqual({ parley: 'close' })
    expect(accept({ origin, source: frame, data: { parley: 'unread', count: 3 } }, origin, frame)).toEqual({ parley: 'unread', count: 3 })
    expect(accept({ origin, source: frame, data: { parley: 'unread', count: 'x' } }, origin, frame)).toEqual({ parley: 'unread', count: 0 })
  })

  it('refuses other origins, other windows and unknown commands', () => {
    expect(accept({ origin: 'https://evil.example', source: frame, data: { parley: 'close' } }, origin, frame)).toBeNull()
    expect(accept({ origin: 'https://chat.example.com', source: frame, data: { parley: 'close' } }, origin, frame)).toBeNull() // port differs
    expect(accept({ origin, source: { other: true }, data: { parley: 'close' } }, origin, frame)).toBeNull()
    expect(accept({ origin, source: null, data: { parley: 'close' } }, origin, null)).toBeNull()
    expect(accept({ origin, source: frame, data: { parley: 'set-user' } }, origin, frame)).toBeNull()
    expect(accept({ origin, source: frame, data: 'ready' }, origin, frame)).toBeNull()
  })

  it('passes the visitor state to the host page only when it is a small string or null', () => {
    const state = JSON.stringify({ source_id: 'S1', pubsub_token: 'P1', conversation_id: 4 })
    expect(accept({ origin, source: frame, data: { parley: 'state', state } }, origin, frame)).toEqual({ parley: 'state', state })
    expect(accept({ origin, source: frame, data: { parley: 'state', state: null } }, origin, frame)).toEqual({ parley: 'state', state: null })
    expect(accept({ origin, source: frame, data: { parley: 'state', state: { source_id: 'S1' } } }, origin, frame)).toBeNull()
    expect(accept({ origin, source: frame, data: { parley: 'state', state: 'x'.repeat(4096) } }, origin, frame)).toBeNull()
    expect(accept({ origin: 'https://evil.example', source: frame, data: { parley: 'state', state } }, origin, frame)).toBeNull()
  })

  it('names the bubble in the page language', () => {
    expect(labels('pt-BR').open).toBe('Abrir chat')
    expect(labels('en-US').open).toBe('Open chat')
    expect(originOf('not a url')).toBe('')
  })
})
