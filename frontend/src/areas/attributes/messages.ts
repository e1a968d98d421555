// UI strings of the custom attributes settings (vue-i18n key "attributes"). Every key in en
// must exist in ptBR.
export const en = { nav: 'Custom attributes' }

export const ptBR: typeof en = { nav: 'Atributos personalizados' }
