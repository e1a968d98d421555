// Strings of the task settings (SLA policies, templates) and the operator's mail server page.
export const en = { settings: { nav: 'Tasks' }, mail: { nav: 'Mail server' } }
export const ptBR: typeof en = { settings: { nav: 'Tarefas' }, mail: { nav: 'Servidor de e-mail' } }
