// The account-scoped calls of the inbox settings pages, with Chatwoot's envelopes unwrapped.

import { accountPath, api } from '@/api/client'
import type { CrudResource } from '@/composables/useCrudList'
import { useSession } from '@/stores/session'
import { unwrapList, unwrapOne } from './helpers'

export function useAccountApi() {
  const session = useSession()
  const path = (rest: string) => accountPath(session.current!.id, rest)
  const list = async <T>(rest: string, query?: Record<string, string | number | undefined>) => unwrapList<T>(await api.get<unknown>(path(rest), { query }))
  const create = async <T>(rest: string, body: unknown) => unwrapOne<T>(await api.post<unknown>(path(rest), body))
  const update = async <T>(rest: string, body: unknown) => unwrapOne<T>(await api.patch<unknown>(path(rest), body))
  const remove = (rest: string, body?: unknown) => api.del(path(rest), body)
  return {
    path,
    list,
    one: async <T>(rest: string) => unwrapOne<T>(await api.get<unknown>(path(rest))),
    create,
    update,
    remove,
    post: <T>(rest: string, body: unknown) => api.post<T>(path(rest), body),
    /** resource is the REST collection at rest ("labels"): list, create, update and delete by id. */
    resource: <T, B>(rest: string): CrudResource<T, B> => ({
      list: () => list<T>(rest),
      create: (body) => create<T>(rest, body),
      update: (id, body) => update<T>(`${rest}/${id}`, body),
      remove: (id) => remove(`${rest}/${id}`),
    }),
  }
}
