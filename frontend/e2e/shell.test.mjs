// End-to-end test of the app shell against the real server binary and a real Chromium.
// PARLEY_BIN (default ../build/bin/parley-server) is started on a free port with a fresh data
// directory; Debian's /usr/bin/chromium is driven through playwright-core (no browser download).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { freshTotp } from './totp.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const BIN = resolve(here, '..', process.env.PARLEY_BIN ?? '../build/bin/parley-server')
const SHOTS = resolve(here, '..', 'test-results')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let server
let serverLog = ''
let dataDir
let browser
let page
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
      const r = await fetch(url + '/healthz')
      if (r.ok) return
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`server did not become healthy:\n${serverLog}`)
}

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
  assert.ok(existsSync(BIN), `server binary not found at ${BIN} (set PARLEY_BIN)`)
  mkdirSync(SHOTS, { recursive: true })
  dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'))
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  server.stdout.on('data', (d) => (serverLog += d))
  server.stderr.on('data', (d) => (serverLog += d))
  await waitHealthy(base)
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--lang=en-US',
    ],
  })
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } })
  page = await context.newPage()
  page.setDefaultTimeout(15000)
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    // The browser itself logs every non-2xx response; those are expected answers here (401 before
    // the two-factor code), so only the page's own errors count.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`)
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

const owner = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct-horse-1' }
const agent = { name: 'Arthur Agent', email: 'agent@example.com', password: '' }

test('setup, agents, access control and two-factor sign-in', async (t) => {
  try {
    await scenario()
  } catch (e) {
    await shot('failure').catch(() => undefined)
    t.diagnostic(`url: ${page.url()}`)
    t.diagnostic(`page problems: ${problems.join(' | ')}`)
    t.diagnostic(`server log tail:\n${serverLog.slice(-3000)}`)
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
