// API shapes of the custom attribute settings (Chatwoot's custom_attribute_definitions), taken from
// the generated schema (src/api/schema.d.ts, made by `make api-types`) so that a change on the
// server is a type error here. Go says `string` for the model and the display type; the closed
// sets are spelled out below.
import type { Schemas } from '@/api/types'

export type AttributeModel = 'contact_attribute' | 'conversation_attribute' | 'company_attribute' | 'deal_attribute' | 'task_attribute'
export type AttributeType = 'text' | 'number' | 'currency' | 'percent' | 'link' | 'date' | 'list' | 'checkbox'

export const ATTRIBUTE_MODELS: AttributeModel[] = ['contact_attribute', 'conversation_attribute', 'company_attribute', 'deal_attribute', 'task_attribute']

/** The module a model belongs to when it is not always there: task attributes only matter with tasks on. */
export const MODEL_MODULE: Partial<Record<AttributeModel, string>> = { task_attribute: 'tasks' }

/** modelsFor lists the models an account can define attributes for, given its modules. */
export function modelsFor(hasModule: (key: string) => boolean): AttributeModel[] {
  return ATTRIBUTE_MODELS.filter((m) => !MODEL_MODULE[m] || hasModule(MODEL_MODULE[m]!))
}
export const ATTRIBUTE_TYPES: AttributeType[] = ['text', 'number', 'currency', 'percent', 'link', 'date', 'list', 'checkbox']

/** One definition: a typed field of a model, its stable key, list values and optional regex. */
export type AttributeDefinition = Omit<Schemas['AttributeDefinitionView'], 'attribute_display_type' | 'attribute_model'> & {
  attribute_display_type: AttributeType
  attribute_model: AttributeModel
}

/** What POST and PATCH accept; the key and the model are fixed once created. */
export type AttributeDefinitionInput = Omit<Schemas['AttributeDefinitionInput'], 'attribute_display_type' | 'attribute_model'> & {
  attribute_display_type?: AttributeType
  attribute_model?: AttributeModel
}
