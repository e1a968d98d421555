import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { en, ptBR } from '@/areas/inbox-settings/messages'
import { CHANNELS, PRIORITIES, STATUSES, WEEK_ORDER } from '@/areas/inbox-settings/helpers'
import { ACTION_NAMES } from '@/areas/inbox-settings/types'

type Tree = { [k: string]: string | Tree }

function lookup(tree: Tree, path: string): unknown {
  return path.split('.').reduce<unknown>((node, k) => (node && typeof node === 'object' ? (node as Tree)[k] : undefined), tree)
}

const root = join(__dirname, '..', 'src')
const files = [
  ...readdirSync(join(root, 'areas/inbox-settings'))
    .filter((f) => f.endsWith('.vue') || f.endsWith('.ts'))
    .map((f) => join(root, 'areas/inbox-settings', f)),
  join(root, 'areas/settings/AccountSettings.vue'),
  join(root, 'areas/settings/RolesSettings.vue'),
]

describe('inbox settings strings', () => {
  it('every literal inboxSettings key used in the pages exists in both languages', () => {
    const missing: string[] = []
    let seen = 0
    for (const f of files) {
      const src = readFileSync(f, 'utf8')
      for (const m of src.matchAll(/['"`]inboxSettings\.([\w.]+)['"`]/g)) {
        seen++
        for (const [lang, tree] of [['en', en], ['pt-BR', ptBR]] as const) {
          if (typeof lookup(tree as unknown as Tree, m[1]) !== 'string') missing.push(`${lang}: ${m[1]} (${f.split('/').pop()})`)
        }
      }
    }
    expect(seen).toBeGreaterThan(50)
    expect(missing).toEqual([])
  })

  it('has a name for every action, status, priority, channel and weekday', () => {
    for (const tree of [en, ptBR]) {
      for (const a of ACTION_NAMES) expect(tree.macros.names[a], a).toBeTruthy()
      for (const s of STATUSES) expect(tree.macros.statuses[s], s).toBeTruthy()
      for (const p of PRIORITIES) expect(tree.macros.priorities[p], p).toBeTruthy()
      for (const c of CHANNELS) {
        expect(lookup(tree as unknown as Tree, `channels.${c.key}`), c.key).toBeTruthy()
        expect(lookup(tree as unknown as Tree, `channels.about.${c.key}`), c.key).toBeTruthy()
      }
      for (const d of WEEK_ORDER) expect(lookup(tree as unknown as Tree, `weekdays.${d}`), String(d)).toBeTruthy()
    }
  })

  it('the Portuguese text is actually translated', () => {
    // Brand and channel names may match; sentences must not.
    expect(ptBR.inboxes.subtitle).not.toBe(en.inboxes.subtitle)
    expect(ptBR.macros.problems.pickAgent).not.toBe(en.macros.problems.pickAgent)
    expect(ptBR.csat.emptyHint).not.toBe(en.csat.emptyHint)
  })
})
