// What a browser remembers about its visitor, per website token, in localStorage: enough to find
// the same contact and conversation after a reload or in another tab of the same site. No cookies.

import type { VisitorState } from './types'

/** storageKey is the localStorage key for a website token. */
export function storageKey(token: string): string {
  return `parley.widget.${token}`
}

/** StoreLike is the part of Storage used here (tests pass a Map-backed fake). */
export interface StoreLike {
  getItem(k: string): string | null
  setItem(k: string, v: string): void
  removeItem(k: string): void
}

function store(): StoreLike | null {
  try {
    return window.localStorage
  } catch {
    return null // storage blocked (private mode, third-party storage off): the chat still works for this page
  }
}

/** parseState reads a stored value, refusing anything without a source id and pubsub token. */
export function parseState(raw: string | null): VisitorState | null {
  if (!raw) return null
  try {
    const v = JSON.parse(raw) as Partial<VisitorState>
    if (typeof v.source_id !== 'string' || !v.source_id || typeof v.pubsub_token !== 'string') return null
    const out: VisitorState = { source_id: v.source_id, pubsub_token: v.pubsub_token }
    if (typeof v.conversation_id === 'number' && v.conversation_id > 0) out.conversation_id = v.conversation_id
    if (typeof v.identifier === 'string' && v.identifier) out.identifier = v.identifier
    return out
  } catch {
    return null
  }
}

/** load returns the remembered visitor for token, if any. */
export function load(token: string, s: StoreLike | null = store()): VisitorState | null {
  return parseState(s?.getItem(storageKey(token)) ?? null)
}

/** save remembers v for token. */
export function save(token: string, v: VisitorState, s: StoreLike | null = store()): void {
  try {
    s?.setItem(storageKey(token), JSON.stringify(v))
  } catch {
    /* quota or blocked: this page keeps its state in memory */
  }
}

/** forget drops the remembered visitor ("reset", or a source id the server no longer knows). */
export function forget(token: string, s: StoreLike | null = store()): void {
  try {
    s?.removeItem(storageKey(token))
  } catch {
    /* blocked */
  }
}
