// The contacts calls (contacts, notes, tags, segments, imports, export), with Chatwoot's
// envelopes unwrapped. The envelopes are typed from the generated schema.

import { ApiError, api, getToken, parseProblem } from '@/api/client'
import { useAccountApi } from '@/areas/inbox-settings/useAccountApi'
import type { Schemas } from '@/api/types'
import type {
  AttributeDef,
  CompanyRef,
  ContactConversation,
  ContactImport,
  ContactInput,
  ContactList,
  ContactNote,
  ContactView,
  Condition,
  ImportMapping,
  Member,
  ObjectTypeRef,
  Segment,
} from './types'

export function useContactsApi() {
  const acc = useAccountApi()
  const one = async (p: Promise<Schemas['ContactPayload']>): Promise<ContactView> => (await p).payload
  const list = async <T,>(p: Promise<{ payload: T[] | null } | T[] | null>): Promise<T[]> => {
    const r = await p
    return (Array.isArray(r) ? r : r?.payload) ?? []
  }

  /** download fetches an authenticated file and hands it to the browser as a download. */
  async function download(method: 'GET' | 'POST', rest: string, fileName: string, body?: unknown): Promise<void> {
    const headers: Record<string, string> = {}
    const token = getToken()
    if (token) headers.Authorization = `Bearer ${token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const res = await fetch(acc.path(rest), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    if (!res.ok) throw await parseProblem(res)
    const blob = await res.blob()
    const url = URL.createObjectURL(blob)
    const a = document.createElement('a')
    a.href = url
    a.download = fileName
    document.body.appendChild(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(url), 1000)
  }

  return {
    list: (page: number, sort: string) => api.get<ContactList>(acc.path('contacts'), { query: { page, sort } }),
    search: (q: string, page: number) => api.get<ContactList>(acc.path('contacts/search'), { query: { q, page } }),
    filter: (payload: Condition[], page: number, sort: string) => api.post<ContactList>(acc.path('contacts/filter'), { payload }, { query: { page, sort } }),
    get: async (id: number): Promise<ContactView | null> => {
      try {
        return await one(api.get(acc.path(`contacts/${id}`)))
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null
        throw e
      }
    },
    /** create answers Chatwoot's {payload: {contact, contact_inbox}}; the contact is what we need. */
    create: async (body: ContactInput): Promise<ContactView> => {
      const r = await api.post<Schemas['ContactCreatedPayload']>(acc.path('contacts'), body)
      return r.payload.contact
    },
    update: (id: number, body: ContactInput) => one(api.patch(acc.path(`contacts/${id}`), body)),
    remove: (id: number) => api.del(acc.path(`contacts/${id}`)),
    merge: (base: number, mergee: number) => one(api.post(acc.path('actions/contact_merge'), { base_contact_id: base, mergee_contact_id: mergee } satisfies Schemas['ContactMergeBody'])),
    setTags: (id: number, labels: string[]) => list(api.post<Schemas['ContactLabelsPayload']>(acc.path(`contacts/${id}/labels`), { labels })),
    allTags: () => list(api.get<Schemas['ContactTagsPayload']>(acc.path('contacts/tags'))),
    conversations: (id: number) => list<ContactConversation>(api.get<Schemas['ContactConvOutputBody']>(acc.path(`contacts/${id}/conversations`))),

    notes: (id: number) => list(api.get<ContactNote[] | null>(acc.path(`contacts/${id}/notes`))),
    addNote: (id: number, content: string) => api.post<ContactNote>(acc.path(`contacts/${id}/notes`), { content }),
    editNote: (id: number, noteId: number, content: string) => api.patch<ContactNote>(acc.path(`contacts/${id}/notes/${noteId}`), { content }),
    removeNote: (id: number, noteId: number) => api.del(acc.path(`contacts/${id}/notes/${noteId}`)),

    segments: () => list(api.get<Segment[] | null>(acc.path('segments'), { query: { filter_type: 'contact' } })),
    createSegment: (name: string, payload: Condition[]) => api.post<Segment>(acc.path('segments'), { name, filter_type: 'contact', query: { payload } }),
    renameSegment: (id: number, name: string) => api.patch<Segment>(acc.path(`segments/${id}`), { name }),
    removeSegment: (id: number) => api.del(acc.path(`segments/${id}`)),

    attributeDefs: () => list(api.get<AttributeDef[] | null>(acc.path('custom_attribute_definitions'), { query: { attribute_model: 'contact_attribute' } })),
    members: () => list(api.get<Member[] | null>(acc.path('agents'))),
    companies: (q: string) => list<CompanyRef>(api.get<Schemas['CompanyList']>(acc.path('companies'), { query: { q } })),
    objectTypes: () => list<ObjectTypeRef>(api.get<Schemas['ObjectTypeList']>(acc.path('custom_objects/types'))),

    imports: () => list(api.get<Schemas['ImportList']>(acc.path('contact_imports'))),
    importOne: (id: number) => api.get<ContactImport>(acc.path(`contact_imports/${id}`)),
    upload: (file: File) => {
      const fd = new FormData()
      fd.append('file', file)
      return api.post<ContactImport>(acc.path('contact_imports'), fd)
    },
    startImport: (id: number, mapping: ImportMapping[]) =>
      api.post<ContactImport>(acc.path(`contact_imports/${id}/start`), { mapping: mapping.map((m) => ({ column: m.column, target: m.target })) }),
    /** downloadErrors saves the bad rows of an import (line, reason, the original cells). */
    downloadErrors: (id: number) => download('GET', `contact_imports/${id}/errors.csv`, `import-${id}-errors.csv`),
    downloadTemplate: () => download('GET', 'contacts/import_template.csv', 'contacts-template.csv'),
    /** exportCsv downloads what the list shows: everything, or the contacts the filter matches. */
    exportCsv: (payload: Condition[] | null) =>
      payload ? download('POST', 'contacts/export', 'contacts.csv', { payload }) : download('GET', 'contacts/export.csv', 'contacts.csv'),
  }
}
