import { describe, expect, it } from 'vitest'
import {
  CHANNELS,
  actionProblem,
  asPercent,
  channelOf,
  cleanAction,
  distributionCounts,
  hoursNeverSet,
  hoursProblems,
  hoursToRows,
  indexedErrors,
  joinMinutes,
  labelTitleValid,
  macroProblems,
  moveItem,
  normalizeMetrics,
  normalizeColor,
  normalizeLabelTitle,
  parseClock,
  rowsToHours,
  splitMinutes,
  toDate,
  unwrapList,
  unwrapOne,
  type HoursRow,
} from '@/areas/inbox-settings/helpers'
import type { WorkingHour } from '@/areas/inbox-settings/types'

describe('API envelopes', () => {
  it('reads lists bare, under payload, under data.payload, or null', () => {
    expect(unwrapList([1, 2])).toEqual([1, 2])
    expect(unwrapList({ payload: [3] })).toEqual([3])
    expect(unwrapList({ data: { meta: {}, payload: [4] } })).toEqual([4])
    expect(unwrapList(null)).toEqual([])
    expect(unwrapList({ nothing: true })).toEqual([])
  })

  it('unwraps a single record only when it is wrapped', () => {
    expect(unwrapOne({ payload: { id: 7, name: 'x' } })).toEqual({ id: 7, name: 'x' })
    // A record that happens to have a payload field stays as it is.
    expect(unwrapOne({ id: 1, payload: { a: 1 } })).toEqual({ id: 1, payload: { a: 1 } })
  })

  it('reads unix seconds and RFC 3339 dates', () => {
    expect(toDate(1700000000)?.toISOString()).toBe('2023-11-14T22:13:20.000Z')
    expect(toDate('1700000000')?.toISOString()).toBe('2023-11-14T22:13:20.000Z')
    expect(toDate('2024-01-02T03:04:05Z')?.toISOString()).toBe('2024-01-02T03:04:05.000Z')
    expect(toDate('not a date')).toBeNull()
    expect(toDate(null)).toBeNull()
  })
})

