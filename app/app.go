// Package app is Parley's composition root: it opens the store, builds every service with its
// dependencies, registers event consumers and scheduled jobs, and hands the HTTP handler to
// whichever shell runs it (the server or the desktop window).
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/api"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/app/channels"
	apichannel "github.com/parleyhq/parley/app/channels/api"
	"github.com/parleyhq/parley/app/channels/client"
	"github.com/parleyhq/parley/app/channels/widget"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/control"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/crm"
	"github.com/parleyhq/parley/app/events"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/mail"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/realtime"
	"github.com/parleyhq/parley/app/replies"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/app/tasks"
	"github.com/parleyhq/parley/app/webhooks"
	"github.com/parleyhq/parley/frontend"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/backup"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/search"
)

// Config is everything a shell passes in; main fills it from flags and PARLEY_* variables.
type Config struct {
	// DataDir holds parley.db, index/, blobs/ and backups/.
	DataDir string
	// Addr is the HTTP listen address of `parley serve` and of the desktop's side listener.
	Addr string
	// Version is the binary's version, recorded in the store and shown by `version`/`doctor`.
	Version string
	// Desktop marks the desktop shell: the local owner is signed in without a password.
	Desktop bool
	// BackupKeep is how many daily backups to keep in DataDir/backups (default 7).
	BackupKeep int
	// BackupSchedule is the cron spec of the daily backup in the server's local time
	// (default "0 3 * * *"; "off" disables it).
	BackupSchedule string
	// Logger receives operational logs (default: stderr).
	Logger io.Writer
	// LogLevel is the minimum level logged (default info).
	LogLevel slog.Level
	// PublicURL is the address sites and integrations reach Parley at ("https://chat.example.com"),
	// used in the widget snippet; empty means the address each request came in on.
	PublicURL string
	// BcryptCost overrides the password hashing cost (tests use bcrypt's minimum).
	BcryptCost int
}

// Status is what `parley doctor` and the operator's status page show.
type Status struct {
	Version       string           `json:"version"`
	DataDir       string           `json:"data_dir"`
	SchemaVersion uint64           `json:"schema_version"`
	DiskBytes     int64            `json:"disk_bytes"`
	Consumers     []ConsumerStatus `json:"consumers"`
	FailedJobs    int              `json:"failed_jobs"`
	PendingJobs   int              `json:"pending_jobs"`
	StartedAt     time.Time        `json:"started_at,omitzero"`
	// SearchRebuilding says the search index is being rebuilt (after an upgrade that changed its
	// mapping, or a damaged index): searches answer that until it is done, and the search
	// consumer's lag is the whole feed meanwhile.
	SearchRebuilding bool `json:"search_rebuilding,omitempty"`
}

