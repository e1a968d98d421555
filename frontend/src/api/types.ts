// The API's types, generated from the server's OpenAPI document (src/api/schema.d.ts, made by
// `make api-types` from src/api/openapi.json). Only names and a few narrowings live here: where
// Go says `string` for a closed set (roles, levels), the union is spelled out once below.
import type { components } from './schema'

// The server accepts unknown fields (integrations written for Chatwoot send extra ones), so every
// schema carries `additionalProperties: true` and the generator adds `[key: string]: unknown`.
// Known keeps only the declared properties; without it Omit<> would erase them all.
export type Known<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] }
/** Every generated schema with only its declared properties; areas derive their API types from it. */
export type Schemas = { [K in keyof components['schemas']]: Known<components['schemas'][K]> }

export type Role = 'administrator' | 'agent'
export type PermissionLevel = 'none' | 'view' | 'manage'
export type Theme = 'system' | 'light' | 'dark'
export type SendKey = 'enter' | 'mod_enter'
export type Language = 'en' | 'pt-BR'

export type AccountRef = Omit<Schemas['AccountRef'], 'role' | 'permissions'> & {
  role: Role
  /** Effective levels per enabled module; a missing module means "none". */
  permissions: Record<string, PermissionLevel>
}
export type NotificationType = Schemas['NotifyType']
export type NotificationPref = Schemas['NotifyChannels']
export type Profile = Omit<Schemas['Profile'], 'accounts'> & { accounts: AccountRef[] }
export type SetupStatus = Schemas['SetupStatusBody']
export type SetupRequest = Schemas['SetupInputBody']
export type SetupResponse = Schemas['SetupResult']
export type LoginRequest = Schemas['LoginInputBody']
export type LoginResponse = Omit<Schemas['SessionOutputBody'], 'user' | 'accounts'> & { user: Profile; accounts: AccountRef[] }
export type ProfilePatch = Schemas['ProfileUpdateBody']
export type AccessToken = Omit<Schemas['PersonalToken'], 'token'>
export type CreatedAccessToken = Schemas['PersonalToken'] & { token: string }
export type TotpEnrollment = Schemas['Enrollment']
export type ModuleInfo = Schemas['Module']
export type Account = Schemas['Account']
/** An account as the platform (operator) list shows it. */
export type PlatformAccount = Schemas['PlatformAccount']
export type AccountPatch = Schemas['AccountSettings']
export type Agent = Omit<Schemas['Agent'], 'role'> & { role: Role }
export type CreatedAgent = Agent
export type AgentCreate = Omit<Schemas['NewAgent'], 'role'> & { role: Role }
export type Team = Schemas['TeamView']
export type TeamInput = Schemas['TeamInput']
export type CustomRole = Omit<Schemas['CustomRole'], 'permissions'> & { permissions: Record<string, PermissionLevel> }
export type AuditEntry = Schemas['AuditEntry']
export type Notification = Schemas['NotifyNotification']
export type NotificationPage = Schemas['NotifyListResult']
export type PlatformAccountCreate = Schemas['NewPlatformAccount']
export type PlatformAccountPatch = Schemas['PlatformUpdate']

/** One page of a cursor-paged list. */
export interface Page<T> {
  items: T[]
  next?: string | null
}

/** One message pushed by the server over SSE or the desktop event bridge. */
export interface RealtimeMessage<T = unknown> {
  type: string
  account_id?: number | string | null
  data: T
}
