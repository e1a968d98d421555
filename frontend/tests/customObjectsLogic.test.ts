import { describe, expect, it } from 'vitest'
import { move, newRow, primaryCandidates, recordColumns, typeBody } from '@/areas/custom-objects/logic'
import type { ObjectType } from '@/areas/custom-objects/types'

describe('custom object type builder', () => {
  it('offers only text and number fields as primary, with the key the server will derive', () => {
    const rows = [newRow({ name: 'Placa', type: 'text' }), newRow({ name: 'Ano', type: 'number' }), newRow({ name: 'Cor', type: 'list', options: ['Azul'] }), newRow({ key: 'modelo', name: 'Modelo renamed', type: 'text' })]
    expect(primaryCandidates(rows).map((c) => c.key)).toEqual(['placa', 'ano', 'modelo'])
  })

  it('keeps saved keys, sends options only for lists, trims names', () => {
    const rows = [newRow({ key: 'plate', name: ' Plate ', type: 'text', required: true }), newRow({ name: 'Color', type: 'list', options: [' Blue ', '', 'Red'] }), newRow({ name: 'Notes', type: 'text', options: ['x'] })]
    expect(typeBody(' Vehicle ', 'pi pi-car', rows, 'plate')).toEqual({
      name: 'Vehicle',
      icon: 'pi pi-car',
      primary_field: 'plate',
      fields: [
        { key: 'plate', name: 'Plate', type: 'text', required: true },
        { name: 'Color', type: 'list', options: ['Blue', 'Red'], required: false },
        { name: 'Notes', type: 'text', required: false },
      ],
    })
  })

  it('moves rows and ignores moves past the ends', () => {
    expect(move([1, 2, 3], 0, 1)).toEqual([2, 1, 3])
    expect(move([1, 2, 3], 2, -1)).toEqual([1, 3, 2])
    expect(move([1, 2, 3], 0, -1)).toEqual([1, 2, 3])
  })

  it('puts the primary field first in the records table', () => {
    const t = { fields: [{ key: 'a', name: 'A', type: 'text', options: null, required: false }, { key: 'b', name: 'B', type: 'text', options: null, required: false }], primary_field: 'b' } as unknown as ObjectType
    expect(recordColumns(t).map((f) => f.key)).toEqual(['b', 'a'])
  })
})
