// Routes of the tasks module: the tasks page (list, board, calendar and "my tasks" views, with
// the task drawer), a task's own page (links from the bell and e-mails), and the settings pages
// for task SLA policies and templates, and the operator's mail server.
import type { RouteRecordRaw } from 'vue-router'

export const taskRoutes: RouteRecordRaw[] = [
  { path: 'tasks', name: 'module-tasks', component: () => import('./TasksPage.vue'), meta: { module: 'tasks' } },
  { path: 'tasks/:id(\\d+)', name: 'task', component: () => import('./TaskPage.vue'), meta: { module: 'tasks' } },
]

/** Children of /settings (router.ts spreads them into the settings layout's routes). */
export const taskSettingsRoutes: RouteRecordRaw[] = [
  { path: 'tasks', name: 'settings-tasks', component: () => import('./settings/TaskSettings.vue'), meta: { admin: true } },
  { path: 'mail', name: 'settings-mail', component: () => import('./settings/MailSettings.vue'), meta: { operator: true } },
]

/** The settings menu entries: task settings for administrators, the mail server for operators. */
export const taskSettingsNav = { name: 'settings-tasks', label: 'tasks.settings.nav', icon: 'pi pi-check-square' }
export const mailSettingsNav = { name: 'settings-mail', label: 'tasks.mail.nav', icon: 'pi pi-envelope' }
