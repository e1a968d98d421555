// The product's modules in sidebar order, with their icons. Names and one-line descriptions
// live in the i18n files under modules.<key>.

export interface ModuleDef {
  key: string
  icon: string
}

export const MODULES: ModuleDef[] = [
  { key: 'conversations', icon: 'pi pi-comments' },
  { key: 'contacts', icon: 'pi pi-users' },
  { key: 'companies', icon: 'pi pi-building' },
  { key: 'crm', icon: 'pi pi-chart-line' },
  { key: 'orders', icon: 'pi pi-shopping-cart' },
  { key: 'custom_objects', icon: 'pi pi-database' },
  { key: 'catalog', icon: 'pi pi-box' },
  { key: 'payments', icon: 'pi pi-credit-card' },
  { key: 'calendar', icon: 'pi pi-calendar' },
  { key: 'tasks', icon: 'pi pi-check-square' },
  { key: 'followups', icon: 'pi pi-replay' },
  { key: 'automation', icon: 'pi pi-bolt' },
  { key: 'maestro', icon: 'pi pi-sparkles' },
  { key: 'marketing', icon: 'pi pi-megaphone' },
  { key: 'contracts', icon: 'pi pi-file-edit' },
  { key: 'sales', icon: 'pi pi-trophy' },
  { key: 'media', icon: 'pi pi-images' },
  { key: 'chat', icon: 'pi pi-comment' },
  { key: 'reports', icon: 'pi pi-chart-bar' },
  { key: 'campaigns', icon: 'pi pi-send' },
]

export const MODULE_KEYS = MODULES.map((m) => m.key)

export function moduleDef(key: string): ModuleDef | undefined {
  return MODULES.find((m) => m.key === key)
}

/** Route path of a module: custom_objects -> /custom-objects. */
export function modulePath(key: string): string {
  return '/' + key.replace(/_/g, '-')
}

export const CURRENCIES = ['BRL', 'USD', 'EUR', 'GBP', 'ARS', 'CLP', 'COP', 'MXN', 'PEN', 'UYU', 'PYG', 'BOB', 'CAD', 'AUD', 'JPY', 'CHF']

/** timeZones lists the IANA zones the browser knows, with a short fallback for old engines. */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] }
  try {
    const list = intl.supportedValuesOf?.('timeZone')
    if (list && list.length) return list.includes('UTC') ? list : ['UTC', ...list]
  } catch {
    /* fall through */
  }
  return ['UTC', 'America/Sao_Paulo', 'America/Manaus', 'America/Recife', 'America/New_York', 'Europe/Lisbon', 'Europe/London']
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'America/Sao_Paulo'
  } catch {
    return 'America/Sao_Paulo'
  }
}
