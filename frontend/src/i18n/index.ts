// Locale setup: English and Brazilian Portuguese. The profile's language wins; before sign-in
// the last choice on this device, then the browser's language.

import { createI18n } from 'vue-i18n'
import en from './en'
import ptBR from './pt-BR'
import * as inbox from '@/areas/conversations/messages'
import * as inboxSettings from '@/areas/inbox-settings/messages'
import * as webhooks from '@/areas/webhooks/messages'
import * as contacts from '@/areas/contacts/messages'
import * as companies from '@/areas/companies/messages'
import * as crm from '@/areas/crm/messages'
import * as orders from '@/areas/orders/messages'
import * as customObjects from '@/areas/custom-objects/messages'
import * as catalog from '@/areas/catalog/messages'
import * as attributes from '@/areas/attributes/messages'
import * as tasks from '@/areas/tasks/messages'

export const LOCALES = ['en', 'pt-BR'] as const
export type Locale = (typeof LOCALES)[number]
const LOCALE_KEY = 'parley.locale'

/** normalizeLocale maps any language tag to one we ship ("pt", "pt-PT" -> "pt-BR"; else "en"). */
export function normalizeLocale(tag: string | null | undefined): Locale {
  if (!tag) return 'en'
  return tag.toLowerCase().startsWith('pt') ? 'pt-BR' : 'en'
}

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(LOCALE_KEY)
    if (saved) return normalizeLocale(saved)
  } catch {
    /* storage unavailable */
  }
  return normalizeLocale(typeof navigator === 'undefined' ? 'en' : navigator.language)
}

// Areas keep their strings beside their components; they are merged under their own key.
export const messages = {
  en: {
    ...en,
    inbox: inbox.en,
    inboxSettings: inboxSettings.en,
    webhooks: webhooks.en,
    contacts: contacts.en,
    companies: companies.en,
    crm: crm.en,
    orders: orders.en,
    customObjects: customObjects.en,
    catalog: catalog.en,
    attributes: attributes.en,
    tasks: tasks.en,
  },
  'pt-BR': {
    ...ptBR,
    inbox: inbox.ptBR,
    inboxSettings: inboxSettings.ptBR,
    webhooks: webhooks.ptBR,
    contacts: contacts.ptBR,
    companies: companies.ptBR,
    crm: crm.ptBR,
    orders: orders.ptBR,
    customObjects: customObjects.ptBR,
    catalog: catalog.ptBR,
    attributes: attributes.ptBR,
    tasks: tasks.ptBR,
  },
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages,
  missingWarn: false,
  fallbackWarn: false,
})

const listeners: Array<(l: Locale) => void> = []
/** onLocaleChange lets non-i18n code (PrimeVue's own strings) follow the locale. */
export function onLocaleChange(fn: (l: Locale) => void): void {
  listeners.push(fn)
}

export function setLocale(tag: string | null | undefined): void {
  const l = normalizeLocale(tag)
  i18n.global.locale.value = l
  try {
    localStorage.setItem(LOCALE_KEY, l)
  } catch {
    /* ignore */
  }
  document.documentElement.lang = l
  for (const fn of listeners) fn(l)
}

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale
}
