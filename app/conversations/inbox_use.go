package conversations

import "github.com/parleyhq/parley/storage"

// InboxConversations counts an inbox's conversations in every status (an inbox that has any
// cannot be deleted: its history would lose its channel). The tab tally holds the number.
func InboxConversations(tx *storage.Tx, account, inboxID uint64) int {
	return Conversations.Tally(tx, account, "status_inbox", tabGroup("all", true, inboxID, false, "", false, 0))
}
