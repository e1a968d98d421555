import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as inboxSettings from '@/areas/inbox-settings/messages'
import * as webhooks from '@/areas/webhooks/messages'
import { DELIVERY_STATUSES, GROUP_ORDER } from '@/areas/webhooks/helpers'
import { FEATURES, FIELD_TYPES, REPLY_TIMES, STANDARD_FIELDS } from '@/areas/inbox-settings/channel/logic'

type Tree = { [k: string]: string | Tree }
const lookup = (tree: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, k) => (node && typeof node === 'object' ? (node as Tree)[k] : undefined), tree)

const root = join(__dirname, '..', 'src', 'areas')
const files = [
  ...readdirSync(join(root, 'inbox-settings/channel')).map((f) => join(root, 'inbox-settings/channel', f)),
  join(root, 'inbox-settings/InboxesSettings.vue'),
  join(root, 'inbox-settings/InboxDetail.vue'),
  ...readdirSync(join(root, 'webhooks')).filter((f) => /\.(vue|ts)$/.test(f)).map((f) => join(root, 'webhooks', f)),
  ...readdirSync(join(root, 'webhooks/components')).map((f) => join(root, 'webhooks/components', f)),
].filter((f) => /\.(vue|ts)$/.test(f) && !f.endsWith('messages.ts'))

const trees = { inboxSettings: [inboxSettings.en, inboxSettings.ptBR], webhooks: [webhooks.en, webhooks.ptBR] } as const

function leaves(tree: unknown, prefix = ''): string[] {
  if (typeof tree === 'string') return [prefix]
  return Object.entries(tree as Tree).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k))
}

describe('website, API channel and webhooks strings', () => {
  it('every literal key used in these pages exists in English and Portuguese', () => {
    const missing: string[] = []
    let seen = 0
    for (const f of files) {
      const src = readFileSync(f, 'utf8')
      for (const m of src.matchAll(/['"`](inboxSettings|webhooks)\.([\w.]+)['"`]/g)) {
        seen++
        const [en, pt] = trees[m[1] as keyof typeof trees]
        for (const [lang, tree] of [['en', en], ['pt-BR', pt]] as const) if (typeof lookup(tree, m[2]) !== 'string') missing.push(`${lang}: ${m[1]}.${m[2]} (${f.split('/').pop()})`)
      }
    }
    expect(seen).toBeGreaterThan(100)
    expect(missing).toEqual([])
  })

  it('both languages have the same keys', () => {
    expect(leaves(webhooks.ptBR).sort()).toEqual(leaves(webhooks.en).sort())
    expect(leaves(inboxSettings.ptBR).sort()).toEqual(leaves(inboxSettings.en).sort())
  })

  it('names every key built at run time', () => {
    for (const tree of [inboxSettings.en, inboxSettings.ptBR]) {
      for (const k of ['settings', 'widget', 'prechat', 'configuration', 'collaborators', 'hours']) expect(lookup(tree, `detail.tabs.${k}`), k).toBeTruthy()
      for (const r of REPLY_TIMES) expect(lookup(tree, `website.replyTimes.${r}`), r).toBeTruthy()
      for (const f of FEATURES) expect(lookup(tree, `website.feature.${f}`), f).toBeTruthy()
      for (const f of FIELD_TYPES) expect(lookup(tree, `preChat.types.${f}`), f).toBeTruthy()
      for (const f of STANDARD_FIELDS) expect(lookup(tree, `preChat.standard.${f}`), f).toBeTruthy()
      for (const k of ['createContact', 'createConversation', 'sendMessage']) expect(lookup(tree, `apiInbox.curl.${k}`), k).toBeTruthy()
    }
    for (const tree of [webhooks.en, webhooks.ptBR]) {
      for (const s of DELIVERY_STATUSES) expect(lookup(tree, `status.${s}`), s).toBeTruthy()
      // The event groups GET …/webhooks/events answers with (app/webhooks/events.go), plus "other".
      for (const g of [...GROUP_ORDER, 'other']) expect(lookup(tree, `groups.${g}`), g).toBeTruthy()
    }
  })

  it('the Portuguese sentences are translated', () => {
    expect(webhooks.ptBR.subtitle).not.toBe(webhooks.en.subtitle)
    expect(inboxSettings.ptBR.identity.explain).not.toBe(inboxSettings.en.identity.explain)
    expect(inboxSettings.ptBR.website.snippetHint).not.toBe(inboxSettings.en.website.snippetHint)
  })
})
