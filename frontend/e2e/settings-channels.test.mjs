// End-to-end test of the channel settings against the real server binary and Debian's Chromium,
// with no stubbed routes: an administrator (in Portuguese) creates a Website inbox through the
// wizard and copies its snippet, changes the widget colour (the server keeps it), adds a webhook
// pointing at a receiver this test runs, sends a test ping that arrives signed with the secret
// the page showed once, sees it delivered in the delivery log, and resends it.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { apiCaller, launchBrowser, SHOTS, startServer, until, watch } from './harness.mjs'

let srv
let browser
let base
let call
let receiver
const problems = []
/** Every request the webhook receiver got: headers and the raw body, as sent. */
const received = []

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `settings-${name}.png`), animations: 'disabled' })
}

/** signatureOf is what a receiver computes: HMAC-SHA256 of "<timestamp>.<body>" with the secret. */
const signatureOf = (secret, timestamp, body) => 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')

before(async () => {
  srv = await startServer()
  base = srv.base
  call = apiCaller(base)
  browser = await launchBrowser()
  receiver = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end('thanks')
    })
  })
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r))
})

after(async () => {
  receiver?.close()
  await browser?.close()
  await srv?.stop()
})

test('an admin sets up a website inbox and a signed webhook from the settings pages', async (t) => {
  const pages = []
  try {
    await scenario(pages)
  } catch (e) {
    for (const [i, p] of pages.entries()) await shot(p, `failure-${i}`).catch(() => undefined)
    t.diagnostic(`page problems: ${problems.join(' | ')}`)
    t.diagnostic(`receiver got: ${JSON.stringify(received.map((r) => r.headers['x-parley-event']))}`)
    t.diagnostic(`server log tail:\n${srv.log().slice(-3000)}`)
    throw e
  }
})

