// End-to-end test of the CRM screens against the real server binary: an administrator (in
// Portuguese) starts a pipeline from a template, creates deals through the API and the "New
// deal" dialog, drags a card to the next column (the server records the stage change and its
// history), then builds the deal's value from a catalog product and a one-off line with a 10 %
// discount, sees the exact sum, and removes the lines so the value becomes manual again.

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
  await page.screenshot({ path: join(SHOTS, `crm-${name}.png`), animations: 'disabled', fullPage: true })
}

/** brl is how the page writes an amount of reais, spaces normalised. */
const brl = (cents) => new Intl.NumberFormat('pt-BR', { style: 'currency', currency: 'BRL' }).format(cents / 100).replace(/\s/g, ' ')
const norm = (s) => (s ?? '').replace(/\s/g, ' ').trim()

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

test('an admin runs a pipeline: template, deals, drag and drop, line items', async (t) => {
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
  const product = await call(token, 'POST', `${acc}/catalog/products`, { name: 'Plano Pro', sku: 'PRO-1', price_cents: 15000 })

  const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1500, height: 950 } })
  await context.addInitScript((tk) => localStorage.setItem('parley.token', tk), token)
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  watch(page, 'admin', problems)
  pages.push(page)

  // ---- No pipeline yet: the empty board leads to the template gallery.
  await page.goto(base + '/crm')
  await page.getByTestId('board-start').click()
  await page.getByTestId('template-gallery').waitFor()
  await page.getByTestId('template-b2b_sales').waitFor()
  await shot(page, 'template-gallery')
  await page.getByTestId('template-b2b_sales').click()
  await page.getByTestId('board').waitFor()
  const [pipeline] = (await call(token, 'GET', `${acc}/pipelines`)).payload
  assert.ok(pipeline, 'the template created a pipeline')
  const open = pipeline.stages.filter((s) => s.kind === 'open')
  assert.ok(open.length >= 2, 'the template has at least two open stages')
  assert.equal(pipeline.stages.find((s) => s.kind === 'won')?.probability, 100)
  assert.equal(pipeline.stages.find((s) => s.kind === 'lost')?.probability, 0)

  // ---- Two deals: one through the API, one through the dialog.
  const first = await call(token, 'POST', `${acc}/deals`, { pipeline_id: pipeline.id, title: 'Site novo da Acme', value_cents: 120000 })
  await page.reload()
  await page.getByTestId(`deal-card-${first.id}`).waitFor()
  await page.getByTestId('deal-add').click()
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'deal-title')
  await page.getByTestId('deal-title').fill('Consultoria Beta')
  await page.locator('#deal-value').click()
  await page.locator('#deal-value').pressSequentially('2500')
  // The dialog's own POST is the deal: waiting on it (not polling the list) says what was sent
  // if the form ever loses a field, instead of timing out.
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `${acc}/deals`)
  await page.getByTestId('deal-save').click()
  const response = await posted
  const second = await response.json()
  assert.equal(response.status(), 201, `the dialog created the deal: ${JSON.stringify(second)}`)
  assert.equal(second.title, 'Consultoria Beta', `the dialog sent: ${response.request().postData()}`)
  await page.getByTestId('deal-dialog').waitFor({ state: 'hidden' })
  assert.equal(second.stage_id, open[0].id, 'a new deal starts in the first stage')
  assert.equal(second.value_cents, 250000)
  const card = page.getByTestId(`deal-card-${second.id}`)
  await card.waitFor()
  assert.equal(norm(await page.getByTestId(`column-count-${open[0].id}`).textContent()), '2')
  await shot(page, 'board')

  // ---- Drag the dialog's deal into the second open stage.
  // A real pointer drag (native HTML5 drag and drop): press on the card, move in steps so the
  // page sees dragover with a position, release over the second column.
  const from = await card.boundingBox()
  const to = await page.getByTestId(`column-body-${open[1].id}`).boundingBox()
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2)
  await page.mouse.down()
  await page.mouse.move(from.x + from.width / 2 + 20, from.y + from.height / 2, { steps: 4 })
  await page.mouse.move(to.x + to.width / 2, to.y + 20, { steps: 10 })
  await page.getByTestId(`column-body-${open[1].id}`).getByTestId('drop-marker').waitFor()
  await page.mouse.up()
  const moved = await until('the server to move the deal', async () => {
    const d = await call(token, 'GET', `${acc}/deals/${second.id}`)
    return d.stage_id === open[1].id && d
  })
  assert.equal(moved.status, 'open')
  const history = (await call(token, 'GET', `${acc}/deals/${second.id}/history`)).payload
  assert.ok(history.some((h) => h.from_stage_id === open[0].id && h.to_stage_id === open[1].id), `the history has the move: ${JSON.stringify(history)}`)
  await page.getByTestId(`column-body-${open[1].id}`).getByTestId(`deal-card-${second.id}`).waitFor()
  assert.equal(norm(await page.getByTestId(`column-count-${open[0].id}`).textContent()), '1')
  await shot(page, 'board-after-drag')

  // ---- The deal page: a catalog product and a one-off line with 10 % off.
  await page.getByTestId(`deal-card-${second.id}`).click()
  await page.waitForURL(new RegExp(`/crm/deals/${second.id}$`))
  await page.getByTestId('deal-heading').waitFor()
  assert.equal(norm(await page.getByTestId('deal-value').textContent()), brl(250000))

  await page.getByTestId('item-add-product').click()
  await page.getByTestId('item-product').locator('input').pressSequentially('Plano')
  await page.getByRole('option', { name: /Plano Pro/ }).click()
  await page.getByTestId('item-add-save').click()
  await page.getByTestId('item-row-0').waitFor()
  await until('the value to follow the first line', async () => norm(await page.getByTestId('deal-value').textContent()) === brl(15000))

  await page.getByTestId('item-add-oneoff').click()
  await page.getByTestId('item-name').fill('Implantação')
  await page.getByTestId('item-new-price').locator('input').click()
  await page.getByTestId('item-new-price').locator('input').pressSequentially('500')
  await page.getByTestId('item-new-disc-type').click()
  await page.getByRole('option', { name: '%', exact: true }).click()
  await page.getByTestId('item-new-disc').locator('input').click()
  await page.getByTestId('item-new-disc').locator('input').pressSequentially('10')
  await page.getByTestId('item-add-save').click()
  await page.getByTestId('item-row-1').waitFor()
  const expected = 15000 + 50000 - 5000
  await until('the value to be the exact sum', async () => norm(await page.getByTestId('deal-value').textContent()) === brl(expected))
  assert.equal(norm(await page.getByTestId('item-total-1').textContent()), brl(45000))
  assert.equal(norm(await page.getByTestId('items-sum').textContent()), brl(expected))
  const auto = await call(token, 'GET', `${acc}/deals/${second.id}`)
  assert.equal(auto.value_cents, expected)
  assert.equal(auto.value_mode, 'auto')
  const lines = (await call(token, 'GET', `${acc}/deals/${second.id}/line_items`)).payload
  assert.equal(lines.find((l) => l.product_id === product.id)?.sku, 'PRO-1', 'the product line is a snapshot with its sku')
  await shot(page, 'deal-line-items')

  // ---- Removing every line leaves the value, now typed by hand again.
  for (let i = 1; i >= 0; i--) {
    await page.getByTestId(`item-delete-${i}`).click()
    await page.locator('.p-confirmdialog-accept-button').click()
    await page.getByTestId(`item-row-${i}`).waitFor({ state: 'detached' })
  }
  const manual = await until('the value to become manual', async () => {
    const d = await call(token, 'GET', `${acc}/deals/${second.id}`)
    return d.value_mode === 'manual' && d
  })
  // The one-off line went first (the value followed: the product alone); the value then stays
  // when the last line goes.
  assert.equal(manual.value_cents, 15000, 'the value stays when the last line goes')
  await until('the badge to say manual', async () => norm(await page.getByTestId('deal-value-mode').textContent()) === 'Manual')
  assert.equal(norm(await page.getByTestId('deal-value').textContent()), brl(15000))

  // ---- The pipeline editor.
  await page.goto(base + '/crm/pipelines')
  await page.getByTestId(`pipeline-edit-${pipeline.id}`).click()
  await page.getByTestId('pipeline-dialog').waitFor()
  await page.getByTestId('stage-row-0').waitFor()
  await shot(page, 'pipeline-editor')

  await page.keyboard.press('Escape')

  // ---- The menu path (no mouse drag): move the other deal into Lost, which asks why first.
  const lost = pipeline.stages.find((s) => s.kind === 'lost')
  await page.goto(base + '/crm')
  await page.getByTestId(`deal-move-${first.id}`).click()
  await page.getByRole('menuitem', { name: lost.name }).click()
  await page.getByTestId('close-dialog').waitFor()
  await page.getByTestId('close-reason').fill('Preço acima do orçamento')
  await page.getByTestId('close-confirm').click()
  const closed = await until('the deal to be lost', async () => {
    const d = await call(token, 'GET', `${acc}/deals/${first.id}`)
    return d.status === 'lost' && d
  })
  assert.equal(closed.stage_id, lost.id)
  assert.equal(closed.close_reason, 'Preço acima do orçamento')
  assert.ok(closed.closed_at, 'a lost deal has its closing time')

  // ---- A saved view keeps the filter bar: priority high, saved, cleared, applied again.
  await page.getByTestId('filter-priority').click()
  await page.getByRole('option', { name: 'Alta', exact: true }).click()
  await page.getByTestId(`deal-card-${second.id}`).waitFor({ state: 'detached' })
  await page.getByTestId('views-button').click()
  await page.getByTestId('view-save-open').click()
  await page.getByTestId('view-name').fill('Só alta')
  await page.getByTestId('view-save').click()
  const view = await until('the view to be saved', async () => (await call(token, 'GET', `${acc}/deals/views`)).payload.find((v) => v.name === 'Só alta'))
  assert.equal(view.filters.priority, 'high')
  assert.equal(view.pipeline_id, pipeline.id)
  await page.getByTestId('filter-clear').click()
  await page.getByTestId(`deal-card-${second.id}`).waitFor()
  await page.getByTestId('views-button').click()
  await page.getByTestId(`view-apply-${view.id}`).click()
  await page.getByTestId(`deal-card-${second.id}`).waitFor({ state: 'detached' })

  // ---- The catalog page lists the product.
  await page.goto(base + '/catalog')
  await page.getByTestId(`product-price-${product.id}`).waitFor()
  assert.equal(norm(await page.getByTestId(`product-price-${product.id}`).textContent()), brl(15000))
  await shot(page, 'catalog')

  assert.deepEqual(problems, [], 'the pages logged no errors')
}
