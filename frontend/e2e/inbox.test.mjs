// End-to-end test of the inbox with two agents in two browsers, against the real server binary
// and Debian's Chromium: a message ingested through the API shows up live in both lists; the
// owner assigns it to the agent, who replies and leaves a private note mentioning the owner; the
// owner is notified; resolving sends the CSAT survey, which the contact answers on its public
// page, and the rating is recorded.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
const BIN = resolve(here, '..', process.env.PARLEY_BIN ?? '../build/bin/parley-server')
const SHOTS = resolve(here, '..', 'test-results')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let server
let serverLog = ''
let dataDir
let browser
let base
const problems = []

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer()
    s.unref()
    s.on('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
  })
}

async function waitHealthy(url) {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}:\n${serverLog}`)
    try {
      if ((await fetch(url + '/healthz')).ok) return
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`server did not become healthy:\n${serverLog}`)
}

/** call is the API as an integration uses it: JSON in and out, a bearer token, errors thrown. */
async function call(token, method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await r.text()
  if (!r.ok) throw new Error(`${method} ${path} → ${r.status}: ${text}`)
  return text ? JSON.parse(text) : null
}

async function until(what, fn) {
  for (let i = 0; i < 100; i++) {
    const v = await fn()
    if (v) return v
    await new Promise((r) => setTimeout(r, 150))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** A browser window signed in as one person (the token goes where the sign-in page puts it). */
async function window(name, token) {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } })
  await context.addInitScript((t) => localStorage.setItem('parley.token', t), token)
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  page.on('pageerror', (e) => problems.push(`${name} pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`${name} console: ${m.text()}`)
  })
  return page
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `inbox-${name}.png`), animations: 'disabled' })
}

before(async () => {
  assert.ok(existsSync(BIN), `server binary not found at ${BIN} (set PARLEY_BIN)`)
  mkdirSync(SHOTS, { recursive: true })
  dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-inbox-'))
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  server.stdout.on('data', (d) => (serverLog += d))
  server.stderr.on('data', (d) => (serverLog += d))
  await waitHealthy(base)
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=en-US'],
  })
})

