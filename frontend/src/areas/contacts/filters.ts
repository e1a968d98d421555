// The filter builder's logic without Vue: which attributes a contact filter can use, which
// operators make sense for each, what value input they need, and turning the builder's rows
// into the payload of POST contacts/filter (and back, when a segment is opened). Tested in
// tests/contactsFilters.test.ts.

import type { AttributeDef, Condition, FilterCondition } from './types'

/** How a value is typed in, which decides the operators and the input widget. */
export type AttrKind = 'text' | 'number' | 'date' | 'list' | 'boolean' | 'tags' | 'member' | 'object_type'

/** One attribute the builder offers. options are the choices of list-like kinds. */
export interface FilterAttribute {
  key: string
  /** An i18n key (standard fields) or a display name (custom attributes). */
  label: string
  kind: AttrKind
  model: 'standard' | 'custom_attribute'
  options?: { label: string; value: string | number | boolean }[]
  /** True for custom attributes, whose label is already a display name. */
  custom?: boolean
}

/** One row of the builder as the page edits it. value is a string, number or boolean. */
export interface FilterRow {
  key: string
  operator: string
  value: string | number | boolean | null
  join: 'and' | 'or'
}

/** The standard fields every account has, with the i18n keys of their labels. */
export const STANDARD_ATTRIBUTES: FilterAttribute[] = [
  { key: 'name', label: 'contacts.fields.name', kind: 'text', model: 'standard' },
  { key: 'email', label: 'contacts.fields.email', kind: 'text', model: 'standard' },
  { key: 'phone_number', label: 'contacts.fields.phone', kind: 'text', model: 'standard' },
  { key: 'identifier', label: 'contacts.fields.identifier', kind: 'text', model: 'standard' },
  { key: 'city', label: 'contacts.fields.city', kind: 'text', model: 'standard' },
  { key: 'country', label: 'contacts.fields.country', kind: 'text', model: 'standard' },
  { key: 'company_name', label: 'contacts.fields.company', kind: 'text', model: 'standard' },
  { key: 'tags', label: 'contacts.fields.tags', kind: 'tags', model: 'standard' },
  { key: 'owner_id', label: 'contacts.fields.owner', kind: 'member', model: 'standard' },
  { key: 'blocked', label: 'contacts.fields.blocked', kind: 'boolean', model: 'standard' },
  { key: 'created_at', label: 'contacts.fields.createdAt', kind: 'date', model: 'standard' },
  { key: 'last_activity_at', label: 'contacts.fields.lastActivity', kind: 'date', model: 'standard' },
]

/** Operators per kind, in the order the Select lists them. */
export const OPERATORS: Record<AttrKind, string[]> = {
  text: ['equal_to', 'not_equal_to', 'contains', 'does_not_contain', 'is_present', 'is_not_present'],
  number: ['equal_to', 'not_equal_to', 'is_greater_than', 'is_less_than', 'is_present', 'is_not_present'],
  date: ['is_greater_than', 'is_less_than', 'days_before', 'is_present', 'is_not_present'],
  list: ['equal_to', 'not_equal_to', 'is_present', 'is_not_present'],
  boolean: ['equal_to', 'not_equal_to'],
  tags: ['equal_to', 'not_equal_to', 'is_present', 'is_not_present'],
  member: ['equal_to', 'not_equal_to', 'is_present', 'is_not_present'],
  object_type: ['equal_to', 'not_equal_to'],
}

/** Operators that need no value. */
const NO_VALUE = new Set(['is_present', 'is_not_present'])

/** kindOfType maps a custom attribute's display type to the builder's kind. */
export function kindOfType(displayType: string): AttrKind {
  switch (displayType) {
    case 'number':
    case 'currency':
    case 'percent':
      return 'number'
    case 'date':
      return 'date'
    case 'list':
      return 'list'
    case 'checkbox':
      return 'boolean'
    default:
      return 'text'
  }
}

/** Extra conditions that exist only when their module is on. */
export interface ModuleExtras {
  crm?: boolean
  objectTypes?: { id: number; name: string }[] | null
  members?: { id: number; name: string }[]
  tags?: string[]
}

/**
 * filterAttributes is the builder's attribute list: standard fields, then the account's contact
 * attributes, then "has an open deal" (crm on) and "associated with custom object type" (custom
 * objects on: objectTypes not null).
 */
export function filterAttributes(defs: AttributeDef[], extras: ModuleExtras = {}): FilterAttribute[] {
  const out: FilterAttribute[] = STANDARD_ATTRIBUTES.map((a) => {
    if (a.kind === 'member') return { ...a, options: (extras.members ?? []).map((m) => ({ label: m.name, value: m.id })) }
    if (a.kind === 'tags') return { ...a, options: (extras.tags ?? []).map((t) => ({ label: t, value: t })) }
    return a
  })
  for (const d of defs) {
    const kind = kindOfType(d.attribute_display_type)
    out.push({
      key: d.attribute_key,
      label: d.attribute_display_name,
      kind,
      model: 'custom_attribute',
      custom: true,
      options: kind === 'list' ? (d.attribute_values ?? []).map((v) => ({ label: v, value: v })) : undefined,
    })
  }
  if (extras.crm) out.push({ key: 'has_open_deal', label: 'contacts.fields.hasOpenDeal', kind: 'boolean', model: 'standard' })
  if (extras.objectTypes) {
    out.push({
      key: 'custom_object_type',
      label: 'contacts.fields.objectType',
      kind: 'object_type',
      model: 'standard',
      options: extras.objectTypes.map((t) => ({ label: t.name, value: t.id })),
    })
  }
  return out
}

