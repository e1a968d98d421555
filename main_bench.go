package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/parleyhq/parley/internal/bench"
)

// bench builds a synthetic workspace and measures the hot paths through the HTTP API of a
// server started from this same binary (see package bench).
func (c *cli) bench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	o := bench.Options{}
	fs.IntVar(&o.Messages, "messages", 1_000_000, "messages in the workspace")
	fs.IntVar(&o.Conversations, "conversations", 100_000, "conversations in the workspace")
	fs.IntVar(&o.Contacts, "contacts", 100_000, "contacts in the workspace, and rows of the measured CSV import")
	fs.IntVar(&o.Samples, "samples", 400, "requests timed per latency measure")
	fs.IntVar(&o.Seconds, "seconds", 10, "`seconds` each sustained ingest runs")
	fs.StringVar(&o.Dir, "keep", "", "build the workspace in this `directory` and keep it (default: a temporary one, removed)")
	skip := fs.String("skip", "", "leave out these measure `groups` (comma-separated: reads, ingest, import)")
	reuse := fs.String("reuse", "", "measure the workspace an earlier run kept in this `directory` (--keep) instead of building one; the measures add to it")
	out := fs.String("out", "", "also write the report as JSON to this `file`")
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: parley bench [flags]\n\nBuilds a synthetic workspace, starts a server on it and measures it through the API.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(c.stderr, "parley bench: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	for name, v := range map[string]int{"messages": o.Messages, "conversations": o.Conversations, "contacts": o.Contacts} {
		if v < 1 {
			fmt.Fprintf(c.stderr, "parley bench: --%s must be at least 1\n", name)
			return errUsage
		}
	}
	if o.Messages < o.Conversations {
		fmt.Fprintf(c.stderr, "parley bench: --messages must be at least --conversations (every conversation has a message)\n")
		return errUsage
	}
	if *skip != "" {
		for _, g := range strings.Split(*skip, ",") {
			if g = strings.TrimSpace(g); g != "reads" && g != "ingest" && g != "import" {
				fmt.Fprintf(c.stderr, "parley bench: --skip: unknown group %q (reads, ingest, import)\n", g)
				return errUsage
			}
			o.Skip = append(o.Skip, strings.TrimSpace(g))
		}
	}
	if *reuse != "" {
		if o.Dir != "" {
			fmt.Fprintf(c.stderr, "parley bench: --keep and --reuse exclude each other\n")
			return errUsage
		}
		o.Dir, o.Reuse = *reuse, true
	} else if o.Dir != "" {
		if entries, err := os.ReadDir(o.Dir); err == nil && len(entries) > 0 {
			return fmt.Errorf("bench: --keep %s is not empty", o.Dir)
		}
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	o.Binary = bin
	rep, err := bench.Run(c.ctx, o, buildVersion(), c.stderr)
	if err != nil {
		return err
	}
	rep.Table(c.stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := rep.JSON(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "\nReport written to %s\n", *out)
	}
	return nil
}
