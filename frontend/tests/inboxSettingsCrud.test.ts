import { describe, expect, it } from 'vitest'
import { upsertById, withoutId } from '@/composables/useCrudList'

const a = { id: 1, name: 'a' }
const b = { id: 2, name: 'b' }
const c = { id: 3, name: 'c' }

describe('the list behind a settings page', () => {
  it('puts a changed item back in its place', () => {
    const list = [a, b, c]
    const out = upsertById(list, { id: 2, name: 'B' })
    expect(out).toEqual([a, { id: 2, name: 'B' }, c])
    expect(list[1]).toBe(b) // the old list is left as it was: Vue sees a new array
  })

  it('adds a new item at the end', () => {
    expect(upsertById([a, b], c)).toEqual([a, b, c])
    expect(upsertById([], a)).toEqual([a])
  })

  it('drops only the deleted item', () => {
    expect(withoutId([a, b, c], 2)).toEqual([a, c])
    expect(withoutId([a], 9)).toEqual([a])
  })
})
