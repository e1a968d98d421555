import { describe, expect, it } from 'vitest'
import {
  addDomains,
  attributeKey,
  clientApiCurls,
  contrastText,
  hmacSample,
  hostOf,
  normalizeDomain,
  preChatForm,
  preChatPatch,
  preChatProblems,
  snippetOf,
  widgetForm,
  widgetPatch,
  widgetSnippet,
  type PreChatField,
} from '@/areas/inbox-settings/channel/logic'

describe('allowed domains', () => {
  it.each([
    ['example.com', 'example.com'],
    ['  Shop.Example.COM ', 'shop.example.com'],
    ['https://shop.example.com/cart?x=1', 'shop.example.com'],
    ['http://localhost:8080/', 'localhost:8080'],
    ['*.example.com', '*.example.com'],
    ['example.com.', 'example.com'],
    ['127.0.0.1:3000', '127.0.0.1:3000'],
  ])('normalises %j to %j', (raw, want) => {
    expect(normalizeDomain(raw)).toBe(want)
  })

  it.each(['', 'exa mple.com', '*.com', '*', 'example.com:0', 'example.com:70000', '-bad.com', 'a..b', 'foo@bar.com'])('refuses %j', (raw) => {
    expect(normalizeDomain(raw)).toBeNull()
  })

  it('takes the host (and port) of the website address', () => {
    expect(hostOf('https://www.Example.com/about')).toBe('www.example.com')
    expect(hostOf('http://localhost:5173')).toBe('localhost:5173')
    expect(hostOf('ftp://example.com')).toBe('')
    expect(hostOf('not a url')).toBe('')
  })

  it('adds several at once, drops duplicates and hands back what it cannot read', () => {
    const r = addDomains(['example.com'], 'EXAMPLE.com, *.example.com  bad_domain!, https://docs.example.com/x')
    expect(r.list).toEqual(['example.com', '*.example.com', 'docs.example.com'])
    expect(r.rejected).toEqual(['bad_domain!'])
  })
})

describe('snippet and recipes', () => {
  it('builds the embed code with the base URL and token', () => {
    const s = widgetSnippet('https://chat.acme.com/', 'tok_123')
    expect(s).toContain('var BASE_URL="https://chat.acme.com";')
    expect(s).toContain("websiteToken: 'tok_123'")
    expect(s).toContain('BASE_URL+"/widget/sdk.js"')
    expect(s.startsWith('<script>')).toBe(true)
    expect(s.trimEnd().endsWith('</script>')).toBe(true)
  })

  it('keeps anything but token characters out of the snippet', () => {
    expect(widgetSnippet('http://x', "a'b<c")).toContain("websiteToken: 'abc'")
  })

  it('prefers the server snippet, else builds one from website_token or the identifier', () => {
    expect(snippetOf({ inbox_identifier: 'id1', web_widget_script: '<script>server</script>' }, 'http://o')).toBe('<script>server</script>')
    expect(snippetOf({ inbox_identifier: 'id1', website_token: 'wt' }, 'http://o')).toContain("websiteToken: 'wt'")
    expect(snippetOf({ inbox_identifier: 'id1' }, 'http://o')).toContain("websiteToken: 'id1'")
  })

  it('curl recipe walks contact -> conversation -> message on the public client API with source ids', () => {
    const steps = clientApiCurls('https://parley.example/', 'inb_42')
    expect(steps.map((s) => s.key)).toEqual(['createContact', 'createConversation', 'sendMessage'])
    expect(steps[0].command).toContain("'https://parley.example/public/api/v1/inboxes/inb_42/contacts'")
    expect(steps[1].command).toContain('/public/api/v1/inboxes/inb_42/contacts/<contact source_id>/conversations')
    expect(steps[2].command).toContain('/conversations/<conversation id>/messages')
    // the body is valid JSON once the shell quotes are taken off, with the idempotency key
    const body = /-d '(.*)'$/.exec(steps[2].command)![1]
    expect(JSON.parse(body)).toEqual({ content: 'Hello!', source_id: 'msg-5001' })
    for (const s of steps) expect(s.command.startsWith('curl -X POST ')).toBe(true)
  })

  it('identity samples compute HMAC-SHA256 hex of the user id with the secret', () => {
    const node = hmacSample('node', 's3cr3t')
    expect(node).toContain(`createHmac('sha256', "s3cr3t")`)
    expect(node).toContain("digest('hex')")
    const php = hmacSample('php', 's3cr3t')
    expect(php).toContain(`hash_hmac('sha256', (string) $user->id, "s3cr3t")`)
    expect(hmacSample('node')).toContain('<your inbox secret>')
  })
})

