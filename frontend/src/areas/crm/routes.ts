// Routes of the crm module: the board, a deal's page and the pipeline editor.
import type { RouteRecordRaw } from 'vue-router'

export const crmRoutes: RouteRecordRaw[] = [
  { path: 'crm', name: 'module-crm', component: () => import('./BoardPage.vue'), meta: { module: 'crm' } },
  { path: 'crm/deals/:id(\\d+)', name: 'crm-deal', component: () => import('./DealPage.vue'), meta: { module: 'crm' } },
  { path: 'crm/pipelines', name: 'crm-pipelines', component: () => import('./PipelinesPage.vue'), meta: { module: 'crm' } },
]
