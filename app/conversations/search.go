package conversations

// CONTRACT STUB — the conversations-core helper replaces this file.

import (
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
)

// SearchTypes are the conversation and message documents of the search index.
func SearchTypes() []search.DocType { return nil }

// RealtimeFilter decides, for one change-feed event, which users of its account may receive it
// (conversation events reach only those who may see the conversation). Nil means everyone.
func (s *Service) RealtimeFilter(e storage.Event) func(userID uint64) bool { return nil }
