// The line item preview must agree with the server's arithmetic to the cent, or the deal page
// would show one value and save another; these cases mirror the rules of app/crm/items.go.
import { describe, expect, it } from 'vitest'
import { boardQuery, dealValuePreview, dropIndex, lineTotals, moveCard, roundDiv, stageFieldErrors, viewFilters, withKindRules } from '@/areas/crm/logic'
import type { Column, Deal } from '@/areas/crm/types'

describe('roundDiv', () => {
  it('rounds half away from zero', () => {
    expect(roundDiv(5, 10)).toBe(1)
    expect(roundDiv(4, 10)).toBe(0)
    expect(roundDiv(15, 10)).toBe(2)
    expect(roundDiv(-5, 10)).toBe(-1)
    expect(roundDiv(-4, 10)).toBe(0)
    expect(roundDiv(0, 7)).toBe(0)
  })
})

describe('lineTotals', () => {
  const line = (quantity: number, unit: number, type: 'none' | 'fixed' | 'percent' = 'none', value = 0) => ({ quantity, unit_price_cents: unit, discount_type: type, discount_value: value })
  it.each([
    ['plain', line(2, 1000), 2000, 0, 2000],
    ['decimal quantity rounds half up', line(1.5, 333), 500, 0, 500], // 499.5 -> 500
    ['three decimals', line(0.125, 1000), 125, 0, 125],
    ['three decimals round', line(0.333, 1001), 333, 0, 333], // 333.333
    ['fixed discount', line(1, 1000, 'fixed', 250), 1000, 250, 750],
    ['fixed discount never makes it negative', line(1, 1000, 'fixed', 5000), 1000, 5000, 0],
    ['ten percent', line(3, 999, 'percent', 10), 2997, 300, 2697], // 299.7 -> 300
    ['percent with decimals', line(1, 10000, 'percent', 12.5), 10000, 1250, 8750],
    ['percent half rounds away from zero', line(1, 5, 'percent', 10), 5, 1, 4], // 0.5 -> 1
    ['hundred percent', line(2, 700, 'percent', 100), 1400, 1400, 0],
    ['zero price', line(4, 0, 'percent', 10), 0, 0, 0],
  ])('%s', (_name, l, subtotal, discount, total) => {
    expect(lineTotals(l)).toEqual({ subtotal, discount, total })
  })
  it('sums line totals into the deal value', () => {
    expect(dealValuePreview([line(1, 15000), line(2, 5000, 'percent', 10)])).toBe(15000 + 9000)
    expect(dealValuePreview([])).toBe(0)
  })
})

describe('dropIndex', () => {
  it('counts the cards above the pointer', () => {
    expect(dropIndex([10, 30, 50], 0)).toBe(0)
    expect(dropIndex([10, 30, 50], 40)).toBe(2)
    expect(dropIndex([10, 30, 50], 99)).toBe(3)
    expect(dropIndex([], 5)).toBe(0)
  })
  it('ignores the dragged card itself within its own column', () => {
    // dragging the first card below the second: it lands at index 1 of the remaining cards
    expect(dropIndex([10, 30, 50], 40, 0)).toBe(1)
    expect(dropIndex([10, 30, 50], 5, 2)).toBe(0)
  })
})

describe('moveCard', () => {
  const deal = (id: number, stage: number, value: number) => ({ id, stage_id: stage, value_cents: value, currency: 'BRL' }) as Deal
  const cols: Column[] = [
    { stage_id: 1, count: 2, total_cents: { BRL: 300 }, weighted_cents: { BRL: 30 }, deals: [deal(1, 1, 100), deal(2, 1, 200)] },
    { stage_id: 2, count: 1, total_cents: { BRL: 50 }, weighted_cents: { BRL: 25 }, deals: [deal(3, 2, 50)] },
  ]
  const prob = (s: number) => (s === 1 ? 10 : 50)
  it('moves the card, its count and its value', () => {
    const out = moveCard(cols, 2, 2, 0, prob)
    expect(out[0].deals.map((d) => d.id)).toEqual([1])
    expect(out[1].deals.map((d) => d.id)).toEqual([2, 3])
    expect(out[1].deals[0].stage_id).toBe(2)
    expect(out[0].count).toBe(1)
    expect(out[1].count).toBe(2)
    expect(out[0].total_cents.BRL).toBe(100)
    expect(out[1].total_cents.BRL).toBe(250)
    expect(out[1].weighted_cents.BRL).toBe(125)
    expect(cols[0].deals.length).toBe(2) // the original is untouched (rollback keeps it)
  })
  it('reorders within a column', () => {
    expect(moveCard(cols, 1, 1, 1, prob)[0].deals.map((d) => d.id)).toEqual([2, 1])
  })
  it('leaves the board alone for an unknown deal', () => {
    expect(moveCard(cols, 99, 2, 0, prob)).toBe(cols)
  })
})

describe('form helpers', () => {
  it('boardQuery drops empty filters', () => {
    expect(boardQuery({ owner_id: 3, priority: null, q: '  ', close_from: '2026-01-01', team_id: undefined })).toEqual({ owner_id: 3, close_from: '2026-01-01' })
  })
  it('stageFieldErrors groups messages per row', () => {
    expect(stageFieldErrors({ 'stages[2].name': 'is taken', 'stages[0].probability': 'must be 100', stages: 'x', name: 'y' })).toEqual({ 2: { name: 'is taken' }, 0: { probability: 'must be 100' } })
  })
  it('withKindRules forces won and lost probabilities', () => {
    expect(withKindRules({ name: 'W', color: '#000000', probability: 40, kind: 'won' }).probability).toBe(100)
    expect(withKindRules({ name: 'L', color: '#000000', probability: 40, kind: 'lost' }).probability).toBe(0)
    expect(withKindRules({ name: 'O', color: '#000000', probability: 40, kind: 'open' }).probability).toBe(40)
  })
})

describe('viewFilters', () => {
  it('keeps only the set filters: the server takes no nulls and treats absent as "any"', () => {
    expect(viewFilters({ owner_id: null, priority: 'high', q: '  bolo ', team_id: 3, contact_id: null, close_from: '', close_to: '2026-12-31' })).toEqual({
      priority: 'high',
      q: 'bolo',
      team_id: 3,
      close_to: '2026-12-31',
    })
  })
})
