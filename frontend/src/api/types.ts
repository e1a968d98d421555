// Hand-written types of the shell API contract (v1). They will be generated from the server's
// OpenAPI document once it exists; until then they mirror /api/v1 by hand.

export type Role = 'administrator' | 'agent'
export type PermissionLevel = 'none' | 'view' | 'manage'
export type Theme = 'system' | 'light' | 'dark'
export type SendKey = 'enter' | 'mod_enter'
export type Language = 'en' | 'pt-BR'

export interface AccountRef {
  id: number | string
  name: string
  role: Role
  custom_role_id?: number | string | null
  /** Only modules the custom role grants appear here; a missing module means "none". */
  permissions?: Record<string, 'view' | 'manage'>
  /** Keys of the modules enabled for the account. */
  modules: string[]
  require_2fa?: boolean
}

/** A kind of notification people can choose to receive, with its defaults. */
export interface NotificationType {
  key: string
  name_en: string
  name_pt: string
  default_app: boolean
  default_email: boolean
}

export interface NotificationPref {
  app: boolean
  email: boolean
}

export interface Profile {
  id: number | string
  name: string
  email: string
  avatar_url?: string | null
  language: Language | string
  send_key: SendKey
  theme: Theme
  totp_enabled: boolean
  /** Set when an administrator created the user with a temporary password. */
  must_change_password?: boolean
  is_operator: boolean
  accounts: AccountRef[]
  notification_prefs: Record<string, NotificationPref>
}

export interface SetupStatus {
  needed: boolean
}

export interface SetupRequest {
  account_name: string
  name: string
  email: string
  password: string
  time_zone?: string
  language?: Language
  currency?: string
  demo?: boolean
}

export interface SetupResponse {
  account_id: number | string
  user_id: number | string
  token: string
}

export interface LoginRequest {
  email: string
  password: string
  otp?: string
}

export interface LoginResponse {
  token: string
  user: Profile
  accounts: AccountRef[]
}

export interface ProfilePatch {
  name?: string
  language?: string
  send_key?: SendKey
  theme?: Theme
  notification_prefs?: Record<string, NotificationPref>
}

export interface AccessToken {
  id: number | string
  name: string
  created_at: string
  last_used_at?: string | null
}

export interface CreatedAccessToken extends AccessToken {
  token: string
}

export interface TotpEnrollment {
  secret: string
  otpauth_url: string
  qr_png: string
}

export interface ModuleInfo {
  key: string
  name_en: string
  name_pt: string
  optional: boolean
  default_on: boolean
}

export interface Account {
  id: number | string
  name: string
  time_zone: string
  language: string
  currency: string
  require_2fa: boolean
  modules: Record<string, boolean>
  plan: { max_agents: number }
  created_at: string
}

/** An account as the platform (operator) list shows it. */
export interface PlatformAccount extends Account {
  agents_count?: number
}

export interface AccountPatch {
  name?: string
  time_zone?: string
  language?: string
  currency?: string
  require_2fa?: boolean
}

export interface Agent {
  id: number | string
  name: string
  email: string
  role: Role
  custom_role_id?: number | string | null
  availability_status?: string
  totp_enabled?: boolean
  created_at: string
}

export interface CreatedAgent extends Agent {
  temporary_password?: string
}

export interface AgentCreate {
  name: string
  email: string
  role: Role
  custom_role_id?: number | string | null
  password?: string
}

export interface Team {
  id: number | string
  name: string
  description: string
  allow_auto_assign: boolean
  members_count: number
}

export interface TeamInput {
  name: string
  description: string
  allow_auto_assign: boolean
}

export interface CustomRole {
  id: number | string
  name: string
  description: string
  permissions: Record<string, PermissionLevel>
}

export interface AuditEntry {
  id: number | string
  user_id?: number | string | null
  user_name?: string
  action: string
  entity?: string
  entity_id?: number | string | null
  detail?: string
  ip?: string
  created_at: string
}

export interface Page<T> {
  items: T[]
  next?: string | null
}

export interface Notification {
  id: number | string
  type: string
  title: string
  body?: string
  link?: string | null
  read_at?: string | null
  created_at: string
}

export interface NotificationPage extends Page<Notification> {
  unread_count: number
}

export interface PlatformAccountCreate {
  name: string
  time_zone?: string
  language?: string
  currency?: string
  owner_email?: string
}

export interface PlatformAccountPatch {
  name?: string
  plan?: { max_agents: number }
  modules?: Record<string, boolean>
}

/** One message pushed by the server over SSE or the desktop event bridge. */
export interface RealtimeMessage<T = unknown> {
  type: string
  account_id?: number | string | null
  data: T
}
