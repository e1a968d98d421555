// The one way the UI talks to the API: bearer token from localStorage, JSON in and out, and
// RFC 9457 problem+json turned into an ApiError whose per-field messages forms can show.

const TOKEN_KEY = 'parley.token'

/** One entry of a problem's "errors" list, as the server sends it. */
export interface ProblemDetail {
  location?: string
  message?: string
  value?: unknown
}

/** An API failure. fields maps a form field ("email", "plan.max_agents") to its message. */
export class ApiError extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly errors: ProblemDetail[]
  readonly fields: Record<string, string>
  /** Seconds to wait before retrying, from Retry-After (429). */
  readonly retryAfter?: number

  constructor(status: number, title: string, detail: string, errors: ProblemDetail[] = [], retryAfter?: number) {
    super(detail || title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.title = title
    this.detail = detail
    this.errors = errors
    this.retryAfter = retryAfter
    this.fields = {}
    for (const e of errors) {
      const field = fieldOf(e.location)
      if (field && e.message && !(field in this.fields)) this.fields[field] = e.message
    }
  }

  /** True when the server blamed the given field (after the "body." prefix is removed). */
  has(field: string): boolean {
    return field in this.fields
  }
}

/** fieldOf maps a problem location ("body.email", "query.cursor") to a form field name. */
export function fieldOf(location: string | undefined): string {
  if (!location) return ''
  const m = /^(body|query|path|header)\.?(.*)$/.exec(location)
  return m ? m[2] : location
}

/** parseProblem builds an ApiError from a failed response; bodies that are not JSON still give one. */
export async function parseProblem(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {}
  const text = await res.text().catch(() => '')
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text)
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>
    } catch {
      body = { detail: text.slice(0, 300) }
    }
  }
  const retryHeader = res.headers.get('Retry-After')
  let retryAfter: number | undefined
  if (retryHeader) {
    const n = Number(retryHeader)
    if (Number.isFinite(n)) retryAfter = n
    else {
      const at = Date.parse(retryHeader)
      if (!Number.isNaN(at)) retryAfter = Math.max(0, Math.ceil((at - Date.now()) / 1000))
    }
  }
  const errors = Array.isArray(body.errors) ? (body.errors as ProblemDetail[]) : []
  return new ApiError(
    typeof body.status === 'number' ? body.status : res.status,
    typeof body.title === 'string' ? body.title : res.statusText,
    typeof body.detail === 'string' ? body.detail : '',
    errors,
    retryAfter,
  )
}

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token)
  else localStorage.removeItem(TOKEN_KEY)
}

let onUnauthorized: (() => void) | null = null

/** The router registers what a 401 on an authenticated call does (go to the sign-in page). */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn
}

export interface RequestOptions {
  /** Query parameters; undefined and empty values are left out. */
  query?: Record<string, string | number | boolean | undefined | null>
  /** A 401 here is an answer for the caller (the sign-in form), not an expired session. */
  noAuthRedirect?: boolean
  signal?: AbortSignal
}

/** request sends one call. A JSON body is encoded; FormData goes as multipart. */
export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  let url = path
  if (opts.query) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(opts.query)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
    }
    const s = q.toString()
    if (s) url += (url.includes('?') ? '&' : '?') + s
  }
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
  const token = getToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let payload: BodyInit | undefined
  if (body instanceof FormData) payload = body
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  let res: Response
  try {
    res = await fetch(url, { method, headers, body: payload, signal: opts.signal })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new ApiError(0, 'Network error', 'network')
  }
  if (!res.ok) {
    const err = await parseProblem(res)
    if (res.status === 401 && token && !opts.noAuthRedirect) {
      setToken(null)
      onUnauthorized?.()
    }
    throw err
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts),
  /** list GETs an array; an empty list may arrive as null from the server. */
  list: async <T>(path: string, opts?: RequestOptions): Promise<T[]> => (await request<T[] | null>('GET', path, undefined, opts)) ?? [],
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, body ?? {}, opts),
  patch: <T>(path: string, body: unknown, opts?: RequestOptions) => request<T>('PATCH', path, body, opts),
  put: <T>(path: string, body: unknown, opts?: RequestOptions) => request<T>('PUT', path, body, opts),
  del: <T = void>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('DELETE', path, body, opts),
}

/** accountPath prefixes a path with the account scope: accountPath(3, 'agents') -> /api/v1/accounts/3/agents. */
export function accountPath(accountId: number | string, rest: string): string {
  return `/api/v1/accounts/${encodeURIComponent(String(accountId))}/${rest.replace(/^\//, '')}`
}
