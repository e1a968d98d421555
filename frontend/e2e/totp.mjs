// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) so the e2e test can answer two-factor prompts.
import { createHmac } from 'node:crypto'

export function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  const out = []
  for (const c of s.replace(/[\s=-]/g, '').toUpperCase()) {
    const i = alphabet.indexOf(c)
    if (i < 0) throw new Error(`invalid base32 character ${c}`)
    value = (value << 5) | i
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

export function totp(secret, now = Date.now(), step = 30) {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 1000 / step)))
  const h = createHmac('sha1', base32Decode(secret)).update(counter).digest()
  const o = h[h.length - 1] & 0xf
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * freshTotp returns a code (and its 30-second step) that is still valid when it reaches the
 * server. A server accepts each step once (replay protection), so pass the step of the last
 * accepted code as after: this waits for a later step.
 */
export async function freshTotp(secret, after = -1) {
  for (;;) {
    const now = Date.now()
    const step = Math.floor(now / 30000)
    const left = 30000 - (now % 30000)
    if (step > after && left > 3000) return { code: totp(secret, now), step }
    await sleep(left + 200)
  }
}
