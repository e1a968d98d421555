// Routes of the orders module. Owned by the orders area (CONTRACT: the area's work replaces the
// placeholder page and adds its detail routes).
import type { RouteRecordRaw } from 'vue-router'

export const orderRoutes: RouteRecordRaw[] = [
  { path: 'orders', name: 'module-orders', component: () => import('@/areas/modules/ComingSoon.vue'), meta: { module: 'orders' } },
]
