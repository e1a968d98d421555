// Routes of the contacts module. Owned by the contacts area (CONTRACT: the area's work replaces the
// placeholder page and adds its detail routes).
import type { RouteRecordRaw } from 'vue-router'

export const contactRoutes: RouteRecordRaw[] = [
  { path: 'contacts', name: 'module-contacts', component: () => import('@/areas/modules/ComingSoon.vue'), meta: { module: 'contacts' } },
]
