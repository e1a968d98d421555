// API shapes of the companies pages, taken from the generated schema (src/api/schema.d.ts, made by
// `make api-types`) so that a change on the server is a type error here. Times are unix seconds.
import type { Schemas } from '@/api/types'

/** A company with its linked contacts' count. */
export type Company = Schemas['CompanyView']

/** What POST and PATCH accept; absent fields are left alone. */
export type CompanyInput = Schemas['CompanyInput']

/** One page of companies with Chatwoot's meta. */
export type CompanyList = Schemas['CompanyList']

/** A contact as the company page lists it (GET companies/{id}/contacts answers contact views). */
export type CompanyContact = Schemas['ContactView']

/** One page of a company's contacts. */
export type CompanyContactList = Schemas['ContactList']

export type CompanySort = 'name' | '-name' | '-created_at'
