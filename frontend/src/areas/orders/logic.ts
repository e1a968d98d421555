// Pure helpers of the orders UI: money in minor units, status colours, and the body a dialog
// sends.

import type { OrderInput, OrderStatus } from './types'

/** formatMoney shows cents in currency for locale ("R$ 1.234,50"). */
export function formatMoney(cents: number | null | undefined, currency: string, locale: string): string {
  const v = (cents ?? 0) / 100
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: currency || 'BRL' }).format(v)
  } catch {
    return `${currency} ${v.toFixed(2)}`
  }
}

/** toCents turns the decimal a person typed into integer minor units without float drift. */
export function toCents(v: number | null | undefined): number {
  if (v === null || v === undefined || !Number.isFinite(v)) return 0
  return Math.round(v * 100)
}

/** STATUS_SEVERITY gives every status its PrimeVue Tag colour: paid is good, failures are red. */
export const STATUS_SEVERITY: Record<OrderStatus, 'success' | 'info' | 'warn' | 'danger' | 'secondary' | 'contrast'> = {
  pending: 'info',
  paid: 'success',
  partially_paid: 'warn',
  overdue: 'danger',
  refunded: 'contrast',
  canceled: 'secondary',
  failed: 'danger',
}

/** isoDay is a local calendar date as YYYY-MM-DD (what the API takes for ordered_at/paid_at). */
export function isoDay(d: Date | null | undefined): string | null {
  if (!d) return null
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** dateOfUnix turns unix seconds into a Date (null stays null). */
export function dateOfUnix(s: number | null | undefined): Date | null {
  return s ? new Date(s * 1000) : null
}

export interface OrderForm {
  contact_id: number | null
  deal_id: number | null
  title: string
  value: number | null
  currency: string
  status: OrderStatus
  source: string
  ordered_at: Date | null
  paid_at: Date | null
  external_id: string
  notes: string
}

/**
 * orderBody is what the dialog sends. A date the person did not touch keeps its time of day:
 * only a changed day is sent, so editing a title never moves an order to midnight.
 */
export function orderBody(f: OrderForm, before?: { ordered_at: number; paid_at: number | null }): OrderInput {
  const body: OrderInput = {
    contact_id: f.contact_id ?? undefined,
    deal_id: f.deal_id ?? (before ? 0 : undefined),
    title: f.title.trim(),
    value_cents: toCents(f.value),
    currency: f.currency,
    status: f.status,
    source: f.source as OrderInput['source'],
    external_id: f.external_id.trim(),
    notes: f.notes.trim(),
  }
  const sameDay = (d: Date | null, s: number | null | undefined) => isoDay(d) === isoDay(dateOfUnix(s))
  if (f.ordered_at && !(before && sameDay(f.ordered_at, before.ordered_at))) body.ordered_at = isoDay(f.ordered_at)!
  if (!f.paid_at) {
    if (before?.paid_at) body.paid_at = ''
  } else if (!(before && sameDay(f.paid_at, before.paid_at))) body.paid_at = isoDay(f.paid_at)!
  return body
}
