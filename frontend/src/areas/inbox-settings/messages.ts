// UI strings of the inbox settings pages (vue-i18n key "inboxSettings"). Every key in en must
// exist in ptBR.
export const en = {}
export const ptBR: typeof en = {}