describe('widget form', () => {
  it('fills defaults for a new inbox', () => {
    const f = widgetForm({})
    expect(f.widget_color).toBe('#1F93FF')
    expect(f.widget_position).toBe('right')
    expect(f.reply_time).toBe('in_a_few_minutes')
    // no flags stored means the server default: all three
    expect(f.selected_feature_flags).toEqual(['attachments', 'emoji_picker', 'end_conversation'])
  })

  it('reads stored settings and ignores unknown values', () => {
    const f = widgetForm({ widget_color: '#112233', widget_position: 'left', reply_time: 'whenever', selected_feature_flags: ['emoji_picker', 'bogus'] })
    expect(f).toMatchObject({ widget_color: '#112233', widget_position: 'left', reply_time: 'in_a_few_minutes', selected_feature_flags: ['emoji_picker'] })
    expect(widgetForm({ selected_feature_flags: [] }).selected_feature_flags).toEqual([])
  })

  it('sends trimmed values and the flags in a stable order', () => {
    const p = widgetPatch({ ...widgetForm({}), welcome_title: '  Hi  ', selected_feature_flags: ['end_conversation', 'attachments'] })
    expect(p.welcome_title).toBe('Hi')
    expect(p.selected_feature_flags).toEqual(['attachments', 'end_conversation'])
  })

  it('picks readable text on the widget colour', () => {
    expect(contrastText('#FFFFFF')).toBe('#000000')
    expect(contrastText('#FDE047')).toBe('#000000')
    expect(contrastText('#1F2937')).toBe('#FFFFFF')
    expect(contrastText('#2563EB')).toBe('#FFFFFF')
  })
})

describe('pre-chat form', () => {
  const f = (x: Partial<PreChatField>): PreChatField => ({ name: 'order_id', label: 'Order', type: 'text', required: false, enabled: true, ...x })

  it('starts with the server’s default fields when nothing is stored, labels left to the widget', () => {
    const form = preChatForm({})
    expect(form.enabled).toBe(false)
    expect(form.fields.map((x) => [x.name, x.enabled, x.required, x.label])).toEqual([
      ['emailAddress', true, true, ''],
      ['fullName', true, false, ''],
      ['phoneNumber', false, false, ''],
    ])
  })

  it('reads the server’s default form (empty labels) and finds nothing to fix in it', () => {
    // What a new website inbox's channel holds (app/inboxes/channel.go defaultPreChat).
    const form = preChatForm({
      pre_chat_form_enabled: false,
      pre_chat_form_options: {
        pre_chat_message: '',
        pre_chat_fields: [
          { name: 'emailAddress', label: '', type: 'email', required: true, enabled: true },
          { name: 'fullName', label: '', type: 'text', required: false, enabled: true },
          { name: 'phoneNumber', label: '', type: 'phone', required: false, enabled: false },
        ],
      },
    })
    expect(form.fields.map((x) => x.name)).toEqual(['emailAddress', 'fullName', 'phoneNumber'])
    expect(preChatProblems(form.fields)).toEqual({})
  })

  it('keeps the stored order and adds a missing standard field switched off', () => {
    const form = preChatForm({
      pre_chat_form_enabled: true,
      pre_chat_form_options: { pre_chat_message: 'Hi', pre_chat_fields: [f({ name: 'plan', type: 'list', values: ['a'] }), f({ name: 'emailAddress', label: 'Email', type: 'email' })] },
    })
    expect(form.enabled).toBe(true)
    expect(form.message).toBe('Hi')
    expect(form.fields.map((x) => x.name)).toEqual(['plan', 'emailAddress', 'fullName', 'phoneNumber'])
    expect(form.fields.slice(2).every((x) => !x.enabled)).toBe(true)
    expect(form.fields[0].values).toEqual(['a'])
  })

  it('derives attribute keys from labels', () => {
    expect(attributeKey('Número do pedido')).toBe('numero_do_pedido')
    expect(attributeKey('  Plan / Tier ')).toBe('plan_tier')
  })

  it('finds each row’s first problem', () => {
    const problems = preChatProblems([
      f({ name: 'fullName', label: '' }),
      f({ label: ' ' }),
      f({ name: 'Bad Key' }),
      f({ name: 'plan' }),
      f({ name: 'plan' }),
      f({ name: 'tier', type: 'list', values: ['  '] }),
      f({ name: 'ok', type: 'list', values: ['gold'] }),
    ])
    expect(problems).toEqual({ 1: 'labelRequired', 2: 'keyInvalid', 4: 'keyDuplicate', 5: 'valuesRequired' })
  })

  it('saves trimmed labels and list values only for lists', () => {
    const p = preChatPatch({ enabled: true, message: ' Hello ', fields: [f({ label: ' Order ', values: ['x'] }), f({ name: 'tier', type: 'list', values: [' gold ', '', 'silver'] })] })
    expect(p).toEqual({
      pre_chat_form_enabled: true,
      pre_chat_form_options: {
        pre_chat_message: 'Hello',
        pre_chat_fields: [
          { name: 'order_id', label: 'Order', type: 'text', required: false, enabled: true },
          { name: 'tier', label: 'Order', type: 'list', required: false, enabled: true, values: ['gold', 'silver'] },
        ],
      },
    })
  })
})
