// UI strings of the catalog area (vue-i18n key "catalog"). Every key in en must exist in ptBR.
export const en = {}

export const ptBR: typeof en = {}
