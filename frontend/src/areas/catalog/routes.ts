// Routes of the catalog module: the product list.
import type { RouteRecordRaw } from 'vue-router'

export const catalogRoutes: RouteRecordRaw[] = [
  { path: 'catalog', name: 'module-catalog', component: () => import('./CatalogPage.vue'), meta: { module: 'catalog' } },
]
