// The catalog calls (app/api/catalog.go).
import { accountPath, api } from '@/api/client'
import { useSession } from '@/stores/session'
import type { Product, ProductInput, ProductList } from './types'

export function useCatalogApi() {
  const session = useSession()
  const p = (rest: string) => accountPath(session.current!.id, rest)
  return {
    list: (query: { q?: string; active?: boolean; page?: number }) => api.get<ProductList>(p('catalog/products'), { query }),
    create: (body: ProductInput) => api.post<Product>(p('catalog/products'), body),
    update: (id: number, body: ProductInput) => api.patch<Product>(p(`catalog/products/${id}`), body),
    remove: (id: number) => api.del(p(`catalog/products/${id}`)),
  }
}
