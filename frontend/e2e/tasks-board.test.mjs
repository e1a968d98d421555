// End-to-end test of the tasks board, calendar and settings pages against the real server
// binary: an administrator (in Portuguese, São Paulo time) drags a card from To do to In
// progress with a real mouse (the server stamps started_at), reorders a column by dragging,
// sees a task on its due day in the month calendar and drags it to another day (the API has the
// new all-day date), creates an SLA policy and a template with two subtasks, uses the template
// and finds the task with its subtasks. The same pages are then shot in English.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { apiCaller, launchBrowser, SHOTS, startServer, until, watch, focused } from './harness.mjs'

let srv
let browser
let base
let call
const problems = []

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `tasks-board-${name}.png`), animations: 'disabled', fullPage: true })
}

/** box waits until the locator's element is laid out and returns its box: the calendar can draw its events again just after they appear, and a box read then is null. */
async function box(locator) {
  return until('a laid-out element', async () => {
    await locator.waitFor()
    return locator.boundingBox()
  })
}

/** drag is a real pointer drag: press, wiggle so the page sees the drag start, move in steps, release. */
async function drag(page, fromBox, toX, toY, waitFor) {
  await page.mouse.move(fromBox.x + fromBox.width / 2, fromBox.y + fromBox.height / 2)
  await page.mouse.down()
  await page.mouse.move(fromBox.x + fromBox.width / 2 + 12, fromBox.y + fromBox.height / 2 + 4, { steps: 4 })
  await page.mouse.move(toX, toY, { steps: 12 })
  if (waitFor) await waitFor()
  await page.mouse.up()
}

/** sp is the São Paulo calendar day of an instant ("YYYY-MM-DD"). */
const sp = (d) => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo' }).format(d)

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

test('board drags, calendar reschedule, SLA policy and template', async (t) => {
  const pages = []
  try {
    await scenario(pages)
  } catch (e) {
    for (const [i, p] of pages.entries()) await shot(p, `failure-${i}`).catch(() => undefined)
    t.diagnostic(`page problems: ${problems.join(' | ')}`)
    t.diagnostic(`server log tail:\n${srv.log().slice(-3000)}`)
    throw e
  }
})

