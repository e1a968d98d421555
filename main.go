// Command parley is Parley's single binary: the desktop window (when built with the desktop
// tags), the self-hosted server (`parley serve`) and the operator's tools (backup, restore,
// reindex, demo, doctor). Every command takes its settings from flags, falling back to PARLEY_*
// environment variables, falling back to defaults that suit one person on one machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parleyhq/parley/app"
	"github.com/parleyhq/parley/app/control"
	"github.com/parleyhq/parley/storage"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

// defaultAddr listens on loopback only: exposing Parley to a network is a deliberate choice.
const defaultAddr = "127.0.0.1:8725"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal starts a graceful stop, a second one kills at once.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks a mistake on the command line; the message has been printed with the usage.
var errUsage = errors.New("usage")

// run executes one command and returns the process exit code: 0 success, 1 failure, 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	cli := &cli{ctx: ctx, stdout: stdout, stderr: stderr}
	var err error
	switch name {
	case "":
		err = cli.window(args)
	case "serve":
		err = cli.serve(args)
	case "backup":
		err = cli.backup(args)
	case "restore":
		err = cli.restore(args)
	case "reindex":
		err = cli.reindex(args)
	case "demo":
		err = cli.demo(args)
	case "doctor":
		err = cli.doctor(args)
	case "bench":
		err = cli.bench(args)
	case "version":
		err = cli.version(args)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "parley: unknown command %q\n\n%s", name, usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return 1
	}
}

const usage = `Parley is an omnichannel inbox and CRM that runs on one machine.

Usage:
  parley [flags]               open the desktop window (a build without the desktop
                               tags behaves as "parley serve")
  parley serve [flags]         run the server; open the printed address in a browser
  parley backup [flags] FILE   write a backup archive of the data dir to FILE ("-" for
                               stdout); works while Parley is running
  parley restore [flags] FILE  restore a backup archive into an empty data dir
  parley reindex [flags]       rebuild the search index from the stored records
  parley demo [flags]          add a demo account with realistic sample data
  parley doctor [flags]        show the data dir, versions, change-feed lag and job health
  parley bench [flags]         measure lists, search, ingest, import, start and memory
                               on a synthetic workspace (parley bench -h)
  parley version               print the version
  parley help                  show this text

Flags (every command takes --data; serve and the window also take the rest):
  --data DIR              data directory                  env PARLEY_DATA
  --addr HOST:PORT        HTTP listen address             env PARLEY_ADDR (default 127.0.0.1:8725)
  --backup-keep N         daily backups to keep           env PARLEY_BACKUP_KEEP (default 7)
  --backup-schedule CRON  daily backup time, or "off"     env PARLEY_BACKUP_SCHEDULE (default "0 3 * * *")
  --log-level LEVEL       debug, info, warn or error      env PARLEY_LOG_LEVEL (default info)
  --public-url URL        address sites reach Parley at   env PARLEY_PUBLIC_URL (default: the request's)

The default data dir is ~/.local/share/parley on Linux ($XDG_DATA_HOME/parley when set),
~/Library/Application Support/Parley on macOS and %AppData%\Parley on Windows.

Run "parley COMMAND -h" for the flags of one command.
`

// cli carries what every command needs.
type cli struct {
	ctx            context.Context
	stdout, stderr io.Writer
	log            *slog.Logger
}

// settings are the values flags and the environment can set.
type settings struct {
	data           string
	addr           string
	backupKeep     int
	backupSchedule string
	logLevel       string
	level          slog.Level
	// publicURL is where sites and integrations reach Parley (the widget snippet's base).
	publicURL string
}

