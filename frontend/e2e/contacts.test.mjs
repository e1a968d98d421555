// End-to-end test of the contacts area against the real server binary and Debian's Chromium, no
// stubbed routes: an administrator defines a contact attribute, imports a 300-row CSV (BOM,
// accents, a duplicate inside the file, a row matching an existing contact, two bad rows)
// through the wizard and watches it finish with exact counts, then filters the contacts by city,
// saves that as a segment, reloads, opens the segment and sees only those contacts, and opens
// one contact's page.

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
  await page.screenshot({ path: join(SHOTS, `contacts-${name}.png`), animations: 'disabled', fullPage: true })
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

/**
 * csvFile is the import: 296 new people (every third in São Paulo), row 297 repeats row 5's
 * email (an update of the contact row 5 created), row 298 is the existing contact's email (an
 * update, moving them to São Paulo), row 299 has a bad email and row 300 an extra field.
 */
function csvFile() {
  const lines = ['Nome,E-mail,Cidade,Plan']
  for (let i = 1; i <= 296; i++) lines.push(`Cliente ${i} Araújo,cliente${i}@example.com,${i % 3 === 0 ? 'São Paulo' : 'Rio de Janeiro'},${i % 2 ? 'Gold' : 'silver'}`)
  lines.push('Cliente Cinco de Novo,cliente5@example.com,Rio de Janeiro,Gold')
  lines.push('Joana Existente,joana@example.com,São Paulo,Gold')
  lines.push('Ana Sem Email,ana@,Curitiba,Gold')
  lines.push('Campo Demais,demais@example.com,Natal,Gold,sobrando')
  return Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8')
}
const SAO_PAULO = 98 + 1 // rows 3, 6 … 294, and Joana

test('import contacts through the wizard, build a segment and open a contact', async (t) => {
  const pages = []
  try {
    await scenario(pages)
  } catch (e) {
    for (const [i, p] of pages.entries()) await shot(p, `failure-${i}`).catch(() => undefined)
    t.diagnostic(`page problems: ${problems.join(' | ')}`)
    t.diagnostic(`server log tail:\n${srv.log().slice(-3000)}`)
    throw e
  }
  assert.deepEqual(problems, [])
})

