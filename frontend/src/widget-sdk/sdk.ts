// parleySDK: the script a website loads with the inbox's snippet. It asks Parley whether this site
// may show the chat (the config call fails for a site not on the inbox's allow-list), then draws
// the bubble in a shadow root (so the site's CSS cannot reach it) and loads the chat window in an
// iframe from Parley's origin at once, hidden, so replies and the unread badge arrive while closed.
// It sets no cookies and keeps no state: the chat window remembers the visitor on Parley's origin.

import { accept, labels, originOf, stateKey } from './bridge'

interface RunOptions {
  websiteToken: string
  baseUrl: string
}

interface Config {
  widget_color?: string
  position?: string
}

interface UserAttrs {
  identifier_hash?: string
  name?: string
  email?: string
  phone_number?: string
}

const icon =
  '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 3C6.5 3 2 6.9 2 11.7c0 2.6 1.3 4.9 3.4 6.5L4.6 22l4.3-2.3c1 .3 2 .4 3.1.4 5.5 0 10-3.9 10-8.7S17.5 3 12 3z"/></svg>'
const closeIcon =
  '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" d="M6 9l6 6 6-6"/></svg>'

function css(color: string, fg: string, side: string): string {
  return `:host{all:initial}
.b{position:fixed;bottom:20px;${side}:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;background:${color};color:${fg};box-shadow:0 4px 16px rgba(0,0,0,.22);display:flex;align-items:center;justify-content:center;padding:0;transition:transform .15s ease}
.b:hover{transform:scale(1.06)}
.b:focus-visible{outline:3px solid ${color};outline-offset:3px}
.n{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;background:#e11d48;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center;border:2px solid #fff}
.n[hidden]{display:none}
.f{position:fixed;bottom:88px;${side}:20px;z-index:2147483000;width:380px;height:600px;max-height:calc(100vh - 108px);border:0;border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.18);background:#fff;opacity:0;visibility:hidden;transform:translateY(12px);transition:opacity .18s ease,transform .18s ease,visibility 0s linear .18s}
.f.o{opacity:1;visibility:visible;transform:none;transition:opacity .18s ease,transform .18s ease}
@media (max-width:499px){.f{inset:0;width:100%;height:100%;max-height:none;border-radius:0}.f.o~.b{display:none}}
@media (prefers-reduced-motion:reduce){.b,.f,.f.o{transition:none}}`
}

/** textOn picks white or near-black for a background (the same rule as the chat window). */
function textOn(hex: string): string {
  const n = parseInt(hex.slice(1), 16)
  const lin = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
  const l = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255)
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.0626 ? '#fff' : '#111827'
}

let started = false

/** run shows the widget of one website inbox on this page. */
/** readState returns the host page's copy of the visitor state (null when none or blocked). */
function readState(): string | null {
  try {
    return localStorage.getItem(stateKey(currentToken))
  } catch {
    return null
  }
}

/** writeState stores (or, for null, forgets) the host page's copy of the visitor state. */
function writeState(state: string | null) {
  try {
    if (state === null) localStorage.removeItem(stateKey(currentToken))
    else localStorage.setItem(stateKey(currentToken), state)
  } catch {
    /* storage blocked on the site: the window keeps the state for this page view */
  }
}

let currentToken = ''