async function scenario(pages) {
  const setup = await call(null, 'POST', '/api/v1/setup', {
    account_name: 'Padaria Central', name: 'Olívia Dona', email: 'olivia@example.com', password: 'correct-horse-1', time_zone: 'America/Sao_Paulo', language: 'pt-BR',
  })
  const token = setup.token
  const acc = `/api/v1/accounts/${setup.account_id}`

  const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1440, height: 900 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
  await context.addInitScript((tk) => localStorage.setItem('parley.token', tk), token)
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  watch(page, 'admin', problems)
  pages.push(page)

  // ---- The wizard: a Website inbox, its snippet and the copy button.
  await page.goto(base + '/settings/inboxes')
  await page.getByTestId('inbox-add').click()
  await page.getByTestId('channel-website').click()
  await page.getByTestId('inbox-name').fill('Loja da Padaria')
  await page.getByTestId('inbox-site-url').fill('https://loja.padaria.example/pedidos')
  // The allowed domains follow the site's address.
  await page.getByTestId('domain-loja.padaria.example').waitFor()
  await page.getByTestId('inbox-welcome-title').fill('Olá! 👋')
  await page.getByTestId('inbox-create').click()
  await page.getByTestId('inbox-created').waitFor()

  const inboxes = (await call(token, 'GET', `${acc}/inboxes`)).payload
  const website = inboxes.find((i) => i.name === 'Loja da Padaria')
  assert.ok(website, 'the wizard created the inbox')
  assert.equal(website.channel_type, 'Channel::WebWidget')
  assert.deepEqual(website.channel.allowed_domains, ['loja.padaria.example'])
  assert.equal(website.channel.welcome_title, 'Olá! 👋')

  const snippet = (await page.getByTestId('inbox-snippet').locator('pre, code').first().textContent()).trim()
  assert.match(snippet, /\/widget\/sdk\.js/)
  assert.ok(snippet.includes(`websiteToken: '${website.website_token}'`), `the snippet names the inbox's token: ${snippet}`)
  assert.ok(snippet.includes(base), 'the snippet loads the widget from this server')
  await page.getByTestId('inbox-snippet-copy').click()
  assert.equal((await page.evaluate(() => navigator.clipboard.readText())).trim(), snippet, 'Copy puts the snippet on the clipboard')
  await shot(page, 'wizard-snippet')

  // ---- The Widget tab: a new colour, shown in the preview at once, kept by the server.
  await page.getByTestId('inbox-wizard-settings').click()
  await page.waitForURL(new RegExp(`/settings/inboxes/${website.id}`))
  await page.getByTestId('inbox-tab-widget').click()
  await page.getByTestId('widget-form').waitFor()
  await page.getByTestId('color-hex').fill('#E11D48')
  await until('the preview to take the colour', async () =>
    (await page.getByTestId('preview-bubble').evaluate((el) => getComputedStyle(el).backgroundColor)) === 'rgb(225, 29, 72)')
  const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith(`/inboxes/${website.id}`))
  await page.getByTestId('widget-save').click()
  assert.equal((await saved).status(), 200)
  const reread = await call(token, 'GET', `${acc}/inboxes/${website.id}`)
  assert.equal(reread.channel.widget_color, '#E11D48', 'the colour stuck')
  assert.equal(reread.channel.welcome_title, 'Olá! 👋', 'saving the tab kept the other settings')
  await shot(page, 'widget-tab')

  // ---- A webhook, created through the page, with the events the server offers.
  const hookUrl = `http://127.0.0.1:${receiver.address().port}/parley`
  await page.goto(base + '/settings/webhooks')
  await page.getByTestId('webhook-table').waitFor()
  await page.locator('[data-testid="webhook-table"] .p-datatable-mask').waitFor({ state: 'detached' })
  await shot(page, 'webhooks-empty')
  await page.getByTestId('webhook-add').click()
  // The dialog focuses its first field once its opening animation ends; typing before that
  // would land in whichever field has the focus then.
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'webhook-url')
  await page.getByTestId('webhook-url').fill(hookUrl)
  await page.getByTestId('webhook-name').fill('ERP')
  for (const g of ['conversations', 'messages', 'contacts']) await page.getByTestId(`webhook-group-${g}`).waitFor()
  await page.getByTestId('webhook-event-message_created').waitFor()
  await shot(page, 'webhook-dialog')
  await page.getByTestId('webhook-save').click()
  await page.getByTestId('secret-dialog').waitFor()
  const secret = (await page.getByTestId('secret-value').textContent()).trim()
  assert.ok(secret.length >= 16, `the secret is shown once: ${secret}`)
  await shot(page, 'webhook-secret')
  await page.getByTestId('secret-done').click()

  const offered = (await call(token, 'GET', `${acc}/webhooks/events`)).map((e) => e.name)
  const [hook] = (await call(token, 'GET', `${acc}/webhooks`)).payload.webhooks
  assert.equal(hook.url, hookUrl)
  assert.equal(hook.name, 'ERP')
  assert.deepEqual([...hook.subscriptions].sort(), [...offered].sort(), 'a new webhook starts subscribed to every event')
  await page.getByTestId(`webhook-state-${hook.id}`).waitFor()
  await shot(page, 'webhooks-list')

  // ---- Send a test ping: it arrives signed with that secret, and the log says delivered.
  await page.getByTestId(`webhook-log-${hook.id}`).click()
  await page.getByTestId('delivery-log').waitFor()
  await page.getByTestId('webhook-test').click()
  const ping = await until('the ping at the receiver', () => received.find((r) => r.headers['x-parley-event'] === 'ping'))
  assert.equal(ping.method, 'POST')
  assert.equal(ping.url, '/parley')
  assert.equal(ping.headers['content-type'], 'application/json')
  const ts = ping.headers['x-parley-timestamp']
  assert.match(ts, /^\d+$/)
  assert.equal(ping.headers['x-parley-signature'], signatureOf(secret, ts, ping.body), 'the signature verifies with the secret the page showed')
  assert.equal(ping.headers['x-chatwoot-signature'], ping.headers['x-parley-signature'])
  assert.notEqual(signatureOf(secret + 'x', ts, ping.body), ping.headers['x-parley-signature'], 'another secret does not verify')
  const body = JSON.parse(ping.body)
  assert.equal(body.event, 'ping')
  assert.equal(body.webhook_id, hook.id)
  const deliveryId = ping.headers['x-parley-delivery']
  assert.match(deliveryId, /^\d+$/)

  const status = page.getByTestId(`delivery-status-${deliveryId}`)
  await until('the log to show the delivery as succeeded', async () => /Entregue/.test((await status.textContent().catch(() => '')) ?? ''))
  await page.locator('[data-testid="delivery-table"] .p-datatable-row-toggle-button').first().click()
  await page.getByTestId('delivery-attempt-0').waitFor()
  assert.match(await page.getByTestId('delivery-attempt-0').textContent(), /200/)
  assert.match(await page.getByTestId('delivery-body').textContent(), /"event": "ping"/)
  await shot(page, 'delivery-log')

  // ---- Resend: the same delivery (same id and body) arrives again, signed afresh.
  await page.getByTestId(`delivery-resend-${deliveryId}`).click()
  const again = await until('the resent ping', () => received.filter((r) => r.headers['x-parley-delivery'] === deliveryId)[1])
  assert.equal(again.body, ping.body, 'a resend posts the same body')
  assert.equal(again.headers['x-parley-signature'], signatureOf(secret, again.headers['x-parley-timestamp'], again.body))
  await page.getByTestId('delivery-attempt-1').waitFor()
  await until('the log to show it delivered again', async () => /Entregue/.test((await status.textContent().catch(() => '')) ?? ''))
  const detail = await call(token, 'GET', `${acc}/webhooks/${hook.id}/deliveries/${deliveryId}`)
  assert.equal(detail.status, 'succeeded')
  assert.equal(detail.attempts.length, 2)
  await shot(page, 'delivery-resent')

  assert.deepEqual(problems, [])
}
