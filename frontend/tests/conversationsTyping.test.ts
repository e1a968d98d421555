import { describe, expect, it } from 'vitest'
import { typingData } from '@/areas/conversations/store'
import { applyTyping, newInboxState } from '@/areas/conversations/logic'

const ref = (id: number) => ({ id: 100 + id, display_id: id, inbox_id: 1 }) as never

describe('typing events', () => {
  it('shows a visitor typing in the widget by the contact’s name', () => {
    const d = typingData({ conversation: ref(7), contact: { id: 9, name: 'Maria' } })
    expect(d.user).toEqual({ id: 9, name: 'Maria', type: 'contact' })
    // a contact whose id happens to equal mine is still someone else
    const s = newInboxState(9)
    applyTyping(s, true, d)
    expect(s.typing[7]).toBe('Maria')
    applyTyping(s, false, typingData({ conversation: ref(7), contact: { id: 9, name: 'Maria' } }))
    expect(7 in s.typing).toBe(false)
  })
  it('leaves agents’ typing events alone', () => {
    const e = { conversation: ref(7), user: { id: 3, name: 'Ana', type: 'user' } }
    expect(typingData(e)).toBe(e)
  })
})
