// API shapes of the custom objects pages (types, records, associations), taken from the generated
// schema (src/api/schema.d.ts, made by `make api-types` from the server's OpenAPI document) so
// that a change on the server is a type error here. Go says `string` for field types and target
// types; the closed sets are spelled out below. Times are unix seconds.
import type { Schemas } from '@/api/types'

export const FIELD_TYPES = ['text', 'number', 'currency', 'date', 'boolean', 'list', 'link'] as const
export type FieldType = (typeof FIELD_TYPES)[number]

export type ObjectField = Omit<Schemas['ObjectField'], 'type'> & { type: FieldType }

/** A custom object type; it always has fields (at least its primary one), so the list is never null. */
export type ObjectType = Omit<Schemas['ObjectTypeView'], 'fields'> & { fields: ObjectField[] }

/** What POST and PATCH types accept; a field without key is new (the key comes from its name). */
export type ObjectTypeInput = Omit<Schemas['ObjectTypeInput'], 'fields'> & {
  fields?: (Omit<Schemas['ObjectFieldInput'], 'type'> & { type: FieldType })[]
}

export type ObjectRecord = Schemas['ObjectRecordView']

/** What POST and PATCH records accept; external_id dedups records sent by other systems. */
export type ObjectRecordInput = Schemas['ObjectRecordInput']

/** One page of a type's records. */
export type ObjectRecordList = Schemas['ObjectRecordList']

export type TargetType = 'contact' | 'deal'

/** A record's link to a contact or a deal, with an optional label and date (YYYY-MM-DD). */
export type Association = Omit<Schemas['AssociationView'], 'target_type'> & { target_type: TargetType }

export type AssociationInput = Omit<Schemas['AssociationInput'], 'target_type'> & { target_type: TargetType }

/** One type's records associated with a contact or deal (the grouped panel view); a group exists only with a record. */
export type AssociationGroup = Omit<Schemas['ObjectGroup'], 'records'> & { records: NonNullable<Schemas['ObjectGroup']['records']> }

/** The icons offered for object types: a short list of PrimeIcons that read as "things". */
export const TYPE_ICONS = [
  'pi pi-database',
  'pi pi-book',
  'pi pi-box',
  'pi pi-car',
  'pi pi-home',
  'pi pi-building',
  'pi pi-briefcase',
  'pi pi-ticket',
  'pi pi-file',
  'pi pi-wrench',
  'pi pi-heart',
  'pi pi-star',
  'pi pi-calendar',
  'pi pi-globe',
  'pi pi-mobile',
  'pi pi-desktop',
  'pi pi-graduation-cap',
  'pi pi-gift',
]
