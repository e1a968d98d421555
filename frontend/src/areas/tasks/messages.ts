// UI strings of the tasks area (vue-i18n key "tasks"). Each part lives in messages/ beside the
// components that use it; every key in en must exist in ptBR.
import * as common from './messages/common'
import * as list from './messages/list'
import * as board from './messages/board'
import * as detail from './messages/detail'
import * as settings from './messages/settings'

export const en = { ...common.en, list: list.en, board: board.en, detail: detail.en, settings: settings.en.settings, mail: settings.en.mail }
export const ptBR = { ...common.ptBR, list: list.ptBR, board: board.ptBR, detail: detail.ptBR, settings: settings.ptBR.settings, mail: settings.ptBR.mail }
