// The SDK's side of the postMessage bridge with the chat window. Any page script can post
// messages to the host window, so only messages from Parley's origin AND from our own iframe are
// believed; and only the known commands pass.

/** FromFrame is what the chat window tells the host page. */
export type FromFrame =
  | { parley: 'ready' }
  | { parley: 'unread'; count: number }
  | { parley: 'close' }
  | { parley: 'state'; state: string | null }

/** maxState bounds the visitor state the frame may store in the host page (a few ids). */
const maxState = 2048

/** MessageLike is the part of a MessageEvent the check reads. */
export interface MessageLike {
  origin: string
  source: unknown
  data: unknown
}

/**
 * accept returns the command in ev when it comes from the widget frame (origin is Parley's and
 * the sender is the frame's window), else null.
 */
export function accept(ev: MessageLike, parleyOrigin: string, frame: unknown): FromFrame | null {
  if (!frame || ev.origin !== parleyOrigin || ev.source !== frame) return null
  const d = ev.data as { parley?: unknown; count?: unknown } | null
  if (!d || typeof d !== 'object') return null
  if (d.parley === 'ready' || d.parley === 'close') return { parley: d.parley }
  if (d.parley === 'state') {
    const st = (d as { state?: unknown }).state
    if (st === null) return { parley: 'state', state: null }
    return typeof st === 'string' && st.length <= maxState ? { parley: 'state', state: st } : null
  }
  if (d.parley === 'unread') {
    const n = Number(d.count)
    return { parley: 'unread', count: Number.isFinite(n) && n > 0 ? Math.floor(n) : 0 }
  }
  return null
}

/** stateKey is where the host page keeps the visitor's state for a website token. */
export function stateKey(token: string): string {
  return `parley.widget.${token}`
}

/** originOf is the origin of a base URL ('' when it is not a URL). */
export function originOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).origin
  } catch {
    return ''
  }
}

/** labels are the bubble's accessible names in the host page's language (pt* or English). */
export function labels(lang: string | undefined | null): { open: string; close: string; frame: string } {
  const pt = /^pt\b/i.test(lang ?? '')
  return pt ? { open: 'Abrir chat', close: 'Fechar chat', frame: 'Chat' } : { open: 'Open chat', close: 'Close chat', frame: 'Chat' }
}
