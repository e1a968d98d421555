// Routes of the catalog module. Owned by the catalog area (CONTRACT: the area's work replaces the
// placeholder page and adds its detail routes).
import type { RouteRecordRaw } from 'vue-router'

export const catalogRoutes: RouteRecordRaw[] = [
  { path: 'catalog', name: 'module-catalog', component: () => import('@/areas/modules/ComingSoon.vue'), meta: { module: 'catalog' } },
]
