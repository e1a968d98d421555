// How a record's stored value reads in tables and the drawer: custom object field types map
// onto the custom attribute formatter (boolean is its checkbox).

import { formatAttribute } from '@/areas/attributes/logic'
import type { AttributeType } from '@/areas/attributes/types'
import { currentLocale, i18n } from '@/i18n'
import { useSession } from '@/stores/session'
import type { ObjectField } from './types'

/** dayText shows a YYYY-MM-DD association date in the UI's language. */
export function dayText(day: string): string {
  return formatAttribute({ attribute_display_type: 'date' }, day, currentLocale())
}

export function displayValue(f: ObjectField, v: unknown): string {
  const type: AttributeType = f.type === 'boolean' ? 'checkbox' : f.type
  const t = i18n.global.t
  const currency = useSession().account?.currency || 'BRL'
  return formatAttribute({ attribute_display_type: type }, v, currentLocale(), currency, [t('common.yes'), t('common.no')])
}
