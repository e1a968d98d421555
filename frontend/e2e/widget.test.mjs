// End-to-end test of the website widget against the real server binary and Debian's Chromium:
// a site on another origin pastes the inbox's snippet; a visitor fills the pre-chat form and
// writes; the message appears live in the agent's inbox; the agent's reply reaches the visitor
// without a reload; a reload keeps the history; resolving asks for a rating inside the widget; a
// page on an origin outside the allow-list gets no widget; outside business hours the offline
// message shows.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { apiCaller, launchBrowser, SHOTS, startServer, until, watch } from './harness.mjs'

let srv
let browser
let base
let call
let site
let sitePort
let snippet = ''
const problems = []

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `widget-${name}.png`), animations: 'disabled' })
}

/** The customer's website: one page with the snippet pasted before </body>. */
function startSite() {
  return new Promise((res) => {
    const s = createServer((req, w) => {
      w.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      w.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme Bakery</title>
<style>body{font-family:system-ui,sans-serif;margin:0;background:#faf7f2;color:#2b2118}
header{padding:28px 48px;background:#2b2118;color:#fff;font-size:22px;font-weight:600}
main{padding:48px;max-width:720px}h1{font-size:36px;margin:0 0 12px}p{line-height:1.6;color:#5b4a3c}</style></head>
<body><header>Acme Bakery</header><main><h1>Fresh bread, every morning</h1>
<p>Order sourdough, croissants and cakes for pick-up or delivery. Questions about an order? Chat with us.</p></main>
${snippet}
</body></html>`)
    })
    s.listen(0, '127.0.0.1', () => res(s))
  })
}

before(async () => {
  srv = await startServer()
  base = srv.base
  call = apiCaller(base)
  site = await startSite()
  sitePort = site.address().port
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  site?.close()
  await srv?.stop()
})

test('a visitor on another site chats live with an agent through the widget', async (t) => {
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

async function visitor(host, name, { refused = false } = {}) {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  // On a site outside the allow-list the browser itself reports the refused CORS request; that
  // refusal is the point, so only the page's own errors count there.
  if (refused) page.on('pageerror', (e) => problems.push(`${name} pageerror: ${e.message}`))
  else watch(page, name, problems)
  await page.goto(`http://${host}:${sitePort}/`)
  return page
}

async function scenario(pages) {
  const setup = await call(null, 'POST', '/api/v1/setup', {
    account_name: 'Acme Bakery', name: 'Olivia Owner', email: 'owner@example.com', password: 'correct-horse-1', time_zone: 'America/Sao_Paulo', language: 'en',
  })
  const owner = setup.token
  const acc = `/api/v1/accounts/${setup.account_id}`
  const me = await call(owner, 'GET', '/api/v1/profile')

  // The owner creates a Website inbox for the site on localhost:<port> (127.0.0.1 is another
  // origin, outside the allow-list) with a pre-chat form and the rating on resolution.
  const inbox = await call(owner, 'POST', `${acc}/inboxes`, {
    name: 'Acme website',
    csat_survey_enabled: true,
    channel: {
      type: 'web_widget',
      website_url: `http://localhost:${sitePort}`,
      allowed_domains: [`localhost:${sitePort}`],
      widget_color: '#7C3AED',
      welcome_title: 'Hi there 👋',
      welcome_tagline: 'We answer questions about orders and deliveries.',
      offline_message: 'We are closed right now. Leave a message and we will reply in the morning.',
      pre_chat_form_enabled: true,
      pre_chat_form_options: {
        pre_chat_message: 'Tell us who you are so we can follow up.',
        pre_chat_fields: [
          { name: 'fullName', label: 'Full name', type: 'text', required: true, enabled: true },
          { name: 'emailAddress', label: 'Email', type: 'email', required: true, enabled: true },
        ],
      },
    },
  })
  assert.equal(inbox.channel_type, 'Channel::WebWidget')
  assert.match(inbox.web_widget_script, new RegExp(inbox.website_token))
  assert.ok(!JSON.stringify(inbox).includes('hmac_token'), 'the inbox answer leaks its secret')
  snippet = inbox.web_widget_script
  await call(owner, 'POST', `${acc}/inbox_members`, { inbox_id: inbox.id, user_ids: [me.id] })

  // The agent has the inbox open (which also makes the team "online" for the widget).
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } })
  await context.addInitScript((tok) => localStorage.setItem('parley.token', tok), owner)
  const agent = await context.newPage()
  agent.setDefaultTimeout(15000)
  watch(agent, 'agent', problems)
  pages.push(agent)
  await agent.goto(base + '/conversations')
  await agent.getByTestId('conv-list').waitFor()
  await agent.getByTestId('tab-all').click()

  // The visitor lands on the site: the bubble shows, closed.
  const v = await visitor('localhost', 'visitor')
  pages.push(v)
  const bubble = v.getByTestId('widget-bubble')
  await bubble.waitFor()
  await shot(v, '01-closed')

  // Opening it shows the welcome texts, online, and the pre-chat form.
  await bubble.click()
  const w = v.frameLocator('[data-testid="widget-frame"]')
  await w.getByTestId('widget-header').getByText('Hi there 👋').waitFor()
  await w.getByTestId('status-online').waitFor()
  await shot(v, '02-open')
  const start = w.getByTestId('start-conversation')
  if (await start.isVisible().catch(() => false)) await start.click()
  await w.getByTestId('prechat-form').waitFor()
  await w.getByTestId('prechat-submit').click() // required fields empty: refused, nothing sent
  await w.getByTestId('prechat-form').getByText('Please fill this in').first().waitFor()
  await w.getByTestId('prechat-field-fullName').fill('Vera Visitor')
  await w.getByTestId('prechat-field-emailAddress').fill('vera@example.org')
  await w.getByTestId('prechat-field-message').fill('Hello! Can I still order a birthday cake for Saturday?')
  await shot(v, '03-prechat')

  // Sending the form starts the conversation with the visitor's message; it arrives live in the
  // agent's list, from Vera.
  await w.getByTestId('prechat-submit').click()
  await w.getByTestId('message-list').locator('[data-from="visitor"]').filter({ hasText: 'birthday cake' }).waitFor()
  const row = agent.getByTestId('conv-list').locator('[data-testid^="conv-row-"]').filter({ hasText: 'birthday cake' })
  await row.waitFor()
  await row.getByText('Vera Visitor').waitFor()
  const contacts = await call(owner, 'GET', `${acc}/contacts`)
  const vera = contacts.payload.find((c) => c.email === 'vera@example.org')
  assert.equal(vera?.name, 'Vera Visitor', 'the pre-chat form did not reach the contact')

  // The agent replies; the visitor sees it without reloading.
  await row.click()
  await agent.getByTestId('composer-input').fill('Hi Vera! Yes — Saturday works. Which flavour would you like?')
  await agent.getByTestId('composer-send').click()
  await w.getByTestId('message-list').locator('[data-from="agent"]').filter({ hasText: 'Saturday works' }).waitFor()
  await shot(v, '04-reply-live')
  await shot(agent, '04-agent-thread')

  // A reload keeps the history (the visitor is remembered on this site).
  await v.reload()
  await v.getByTestId('widget-bubble').click()
  const w2 = v.frameLocator('[data-testid="widget-frame"]')
  await w2.getByTestId('message-list').getByText('birthday cake').waitFor()
  await w2.getByTestId('message-list').getByText('Saturday works').waitFor()

  // Resolving asks for a rating inside the widget; the rating is recorded.
  await agent.getByTestId('status-resolve').click()
  await w2.getByTestId('csat').waitFor()
  await w2.getByTestId('csat-rate-5').click()
  await until('the rating to be recorded', async () => {
    const r = await call(owner, 'GET', `${acc}/csat_survey_responses`)
    return (r.payload ?? r).some?.((x) => x.rating === 5)
  })
  await shot(v, '05-csat')

  // A page on an origin outside the allow-list gets no widget.
  const other = await visitor('127.0.0.1', 'other-origin', { refused: true })
  pages.push(other)
  const refusal = other.waitForEvent('console', (m) => m.type() === 'warning' && m.text().includes('Parley chat is not shown'))
  await other.reload()
  await refusal
  await other.waitForLoadState('networkidle')
  assert.equal(await other.getByTestId('widget-bubble').count(), 0, 'a site outside the allow-list shows the widget')

  // Outside business hours the widget shows the offline message.
  const closed = Array.from({ length: 7 }, (_, d) => ({ day_of_week: d, closed_all_day: true }))
  await call(owner, 'PATCH', `${acc}/inboxes/${inbox.id}`, { working_hours_enabled: true, working_hours: closed })
  const late = await visitor('localhost', 'late-visitor')
  pages.push(late)
  await late.getByTestId('widget-bubble').click()
  const w3 = late.frameLocator('[data-testid="widget-frame"]')
  await w3.getByTestId('status-offline').waitFor()
  await w3.getByTestId('offline-banner').getByText('We are closed right now').waitFor()
  await shot(late, '06-offline')

  assert.deepEqual(problems, [], 'the pages logged errors')
}
