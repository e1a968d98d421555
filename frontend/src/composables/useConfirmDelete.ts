// Asking before something is deleted, revoked or removed, then doing it and saying how it went:
// one dialog, the same everywhere.

import { useConfirm } from 'primevue/useconfirm'
import { useI18n } from 'vue-i18n'
import { useNotify } from './useApiErrors'

export interface ConfirmDelete {
  /** What will happen, naming the thing ("Remove Ana from this account?"). */
  message: string
  /** The label of the red button ("Remove", "Delete", "Revoke"). */
  accept: string
  /** The toast once it is done. */
  done: string
  /** The call itself; it runs only after the person confirms. */
  run: () => Promise<void>
}

export function useConfirmDelete(): (c: ConfirmDelete) => void {
  const confirm = useConfirm()
  const notify = useNotify()
  const { t } = useI18n()
  return (c) =>
    confirm.require({
      header: t('common.areYouSure'),
      message: c.message,
      icon: 'pi pi-exclamation-triangle',
      rejectProps: { label: t('common.cancel'), severity: 'secondary', outlined: true },
      acceptProps: { label: c.accept, severity: 'danger' },
      accept: async () => {
        try {
          await c.run()
          notify.success(c.done)
        } catch (e) {
          notify.failure(e)
        }
      },
    })
}
