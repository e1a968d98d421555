import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import openapiTS, { COMMENT_HEADER, astToString } from 'openapi-typescript'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// The Go test TestOpenAPIDocumentIsCommitted keeps src/api/openapi.json equal to what the server
// serves; this keeps src/api/schema.d.ts equal to what the generator makes of it. Together they
// mean the UI's API types are the server's. `make api-types` refreshes both.
describe('generated API types', () => {
  it('match the committed OpenAPI document', async () => {
    const doc = JSON.parse(readFileSync(here('../src/api/openapi.json'), 'utf8'))
    const generated = COMMENT_HEADER + astToString(await openapiTS(doc))
    const committed = readFileSync(here('../src/api/schema.d.ts'), 'utf8')
    expect(committed === generated, 'src/api/schema.d.ts is stale: run `make api-types`').toBe(true)
  })
})