export async function run(opts: RunOptions): Promise<void> {
  if (started) return
  started = true
  const base = String(opts.baseUrl || '').replace(/\/+$/, '')
  const origin = originOf(base)
  const token = String(opts.websiteToken || '')
  currentToken = token
  const queue: object[] = []
  let ready = false
  let frame: HTMLIFrameElement | null = null
  // $parley exists at once so a site can call it early; calls wait for the window.
  const w = window as unknown as { $parley?: unknown }
  const send = (msg: object) => {
    if (ready && frame?.contentWindow) frame.contentWindow.postMessage(msg, origin)
    else queue.push(msg)
  }
  let setOpen: (open: boolean) => void = () => {}
  let isOpen = false
  w.$parley = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!isOpen),
    setUser: (identifier: string, a: UserAttrs = {}) =>
      send({ parley: 'set-user', identifier: String(identifier ?? ''), identifier_hash: a.identifier_hash, name: a.name, email: a.email, phone_number: a.phone_number }),
    reset: () => send({ parley: 'reset' }),
  }

  let cfg: Config
  try {
    if (!origin || !token) throw new Error('websiteToken and baseUrl are required')
    const res = await fetch(`${base}/public/api/v1/widget/${encodeURIComponent(token)}/config`, { credentials: 'omit', mode: 'cors' })
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    cfg = (await res.json()) as Config
  } catch (e) {
    console.warn('Parley chat is not shown on this page:', e instanceof Error ? e.message : e)
    return
  }

  const color = /^#[0-9a-f]{6}$/i.test(cfg.widget_color ?? '') ? (cfg.widget_color as string) : '#1F93FF'
  const side = cfg.position === 'left' ? 'left' : 'right'
  const text = labels(document.documentElement.lang || navigator.language)

  const host = document.createElement('div')
  host.setAttribute('data-testid', 'parley-widget')
  const root = host.attachShadow({ mode: 'open' })
  const style = document.createElement('style')
  style.textContent = css(color, textOn(color), side)

  frame = document.createElement('iframe')
  frame.className = 'f'
  frame.title = text.frame
  frame.setAttribute('data-testid', 'widget-frame')
  frame.setAttribute('allow', 'clipboard-write')
  frame.src = `${base}/widget?website_token=${encodeURIComponent(token)}&locale=${encodeURIComponent(navigator.language || '')}`

  const bubble = document.createElement('button')
  bubble.type = 'button'
  bubble.className = 'b'
  bubble.setAttribute('data-testid', 'widget-bubble')
  bubble.setAttribute('aria-haspopup', 'dialog')
  const badge = document.createElement('span')
  badge.className = 'n'
  badge.hidden = true
  badge.setAttribute('aria-hidden', 'true')

  const paint = () => {
    bubble.innerHTML = isOpen ? closeIcon : icon
    bubble.appendChild(badge)
    bubble.setAttribute('aria-label', isOpen ? text.close : text.open)
    bubble.setAttribute('aria-expanded', String(isOpen))
    frame!.classList.toggle('o', isOpen)
    frame!.setAttribute('aria-hidden', String(!isOpen))
  }
  setOpen = (open: boolean) => {
    if (open === isOpen) return
    isOpen = open
    if (open) badge.hidden = true
    paint()
    // Only the current state matters: the frame is told it on 'ready', so nothing is queued here.
    if (ready) send({ parley: open ? 'open' : 'closed' })
    if (open) frame?.focus()
    else bubble.focus()
  }
  bubble.addEventListener('click', () => setOpen(!isOpen))

  window.addEventListener('message', (ev) => {
    const cmd = accept(ev, origin, frame?.contentWindow)
    if (!cmd) return
    if (cmd.parley === 'ready') {
      ready = true
      // The visitor's state lives in the host page's storage too: browsers that block or
      // partition a cross-site frame's storage keep the site's own, so history survives reloads.
      send({ parley: 'state', state: readState() })
      send({ parley: isOpen ? 'open' : 'closed' })
      for (const m of queue.splice(0)) send(m)
    } else if (cmd.parley === 'state') writeState(cmd.state)
    else if (cmd.parley === 'close') setOpen(false)
    else if (cmd.parley === 'unread') {
      badge.textContent = cmd.count > 9 ? '9+' : String(cmd.count)
      badge.hidden = isOpen || cmd.count === 0
      bubble.setAttribute('aria-label', cmd.count && !isOpen ? `${text.open} (${cmd.count})` : isOpen ? text.close : text.open)
    }
  })

  // Another tab of the site changed the visitor (a new conversation, a reset): tell this window.
  window.addEventListener('storage', (ev) => {
    if (ev.key === stateKey(token) && ready) send({ parley: 'state', state: ev.newValue })
  })

  root.append(style, frame, bubble)
  paint()
  ;(document.body || document.documentElement).appendChild(host)
}
