package contacts

// SetImportBatchHook lets tests stop the import worker right after a committed batch, as a
// crash would (see importBatchHook).
func SetImportBatchHook(f func(processed int) bool) { importBatchHook = f }

// ImportBatch is how many rows one import transaction holds.
const ImportBatch = importBatch
