package contacts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/audit"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
)

// MaxImportSize is the largest CSV file an import accepts (about 300,000 typical rows).
const MaxImportSize = 50 << 20

// importBatch is how many rows one write transaction imports: large enough that commits do
// not dominate, small enough that other writers wait only a moment between batches (about a
// quarter of a second on two cores). Each commit rewrites the index pages its rows touched, all
// over the contact book: 100,000 rows into a 300,000-contact store took 12 s instead of 16 with
// 2,500 rows per commit rather than 1,000; 5,000 gained nothing more.
const importBatch = 2500

// Statuses of an import.
const (
	ImportUploaded = "uploaded"
	ImportQueued   = "queued"
	ImportRunning  = "running"
	ImportDone     = "done"
	ImportFailed   = "failed"
)

// EventImportUpdated tells open windows that an import moved (upload, start, each batch, end).
const EventImportUpdated = "contact_import_updated"

// NotifyImportFinished is the notification type sent to whoever ran an import.
const NotifyImportFinished = "contact_import_finished"

// ImportColumn maps one column of the file (0-based) to a contact field: a target of
// standardTargets, "attr:<key>", or "" to skip it. Header is filled in from the file.
type ImportColumn struct {
	Column int    `json:"column"`
	Header string `json:"header" required:"false" doc:"filled in from the file"`
	Target string `json:"target"`
}

