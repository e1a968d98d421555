// End-to-end test of the app shell against the real server binary and a real Chromium (see
// harness.mjs).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { freshTotp } from './totp.mjs'
import { SHOTS, launchBrowser, startServer, watch } from './harness.mjs'

let srv
let browser
let page
let base
const problems = []

async function shot(name, scrollTo) {
  if (scrollTo) await page.getByTestId(scrollTo).scrollIntoViewIfNeeded()
  // Dialogs fade in and out; a settled page makes a screenshot worth looking at.
  await page.waitForFunction(() => !document.querySelector('.p-dialog-enter-active, .p-dialog-leave-active, .p-overlay-mask-leave-active'))
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false, animations: 'disabled' })
}

async function signIn(email, password) {
  await page.waitForURL('**/sign-in**')
  await page.locator('#email').fill(email)
  await page.locator('#password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

async function signOut() {
  await page.getByTestId('user-menu').click()
  await page.getByRole('menuitem', { name: 'Sign out' }).click()
  await page.waitForURL('**/sign-in**')
}

async function expectSignedIn() {
  await page.getByTestId('sidebar').waitFor()
  assert.ok(!page.url().includes('/sign-in'), `still on ${page.url()}`)
}

before(async () => {
  srv = await startServer()
  base = srv.base
  browser = await launchBrowser()
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } })
  page = await context.newPage()
  page.setDefaultTimeout(15000)
  watch(page, 'page', problems)
})

after(async () => {
  await browser?.close()
  await srv?.stop()
})

const owner = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct-horse-1' }
const agent = { name: 'Arthur Agent', email: 'agent@example.com', password: '' }

test('setup, agents, access control and two-factor sign-in', async (t) => {
  try {
    await scenario()
  } catch (e) {
    await shot('failure').catch(() => undefined)
    t.diagnostic(`url: ${page.url()}`)
    t.diagnostic(`page problems: ${problems.join(' | ')}`)
    t.diagnostic(`server log tail:\n${srv.log().slice(-3000)}`)
    throw e
  }
})

async function scenario() {
  // 1. A new installation opens the setup wizard.
  await page.goto(base + '/')
  await page.waitForURL('**/setup')
  await page.locator('#account_name').fill('Acme Store')
  await shot('01-setup-business')
  await page.getByRole('button', { name: 'Next' }).click()
  await page.locator('#name').fill(owner.name)
  await page.locator('#email').fill(owner.email)
  await page.locator('#password').fill(owner.password)
  await shot('02-setup-user')
  await page.getByRole('button', { name: 'Create my account' }).click()
  await expectSignedIn()
  // The first module is the inbox: a new account has no conversations yet.
  await page.getByTestId('inbox').waitFor()
  await shot('03-signed-in')

  // 2. The owner adds an agent and reads the temporary password from the dialog.
  await page.getByTestId('nav-settings').click()
  await page.waitForURL('**/settings/account')
  await page.getByRole('link', { name: 'Agents' }).click()
  await page.getByTestId('add-agent').click()
  await page.locator('#agent-name').fill(agent.name)
  await page.locator('#agent-email').fill(agent.email)
  await page.getByTestId('agent-submit').click()
  const temp = page.getByTestId('temp-password')
  await temp.waitFor()
  agent.password = (await temp.textContent()).trim()
  assert.ok(agent.password.length >= 8, `temporary password too short: ${agent.password}`)
  await shot('04-agent-temp-password')
  await page.getByTestId('temp-password-close').click()
  await page.getByTestId('agents-table').getByText(agent.email).waitFor()
  await signOut()

  // 3. The agent signs in, has no Settings in the sidebar and is refused at /settings.
  await signIn(agent.email, agent.password)
  await expectSignedIn()
  assert.equal(await page.getByTestId('nav-settings').count(), 0, 'agent sees Settings in the sidebar')
  // Signed in with the temporary password, the agent is asked to choose their own.
  await page.getByTestId('temporary-password').waitFor()
  await page.goto(base + '/settings')
  await page.getByTestId('no-access').waitFor()
  assert.match(await page.getByTestId('no-access').innerText(), /You don.t have access/)
  await shot('05-agent-no-access')
  await signOut()

  // 4. The owner turns on two-factor authentication from the profile.
  await signIn(owner.email, owner.password)
  await expectSignedIn()
  await page.getByTestId('user-menu').click()
  await page.getByRole('menuitem', { name: 'Profile' }).click()
  await page.waitForURL('**/profile')
  await page.getByTestId('totp-start').click()
  const secret = (await page.getByTestId('totp-secret').textContent()).trim()
  assert.match(secret, /^[A-Z2-7]+=*$/, `unexpected secret ${secret}`)
  await shot('06-2fa-enrol', 'two-factor')
  const enrolled = await freshTotp(secret)
  await page.locator('#totp-code').fill(enrolled.code)
  await page.getByTestId('totp-verify').click()
  await page.getByTestId('recovery-codes').waitFor()
  assert.equal(await page.getByTestId('recovery-codes').locator('li').count(), 10)
  await shot('07-2fa-recovery-codes', 'two-factor')
  await page.getByTestId('recovery-done').click()
  assert.match(await page.getByTestId('two-factor-status').innerText(), /Enabled/)
  await signOut()

  // 5. Signing in now asks for the code.
  await signIn(owner.email, owner.password)
  await page.locator('#otp').waitFor()
  await shot('08-sign-in-otp')
  // The enrolment code's step is spent; the sign-in needs a code from a later step.
  await page.locator('#otp').fill((await freshTotp(secret, enrolled.step)).code)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expectSignedIn()
  await shot('09-signed-in-with-2fa')

  assert.deepEqual(problems, [], 'the page logged errors')
}
