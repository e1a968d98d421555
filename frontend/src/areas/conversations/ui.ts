// Small display helpers shared by the inbox's components: channel icons, priority looks, and
// unix-second times in the viewer's locale.

import { currentLocale } from '@/i18n'
import { timeAgo } from '@/format'

const CHANNEL_ICONS: Record<string, string> = {
  api: 'pi pi-code',
  webwidget: 'pi pi-globe',
  web_widget: 'pi pi-globe',
  whatsapp: 'pi pi-whatsapp',
  email: 'pi pi-envelope',
  sms: 'pi pi-mobile',
  twiliosms: 'pi pi-mobile',
  facebookpage: 'pi pi-facebook',
  instagram: 'pi pi-instagram',
  telegram: 'pi pi-telegram',
  line: 'pi pi-comment',
}

/** channelIcon maps "Channel::Whatsapp" (or "whatsapp") to a PrimeIcons class. */
export function channelIcon(channel: string | null | undefined): string {
  const key = (channel ?? '').replace(/^Channel::/, '').toLowerCase()
  return CHANNEL_ICONS[key] ?? 'pi pi-comments'
}

export function channelKey(channel: string | null | undefined): string {
  const key = (channel ?? '').replace(/^Channel::/, '').toLowerCase()
  if (key === 'webwidget') return 'web_widget'
  if (key === 'twiliosms') return 'sms'
  return ['api', 'web_widget', 'whatsapp', 'email', 'sms'].includes(key) ? key : 'other'
}

export const PRIORITIES = ['urgent', 'high', 'medium', 'low'] as const

export function priorityIcon(p: string | null | undefined): string {
  switch (p) {
    case 'urgent':
      return 'pi pi-exclamation-circle'
    case 'high':
      return 'pi pi-angle-double-up'
    case 'medium':
      return 'pi pi-angle-up'
    case 'low':
      return 'pi pi-angle-down'
    default:
      return 'pi pi-minus'
  }
}

export function priorityColor(p: string | null | undefined): string {
  switch (p) {
    case 'urgent':
      return 'var(--p-red-500)'
    case 'high':
      return 'var(--p-orange-500)'
    case 'medium':
      return 'var(--p-amber-500)'
    case 'low':
      return 'var(--p-sky-500)'
    default:
      return 'var(--p-text-muted-color)'
  }
}

export function isoOf(unix: number | null | undefined): string | null {
  return unix ? new Date(unix * 1000).toISOString() : null
}

/** ago is timeAgo for unix seconds. */
export function ago(unix: number | null | undefined): string {
  return timeAgo(isoOf(unix))
}

/** shortTime is "14:05" today, "Mon 14:05" this week, a date otherwise (list rows). */
export function shortTime(unix: number | null | undefined, now = Date.now()): string {
  if (!unix) return ''
  const d = new Date(unix * 1000)
  const loc = currentLocale()
  const age = now - d.getTime()
  const today = new Date(now).toDateString() === d.toDateString()
  if (today) return new Intl.DateTimeFormat(loc, { hour: '2-digit', minute: '2-digit' }).format(d)
  if (age < 6 * 86400_000) return new Intl.DateTimeFormat(loc, { weekday: 'short' }).format(d)
  return new Intl.DateTimeFormat(loc, { day: '2-digit', month: 'short' }).format(d)
}

export function clock(unix: number): string {
  return new Intl.DateTimeFormat(currentLocale(), { hour: '2-digit', minute: '2-digit' }).format(new Date(unix * 1000))
}

export function dateTime(unix: number | null | undefined): string {
  if (!unix) return ''
  return new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(unix * 1000))
}

export function isoDateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d)
}

/** dayLabel is "Today", "Yesterday" (given), or a long date. */
export function dayLabel(unix: number, today: string, yesterday: string, now = new Date()): string {
  const d = new Date(unix * 1000)
  if (d.toDateString() === now.toDateString()) return today
  const y = new Date(now)
  y.setDate(y.getDate() - 1)
  if (d.toDateString() === y.toDateString()) return yesterday
  return new Intl.DateTimeFormat(currentLocale(), { weekday: 'long', day: 'numeric', month: 'long', year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric' }).format(d)
}

export function fileSize(n: number | null | undefined): string {
  if (!n) return ''
  const units = ['B', 'KB', 'MB', 'GB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`
}

/** EMOJI is the composer's compact picker: common faces, hands and objects. */
export const EMOJI = [
  '😀', '😃', '😄', '😁', '😅', '😂', '🙂', '😉', '😊', '😍', '😘', '😎',
  '🤔', '😐', '😕', '😢', '😭', '😡', '😮', '😴', '🤗', '🙄', '😬', '🥳',
  '👍', '👎', '👏', '🙏', '👌', '✌️', '🤝', '💪', '👋', '🙌', '☝️', '👀',
  '❤️', '💙', '💚', '🔥', '⭐', '✨', '🎉', '✅', '❌', '⚠️', '❓', '💡',
  '📦', '🚚', '💰', '💳', '🧾', '📅', '⏰', '📞', '📧', '📎', '🔗', '🏷️',
]