async function scenario(pages) {
  const setup = await call(null, 'POST', '/api/v1/setup', {
    account_name: 'Loja Central', name: 'Olívia Dona', email: 'olivia@example.com', password: 'correct-horse-1', time_zone: 'America/Sao_Paulo', language: 'en',
  })
  const token = setup.token
  const acc = `/api/v1/accounts/${setup.account_id}`
  await call(token, 'POST', `${acc}/custom_attribute_definitions`, {
    attribute_display_name: 'Plan', attribute_display_type: 'list', attribute_model: 'contact_attribute', attribute_values: ['Gold', 'Silver'],
  })
  await call(token, 'POST', `${acc}/contacts`, { name: 'Joana Existente', email: 'joana@example.com' })

  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 }, acceptDownloads: true })
  await context.addInitScript((tk) => localStorage.setItem('parley.token', tk), token)
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  watch(page, 'admin', problems)
  pages.push(page)

  // The list, with the one contact made through the API.
  await page.goto(base + '/contacts')
  await page.getByTestId('contacts-count').filter({ hasText: '1 contact' }).waitFor()
  await shot(page, 'list')

  // Step 1 → 2: upload; the server reads the BOM and suggests the mapping (Plan by its name).
  await page.getByTestId('contacts-import').click()
  await page.waitForURL(/\/contacts\/import$/)
  await page.getByTestId('import-file').setInputFiles({ name: 'clientes.csv', mimeType: 'text/csv', buffer: csvFile() })
  await page.getByTestId('import-mapping').waitFor()
  const info = await page.getByTestId('import-file-info').innerText()
  assert.match(info, /300 rows/)
  assert.match(info, /UTF-8 \(BOM\)/)
  assert.match(await page.getByTestId('import-target-0').innerText(), /Name/)
  assert.match(await page.getByTestId('import-target-1').innerText(), /Email/)
  assert.match(await page.getByTestId('import-target-2').innerText(), /City/)
  assert.match(await page.getByTestId('import-target-3').innerText(), /Plan/)
  await shot(page, 'wizard-mapping')

  // Step 3: the run, polled until done, with exact counts.
  await page.getByTestId('import-start').click()
  await page.getByTestId('import-progress').waitFor()
  await page.waitForURL(/\/contacts\/import\/\d+$/)
  await page.getByTestId('import-status').filter({ hasText: 'Done' }).waitFor({ timeout: 30000 })
  await until('the bar at 100 %', async () => (await page.getByTestId('import-bar').getAttribute('aria-valuenow')) === '100')
  assert.equal(await page.getByTestId('import-created').innerText(), '296')
  assert.equal(await page.getByTestId('import-updated').innerText(), '2')
  assert.equal(await page.getByTestId('import-failed').innerText(), '2')
  assert.match(await page.getByTestId('import-processed').innerText(), /300 of 300/)
  await page.getByTestId('import-errors').waitFor()
  await shot(page, 'wizard-result')

  // The error report names lines 300 and 301 (the header is line 1).
  const importId = page.url().split('/').pop()
  const report = await fetch(`${base}${acc}/contact_imports/${importId}/errors.csv`, { headers: { Authorization: `Bearer ${token}` } })
  assert.equal(report.status, 200)
  const reportText = await report.text()
  assert.match(reportText, /^\uFEFF?line,reason/)
  assert.match(reportText, /\n300,/)
  assert.match(reportText, /\n301,/)

  // A filter city = São Paulo, saved as a segment.
  await page.getByTestId('import-view').click()
  await page.waitForURL(/\/contacts$/)
  await page.getByTestId('contacts-count').filter({ hasText: '297 contacts' }).waitFor()
  await page.getByTestId('filter-toggle').click()
  await page.getByTestId('filter-attr-0').click()
  await page.getByRole('option', { name: 'City', exact: true }).click()
  await page.getByTestId('filter-value-0').fill('São Paulo')
  await page.getByTestId('filter-apply').click()
  await page.getByTestId('contacts-count').filter({ hasText: `${SAO_PAULO} contacts` }).waitFor()
  await page.getByTestId('segment-save').click()
  await page.getByTestId('segment-name').fill('Paulistanos')
  await page.getByTestId('segment-name-save').click()
  await page.getByTestId('segments').getByText('Paulistanos').waitFor()
  await shot(page, 'filter-segment')

  // After a reload the segment is still there and applies its conditions.
  await page.reload()
  await page.getByTestId('contacts-count').filter({ hasText: '297 contacts' }).waitFor()
  await page.getByTestId('segments').getByText('Paulistanos').click()
  await page.getByTestId('contacts-count').filter({ hasText: `${SAO_PAULO} contacts` }).waitFor()
  const listed = await page.locator('[data-testid^="contact-row-"]').count()
  assert.equal(listed, 15)
  const saved = await call(token, 'GET', `${acc}/segments`)
  assert.equal(saved.length, 1)
  assert.equal(saved[0].query.payload[0].attribute_key, 'city')

  // Every contact on the page is one of São Paulo's: open the first one.
  const firstRow = page.locator('[data-testid^="contact-row-"]').first()
  await firstRow.click()
  await page.waitForURL(/\/contacts\/\d+$/)
  await page.getByTestId('contact-page-name').waitFor()
  assert.equal(await page.getByTestId('contact-field-city').innerText(), 'São Paulo')
  await shot(page, 'contact-page')

  // A note, newest first, and the edit form with the custom attribute as a list.
  await page.getByTestId('tab-notes').click()
  await page.getByTestId('note-draft').fill('Prefers WhatsApp after 18h.')
  await page.getByTestId('note-add').click()
  await page.getByTestId('contact-notes').getByText('Prefers WhatsApp after 18h.').waitFor()
  await page.getByTestId('contact-edit').click()
  await page.getByTestId('contact-dialog').waitFor()
  assert.equal(await page.getByTestId('contact-form-city').inputValue(), 'São Paulo')
  await shot(page, 'contact-dialog')
}
