// What every task component needs from the session: the account's time zone (dates are read on
// its clocks), the UI locale, whether the person may change tasks, and the account's members for
// the assignee and reminder pickers (loaded once per page, shared between components).
import { computed, onMounted, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { accountPath, api } from '@/api/client'
import { unwrapList } from '@/areas/inbox-settings/helpers'
import { useSession } from '@/stores/session'

export interface Member { id: number; name: string; email?: string }

const members = ref<Member[]>([])
let membersFor = 0
let loading: Promise<void> | null = null

export function useTaskContext() {
  const session = useSession()
  const { locale } = useI18n()
  const tz = computed(() => session.account?.time_zone || undefined)
  const canManage = computed(() => session.can('tasks', 'manage'))
  const me = computed(() => session.profile?.id ?? 0)

  /** loadMembers fetches the account's agents once; a failure leaves the list empty. */
  function loadMembers(): Promise<void> {
    const acc = session.current?.id ?? 0
    if (!acc) return Promise.resolve()
    if (membersFor === acc && (members.value.length || loading)) return loading ?? Promise.resolve()
    membersFor = acc
    loading = api
      .get<unknown>(accountPath(acc, 'agents'))
      .then((r) => {
        members.value = unwrapList<Member>(r).map((m) => ({ id: m.id, name: m.name || m.email || `#${m.id}`, email: m.email }))
      })
      .catch(() => {
        members.value = []
      })
      .finally(() => {
        loading = null
      })
    return loading
  }

  onMounted(() => {
    if (!session.account) session.loadAccount().catch(() => undefined)
    void loadMembers()
  })

  const memberName = (id: number) => members.value.find((m) => m.id === id)?.name ?? `#${id}`
  return { session, tz, locale, canManage, me, members, memberName, loadMembers }
}