after(async () => {
  await browser?.close()
  if (server && server.exitCode === null) {
    server.kill('SIGTERM')
    await new Promise((r) => {
      const t = setTimeout(() => {
        server.kill('SIGKILL')
        r()
      }, 5000)
      server.on('exit', () => {
        clearTimeout(t)
        r()
      })
    })
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

test('two agents work one conversation live, with a note, a mention and CSAT', async (t) => {
  const pages = []
  try {
    await scenario(pages)
  } catch (e) {
    for (const [i, p] of pages.entries()) await shot(p, `failure-${i}`).catch(() => undefined)
    t.diagnostic(`page problems: ${problems.join(' | ')}`)
    t.diagnostic(`server log tail:\n${serverLog.slice(-3000)}`)
    throw e
  }
})

async function scenario(pages) {
  // The owner sets the installation up; an agent joins; an API inbox with CSAT takes both.
  const setup = await call(null, 'POST', '/api/v1/setup', {
    account_name: 'Acme Store', name: 'Olivia Owner', email: 'owner@example.com', password: 'correct-horse-1', time_zone: 'America/Sao_Paulo', language: 'en',
  })
  const owner = setup.token
  const acc = `/api/v1/accounts/${setup.account_id}`
  const bruno = await call(owner, 'POST', `${acc}/agents`, { name: 'Bruno Agent', email: 'bruno@example.com', role: 'agent', password: 'bruno-secret-1' })
  const brunoToken = (await call(null, 'POST', '/api/v1/auth/login', { email: 'bruno@example.com', password: 'bruno-secret-1' })).token
  const me = await call(owner, 'GET', '/api/v1/profile')
  const inbox = await call(owner, 'POST', `${acc}/inboxes`, { name: 'Website orders', channel_type: 'Channel::Api', csat_survey_enabled: true })
  await call(owner, 'POST', `${acc}/inbox_members`, { inbox_id: inbox.id, user_ids: [me.id, bruno.id] })

  // Both open the inbox on the All tab, before anything arrives.
  const a = await window('owner', owner)
  const b = await window('bruno', brunoToken)
  pages.push(a, b)
  for (const p of [a, b]) {
    await p.goto(base + '/conversations')
    await p.getByTestId('conv-list').waitFor()
    await p.getByTestId('tab-all').click()
  }

  // A customer writes through the API channel: the conversation appears live in both lists.
  const contact = await call(owner, 'POST', `${acc}/contacts`, { name: 'Carla Customer', email: 'carla@example.net', inbox_id: inbox.id, source_id: 'carla-1' })
  const conv = await call(owner, 'POST', `${acc}/conversations`, { inbox_id: inbox.id, contact_id: contact.payload.contact.id, source_id: 'carla-1' })
  await call(owner, 'POST', `${acc}/conversations/${conv.id}/messages`, { content: 'Hello, where is my order #4821?', message_type: 'incoming' })
  for (const p of [a, b]) await p.getByTestId(`conv-row-${conv.id}`).getByText('where is my order').waitFor()
  await shot(a, '01-arrived-live')

  // The owner opens it and assigns it to Bruno; it moves into Bruno's Mine tab, live.
  await a.getByTestId(`conv-row-${conv.id}`).click()
  await a.getByTestId('thread').getByText('Hello, where is my order #4821?').waitFor()
  await a.getByTestId('assign-agent').click()
  await a.getByRole('option', { name: 'Bruno Agent' }).click()
  await a.getByTestId('thread').getByText(/Assigned to Bruno Agent/).waitFor()
  await b.getByTestId('tab-mine').click()
  await b.getByTestId(`conv-row-${conv.id}`).waitFor()

  // Bruno replies, then leaves a private note that mentions the owner.
  await b.getByTestId(`conv-row-${conv.id}`).click()
  await b.getByTestId('composer-input').fill('Hi Carla! It left our kitchen 10 minutes ago.')
  await b.getByTestId('composer-send').click()
  const reply = b.getByTestId('thread').locator('[data-kind="out"]').filter({ hasText: 'It left our kitchen' })
  await reply.waitFor()
  await b.getByTestId('composer-note-toggle').click()
  await b.getByTestId('composer-input').pressSequentially('Please call the courier @Oli')
  await b.getByTestId(`mention-option-${me.id}`).click()
  await b.getByTestId('composer-input').pressSequentially(' thanks')
  await b.getByTestId('composer-send').click()
  const note = b.getByTestId('thread').locator('[data-kind="note"]').filter({ hasText: 'Please call the courier' })
  await note.waitFor()
  await note.getByTestId(`mention-${me.id}`).waitFor()
  await shot(b, '02-reply-and-note')

  // The owner sees both live in the open thread, and the mention in the bell.
  await a.getByTestId('thread').getByText('It left our kitchen').waitFor()
  await a.getByTestId('thread').locator('[data-kind="note"]').filter({ hasText: 'Please call the courier' }).waitFor()
  await a.getByTestId('bell').click()
  await a.getByText('Bruno Agent mentioned you in conversation #' + conv.id).waitFor()
  await shot(a, '03-mention-notified')
  await a.keyboard.press('Escape')

  // The reply went out through the API channel: its tick says sent.
  await until('the reply to be sent', async () => {
    const msgs = await call(owner, 'GET', `${acc}/conversations/${conv.id}/messages`)
    return msgs.payload.find((m) => m.content.includes('It left our kitchen') && m.status === 'sent')
  })

  // Bruno resolves; the survey goes to the contact, who rates it on the public page.
  await b.getByTestId('status-resolve').click()
  await b.getByTestId('thread-status').getByText(/Resolved/).waitFor()
  const survey = await until('the CSAT survey message', async () => {
    const msgs = await call(owner, 'GET', `${acc}/conversations/${conv.id}/messages`)
    return msgs.payload.find((m) => m.content_type === 'input_csat')
  })
  const customer = await window('customer', '')
  pages.push(customer)
  await customer.goto(base + survey.content_attributes.survey_url)
  await customer.locator('button[data-rating]').last().click()
  await customer.locator('#comment').fill('Fast and friendly!')
  await customer.locator('#send').click()
  await customer.locator('#done').waitFor()
  await shot(customer, '04-survey-answered')
  const responses = await until('the CSAT response', async () => {
    const r = await call(owner, 'GET', `${acc}/csat_survey_responses`)
    const list = r.payload ?? r
    return list.length ? list : null
  })
  assert.equal(responses[0].rating, 5)
  assert.equal(responses[0].feedback_message, 'Fast and friendly!')
  assert.equal(responses[0].assigned_agent_id, bruno.id)

  assert.deepEqual(problems, [], 'the pages logged errors')
}
