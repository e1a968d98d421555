// What every CRM screen needs from the session: the locale for money and dates, the account's
// currency and time zone, and whether the person may change deals.
import { computed, onMounted } from 'vue'
import { useI18n } from 'vue-i18n'
import { useSession } from '@/stores/session'
import { formatByCurrency, formatDay, formatMoney, formatUnix } from './logic'

export function useCrmContext() {
  const session = useSession()
  const { locale } = useI18n()
  onMounted(() => {
    if (!session.account) session.loadAccount().catch(() => undefined)
  })
  const currency = computed(() => session.account?.currency || 'BRL')
  const timeZone = computed(() => session.account?.time_zone || undefined)
  const canManage = computed(() => session.can('crm', 'manage'))
  return {
    session,
    currency,
    timeZone,
    canManage,
    money: (cents: number | null | undefined, cur?: string) => formatMoney(cents, cur || currency.value, locale.value),
    moneyBy: (m: Record<string, number> | null | undefined) => formatByCurrency(m, locale.value, currency.value),
    when: (unix: number | null | undefined, withTime = true) => formatUnix(unix, locale.value, timeZone.value, withTime),
    day: (s: string | null | undefined) => formatDay(s, locale.value),
  }
}
