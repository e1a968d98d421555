// API shapes of the CRM pages (pipelines, board, deals and their parts), taken from the generated
// schema (src/api/schema.d.ts, made by `make api-types` from the server's OpenAPI document) so
// that a change on the server is a type error here. Only narrowings live in this file: where Go
// says `string` for a closed set (stage kinds, priorities, statuses) the union is spelled out, and
// references Go keeps as pointers (owner, contact, company, a note's author) may be null.
import type { Schemas } from '@/api/types'

export type StageKind = 'open' | 'won' | 'lost'
export type Priority = 'low' | 'medium' | 'high' | 'urgent'
export type DealStatus = 'open' | 'won' | 'lost'
export type Health = 'on_track' | 'stalled' | 'overdue' | 'closed'
export type DiscountType = 'none' | 'fixed' | 'percent'
/** Money per currency code, in cents: {"BRL": 12345}. */
export type CentsByCurrency = Record<string, number>

/** A stage as the pipeline form edits it; id is absent for a stage not saved yet. */
export type Stage = Omit<Schemas['TemplateStage'], 'kind'> & { id?: number; kind: StageKind }

/** A saved stage. */
export type PipelineStage = Omit<Schemas['StageView'], 'kind'> & { kind: StageKind }

/** A pipeline; it always has stages (at least Won and Lost), so the list is never null. */
export type Pipeline = Omit<Schemas['PipelineView'], 'stages'> & { stages: PipelineStage[] }

/** A niche template a new pipeline can start from. */
export type PipelineTemplate = Omit<Schemas['Template'], 'stages'> & { stages: Stage[] }

/** What POST and PATCH pipelines accept (a template only on create). */
export type PipelineInput = Schemas['PipelineInput']

/** An id and a name (a member, a team, a company). */
export type Ref = Schemas['UserRef']

export type Counters = Schemas['Counters']

/** A deal as the board, the lists and the deal page show it. Ids of 0 mean "none". */
export type Deal = Omit<Schemas['DealView'], 'priority' | 'status' | 'health' | 'value_mode' | 'owner' | 'contact' | 'company'> & {
  priority: Priority
  status: DealStatus
  health: Health
  value_mode: 'auto' | 'manual'
  owner: Ref | null
  contact: Schemas['ContactRef'] | null
  company: Schemas['CompanyRef'] | null
}

/** What POST and PATCH deals accept; absent fields are left alone and an id of 0 clears a reference. */
export type DealInput = Schemas['DealInput']

/** One page of deals. */
export type DealList = Omit<Schemas['DealList'], 'payload'> & { payload: Deal[] | null }

/** One stage's column on the board, with its totals per currency (the server starts every column with an empty list, never null). */
export type Column = Omit<Schemas['Column'], 'deals'> & { deals: Deal[] }

/** A pipeline's board: one column per stage, in stage order (never null). */
export type Board = Omit<Schemas['Board'], 'pipeline' | 'columns'> & { pipeline: Pipeline; columns: Column[] }

/**
 * The board's filters as the page edits them; null is "any". boardQuery and viewFilters turn them
 * into what the server takes (absent fields, never null).
 */
export interface BoardFilters {
  owner_id?: number | null
  priority?: Priority | null
  q?: string
  team_id?: number | null
  contact_id?: number | null
  company_id?: number | null
  close_from?: string
  close_to?: string
  status?: string
}

/** The filters a saved view keeps, as the server stores them. */
export type DealFilters = Schemas['DealFilters']

/** A saved board view of the signed-in user. */
export type SavedView = Schemas['SavedViewView']

export type ForecastTotal = Schemas['ForecastTotal']
export type Forecast = Schemas['Forecast']

/** One stage change or close of a deal. */
export type HistoryEntry = Omit<Schemas['DealHistoryView'], 'status' | 'user'> & { status: DealStatus; user: Ref | null }

export type Note = Omit<Schemas['DealNoteView'], 'user'> & { user: Ref | null }

export type Attachment = Omit<Schemas['DealAttachmentView'], 'user'> & { user: Ref | null }

/** A checklist item; done_by is the member's id (0 when not done). */
export type ChecklistItem = Schemas['DealChecklistView']

/** A line item: a catalog product (a snapshot) or a one-off. Totals are computed by the server. */
export type LineItem = Omit<Schemas['LineItemView'], 'discount_type'> & { discount_type: DiscountType }

export type LineItemInput = Schemas['LineItemInput']
