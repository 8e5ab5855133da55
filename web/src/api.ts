// The one way the UI talks to the server: JSON over /api/v1 with the bearer token, errors
// as the server's {code, message}. Nothing here ever leaves the origin.
import { ref } from 'vue'
import { lang, refusalText } from './i18n'
import type { components } from './api-schema'

/** The API's types, generated from its OpenAPI document (`web/src/api-schema.ts`). */
export type Schemas = components['schemas']

export type User = Schemas['UserView']

export class ApiError extends Error {
  status: number
  code: string
  details: unknown
  messageZh: string | null
  constructor(status: number, code: string, message: string, details: unknown, messageZh: string | null = null) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
    this.messageZh = messageZh
  }
}

/** An error as a form shows it: the field at fault first, when the server names one; in
 *  Chinese when the server wrote it in Chinese too and the UI speaks Chinese. */
export function explain(e: unknown): string {
  if (!(e instanceof ApiError)) return lang.value === 'zh' ? '网络异常，请检查网络后重试' : String(e)
  const field = (e.details as { field?: string } | null)?.field
  const message = refusalText(e.code, e.message, e.messageZh)
  // The server's Chinese sentence says what is wrong where; the general one needs the field.
  return field && !(lang.value === 'zh' && e.messageZh) ? `${field}: ${message}` : message
}

export const user = ref<User | null>(JSON.parse(localStorage.getItem('zhili.user') || 'null'))
let token: string | null = localStorage.getItem('zhili.token')

/** Authorises the map's own requests to this server (basemap tiles), and no other. */
export function authorise(url: string): { url: string; headers?: Record<string, string> } {
  const own = url.startsWith(`${location.origin}/api/`) || url.startsWith('/api/')
  return own && token ? { url, headers: { Authorization: `Bearer ${token}` } } : { url }
}

export function signedIn(): boolean {
  return token !== null && user.value !== null
}

/** One request to the API with a bearer token: a Blob goes as bytes, anything else as JSON;
 *  the answer as JSON, or the server's refusal as an ApiError (`unauthorised` told of a 401). */
