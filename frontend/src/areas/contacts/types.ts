// API shapes of the contacts pages (contacts, notes, segments, CSV imports), taken from the
// generated schema (src/api/schema.d.ts, made by `make api-types` from the server's OpenAPI
// document) so that a change on the server is a type error here. Only narrowings live in this
// file: where Go says `string` for a closed set, the union is spelled out.
import type { Schemas } from '@/api/types'
import type { AttributeDefinition } from '@/areas/attributes/types'

/**
 * A contact as the API shows it (Chatwoot's shape; times are unix seconds). owner_id and
 * company_id are 0 when unset.
 */
export type ContactView = Schemas['ContactView']

/** One page of contacts with Chatwoot's meta (15 per page). */
export type ContactList = Schemas['ContactList']

/** What update sends; ids of 0 clear the owner or the company link. Create takes the same fields. */
export type ContactInput = Schemas['ContactInput']

/** A note on a contact, newest first; user is null when its author was removed. */
export type ContactNote = Omit<Schemas['ContactNoteView'], 'user'> & { user: Schemas['ContactNoteUser'] | null }

/** One condition of a contact filter as the server takes and saves it (values may come back null). */
export type Condition = Schemas['FilterCondition']

/** One condition as the filter builder makes it. */
export type FilterCondition = Omit<Schemas['FilterCondition'], 'query_operator' | 'attribute_model' | 'values'> & {
  values: unknown[]
  query_operator: 'and' | 'or'
  attribute_model?: 'standard' | 'custom_attribute'
}

/** A saved contact filter (a segment) of the signed-in user. */
export type Segment = Schemas['SegmentView']

/** A custom attribute definition, as the contacts pages read it. */
export type AttributeDef = AttributeDefinition

export type ImportStatus = 'uploaded' | 'queued' | 'running' | 'done' | 'failed'

/** A CSV import as the server reports it while it moves from uploaded to done. */
export type ContactImport = Schemas['ContactImportView']

/** Where one CSV column goes: "" skips it, "attr:<key>" is a custom attribute. */
export type ImportMapping = Schemas['ImportColumn']

/** A member of the account, for the owner select. */
export type Member = Schemas['Agent']

/** A company option for the contact form (companies module on). */
export type CompanyRef = Pick<Schemas['CompanyView'], 'id' | 'name'> & Partial<Pick<Schemas['CompanyView'], 'domain'>>

/** A custom object type, for the "associated with type" filter. */
export type ObjectTypeRef = Pick<Schemas['ObjectTypeView'], 'id' | 'name' | 'icon'>

/** A conversation of the contact, as GET contacts/{id}/conversations lists them. */
export type ContactConversation = Schemas['ConversationView']
