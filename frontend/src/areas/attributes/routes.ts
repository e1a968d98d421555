// The custom attributes settings page, a child of /settings (router.ts spreads it into the
// settings layout's routes; SettingsLayout.vue lists the nav entry).
import type { RouteRecordRaw } from 'vue-router'

export const attributeRoutes: RouteRecordRaw[] = [
  { path: 'attributes', name: 'settings-attributes', component: () => import('./AttributesSettings.vue'), meta: { admin: true } },
]

/** The settings menu entry. */
export const attributesNav = { name: 'settings-attributes', label: 'attributes.nav', icon: 'pi pi-list' }
