//go:build desktop

package main

import (
	"errors"

	"github.com/parleyhq/parley/app"
	"github.com/parleyhq/parley/app/desktop"
	"github.com/parleyhq/parley/storage"
)

// hasDesktop is true in the desktop build: `parley` with no command opens the window.
const hasDesktop = true

// runDesktop opens the window. When another Parley holds the data dir and it is a window, that
// window comes forward instead (and this process ends); otherwise the store's "in use" error
// stands.
func (c *cli) runDesktop(s *settings) error {
	cfg := c.config(s)
	cfg.Desktop = true
	a, err := app.New(cfg)
	if errors.Is(err, storage.ErrInUse) {
		if ferr := desktop.FocusRunning(s.data); !errors.Is(ferr, desktop.ErrNotDesktop) {
			c.log.Warn("could not reach the Parley window on this data dir", "err", ferr)
		}
		return err
	}
	if err != nil {
		return err
	}
	return desktop.Run(c.ctx, a, cfg)
}
