// API shapes of the orders registry, taken from the generated schema (src/api/schema.d.ts, made by
// `make api-types` from the server's OpenAPI document) so that a change on the server is a type
// error here. Go says `string` for status and source; the closed sets are spelled out below.
// Times are unix seconds.
import type { Schemas } from '@/api/types'

export const ORDER_STATUSES = ['pending', 'paid', 'partially_paid', 'overdue', 'refunded', 'canceled', 'failed'] as const
export const ORDER_SOURCES = ['manual', 'webhook', 'api', 'payments', 'commerce'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]
export type OrderSource = (typeof ORDER_SOURCES)[number]

/** An order of a contact, optionally of one of its deals (deal is null then). */
export type Order = Omit<Schemas['OrderView'], 'status' | 'source' | 'deal'> & {
  status: OrderStatus
  source: OrderSource
  deal: Schemas['OrderDealRef'] | null
}

/**
 * What POST and PATCH accept; absent fields are left alone. A deal_id of 0 unlinks the deal and an
 * empty paid_at clears it (null would be refused: the fields are not nullable).
 */
export type OrderInput = Omit<Schemas['OrderInput'], 'status' | 'source'> & { status?: OrderStatus; source?: OrderSource }

/** One page of orders with Chatwoot's meta. */
export type OrderList = Omit<Schemas['OrderList'], 'payload'> & { payload: Order[] | null }

export interface OrderFilters {
  contact_id?: number
  deal_id?: number
  status?: OrderStatus
  source?: OrderSource
  page?: number
}

/** A contact as pickers show it (a subset of the contact view). */
export type ContactRef = Pick<Schemas['ContactView'], 'id' | 'name'> & Partial<Pick<Schemas['ContactView'], 'email' | 'phone_number'>>

/** A deal as pickers show it (a subset of the deal view). */
export type DealRef = Pick<Schemas['DealView'], 'id' | 'title'> & Partial<Pick<Schemas['DealView'], 'contact_id' | 'value_cents' | 'currency'>>
