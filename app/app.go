// Package app is Parley's composition root: it opens the store, builds every service with its
// dependencies, registers event consumers and scheduled jobs, and hands the HTTP handler to
// whichever shell runs it (the server or the desktop window).
package app

import (
	"context"
	"io"
	"net/http"
	"time"
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
	StartedAt     time.Time        `json:"started_at"`
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
	cfg Config
}

// New opens the data dir and builds every service. It does not start background work.
func New(cfg Config) (*App, error) { return &App{cfg: cfg}, nil }

// Start starts the background workers (change feed, scheduler, cron).
func (a *App) Start(ctx context.Context) error { return nil }

// Stop stops the workers and closes the store.
func (a *App) Stop() error { return nil }

// Handler is the whole HTTP surface: API, realtime, widget, webhooks and the SPA.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"status":"ok"}`) })
	return mux
}

// DesktopHandler is Handler for requests that come from the desktop window in process: the local
// owner may sign in there without a password.
func (a *App) DesktopHandler() http.Handler { return a.Handler() }

// SetDesktopEmitter installs the desktop shell's push function (Wails EventsEmit); realtime
// messages for the user signed in to the window go through it.
func (a *App) SetDesktopEmitter(emit func(payload []byte)) {}

// Status reports versions, consumer lag and job health.
func (a *App) Status(ctx context.Context) (Status, error) {
	return Status{Version: a.cfg.Version, DataDir: a.cfg.DataDir}, nil
}

// Backup writes a hot backup archive (database snapshot and blobs) to w.
func (a *App) Backup(ctx context.Context, w io.Writer) error { return nil }

// Reindex rebuilds the search index from the store.
func (a *App) Reindex(ctx context.Context) error { return nil }

// Demo fills a realistic demo account (creating the install's first account if there is none).
func (a *App) Demo(ctx context.Context) error { return nil }
