import { describe, expect, it } from 'vitest'
import { cleanValues, formatAttribute, keyFromName, tryRegex } from '@/areas/attributes/logic'

describe('keyFromName', () => {
  // The same table as the server's key_test.go: the preview must never promise another key.
  it.each([
    ['Tax ID', 'tax_id'],
    ['Situação do Cliente', 'situacao_do_cliente'],
    ['2ª via', 'f_2a_via'],
    ['  --Plano--  ', 'plano'],
    ['CPF/CNPJ', 'cpf_cnpj'],
    ['!!!', ''],
    ['Ñandú', 'nandu'],
    ['Número do Pedido', 'numero_do_pedido'],
  ])('%s -> %s', (name, key) => {
    expect(keyFromName(name)).toBe(key)
  })

  it('cuts at 64 characters without a trailing underscore', () => {
    const k = keyFromName('a'.repeat(63) + ' bcd')
    expect(k).toBe('a'.repeat(63))
    expect(keyFromName('x'.repeat(80))).toHaveLength(64)
  })
})

describe('tryRegex', () => {
  it('tells match, no match, invalid and empty apart', () => {
    expect(tryRegex('^\\d{3}$', '123')).toBe('match')
    expect(tryRegex('^\\d{3}$', '1234')).toBe('nomatch')
    expect(tryRegex('(', 'x')).toBe('invalid')
    expect(tryRegex('', 'x')).toBe('empty')
  })
})

describe('formatAttribute', () => {
  it('formats by type', () => {
    expect(formatAttribute({ attribute_display_type: 'checkbox' }, true, 'en')).toBe('Yes')
    expect(formatAttribute({ attribute_display_type: 'checkbox' }, false, 'en')).toBe('No')
    expect(formatAttribute({ attribute_display_type: 'currency' }, 10.5, 'en', 'USD')).toBe('$10.50')
    expect(formatAttribute({ attribute_display_type: 'date' }, '2026-01-02', 'en')).toBe('Jan 2, 2026')
    expect(formatAttribute({ attribute_display_type: 'percent' }, 12.5, 'en')).toBe('12.5 %')
    expect(formatAttribute(undefined, '', 'en')).toBe('')
    // A year is not a thousand-separated amount; large numbers still are.
    expect(formatAttribute({ attribute_display_type: 'number' }, 2022, 'pt-BR')).toBe('2022')
    expect(formatAttribute({ attribute_display_type: 'number' }, 1234567, 'pt-BR')).toBe('1.234.567')
  })
})

describe('cleanValues', () => {
  it('drops new empties and nulls cleared ones', () => {
    expect(cleanValues({ a: '', b: 'x', c: '', d: false }, { c: 'old' })).toEqual({ b: 'x', c: null, d: false })
  })
})
