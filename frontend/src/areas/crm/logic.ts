// Pure rules of the CRM screens, kept out of the components so tests can check them: the line
// item arithmetic (the same as the server's, so the preview never disagrees with the saved
// total), money display, where a dropped card lands, and board filter queries.

import type { BoardFilters, Column, Deal, DealFilters, DiscountType, Stage } from './types'

/** roundDiv divides n by d (d > 0) rounding half away from zero, like the server. */
export function roundDiv(n: number, d: number): number {
  const r = Math.floor((2 * Math.abs(n) + d) / (2 * d))
  return n < 0 && r ? -r : r
}

/** A line as the totals need it; quantity may carry up to 3 decimals, percent up to 2. */
export interface LineMath {
  quantity: number
  unit_price_cents: number
  discount_type: DiscountType
  discount_value: number
}

/** lineTotals previews subtotal, discount and total of a line in cents; the total is never negative. */
export function lineTotals(l: LineMath): { subtotal: number; discount: number; total: number } {
  const milli = Math.round((Number(l.quantity) || 0) * 1000)
  const price = Math.max(0, Math.round(Number(l.unit_price_cents) || 0))
  const subtotal = roundDiv(milli * price, 1000)
  let discount = 0
  const v = Number(l.discount_value) || 0
  if (l.discount_type === 'fixed') discount = Math.max(0, Math.round(v))
  else if (l.discount_type === 'percent') {
    const hundredths = Math.min(10000, Math.max(0, Math.round(v * 100)))
    discount = roundDiv(subtotal * hundredths, 10000)
  }
  return { subtotal, discount, total: Math.max(0, subtotal - discount) }
}

/** dealValuePreview is the automatic deal value: the sum of the line totals. */
export function dealValuePreview(lines: LineMath[]): number {
  return lines.reduce((sum, l) => sum + lineTotals(l).total, 0)
}

/** formatMoney shows cents in a currency in the UI's locale ("R$ 1.234,50"). */
export function formatMoney(cents: number | null | undefined, currency: string, locale: string): string {
  const value = (cents ?? 0) / 100
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: currency || 'BRL' }).format(value)
  } catch {
    return `${currency} ${value.toFixed(2)}`
  }
}

/** formatByCurrency shows a per-currency sum as "R$ 10,00 + US$ 5,00"; empty sums show zero. */
export function formatByCurrency(m: Record<string, number> | null | undefined, locale: string, fallback: string): string {
  const entries = Object.entries(m ?? {}).filter(([, v]) => v)
  if (!entries.length) return formatMoney(0, fallback, locale)
  return entries.map(([c, v]) => formatMoney(v, c, locale)).join(' + ')
}

/** toCents reads a typed amount ("12.5", 12.5) as cents. */
export function toCents(v: number | null | undefined): number {
  return Math.round((v ?? 0) * 100)
}

/** dropIndex is where a dropped card lands (shared by every board). */
export { dropIndex } from '@/composables/useBoardDrag'

/**
 * moveCard is the board after the deal moved to stage at index (optimistic update); counts
 * follow, and totals move the deal's value between the columns.
 */
export function moveCard(columns: Column[], dealId: number, stageId: number, index: number, probabilityOf: (stageId: number) => number): Column[] {
  let deal: Deal | undefined
  const without = columns.map((c) => {
    const at = c.deals.findIndex((d) => d.id === dealId)
    if (at < 0) return c
    deal = c.deals[at]
    return { ...c, count: c.count - 1, total_cents: addCents(c.total_cents, deal.currency, -deal.value_cents), weighted_cents: addCents(c.weighted_cents, deal.currency, -weighted(deal.value_cents, probabilityOf(c.stage_id))), deals: c.deals.filter((d) => d.id !== dealId) }
  })
  if (!deal) return columns
  const moved: Deal = { ...deal, stage_id: stageId }
  return without.map((c) => {
    if (c.stage_id !== stageId) return c
    const deals = [...c.deals]
    deals.splice(Math.max(0, Math.min(index, deals.length)), 0, moved)
    return { ...c, count: c.count + 1, total_cents: addCents(c.total_cents, moved.currency, moved.value_cents), weighted_cents: addCents(c.weighted_cents, moved.currency, weighted(moved.value_cents, probabilityOf(stageId))), deals }
  })
}

