// Routes of the contacts module: the list (with filters and segments), the CSV import wizard and
// one contact's page. The list keeps the name 'module-contacts' the shell links to.
import type { RouteRecordRaw } from 'vue-router'

export const contactRoutes: RouteRecordRaw[] = [
  { path: 'contacts', name: 'module-contacts', component: () => import('./ContactsPage.vue'), meta: { module: 'contacts' } },
  { path: 'contacts/import', name: 'contacts-import', component: () => import('./ImportWizard.vue'), meta: { module: 'contacts' } },
  { path: 'contacts/import/:id', name: 'contacts-import-one', component: () => import('./ImportWizard.vue'), props: true, meta: { module: 'contacts' } },
  { path: 'contacts/:id(\\d+)', name: 'contact', component: () => import('./ContactPage.vue'), props: true, meta: { module: 'contacts' } },
]
