// Light/dark switching. PrimeVue's Aura theme turns dark under the .app-dark class on <html>;
// "system" follows the operating system and changes with it.

import type { Theme } from './api/types'

const THEME_KEY = 'parley.theme'
let current: Theme = 'system'
let media: MediaQueryList | null = null

function apply(): void {
  const dark = current === 'dark' || (current === 'system' && !!media?.matches)
  document.documentElement.classList.toggle('app-dark', dark)
}

export function initTheme(): void {
  media = window.matchMedia?.('(prefers-color-scheme: dark)') ?? null
  media?.addEventListener?.('change', apply)
  const saved = localStorage.getItem(THEME_KEY) as Theme | null
  setTheme(saved ?? 'system')
}

export function setTheme(theme: Theme | string | undefined): void {
  current = theme === 'light' || theme === 'dark' ? theme : 'system'
  localStorage.setItem(THEME_KEY, current)
  apply()
}

export function currentTheme(): Theme {
  return current
}
