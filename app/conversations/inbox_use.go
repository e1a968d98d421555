package conversations

import "github.com/parleyhq/parley/storage"

// InboxConversations counts an inbox's conversations in every status (an inbox that has any
// cannot be deleted: its history would lose its channel).
func InboxConversations(tx *storage.Tx, account, inboxID uint64) int {
	n, _ := Conversations.Count(tx, account, storage.Query{Index: "status_inbox", Prefix: storage.Key(storage.Str("all"), storage.Uint(inboxID))})
	return n
}
