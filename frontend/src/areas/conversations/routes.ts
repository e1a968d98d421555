// Routes of the inbox (conversations module). Owned by the conversations area.
import type { RouteRecordRaw } from 'vue-router'

export const conversationRoutes: RouteRecordRaw[] = [
  {
    // /conversations/42 opens conversation number 42; ?view=manual shows the manual actions queue.
    path: 'conversations/:id?',
    name: 'module-conversations',
    component: () => import('./InboxPage.vue'),
    meta: { module: 'conversations' },
  },
]
