// UI strings of the crm area (vue-i18n key "crm"). Every key in en must exist in ptBR.
export const en = {}

export const ptBR: typeof en = {}
