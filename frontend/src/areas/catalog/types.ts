// API shapes of the product catalog, taken from the generated schema (src/api/schema.d.ts, made
// by `make api-types`) so that a change on the server is a type error here.
import type { Schemas } from '@/api/types'

/** A product: what a deal's line item can copy (name, sku and price are a snapshot there). */
export type Product = Schemas['ProductView']

/** What POST and PATCH accept; absent fields are left alone. */
export type ProductInput = Schemas['ProductInput']

/** One page of products with Chatwoot's meta. */
export type ProductList = Omit<Schemas['ProductList'], 'payload'> & { payload: Product[] | null }