// flags builds a command's flag set. server adds the flags that only matter to a running app.
func (c *cli) flags(name, argsUsage string, server bool) (*flag.FlagSet, *settings, error) {
	s := &settings{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: parley %s [flags] %s\n\nFlags:\n", name, argsUsage)
		fs.PrintDefaults()
	}
	dataDefault, err := defaultDataDir()
	if err != nil {
		return nil, nil, err
	}
	fs.StringVar(&s.data, "data", envOr("PARLEY_DATA", dataDefault), "data `directory` (env PARLEY_DATA)")
	if server {
		keep := 7
		if v := os.Getenv("PARLEY_BACKUP_KEEP"); v != "" {
			keep, err = strconv.Atoi(v)
			if err != nil || keep < 0 {
				return nil, nil, fmt.Errorf("PARLEY_BACKUP_KEEP=%q: want a whole number of backups to keep", v)
			}
		}
		fs.StringVar(&s.addr, "addr", envOr("PARLEY_ADDR", defaultAddr), "HTTP listen `address` (env PARLEY_ADDR)")
		fs.IntVar(&s.backupKeep, "backup-keep", keep, "number of daily backups to keep (env PARLEY_BACKUP_KEEP)")
		fs.StringVar(&s.backupSchedule, "backup-schedule", envOr("PARLEY_BACKUP_SCHEDULE", "0 3 * * *"),
			"cron `spec` of the daily backup in local time, or \"off\" (env PARLEY_BACKUP_SCHEDULE)")
		fs.StringVar(&s.logLevel, "log-level", envOr("PARLEY_LOG_LEVEL", "info"), "`level` of the logs: debug, info, warn or error (env PARLEY_LOG_LEVEL)")
		fs.StringVar(&s.publicURL, "public-url", os.Getenv("PARLEY_PUBLIC_URL"),
			"the `URL` sites and integrations reach Parley at, used in the website widget's snippet (env PARLEY_PUBLIC_URL; default: the address each request came in on)")
	} else {
		s.addr = envOr("PARLEY_ADDR", defaultAddr)
		s.backupKeep = 7
		s.backupSchedule = "off"
		s.logLevel = envOr("PARLEY_LOG_LEVEL", "info")
	}
	return fs, s, nil
}

// parse parses args and checks the number of positional arguments.
func (c *cli) parse(fs *flag.FlagSet, s *settings, args []string, positional int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != positional {
		if positional == 0 {
			fmt.Fprintf(c.stderr, "parley %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		} else {
			fmt.Fprintf(c.stderr, "parley %s: want %d argument(s), got %d\n", fs.Name(), positional, fs.NArg())
		}
		fs.Usage()
		return errUsage
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(s.logLevel)); err != nil {
		fmt.Fprintf(c.stderr, "parley %s: log level %q: want debug, info, warn or error\n", fs.Name(), s.logLevel)
		return errUsage
	}
	if s.data == "" {
		fmt.Fprintf(c.stderr, "parley %s: --data must not be empty\n", fs.Name())
		return errUsage
	}
	if s.publicURL != "" {
		u, err := url.Parse(s.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			fmt.Fprintf(c.stderr, "parley %s: public URL %q: want an http(s) address like https://chat.example.com\n", fs.Name(), s.publicURL)
			return errUsage
		}
		s.publicURL = strings.TrimRight(s.publicURL, "/")
	}
	abs, err := filepath.Abs(s.data)
	if err != nil {
		return fmt.Errorf("data dir %s: %w", s.data, err)
	}
	s.data = abs
	s.level = level
	c.log = slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

// config turns settings into the app's configuration.
func (c *cli) config(s *settings) app.Config {
	return app.Config{
		DataDir:        s.data,
		Addr:           s.addr,
		PublicURL:      s.publicURL,
		Version:        buildVersion(),
		BackupKeep:     s.backupKeep,
		BackupSchedule: s.backupSchedule,
		Logger:         c.stderr,
		LogLevel:       s.level,
	}
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

// defaultDataDir is the per-user data directory of the platform (not the config dir: the store,
// the index and the blobs are data that may grow large).
func defaultDataDir() (string, error) {
	switch runtime.GOOS {
	case "windows", "darwin":
		// %AppData% on Windows, ~/Library/Application Support on macOS.
		base, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("find the data dir (pass --data or set PARLEY_DATA): %w", err)
		}
		return filepath.Join(base, "Parley"), nil
	}
	if xdg := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(xdg) {
		return filepath.Join(xdg, "parley"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the data dir (pass --data or set PARLEY_DATA): %w", err)
	}
	return filepath.Join(home, ".local", "share", "parley"), nil
}

// buildVersion is the -X version, or for a plain `go build` the commit it was built from.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return version
	}
	if dirty {
		rev += "-dirty"
	}
	return version + "+" + rev
}

func (c *cli) version(args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	fmt.Fprintf(c.stdout, "parley %s (%s, %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// window opens the desktop window, or serves when this build has no desktop shell.
func (c *cli) window(args []string) error {
	fs, s, err := c.flags("", "", true)
	if err != nil {
		return err
	}
	fs.Usage = func() { fmt.Fprint(c.stderr, usage) }
	if err := c.parse(fs, s, args, 0); err != nil {
		return err
	}
	if !hasDesktop {
		return c.runServer(s)
	}
	return c.runDesktop(s)
}

func (c *cli) serve(args []string) error {
	fs, s, err := c.flags("serve", "", true)
	if err != nil {
		return err
	}
	if err := c.parse(fs, s, args, 0); err != nil {
		return err
	}
	return c.runServer(s)
}

// runServer runs the app behind an HTTP server until ctx is cancelled (SIGINT/SIGTERM), then
// stops accepting, lets requests in flight finish and closes the store.
func (c *cli) runServer(s *settings) (err error) {
	// Open the store before listening: a second instance must fail on the data dir, which is the
	// real conflict, rather than on the port.
	a, err := app.New(c.config(s))
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := a.Stop(); stopErr != nil && err == nil {
			err = fmt.Errorf("stop: %w", stopErr)
		}
	}()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen on %s (choose another with --addr or PARLEY_ADDR): %w", s.addr, err)
	}
	if err := a.Start(c.ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start: %w", err)
	}
	c.servePprof()
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(a.CloseStreams)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(c.stdout, "Parley %s is running at %s\nData: %s\nPress Ctrl+C to stop.\n",
		buildVersion(), browseURL(ln.Addr()), s.data)

	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-c.ctx.Done():
	}
	c.log.Info("stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		c.log.Warn("requests still running at shutdown were cut off", "err", err)
	}
	return nil
}

