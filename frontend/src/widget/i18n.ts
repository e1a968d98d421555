// The chat window's own words in English and Brazilian Portuguese. It speaks the language of the
// site's visitor (the host page's navigator.language, passed as ?locale=), not the account's, and
// stays tiny: no vue-i18n in a bundle that loads on other people's websites.

/** Locale is a language the widget speaks. */
export type Locale = 'en' | 'pt-BR'

/** pickLocale chooses from the locale URL parameter, else the browser: pt* is pt-BR, all else en. */
export function pickLocale(param: string | null | undefined, browser?: string | null): Locale {
  const tag = (param || browser || '').trim().toLowerCase()
  return tag === 'pt' || tag.startsWith('pt-') || tag.startsWith('pt_') ? 'pt-BR' : 'en'
}

const en = {
  online: 'Online',
  away: "We're away",
  reply_in_a_few_minutes: 'We typically reply in a few minutes',
  reply_in_a_few_hours: 'We typically reply in a few hours',
  reply_in_a_day: 'We typically reply in a day',
  close: 'Close chat',
  start: 'Start a conversation',
  resume: 'Continue the conversation',
  offline_default: 'We are away right now. Leave a message and we will get back to you.',
  back_today: 'Back today at {time}',
  back_tomorrow: 'Back tomorrow at {time}',
  back_weekday: 'Back on {day} at {time}',
  back_date: 'Back on {date}',
  prechat_submit: 'Start chat',
  prechat_message: 'Message',
  field_fullName: 'Name',
  field_emailAddress: 'Email',
  field_phoneNumber: 'Phone',
  prechat_default: 'Tell us a little about you before we start.',
  required: 'required',
  field_required: 'Please fill this in',
  invalid_email: 'Enter a valid email address',
  invalid_phone: 'Enter a valid phone number, e.g. +55 11 91234-5678',
  invalid_number: 'Enter a number',
  choose: 'Choose…',
  placeholder: 'Type your message…',
  send: 'Send',
  emoji: 'Insert emoji',
  attach: 'Attach a file',
  too_big: 'Files can be up to {size}',
  too_long: 'Messages can be up to {max} characters',
  sending: 'Sending…',
  failed: 'Not sent',
  retry: 'Retry',
  typing: '{name} is typing…',
  someone: 'Someone',
  today: 'Today',
  yesterday: 'Yesterday',
  download: 'Download',
  you: 'You',
  end: 'End conversation',
  end_confirm: 'End this conversation?',
  end_yes: 'End it',
  cancel: 'Cancel',
  resolved: 'This conversation has ended. Write again any time.',
  csat_question: 'How would you rate this conversation?',
  csat_comment: 'Anything to add? (optional)',
  csat_send: 'Send feedback',
  csat_thanks: 'Thank you for your feedback!',
  csat_rating_1: 'Very unhappy',
  csat_rating_2: 'Unhappy',
  csat_rating_3: 'Neutral',
  csat_rating_4: 'Happy',
  csat_rating_5: 'Very happy',
  error_generic: 'Something went wrong. Please try again.',
  error_unavailable: 'The chat is not available right now.',
  loading: 'Loading…',
  empty: 'Ask us anything — we are happy to help.',
}

/** Messages is the set of keys every language defines. */
export type Messages = typeof en
export type Key = keyof Messages

const pt: Messages = {
  online: 'Online',
  away: 'Estamos ausentes',
  reply_in_a_few_minutes: 'Costumamos responder em poucos minutos',
  reply_in_a_few_hours: 'Costumamos responder em algumas horas',
  reply_in_a_day: 'Costumamos responder em um dia',
  close: 'Fechar chat',
  start: 'Iniciar conversa',
  resume: 'Continuar a conversa',
  offline_default: 'Estamos ausentes agora. Deixe sua mensagem e responderemos em breve.',
  back_today: 'Voltamos hoje às {time}',
  back_tomorrow: 'Voltamos amanhã às {time}',
  back_weekday: 'Voltamos {day} às {time}',
  back_date: 'Voltamos em {date}',
  prechat_submit: 'Iniciar chat',
  prechat_message: 'Mensagem',
  field_fullName: 'Nome',
  field_emailAddress: 'E-mail',
  field_phoneNumber: 'Telefone',
  prechat_default: 'Conte um pouco sobre você antes de começarmos.',
  required: 'obrigatório',
  field_required: 'Preencha este campo',
  invalid_email: 'Informe um e-mail válido',
  invalid_phone: 'Informe um telefone válido, ex.: +55 11 91234-5678',
  invalid_number: 'Informe um número',
  choose: 'Escolha…',
  placeholder: 'Digite sua mensagem…',
  send: 'Enviar',
  emoji: 'Inserir emoji',
  attach: 'Anexar arquivo',
  too_big: 'Arquivos podem ter até {size}',
  too_long: 'Mensagens podem ter até {max} caracteres',
  sending: 'Enviando…',
  failed: 'Não enviada',
  retry: 'Tentar de novo',
  typing: '{name} está digitando…',
  someone: 'Alguém',
  today: 'Hoje',
  yesterday: 'Ontem',
  download: 'Baixar',
  you: 'Você',
  end: 'Encerrar conversa',
  end_confirm: 'Encerrar esta conversa?',
  end_yes: 'Encerrar',
  cancel: 'Cancelar',
  resolved: 'Esta conversa foi encerrada. Escreva de novo quando quiser.',
  csat_question: 'Como você avalia este atendimento?',
  csat_comment: 'Quer acrescentar algo? (opcional)',
  csat_send: 'Enviar avaliação',
  csat_thanks: 'Obrigado pela sua avaliação!',
  csat_rating_1: 'Muito insatisfeito',
  csat_rating_2: 'Insatisfeito',
  csat_rating_3: 'Neutro',
  csat_rating_4: 'Satisfeito',
  csat_rating_5: 'Muito satisfeito',
  error_generic: 'Algo deu errado. Tente novamente.',
  error_unavailable: 'O chat não está disponível agora.',
  loading: 'Carregando…',
  empty: 'Pergunte o que quiser — teremos prazer em ajudar.',
}

/** dictionaries holds every language; tests check that they have the same keys. */
export const dictionaries: Record<Locale, Messages> = { en, 'pt-BR': pt }

/** translator returns t(key, params) for a locale; {name} placeholders are filled from params. */
export function translator(locale: Locale) {
  const dict = dictionaries[locale]
  return (key: Key, params?: Record<string, string | number>): string =>
    dict[key].replace(/\{(\w+)\}/g, (m, p: string) => (params && p in params ? String(params[p]) : m))
}

/** Translate is the type of a translator's t. */
export type Translate = ReturnType<typeof translator>
