// Routes of the crm module. Owned by the crm area (CONTRACT: the area's work replaces the
// placeholder page and adds its detail routes).
import type { RouteRecordRaw } from 'vue-router'

export const crmRoutes: RouteRecordRaw[] = [
  { path: 'crm', name: 'module-crm', component: () => import('@/areas/modules/ComingSoon.vue'), meta: { module: 'crm' } },
]
