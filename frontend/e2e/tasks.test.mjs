// End-to-end test of the tasks page against the real server binary. An administrator (in
// Portuguese, account in São Paulo) creates a list, creates a task with a due date and herself as
// assignee through the "New task" dialog, finds it in the list and in "My tasks", filters by the
// list, sorts by due date, and completes a task inline. Then the recurring case: a weekly task due
// tomorrow is completed from the list, and the next occurrence (due a week later, "To do")
// appears in the list, as the API confirms. Screenshots in Portuguese and English.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { apiCaller, launchBrowser, SHOTS, startServer, until, watch, focused } from './harness.mjs'

let srv
let browser
let base
let call
const problems = []
const ZONE = 'America/Sao_Paulo'

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `tasks-${name}.png`), animations: 'disabled', fullPage: true })
}

/** day is the "YYYY-MM-DD" n days from today on the account's calendar. */
function day(n) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
  const [y, m, d] = today.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
}
/** dayOf is the day an instant falls on in the account's zone. */
const dayOf = (iso) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso))
/** ptDate writes a "YYYY-MM-DD" day as the Portuguese date picker reads it. */
const ptDate = (d) => d.split('-').reverse().join('/')

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

test('tasks: lists, the new task dialog, my tasks, filter, sort, inline and recurring completion', async (t) => {
  const pages = []
  try {
    await scenario(pages)
  } catch (e) {
    for (const [i, p] of pages.entries()) await shot(p, `failure-${i}`).catch(() => undefined)
    t.diagnostic(`page problems: ${problems.join(' | ')}`)
    t.diagnostic(`server log tail:\n${srv.log().slice(-3000)}`)
    throw e
  }
  assert.deepEqual(problems, [], 'the pages logged no errors')
})

