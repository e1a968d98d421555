// Routes of the companies module: the list and one company's page.
import type { RouteRecordRaw } from 'vue-router'

export const companyRoutes: RouteRecordRaw[] = [
  { path: 'companies', name: 'module-companies', component: () => import('./CompaniesPage.vue'), meta: { module: 'companies' } },
  { path: 'companies/:id(\\d+)', name: 'company', component: () => import('./CompanyPage.vue'), meta: { module: 'companies' } },
]
