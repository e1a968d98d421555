package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/parleyhq/parley/app"
	"github.com/parleyhq/parley/storage/backup"
)

// restore unpacks an archive into an empty data dir, then opens the app once so the search index,
// which a backup does not carry, is rebuilt now rather than on the first start.
func (c *cli) restore(args []string) error {
	fs, s, err := c.flags("restore", "FILE", false)
	if err != nil {
		return err
	}
	if err := c.parse(fs, s, args, 1); err != nil {
		return err
	}
	if err := requireEmptyDir(s.data); err != nil {
		return err
	}
	var in io.Reader = os.Stdin
	if file := fs.Arg(0); file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		in = f
	}
	start := time.Now()
	if err := backup.Restore(in, s.data); err != nil {
		return err
	}
	a, err := app.New(c.config(s))
	if err != nil {
		return err
	}
	if err := a.Stop(); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	fmt.Fprintf(c.stdout, "Restored into %s in %s.\n", s.data, time.Since(start).Round(time.Millisecond))
	return nil
}

// requireEmptyDir refuses to restore over anything: merging a backup into live data would
// silently mix two histories.
func requireEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("restore needs an empty data dir, but %s holds %d entries (%s, ...): pass --data with a new directory, or move this one away",
			dir, len(entries), entries[0].Name())
	}
	return nil
}
