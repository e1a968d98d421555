// Strings of the tasks board part (owned by the helper that builds it).
export const en = {}
export const ptBR: typeof en = {}
