// The account webhooks pages, children of /settings (router.ts spreads them into the settings
// layout's routes; SettingsLayout.vue lists the nav entry).
import type { RouteRecordRaw } from 'vue-router'

export const webhookRoutes: RouteRecordRaw[] = [
  { path: 'webhooks', name: 'settings-webhooks', component: () => import('./WebhooksSettings.vue'), meta: { admin: true } },
  { path: 'webhooks/:id', name: 'settings-webhook', component: () => import('./WebhookDeliveries.vue'), meta: { admin: true }, props: true },
]

/** The settings menu entry; the delivery log page lights it too. */
export const webhooksNav = { name: 'settings-webhooks', label: 'webhooks.nav', icon: 'pi pi-send', also: ['settings-webhook'] }
