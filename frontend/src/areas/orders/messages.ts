// UI strings of the orders area (vue-i18n key "orders"). Every key in en must exist in ptBR.
export const en = {}

export const ptBR: typeof en = {}
