// End-to-end test of the inbox with two agents in two browsers, against the real server binary
// and Debian's Chromium: a message ingested through the API shows up live in both lists; the
// owner assigns it to the agent, who replies and leaves a private note mentioning the owner; the
// owner is notified; resolving sends the CSAT survey, which the contact answers on its public
// page, and the rating is recorded.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { apiCaller, launchBrowser, SHOTS, startServer, until, watch } from './harness.mjs'

let srv
let browser
let base
let call
const problems = []

/** A browser window signed in as one person (the token goes where the sign-in page puts it). */
async function window(name, token) {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } })
  await context.addInitScript((t) => localStorage.setItem('parley.token', t), token)
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  watch(page, name, problems)
  return page
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `inbox-${name}.png`), animations: 'disabled' })
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

test('two agents work one conversation live, with a note, a mention and CSAT', async (t) => {
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
