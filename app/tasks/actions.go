package tasks

import "github.com/parleyhq/parley/storage"

// MigrateManualActions moves the manual actions queued before tasks existed into tasks in each
// account's "Manual actions" list (a migration: one transaction).
func MigrateManualActions(tx *storage.Tx) error { return nil }