export async function request<T>(url: string, bearer: string | null, method: string, body: unknown, unauthorised: () => void): Promise<T> {
  const headers: Record<string, string> = {}
  if (bearer) headers.Authorization = `Bearer ${bearer}`
  let payload: BodyInit | undefined
  if (body instanceof Blob) {
    payload = body
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  const resp = await fetch(url, { method, headers, body: payload })
  const text = await resp.text()
  const data = text ? JSON.parse(text) : null
  if (!resp.ok) {
    if (resp.status === 401) unauthorised()
    throw new ApiError(resp.status, data?.code ?? 'error', data?.message ?? resp.statusText, data?.details, data?.message_zh ?? null)
  }
  return data as T
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return request<T>(`/api/v1${path}`, token, method, body, () => path !== '/auth/login' && forget())
}

export const get = <T>(path: string) => call<T>('GET', path)

/** What an authenticated GET answers as bytes (a photo), or null when it cannot be read. */
export async function getBlob(path: string): Promise<Blob | null> {
  const resp = await fetch(`/api/v1${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
  if (resp.status === 401) forget()
  return resp.ok ? resp.blob() : null
}

/** Saves what an authenticated GET answers as a file (exports, templates). */
export async function download(path: string, name: string) {
  const resp = await fetch(`/api/v1${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
  if (!resp.ok) throw new ApiError(resp.status, 'error', resp.statusText, null)
  const url = URL.createObjectURL(await resp.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** Roles that work with the population registry; those that see key groups. */
export const peopleRoles = ['admin', 'district_commander', 'district_operator', 'town_operator', 'village_operator', 'grid_worker', 'grid_leader', 'leader']
export const keyGroupRoles = ['district_commander', 'district_operator', 'town_operator', 'village_operator', 'grid_worker', 'grid_leader']
export const revealRoles = ['district_operator', 'town_operator', 'village_operator', 'grid_worker', 'grid_leader']
export const registerRoles = ['admin', 'district_operator', 'town_operator', 'village_operator', 'grid_worker', 'grid_leader']
export const post = <T>(path: string, body?: unknown) => call<T>('POST', path, body)
export const put = <T>(path: string, body?: unknown) => call<T>('PUT', path, body)

/** A field a population type or key group needs (GET /people/vocabulary). */
export type DetailField = Schemas['DetailFieldView']
export type PeopleVocabulary = Schemas['PeopleVocabulary']
let vocabulary: Promise<PeopleVocabulary> | null = null
/** The population types and key groups with their fields, fetched once. */
export function peopleVocabulary(): Promise<PeopleVocabulary> {
  vocabulary ??= get<PeopleVocabulary>('/people/vocabulary').catch((e) => {
    vocabulary = null
    throw e
  })
  return vocabulary
}
/** The filled-in values of `fields`, for a request's `details`. */
export function filledDetails(fields: DetailField[], values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.key, values[f.key] ?? '']).filter(([, v]) => v))
}

function keep(answer: { token: string; user: User }): User {
  token = answer.token
  user.value = answer.user
  localStorage.setItem('zhili.token', answer.token)
  localStorage.setItem('zhili.user', JSON.stringify(answer.user))
  return answer.user
}

export async function login(username: string, password: string): Promise<User> {
  return keep(await post<{ token: string; user: User }>('/auth/login', { username, password }))
}

/** The owner's own new password: every session ends and this one goes on under a new token. */
export async function changePassword(current: string, next: string): Promise<User> {
  return keep(await post<{ token: string; user: User }>('/auth/password', { current_password: current, new_password: next }))
}

function forget() {
  token = null
  user.value = null
  localStorage.removeItem('zhili.token')
  localStorage.removeItem('zhili.user')
}

export async function logout() {
  try {
    await post('/auth/logout')
  } catch {
    // the session ends here either way
  }
  forget()
}

/** Where each role starts. */
export function homeOf(u: User): string {
  switch (u.role) {
    case 'grid_worker':
      return '/phone'
    case 'admin':
      return '/admin'
    case 'pilot_office':
      return '/pilot'
    case 'town_operator':
    case 'village_operator':
    case 'grid_leader':
    case 'department_handler':
    case 'district_operator':
      return '/inbox'
    default:
      return '/command'
  }
}

export interface Notice {
  id: number
  case_number: string
  action: string
  status: string
  category: string
  grid_code: string
  lon: number
  lat: number
  at: string
}

/**
 * The live stream of new and changed events (server-sent events read through fetch, which,
 * unlike EventSource, can send the bearer token). Reconnects after a drop.
 */
/** A risk alert raised in the caller's area, as the live stream tells it. */
export type AlertNotice = {
  id: number; indicator_code: string; indicator_name: string; area_level: string; area_code: string
  area_name: string; level: string; level_name: string; observed: number; expected: number; raised_on: string
}

export function follow(onNotice: (n: Notice) => void, onAlert?: (a: AlertNotice) => void): () => void {
  let stopped = false
  let controller = new AbortController()
  const run = async () => {
    while (!stopped) {
      try {
        controller = new AbortController()
        const resp = await fetch('/api/v1/events/stream', {
          headers: { Authorization: `Bearer ${token}` },
          signal: controller.signal,
        })
        if (!resp.ok || !resp.body) throw new Error(`stream ${resp.status}`)
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += value
          let end
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const lines = block.split('\n')
            const kind = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message'
            const data = lines
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trim())
              .join('\n')
            if (!data) continue
            if (kind === 'alert') onAlert?.(JSON.parse(data))
            else if (kind === 'event') onNotice(JSON.parse(data))
          }
        }
      } catch {
        // dropped or aborted: wait a moment and reconnect unless stopped
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 2000))
    }
  }
  void run()
  return () => {
    stopped = true
    controller.abort()
  }
}

/** Uploads the photos a file input picked (at most nine per step, as the server keeps), adding
 *  each new id to `ids`; a refused photo is reported through `failed` and the rest still go. */
export async function uploadPhotos(ev: Event, ids: string[], failed: (message: string) => void) {
  const input = ev.target as HTMLInputElement
  for (const file of Array.from(input.files ?? [])) {
    if (ids.length >= 9) break
    try {
      const photo = await post<{ id: string }>('/attachments', file)
      if (!ids.includes(photo.id)) ids.push(photo.id)
    } catch (err) {
      failed(explain(err))
    }
  }
  input.value = ''
}

/** A fresh key for a request that must take effect once however often it is sent (a double
 * tap, a retry after a dropped answer). Not `crypto.randomUUID`: that needs a secure origin,
 * and a district's server is often reached over plain http on its own network. */
export function onceKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
