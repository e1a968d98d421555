import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, api, fieldOf, parseProblem, setToken, setUnauthorizedHandler } from '@/api/client'

// A minimal localStorage so the client's token handling runs in node.
class MemoryStorage {
  private m = new Map<string, string>()
  getItem(k: string) {
    return this.m.has(k) ? this.m.get(k)! : null
  }
  setItem(k: string, v: string) {
    this.m.set(k, String(v))
  }
  removeItem(k: string) {
    this.m.delete(k)
  }
}

function problem(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  })
}

describe('fieldOf', () => {
  it('strips the location prefix', () => {
    expect(fieldOf('body.email')).toBe('email')
    expect(fieldOf('body.plan.max_agents')).toBe('plan.max_agents')
    expect(fieldOf('query.cursor')).toBe('cursor')
    expect(fieldOf('name')).toBe('name')
    expect(fieldOf(undefined)).toBe('')
  })
})

describe('parseProblem', () => {
  it('maps per-field errors and keeps the first message of a field', async () => {
    const e = await parseProblem(
      problem(422, {
        status: 422,
        title: 'Unprocessable Entity',
        detail: 'validation failed',
        errors: [
          { location: 'body.email', message: 'is already taken', value: 'a@b.c' },
          { location: 'body.email', message: 'second message' },
          { location: 'body.password', message: 'must be at least 8 characters' },
        ],
      }),
    )
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(422)
    expect(e.detail).toBe('validation failed')
    expect(e.fields).toEqual({ email: 'is already taken', password: 'must be at least 8 characters' })
    expect(e.has('email')).toBe(true)
    expect(e.has('name')).toBe(false)
  })

  it('reads Retry-After in seconds and as a date', async () => {
    expect((await parseProblem(problem(429, { status: 429, title: 'Too Many Requests' }, { 'Retry-After': '42' }))).retryAfter).toBe(42)
    const at = new Date(Date.now() + 120_000).toUTCString()
    const e = await parseProblem(problem(429, { status: 429 }, { 'Retry-After': at }))
    expect(e.retryAfter).toBeGreaterThan(100)
    expect(e.retryAfter).toBeLessThanOrEqual(121)
  })

  it('survives a body that is not JSON', async () => {
    const e = await parseProblem(new Response('upstream exploded', { status: 502, statusText: 'Bad Gateway' }))
    expect(e.status).toBe(502)
    expect(e.title).toBe('Bad Gateway')
    expect(e.detail).toBe('upstream exploded')
    expect(e.fields).toEqual({})
  })
})

describe('request', () => {
  const fetchMock = vi.fn()
  beforeEach(() => {
    vi.stubGlobal('localStorage', new MemoryStorage())
    vi.stubGlobal('fetch', fetchMock)
    fetchMock.mockReset()
  })
  afterEach(() => vi.unstubAllGlobals())

  it('sends the bearer token and JSON, and decodes the answer', async () => {
    setToken('tok123')
    fetchMock.mockResolvedValue(new Response(JSON.stringify({ id: 1 }), { status: 201 }))
    const r = await api.post<{ id: number }>('/api/v1/x', { a: 1 }, { query: { q: 'z', empty: '', none: undefined } })
    expect(r).toEqual({ id: 1 })
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/v1/x?q=z')
    expect(init.headers.Authorization).toBe('Bearer tok123')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(init.body).toBe('{"a":1}')
  })

  it('returns undefined for 204', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }))
    expect(await api.del('/api/v1/x/1')).toBeUndefined()
  })

  it('on 401 forgets the token and calls the sign-in handler', async () => {
    setToken('expired')
    const onAuth = vi.fn()
    setUnauthorizedHandler(onAuth)
    fetchMock.mockResolvedValue(problem(401, { status: 401, title: 'Unauthorized', detail: 'token expired' }))
    await expect(api.get('/api/v1/profile')).rejects.toMatchObject({ status: 401, detail: 'token expired' })
    expect(onAuth).toHaveBeenCalledOnce()
    expect(localStorage.getItem('parley.token')).toBeNull()
  })

  it('leaves a 401 to the caller when asked (sign-in form with a two-factor prompt)', async () => {
    setToken('still-here')
    const onAuth = vi.fn()
    setUnauthorizedHandler(onAuth)
    fetchMock.mockResolvedValue(problem(401, { status: 401, errors: [{ location: 'body.otp', message: 'is required' }] }))
    const err = (await api.post('/api/v1/auth/login', {}, { noAuthRedirect: true }).catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.has('otp')).toBe(true)
    expect(onAuth).not.toHaveBeenCalled()
    expect(localStorage.getItem('parley.token')).toBe('still-here')
  })

  it('turns a network failure into status 0', async () => {
    fetchMock.mockRejectedValue(new TypeError('fetch failed'))
    await expect(api.get('/api/v1/setup')).rejects.toMatchObject({ status: 0 })
  })
})
