// What every end-to-end test shares: the real server binary started on a free port with a fresh
// data directory, and Debian's Chromium driven through playwright-core (no browser download).
// PARLEY_BIN (default ../build/bin/parley-server) and CHROMIUM_PATH override the two paths.

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
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** SHOTS is where tests leave their screenshots. */
export const SHOTS = resolve(here, '..', 'test-results')

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

/**
 * startServer runs `parley serve` on a fresh data dir and waits until it answers /healthz.
 * It returns the base URL, the server's output so far (for failure reports) and stop().
 */
export async function startServer() {
  assert.ok(existsSync(BIN), `server binary not found at ${BIN} (set PARLEY_BIN)`)
  mkdirSync(SHOTS, { recursive: true })
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  let log = ''
  const server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  server.stdout.on('data', (d) => (log += d))
  server.stderr.on('data', (d) => (log += d))
  const stop = async () => {
    if (server.exitCode === null) {
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
    rmSync(dataDir, { recursive: true, force: true })
  }
  for (let i = 0; ; i++) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}:\n${log}`)
    try {
      if ((await fetch(base + '/healthz')).ok) break
    } catch {
      /* not listening yet */
    }
    if (i === 300) {
      await stop()
      throw new Error(`server did not become healthy:\n${log}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { base, log: () => log, stop }
}

/** launchBrowser starts headless Chromium with the flags that keep it quiet and offline. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=en-US'],
  })
}

/**
 * watch records a page's own errors into problems. The browser also logs every non-2xx
 * response; those are expected answers in some tests (401 before a two-factor code), so only
 * the page's errors count.
 */
export function watch(page, name, problems) {
  page.on('pageerror', (e) => problems.push(`${name} pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`${name} console: ${m.text()}`)
  })
}

/**
 * apiCaller is the API as an integration uses it, against base: JSON in and out, a bearer token
 * (null for none), and any non-2xx answer thrown with its body.
 */
export function apiCaller(base) {
  return async function call(token, method, path, body) {
    const r = await fetch(base + path, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await r.text()
    if (!r.ok) throw new Error(`${method} ${path} → ${r.status}: ${text}`)
    return text ? JSON.parse(text) : null
  }
}

/** until polls fn (every 150 ms, for about 15 s) until it returns something truthy, and returns it. */
export async function until(what, fn) {
  for (let i = 0; i < 100; i++) {
    const v = await fn()
    if (v) return v
    await new Promise((r) => setTimeout(r, 150))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/**
 * focused waits until the element with that data-testid has the focus and no dialog is still
 * opening. A PrimeVue dialog focuses its autofocus field when its opening animation ends; the
 * browser's own autofocus may have focused it before, so typing into another field before the
 * animation ends lands in the autofocus one (a CI run filled a template's checklist into its
 * name). A test opens a dialog, then waits for it to settle here.
 */
export async function focused(page, testid) {
  await until(`${testid} to have the focus`, () =>
    page.evaluate((id) => {
      const el = document.activeElement
      const has = el?.closest(`[data-testid="${id}"]`) != null || el?.dataset?.testid === id
      // Vue drops the enter classes and then runs the dialog's after-enter focus, in one task.
      return has && document.querySelector('.p-dialog-enter-active') == null
    }, testid),
  )
}
