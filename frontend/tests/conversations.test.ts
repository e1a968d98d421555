import { describe, expect, it } from 'vitest'
import {
  applyConversationChange,
  applyMessage,
  applyRead,
  applyTyping,
  filterCanned,
  groupByDay,
  insertMention,
  markOpen,
  mentionMarkup,
  mergeMessages,
  newInboxState,
  normalizeMessage,
  parseMentions,
  plainText,
  renderCanned,
  setList,
  snoozeUntil,
  splitMentions,
  triggerAt,
  upsertConversation,
  type InboxState,
} from '@/areas/conversations/logic'
import type { Conversation, ConversationEventData, EventConversationRef, Message } from '@/areas/conversations/types'

const ME = 7

function conv(id: number, over: Partial<Conversation> = {}, assignee: number | null = ME): Conversation {
  return {
    id,
    account_id: 1,
    inbox_id: 1,
    status: 'open',
    priority: null,
    labels: [],
    snoozed_until: null,
    unread_count: 0,
    last_activity_at: 1000 + id,
    created_at: 1000 + id,
    first_reply_created_at: null,
    waiting_since: null,
    custom_attributes: {},
    additional_attributes: {},
    can_reply: true,
    bot_enabled: false,
    team_id: null,
    meta: { sender: { id: 100 + id, name: `Contact ${id}` }, assignee: assignee ? { id: assignee, name: 'Agent' } : null, team: null, channel: 'Channel::Api' },
    messages: [],
    sla: null,
    ...over,
  }
}

function ref(id: number, over: Partial<EventConversationRef> = {}): EventConversationRef {
  return { id: id + 500, display_id: id, inbox_id: 1, contact_id: 100 + id, assignee_id: ME, team_id: 0, status: 'open', priority: '', labels: [], ...over }
}

/** The change feed's message: the stored model, as the realtime hub forwards it. */
function feedMessage(id: number, conversationInternalId: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    account_id: 1,
    conversation_id: conversationInternalId,
    inbox_id: 1,
    message_type: 'incoming',
    private: false,
    content: `hello ${id}`,
    content_type: 'text',
    sender_type: 'contact',
    sender_id: 101,
    status: 'sent',
    created_at: new Date((5000 + id) * 1000).toISOString(),
    ...over,
  }
}

function msgEvent(display: number, messageId: number, over: Record<string, unknown> = {}, refOver: Partial<EventConversationRef> = {}): ConversationEventData {
  return { conversation: ref(display, refOver), message: feedMessage(messageId, display + 500, over) }
}

function stateWith(list: Conversation[], counts = { mine_count: 2, unassigned_count: 0, assigned_count: 2, all_count: 2 }): InboxState {
  const s = newInboxState(ME)
  setList(s, list, counts)
  return s
}

describe('renderCanned', () => {
  const ctx = {
    contact: { name: 'Maria da Silva', email: 'maria@example.com', phone_number: '+5511999990000' },
    agent: { name: 'Bruno Costa' },
    conversation: { id: 42 },
    account: { name: 'Loja Azul' },
  }

  it('fills every documented variable', () => {
    const out = renderCanned(
      'Hi {{contact.first_name}} ({{contact.name}}, {{contact.email}}, {{contact.phone}}) — {{agent.first_name}} / {{agent.name}} on #{{conversation.id}} at {{account.name}}',
      ctx,
    )
    expect(out).toBe('Hi Maria (Maria da Silva, maria@example.com, +5511999990000) — Bruno / Bruno Costa on #42 at Loja Azul')
  })

  it('tolerates spaces inside the braces and repeats', () => {
    expect(renderCanned('{{ contact.first_name }}, {{contact.first_name}}!', ctx)).toBe('Maria, Maria!')
  })

  it('empties known variables without a value and keeps unknown ones', () => {
    expect(renderCanned('Mail: {{contact.email}} {{order.total}}', { contact: { name: 'Ana' } })).toBe('Mail:  {{order.total}}')
  })

  it('filters canned responses by short code first, then text', () => {
    const list = [
      { id: 1, short_code: 'thanks', content: 'Obrigado!' },
      { id: 2, short_code: 'hours', content: 'We open at 9, thanks for asking' },
      { id: 3, short_code: 'price', content: 'The price is…' },
    ]
    expect(filterCanned(list, 'than').map((c) => c.id)).toEqual([1, 2])
    expect(filterCanned(list, '').map((c) => c.id)).toEqual([1, 2, 3])
    expect(filterCanned(list, 'zzz')).toEqual([])
  })
})

