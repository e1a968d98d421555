// The CRM calls (app/api/crm.go), with list envelopes unwrapped.
import { accountPath, api } from '@/api/client'
import { unwrapList } from '@/areas/inbox-settings/helpers'
import { useSession } from '@/stores/session'
import type {
  Attachment, Board, BoardFilters, ChecklistItem, Deal, DealFilters, DealInput, DealList, Forecast, HistoryEntry, LineItem, LineItemInput, Note, Pipeline, PipelineInput, PipelineTemplate, SavedView,
} from './types'
import { boardQuery } from './logic'

export function useCrmApi() {
  const session = useSession()
  const p = (rest: string) => accountPath(session.current!.id, rest)
  const d = (id: number, rest = '') => p(`deals/${id}${rest}`)
  return {
    path: p,
    pipelines: async () => unwrapList<Pipeline>(await api.get<unknown>(p('pipelines'))),
    templates: async () => unwrapList<PipelineTemplate>(await api.get<unknown>(p('pipelines/templates'))),
    createPipeline: (body: PipelineInput) => api.post<Pipeline>(p('pipelines'), body),
    updatePipeline: (id: number, body: PipelineInput) => api.patch<Pipeline>(p(`pipelines/${id}`), body),
    deletePipeline: (id: number) => api.del(p(`pipelines/${id}`)),
    board: (id: number, f: BoardFilters) => api.get<Board>(p(`pipelines/${id}/board`), { query: boardQuery(f) }),
    forecast: (id: number, f: BoardFilters) => api.get<Forecast>(p(`pipelines/${id}/forecast`), { query: { close_from: f.close_from || undefined, close_to: f.close_to || undefined } }),

    deals: (query: Record<string, string | number | undefined>) => api.get<DealList>(p('deals'), { query }),
    deal: (id: number) => api.get<Deal>(d(id)),
    createDeal: (body: DealInput) => api.post<Deal>(p('deals'), body),
    updateDeal: (id: number, body: DealInput) => api.patch<Deal>(d(id), body),
    deleteDeal: (id: number) => api.del(d(id)),
    move: (id: number, stage_id: number, index?: number) => api.post<Deal>(d(id, '/move'), { stage_id, index }),
    won: (id: number, body: { closed_on?: string; reason?: string }) => api.post<Deal>(d(id, '/won'), body),
    lost: (id: number, body: { closed_on?: string; reason?: string }) => api.post<Deal>(d(id, '/lost'), body),
    reopen: (id: number, stage_id?: number) => api.post<Deal>(d(id, '/reopen'), stage_id ? { stage_id } : {}),
    history: async (id: number) => unwrapList<HistoryEntry>(await api.get<unknown>(d(id, '/history'))),

    notes: async (id: number) => unwrapList<Note>(await api.get<unknown>(d(id, '/notes'))),
    addNote: (id: number, content: string) => api.post<Note>(d(id, '/notes'), { content }),
    editNote: (id: number, noteId: number, content: string) => api.patch<Note>(d(id, `/notes/${noteId}`), { content }),
    deleteNote: (id: number, noteId: number) => api.del(d(id, `/notes/${noteId}`)),

    attachments: async (id: number) => unwrapList<Attachment>(await api.get<unknown>(d(id, '/attachments'))),
    deleteAttachment: (id: number, aid: number) => api.del(d(id, `/attachments/${aid}`)),
    attachmentUrl: (id: number, aid: number) => d(id, `/attachments/${aid}/download`),

    checklist: async (id: number) => unwrapList<ChecklistItem>(await api.get<unknown>(d(id, '/checklist'))),
    addCheck: (id: number, text: string) => api.post<ChecklistItem>(d(id, '/checklist'), { text }),
    editCheck: (id: number, itemId: number, body: Partial<Pick<ChecklistItem, 'text' | 'done' | 'position'>>) => api.patch<ChecklistItem>(d(id, `/checklist/${itemId}`), body),
    deleteCheck: (id: number, itemId: number) => api.del(d(id, `/checklist/${itemId}`)),

    lineItems: async (id: number) => unwrapList<LineItem>(await api.get<unknown>(d(id, '/line_items'))),
    addLine: (id: number, body: LineItemInput) => api.post<LineItem>(d(id, '/line_items'), body),
    editLine: (id: number, itemId: number, body: LineItemInput) => api.patch<LineItem>(d(id, `/line_items/${itemId}`), body),
    deleteLine: (id: number, itemId: number) => api.del(d(id, `/line_items/${itemId}`)),

    views: async () => unwrapList<SavedView>(await api.get<unknown>(p('deals/views'))),
    createView: (body: { name: string; pipeline_id: number; filters: DealFilters }) => api.post<SavedView>(p('deals/views'), body),
    deleteView: (id: number) => api.del(p(`deals/views/${id}`)),

    /** members and teams feed the owner and team pickers; a failure leaves them empty. */
    members: async () => unwrapList<{ id: number; name: string }>(await api.get<unknown>(p('agents')).catch(() => [])),
    teams: async () => unwrapList<{ id: number; name: string }>(await api.get<unknown>(p('teams')).catch(() => [])),
    searchContacts: async (q: string) => unwrapList<{ id: number; name: string; email?: string }>(await api.get<unknown>(p('contacts/search'), { query: { q } })),
    searchCompanies: async (q: string) => unwrapList<{ id: number; name: string }>(await api.get<unknown>(p('companies'), { query: { q } })),
  }
}

/**
 * uploadAttachment posts one file as multipart with upload progress (fetch has none), resolving
 * with the stored attachment or rejecting with the server's message.
 */
export function uploadAttachment(url: string, token: string | null, file: File, onProgress: (pct: number) => void): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100))
    xhr.onload = () => {
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(xhr.responseText || '{}')
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as unknown as Attachment)
      else reject(new Error(String(body.detail || body.title || `HTTP ${xhr.status}`)))
    }
    xhr.onerror = () => reject(new Error('network'))
    const fd = new FormData()
    fd.append('file', file)
    xhr.send(fd)
  })
}
