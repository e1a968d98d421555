// Settings pages of the inbox: inboxes, labels, canned responses, macros, SLA policies, CSAT.
// Children of /settings (router.ts spreads them into the settings layout's routes).
import type { RouteRecordRaw } from 'vue-router'

export const inboxSettingsRoutes: RouteRecordRaw[] = [
  { path: 'inboxes', name: 'settings-inboxes', component: () => import('./InboxesSettings.vue'), meta: { admin: true } },
  { path: 'inboxes/:id', name: 'settings-inbox', component: () => import('./InboxDetail.vue'), meta: { admin: true }, props: true },
  { path: 'labels', name: 'settings-labels', component: () => import('./LabelsSettings.vue'), meta: { admin: true } },
  { path: 'canned-responses', name: 'settings-canned-responses', component: () => import('./CannedResponsesSettings.vue'), meta: { admin: true } },
  { path: 'macros', name: 'settings-macros', component: () => import('./MacrosSettings.vue'), meta: { admin: true } },
  { path: 'sla', name: 'settings-sla', component: () => import('./SlaSettings.vue'), meta: { admin: true } },
  { path: 'csat', name: 'settings-csat', component: () => import('./CsatReport.vue'), meta: { admin: true } },
]

/** Entries of the settings menu, in order (SettingsLayout.vue lists them after Roles); also: routes that light the entry too. */
export const inboxSettingsNav: Array<{ name: string; label: string; icon: string; also?: string[] }> = [
  { name: 'settings-inboxes', label: 'inboxSettings.nav.inboxes', icon: 'pi pi-inbox', also: ['settings-inbox'] },
  { name: 'settings-labels', label: 'inboxSettings.nav.labels', icon: 'pi pi-tags' },
  { name: 'settings-canned-responses', label: 'inboxSettings.nav.canned', icon: 'pi pi-reply' },
  { name: 'settings-macros', label: 'inboxSettings.nav.macros', icon: 'pi pi-bolt' },
  { name: 'settings-sla', label: 'inboxSettings.nav.sla', icon: 'pi pi-stopwatch' },
  { name: 'settings-csat', label: 'inboxSettings.nav.csat', icon: 'pi pi-star' },
]
