// The orders calls and the contact/deal look-ups that order and custom object forms share.

import { accountPath, api } from '@/api/client'
import { unwrapList, unwrapOne } from '@/areas/inbox-settings/helpers'
import { useSession } from '@/stores/session'
import type { ContactRef, DealRef, Order, OrderFilters, OrderInput, OrderList } from './types'

function path(rest: string): string {
  return accountPath(useSession().current!.id, rest)
}

export const ordersApi = {
  list: (f: OrderFilters = {}) => api.get<OrderList>(path('orders'), { query: { ...f } }),
  get: (id: number) => api.get<Order>(path(`orders/${id}`)),
  create: (body: OrderInput) => api.post<Order>(path('orders'), body),
  update: (id: number, body: OrderInput) => api.patch<Order>(path(`orders/${id}`), body),
  remove: (id: number) => api.del(path(`orders/${id}`)),
}

/** searchContacts finds contacts by keyword (name, email, phone) for pickers. */
export async function searchContacts(q: string): Promise<ContactRef[]> {
  const res = q.trim() ? await api.get<unknown>(path('contacts/search'), { query: { q: q.trim() } }) : await api.get<unknown>(path('contacts'))
  return unwrapList<ContactRef>(res)
}

/** getContact is one contact for showing a picked id. */
export async function getContact(id: number): Promise<ContactRef> {
  return unwrapOne<ContactRef>(await api.get<unknown>(path(`contacts/${id}`)))
}

/** searchDeals lists deals for pickers: a contact's deals, or by keyword. */
export async function searchDeals(q: string, contactId?: number | null): Promise<DealRef[]> {
  return unwrapList<DealRef>(await api.get<unknown>(path('deals'), { query: { q: q.trim() || undefined, contact_id: contactId ?? undefined } }))
}
