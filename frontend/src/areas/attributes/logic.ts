// Pure rules of custom attributes that the UI must apply exactly as the server does: the key a
// display name becomes, the text form of a stored value, and the "try a value" regex tester.

import type { AttributeDefinition, AttributeType } from './types'

// The accented letters the server folds (contacts.KeyFromName's table).
const FOLD: Record<string, string> = {}
for (const [base, accented] of Object.entries({ a: 'áàâãäåª', e: 'éèêë', i: 'íìîï', o: 'óòôõöº', u: 'úùûü', c: 'ç', n: 'ñ', y: 'ýÿ' })) {
  for (const ch of accented) FOLD[ch] = base
}

/**
 * keyFromName mirrors the server's KeyFromName so the dialog can show the key before saving:
 * accents folded, lower case, runs of anything else than a-z0-9 become one "_", never a leading
 * digit ("f_" prefix), at most 64 characters. The server stays the judge; this is a preview.
 */
export function keyFromName(name: string): string {
  let out = ''
  let sep = false
  for (const raw of name.toLowerCase()) {
    const r = FOLD[raw] ?? raw
    if ((r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) {
      if (sep && out.length > 0) out += '_'
      sep = false
      out += r
    } else sep = true
  }
  if (out && out[0] >= '0' && out[0] <= '9') out = 'f_' + out
  if (out.length > 64) out = out.slice(0, 64).replace(/_+$/, '')
  return out
}

/** regexAllowed: the server takes a pattern only for these types. */
export function regexAllowed(type: AttributeType): boolean {
  return type === 'text' || type === 'link' || type === 'number'
}

/** RegexTry is what the tester says about a sample value. */
export type RegexTry = 'empty' | 'invalid' | 'match' | 'nomatch'

/**
 * tryRegex tells whether sample matches pattern. The server uses Go's RE2, which JavaScript's
 * engine reads the same way for the usual patterns (classes, anchors, quantifiers); an
 * anchored pattern is needed to check the whole value, as on the server.
 */
export function tryRegex(pattern: string, sample: string): RegexTry {
  if (!pattern) return 'empty'
  let re: RegExp
  try {
    re = new RegExp(pattern)
  } catch {
    return 'invalid'
  }
  return re.test(sample) ? 'match' : 'nomatch'
}

/** isEmptyValue: what AttributeList hides and what a form sends as "no value". */
export function isEmptyValue(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '')
}

/** formatAttribute is the text a person reads for a stored value of def's type. */
export function formatAttribute(def: Pick<AttributeDefinition, 'attribute_display_type'> | undefined, v: unknown, locale: string, currency = 'BRL', yesNo: [string, string] = ['Yes', 'No']): string {
  if (isEmptyValue(v)) return ''
  const type = def?.attribute_display_type ?? 'text'
  const num = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(',', '.')) : NaN
  switch (type) {
    case 'number':
      // Small numbers are often years or codes (2022, not 2.022); group only large ones.
      return Number.isFinite(num) ? new Intl.NumberFormat(locale, { useGrouping: Math.abs(num) >= 10000, maximumFractionDigits: 4 }).format(num) : String(v)
    case 'currency':
      return Number.isFinite(num) ? new Intl.NumberFormat(locale, { style: 'currency', currency }).format(num) : String(v)
    case 'percent':
      return Number.isFinite(num) ? new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(num) + ' %' : String(v)
    case 'checkbox':
      return v === true || v === 'true' ? yesNo[0] : yesNo[1]
    case 'date': {
      const s = String(v)
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s)
      if (!m) return s
      // A calendar date, not a moment: format it in UTC so no time zone moves it a day.
      return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(+m[1], +m[2] - 1, +m[3]))
    }
    default:
      return String(v)
  }
}

/**
 * cleanValues drops empty entries before a save so "" is not stored as a value; keys that were
 * set before and are now empty are sent as null (the server removes them).
 */
export function cleanValues(values: Record<string, unknown>, before: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(values)) {
    if (!isEmptyValue(v)) out[k] = v
    else if (!isEmptyValue(before[k])) out[k] = null
  }
  return out
}
