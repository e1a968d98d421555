// The custom objects calls: types, records, associations and the grouped panel view.

import { accountPath, api } from '@/api/client'
import { unwrapList } from '@/areas/inbox-settings/helpers'
import { useSession } from '@/stores/session'
import type { Association, AssociationGroup, AssociationInput, ObjectRecord, ObjectRecordInput, ObjectRecordList, ObjectType, ObjectTypeInput, TargetType } from './types'

function path(rest: string): string {
  return accountPath(useSession().current!.id, rest)
}

export const objectsApi = {
  types: async () => unwrapList<ObjectType>(await api.get<unknown>(path('custom_objects/types'))),
  createType: (body: ObjectTypeInput) => api.post<ObjectType>(path('custom_objects/types'), body),
  updateType: (id: number, body: ObjectTypeInput) => api.patch<ObjectType>(path(`custom_objects/types/${id}`), body),
  removeType: (id: number) => api.del(path(`custom_objects/types/${id}`)),
  records: (typeId: number, q = '', page = 1) => api.get<ObjectRecordList>(path(`custom_objects/types/${typeId}/records`), { query: { q, page } }),
  createRecord: (typeId: number, body: ObjectRecordInput) => api.post<ObjectRecord>(path(`custom_objects/types/${typeId}/records`), body),
  updateRecord: (id: number, body: ObjectRecordInput) => api.patch<ObjectRecord>(path(`custom_objects/records/${id}`), body),
  removeRecord: (id: number) => api.del(path(`custom_objects/records/${id}`)),
  associations: async (recordId: number) => unwrapList<Association>(await api.get<unknown>(path(`custom_objects/records/${recordId}/associations`))),
  associate: (recordId: number, body: AssociationInput) =>
    api.post<Association>(path(`custom_objects/records/${recordId}/associations`), body),
  disassociate: (id: number) => api.del(path(`custom_objects/associations/${id}`)),
  grouped: async (target: TargetType, id: number) => unwrapList<AssociationGroup>(await api.get<unknown>(path(`${target}s/${id}/custom_objects`))),
}
