// Routes of the companies module. Owned by the companies area (CONTRACT: the area's work replaces the
// placeholder page and adds its detail routes).
import type { RouteRecordRaw } from 'vue-router'

export const companyRoutes: RouteRecordRaw[] = [
  { path: 'companies', name: 'module-companies', component: () => import('@/areas/modules/ComingSoon.vue'), meta: { module: 'companies' } },
]
