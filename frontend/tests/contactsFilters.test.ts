// The contacts area's pure logic: filter rows -> POST contacts/filter payload (and back for
// segments), operators per attribute type, and the import wizard's mapping checks.
import { describe, expect, it } from 'vitest'
import {
  buildPayload,
  filterAttributes,
  kindOfType,
  newRow,
  operatorsFor,
  retarget,
  rowsFromPayload,
  valueInputFor,
  type FilterRow,
} from '@/areas/contacts/filters'
import { delimiterName, encodingName, finished, mappingProblems, percent, sampleValues, targetValues } from '@/areas/contacts/importing'
import { en, ptBR } from '@/areas/contacts/messages'
import type { AttributeDef } from '@/areas/contacts/types'

// A definition as the server sends it; only the fields the builder reads differ per test row.
const def = (d: Pick<AttributeDef, 'id' | 'attribute_key' | 'attribute_display_name' | 'attribute_display_type'> & Partial<AttributeDef>): AttributeDef => ({
  attribute_description: '',
  attribute_model: 'contact_attribute',
  attribute_values: null,
  regex_pattern: '',
  regex_cue: '',
  created_at: 0,
  updated_at: 0,
  ...d,
})
const defs: AttributeDef[] = [
  def({ id: 1, attribute_key: 'plan', attribute_display_name: 'Plan', attribute_display_type: 'list', attribute_values: ['Gold', 'Silver'] }),
  def({ id: 2, attribute_key: 'ltv', attribute_display_name: 'Lifetime value', attribute_display_type: 'currency' }),
  def({ id: 3, attribute_key: 'vip', attribute_display_name: 'VIP', attribute_display_type: 'checkbox' }),
  def({ id: 4, attribute_key: 'birthday', attribute_display_name: 'Birthday', attribute_display_type: 'date' }),
  def({ id: 5, attribute_key: 'site', attribute_display_name: 'Site', attribute_display_type: 'link' }),
]
const attrs = filterAttributes(defs, { crm: true, objectTypes: [{ id: 7, name: 'Vehicles' }], members: [{ id: 3, name: 'Ana' }] })

describe('filter attributes', () => {
  it('lists standard fields, custom attributes and module criteria only when on', () => {
    const keys = attrs.map((a) => a.key)
    expect(keys.slice(0, 3)).toEqual(['name', 'email', 'phone_number'])
    expect(keys).toContain('plan')
    expect(keys).toContain('has_open_deal')
    expect(keys).toContain('custom_object_type')
    const off = filterAttributes(defs).map((a) => a.key)
    expect(off).not.toContain('has_open_deal')
    expect(off).not.toContain('custom_object_type')
    expect(attrs.find((a) => a.key === 'plan')?.model).toBe('custom_attribute')
    expect(attrs.find((a) => a.key === 'owner_id')?.options).toEqual([{ label: 'Ana', value: 3 }])
  })

  it('maps attribute types to kinds with sensible operators', () => {
    expect(kindOfType('currency')).toBe('number')
    expect(kindOfType('percent')).toBe('number')
    expect(kindOfType('link')).toBe('text')
    expect(kindOfType('checkbox')).toBe('boolean')
    const op = (k: string) => operatorsFor(attrs.find((a) => a.key === k))
    expect(op('name')).toContain('contains')
    expect(op('ltv')).toContain('is_greater_than')
    expect(op('ltv')).not.toContain('contains')
    expect(op('created_at')).toContain('days_before')
    expect(op('created_at')).not.toContain('contains')
    expect(op('vip')).toEqual(['equal_to', 'not_equal_to'])
    expect(op('has_open_deal')).toEqual(['equal_to'])
    expect(op('plan')).not.toContain('contains')
  })

  it('picks the value widget from attribute and operator', () => {
    const a = (k: string) => attrs.find((x) => x.key === k)
    expect(valueInputFor(a('city'), 'equal_to')).toBe('text')
    expect(valueInputFor(a('city'), 'is_present')).toBe('none')
    expect(valueInputFor(a('created_at'), 'days_before')).toBe('days')
    expect(valueInputFor(a('created_at'), 'is_less_than')).toBe('date')
    expect(valueInputFor(a('plan'), 'equal_to')).toBe('select')
    expect(valueInputFor(a('vip'), 'equal_to')).toBe('boolean')
    expect(valueInputFor(a('custom_object_type'), 'equal_to')).toBe('select')
  })

  it('keeps an operator that still fits when the attribute changes, else the first', () => {
    const row: FilterRow = { key: 'city', operator: 'contains', value: 'x', join: 'or' }
    expect(retarget(row, attrs, 'email')).toEqual({ key: 'email', operator: 'contains', value: null, join: 'or' })
    expect(retarget(row, attrs, 'vip')).toEqual({ key: 'vip', operator: 'equal_to', value: null, join: 'or' })
    expect(newRow(attrs)).toEqual({ key: 'name', operator: 'equal_to', value: null, join: 'and' })
  })
})

