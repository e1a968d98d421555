import { describe, expect, it } from 'vitest'
import { messages } from '@/i18n'
import { MODULE_KEYS } from '@/modules'

type Tree = { [k: string]: string | Tree }

function leaves(t: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(t)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv)
  }
  return out
}

// The merged messages, so the areas' own string files are checked too.
const en = messages.en
const ptBR = messages['pt-BR']
const enKeys = leaves(en as unknown as Tree)
const ptKeys = leaves(ptBR as unknown as Tree)

function placeholders(s: string): string[] {
  return [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
}

describe('i18n completeness', () => {
  it('every English key exists in Portuguese', () => {
    expect([...enKeys.keys()].filter((k) => !ptKeys.has(k))).toEqual([])
  })

  it('every Portuguese key exists in English', () => {
    expect([...ptKeys.keys()].filter((k) => !enKeys.has(k))).toEqual([])
  })

  it('no message is empty and both use the same placeholders', () => {
    for (const [k, v] of enKeys) {
      expect(v.trim(), k).not.toBe('')
      expect(ptKeys.get(k)!.trim(), k).not.toBe('')
      expect(placeholders(ptKeys.get(k)!), k).toEqual(placeholders(v))
    }
  })

  it('plural forms have the same number of branches', () => {
    for (const [k, v] of enKeys) expect(ptKeys.get(k)!.split(' | ').length, k).toBe(v.split(' | ').length)
  })

  it('no literal @ slips into a message (vue-i18n reads it as a linked key)', () => {
    for (const [k, v] of [...enKeys, ...ptKeys]) expect(/@(?!'\})/.test(v.replace(/\{'@'\}/g, '')), k).toBe(false)
  })

  it('every module has a name and a description in both languages', () => {
    for (const key of MODULE_KEYS) {
      for (const map of [enKeys, ptKeys]) {
        expect(map.has(`modules.${key}.name`), key).toBe(true)
        expect(map.has(`modules.${key}.about`), key).toBe(true)
      }
    }
  })
})