// ConsumerStatus is one change-feed consumer's position and health.
type ConsumerStatus struct {
	Name        string    `json:"name"`
	Cursor      uint64    `json:"cursor"`
	Lag         uint64    `json:"lag"`
	Failures    int       `json:"failures"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// Shell is what main and the desktop package need from the app; the methods below are
// implemented in this package.
type Shell interface {
	Start(ctx context.Context) error
	Stop() error
	Handler() http.Handler
	Status(ctx context.Context) (Status, error)
	Backup(ctx context.Context, w io.Writer) error
	Reindex(ctx context.Context) error
}

// App is the running product. Build it with New, then Start it; Stop releases the data dir.
type App struct {
	cfg     Config
	log     *slog.Logger
	started time.Time

	DB       *storage.DB
	Blobs    *blob.Store
	Search   *search.Index
	Events   *events.Dispatcher
	Jobs     *scheduler.Scheduler
	Hub      *realtime.Hub
	Auth     *auth.Service
	Accounts *accounts.Service
	Notify   *notify.Service

	Contacts      *contacts.Service
	CRM           *crm.Service
	Catalog       *catalog.Service
	Tasks         *tasks.Service
	Mail          *mail.Service
	Inboxes       *inboxes.Service
	Conversations *conversations.Service
	Replies       *replies.Service
	Outbox        *channels.Outbox
	Webhooks      *webhooks.Service
	Client        *client.Service
	Widget        *widget.Service

	server *api.Server

	cancel context.CancelFunc
	wg     sync.WaitGroup
	// controlToken guards /_control/ (hot backup, doctor, reindex from the CLI); it is written
	// to DataDir/instance.json, readable only by whoever can read the data dir.
	controlToken string

	desktopMu   sync.Mutex
	desktopEmit func([]byte)
	desktopUser uint64
	desktopSub  *realtime.Subscriber
}

// migrations is the append-only schema history; never edit or reorder an entry.
var migrations = []storage.Migration{
	{Name: "initial schema", Up: func(tx *storage.Tx) error { return nil }},
	{Name: "manual actions become tasks", Up: tasks.MigrateManualActions},
	{Name: "conversation tab tallies", Up: conversations.Conversations.RebuildTallies},
	{Name: "conversation lists drop their \"all\" entries", Up: conversations.MigrateListIndexes},
}

// searchTypes are the document types the areas register with the search index.
func searchTypes() []search.DocType {
	types := append(contacts.SearchTypes(), contacts.CompanySearchTypes()...)
	types = append(types, conversations.SearchTypes()...)
	return append(types, crm.SearchTypes()...)
}

// New opens the data dir and builds every service. It does not start background work.
func New(cfg Config) (*App, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("app: no data dir")
	}
	if cfg.BackupKeep <= 0 {
		cfg.BackupKeep = 7
	}
	if cfg.BackupSchedule == "" {
		cfg.BackupSchedule = "0 3 * * *"
	}
	if cfg.Logger == nil {
		cfg.Logger = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(cfg.Logger, &slog.HandlerOptions{Level: cfg.LogLevel}))
	db, err := storage.Open(cfg.DataDir, storage.Options{Migrations: migrations, Version: cfg.Version})
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, DB: db, Hub: realtime.New()}
	a.Blobs = blob.New(db)
	if a.Search, err = search.Open(db, filepath.Join(cfg.DataDir, "index"), searchTypes(), search.Options{Logger: log, PersistNap: 300 * time.Millisecond}); err != nil {
		db.Close()
		return nil, fmt.Errorf("app: search index: %w", err)
	}
	a.Auth = auth.New(db, auth.Options{BcryptCost: cfg.BcryptCost})
	a.Accounts = accounts.New(db, a.Auth)
	a.Notify = notify.New(db)
	a.Events = events.New(db, events.Options{Logger: log})
	// Each Apply lasts at least the persister's nap, so a batch must hold what a busy inbox
	// writes meanwhile: at 1,000 events the index fell ever further behind a bulk import.
	a.Events.Register(events.Consumer{Name: "search", Handle: a.Search.Apply, Wait: a.Search.Wait, LoadCursor: a.Search.Cursor, BatchSize: 10_000, Linger: 100 * time.Millisecond})
	a.Jobs = scheduler.New(db, scheduler.Options{Logger: log})
	a.Contacts = contacts.New(db)
	a.Inboxes = inboxes.New(db)
	a.Conversations = conversations.New(conversations.Deps{DB: db, Blobs: a.Blobs, Jobs: a.Jobs, Search: a.Search, Logger: log})
	a.Contacts.SetSearch(a.Search)
	a.Catalog = catalog.New(db)
	a.CRM = crm.New(crm.Deps{DB: db, Blobs: a.Blobs, Catalog: a.Catalog, Logger: log})
	a.CRM.SetSearch(a.Search)
	a.Tasks = tasks.New(tasks.Deps{DB: db, Jobs: a.Jobs, Logger: log})
	a.Mail = mail.New(mail.Deps{DB: db, PublicURL: cfg.PublicURL, Logger: log,
		Address: auth.Address,
		Language: func(tx *storage.Tx, accountID uint64) string {
			if acct, err := accounts.Accounts.Get(tx, 0, accountID); err == nil {
				return acct.Language
			}
			return ""
		}})
	a.Contacts.AddLinker(a.Conversations)
	a.Contacts.AddLinker(a.CRM)
	a.CRM.RegisterCriteria(a.Contacts)
	a.Inboxes.InUse = conversations.InboxConversations
	a.Replies = replies.New(db, a.Conversations)
	a.Outbox = channels.NewOutbox(db, a.Conversations, log, channelAdapters()...)
	a.Hub.SetFilter(a.Conversations.RealtimeFilter)
	a.Events.Register(events.Consumer{Name: "realtime", Handle: a.Hub.Handle, Ephemeral: true})
	a.Events.Register(events.Consumer{Name: "outbox", Handle: a.Outbox.Handle, BatchSize: 50, LazyCursor: true})
	a.Webhooks = webhooks.New(webhooks.Deps{DB: db, Notify: a.Notify, Conversations: a.Conversations, Logger: log})
	a.Events.Register(events.Consumer{Name: "webhooks", Handle: a.Webhooks.Handle, BatchSize: 200, LazyCursor: true})
	a.Client = client.New(client.Deps{DB: db, Blobs: a.Blobs, Conversations: a.Conversations, Logger: log})
	a.Widget = widget.New(widget.Deps{DB: db, Client: a.Client, Conversations: a.Conversations, Hub: a.Hub, Logger: log})
	a.Events.Register(events.Consumer{Name: "widget", Handle: a.Widget.Handle, Ephemeral: true})

	var ui fs.FS
	if sub, err := fs.Sub(frontend.Dist, "dist"); err == nil {
		ui = sub
	}
	a.server = api.New(api.Deps{
		DB: db, Auth: a.Auth, Accounts: a.Accounts, Notify: a.Notify, Hub: a.Hub, Blobs: a.Blobs,
		Contacts: a.Contacts, Inboxes: a.Inboxes, Conversations: a.Conversations, Replies: a.Replies,
		CRM: a.CRM, Catalog: a.Catalog, Tasks: a.Tasks, Mail: a.Mail,
		Webhooks: a.Webhooks, Client: a.Client, Widget: a.Widget, PublicURL: cfg.PublicURL, Addr: cfg.Addr,
		Version: cfg.Version, UI: ui, Demo: a.demoAccount, OnDesktopUser: a.setDesktopUser, Logger: log,
	})
	return a, nil
}

// channelAdapters are the channels this build can deliver through; each channel issue adds its
// adapter here.
func channelAdapters() []channels.Adapter {
	return []channels.Adapter{apichannel.New(), widget.Adapter{}}
}

// Start starts the background workers (change feed, scheduler, cron).
func (a *App) Start(ctx context.Context) error {
	tok, err := control.WriteInstance(a.cfg.DataDir, a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	a.controlToken = tok
	ctx, a.cancel = context.WithCancel(ctx)
	a.started = time.Now()
	if err := a.Events.Start(ctx); err != nil {
		return err
	}
	if err := a.Contacts.StartImports(ctx, a.Blobs, a.log); err != nil {
		return err
	}
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	if err := a.Webhooks.Start(ctx); err != nil {
		return err
	}
	if err := a.Mail.Start(ctx); err != nil {
		return err
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.trimMemory(ctx)
	}()
	if a.cfg.BackupSchedule != "off" {
		dir := filepath.Join(a.cfg.DataDir, "backups")
		err := a.Jobs.Cron(a.cfg.BackupSchedule, "daily-backup", func(ctx context.Context) {
			if path, err := backup.Daily(ctx, a.DB, dir, a.cfg.BackupKeep, time.Now()); err != nil {
				a.log.Error("daily backup failed", "err", err)
			} else {
				a.log.Info("daily backup written", "path", path)
			}
		})
		if err != nil {
			return fmt.Errorf("app: backup schedule %q: %w", a.cfg.BackupSchedule, err)
		}
	}
	if err := a.Jobs.Cron("@daily", "session-purge", func(ctx context.Context) {
		if _, err := a.Auth.PurgeExpired(ctx); err != nil {
			a.log.Error("session purge failed", "err", err)
		}
	}); err != nil {
		return err
	}
	if err := a.Jobs.Cron("@hourly", "webhook-prune", func(ctx context.Context) {
		if _, err := a.Webhooks.Prune(ctx); err != nil {
			a.log.Error("webhook delivery prune failed", "err", err)
		}
	}); err != nil {
		return err
	}
	if err := a.Jobs.Cron("@hourly", "blob-sweep", func(ctx context.Context) {
		if _, err := a.Blobs.Sweep(ctx, 24*time.Hour); err != nil {
			a.log.Error("blob sweep failed", "err", err)
		}
	}); err != nil {
		return err
	}
	if err := a.Jobs.Cron("@daily", "mail-prune", func(ctx context.Context) {
		if _, err := a.Mail.Prune(ctx); err != nil {
			a.log.Error("mail prune failed", "err", err)
		}
	}); err != nil {
		return err
	}
	return nil
}

// Stop stops the workers and closes the store.
func (a *App) Stop() error {
	if a.cancel != nil {
		a.cancel()
	}
	a.Jobs.Stop()
	a.Contacts.StopImports()
	a.Events.Stop()
	a.Webhooks.Stop()
	a.Mail.Stop()
	a.Hub.Close()
	a.Widget.Close()
	a.wg.Wait()
	if a.controlToken != "" {
		control.RemoveInstance(a.cfg.DataDir)
	}
	errs := []error{a.Search.Close(), a.DB.Close()}
	return errors.Join(errs...)
}

// Handler is the whole HTTP surface: API, realtime, widget, webhooks and the SPA, plus the
// CLI's control routes once the app is started.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(control.Prefix, control.Handler(a, a.controlToken))
	mux.Handle("/", a.server)
	return mux
}

// CloseStreams ends the open realtime streams (SSE). Register it with http.Server's
// RegisterOnShutdown: Shutdown waits for every response, and a stream never ends by itself.
func (a *App) CloseStreams() {
	a.Hub.Close()
	a.Widget.Close()
}

// DesktopHandler is Handler for requests that come from the desktop window in process: the local
// owner may sign in there without a password.
func (a *App) DesktopHandler() http.Handler { return a.server.Desktop() }

// SetDesktopEmitter installs the desktop shell's push function (Wails EventsEmit); realtime
// messages for the user signed in to the window go through it.
func (a *App) SetDesktopEmitter(emit func(payload []byte)) {
	a.desktopMu.Lock()
	a.desktopEmit = emit
	a.desktopMu.Unlock()
}

// setDesktopUser (re)subscribes the desktop window to the pushes of the user signed in to it.
func (a *App) setDesktopUser(userID uint64) {
	a.desktopMu.Lock()
	defer a.desktopMu.Unlock()
	if a.desktopUser == userID && a.desktopSub != nil {
		return
	}
	if a.desktopSub != nil {
		a.Hub.Unsubscribe(a.desktopSub)
	}
	var ids []uint64
	a.DB.View(func(tx *storage.Tx) error {
		if u, err := auth.Users.Get(tx, 0, userID); err == nil {
			for _, ref := range a.Accounts.Refs(tx, u) {
				ids = append(ids, ref.ID)
			}
		}
		return nil
	})
	a.desktopUser = userID
	sub := a.Hub.Subscribe(userID, ids)
	a.desktopSub = sub
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for msg := range sub.C {
			a.desktopMu.Lock()
			emit := a.desktopEmit
			a.desktopMu.Unlock()
			if emit != nil {
				emit(msg)
			}
		}
	}()
}

// Status reports versions, consumer lag and job health.
func (a *App) Status(ctx context.Context) (Status, error) {
	st := Status{Version: a.cfg.Version, DataDir: a.cfg.DataDir, StartedAt: a.started, SearchRebuilding: a.Search.Rebuilding()}
	var err error
	if st.SchemaVersion, err = a.DB.SchemaVersion(); err != nil {
		return st, err
	}
	filepath.WalkDir(a.cfg.DataDir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				st.DiskBytes += info.Size()
			}
		}
		return nil
	})
	for _, c := range a.Events.Status() {
		st.Consumers = append(st.Consumers, ConsumerStatus{Name: c.Name, Cursor: c.Cursor, Lag: c.Lag, Failures: c.Failures, LastError: c.LastError, LastErrorAt: c.LastErrorAt})
	}
	js, err := a.Jobs.Status()
	st.PendingJobs, st.FailedJobs = js.Pending, js.Failed
	return st, err
}

// Backup writes a hot backup archive (database snapshot and blobs) to w.
func (a *App) Backup(ctx context.Context, w io.Writer) error { return backup.Write(ctx, a.DB, w) }

// Reindex rebuilds the search index from the store. When the start is already rebuilding it
// (a new version's mapping, a damaged index), that rebuild is the one waited for.
func (a *App) Reindex(ctx context.Context) error {
	if a.Search.Rebuilding() {
		return a.Search.Wait(ctx)
	}
	return a.Search.Rebuild(ctx)
}
