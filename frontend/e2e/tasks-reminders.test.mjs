// End-to-end test of the task detail against the real server binary. An administrator of a São
// Paulo account, in a browser set to Lisbon time, opens a task made through the API, adds an
// in-app reminder to herself for the coming minute (São Paulo clock) and goes to the task list; the
// reminder fires, the bell's unread count goes up, and its item opens the task's page, where the
// reminder shows as sent. A wrong time-zone conversion would put the reminder hours away and
// fail the test. Then, in English, she opens a conversation, adds a task for its contact from
// the side panel, sees it listed (and in GET /tasks?contact_id), opens it in the drawer without
// leaving the conversation and completes it from the panel.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { apiCaller, launchBrowser, SHOTS, startServer, until, watch } from './harness.mjs'

let srv
let browser
let base
let call
const problems = []

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `tasks-reminders-${name}.png`), animations: 'disabled', fullPage: true })
}

/** wallIn is instant t on the clocks of zone tz. */
function wallIn(t, tz) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(t)
      .map((x) => [x.type, x.value]),
  )
  return p
}

/** waitLong polls fn (every 500 ms) for up to ms milliseconds. */
async function waitLong(what, ms, fn) {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

before(async () => {
  srv = await startServer()
  base = srv.base
  call = apiCaller(base)
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await srv?.stop()
})

test('a reminder reaches the bell; tasks are made from the conversation panel', async (t) => {
  const pages = []
  try {
    await scenario(pages)
  } catch (e) {
    for (const [i, p] of pages.entries()) await shot(p, `failure-${i}`).catch(() => undefined)
    t.diagnostic(`page problems: ${problems.join(' | ')}`)
    t.diagnostic(`server log tail:\n${srv.log().slice(-3000)}`)
    throw e
  }
  assert.deepEqual(problems, [], 'no page errors')
})

async function scenario(pages) {
  const setup = await call(null, 'POST', '/api/v1/setup', {
    account_name: 'Clínica Sol', name: 'Renata Dona', email: 'renata@example.com', password: 'correct-horse-1', time_zone: 'America/Sao_Paulo', language: 'pt-BR',
  })
  const token = setup.token
  const acc = `/api/v1/accounts/${setup.account_id}`
  const me = await call(token, 'GET', '/api/v1/profile')
  const due = new Date(Date.now() + 2 * 86400000).toISOString()
  const task = await call(token, 'POST', `${acc}/tasks`, { title: 'Ligar para a fornecedora', description: 'Confirmar a entrega de sexta.', priority: 'high', due_at: due, assignee_ids: [me.id], checklist: ['Pedir nota fiscal', 'Conferir valores'] })
  assert.equal(task.status, 'todo')

  // The browser's own clock is Lisbon's: the page must read and write times on São Paulo's.
  const context = await browser.newContext({ locale: 'pt-BR', timezoneId: 'Europe/Lisbon', viewport: { width: 1440, height: 1000 } })
  await context.addInitScript((tk) => localStorage.setItem('parley.token', tk), token)
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  watch(page, 'admin', problems)
  pages.push(page)

  // ---- The task's page, in Portuguese.
  await page.goto(`${base}/tasks/${task.id}`)
  await page.getByTestId('task-detail').waitFor()
  assert.equal(await page.getByTestId('task-title').inputValue(), 'Ligar para a fornecedora')
  await page.getByTestId('task-checklist').getByText('Pedir nota fiscal').waitFor()
  await page.getByTestId('badge-priority').getByText('Alta').waitFor()
  await page.getByTestId('task-reminders').getByText('Sem lembretes').waitFor()

  // ---- A reminder "in-app, to me" for the coming minute on São Paulo's clock (at least 8 s away).
  let at = new Date(Math.ceil(Date.now() / 60000) * 60000)
  if (at.getTime() - Date.now() < 8000) at = new Date(at.getTime() + 60000)
  const w = wallIn(at, 'America/Sao_Paulo')
  await page.getByTestId('reminder-add').click()
  await page.getByTestId('reminder-form').waitFor()
  await page.getByTestId('reminder-preset-in10m').click()
  await page.locator('#reminder-at').fill(`${w.day}/${w.month}/${w.year}`)
  await page.keyboard.press('Escape')
  await page.getByTestId('reminder-at-time').fill(`${w.hour}:${w.minute}`)
  assert.equal(await page.getByTestId('reminder-app').locator('input').isChecked(), true, 'in-app is on by default')
  await shot(page, '01-reminder-form-pt')
  await page.getByTestId('reminder-save').click()
  const rem = await until('the reminder saved', async () => (await call(token, 'GET', `${acc}/tasks/${task.id}/reminders`)).payload?.find((r) => r.target === 'me'))
  assert.equal(new Date(rem.at).toISOString(), at.toISOString(), 'the reminder is at the chosen São Paulo minute')
  assert.equal(rem.app, true)
  assert.equal(rem.email, false)
  await page.getByTestId(`reminder-${rem.id}`).waitFor()
  assert.equal(await page.getByTestId(`reminder-${rem.id}`).getAttribute('data-state'), 'pending')
  await shot(page, '02-reminder-pending-pt')

  // ---- Elsewhere in the app, the bell lights up when it fires.
  await page.goto(`${base}/tasks`)
  await page.getByTestId('bell').waitFor()
  const badge = page.locator('.p-overlaybadge .p-badge')
  const before = (await badge.count()) ? Number(await badge.textContent()) : 0
  await waitLong('the reminder in the bell', 90000, async () => (await badge.count()) && Number(await badge.textContent()) > before)
  await page.getByTestId('bell').click()
  const item = page.locator('.bell-item').filter({ hasText: 'Lembrete: Ligar para a fornecedora' })
  await item.waitFor()
  await shot(page, '03-bell-pt')
  await item.click()
  await page.waitForURL(`**/tasks/${task.id}`)
  await page.getByTestId('task-page').waitFor()
  await until('the reminder shown as sent', async () => (await page.getByTestId(`reminder-${rem.id}`).getAttribute('data-state')) === 'sent')
  await page.getByTestId(`reminder-state-${rem.id}`).getByText('Enviado').waitFor()
  const fired = (await call(token, 'GET', `${acc}/tasks/${task.id}/reminders`)).payload.find((r) => r.id === rem.id)
  assert.ok(fired.fired_at, 'the server marked it fired')
  assert.equal(fired.outcome, 'sent')
  await shot(page, '04-reminder-sent-pt')

  // ---- In English now: the conversation side panel.
  await call(token, 'PATCH', '/api/v1/profile', { language: 'en' })
  const inbox = await call(token, 'POST', `${acc}/inboxes`, { name: 'Website', channel_type: 'Channel::Api' })
  await call(token, 'POST', `${acc}/inbox_members`, { inbox_id: inbox.id, user_ids: [me.id] })
  const contact = await call(token, 'POST', `${acc}/contacts`, { name: 'Carla Customer', email: 'carla@example.net', inbox_id: inbox.id, source_id: 'carla-1' })
  const contactId = contact.payload.contact.id
  const conv = await call(token, 'POST', `${acc}/conversations`, { inbox_id: inbox.id, contact_id: contactId, source_id: 'carla-1' })
  await call(token, 'POST', `${acc}/conversations/${conv.id}/messages`, { content: 'Can someone call me back tomorrow?', message_type: 'incoming' })

  await page.goto(`${base}/conversations/${conv.id}`)
  const panel = page.getByTestId('conversation-tasks')
  await panel.waitFor()
  await panel.getByText('No open tasks for this contact.').waitFor()
  await panel.getByTestId('task-quick-title').fill('Call Carla back')
  await panel.getByTestId('task-quick-title').press('Enter')
  const made = await until('the task of the contact', async () => (await call(token, 'GET', `${acc}/tasks?contact_id=${contactId}`)).payload?.find((x) => x.title === 'Call Carla back'))
  assert.equal(made.conversation_id, conv.id, 'linked to this conversation')
  assert.equal(made.status, 'todo')
  await panel.getByTestId(`conversation-task-${made.id}`).waitFor()
  await shot(page, '05-conversation-panel-en')

  // Open it in the drawer, without leaving the conversation.
  await panel.getByTestId(`conversation-task-open-${made.id}`).click()
  const drawer = page.getByTestId('task-drawer')
  await drawer.getByTestId('task-detail').waitFor()
  assert.equal(await drawer.getByTestId('task-title').inputValue(), 'Call Carla back')
  await drawer.getByTestId('task-link-contact').getByText('Carla Customer').waitFor()
  assert.ok(page.url().endsWith(`/conversations/${conv.id}`), 'still on the conversation')
  await shot(page, '06-drawer-en')
  await page.keyboard.press('Escape')
  await drawer.waitFor({ state: 'hidden' })

  // Complete it from the panel: it leaves the open list.
  await panel.getByTestId(`conversation-task-done-${made.id}`).click()
  await panel.getByTestId(`conversation-task-${made.id}`).waitFor({ state: 'detached' })
  assert.equal((await call(token, 'GET', `${acc}/tasks/${made.id}`)).status, 'done')

  // The first task's page in English, for the record.
  await page.goto(`${base}/tasks/${task.id}`)
  await page.getByTestId(`reminder-state-${rem.id}`).getByText('Sent').waitFor()
  await shot(page, '07-task-page-en')
}
