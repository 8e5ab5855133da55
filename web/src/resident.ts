// The resident's side of the app: their own token (zr_…, from a code sent to their phone),
// kept apart from a staff sign-in on the same browser, and the calls to their own doors
// (/api/v1/resident/…). Errors are the server's {code, message} as everywhere.
import { ref } from 'vue'
import { request, type Schemas } from './api'

export type Resident = Schemas['ResidentView']
export type ResidentEvent = Schemas['ResidentEventView']
export type ResidentEventDetail = Schemas['ResidentEventDetail']
export type ResidentNotices = Schemas['ResidentNotices']
export type ResidentCategory = Schemas['ResidentCategoryView']

export const resident = ref<Resident | null>(JSON.parse(localStorage.getItem('zhili.resident') || 'null'))
let token: string | null = localStorage.getItem('zhili.resident.token')

export function residentSignedIn(): boolean {
  return token !== null && resident.value !== null
}

function forget() {
  token = null
  resident.value = null
  localStorage.removeItem('zhili.resident.token')
  localStorage.removeItem('zhili.resident')
}

export function remember(r: Resident) {
  resident.value = r
  localStorage.setItem('zhili.resident', JSON.stringify(r))
}

export async function rcall<T>(method: string, path: string, body?: unknown): Promise<T> {
  return request<T>(`/api/v1/resident${path}`, token, method, body, () => path !== '/session' && path !== '/code' && forget())
}

export const rget = <T>(path: string) => rcall<T>('GET', path)
export const rpost = <T>(path: string, body?: unknown) => rcall<T>('POST', path, body)

/** A photo of the resident's own, as an object URL (revoked by the caller), or null. */
export async function photoUrl(id: string): Promise<string | null> {
  const resp = await fetch(`/api/v1/resident/photos/${id}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
  return resp.ok ? URL.createObjectURL(await resp.blob()) : null
}

export async function requestCode(phone: string): Promise<Schemas['CodeSentView']> {
  return rpost('/code', { phone })
}

export async function signIn(phone: string, code: string): Promise<Resident> {
  const s = await rpost<Schemas['ResidentSession']>('/session', { phone, code })
  token = s.token
  localStorage.setItem('zhili.resident.token', s.token)
  remember(s.resident)
  return s.resident
}

export async function signOut() {
  try {
    await rcall('DELETE', '/session')
  } catch {
    // the session ends here either way
  }
  forget()
}