/** weighted is value × probability / 100, rounded half away from zero like the forecast. */
export function weighted(cents: number, probability: number): number {
  return roundDiv(cents * Math.round(probability), 100)
}

function addCents(m: Record<string, number>, currency: string, delta: number): Record<string, number> {
  const out = { ...m }
  out[currency] = (out[currency] ?? 0) + delta
  return out
}

/** boardQuery turns the filter bar into query parameters, leaving out what is not set. */
export function boardQuery(f: BoardFilters): Record<string, string | number | undefined> {
  const q: Record<string, string | number | undefined> = {}
  for (const [k, v] of Object.entries(f)) {
    if (v === null || v === undefined || v === '') continue
    q[k] = typeof v === 'number' ? v : String(v).trim() || undefined
  }
  return q
}

/**
 * viewFilters is what a saved view stores: the set filters only, since the server's fields are
 * not nullable (a null would be refused) and an empty one means "any" anyway.
 */
export function viewFilters(f: BoardFilters): DealFilters {
  const out: DealFilters = {}
  for (const [k, v] of Object.entries(f) as [keyof BoardFilters, BoardFilters[keyof BoardFilters]][]) {
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) continue
    ;(out as Record<string, unknown>)[k] = typeof v === 'string' ? v.trim() : v
  }
  return out
}

/** isoDay formats a date as YYYY-MM-DD in local time (what DatePicker gives back). */
export function isoDay(d: Date | null | undefined): string {
  if (!d) return ''
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** dayOf reads YYYY-MM-DD as a local date for DatePicker; null when empty or malformed. */
export function dayOf(s: string | null | undefined): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s ?? '')
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null
}

/** stageFieldErrors groups "stages[2].name" messages by row for the pipeline editor. */
export function stageFieldErrors(fields: Record<string, string>): Record<number, Record<string, string>> {
  const out: Record<number, Record<string, string>> = {}
  for (const [k, msg] of Object.entries(fields)) {
    const m = /^stages\[(\d+)\]\.?(\w*)$/.exec(k)
    if (!m) continue
    const row = Number(m[1])
    out[row] = { ...(out[row] ?? {}), [m[2] || 'row']: msg }
  }
  return out
}

/** PALETTE is offered for new stages, in order. */
export const PALETTE = ['#3b82f6', '#06b6d4', '#8b5cf6', '#f59e0b', '#ec4899', '#14b8a6', '#6366f1', '#84cc16']

/** newStage is the row "Add stage" appends: open, next palette colour, a middling probability. */
export function newStage(existing: Stage[]): Stage {
  const open = existing.filter((s) => s.kind === 'open').length
  return { name: '', color: PALETTE[open % PALETTE.length], probability: 50, kind: 'open' }
}

/** withKindRules forces won to 100 % and lost to 0 %, as the server does. */
export function withKindRules(s: Stage): Stage {
  if (s.kind === 'won') return { ...s, probability: 100 }
  if (s.kind === 'lost') return { ...s, probability: 0 }
  return s
}

/** unixDate reads unix seconds as a Date (null for 0/null). */
export function unixDate(v: number | null | undefined): Date | null {
  return v ? new Date(v * 1000) : null
}

/** formatUnix shows unix seconds as a date and time in the account's time zone. */
export function formatUnix(v: number | null | undefined, locale: string, timeZone?: string, withTime = true): string {
  const d = unixDate(v)
  if (!d) return ''
  try {
    return new Intl.DateTimeFormat(locale, withTime ? { dateStyle: 'medium', timeStyle: 'short', timeZone } : { dateStyle: 'medium', timeZone }).format(d)
  } catch {
    return d.toLocaleString()
  }
}

/** formatDay shows YYYY-MM-DD without shifting it through a time zone. */
export function formatDay(s: string | null | undefined, locale: string): string {
  const d = dayOf(s)
  return d ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(d) : ''
}