/** operatorsFor lists the operators of an attribute (has_open_deal only asks "equal to"). */
export function operatorsFor(attr: FilterAttribute | undefined): string[] {
  if (!attr) return []
  if (attr.key === 'has_open_deal') return ['equal_to']
  return OPERATORS[attr.kind]
}

/** The widget a row's value needs: none, free text, a number, a date, or one of options. */
export type ValueInput = 'none' | 'text' | 'number' | 'date' | 'days' | 'select' | 'boolean'

export function valueInputFor(attr: FilterAttribute | undefined, operator: string): ValueInput {
  if (!attr || NO_VALUE.has(operator)) return 'none'
  if (attr.kind === 'date') return operator === 'days_before' ? 'days' : 'date'
  switch (attr.kind) {
    case 'number':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'list':
    case 'member':
    case 'object_type':
      return 'select'
    case 'tags':
      return attr.options?.length ? 'select' : 'text'
    default:
      return 'text'
  }
}

/** newRow is an empty row starting on the first attribute. */
export function newRow(attrs: FilterAttribute[]): FilterRow {
  const a = attrs[0]
  return { key: a?.key ?? 'name', operator: operatorsFor(a)[0] ?? 'equal_to', value: null, join: 'and' }
}

/** retarget keeps a row valid after its attribute changed: a fitting operator, an empty value. */
export function retarget(row: FilterRow, attrs: FilterAttribute[], key: string): FilterRow {
  const a = attrs.find((x) => x.key === key)
  const ops = operatorsFor(a)
  return { ...row, key, operator: ops.includes(row.operator) ? row.operator : ops[0] ?? 'equal_to', value: null }
}

/** A problem with one row, found before anything is sent: the row index and an i18n key. */
export interface RowProblem {
  index: number
  message: string
}

/**
 * buildPayload turns rows into POST contacts/filter's payload. Each row's join links it to the
 * next row; the last row always says "and" (the server ignores it). Problems come back instead
 * when a row lacks a value or has one of the wrong type.
 */
export function buildPayload(rows: FilterRow[], attrs: FilterAttribute[]): { payload: FilterCondition[]; problems: RowProblem[] } {
  const problems: RowProblem[] = []
  const payload: FilterCondition[] = []
  rows.forEach((r, i) => {
    const a = attrs.find((x) => x.key === r.key)
    if (!a) {
      problems.push({ index: i, message: 'contacts.filter.unknownAttribute' })
      return
    }
    if (!operatorsFor(a).includes(r.operator)) {
      problems.push({ index: i, message: 'contacts.filter.badOperator' })
      return
    }
    const input = valueInputFor(a, r.operator)
    let values: unknown[] = []
    if (input !== 'none') {
      const v = typeof r.value === 'string' ? r.value.trim() : r.value
      if (v === null || v === '') {
        problems.push({ index: i, message: 'contacts.filter.valueRequired' })
        return
      }
      if (input === 'number' || input === 'days') {
        const n = typeof v === 'number' ? v : Number(String(v).replace(',', '.'))
        if (!Number.isFinite(n) || (input === 'days' && (n < 0 || !Number.isInteger(n)))) {
          problems.push({ index: i, message: input === 'days' ? 'contacts.filter.daysRequired' : 'contacts.filter.numberRequired' })
          return
        }
        values = [n]
      } else if (input === 'date') {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(String(v))) {
          problems.push({ index: i, message: 'contacts.filter.dateRequired' })
          return
        }
        values = [String(v)]
      } else if (input === 'boolean') {
        values = [v === true || v === 'true']
      } else {
        values = [v]
      }
    }
    payload.push({ attribute_key: a.key, filter_operator: r.operator, values, query_operator: r.join, attribute_model: a.model })
  })
  if (payload.length) payload[payload.length - 1] = { ...payload[payload.length - 1], query_operator: 'and' }
  return { payload, problems }
}

/** rowsFromPayload turns a saved payload back into rows for the builder (opening a segment). */
export function rowsFromPayload(payload: Condition[]): FilterRow[] {
  return payload.map((c) => {
    const v = c.values?.[0]
    const value = v === undefined || v === null ? null : typeof v === 'boolean' || typeof v === 'number' ? v : String(v)
    return { key: c.attribute_key === 'labels' ? 'tags' : c.attribute_key, operator: c.filter_operator, value, join: c.query_operator === 'or' ? 'or' : 'and' }
  })
}

/** dateValue formats a Date as the "YYYY-MM-DD" the filter takes (local calendar day). */
export function dateValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}
