// One select for "role": the two built-in roles plus each custom role (an agent with limits).

import type { Agent, CustomRole, Role } from '@/api/types'

export interface RoleChoice {
  value: string
  label: string
}

export function roleChoices(t: (k: string) => string, roles: CustomRole[]): RoleChoice[] {
  return [
    { value: 'administrator', label: t('roles.administrator') },
    { value: 'agent', label: t('roles.agent') },
    ...roles.map((r) => ({ value: `custom:${r.id}`, label: r.name })),
  ]
}

export function choiceOf(a: Pick<Agent, 'role' | 'custom_role_id'>): string {
  if (a.role === 'agent' && a.custom_role_id) return `custom:${a.custom_role_id}`
  return a.role
}

/** fromChoice turns the select's value back into the API's role + custom_role_id pair. */
export function fromChoice(v: string, roles: CustomRole[]): { role: Role; custom_role_id: string | number | null } {
  if (v.startsWith('custom:')) {
    const id = v.slice(7)
    const r = roles.find((x) => String(x.id) === id)
    return { role: 'agent', custom_role_id: r ? r.id : id }
  }
  return { role: v === 'administrator' ? 'administrator' : 'agent', custom_role_id: null }
}
