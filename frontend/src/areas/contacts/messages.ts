// UI strings of the contacts area (vue-i18n key "contacts"). Every key in en must exist in ptBR.
export const en = {}

export const ptBR: typeof en = {}