async function scenario(pages) {
  const setup = await call(null, 'POST', '/api/v1/setup', {
    account_name: 'Agência Norte', name: 'Olívia Dona', email: 'olivia@example.com', password: 'correct-horse-1', time_zone: ZONE, language: 'pt-BR',
  })
  const token = setup.token
  const acc = `/api/v1/accounts/${setup.account_id}`
  const api = (method, path, body) => call(token, method, `${acc}${path}`, body)

  const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1500, height: 950 } })
  await context.addInitScript((tk) => localStorage.setItem('parley.token', tk), token)
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  watch(page, 'admin', problems)
  pages.push(page)

  // ---- Empty page: the empty state says what to do.
  await page.goto(base + '/tasks')
  await page.getByTestId('lists-nav').waitFor()
  await page.getByText('Nenhuma tarefa aqui ainda').waitFor()
  await shot(page, 'empty-pt')

  // ---- A list, through the list dialog; the page switches to it.
  await page.getByTestId('list-new').click()
  await focused(page, 'list-name')
  await page.getByTestId('list-name').fill('Financeiro')
  await page.getByTestId('list-color-10b981').click()
  await page.getByTestId('list-save').click()
  const list = await until('the list to exist', async () => (await api('GET', '/task_lists')).payload.find((l) => l.name === 'Financeiro'))
  assert.equal(list.color, '#10b981')
  await page.getByTestId(`scope-list-${list.id}`).waitFor()
  await until('the URL to name the list', () => new URL(page.url()).searchParams.get('list') === String(list.id))

  // ---- A task through the dialog: due in two days (all day), assigned to me, in the list (preset).
  const due = day(2)
  await page.getByTestId('task-new').click()
  const dialog = page.getByTestId('task-dialog')
  await dialog.waitFor()
  await focused(page, 'task-title')
  await page.getByTestId('task-title').fill('Pagar fornecedor')
  await page.locator('#task-due').fill(ptDate(due))
  // Close the date picker by clicking elsewhere in the dialog: Escape, when the picker's overlay
  // has not opened yet, would close the whole dialog.
  await page.getByTestId('task-title').click()
  await page.getByTestId('task-assignees').click()
  await page.getByRole('option', { name: 'Olívia Dona' }).click()
  await page.keyboard.press('Escape')
  await page.getByTestId('task-priority').click()
  await page.getByRole('option', { name: 'Alta' }).click()
  await shot(page, 'new-task-pt')
  await page.getByTestId('task-save').click()
  await dialog.waitFor({ state: 'hidden' })
  const made = await until('the task to exist', async () => (await api('GET', '/tasks?q=fornecedor')).payload[0])
  assert.equal(made.list_id, list.id, 'the dialog preset the list being viewed')
  assert.equal(made.all_day, true, 'no time means all day')
  assert.equal(dayOf(made.due_at), due, 'due on the picked day in the account zone')
  const me = await call(token, 'GET', '/api/v1/profile')
  assert.deepEqual(made.assignee_ids, [me.id])
  assert.equal(made.priority, 'high')
  await page.getByTestId(`task-row-${made.id}`).waitFor()

  // ---- Other tasks: one elsewhere (no list), two more in the list with other due dates.
  const elsewhere = await api('POST', '/tasks', { title: 'Tarefa de outra lista', due_at: day(1) })
  const later = await api('POST', '/tasks', { title: 'Conferir extrato', list_id: list.id, due_at: day(5) })
  const sooner = await api('POST', '/tasks', { title: 'Emitir nota', list_id: list.id, due_at: day(1) })

  // ---- Filter by the list: All tasks shows everything, the list only its own.
  await page.getByTestId('scope-all').click()
  await page.getByTestId(`task-row-${elsewhere.id}`).waitFor()
  await page.getByTestId(`scope-list-${list.id}`).click()
  await page.getByTestId(`task-row-${later.id}`).waitFor()
  assert.equal(await page.getByTestId(`task-row-${elsewhere.id}`).count(), 0, 'the list shows only its tasks')

  // ---- Sort by due: the default is due ascending; the header turns it to descending and back,
  // and the URL keeps it.
  const order = () => page.locator('[data-testid^="task-row-"]').evaluateAll((els) => els.map((e) => Number(e.dataset.testid.slice('task-row-'.length))))
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)
  await until('default due order', async () => same(await order(), [sooner.id, made.id, later.id]))
  const dueHeader = page.getByRole('columnheader', { name: 'Prazo' })
  await dueHeader.click()
  await until('descending due order', async () => same(await order(), [later.id, made.id, sooner.id]))
  assert.equal(new URL(page.url()).searchParams.get('sort'), 'due_at')
  assert.equal(new URL(page.url()).searchParams.get('order'), 'desc')
  await page.getByRole('columnheader', { name: 'Tarefa' }).click()
  await until('title order', async () => same(await order(), [later.id, sooner.id, made.id]))
  await dueHeader.click()
  await until('ascending due order', async () => same(await order(), [sooner.id, made.id, later.id]))
  await dueHeader.click()
  await until('descending due order again', async () => same(await order(), [later.id, made.id, sooner.id]))
  await shot(page, 'list-pt')

  // ---- Reload keeps the list and the sort.
  await page.reload()
  await until('the sorted list after reload', async () => JSON.stringify(await order()) === JSON.stringify([later.id, made.id, sooner.id]))

  // ---- My tasks: the dialog's task, assigned to me, in its group.
  await page.getByTestId('scope-mine').click()
  await page.getByTestId(`mine-row-${made.id}`).waitFor()
  assert.equal(await page.getByTestId(`mine-row-${later.id}`).count(), 0, 'only my tasks')
  await page.getByTestId('mine-week').getByTestId(`mine-row-${made.id}`).waitFor()
  await shot(page, 'mine-pt')

  // ---- Complete inline, from the list.
  await page.getByTestId(`scope-list-${list.id}`).click()
  await page.getByTestId(`task-check-${sooner.id}`).click()
  await until('the task to be done', async () => (await api('GET', `/tasks/${sooner.id}`)).status === 'done')
  await until('the row to say done', async () => (await page.getByTestId(`task-status-${sooner.id}`).textContent())?.includes('Concluída'))

  // ---- Recurring: weekly, due tomorrow; completing it makes the next one a week later.
  const tomorrow = day(1)
  const weekly = await api('POST', '/tasks', { title: 'Relatório semanal', list_id: list.id, due_at: tomorrow, recurrence: { freq: 'weekly', interval: 1 } })
  await page.getByTestId(`task-row-${weekly.id}`).waitFor()
  await page.getByTestId(`task-check-${weekly.id}`).click()
  await page.getByText('Próxima ocorrência criada').waitFor()
  const doneOne = await until('the occurrence to be done with a successor', async () => {
    const x = await api('GET', `/tasks/${weekly.id}`)
    return x.status === 'done' && x.next_id && x
  })
  const next = await api('GET', `/tasks/${doneOne.next_id}`)
  assert.equal(next.status, 'todo')
  assert.equal(next.title, 'Relatório semanal')
  assert.equal(next.list_id, list.id)
  assert.equal(dayOf(next.due_at), day(8), 'due a week after the completed one')
  await page.getByTestId(`task-row-${next.id}`).waitFor()
  await until('the new row to say to do', async () => (await page.getByTestId(`task-status-${next.id}`).textContent())?.includes('A fazer'))
  // Only one successor, even looking at the whole series.
  const series = (await api('GET', `/tasks?q=${encodeURIComponent('Relatório semanal')}`)).payload
  assert.equal(series.length, 2, 'the completed occurrence and exactly one next one')
  await shot(page, 'recurring-pt')

  // ---- English.
  await call(token, 'PATCH', '/api/v1/profile', { language: 'en' })
  await page.goto(`${base}/tasks?list=${list.id}`)
  await page.getByTestId(`task-row-${next.id}`).waitFor()
  await page.getByText('My tasks').first().waitFor()
  await shot(page, 'list-en')
  await page.getByTestId('scope-mine').click()
  await page.getByTestId('my-tasks').waitFor()
  await page.getByText('This week').first().waitFor()
  await shot(page, 'mine-en')
  await page.getByTestId('task-new').click()
  await page.getByTestId('task-dialog').waitFor()
  await page.getByTestId('task-title').fill('')
  await page.getByTestId('task-save').click()
  await page.getByTestId('task-dialog').getByText('Required').waitFor()
  await shot(page, 'new-task-en')
  await page.keyboard.press('Escape')
  await page.getByTestId(`list-edit-${list.id}`).click()
  await page.getByTestId('list-dialog').waitFor()
  await shot(page, 'list-dialog-en')
}
