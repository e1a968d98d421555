// Routes and the boot sequence: setup wizard when the installation is new, silent desktop
// sign-in inside the Wails window, the sign-in page otherwise.

import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { reactive } from 'vue'
import { ApiError, api, getToken, setToken, setUnauthorizedHandler } from '@/api/client'
import type { LoginResponse, SetupStatus } from '@/api/types'
import { MODULES, modulePath } from '@/modules'
import { useSession } from '@/stores/session'
import { realtime } from '@/realtime'
import { conversationRoutes } from '@/areas/conversations/routes'
import { inboxSettingsRoutes } from '@/areas/inbox-settings/routes'
import { webhookRoutes } from '@/areas/webhooks/routes'
import { contactRoutes } from '@/areas/contacts/routes'
import { companyRoutes } from '@/areas/companies/routes'
import { crmRoutes } from '@/areas/crm/routes'
import { orderRoutes } from '@/areas/orders/routes'
import { customObjectRoutes } from '@/areas/custom-objects/routes'
import { catalogRoutes } from '@/areas/catalog/routes'
import { attributeRoutes } from '@/areas/attributes/routes'
import { taskRoutes, taskSettingsRoutes } from '@/areas/tasks/routes'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    admin?: boolean
    operator?: boolean
    module?: string
  }
}

/** What the boot sequence found out; App.vue shows an error page while failed is set. */
export const bootState = reactive({ done: false, setupNeeded: false, failed: false, desktopFailed: false })

// Areas that are built bring their own routes; the rest show the "coming soon" page.
const builtAreaRoutes = [...conversationRoutes, ...contactRoutes, ...companyRoutes, ...crmRoutes, ...orderRoutes, ...customObjectRoutes, ...catalogRoutes, ...taskRoutes]
const built = new Set(builtAreaRoutes.map((r) => r.meta?.module).filter(Boolean))

const moduleRoutes: RouteRecordRaw[] = MODULES.filter((m) => !built.has(m.key)).map((m) => ({
  path: modulePath(m.key).slice(1),
  name: `module-${m.key}`,
  component: () => import('@/areas/modules/ComingSoon.vue'),
  meta: { module: m.key },
}))

const routes: RouteRecordRaw[] = [
  { path: '/setup', name: 'setup', component: () => import('@/areas/auth/SetupWizard.vue'), meta: { public: true } },
  { path: '/sign-in', name: 'sign-in', component: () => import('@/areas/auth/SignInPage.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('@/layouts/AppShell.vue'),
    children: [
      { path: '', name: 'home', component: () => import('@/areas/modules/HomeRedirect.vue') },
      ...builtAreaRoutes,
      ...moduleRoutes,
      { path: 'profile', name: 'profile', component: () => import('@/areas/profile/ProfilePage.vue') },
      {
        path: 'settings',
        component: () => import('@/areas/settings/SettingsLayout.vue'),
        meta: { admin: true },
        children: [
          { path: '', redirect: { name: 'settings-account' } },
          { path: 'account', name: 'settings-account', component: () => import('@/areas/settings/AccountSettings.vue'), meta: { admin: true } },
          { path: 'agents', name: 'settings-agents', component: () => import('@/areas/settings/AgentsSettings.vue'), meta: { admin: true } },
          { path: 'teams', name: 'settings-teams', component: () => import('@/areas/settings/TeamsSettings.vue'), meta: { admin: true } },
          { path: 'roles', name: 'settings-roles', component: () => import('@/areas/settings/RolesSettings.vue'), meta: { admin: true } },
          ...inboxSettingsRoutes,
          ...webhookRoutes,
          ...attributeRoutes,
          ...taskSettingsRoutes,
          { path: 'audit', name: 'settings-audit', component: () => import('@/areas/settings/AuditLog.vue'), meta: { admin: true } },
          { path: 'platform', name: 'settings-platform', component: () => import('@/areas/settings/PlatformSettings.vue'), meta: { operator: true } },
        ],
      },
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/areas/modules/NotFound.vue') },
    ],
  },
]

export const router = createRouter({ history: createWebHistory('/'), routes })

async function boot(): Promise<void> {
  const session = useSession()
  const status = await api.get<SetupStatus>('/api/v1/setup')
  bootState.setupNeeded = status.needed
  if (status.needed) return
  if (!getToken() && window.runtime) {
    try {
      const r = await api.post<LoginResponse>('/api/v1/auth/desktop', undefined, { noAuthRedirect: true })
      setToken(r.token)
    } catch {
      bootState.desktopFailed = true
    }
  }
  const token = getToken()
  if (!token) return
  try {
    await session.loadProfile()
    realtime.connect(token)
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) setToken(null)
    else throw e
  }
}

router.beforeEach(async (to) => {
  const session = useSession()
  if (!bootState.done) {
    try {
      await boot()
      bootState.done = true
      bootState.failed = false
    } catch {
      bootState.failed = true
      return true
    }
  }
  if (bootState.setupNeeded) return to.name === 'setup' ? true : { name: 'setup' }
  const signedIn = !!session.profile
  if (to.name === 'setup') return signedIn ? { name: 'home' } : { name: 'sign-in' }
  if (to.meta.public) return to.name === 'sign-in' && signedIn ? { name: 'home' } : true
  if (!signedIn) return { name: 'sign-in', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  return true
})

/** An expired or revoked token anywhere sends the person back to sign in. */
setUnauthorizedHandler(() => {
  const session = useSession()
  session.clear()
  const here = router.currentRoute.value
  if (!here.meta.public) router.push({ name: 'sign-in', query: { redirect: here.fullPath } })
})

/** retryBoot is the "Try again" of the server-unreachable page. */
export async function retryBoot(): Promise<void> {
  bootState.done = false
  bootState.failed = false
  await router.replace({ path: router.currentRoute.value.fullPath, force: true })
}
