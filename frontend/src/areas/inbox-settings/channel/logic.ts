// The logic of the website and API channel settings, apart from the components so it is tested
// on its own: domain chips, the embed snippet and curl recipes, the widget form and the pre-chat
// fields. Channel keys are the server's (app/inboxes/model.go).
import type { Inbox } from '../types'

// ---------------------------------------------------------------- domains

/**
 * normalizeDomain turns what someone types or pastes into an allowed-domain entry the server
 * accepts: "host", "host:port" or "*.host", lower-case. A pasted address loses its scheme and
 * path ("https://Shop.example.com/cart" → "shop.example.com"). null when it is not a domain.
 */
export function normalizeDomain(raw: string): string | null {
  let s = raw.trim().toLowerCase()
  if (!s) return null
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
  s = s.replace(/[/?#].*$/, '')
  s = s.replace(/\.$/, '')
  const m = /^(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?$/.exec(s)
  if (!m) return null
  const labels = m[2].split('.')
  if (labels.some((l) => !l || l.length > 63 || l.startsWith('-') || l.endsWith('-'))) return null
  if (m[1] && labels.length < 2) return null // "*.com" would allow every site
  if (m[3] !== undefined && (Number(m[3]) < 1 || Number(m[3]) > 65535)) return null
  return (m[1] ?? '') + m[2] + (m[3] !== undefined ? ':' + Number(m[3]) : '')
}

/** hostOf gives the allowed-domain entry of a website address ("https://x.com:8080/a" → "x.com:8080"); '' if none. */
export function hostOf(url: string): string {
  try {
    const u = new URL(url.trim())
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return ''
    return normalizeDomain(u.host) ?? ''
  } catch {
    return ''
  }
}

/**
 * addDomains adds what was typed (one entry, or several separated by commas, spaces or new
 * lines) to list: entries normalised, duplicates dropped, and what could not be read handed
 * back in rejected so the box can keep it for correction.
 */
export function addDomains(list: readonly string[], input: string): { list: string[]; rejected: string[] } {
  const out = [...list]
  const rejected: string[] = []
  for (const part of input.split(/[\s,;]+/)) {
    if (!part) continue
    const d = normalizeDomain(part)
    if (!d) rejected.push(part)
    else if (!out.includes(d)) out.push(d)
  }
  return { list: out, rejected }
}

// ---------------------------------------------------------------- snippet and recipes

/**
 * widgetSnippet is the embed code of a website inbox, the same shape the server sends as
 * web_widget_script; the pages show the server's and fall back to this one.
 */
export function widgetSnippet(baseUrl: string, websiteToken: string): string {
  const base = baseUrl.replace(/\/+$/, '')
  return [
    '<script>',
    '  (function(d,t) {',
    `    var BASE_URL=${JSON.stringify(base)};`,
    '    var g=d.createElement(t),s=d.getElementsByTagName(t)[0];',
    '    g.src=BASE_URL+"/widget/sdk.js";',
    '    g.async=true;',
    '    s.parentNode.insertBefore(g,s);',
    '    g.onload=function(){',
    `      window.parleySDK.run({ websiteToken: '${websiteToken.replace(/[^A-Za-z0-9_-]/g, '')}', baseUrl: BASE_URL })`,
    '    }',
    '  })(document,"script");',
    '</script>',
  ].join('\n')
}

/** snippetOf is the inbox's embed code: the server's when it sent one. */
export function snippetOf(inbox: Pick<Inbox, 'inbox_identifier'> & { web_widget_script?: unknown; website_token?: unknown }, origin: string): string {
  if (typeof inbox.web_widget_script === 'string' && inbox.web_widget_script) return inbox.web_widget_script
  const token = typeof inbox.website_token === 'string' && inbox.website_token ? inbox.website_token : inbox.inbox_identifier
  return widgetSnippet(origin, token)
}

/** One call of the client API recipe, as a curl command. */
export interface CurlStep {
  /** i18n key under inboxSettings.apiInbox.curl. */
  key: 'createContact' | 'createConversation' | 'sendMessage'
  command: string
}

/** shellQuote wraps s in single quotes for a POSIX shell. */
function shellQuote(s: string): string {
  return "'" + s.replace(/'/g, "'\\''") + "'"
}

/**
 * clientApiCurls is how an integration talks to an API inbox through the public client API (no
 * token: the inbox identifier is the address). Each POST carries a source_id, the integration's
 * own id, so a retry never duplicates anything. <…> parts are the previous answers' values.
 */
export function clientApiCurls(origin: string, identifier: string): CurlStep[] {
  const base = `${origin.replace(/\/+$/, '')}/public/api/v1/inboxes/${identifier}`
  const post = (url: string, body: unknown) =>
    `curl -X POST ${shellQuote(url)} \\\n  -H 'Content-Type: application/json' \\\n  -d ${shellQuote(JSON.stringify(body))}`
  return [
    {
      key: 'createContact',
      command: post(`${base}/contacts`, { identifier: 'customer-1042', name: 'Ana Souza', email: 'ana@example.com', phone_number: '+5511999990000' }),
    },
    {
      key: 'createConversation',
      command: post(`${base}/contacts/<contact source_id>/conversations`, { source_id: 'ticket-88' }),
    },
    {
      key: 'sendMessage',
      command: post(`${base}/contacts/<contact source_id>/conversations/<conversation id>/messages`, { content: 'Hello!', source_id: 'msg-5001' }),
    },
  ]
}

/** Languages of the identity validation samples. */
export type HmacLang = 'node' | 'php'

/**
 * hmacSample computes identifier_hash on the site's server: HMAC-SHA256 of the user's id with
 * the inbox's secret, hex. The secret is written in when it was just generated.
 */
export function hmacSample(lang: HmacLang, secret = '<your inbox secret>'): string {
  if (lang === 'php') {
    return [
      '<?php',
      `$identifierHash = hash_hmac('sha256', (string) $user->id, ${JSON.stringify(secret)});`,
      '// then, in the page:',
      "// window.$parley.setUser('<?= $user->id ?>', { identifier_hash: '<?= $identifierHash ?>', name: '…', email: '…' })",
    ].join('\n')
  }
  return [
    "const crypto = require('crypto')",
    '',
    `const identifierHash = crypto.createHmac('sha256', ${JSON.stringify(secret)})`,
    '  .update(String(user.id))',
    "  .digest('hex')",
    '// then, in the page:',
    '// window.$parley.setUser(String(user.id), { identifier_hash: identifierHash, name: user.name, email: user.email })',
  ].join('\n')
}

// ---------------------------------------------------------------- widget appearance

export const WIDGET_SWATCHES = ['#1F93FF', '#2563EB', '#7C3AED', '#DB2777', '#DC2626', '#EA580C', '#16A34A', '#0D9488', '#334155', '#111827']
export const DEFAULT_WIDGET_COLOR = '#1F93FF'
export const REPLY_TIMES = ['in_a_few_minutes', 'in_a_few_hours', 'in_a_day'] as const
export type ReplyTime = (typeof REPLY_TIMES)[number]
export const FEATURES = ['attachments', 'emoji_picker', 'end_conversation'] as const
export type Feature = (typeof FEATURES)[number]

/** The widget tab's form: a website inbox's appearance settings. */
export interface WidgetForm {
  widget_color: string
  widget_position: 'left' | 'right'
  welcome_title: string
  welcome_tagline: string
  reply_time: ReplyTime
  offline_message: string
  selected_feature_flags: Feature[]
}

function str(ch: Record<string, unknown> | null | undefined, key: string): string {
  const v = ch?.[key]
  return typeof v === 'string' ? v : ''
}

/** strings reads a list-of-strings channel setting. */
export function channelStrings(ch: Record<string, unknown> | null | undefined, key: string): string[] {
  const v = ch?.[key]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

/** widgetForm reads the form from an inbox's channel settings, with the server's defaults. */
export function widgetForm(ch: Record<string, unknown> | null | undefined): WidgetForm {
  const reply = str(ch, 'reply_time') as ReplyTime
  const flags = ch && Array.isArray(ch.selected_feature_flags) ? channelStrings(ch, 'selected_feature_flags') : [...FEATURES]
  return {
    widget_color: str(ch, 'widget_color') || DEFAULT_WIDGET_COLOR,
    widget_position: str(ch, 'widget_position') === 'left' ? 'left' : 'right',
    welcome_title: str(ch, 'welcome_title'),
    welcome_tagline: str(ch, 'welcome_tagline'),
    reply_time: REPLY_TIMES.includes(reply) ? reply : 'in_a_few_minutes',
    offline_message: str(ch, 'offline_message'),
    selected_feature_flags: FEATURES.filter((f) => flags.includes(f)),
  }
}

/** widgetPatch is the channel part of the PATCH that saves the form (channel keys merge on the server). */
export function widgetPatch(f: WidgetForm): Record<string, unknown> {
  return {
    widget_color: f.widget_color,
    widget_position: f.widget_position,
    welcome_title: f.welcome_title.trim(),
    welcome_tagline: f.welcome_tagline.trim(),
    reply_time: f.reply_time,
    offline_message: f.offline_message.trim(),
    selected_feature_flags: FEATURES.filter((x) => f.selected_feature_flags.includes(x)),
  }
}

/** contrastText picks black or white text for a background colour by its luminance (WCAG). */
export function contrastText(hex: string): '#000000' | '#FFFFFF' {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim())
  if (!m) return '#FFFFFF'
  const n = parseInt(m[1], 16)
  const lin = (c: number) => {
    const s = c / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }
  const L = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255)
  // Contrast with white is (1.05)/(L+0.05), with black (L+0.05)/0.05: pick the larger.
  return (L + 0.05) / 0.05 > 1.05 / (L + 0.05) ? '#000000' : '#FFFFFF'
}

/** avatarUrl is where the widget's avatar is served, '' when there is none. */
export function avatarUrl(ch: Record<string, unknown> | null | undefined): string {
  const h = str(ch, 'avatar_hash')
  return h ? `/media/avatars/${encodeURIComponent(h)}` : ''
}

// ---------------------------------------------------------------- pre-chat form

export const FIELD_TYPES = ['text', 'email', 'phone', 'number', 'checkbox', 'list'] as const
export type FieldType = (typeof FIELD_TYPES)[number]
/** The contact's own fields; every other name is a custom attribute key. */
export const STANDARD_FIELDS = ['fullName', 'emailAddress', 'phoneNumber'] as const

/** One field of the pre-chat form, as the server keeps it. */
export interface PreChatField {
  name: string
  label: string
  type: FieldType
  required: boolean
  enabled: boolean
  /** Choices of a "list" field. */
  values?: string[]
}

export interface PreChatForm {
  enabled: boolean
  message: string
  fields: PreChatField[]
}

/**
 * standardFields are the fields a new form starts with: the email on and required, the name on,
 * the phone off (the server's defaults). Their labels are empty: the widget then names them in
 * the visitor's language, which a label typed here (read as written) would not.
 */
export function standardFields(): PreChatField[] {
  return [
    { name: 'emailAddress', label: '', type: 'email', required: true, enabled: true },
    { name: 'fullName', label: '', type: 'text', required: false, enabled: true },
    { name: 'phoneNumber', label: '', type: 'phone', required: false, enabled: false },
  ]
}

export function isStandard(name: string): boolean {
  return (STANDARD_FIELDS as readonly string[]).includes(name)
}

/** preChatForm reads the form from the channel settings; the standard fields are always there. */
export function preChatForm(ch: Record<string, unknown> | null | undefined): PreChatForm {
  const opts = (ch?.pre_chat_form_options ?? {}) as { pre_chat_message?: unknown; pre_chat_fields?: unknown }
  const raw = Array.isArray(opts.pre_chat_fields) ? (opts.pre_chat_fields as Array<Partial<PreChatField>>) : []
  const fields: PreChatField[] = raw
    .filter((f) => f && typeof f.name === 'string')
    .map((f) => ({
      name: f.name!,
      label: typeof f.label === 'string' ? f.label : '',
      type: (FIELD_TYPES as readonly string[]).includes(f.type as string) ? (f.type as FieldType) : 'text',
      required: !!f.required,
      enabled: f.enabled !== false,
      ...(f.type === 'list' ? { values: Array.isArray(f.values) ? f.values.map(String) : [] } : {}),
    }))
  for (const s of standardFields()) if (!fields.some((f) => f.name === s.name)) fields.push({ ...s, enabled: raw.length ? false : s.enabled })
  return { enabled: ch?.pre_chat_form_enabled === true, message: typeof opts.pre_chat_message === 'string' ? opts.pre_chat_message : '', fields }
}

/** attributeKey turns a label into a custom attribute key ("Order number" → "order_number"). */
export function attributeKey(label: string): string {
  return label
    .trim()
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
}

export type FieldProblem = 'labelRequired' | 'keyInvalid' | 'keyDuplicate' | 'valuesRequired'

/**
 * preChatProblems checks the fields before saving: a custom field needs a label (a contact field
 * may leave it empty, the widget names it) and a key of [a-z0-9_] used once, a list at least one
 * choice. Index → first problem.
 */
export function preChatProblems(fields: readonly PreChatField[]): Record<number, FieldProblem> {
  const out: Record<number, FieldProblem> = {}
  const seen = new Set<string>()
  fields.forEach((f, i) => {
    let p: FieldProblem | null = null
    if (!isStandard(f.name) && !f.label.trim()) p = 'labelRequired'
    else if (!isStandard(f.name) && !/^[a-z0-9_]+$/.test(f.name)) p = 'keyInvalid'
    else if (seen.has(f.name)) p = 'keyDuplicate'
    else if (f.type === 'list' && !(f.values ?? []).some((v) => v.trim())) p = 'valuesRequired'
    seen.add(f.name)
    if (p) out[i] = p
  })
  return out
}

/** preChatPatch is the channel part of the PATCH that saves the form. */
export function preChatPatch(f: PreChatForm): Record<string, unknown> {
  return {
    pre_chat_form_enabled: f.enabled,
    pre_chat_form_options: {
      pre_chat_message: f.message.trim(),
      pre_chat_fields: f.fields.map((x) => {
        const out: PreChatField = { name: x.name, label: x.label.trim(), type: x.type, required: x.required, enabled: x.enabled }
        if (x.type === 'list') out.values = (x.values ?? []).map((v) => v.trim()).filter(Boolean)
        return out
      }),
    },
  }
}

// Placeholders of address boxes. They live in script: vue-tsc 3.3 mangles "//" inside template
// attribute values, which breaks the type check of the whole template.
export const URL_PLACEHOLDER = 'https://'
export const SITE_PLACEHOLDER = 'https://www.example.com'
export const ENDPOINT_PLACEHOLDER = 'https://example.com/parley-events'

/** The closing tag the snippet goes before; kept out of templates, whose parser reads tags. */
export const BODY_TAG = '</body>'
