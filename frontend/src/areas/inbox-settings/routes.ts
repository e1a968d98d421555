// Settings pages of the inbox: inboxes, labels, canned responses, macros, SLA policies.
import type { RouteRecordRaw } from 'vue-router'

export const inboxSettingsRoutes: RouteRecordRaw[] = []
