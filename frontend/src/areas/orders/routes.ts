// Routes of the orders module: the registry list (orders open in a dialog, no page of their own).
import type { RouteRecordRaw } from 'vue-router'

export const orderRoutes: RouteRecordRaw[] = [
  { path: 'orders', name: 'module-orders', component: () => import('./OrdersPage.vue'), meta: { module: 'orders' } },
]