describe('business hours', () => {
  it('parses clock times and rejects malformed ones', () => {
    expect(parseClock('00:00')).toBe(0)
    expect(parseClock('09:30')).toBe(570)
    expect(parseClock('23:59')).toBe(1439)
    expect(parseClock('24:00')).toBeNull()
    expect(parseClock('9:30')).toBeNull()
    expect(parseClock('12:60')).toBeNull()
    expect(parseClock('')).toBeNull()
  })

  it('fills a new inbox with weekdays open 09–18 and weekends closed, Monday first', () => {
    const rows = hoursToRows([])
    expect(rows.map((r) => r.day)).toEqual([1, 2, 3, 4, 5, 6, 0])
    expect(rows.find((r) => r.day === 1)).toEqual({ day: 1, mode: 'hours', from: '09:00', to: '18:00' })
    expect(rows.find((r) => r.day === 0)?.mode).toBe('closed')
    expect(rows.find((r) => r.day === 6)?.mode).toBe('closed')
  })

  it('reads each day mode from the API shape', () => {
    const wh: WorkingHour[] = [
      { day_of_week: 0, closed_all_day: true, open_all_day: false },
      { day_of_week: 1, closed_all_day: false, open_all_day: false, open_hour: 8, open_minutes: 5, close_hour: 17, close_minutes: 45 },
      { day_of_week: 3, closed_all_day: false, open_all_day: true },
    ]
    const rows = hoursToRows(wh)
    expect(rows.find((r) => r.day === 0)?.mode).toBe('closed')
    expect(rows.find((r) => r.day === 1)).toEqual({ day: 1, mode: 'hours', from: '08:05', to: '17:45' })
    expect(rows.find((r) => r.day === 3)?.mode).toBe('all_day')
  })

  it('starts a closed day from the usual hours, not the zeros the server keeps', () => {
    const rows = hoursToRows([{ day_of_week: 2, closed_all_day: true, open_all_day: false, open_hour: 0, open_minutes: 0, close_hour: 0, close_minutes: 0 }])
    expect(rows.find((r) => r.day === 2)).toEqual({ day: 2, mode: 'closed', from: '09:00', to: '18:00' })
  })

  it('round-trips rows → API → rows, Sunday first on the wire', () => {
    const rows: HoursRow[] = [
      { day: 1, mode: 'hours', from: '08:30', to: '12:15' },
      { day: 2, mode: 'all_day', from: '09:00', to: '18:00' },
      { day: 3, mode: 'closed', from: '09:00', to: '18:00' },
      { day: 4, mode: 'hours', from: '00:00', to: '23:59' },
      { day: 5, mode: 'hours', from: '09:00', to: '18:00' },
      { day: 6, mode: 'closed', from: '09:00', to: '18:00' },
      { day: 0, mode: 'closed', from: '09:00', to: '18:00' },
    ]
    const wire = rowsToHours(rows)
    expect(wire.map((w) => w.day_of_week)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(wire[1]).toEqual({ day_of_week: 1, closed_all_day: false, open_all_day: false, open_hour: 8, open_minutes: 30, close_hour: 12, close_minutes: 15 })
    expect(wire[2]).toEqual({ day_of_week: 2, closed_all_day: false, open_all_day: true })
    expect(wire[3]).toMatchObject({ closed_all_day: true, open_all_day: false })
    const back = hoursToRows(wire)
    for (const r of rows) {
      const b = back.find((x) => x.day === r.day)!
      expect(b.mode).toBe(r.mode)
      if (r.mode === 'hours') expect([b.from, b.to]).toEqual([r.from, r.to])
    }
  })

  it('tells a never-configured week from one set up with closed days', () => {
    const closed = [0, 1, 2, 3, 4, 5, 6].map((d) => ({ day_of_week: d, closed_all_day: true, open_all_day: false }))
    expect(hoursNeverSet(false, closed)).toBe(true)
    expect(hoursNeverSet(false, [])).toBe(true)
    expect(hoursNeverSet(true, closed)).toBe(false)
    expect(hoursNeverSet(false, [...closed.slice(1), { day_of_week: 0, closed_all_day: false, open_all_day: true }])).toBe(false)
  })

  it('flags open days with missing times or closing before opening, ignoring closed days', () => {
    const rows: HoursRow[] = [
      { day: 1, mode: 'hours', from: '18:00', to: '09:00' },
      { day: 2, mode: 'hours', from: '09:00', to: '09:00' },
      { day: 3, mode: 'hours', from: '', to: '17:00' },
      { day: 4, mode: 'closed', from: '', to: '' },
      { day: 5, mode: 'hours', from: '09:00', to: '17:00' },
    ]
    expect(hoursProblems(rows)).toEqual({ 1: 'closeBeforeOpen', 2: 'closeBeforeOpen', 3: 'invalidTime' })
  })
})

describe('durations', () => {
  it('splits minutes into hours and minutes, blank when there is no target', () => {
    expect(splitMinutes(90)).toEqual({ hours: 1, minutes: 30 })
    expect(splitMinutes(1440)).toEqual({ hours: 24, minutes: 0 })
    expect(splitMinutes(5)).toEqual({ hours: 0, minutes: 5 })
    expect(splitMinutes(0)).toEqual({ hours: null, minutes: null })
    expect(splitMinutes(null)).toEqual({ hours: null, minutes: null })
  })

  it('joins hours and minutes back, blanks and negatives as zero', () => {
    expect(joinMinutes({ hours: 2, minutes: 15 })).toBe(135)
    expect(joinMinutes({ hours: null, minutes: 45 })).toBe(45)
    expect(joinMinutes({ hours: null, minutes: null })).toBe(0)
    expect(joinMinutes({ hours: -1, minutes: 10 })).toBe(10)
    for (const m of [1, 59, 60, 61, 600, 4321]) expect(joinMinutes(splitMinutes(m))).toBe(m)
  })
})

describe('labels', () => {
  it('normalizes titles the way typing does and checks the allowed characters', () => {
    expect(normalizeLabelTitle('  Billing Issue ')).toBe('billing-issue')
    expect(normalizeLabelTitle('Cobrança Atrasada')).toBe('cobranca-atrasada')
    expect(labelTitleValid('billing-issue_2')).toBe(true)
    expect(labelTitleValid('Billing')).toBe(false)
    expect(labelTitleValid('cobrança')).toBe(false)
    expect(labelTitleValid('')).toBe(false)
    expect(labelTitleValid('a'.repeat(40))).toBe(true)
    expect(labelTitleValid('a'.repeat(41))).toBe(false)
  })

  it('normalizes colours to #RRGGBB', () => {
    expect(normalizeColor('ff0000')).toBe('#FF0000')
    expect(normalizeColor('#abc')).toBe('#AABBCC')
    expect(normalizeColor('#12345g')).toBeNull()
    expect(normalizeColor('')).toBeNull()
  })
})

describe('macro actions', () => {
  it('accepts well-formed actions', () => {
    expect(actionProblem({ action_name: 'add_label', action_params: ['billing', 'vip'] })).toBeNull()
    expect(actionProblem({ action_name: 'assign_agent', action_params: [3] })).toBeNull()
    expect(actionProblem({ action_name: 'assign_agent', action_params: ['self'] })).toBeNull()
    expect(actionProblem({ action_name: 'assign_team', action_params: ['2'] })).toBeNull()
    expect(actionProblem({ action_name: 'change_status', action_params: ['snoozed'] })).toBeNull()
    expect(actionProblem({ action_name: 'change_priority', action_params: ['urgent'] })).toBeNull()
    expect(actionProblem({ action_name: 'send_message', action_params: ['Hello'] })).toBeNull()
    expect(actionProblem({ action_name: 'send_canned_response', action_params: [12] })).toBeNull()
    expect(actionProblem({ action_name: 'remove_assigned_agent' })).toBeNull()
  })

  it('names what is missing in each kind of action', () => {
    expect(actionProblem({ action_name: 'remove_label', action_params: [] })).toBe('pickLabel')
    expect(actionProblem({ action_name: 'add_label', action_params: ['ok', ' '] })).toBe('pickLabel')
    expect(actionProblem({ action_name: 'assign_agent', action_params: [0] })).toBe('pickAgent')
    expect(actionProblem({ action_name: 'assign_team' })).toBe('pickTeam')
    expect(actionProblem({ action_name: 'change_status', action_params: ['closed'] })).toBe('pickStatus')
    expect(actionProblem({ action_name: 'change_priority', action_params: [] })).toBe('pickPriority')
    expect(actionProblem({ action_name: 'add_private_note', action_params: ['   '] })).toBe('writeText')
    expect(actionProblem({ action_name: 'send_canned_response', action_params: ['abc'] })).toBe('pickCanned')
    expect(actionProblem({ action_name: 'explode' as never, action_params: [] })).toBe('unknownAction')
  })

  it('checks a whole macro and points at the broken rows', () => {
    const p = macroProblems({
      name: ' ',
      actions: [
        { action_name: 'add_label', action_params: ['vip'] },
        { action_name: 'assign_agent', action_params: [] },
        { action_name: 'send_message', action_params: [''] },
      ],
    })
    expect(p.ok).toBe(false)
    expect(p.name).toBe('nameRequired')
    expect(p.rows).toEqual({ 1: 'pickAgent', 2: 'writeText' })
    expect(macroProblems({ name: 'Empty', actions: [] })).toMatchObject({ ok: false, actions: 'actionsRequired' })
    expect(macroProblems({ name: 'Fine', actions: [{ action_name: 'remove_assigned_team' }] }).ok).toBe(true)
  })

  it('cleans parameters before sending', () => {
    expect(cleanAction({ action_name: 'remove_assigned_team', action_params: ['stale'] })).toEqual({ action_name: 'remove_assigned_team' })
    expect(cleanAction({ action_name: 'assign_agent', action_params: ['4', 9] })).toEqual({ action_name: 'assign_agent', action_params: [4] })
    expect(cleanAction({ action_name: 'assign_agent', action_params: ['self'] })).toEqual({ action_name: 'assign_agent', action_params: ['self'] })
    expect(cleanAction({ action_name: 'send_message', action_params: ['  hi  '] })).toEqual({ action_name: 'send_message', action_params: ['hi'] })
  })

  it('maps server errors on list items to their rows', () => {
    const fields = {
      name: 'is required',
      'actions[2].action_params': 'label "nope" does not exist',
      'actions.0.action_name': 'is not an action',
      'actions[2].action_name': 'second message for row 2',
      actionsx: 'not a row',
    }
    expect(indexedErrors(fields, 'actions')).toEqual({ 0: 'is not an action', 2: 'label "nope" does not exist' })
    expect(indexedErrors({ 'working_hours[3].close_hour': 'must be after open_hour' }, 'working_hours')).toEqual({ 3: 'must be after open_hour' })
  })

  it('moves rows up and down within the list', () => {
    expect(moveItem(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b'])
    expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c'])
    expect(moveItem(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c'])
    expect(moveItem(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c'])
  })
})

describe('CSAT', () => {
  it('reads the distribution as a map or an array', () => {
    expect(distributionCounts({ '1': 2, '5': 7 })).toEqual([2, 0, 0, 0, 7])
    expect(distributionCounts(null)).toEqual([0, 0, 0, 0, 0])
  })

  it('tidies percentages for display', () => {
    expect(asPercent(75.555)).toBe(75.6)
    expect(asPercent(0.5)).toBe(0.5)
    expect(asPercent(120)).toBe(100)
    expect(asPercent(NaN)).toBe(0)
    expect(asPercent(undefined)).toBe(0)
  })

  it('reads the server summary into the report numbers', () => {
    const chatwoot = normalizeMetrics({
      total_count: 4,
      average: 4.25,
      ratings_count: { '1': 0, '2': 0, '3': 1, '4': 1, '5': 2 },
      satisfaction_score: 75,
      total_sent_messages_count: 8,
      response_rate: 50,
    })
    expect(chatwoot).toEqual({
      count: 4,
      average: 4.25,
      distribution: { '1': 0, '2': 0, '3': 1, '4': 1, '5': 2 },
      satisfaction: 75,
      response_rate: 50,
      surveys_sent: 8,
    })
    expect(distributionCounts(chatwoot.distribution)).toEqual([0, 0, 1, 1, 2])
    expect(normalizeMetrics(null)).toMatchObject({ count: 0, average: 0, satisfaction: 0 })
  })
})

describe('channels', () => {
  it('offers the website and API channels in this release', () => {
    expect(CHANNELS.filter((c) => c.available).map((c) => c.type)).toEqual(['Channel::WebWidget', 'Channel::Api'])
  })

  it('finds the entry of a channel type, with a fallback for unknown ones', () => {
    expect(channelOf('Channel::Api').key).toBe('api')
    expect(channelOf('Channel::WhatsappWeb').key).toBe('whatsapp')
    expect(channelOf('Channel::Telegram').key).toBe('other')
  })

})
