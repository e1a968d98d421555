// Routes of the inbox (conversations module). Owned by the conversations area.
import type { RouteRecordRaw } from 'vue-router'

export const conversationRoutes: RouteRecordRaw[] = [
  {
    path: 'conversations/:id?',
    name: 'module-conversations',
    component: () => import('@/areas/modules/ComingSoon.vue'),
    meta: { module: 'conversations' },
  },
]
