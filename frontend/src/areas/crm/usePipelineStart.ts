// Starting a pipeline, shared by the empty board and the pipelines page: a template is created
// at once by the server; "from scratch" opens the editor with a small draft to adjust.
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { useNotify } from '@/composables/useApiErrors'
import { useCrmApi } from './api'
import type { Pipeline, PipelineTemplate, Stage } from './types'

export function usePipelineStart(onCreated: (p: Pipeline) => void) {
  const { t, te } = useI18n()
  const crm = useCrmApi()
  const notify = useNotify()
  const gallery = ref(false)
  const busy = ref<string | null>(null)
  const editor = ref(false)
  const draft = ref<{ id?: number; name: string; stale_days: number; stages: Stage[] } | null>(null)

  function scratch(): { name: string; stale_days: number; stages: Stage[] } {
    const won = te('crm.kind.won') ? t('crm.kind.won') : 'Won'
    return {
      name: t('crm.templates.draft.name'),
      stale_days: 14,
      stages: [
        { name: t('crm.templates.draft.s1'), color: '#3b82f6', probability: 10, kind: 'open' },
        { name: t('crm.templates.draft.s2'), color: '#8b5cf6', probability: 30, kind: 'open' },
        { name: t('crm.templates.draft.s3'), color: '#f59e0b', probability: 60, kind: 'open' },
        { name: won, color: '#22c55e', probability: 100, kind: 'won' },
        { name: t('crm.kind.lost'), color: '#ef4444', probability: 0, kind: 'lost' },
      ],
    }
  }

  async function pick(tpl: PipelineTemplate | null): Promise<void> {
    if (!tpl) {
      gallery.value = false
      draft.value = scratch()
      editor.value = true
      return
    }
    busy.value = tpl.key
    try {
      const p = await crm.createPipeline({ template: tpl.key })
      notify.success(t('crm.pipelines.created'))
      gallery.value = false
      onCreated(p)
    } catch (e) {
      notify.failure(e)
    } finally {
      busy.value = null
    }
  }

  return { gallery, busy, editor, draft, pick }
}
