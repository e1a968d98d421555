// UI strings of the custom-objects area (vue-i18n key "customObjects"). Every key in en must exist in ptBR.
export const en = {}

export const ptBR: typeof en = {}
