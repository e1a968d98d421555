package contacts

// CONTRACT STUB — the contacts/inboxes helper replaces this file.

import "github.com/parleyhq/parley/storage/search"

// SearchTypes are the contact documents of the search index.
func SearchTypes() []search.DocType { return nil }