async function scenario(pages) {
  const setup = await call(null, 'POST', '/api/v1/setup', {
    account_name: 'Agência Norte', name: 'Olívia Dona', email: 'olivia@example.com', password: 'correct-horse-1', time_zone: 'America/Sao_Paulo', language: 'pt-BR',
  })
  const token = setup.token
  const acc = `/api/v1/accounts/${setup.account_id}`
  const create = (body) => call(token, 'POST', `${acc}/tasks`, body)
  const a = await create({ title: 'Ligar para a Padaria Sol', priority: 'high' })
  const b = await create({ title: 'Enviar proposta' })
  const c = await create({ title: 'Revisar contrato' })

  const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1500, height: 950 } })
  await context.addInitScript((tk) => localStorage.setItem('parley.token', tk), token)
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  watch(page, 'admin', problems)
  pages.push(page)

  // ---- The board: three cards in To do.
  await page.goto(base + '/tasks?view=board')
  const cardA = page.getByTestId(`board-card-${a.id}`)
  await cardA.waitFor()
  assert.equal((await page.getByTestId('board-count-todo').textContent()).trim(), '3')
  await shot(page, 'board-pt')

  // ---- Drag A into In progress: the server moves it and stamps started_at.
  const body = page.getByTestId('board-body-in_progress')
  const tb = await body.boundingBox()
  await drag(page, await cardA.boundingBox(), tb.x + tb.width / 2, tb.y + 30, () => body.getByTestId('board-drop-marker').waitFor())
  const started = await until('the server to start task A', async () => {
    const x = await call(token, 'GET', `${acc}/tasks/${a.id}`)
    return x.status === 'in_progress' && x.started_at && x
  })
  assert.ok(started.started_at)
  await body.getByTestId(`board-card-${a.id}`).waitFor()
  assert.equal((await page.getByTestId('board-count-todo').textContent()).trim(), '2')
  assert.equal((await page.getByTestId('board-count-in_progress').textContent()).trim(), '1')

  // ---- Drag C above B within To do: the column order changes on the server.
  const todoOrder = async () => (await call(token, 'GET', `${acc}/tasks/board`)).columns.find((col) => col.status === 'todo').tasks.map((x) => x.id)
  assert.deepEqual(await todoOrder(), [b.id, c.id])
  const cardB = await page.getByTestId(`board-card-${b.id}`).boundingBox()
  await drag(page, await page.getByTestId(`board-card-${c.id}`).boundingBox(), cardB.x + cardB.width / 2, cardB.y + 4, () => page.getByTestId('board-body-todo').getByTestId('board-drop-marker').waitFor())
  await until('the server to reorder To do', async () => JSON.stringify(await todoOrder()) === JSON.stringify([c.id, b.id]))
  await shot(page, 'board-after-drag-pt')

  // ---- The calendar: a task due (all day) on a day of this month, dragged two days later.
  const now = new Date()
  const today = sp(now)
  const month = today.slice(0, 7)
  const dayNum = Number(today.slice(8, 10)) <= 15 ? 18 : 8
  const dueDay = `${month}-${String(dayNum).padStart(2, '0')}`
  const newDay = `${month}-${String(dayNum + 2).padStart(2, '0')}`
  const d = await create({ title: 'Reunião de revisão', due_at: dueDay })
  assert.equal(d.all_day, true)
  await page.goto(base + '/tasks?view=calendar')
  const ev = page.getByTestId(`cal-day-${dueDay}`).getByTestId(`cal-event-t${d.id}`)
  await ev.waitFor()
  await shot(page, 'calendar-pt')
  const target = await box(page.getByTestId(`cal-day-${newDay}`))
  await drag(page, await box(ev), target.x + target.width / 2, target.y + target.height / 2)
  const moved = await until('the server to reschedule the task', async () => {
    const x = await call(token, 'GET', `${acc}/tasks/${d.id}`)
    return x.due_at && sp(new Date(x.due_at)) === newDay && x
  })
  assert.equal(moved.all_day, true, 'an all-day task stays all-day after the drag')
  await page.getByTestId(`cal-day-${newDay}`).getByTestId(`cal-event-t${d.id}`).waitFor()

  // ---- Settings → Tasks: an SLA policy and a template with two subtasks, then used.
  await page.goto(base + '/settings/tasks')
  await page.getByTestId('sla-add').click()
  await focused(page, 'sla-name')
  await page.getByTestId('sla-name').fill('Urgentes em 2 horas')
  await page.locator('#sla-start-h').fill('2')
  await page.keyboard.press('Tab')
  await page.getByTestId('sla-save').click()
  const policy = await until('the SLA policy', async () => (await call(token, 'GET', `${acc}/task_sla_policies`)).payload.find((p) => p.name === 'Urgentes em 2 horas'))
  assert.equal(policy.start_minutes, 120)
  await page.getByTestId(`sla-name-${policy.id}`).waitFor()

  await page.getByTestId('template-add').click()
  await focused(page, 'template-name')
  await page.getByTestId('template-name').fill('Implantação de cliente')
  await page.getByTestId('template-title').fill('Implantar cliente novo')
  await page.getByTestId('template-checklist').fill('Criar acesso\nTreinar equipe')
  await page.getByTestId('template-subtask-add').click()
  await page.getByTestId('template-subtask-title-0').fill('Configurar conta')
  await page.getByTestId('template-subtask-add').click()
  await page.getByTestId('template-subtask-title-1').fill('Agendar treinamento')
  await shot(page, 'template-dialog-pt')
  await page.getByTestId('template-save').click()
  const tpl = await until('the template', async () => (await call(token, 'GET', `${acc}/task_templates`)).payload.find((x) => x.name === 'Implantação de cliente'))
  assert.equal(tpl.subtasks.length, 2)
  await page.getByTestId(`template-row-${tpl.id}`).waitFor()
  await shot(page, 'settings-pt')
  await page.getByTestId(`template-use-${tpl.id}`).click()
  await page.waitForURL(/\/tasks\?.*task=\d+/)
  const id = Number(new URL(page.url()).searchParams.get('task'))
  const made = await call(token, 'GET', `${acc}/tasks/${id}`)
  assert.equal(made.title, 'Implantar cliente novo')
  assert.deepEqual(made.subtask_items.map((s) => s.title).sort(), ['Agendar treinamento', 'Configurar conta'])
  assert.equal(made.checklist.length, 2)
  await page.waitForTimeout(500)
  await shot(page, 'template-used-pt')

  // ---- Mail server page (the first user is the operator).
  await page.goto(base + '/settings/mail')
  await page.getByTestId('mail-form').waitFor()
  await page.getByTestId('mail-host').fill('127.0.0.1')
  await page.getByTestId('mail-save').click()
  await until('the mail settings', async () => (await call(token, 'GET', '/api/v1/platform/mail')).host === '127.0.0.1')
  await shot(page, 'mail-pt')

  // ---- The same pages in English.
  await call(token, 'PATCH', '/api/v1/profile', { language: 'en' })
  for (const [path, name, wait] of [
    ['/tasks?view=board', 'board-en', `board-card-${a.id}`],
    ['/tasks?view=calendar', 'calendar-en', `cal-event-t${d.id}`],
    ['/settings/tasks', 'settings-en', `template-row-${tpl.id}`],
    ['/settings/mail', 'mail-en', 'mail-form'],
  ]) {
    await page.goto(base + path)
    await page.getByTestId(wait).waitFor()
    await page.waitForTimeout(300)
    await shot(page, name)
  }
  assert.deepEqual(problems, [], 'no page errors')
}
