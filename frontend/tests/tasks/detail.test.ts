// The task detail's pure logic: account-zone wall clocks (with DST), due texts, the recurrence
// summary in both languages, the editor's draft <-> rule mapping, reminder presets and states.
import { describe, expect, it } from 'vitest'
import {
  dayDiff,
  draftFromRecurrence,
  dueText,
  isOverdue,
  isoFromPicker,
  pickerFromIso,
  presetTime,
  recurrenceFromDraft,
  recurrenceSummary,
  reminderState,
  wallIn,
  wallToInstant,
} from '@/areas/tasks/components/taskLogic'
import { en, ptBR } from '@/areas/tasks/messages/detail'

describe('wall clocks in the account zone', () => {
  it('reads and writes Sao Paulo time (UTC-3)', () => {
    const t = wallToInstant({ y: 2026, m: 3, d: 10, h: 9, min: 30 }, 'America/Sao_Paulo')
    expect(t.toISOString()).toBe('2026-03-10T12:30:00.000Z')
    expect(wallIn(t, 'America/Sao_Paulo')).toEqual({ y: 2026, m: 3, d: 10, h: 9, min: 30 })
  })
  it('follows Lisbon across its spring-forward day', () => {
    // 2026-03-29: 01:00 -> 02:00 in Lisbon; before it UTC+0, after it UTC+1.
    expect(wallToInstant({ y: 2026, m: 3, d: 28, h: 9, min: 0 }, 'Europe/Lisbon').toISOString()).toBe('2026-03-28T09:00:00.000Z')
    expect(wallToInstant({ y: 2026, m: 3, d: 30, h: 9, min: 0 }, 'Europe/Lisbon').toISOString()).toBe('2026-03-30T08:00:00.000Z')
    // 01:30 does not exist that day: it lands just after the gap, never before it.
    const gap = wallToInstant({ y: 2026, m: 3, d: 29, h: 1, min: 30 }, 'Europe/Lisbon')
    expect(gap.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-03-29T01:00:00Z'))
  })
  it('takes the first reading in the fall-back overlap', () => {
    // 2026-10-25 Lisbon: 02:00 -> 01:00; 01:30 happens at 00:30Z and again at 01:30Z.
    expect(wallToInstant({ y: 2026, m: 10, d: 25, h: 1, min: 30 }, 'Europe/Lisbon').toISOString()).toBe('2026-10-25T00:30:00.000Z')
  })
  it('round-trips a picker value through the zone', () => {
    const iso = '2026-07-01T17:45:00.000Z'
    const picked = pickerFromIso(iso, 'Europe/Lisbon')!
    expect([picked.getHours(), picked.getMinutes()]).toEqual([18, 45])
    expect(isoFromPicker(picked, 'Europe/Lisbon')).toBe(iso)
  })
  it('counts calendar days in the zone, not in UTC', () => {
    // 23:30 in Sao Paulo is already the next day in UTC.
    const a = new Date('2026-05-01T02:30:00Z') // Apr 30 23:30 local
    const b = new Date('2026-05-01T12:00:00Z') // May 1 09:00 local
    expect(dayDiff(a, b, 'America/Sao_Paulo')).toBe(1)
    expect(dayDiff(a, b, 'UTC')).toBe(0)
  })
})

describe('due dates', () => {
  const now = new Date('2026-05-04T12:00:00Z')
  it('reads near days relatively, in both languages', () => {
    expect(dueText('2026-05-05T03:00:00Z', true, 'en', now, 'America/Sao_Paulo')).toBe('Tomorrow')
    expect(dueText('2026-05-05T03:00:00Z', true, 'pt-BR', now, 'America/Sao_Paulo')).toBe('Amanhã')
    expect(dueText('2026-05-04T20:00:00Z', false, 'en', now, 'UTC')).toMatch(/^Today 8:00\s?PM$/)
    expect(dueText('2026-06-20T03:00:00Z', true, 'en', now, 'America/Sao_Paulo')).toBe('Jun 20')
  })
  it('is overdue only while open and past due', () => {
    const base = { status: 'todo' as const, overdue: false, all_day: false }
    expect(isOverdue({ ...base, due_at: '2026-05-04T11:00:00Z' }, now)).toBe(true)
    expect(isOverdue({ ...base, due_at: '2026-05-04T13:00:00Z' }, now)).toBe(false)
    expect(isOverdue({ ...base, status: 'done', due_at: '2026-05-01T11:00:00Z' }, now)).toBe(false)
    // An all-day task due today is not overdue until the day is over in the account's zone.
    expect(isOverdue({ ...base, all_day: true, due_at: '2026-05-04T03:00:00Z' }, now, 'America/Sao_Paulo')).toBe(false)
    expect(isOverdue({ ...base, all_day: true, due_at: '2026-05-03T03:00:00Z' }, now, 'America/Sao_Paulo')).toBe(true)
  })
})

describe('recurrence summary', () => {
  it('says the rule in English', () => {
    expect(recurrenceSummary({ freq: 'weekly', interval: 2, weekdays: ['WE', 'MO'], count: 10 }, 'en')).toBe('Every 2 weeks on Mon, Wed — 10 times')
    expect(recurrenceSummary({ freq: 'daily', interval: 1 }, 'en')).toBe('Every day')
    expect(recurrenceSummary({ freq: 'monthly', interval: 3, until: '2026-12-31' }, 'en')).toBe('Every 3 months — until Dec 31, 2026')
    expect(recurrenceSummary({ freq: 'yearly', interval: 1, count: 1 }, 'en')).toBe('Every year — once')
    expect(recurrenceSummary(null, 'en')).toBe('Does not repeat')
  })
  it('says the rule in Brazilian Portuguese', () => {
    expect(recurrenceSummary({ freq: 'weekly', interval: 2, weekdays: ['MO', 'WE'], count: 10 }, 'pt-BR')).toBe('A cada 2 semanas (seg, qua) — 10 vezes')
    expect(recurrenceSummary({ freq: 'monthly', interval: 1 }, 'pt-BR')).toBe('Todo mês')
    expect(recurrenceSummary({ freq: 'daily', interval: 1, until: '2026-12-31' }, 'pt-BR')).toBe('Todo dia — até 31 de dez. de 2026')
    expect(recurrenceSummary({ freq: '', interval: 0 }, 'pt-BR')).toBe('Não se repete')
  })
})

describe('recurrence editor draft', () => {
  it('sends weekdays only for weekly rules and one ending at most', () => {
    const d = draftFromRecurrence({ freq: 'weekly', interval: 1, weekdays: ['FR', 'MO'], count: 5 })
    expect(d.ends).toBe('after')
    expect(recurrenceFromDraft(d)).toEqual({ freq: 'weekly', interval: 1, weekdays: ['MO', 'FR'], count: 5 })
    expect(recurrenceFromDraft({ ...d, freq: 'monthly' })).toEqual({ freq: 'monthly', interval: 1, count: 5 })
    expect(recurrenceFromDraft({ ...d, ends: 'on', until: '2027-01-01' })).toEqual({ freq: 'weekly', interval: 1, weekdays: ['MO', 'FR'], until: '2027-01-01' })
    expect(recurrenceFromDraft({ ...d, ends: 'never', interval: 0 })).toEqual({ freq: 'weekly', interval: 1, weekdays: ['MO', 'FR'] })
  })
  it('"none" removes the rule (empty freq)', () => {
    expect(recurrenceFromDraft(draftFromRecurrence(undefined))).toEqual({ freq: '', interval: 0 })
  })
})

describe('reminders', () => {
  const now = new Date('2026-05-04T12:00:00Z')
  it('presets land on the account clocks', () => {
    expect(presetTime('in10m', now)!.toISOString()).toBe('2026-05-04T12:10:00.000Z')
    expect(presetTime('tomorrow9', now, 'America/Sao_Paulo')!.toISOString()).toBe('2026-05-05T12:00:00.000Z')
    expect(presetTime('dayBeforeDue', now, 'America/Sao_Paulo', '2026-05-10T17:00:00Z')!.toISOString()).toBe('2026-05-09T17:00:00.000Z')
    expect(presetTime('dayBeforeDue', now, 'UTC')).toBeNull()
    expect(presetTime('dayBeforeDue', now, 'UTC', '2026-05-05T11:00:00Z')).toBeNull()
  })
  it('explain what a fired reminder did', () => {
    expect(reminderState({})).toBe('pending')
    expect(reminderState({ fired_at: 'x', outcome: 'sent' })).toBe('sent')
    expect(reminderState({ fired_at: 'x', outcome: 'skipped_closed' })).toBe('skipped_closed')
    expect(reminderState({ fired_at: 'x', outcome: 'weird' })).toBe('fired')
  })
})

describe('detail messages', () => {
  it('have every English key in Portuguese and no empty strings', () => {
    const keys = (o: object, p = ''): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]))
    expect(keys(ptBR).sort()).toEqual(keys(en).sort())
    const empty = (o: object): boolean => Object.values(o).some((v) => (typeof v === 'object' ? empty(v) : !v))
    expect(empty(en) || empty(ptBR)).toBe(false)
  })
})