// ContactImport is one CSV import: the uploaded file (a blob until the import ends), what was
// learnt from reading it, the mapping, and progress counters that advance in the same
// transaction as the rows they count, so a restart resumes exactly after the last batch.
type ContactImport struct {
	ID        uint64         `json:"id"`
	AccountID uint64         `json:"account_id"`
	UserID    uint64         `json:"user_id"`
	OwnerID   uint64         `json:"owner_id,omitempty"` // owner of new contacts (agents own what they import)
	FileName  string         `json:"file_name"`
	BlobHash  string         `json:"blob_hash,omitempty"`
	BlobSize  int64          `json:"blob_size,omitempty"`
	Status    string         `json:"status"`
	Encoding  string         `json:"encoding"`
	Delimiter string         `json:"delimiter"`
	Headers   []string       `json:"headers"`
	Preview   [][]string     `json:"preview"`
	TotalRows int            `json:"total_rows"`
	Mapping   []ImportColumn `json:"mapping"`
	Processed int            `json:"processed_rows"`
	Created   int            `json:"created"`
	Updated   int            `json:"updated"`
	Failed    int            `json:"failed_rows"`
	Error     string         `json:"error,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	StartedAt time.Time      `json:"started_at,omitzero"`
	// FinishedAt is set when the import is done or failed.
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// ContactImports are scoped by account and listed by id (newest last).
var ContactImports = storage.NewCollection(storage.Def[ContactImport]{
	Name:    "contact_imports",
	ID:      func(c *ContactImport) *uint64 { return &c.ID },
	Account: func(c *ContactImport) uint64 { return c.AccountID },
	Feed:    true,
})

// ContactImportError is a row of a file that was not imported, with the reason and the row
// as it was, so the user can fix the downloaded list and import just those.
type ContactImportError struct {
	ID        uint64   `json:"id"`
	AccountID uint64   `json:"account_id"`
	ImportID  uint64   `json:"import_id"`
	Line      int      `json:"line"`
	Reason    string   `json:"reason"`
	Fields    []string `json:"fields"`
}

// ContactImportErrors: "import" lists an import's bad rows in line order.
var ContactImportErrors = storage.NewCollection(storage.Def[ContactImportError]{
	Name:    "contact_import_errors",
	ID:      func(e *ContactImportError) *uint64 { return &e.ID },
	Account: func(e *ContactImportError) uint64 { return e.AccountID },
	Indexes: []storage.Index[ContactImportError]{
		{Name: "import", Keys: func(e *ContactImportError) [][]byte {
			return [][]byte{storage.Key(storage.Uint(e.ImportID), storage.Uint(uint64(e.Line)))}
		}},
	},
})

// ContactImportView is an import as the API shows it; times are unix seconds or null.
type ContactImportView struct {
	ID         uint64         `json:"id"`
	FileName   string         `json:"file_name"`
	Status     string         `json:"status" enum:"uploaded,queued,running,done,failed"`
	Encoding   string         `json:"encoding" enum:"utf-8,utf-8-bom,latin-1"`
	Delimiter  string         `json:"delimiter"`
	Headers    []string       `json:"headers"`
	Preview    [][]string     `json:"preview"`
	TotalRows  int            `json:"total_rows"`
	Mapping    []ImportColumn `json:"mapping"`
	Processed  int            `json:"processed_rows"`
	Created    int            `json:"created"`
	Updated    int            `json:"updated"`
	Failed     int            `json:"failed_rows"`
	Error      string         `json:"error"`
	UserID     uint64         `json:"user_id"`
	CreatedAt  int64          `json:"created_at"`
	StartedAt  *int64         `json:"started_at"`
	FinishedAt *int64         `json:"finished_at"`
}

// ImportViewOf shapes an import for the API.
func ImportViewOf(c *ContactImport) ContactImportView {
	unix := func(t time.Time) *int64 {
		if t.IsZero() {
			return nil
		}
		u := t.Unix()
		return &u
	}
	v := ContactImportView{
		ID: c.ID, FileName: c.FileName, Status: c.Status, Encoding: c.Encoding, Delimiter: c.Delimiter,
		Headers: c.Headers, Preview: c.Preview, TotalRows: c.TotalRows, Mapping: c.Mapping,
		Processed: c.Processed, Created: c.Created, Updated: c.Updated, Failed: c.Failed, Error: c.Error,
		UserID: c.UserID, CreatedAt: c.CreatedAt.Unix(), StartedAt: unix(c.StartedAt), FinishedAt: unix(c.FinishedAt),
	}
	if v.Headers == nil {
		v.Headers = []string{}
	}
	if v.Preview == nil {
		v.Preview = [][]string{}
	}
	if v.Mapping == nil {
		v.Mapping = []ImportColumn{}
	}
	return v
}

// ImportList is the latest imports of an account, newest first.
type ImportList struct {
	Payload []ContactImportView `json:"payload"`
}

func emitImport(tx *storage.Tx, c *ContactImport) error {
	return tx.EmitData(storage.Event{Account: c.AccountID, Type: EventImportUpdated, Entity: ContactImports.Name(), ID: c.ID, Actor: c.UserID}, ImportViewOf(c))
}

// contactAttributes are the account's contact attribute definitions.
func contactAttributes(tx *storage.Tx, account uint64) ([]AttributeDefinition, error) {
	var out []AttributeDefinition
	err := AttributeDefinitions.Each(tx, account, storage.Query{}, func(d *AttributeDefinition) bool {
		if d.Model == ModelContact {
			out = append(out, *d)
		}
		return true
	})
	return out, err
}

// parsedFile is what reading an uploaded file teaches.
type parsedFile struct {
	text      []byte
	encoding  string
	delimiter rune
	headers   []string
}

// parseFile decodes a file and reads its header row.
func parseFile(raw []byte) (*parsedFile, *csvRows, error) {
	text, enc := decodeCSV(raw)
	p := &parsedFile{text: text, encoding: enc, delimiter: sniffDelimiter(text)}
	rows := newCSVRows(text, p.delimiter)
	head, _, reason, err := rows.next()
	if err != nil || reason != "" {
		return nil, nil, apperr.Field("file", "has no header row: the first line must name the columns")
	}
	blank := true
	for i, h := range head {
		head[i] = strings.TrimSpace(h)
		blank = blank && head[i] == ""
	}
	if blank {
		return nil, nil, apperr.Field("file", "has no header row: the first line must name the columns")
	}
	p.headers = head
	return p, rows, nil
}

// Upload stores a CSV file and reads it enough to preview it and suggest a mapping; nothing
// is imported until Start. The file stays a blob until the import ends.
func (s *Service) Upload(ctx context.Context, actor access.Actor, fileName string, r io.Reader) (*ContactImportView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	w := s.importer()
	if w == nil {
		return nil, apperr.Unavailablef("imports are starting; try again in a moment")
	}
	ref, err := w.blobs.Write(ctx, r, MaxImportSize)
	if err != nil {
		return nil, err
	}
	if ref.Size == 0 {
		return nil, apperr.Field("file", "is empty")
	}
	raw, err := os.ReadFile(w.blobs.Path(ref.Hash))
	if err != nil {
		return nil, fmt.Errorf("contacts: read upload: %w", err)
	}
	p, rows, err := parseFile(raw)
	if err != nil {
		return nil, err
	}
	imp := &ContactImport{AccountID: actor.AccountID, UserID: actor.UserID, FileName: cleanFileName(fileName),
		BlobHash: ref.Hash, BlobSize: ref.Size, Status: ImportUploaded, Encoding: p.encoding,
		Delimiter: string(p.delimiter), Headers: p.headers, Preview: [][]string{}, CreatedAt: time.Now().UTC()}
	for {
		rec, _, reason, err := rows.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("contacts: read upload: %w", err)
		}
		imp.TotalRows++
		if reason == "" && len(imp.Preview) < 5 {
			imp.Preview = append(imp.Preview, rec)
		}
	}
	if imp.TotalRows == 0 {
		return nil, apperr.Field("file", "has a header row but no contacts")
	}
	var out ContactImportView
	err = s.db.Update(func(tx *storage.Tx) error {
		attrs, err := contactAttributes(tx, actor.AccountID)
		if err != nil {
			return err
		}
		imp.Mapping = suggestMapping(imp.Headers, attrs)
		if err := ContactImports.Put(tx, imp); err != nil {
			return err
		}
		if err := w.blobs.AddRef(tx, actor.AccountID, ref.Hash, ref.Size); err != nil {
			return err
		}
		out = ImportViewOf(imp)
		return emitImport(tx, imp)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// cleanFileName keeps the base name of an uploaded file, for display only.
func cleanFileName(n string) string {
	n = strings.TrimSpace(n)
	if i := strings.LastIndexAny(n, `/\`); i >= 0 {
		n = n[i+1:]
	}
	if n == "" {
		n = "contacts.csv"
	}
	if len(n) > 200 {
		n = n[:200]
	}
	return n
}

// ListImports returns the account's 20 latest imports, newest first.
func (s *Service) ListImports(ctx context.Context, actor access.Actor) (*ImportList, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	out := &ImportList{Payload: []ContactImportView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		return ContactImports.Each(tx, actor.AccountID, storage.Query{Reverse: true, Limit: 20}, func(c *ContactImport) bool {
			out.Payload = append(out.Payload, ImportViewOf(c))
			return true
		})
	})
	return out, err
}

// GetImport returns one import of the actor's account.
func (s *Service) GetImport(ctx context.Context, actor access.Actor, id uint64) (*ContactImportView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out ContactImportView
	err := s.db.View(func(tx *storage.Tx) error {
		c, err := ContactImports.Get(tx, actor.AccountID, id)
		if err == nil {
			out = ImportViewOf(c)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// StartImport applies a mapping to an uploaded import and queues it for the background worker.
func (s *Service) StartImport(ctx context.Context, actor access.Actor, id uint64, mapping []ImportColumn) (*ContactImportView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out ContactImportView
	err := s.db.Update(func(tx *storage.Tx) error {
		c, err := ContactImports.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if c.Status != ImportUploaded {
			return apperr.Conflictf("this import has already started (status %s)", c.Status)
		}
		defs, err := contactAttributes(tx, actor.AccountID)
		if err != nil {
			return err
		}
		keys := map[string]bool{}
		for _, d := range defs {
			keys[d.Key] = true
		}
		applied, err := checkMapping(mapping, c.Headers, keys)
		if err != nil {
			return err
		}
		c.Mapping, c.Status = applied, ImportQueued
		if !actor.IsAdmin() {
			c.OwnerID = actor.UserID
		}
		if err := ContactImports.Put(tx, c); err != nil {
			return err
		}
		out = ImportViewOf(c)
		return emitImport(tx, c)
	})
	if err != nil {
		return nil, err
	}
	if w := s.importer(); w != nil {
		w.poke()
	}
	return &out, nil
}

// ImportErrorsCSV writes an import's bad rows as CSV: line, reason, then the file's columns.
func (s *Service) ImportErrorsCSV(ctx context.Context, actor access.Actor, id uint64, w io.Writer) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	return s.db.View(func(tx *storage.Tx) error {
		c, err := ContactImports.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if _, err := w.Write(utf8BOM); err != nil {
			return err
		}
		cw := newSafeCSV(w)
		cw.Write(append([]string{"line", "reason"}, c.Headers...))
		err = ContactImportErrors.Each(tx, actor.AccountID, storage.Query{Index: "import", Prefix: storage.Uint(id)}, func(e *ContactImportError) bool {
			cw.Write(append([]string{fmt.Sprint(e.Line), e.Reason}, e.Fields...))
			return true
		})
		if err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
}

// ImportTemplate writes the sample file: the standard columns, every contact attribute key,
// and two sample rows, UTF-8 with a BOM so Excel shows the accents.
func (s *Service) ImportTemplate(ctx context.Context, actor access.Actor, w io.Writer) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	var attrs []AttributeDefinition
	if err := s.db.View(func(tx *storage.Tx) (err error) { attrs, err = contactAttributes(tx, actor.AccountID); return err }); err != nil {
		return err
	}
	head := append([]string{}, standardTargets...)
	rows := [][]string{
		{"João Araújo", "joao.araujo@example.com", "+5511987654321", "CLI-0001", "São Paulo", "Brasil", "Padaria Pão Quente", "vip, atacado"},
		{"Márcia Conceição", "marcia@example.com.br", "+5521998765432", "CLI-0002", "Florianópolis", "Brasil", "", "lead"},
	}
	for _, d := range attrs {
		head = append(head, d.Key)
		for i := range rows {
			rows[i] = append(rows[i], "")
		}
	}
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := newSafeCSV(w)
	cw.Write(head)
	cw.WriteAll(rows)
	return cw.Error()
}

// importer is the background worker of one Service: it runs one import at a time.
type importer struct {
	s      *Service
	blobs  *blob.Store
	log    *slog.Logger
	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// importers holds each Service's worker; Service's fields belong to the core of the area.
var importers sync.Map // *Service -> *importer

func (s *Service) importer() *importer {
	if w, ok := importers.Load(s); ok {
		return w.(*importer)
	}
	return nil
}

func (w *importer) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// importBatchHook, when set (tests), runs after each committed batch; returning true stops
// the worker there as a crash would.
var importBatchHook func(processed int) bool

// StartImports starts the import worker; it first resumes imports that were queued or running
// when Parley stopped. Uploads need it running (they keep the file in blobs).
func (s *Service) StartImports(ctx context.Context, blobs *blob.Store, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &importer{s: s, blobs: blobs, log: log, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	if _, loaded := importers.LoadOrStore(s, w); loaded {
		cancel()
		return errors.New("contacts: imports already started")
	}
	go w.run(ctx)
	return nil
}

// StopImports stops the worker and waits for it: a batch in progress commits or not at all,
// and the import resumes after the last committed batch on the next start.
func (s *Service) StopImports() {
	w := s.importer()
	if w == nil {
		return
	}
	w.cancel()
	<-w.done
	importers.Delete(s)
}

func (w *importer) run(ctx context.Context) {
	defer close(w.done)
	for {
		for {
			if ctx.Err() != nil {
				return
			}
			job, ok, err := w.next()
			if err != nil {
				w.log.Error("contact import: find work", "err", err)
				break
			}
			if !ok {
				break
			}
			if stop := w.runImport(ctx, job); stop {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		}
	}
}

// next finds the oldest import that is queued or was running.
func (w *importer) next() (ContactImport, bool, error) {
	var found []ContactImport
	err := w.s.db.View(func(tx *storage.Tx) error {
		return ContactImports.EachAccount(tx, func(_ uint64, c *ContactImport) error {
			if c.Status == ImportQueued || c.Status == ImportRunning {
				found = append(found, *c)
			}
			return nil
		})
	})
	if err != nil || len(found) == 0 {
		return ContactImport{}, false, err
	}
	sort.Slice(found, func(i, j int) bool { return found[i].ID < found[j].ID })
	return found[0], true, nil
}

// runImport imports what is left of one import; stop reports that the worker must end.
func (w *importer) runImport(ctx context.Context, job ContactImport) (stop bool) {
	err := w.importRows(ctx, job)
	if err == nil || ctx.Err() != nil {
		return ctx.Err() != nil
	}
	if errors.Is(err, errStopped) {
		return true
	}
	w.log.Error("contact import failed", "account", job.AccountID, "import", job.ID, "err", err)
	msg := err.Error()
	if e, ok := apperr.As(err); ok {
		msg = e.Message
	}
	ferr := w.s.db.Update(func(tx *storage.Tx) error {
		c, err := ContactImports.Get(tx, job.AccountID, job.ID)
		if err != nil {
			return err
		}
		c.Status, c.Error = ImportFailed, msg
		return w.finish(tx, c)
	})
	if ferr != nil {
		w.log.Error("contact import: record failure", "import", job.ID, "err", ferr)
		return true // stop rather than retry the same import in a loop
	}
	return false
}

var errStopped = errors.New("contacts: import worker stopped by hook")

func (w *importer) importRows(ctx context.Context, job ContactImport) error {
	f, err := w.blobs.Open(job.BlobHash)
	if err != nil {
		return apperr.Unavailablef("the uploaded file is gone: upload it again")
	}
	raw, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("read %s: %w", job.BlobHash, err)
	}
	p, rows, err := parseFile(raw)
	if err != nil {
		return err
	}
	for i := 0; i < job.Processed; i++ { // resume after the last committed batch
		if _, _, _, err := rows.next(); err != nil {
			return fmt.Errorf("resume at row %d: %w", job.Processed, err)
		}
	}
	for {
		if ctx.Err() != nil {
			return nil
		}
		batch, eof, err := readBatch(rows)
		if err != nil {
			return err
		}
		var processed int
		err = w.s.db.Update(func(tx *storage.Tx) error {
			c, err := ContactImports.Get(tx, job.AccountID, job.ID)
			if err != nil {
				return err
			}
			if c.Status == ImportQueued {
				c.Status, c.StartedAt = ImportRunning, time.Now().UTC()
			}
			scope, err := importScope(tx, c)
			if err != nil {
				return err
			}
			run := importRun{tx: tx, imp: c, headers: p.headers, scope: scope}
			for _, r := range batch {
				if err := run.row(r); err != nil {
					return err
				}
			}
			if eof {
				c.Status = ImportDone
				if err := w.finish(tx, c); err != nil {
					return err
				}
			} else if err := ContactImports.Put(tx, c); err != nil {
				return err
			} else if err := emitImport(tx, c); err != nil {
				return err
			}
			processed = c.Processed
			return nil
		})
		if err != nil {
			return err
		}
		if eof {
			return nil
		}
		if importBatchHook != nil && importBatchHook(processed) {
			return errStopped
		}
	}
}

// csvRecord is one record of the file as read.
type csvRecord struct {
	fields []string
	line   int
	reason string
}

func readBatch(rows *csvRows) ([]csvRecord, bool, error) {
	batch := make([]csvRecord, 0, importBatch)
	for len(batch) < importBatch {
		f, line, reason, err := rows.next()
		if err == io.EOF {
			return batch, true, nil
		}
		if err != nil {
			return nil, false, err
		}
		batch = append(batch, csvRecord{f, line, reason})
	}
	return batch, false, nil
}

// finish ends an import in tx: the file is released, the importer notified.
func (w *importer) finish(tx *storage.Tx, c *ContactImport) error {
	c.FinishedAt = time.Now().UTC()
	if c.BlobHash != "" {
		if err := w.blobs.Release(tx, c.AccountID, c.BlobHash); err != nil {
			return err
		}
		c.BlobHash = ""
	}
	if err := ContactImports.Put(tx, c); err != nil {
		return err
	}
	if err := emitImport(tx, c); err != nil {
		return err
	}
	title := fmt.Sprintf("Contact import finished: %s", c.FileName)
	body := fmt.Sprintf("%d created, %d updated, %d rows with errors.", c.Created, c.Updated, c.Failed)
	if c.Status == ImportFailed {
		title, body = fmt.Sprintf("Contact import failed: %s", c.FileName), c.Error
	}
	if u, err := auth.Users.Get(tx, 0, c.UserID); err == nil && u.Language == "pt-BR" {
		title = fmt.Sprintf("Importação de contatos concluída: %s", c.FileName)
		body = fmt.Sprintf("%d criados, %d atualizados, %d linhas com erro.", c.Created, c.Updated, c.Failed)
		if c.Status == ImportFailed {
			title, body = fmt.Sprintf("Importação de contatos falhou: %s", c.FileName), c.Error
		}
	}
	err := notify.Send(tx, notify.Notification{AccountID: c.AccountID, UserID: c.UserID, Type: NotifyImportFinished,
		Title: title, Body: body, Link: fmt.Sprintf("/contacts/import/%d", c.ID)})
	if err != nil {
		return err
	}
	actor := access.Actor{UserID: c.UserID, AccountID: c.AccountID}
	return audit.Record(tx, actor, "contacts.import", ContactImports.Name(), c.ID,
		fmt.Sprintf("%s: %d created, %d updated, %d failed", c.FileName, c.Created, c.Updated, c.Failed))
}

// importScope is the owner privacy of whoever started an import: an agent's import (OwnerID
// set) may only update contacts the agent could edit by hand.
func importScope(tx *storage.Tx, c *ContactImport) (Scope, error) {
	role := access.Administrator
	if c.OwnerID != 0 {
		role = access.Agent
	}
	return ScopeOf(tx, access.Actor{UserID: c.UserID, AccountID: c.AccountID, Role: role})
}

// importRun imports the rows of one batch in its transaction.
type importRun struct {
	tx      *storage.Tx
	imp     *ContactImport
	headers []string
	scope   Scope
}

// row imports one record, counting it; a bad row is recorded, only storage errors return.
func (r *importRun) row(rec csvRecord) error {
	c := r.imp
	c.Processed++
	reason := rec.reason
	created := false
	if reason == "" {
		var err error
		created, reason, err = r.apply(rec.fields)
		if err != nil {
			return err
		}
	}
	if reason != "" {
		c.Failed++
		return ContactImportErrors.Put(r.tx, &ContactImportError{AccountID: c.AccountID, ImportID: c.ID, Line: rec.line, Reason: reason, Fields: rec.fields})
	}
	if created {
		c.Created++
	} else {
		c.Updated++
	}
	return nil
}

// apply creates or updates the contact of one row. reason explains a bad row.
func (r *importRun) apply(fields []string) (created bool, reason string, err error) {
	if len(fields) != len(r.headers) {
		return false, fmt.Sprintf("has %d fields, the header has %d", len(fields), len(r.headers)), nil
	}
	tx, imp := r.tx, r.imp
	var in Contact
	var tags []string
	attrs := map[string]any{}
	attrHeader := map[string]string{}
	headerOf := map[string]string{}
	for _, m := range imp.Mapping {
		// Exports escape formula-like cells with a quote (escapeCell): drop it coming back.
		cell := strings.TrimSpace(unescapeCell(strings.TrimSpace(fields[m.Column])))
		if cell == "" || m.Target == "" {
			continue
		}
		headerOf[m.Target] = m.Header
		if m.Target != TargetTags && !strings.HasPrefix(m.Target, TargetAttrPrefix) && len(cell) > maxText {
			return false, fmt.Sprintf("%s is longer than %d characters", m.Header, maxText), nil
		}
		switch m.Target {
		case TargetName:
			in.Name = cell
		case TargetEmail:
			e, ok := NormalizeEmail(cell)
			if !ok {
				return false, fmt.Sprintf("%s %q %s", m.Header, cell, emailProblem), nil
			}
			in.Email = e
		case TargetPhone:
			p, ok := NormalizePhone(cell)
			if !ok {
				return false, fmt.Sprintf("%s %q %s", m.Header, cell, phoneProblem), nil
			}
			in.Phone = p
		case TargetIdentifier:
			in.Identifier = cell
		case TargetCity:
			in.City = cell
		case TargetCountry:
			in.Country = cell
		case TargetCompany:
			in.Company = cell
		case TargetTags:
			var problem string
			if tags, problem = NormalizeTags(splitTags(cell)); problem != "" {
				return false, fmt.Sprintf("%s: %s", m.Header, problem), nil
			}
		default:
			key := strings.TrimPrefix(m.Target, TargetAttrPrefix)
			attrs[key], attrHeader[key] = cell, m.Header
		}
	}
	if in.Name == "" && in.Email == "" && in.Phone == "" && in.Identifier == "" {
		return false, "has no name, email, phone number or identifier", nil
	}
	if len(attrs) > 0 {
		valid, fe := ValidateAttributes(tx, imp.AccountID, ModelContact, attrs)
		if len(fe) > 0 {
			keys := make([]string, 0, len(fe))
			for k := range fe {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			k := keys[0]
			h := attrHeader[strings.TrimPrefix(k, "custom_attributes.")]
			if h == "" {
				h = k
			}
			return false, fmt.Sprintf("%s %s", h, fe[k]), nil
		}
		attrs = valid
	}

	c := match(tx, imp.AccountID, Identity{Identifier: in.Identifier, Phone: in.Phone, Email: in.Email})
	if c != nil && !r.scope.Sees(c.OwnerID) {
		return false, "matches a contact that belongs to another agent", nil
	}
	// A value held by another contact than the matched one would merge two people silently.
	for _, by := range []struct{ index, target, value string }{
		{"identifier", TargetIdentifier, in.Identifier}, {"phone", TargetPhone, in.Phone}, {"email", TargetEmail, in.Email},
	} {
		if by.value == "" || c == nil {
			continue
		}
		if other, err := Contacts.GetBy(tx, imp.AccountID, by.index, storage.Str(by.value)); err == nil && other.ID != c.ID {
			if !r.scope.Sees(other.OwnerID) {
				return false, fmt.Sprintf("%s %q belongs to another agent's contact", headerOf[by.target], by.value), nil
			}
			return false, fmt.Sprintf("%s %q belongs to another contact (#%d)", headerOf[by.target], by.value, other.ID), nil
		} else if err != nil && !apperr.Is(err, apperr.NotFound) {
			return false, "", err
		}
	}
	now := time.Now().UTC()
	created = c == nil
	if created {
		c = &Contact{AccountID: imp.AccountID, OwnerID: imp.OwnerID, CreatedAt: now}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.Name, in.Name)
	set(&c.Email, in.Email)
	set(&c.Phone, in.Phone)
	set(&c.Identifier, in.Identifier)
	set(&c.City, in.City)
	set(&c.Country, in.Country)
	set(&c.Company, in.Company)
	if c.Name == "" {
		c.Name = fallbackName(Identity{Phone: c.Phone, Email: c.Email})
		if c.Phone == "" && c.Email == "" {
			c.Name = c.Identifier
		}
	}
	c.Tags = mergeTags(c.Tags, tags)
	if len(c.Tags) > MaxTagsPerContact {
		return false, fmt.Sprintf("%s: a contact has at most %d tags", headerOf[TargetTags], MaxTagsPerContact), nil
	}
	for k, v := range attrs {
		if c.CustomAttributes == nil {
			c.CustomAttributes = map[string]any{}
		}
		c.CustomAttributes[k] = v
	}
	c.UpdatedAt = now
	if err := Contacts.Put(tx, c); err != nil {
		if e, ok := apperr.As(err); ok && e.Kind == apperr.Conflict {
			return false, "clashes with another contact: " + e.Error(), nil
		}
		return false, "", err
	}
	typ := EventContactUpdated
	if created {
		typ = EventContactCreated
	}
	return created, "", emit(tx, typ, c, imp.UserID)
}

// writeBOM starts a CSV download with the UTF-8 BOM, which Excel needs to show accents.
func writeBOM(w io.Writer) error {
	_, err := io.Copy(w, bytes.NewReader(utf8BOM))
	return err
}