describe('buildPayload', () => {
  it('builds the Chatwoot payload with typed values and joins', () => {
    const rows: FilterRow[] = [
      { key: 'city', operator: 'equal_to', value: ' São Paulo ', join: 'or' },
      { key: 'ltv', operator: 'is_greater_than', value: '1500,5', join: 'and' },
      { key: 'vip', operator: 'equal_to', value: true, join: 'and' },
      { key: 'created_at', operator: 'days_before', value: 30, join: 'and' },
      { key: 'email', operator: 'is_present', value: 'ignored', join: 'or' },
    ]
    const { payload, problems } = buildPayload(rows, attrs)
    expect(problems).toEqual([])
    expect(payload).toEqual([
      { attribute_key: 'city', filter_operator: 'equal_to', values: ['São Paulo'], query_operator: 'or', attribute_model: 'standard' },
      { attribute_key: 'ltv', filter_operator: 'is_greater_than', values: [1500.5], query_operator: 'and', attribute_model: 'custom_attribute' },
      { attribute_key: 'vip', filter_operator: 'equal_to', values: [true], query_operator: 'and', attribute_model: 'custom_attribute' },
      { attribute_key: 'created_at', filter_operator: 'days_before', values: [30], query_operator: 'and', attribute_model: 'standard' },
      // The last row's join links to nothing: always "and".
      { attribute_key: 'email', filter_operator: 'is_present', values: [], query_operator: 'and', attribute_model: 'standard' },
    ])
  })

  it('reports each bad row instead of sending', () => {
    const rows: FilterRow[] = [
      { key: 'city', operator: 'equal_to', value: '  ', join: 'and' },
      { key: 'ltv', operator: 'equal_to', value: 'abc', join: 'and' },
      { key: 'created_at', operator: 'days_before', value: 2.5, join: 'and' },
      { key: 'birthday', operator: 'is_less_than', value: '02/01/2026', join: 'and' },
      { key: 'nope', operator: 'equal_to', value: 'x', join: 'and' },
      { key: 'vip', operator: 'contains', value: true, join: 'and' },
      { key: 'birthday', operator: 'is_less_than', value: '2026-01-02', join: 'and' },
    ]
    const { payload, problems } = buildPayload(rows, attrs)
    expect(problems).toEqual([
      { index: 0, message: 'contacts.filter.valueRequired' },
      { index: 1, message: 'contacts.filter.numberRequired' },
      { index: 2, message: 'contacts.filter.daysRequired' },
      { index: 3, message: 'contacts.filter.dateRequired' },
      { index: 4, message: 'contacts.filter.unknownAttribute' },
      { index: 5, message: 'contacts.filter.badOperator' },
    ])
    expect(payload).toHaveLength(1)
    expect(payload[0].values).toEqual(['2026-01-02'])
  })

  it('round-trips through a saved segment', () => {
    const rows: FilterRow[] = [
      { key: 'plan', operator: 'equal_to', value: 'Gold', join: 'or' },
      { key: 'custom_object_type', operator: 'not_equal_to', value: 7, join: 'and' },
      { key: 'has_open_deal', operator: 'equal_to', value: false, join: 'and' },
    ]
    const { payload } = buildPayload(rows, attrs)
    expect(payload[2].values).toEqual([false])
    expect(rowsFromPayload(payload)).toEqual(rows)
    // Chatwoot calls tags "labels".
    expect(rowsFromPayload([{ attribute_key: 'labels', filter_operator: 'equal_to', values: ['vip'], query_operator: 'and' }])[0].key).toBe('tags')
  })
})

describe('import mapping', () => {
  it('offers skip, standard fields and attr:<key> targets', () => {
    const v = targetValues(defs.slice(0, 1))
    expect(v[0]).toBe('')
    expect(v).toContain('phone_number')
    expect(v[v.length - 1]).toBe('attr:plan')
  })

  it('flags a target used twice and a mapping without identity', () => {
    expect(mappingProblems([{ column: 0, target: 'email' }, { column: 1, target: '' }, { column: 2, target: 'email' }])).toEqual({
      fields: { 'mapping[2].target': 'duplicate' },
      noIdentity: false,
    })
    expect(mappingProblems([{ column: 0, target: 'city' }, { column: 1, target: '' }]).noIdentity).toBe(true)
  })

  it('samples, progress and delimiter names', () => {
    expect(sampleValues({ preview: [['a', ''], ['b', ''], ['c', 'x']] }, 0)).toEqual(['a', 'b'])
    expect(sampleValues({ preview: [['a', ''], ['b', ''], ['c', 'x']] }, 1)).toEqual(['x'])
    expect(percent({ status: 'running', processed_rows: 150, total_rows: 300 })).toBe(50)
    expect(percent({ status: 'queued', processed_rows: 0, total_rows: 0 })).toBe(0)
    expect(percent({ status: 'done', processed_rows: 0, total_rows: 0 })).toBe(100)
    expect(finished({ status: 'running' })).toBe(false)
    expect(finished({ status: 'failed' })).toBe(true)
    expect(encodingName('utf-8-bom')).toBe('UTF-8 (BOM)')
    expect(encodingName('latin-1')).toBe('Latin-1 (ISO-8859-1)')
    expect(encodingName('utf-8')).toBe('UTF-8')
    expect(delimiterName(';')).toBe('semicolon')
    expect(delimiterName('\t')).toBe('tab')
  })
})

describe('messages', () => {
  it('has every English key in Portuguese and the filter operators translated', () => {
    const keys = (o: object, p = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]))
    expect(keys(ptBR).sort()).toEqual(keys(en).sort())
    const ops = new Set(Object.values({ ...Object.fromEntries(attrs.map((a) => [a.key, operatorsFor(a)])) }).flat())
    for (const o of ops) expect(Object.keys(en.filter.ops)).toContain(o)
  })
})
