// Strings every tasks view shares: the module title, statuses, priorities, actions.
export const en = {
  title: 'Tasks',
  status: { todo: 'To do', in_progress: 'In progress', done: 'Done', cancelled: 'Cancelled' },
  priority: { none: 'No priority', low: 'Low', medium: 'Medium', high: 'High', urgent: 'Urgent' },
  actionKind: { call: 'Call', message: 'Message', email: 'Email', other: 'Other' },
  blocked: 'Blocked',
  overdue: 'Overdue',
  newTask: 'New task',
}
export const ptBR: typeof en = {
  title: 'Tarefas',
  status: { todo: 'A fazer', in_progress: 'Em andamento', done: 'Concluída', cancelled: 'Cancelada' },
  priority: { none: 'Sem prioridade', low: 'Baixa', medium: 'Média', high: 'Alta', urgent: 'Urgente' },
  actionKind: { call: 'Ligação', message: 'Mensagem', email: 'E-mail', other: 'Outra' },
  blocked: 'Bloqueada',
  overdue: 'Atrasada',
  newTask: 'Nova tarefa',
}
