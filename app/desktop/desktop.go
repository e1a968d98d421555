//go:build desktop

// Package desktop is Parley's desktop shell and the only importer of Wails. The window's web view
// talks to the app in process through the AssetServer handler; the app's HTTP listener runs as
// well, because the website widget, the API channel and provider webhooks reach Parley from
// outside the window.
package desktop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/parleyhq/parley/app"
	"github.com/parleyhq/parley/build"
	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"
)

// Window geometry: room for the sidebar, a list and a conversation side by side.
const (
	width, height       = 1280, 800
	minWidth, minHeight = 960, 640
)

// EventName is the Wails event that carries realtime messages to the window; the frontend's
// realtime module listens to it when it runs inside the desktop shell.
const EventName = "parley"

// Run starts a, serves a.Handler on cfg.Addr, opens the window and blocks until the window is
// closed or ctx is cancelled; then it stops the listener and the app. a must come from app.New.
func Run(ctx context.Context, a *app.App, cfg app.Config) (err error) {
	logw := cfg.Logger
	if logw == nil {
		logw = os.Stderr
	}
	if err := a.Start(ctx); err != nil {
		a.Stop()
		return fmt.Errorf("desktop: start: %w", err)
	}
	defer func() {
		if stopErr := a.Stop(); stopErr != nil && err == nil {
			err = fmt.Errorf("desktop: stop: %w", stopErr)
		}
	}()

	// The side listener: without it the window still works, so a taken port is a warning.
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(a.CloseStreams)
	if ln, err := net.Listen("tcp", cfg.Addr); err != nil {
		fmt.Fprintf(logw, "parley: warning: cannot listen on %s (%v): the website widget, the API and webhooks cannot reach this app; set PARLEY_ADDR to a free address\n", cfg.Addr, err)
	} else {
		go srv.Serve(ln)
		defer func() {
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.Shutdown(shutdownCtx)
		}()
	}

	// The window's context exists once Wails has started; a signal then closes the window the
	// same way the close button does.
	var window windowContext
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		select {
		case <-done:
		case <-window.ready():
			wruntime.Quit(window.get())
		}
	}()

	return wails.Run(&options.App{
		Title:     "Parley",
		Width:     width,
		Height:    height,
		MinWidth:  minWidth,
		MinHeight: minHeight,
		// The brand's light background, so the window does not flash black before the UI paints.
		BackgroundColour: &options.RGBA{R: 248, G: 250, B: 252, A: 255},
		AssetServer:      &assetserver.Options{Handler: a.DesktopHandler()},
		OnStartup: func(wctx context.Context) {
			a.SetDesktopEmitter(func(payload []byte) {
				wruntime.EventsEmit(wctx, EventName, string(payload))
			})
			window.set(wctx)
		},
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId: UniqueID(cfg.DataDir),
			OnSecondInstanceLaunch: func(options.SecondInstanceData) {
				// A second launch on the same data dir brings this window forward instead.
				select {
				case <-window.ready():
					wruntime.WindowUnminimise(window.get())
					wruntime.WindowShow(window.get())
				default:
				}
			},
		},
		Linux:              &linux.Options{Icon: build.AppIcon, ProgramName: "parley", WebviewGpuPolicy: linux.WebviewGpuPolicyOnDemand},
		Logger:             logger.NewDefaultLogger(),
		LogLevel:           logger.WARNING,
		LogLevelProduction: logger.ERROR,
	})
}

// windowContext hands the Wails context from OnStartup to the goroutines that act on the window.
type windowContext struct {
	once sync.Once
	ch   chan struct{}
	ctx  context.Context
	mu   sync.Mutex
}

func (w *windowContext) init() {
	w.once.Do(func() { w.ch = make(chan struct{}) })
}

func (w *windowContext) set(ctx context.Context) {
	w.init()
	w.mu.Lock()
	w.ctx = ctx
	w.mu.Unlock()
	close(w.ch)
}

// ready is closed once set has run.
func (w *windowContext) ready() <-chan struct{} {
	w.init()
	return w.ch
}

func (w *windowContext) get() context.Context {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ctx
}

// UniqueID names the single-instance lock: one window per data dir, so two data dirs may still
// be open side by side.
func UniqueID(dataDir string) string {
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	sum := sha256.Sum256([]byte(dataDir))
	return "parley-" + hex.EncodeToString(sum[:8])
}

// ErrNotDesktop is returned by FocusRunning when no Parley window answered for the data dir
// (another kind of Parley process, such as `parley serve`, holds it).
var ErrNotDesktop = errors.New("no Parley window is open on this data dir")

// FocusRunning asks the Parley window already open on dataDir to come forward. Wails does this in
// its single-instance check, which ends this process once the first window has been told; when
// no window answers, a hidden window is closed again and ErrNotDesktop is returned.
func FocusRunning(dataDir string) error {
	err := wails.Run(&options.App{
		Title:       "Parley",
		Width:       minWidth,
		Height:      minHeight,
		StartHidden: true,
		AssetServer: &assetserver.Options{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<!doctype html><title>Parley</title>")
		})},
		OnDomReady:         func(wctx context.Context) { wruntime.Quit(wctx) },
		SingleInstanceLock: &options.SingleInstanceLock{UniqueId: UniqueID(dataDir)},
		Linux:              &linux.Options{ProgramName: "parley"},
		Logger:             logger.NewDefaultLogger(),
		LogLevelProduction: logger.ERROR,
	})
	if err != nil {
		return fmt.Errorf("desktop: %w", err)
	}
	return ErrNotDesktop
}
