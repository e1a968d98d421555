// Routes of the custom_objects module. Owned by the custom-objects area (CONTRACT: the area's work replaces the
// placeholder page and adds its detail routes).
import type { RouteRecordRaw } from 'vue-router'

export const customObjectRoutes: RouteRecordRaw[] = [
  { path: 'custom-objects', name: 'module-custom_objects', component: () => import('@/areas/modules/ComingSoon.vue'), meta: { module: 'custom_objects' } },
]