describe('mentions', () => {
  it('builds the markup and reads it back', () => {
    const md = mentionMarkup({ id: 12, name: 'Ana Souza' })
    expect(md).toBe('[@Ana Souza](mention://user/12/Ana%20Souza)')
    const note = `Please look, ${md} and ${mentionMarkup({ id: 3, name: 'Bo' })}; again ${md}`
    expect(parseMentions(note)).toEqual([
      { id: 12, name: 'Ana Souza' },
      { id: 3, name: 'Bo' },
    ])
    expect(plainText(note)).toBe('Please look, @Ana Souza and @Bo; again @Ana Souza')
  })

  it('splits a note into text and mention parts', () => {
    const parts = splitMentions(`Hi ${mentionMarkup({ id: 5, name: 'Caio' })}!`)
    expect(parts).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'mention', id: 5, name: 'Caio' },
      { kind: 'text', text: '!' },
    ])
  })

  it('replaces the typed @query with the mention at the caret', () => {
    const text = 'ping @an please'
    const caret = 'ping @an'.length
    const tr = triggerAt(text, caret)
    expect(tr).toEqual({ char: '@', query: 'an', start: 5 })
    const out = insertMention(text, tr!, caret, { id: 12, name: 'Ana' })
    expect(out.text).toBe('ping [@Ana](mention://user/12/Ana)  please')
    expect(out.caret).toBe('ping [@Ana](mention://user/12/Ana) '.length)
  })

  it('finds "/" and "@" only at the start of a word', () => {
    expect(triggerAt('/tha', 4)).toEqual({ char: '/', query: 'tha', start: 0 })
    expect(triggerAt('line\n/x', 7)).toEqual({ char: '/', query: 'x', start: 5 })
    expect(triggerAt('mail ana@example.com', 20)).toBeNull()
    expect(triggerAt('see 1/2', 7)).toBeNull()
    expect(triggerAt('/thanks and more', 16)).toBeNull()
  })
})

describe('snoozeUntil', () => {
  // Wednesday 2025-06-11 15:30 local time.
  const now = new Date(2025, 5, 11, 15, 30, 0)
  it('gives local 9:00 for tomorrow and next Monday, +1h, and null for next reply', () => {
    expect(snoozeUntil('1h', now)).toBe(Math.floor(now.getTime() / 1000) + 3600)
    expect(snoozeUntil('tomorrow', now)).toBe(new Date(2025, 5, 12, 9, 0, 0).getTime() / 1000)
    expect(snoozeUntil('next_week', now)).toBe(new Date(2025, 5, 16, 9, 0, 0).getTime() / 1000)
    expect(snoozeUntil('next_week', new Date(2025, 5, 16, 8, 0, 0))).toBe(new Date(2025, 5, 23, 9, 0, 0).getTime() / 1000)
    expect(snoozeUntil('next_reply', now)).toBeNull()
  })
})

describe('threads', () => {
  it('normalises a change-feed message to the API shape', () => {
    const m = normalizeMessage(feedMessage(9, 507, { message_type: 'outgoing', sender_type: 'user', sender_id: ME, status: 'delivered' }), 7, {
      user: (id) => (id === ME ? { name: 'Me Myself' } : undefined),
    })
    expect(m.conversation_id).toBe(7)
    expect(m.message_type).toBe(1)
    expect(m.created_at).toBe(5009)
    expect(m.sender).toMatchObject({ id: ME, type: 'user', name: 'Me Myself' })
    expect(m.status).toBe('delivered')
  })

  it('merges messages once each and keeps them ascending; groups by local day', () => {
    const a = normalizeMessage(feedMessage(1, 501), 1)
    const b = normalizeMessage(feedMessage(2, 501), 1)
    const merged = mergeMessages([b], [a, { ...b, status: 'read' } as Message])
    expect(merged.map((m) => m.id)).toEqual([1, 2])
    expect(merged[1].status).toBe('read')
    const day1 = new Date(2025, 0, 1, 23, 0).getTime() / 1000
    const day2 = new Date(2025, 0, 2, 0, 30).getTime() / 1000
    const groups = groupByDay([{ ...a, created_at: day1 }, { ...b, created_at: day2 }])
    expect(groups.map((g) => g.messages.length)).toEqual([1, 1])
  })
})

