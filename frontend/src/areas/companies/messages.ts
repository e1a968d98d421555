// UI strings of the companies area (vue-i18n key "companies"). Every key in en must exist in ptBR.
export const en = {}

export const ptBR: typeof en = {}