// browseURL is the address a person can open: a wildcard listener is reachable on localhost.
func browseURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port)) + "/"
}

// withStore runs direct against the store when no other process holds it, and remote against
// the running Parley's control endpoints when one does.
func (c *cli) withStore(s *settings, direct func(a *app.App) error, remote func(cl *control.Client) error) (err error) {
	if _, err := os.Stat(filepath.Join(s.data, storage.FileName)); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no Parley data in %s (start Parley once to create it, or pass --data DIR)", s.data)
	}
	a, err := app.New(c.config(s))
	if err == nil {
		defer func() {
			if stopErr := a.Stop(); stopErr != nil && err == nil {
				err = fmt.Errorf("stop: %w", stopErr)
			}
		}()
		return direct(a)
	}
	if !errors.Is(err, storage.ErrInUse) {
		return err
	}
	cl, cerr := control.NewClient(s.data)
	if cerr != nil {
		return fmt.Errorf("%w, and it cannot be reached: %v", err, cerr)
	}
	c.log.Debug("asking the running Parley", "pid", cl.Instance.PID, "url", cl.URL())
	return remote(cl)
}

func (c *cli) backup(args []string) error {
	fs, s, err := c.flags("backup", "FILE", false)
	if err != nil {
		return err
	}
	if err := c.parse(fs, s, args, 1); err != nil {
		return err
	}
	file := fs.Arg(0)
	if file == "-" {
		return c.withStore(s,
			func(a *app.App) error { return a.Backup(c.ctx, c.stdout) },
			func(cl *control.Client) error { return cl.Backup(c.ctx, c.stdout) })
	}
	// Write beside the target and rename at the end, so a failed backup never leaves a file that
	// looks complete.
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".partial-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = c.withStore(s,
		func(a *app.App) error { return a.Backup(c.ctx, tmp) },
		func(cl *control.Client) error { return cl.Backup(c.ctx, tmp) })
	if err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), abs); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if fi, err := os.Stat(abs); err == nil {
		fmt.Fprintf(c.stdout, "Backup written to %s (%s).\n", abs, humanBytes(fi.Size()))
	}
	return nil
}

func (c *cli) reindex(args []string) error {
	fs, s, err := c.flags("reindex", "", false)
	if err != nil {
		return err
	}
	if err := c.parse(fs, s, args, 0); err != nil {
		return err
	}
	start := time.Now()
	err = c.withStore(s,
		func(a *app.App) error { return a.Reindex(c.ctx) },
		func(cl *control.Client) error { return cl.Reindex(c.ctx) })
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Search index rebuilt in %s.\n", time.Since(start).Round(time.Millisecond))
	return nil
}

func (c *cli) demo(args []string) error {
	fs, s, err := c.flags("demo", "", false)
	if err != nil {
		return err
	}
	if err := c.parse(fs, s, args, 0); err != nil {
		return err
	}
	a, err := app.New(c.config(s))
	if errors.Is(err, storage.ErrInUse) {
		return fmt.Errorf("%w: stop it first, or use \"Try with demo data\" in its setup screen", err)
	}
	if err != nil {
		return err
	}
	if err := a.Demo(c.ctx); err != nil {
		a.Stop()
		return fmt.Errorf("demo: %w", err)
	}
	if err := a.Stop(); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	fmt.Fprintf(c.stdout, "Demo data added to %s.\nStart Parley (parley, or parley serve) to look around.\n", s.data)
	return nil
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
