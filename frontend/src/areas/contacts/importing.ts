// The import wizard's logic without Vue: the mapping targets a column can take, spotting a target
// used twice before the server does, and how far an import has come.

import type { AttributeDef, ContactImport, ImportMapping } from './types'

/** Standard targets of a column, in the order the Select lists them ("" skips the column). */
export const STANDARD_TARGETS = ['name', 'email', 'phone_number', 'identifier', 'city', 'country', 'company_name', 'tags'] as const

/** The targets that identify a contact; a mapping needs at least one of them. */
export const IDENTITY_TARGETS = ['name', 'email', 'phone_number', 'identifier']

/** targetValues is every target a column may take: skip, the standard fields, attr:<key>. */
export function targetValues(defs: AttributeDef[]): string[] {
  return ['', ...STANDARD_TARGETS, ...defs.map((d) => `attr:${d.attribute_key}`)]
}

/**
 * mappingProblems finds, per column index, a target used by an earlier column too, and says
 * whether an identity target is missing. Keys are "mapping[i].target" like the server's.
 */
export function mappingProblems(mapping: ImportMapping[]): { fields: Record<string, string>; noIdentity: boolean } {
  const seen = new Set<string>()
  const fields: Record<string, string> = {}
  mapping.forEach((m, i) => {
    if (!m.target) return
    if (seen.has(m.target)) fields[`mapping[${i}].target`] = 'duplicate'
    seen.add(m.target)
  })
  return { fields, noIdentity: !mapping.some((m) => IDENTITY_TARGETS.includes(m.target)) }
}

/** sampleValues are the first two non-empty preview cells of column i. */
export function sampleValues(imp: Pick<ContactImport, 'preview'>, column: number): string[] {
  return (imp.preview ?? []).map((r) => r?.[column] ?? '').filter((v) => v.trim() !== '').slice(0, 2)
}

/** percent is the share of rows processed, 0–100; a finished import is 100. */
export function percent(imp: Pick<ContactImport, 'status' | 'processed_rows' | 'total_rows'>): number {
  if (imp.status === 'done') return 100
  if (!imp.total_rows) return 0
  return Math.min(100, Math.floor((imp.processed_rows / imp.total_rows) * 100))
}

/** finished is true once polling may stop. */
export function finished(imp: Pick<ContactImport, 'status'>): boolean {
  return imp.status === 'done' || imp.status === 'failed'
}

/** encodingName spells a detected encoding the way spreadsheet programs name it. */
export function encodingName(e: string): string {
  return e === 'utf-8-bom' ? 'UTF-8 (BOM)' : e === 'latin-1' ? 'Latin-1 (ISO-8859-1)' : 'UTF-8'
}

/** delimiterName names a sniffed delimiter for people ("," -> "comma"), an i18n key suffix. */
export function delimiterName(d: string): string {
  return d === ';' ? 'semicolon' : d === '\t' ? 'tab' : 'comma'
}
