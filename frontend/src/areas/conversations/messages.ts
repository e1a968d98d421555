// The inbox's UI strings (vue-i18n key "inbox"). Every key in en must exist in ptBR.
export const en = {}
export const ptBR: typeof en = {}
