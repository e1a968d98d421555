// The account webhooks calls, with Chatwoot's envelopes unwrapped.
import { api } from '@/api/client'
import { useAccountApi } from '@/areas/inbox-settings/useAccountApi'
import { pageOf, webhookOf, webhooksOf, type DeliverySource } from './helpers'
import type { CreatedWebhook, Delivery, Webhook, WebhookEvent, WebhookInput } from './types'

export function useWebhooksApi() {
  const acc = useAccountApi()
  return {
    list: async () => webhooksOf(await api.get<unknown>(acc.path('webhooks'))),
    events: () => api.get<WebhookEvent[]>(acc.path('webhooks/events')),
    create: async (body: WebhookInput) => webhookOf<CreatedWebhook>(await api.post<unknown>(acc.path('webhooks'), { webhook: body })),
    update: async (id: number, body: WebhookInput) => webhookOf(await api.patch<unknown>(acc.path(`webhooks/${id}`), { webhook: body })),
    remove: (id: number) => api.del(acc.path(`webhooks/${id}`)),
    rotate: (id: number) => api.post<{ secret: string }>(acc.path(`webhooks/${id}/rotate_secret`)),
    test: (id: number) => api.post<Delivery>(acc.path(`webhooks/${id}/test`)),
    get: async (id: number): Promise<Webhook | null> => webhooksOf(await api.get<unknown>(acc.path('webhooks'))).find((w) => w.id === id) ?? null,
    /** deliveries is the log of one account webhook. */
    deliveries: (id: number): DeliverySource => ({
      list: async (page, status) => pageOf(await api.get<unknown>(acc.path(`webhooks/${id}/deliveries`), { query: { page, status: status ?? undefined } })),
      one: (did) => api.get<Delivery>(acc.path(`webhooks/${id}/deliveries/${did}`)),
      resend: (did) => api.post<Delivery>(acc.path(`webhooks/${id}/deliveries/${did}/resend`)),
    }),
    /** inboxDeliveries is the log of an API inbox's webhook URL. */
    inboxDeliveries: (inboxId: number): DeliverySource => ({
      list: async (page, status) => pageOf(await api.get<unknown>(acc.path(`inboxes/${inboxId}/webhook_deliveries`), { query: { page, status: status ?? undefined } })),
      one: (did) => api.get<Delivery>(acc.path(`inboxes/${inboxId}/webhook_deliveries/${did}`)),
      resend: (did) => api.post<Delivery>(acc.path(`inboxes/${inboxId}/webhook_deliveries/${did}/resend`)),
    }),
  }
}
