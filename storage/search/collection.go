package search

import (
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// CollectionType is the DocType of one storage collection's records, the shape every area's
// search documents take: Load reads the record (a missing one leaves the index) and Each walks
// every account's records for a rebuild. doc builds a record's document; ok false keeps the
// record out of the index (a message that is not searchable).
func CollectionType[T any](name string, c *storage.Collection[T], id func(*T) uint64, doc func(tx *storage.Tx, v *T) (map[string]any, bool), fields ...Field) DocType {
	return DocType{
		Name:   name,
		Entity: c.Name(),
		Load: func(tx *storage.Tx, account, recID uint64) (map[string]any, bool, error) {
			v, err := c.Get(tx, account, recID)
			if apperr.Is(err, apperr.NotFound) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			d, ok := doc(tx, v)
			return d, ok, nil
		},
		Each: func(tx *storage.Tx, fn func(account, id uint64, doc map[string]any) error) error {
			return c.EachAccount(tx, func(account uint64, v *T) error {
				if d, ok := doc(tx, v); ok {
					return fn(account, id(v), d)
				}
				return nil
			})
		},
		Fields: fields,
	}
}
