// Custom attribute definitions: the calls, and one cached list per model so every side panel
// and form on a page shares a single request.

import { ref, type Ref } from 'vue'
import { accountPath, api } from '@/api/client'
import { unwrapList } from '@/areas/inbox-settings/helpers'
import { useSession } from '@/stores/session'
import type { AttributeDefinition, AttributeDefinitionInput, AttributeModel } from './types'

interface CacheEntry {
  account: string
  list: Ref<AttributeDefinition[]>
  loading: Ref<boolean>
  promise: Promise<void> | null
}

const cache = new Map<AttributeModel, CacheEntry>()

function basePath(): string {
  return accountPath(useSession().current!.id, 'custom_attribute_definitions')
}

export const attributesApi = {
  list: async (model?: AttributeModel) => unwrapList<AttributeDefinition>(await api.get<unknown>(basePath(), { query: { attribute_model: model } })),
  create: (body: AttributeDefinitionInput) => api.post<AttributeDefinition>(basePath(), body),
  update: (id: number, body: Partial<AttributeDefinitionInput>) => api.patch<AttributeDefinition>(`${basePath()}/${id}`, body),
  remove: (id: number) => api.del(`${basePath()}/${id}`),
}

/** invalidateAttributeDefinitions drops the cache after the settings page changed a model's list. */
export function invalidateAttributeDefinitions(model?: AttributeModel): void {
  for (const [m, e] of cache) {
    if (!model || m === model) {
      e.promise = null
      void load(m, e)
    }
  }
}

async function load(model: AttributeModel, e: CacheEntry): Promise<void> {
  e.loading.value = true
  e.promise = attributesApi
    .list(model)
    .then((l) => {
      e.list.value = l
    })
    .catch(() => {
      // A reader without contacts access gets no definitions: the forms just show none.
      e.list.value = []
      e.promise = null
    })
    .finally(() => {
      e.loading.value = false
    })
  return e.promise
}

/**
 * useAttributeDefinitions is the account's definitions of one model, loaded once per account
 * and shared by every caller; reload() fetches them again.
 */
export function useAttributeDefinitions(model: AttributeModel): { definitions: Ref<AttributeDefinition[]>; loading: Ref<boolean>; reload: () => Promise<void> } {
  const session = useSession()
  const account = String(session.current?.id ?? '')
  let e = cache.get(model)
  if (!e || e.account !== account) {
    e = { account, list: ref([]), loading: ref(false), promise: null }
    cache.set(model, e)
  }
  const entry = e
  if (!entry.promise && account) void load(model, entry)
  return { definitions: entry.list, loading: entry.loading, reload: () => load(model, entry) }
}
