// Routes of the custom_objects module: one page (types, records, record drawer); ?type= and
// ?record= select what it opens.
import type { RouteRecordRaw } from 'vue-router'

export const customObjectRoutes: RouteRecordRaw[] = [
  { path: 'custom-objects', name: 'module-custom_objects', component: () => import('./CustomObjectsPage.vue'), meta: { module: 'custom_objects' } },
]
