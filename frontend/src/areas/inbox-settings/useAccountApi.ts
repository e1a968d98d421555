// The account-scoped calls of the inbox settings pages, with Chatwoot's envelopes unwrapped.

import { accountPath, api } from '@/api/client'
import { useSession } from '@/stores/session'
import { unwrapList, unwrapOne } from './helpers'

export function useAccountApi() {
  const session = useSession()
  const path = (rest: string) => accountPath(session.current!.id, rest)
  return {
    path,
    list: async <T>(rest: string, query?: Record<string, string | number | undefined>) => unwrapList<T>(await api.get<unknown>(path(rest), { query })),
    one: async <T>(rest: string) => unwrapOne<T>(await api.get<unknown>(path(rest))),
    create: async <T>(rest: string, body: unknown) => unwrapOne<T>(await api.post<unknown>(path(rest), body)),
    update: async <T>(rest: string, body: unknown) => unwrapOne<T>(await api.patch<unknown>(path(rest), body)),
    remove: (rest: string, body?: unknown) => api.del(path(rest), body),
    post: <T>(rest: string, body: unknown) => api.post<T>(path(rest), body),
  }
}
