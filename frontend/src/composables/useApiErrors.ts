// Turning API errors into what people see: messages under fields when the server blamed a
// field, a toast otherwise.

import { reactive } from 'vue'
import { useToast } from 'primevue/usetoast'
import { useI18n } from 'vue-i18n'
import { ApiError } from '@/api/client'

export function useNotify() {
  const toast = useToast()
  const { t } = useI18n()

  function success(summary: string, detail?: string): void {
    toast.add({ severity: 'success', summary, detail, life: 3000 })
  }

  /** failure shows an API error (or anything thrown) as an error toast. */
  function failure(e: unknown, summary?: string): void {
    let detail: string
    if (e instanceof ApiError) detail = e.status === 0 ? t('common.networkError') : e.detail || e.title
    else detail = e instanceof Error ? e.message : String(e)
    toast.add({ severity: 'error', summary: summary ?? t('common.error'), detail, life: 6000 })
  }

  return { success, failure, toast }
}

/** useFieldErrors keeps per-field messages for one form. */
export function useFieldErrors() {
  const errors = reactive<Record<string, string>>({})
  const notify = useNotify()
  const { t } = useI18n()

  function clear(): void {
    for (const k of Object.keys(errors)) delete errors[k]
  }

  function set(field: string, message: string): void {
    errors[field] = message
  }

  /**
   * take shows an error: field messages go under the fields (with a short toast so nothing is
   * missed), anything else becomes a toast.
   */
  function take(e: unknown): void {
    clear()
    if (e instanceof ApiError && Object.keys(e.fields).length) {
      Object.assign(errors, e.fields)
      notify.toast.add({ severity: 'warn', summary: t('common.fixFields'), detail: e.detail || undefined, life: 4000 })
      return
    }
    notify.failure(e)
  }

  return { errors, clear, set, take }
}
