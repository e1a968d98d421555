// Copying to the clipboard with a toast; a refused clipboard (insecure context) stays silent,
// the text remains on screen to select by hand.
import { useI18n } from 'vue-i18n'
import { useNotify } from '@/composables/useApiErrors'

export function useCopy() {
  const { t } = useI18n()
  const notify = useNotify()
  return async function copy(text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text)
      notify.success(t('common.copied'))
    } catch {
      /* clipboard refused */
    }
  }
}