describe('realtime reducers', () => {
  it('appends a message for the open conversation once even if delivered twice', () => {
    const s = stateWith([conv(1), conv(2)])
    markOpen(s, 1)
    const ev = msgEvent(1, 77)
    applyMessage(s, ev, true)
    const fx = applyMessage(s, ev, true)
    expect(s.messages.map((m) => m.id)).toEqual([77])
    expect(s.list[0].id).toBe(1)
    expect(s.list[0].unread_count).toBe(0)
    expect(fx.markRead).toBe(1)
  })

  it('counts unread once per message for a conversation that is not open, and moves it to the top', () => {
    const s = stateWith([conv(1), conv(2)])
    expect(s.list.map((c) => c.id)).toEqual([1, 2])
    s.list.sort((a, b) => b.last_activity_at - a.last_activity_at)
    expect(s.list[0].id).toBe(2)
    markOpen(s, 2)
    applyMessage(s, msgEvent(1, 80), true)
    applyMessage(s, msgEvent(1, 80), true)
    applyMessage(s, msgEvent(1, 81), true)
    expect(s.list[0].id).toBe(1)
    expect(s.list[0].unread_count).toBe(2)
    expect(s.list[0].messages[0].id).toBe(81)
    expect(s.messages).toEqual([])
  })

  it('counts unread for the open conversation while the window is not visible, and not for own replies', () => {
    const s = stateWith([conv(1)])
    markOpen(s, 1)
    const fx = applyMessage(s, msgEvent(1, 90), false)
    expect(fx.markRead).toBeUndefined()
    expect(s.list[0].unread_count).toBe(1)
    applyMessage(s, msgEvent(1, 91, { message_type: 'outgoing', sender_type: 'user', sender_id: ME }), false)
    expect(s.list[0].unread_count).toBe(1)
    expect(s.messages.map((m) => m.id)).toEqual([90, 91])
  })

  it('moves a resolved conversation out of the Open tab and fixes the counts', () => {
    const s = stateWith([conv(1), conv(2)])
    const fx = applyConversationChange(s, { conversation: ref(1, { status: 'resolved' }), previous_status: 'open' })
    expect(s.list.map((c) => c.id)).toEqual([2])
    expect(s.counts).toEqual({ mine_count: 1, unassigned_count: 0, assigned_count: 1, all_count: 1 })
    expect(fx.fetch).toBeUndefined()
    expect(fx.refreshCounts).toBeUndefined()
  })

  it('moves a conversation between tabs when it is unassigned, and asks for one it does not have', () => {
    const s = stateWith([conv(1), conv(2)])
    applyConversationChange(s, { conversation: ref(2, { assignee_id: 0 }), changed: ['assignee'] })
    expect(s.list.map((c) => c.id)).toEqual([1])
    expect(s.counts).toMatchObject({ mine_count: 1, unassigned_count: 1, all_count: 2 })

    // Someone assigns an unknown conversation to me: the store must fetch it.
    const fx = applyConversationChange(s, { conversation: ref(9), changed: ['assignee'] })
    expect(fx.fetch).toBe(9)
    expect(fx.refreshCounts).toBe(true)
    const more = upsertConversation(s, conv(9, { last_activity_at: 9999 }))
    expect(s.list[0].id).toBe(9)
    expect(more.refreshCounts).toBeUndefined()
  })

  it('updates the row in place on a priority or label change', () => {
    const s = stateWith([conv(1)])
    applyConversationChange(s, { conversation: ref(1, { priority: 'urgent', labels: ['vip'] }) })
    expect(s.list[0].priority).toBe('urgent')
    expect(s.list[0].labels).toEqual(['vip'])
  })

  it('clears unread on conversation_read for me only, and drops the row under the unread filter', () => {
    const s = stateWith([conv(1, { unread_count: 3 })])
    applyRead(s, { conversation: ref(1), user_id: ME + 1 })
    expect(s.list[0].unread_count).toBe(3)
    applyRead(s, { conversation: ref(1), user_id: ME })
    expect(s.list[0].unread_count).toBe(0)

    const u = newInboxState(ME)
    u.filter.unread = true
    setList(u, [conv(1, { unread_count: 2 })], { mine_count: 1, unassigned_count: 0, assigned_count: 1, all_count: 1 })
    applyRead(u, { conversation: ref(1), user_id: ME })
    expect(u.list).toEqual([])
    expect(u.counts.mine_count).toBe(0)
  })

  it('tracks typing per conversation and ignores my own', () => {
    const s = newInboxState(ME)
    applyTyping(s, true, { conversation: ref(1), user: { id: 3, name: 'Ana', type: 'user' } })
    expect(s.typing[1]).toBe('Ana')
    applyTyping(s, true, { conversation: ref(2), user: { id: ME, name: 'Me', type: 'user' } })
    expect(2 in s.typing).toBe(false)
    applyTyping(s, false, { conversation: ref(1) })
    expect(1 in s.typing).toBe(false)
  })
})
