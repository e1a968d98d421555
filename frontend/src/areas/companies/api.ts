// The companies calls.

import { accountPath, api } from '@/api/client'
import { useSession } from '@/stores/session'
import type { Company, CompanyContactList, CompanyInput, CompanyList, CompanySort } from './types'

function path(rest: string): string {
  return accountPath(useSession().current!.id, rest)
}

export const companiesApi = {
  list: (q: string, sort: CompanySort, page: number) => api.get<CompanyList>(path('companies'), { query: { q: q.trim(), sort, page } }),
  get: (id: number) => api.get<Company>(path(`companies/${id}`)),
  create: (body: CompanyInput) => api.post<Company>(path('companies'), body),
  update: (id: number, body: Partial<CompanyInput>) => api.patch<Company>(path(`companies/${id}`), body),
  remove: (id: number) => api.del(path(`companies/${id}`)),
  contacts: (id: number, page: number) => api.get<CompanyContactList>(path(`companies/${id}/contacts`), { query: { page } }),
  link: (id: number, contactIds: number[]) => api.post<Company>(path(`companies/${id}/contacts`), { contact_ids: contactIds }),
  unlink: (id: number, contactId: number) => api.del(path(`companies/${id}/contacts/${contactId}`)),
  merge: (id: number, mergeeId: number) => api.post<Company>(path(`companies/${id}/merge`), { mergee_id: mergeeId }),
}

/** domainHref turns a stored domain into a link. */
export function domainHref(domain: string): string {
  return domain ? `https://${domain}` : ''
}
