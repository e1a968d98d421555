// The account webhooks calls, with Chatwoot's envelopes unwrapped.
import { ApiError, api } from '@/api/client'
import { useAccountApi } from '@/areas/inbox-settings/useAccountApi'
import { pageOf, webhookOf, webhooksOf, type DeliverySource } from './helpers'
import type { CreatedWebhook, Delivery, Webhook, WebhookEvent, WebhookInput, WebhookSecret } from './types'

export function useWebhooksApi() {
  const acc = useAccountApi()
  return {
    list: async () => webhooksOf(await api.get<unknown>(acc.path('webhooks'))),
    events: () => api.get<WebhookEvent[]>(acc.path('webhooks/events')),
    create: async (body: WebhookInput) => webhookOf<CreatedWebhook>(await api.post<unknown>(acc.path('webhooks'), { webhook: body })),
    update: async (id: number, body: WebhookInput) => webhookOf(await api.patch<unknown>(acc.path(`webhooks/${id}`), { webhook: body })),
    remove: (id: number) => api.del(acc.path(`webhooks/${id}`)),
    rotate: (id: number) => api.post<WebhookSecret>(acc.path(`webhooks/${id}/rotate_secret`)),
    test: (id: number) => api.post<Delivery>(acc.path(`webhooks/${id}/test`)),
    /** get is one webhook; null when there is none with that id (another account's, or deleted). */
    get: async (id: number): Promise<Webhook | null> => {
      try {
        return webhookOf(await api.get<unknown>(acc.path(`webhooks/${id}`)))
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null
        throw e
      }
    },
    /** deliveries is the log of one account webhook. */
    deliveries: (id: number): DeliverySource => ({
      filterable: true,
      list: async (page, status) => pageOf(await api.get<unknown>(acc.path(`webhooks/${id}/deliveries`), { query: { page, status: status ?? undefined } })),
      one: (did) => api.get<Delivery>(acc.path(`webhooks/${id}/deliveries/${did}`)),
      resend: (did) => api.post<Delivery>(acc.path(`webhooks/${id}/deliveries/${did}/resend`)),
    }),
    /** inboxDeliveries is the log of an API inbox's webhook URL. */
    inboxDeliveries: (inboxId: number): DeliverySource => ({
      filterable: false,
      list: async (page) => pageOf(await api.get<unknown>(acc.path(`inboxes/${inboxId}/webhook_deliveries`), { query: { page } })),
      one: (did) => api.get<Delivery>(acc.path(`inboxes/${inboxId}/webhook_deliveries/${did}`)),
      resend: (did) => api.post<Delivery>(acc.path(`inboxes/${inboxId}/webhook_deliveries/${did}/resend`)),
    }),
  }
}
