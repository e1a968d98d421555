import { describe, expect, it } from 'vitest'
import { formatMoney, orderBody, toCents, type OrderForm } from '@/areas/orders/logic'

const base: OrderForm = { contact_id: 7, deal_id: null, title: ' Pedido 1 ', value: 19.99, currency: 'BRL', status: 'pending', source: 'manual', ordered_at: new Date(2026, 0, 5, 0, 0), paid_at: null, external_id: ' ext-1 ', notes: '' }

describe('orders logic', () => {
  it('turns typed decimals into cents without float drift', () => {
    expect(toCents(19.99)).toBe(1999)
    expect(toCents(0.1 + 0.2)).toBe(30)
    expect(toCents(null)).toBe(0)
  })

  it('formats cents in the currency', () => {
    expect(formatMoney(123450, 'USD', 'en')).toBe('$1,234.50')
  })

  it('sends a new order with dates as days and trimmed text', () => {
    expect(orderBody(base)).toEqual({ contact_id: 7, deal_id: undefined, title: 'Pedido 1', value_cents: 1999, currency: 'BRL', status: 'pending', source: 'manual', external_id: 'ext-1', notes: '', ordered_at: '2026-01-05' })
  })

  it('on edit leaves untouched days out, clears a removed payment date and the deal', () => {
    const orderedAt = new Date(2026, 0, 5, 14, 30).getTime() / 1000
    const paidAt = new Date(2026, 0, 6, 9, 0).getTime() / 1000
    const body = orderBody({ ...base, ordered_at: new Date(orderedAt * 1000) }, { ordered_at: orderedAt, paid_at: paidAt })
    expect(body.ordered_at).toBeUndefined()
    expect(body.paid_at).toBe('') // an empty paid_at clears it; null would be refused
    expect(body.deal_id).toBe(0) // 0 unlinks the deal
  })
})
