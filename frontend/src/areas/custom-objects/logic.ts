// Pure helpers of the custom objects UI: the field builder's rows, the body of a type, and
// which fields may name records.

import { keyFromName } from '@/areas/attributes/logic'
import type { FieldType, ObjectField, ObjectType, ObjectTypeInput } from './types'

/** A row of the field builder; key is empty for a field not saved yet (the server derives it). */
export interface FieldRow {
  uid: number
  key: string
  name: string
  type: FieldType
  options: string[]
  required: boolean
}

let uid = 0
export function newRow(f?: Partial<ObjectField>): FieldRow {
  return { uid: ++uid, key: f?.key ?? '', name: f?.name ?? '', type: f?.type ?? 'text', options: [...(f?.options ?? [])], required: !!f?.required }
}

/** rowKey is the key a row has or will get: saved fields keep theirs, new ones follow the name. */
export function rowKey(r: FieldRow): string {
  return r.key || keyFromName(r.name)
}

/** primaryCandidates are the rows that can name records (text or number, with a key). */
export function primaryCandidates(rows: FieldRow[]): { key: string; name: string }[] {
  return rows.filter((r) => (r.type === 'text' || r.type === 'number') && rowKey(r)).map((r) => ({ key: rowKey(r), name: r.name.trim() }))
}

/** move returns rows with the item at i moved by delta (-1 up, +1 down); out of range is a no-op. */
export function move<T>(rows: T[], i: number, delta: number): T[] {
  const j = i + delta
  if (j < 0 || j >= rows.length) return rows
  const out = [...rows]
  ;[out[i], out[j]] = [out[j], out[i]]
  return out
}

/** typeBody is what the type dialog sends; options only for list fields. */
export function typeBody(name: string, icon: string, rows: FieldRow[], primary: string): ObjectTypeInput {
  return {
    name: name.trim(),
    icon,
    primary_field: primary,
    fields: rows.map((r) => ({
      ...(r.key ? { key: r.key } : {}),
      name: r.name.trim(),
      type: r.type,
      ...(r.type === 'list' ? { options: r.options.map((o) => o.trim()).filter(Boolean) } : {}),
      required: r.required,
    })),
  }
}

/** recordColumns are the fields a records table shows: the primary field first, then the rest. */
export function recordColumns(t: ObjectType): ObjectField[] {
  const primary = t.fields.find((f) => f.key === t.primary_field)
  return primary ? [primary, ...t.fields.filter((f) => f !== primary)] : [...t.fields]
}
