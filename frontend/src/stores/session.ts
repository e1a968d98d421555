// Who is signed in, which account they are working in, and what that account lets them see.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, getToken, setToken } from '@/api/client'
import type { Account, AccountRef, LoginResponse, ModuleInfo, Profile, ProfilePatch } from '@/api/types'
import { MODULE_KEYS } from '@/modules'
import { setLocale } from '@/i18n'
import { setTheme } from '@/theme'
import { realtime } from '@/realtime'

const ACCOUNT_KEY = 'parley.account'

export const useSession = defineStore('session', () => {
  const profile = ref<Profile | null>(null)
  const accountId = ref<string | null>(localStorage.getItem(ACCOUNT_KEY))
  const account = ref<Account | null>(null)
  const moduleInfo = ref<ModuleInfo[]>([])

  const accounts = computed<AccountRef[]>(() => profile.value?.accounts ?? [])
  const current = computed<AccountRef | null>(() => {
    const list = accounts.value
    return list.find((a) => String(a.id) === accountId.value) ?? list[0] ?? null
  })
  const isAdmin = computed(() => current.value?.role === 'administrator')
  const isOperator = computed(() => !!profile.value?.is_operator)

  /** Modules shown in the sidebar: enabled for the account and, under a custom role, granted. */
  const visibleModules = computed<string[]>(() => {
    const acc = current.value
    if (!acc) return []
    const enabled = new Set(acc.modules ?? [])
    if (acc.role === 'administrator') return MODULE_KEYS.filter((k) => enabled.has(k))
    // The server sends the effective per-module levels; a module missing there is "none".
    const perms = acc.permissions ?? {}
    const hasCustomRole = !!acc.custom_role_id
    if (!Object.keys(perms).length) return hasCustomRole ? [] : MODULE_KEYS.filter((k) => enabled.has(k))
    return MODULE_KEYS.filter((k) => enabled.has(k) && !!perms[k])
  })

  /** hasModule reports whether a module is switched on for the current account. */
  function hasModule(key: string): boolean {
    return (current.value?.modules ?? []).includes(key)
  }

  /**
   * can mirrors the server's permission check (access.Actor.Can) so the UI offers only what the
   * server will allow: administrators can everything; agents have their effective level per module.
   */
  function can(module: string, level: 'view' | 'manage' = 'view'): boolean {
    const acc = current.value
    if (!acc) return false
    if (acc.role === 'administrator') return true
    const have = (acc.permissions ?? {})[module] ?? 'none'
    const rank = (l: string) => (l === 'manage' ? 2 : l === 'view' ? 1 : 0)
    return rank(have) >= rank(level)
  }

  function applyPreferences(p: Profile): void {
    if (p.language) setLocale(p.language)
    setTheme(p.theme)
  }

  function setProfile(p: Profile): void {
    profile.value = p
    if (!current.value || String(current.value.id) !== accountId.value) {
      const first = p.accounts?.[0]
      accountId.value = first ? String(first.id) : null
    }
    if (accountId.value) localStorage.setItem(ACCOUNT_KEY, accountId.value)
    applyPreferences(p)
  }

  async function loadProfile(): Promise<Profile> {
    const p = await api.get<Profile>('/api/v1/profile')
    setProfile(p)
    return p
  }

  /** signedIn stores the token of a login/setup/desktop answer and loads the full profile. */
  async function signedIn(token: string, resp?: Partial<LoginResponse>): Promise<void> {
    setToken(token)
    if (resp?.user) setProfile({ ...resp.user, accounts: resp.accounts ?? resp.user.accounts ?? [] })
    await loadProfile()
    realtime.connect(token)
  }

  async function signOut(): Promise<void> {
    try {
      if (getToken()) await api.post('/api/v1/auth/logout', undefined, { noAuthRedirect: true })
    } catch {
      /* the token may already be gone; signing out locally is what matters */
    }
    clear()
  }

  /** clear forgets the session locally (also used when the server answers 401). */
  function clear(): void {
    setToken(null)
    realtime.disconnect()
    profile.value = null
    account.value = null
  }

  function switchAccount(id: string | number): void {
    accountId.value = String(id)
    localStorage.setItem(ACCOUNT_KEY, accountId.value)
    account.value = null
  }

  async function updateProfile(patch: ProfilePatch): Promise<Profile> {
    const p = await api.patch<Profile>('/api/v1/profile', patch)
    setProfile(p)
    return p
  }

  async function loadAccount(): Promise<Account | null> {
    if (!current.value) return null
    account.value = await api.get<Account>(`/api/v1/accounts/${current.value.id}`)
    return account.value
  }

  async function loadModuleInfo(): Promise<ModuleInfo[]> {
    if (!moduleInfo.value.length) moduleInfo.value = await api.list<ModuleInfo>('/api/v1/modules')
    return moduleInfo.value
  }

  return {
    profile,
    accountId,
    account,
    moduleInfo,
    accounts,
    current,
    isAdmin,
    isOperator,
    hasModule,
    can,
    visibleModules,
    setProfile,
    loadProfile,
    signedIn,
    signOut,
    clear,
    switchAccount,
    updateProfile,
    loadAccount,
    loadModuleInfo,
  }
})
