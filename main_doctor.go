package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parleyhq/parley/app"
	"github.com/parleyhq/parley/app/control"
	"github.com/parleyhq/parley/storage"
)

// doctorReport is what `parley doctor --json` prints; the text form shows the same facts.
type doctorReport struct {
	DataDir       string      `json:"data_dir"`
	BinaryVersion string      `json:"binary_version"`
	Initialized   bool        `json:"initialized"`
	Running       bool        `json:"running"`
	PID           int         `json:"pid,omitempty"`
	URL           string      `json:"url,omitempty"`
	Backups       int         `json:"backups"`
	LastBackup    string      `json:"last_backup,omitempty"`
	LastBackupAt  time.Time   `json:"last_backup_at,omitzero"`
	Status        *app.Status `json:"status,omitempty"`
	Problems      []string    `json:"problems"`
}

func (c *cli) doctor(args []string) error {
	fs, s, err := c.flags("doctor", "", false)
	if err != nil {
		return err
	}
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := c.parse(fs, s, args, 0); err != nil {
		return err
	}
	rep := doctorReport{DataDir: s.data, BinaryVersion: buildVersion(), Problems: []string{}}
	if _, err := os.Stat(filepath.Join(s.data, storage.FileName)); err == nil {
		rep.Initialized = true
		var st app.Status
		err := c.withStore(s,
			func(a *app.App) error {
				var err error
				st, err = a.Status(c.ctx)
				return err
			},
			func(cl *control.Client) error {
				rep.Running, rep.PID, rep.URL = true, cl.Instance.PID, cl.URL()+"/"
				return cl.Status(c.ctx, &st)
			})
		if err != nil {
			return err
		}
		rep.Status = &st
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("data dir: %w", err)
	}
	rep.Backups, rep.LastBackup, rep.LastBackupAt = listBackups(filepath.Join(s.data, "backups"))
	rep.Problems = problems(rep)
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printDoctor(c.stdout, rep)
	return nil
}

// listBackups counts the archives in dir and names the newest.
func listBackups(dir string) (int, string, time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, "", time.Time{}
	}
	n, latest, at := 0, "", time.Time{}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		n++
		if fi.ModTime().After(at) {
			latest, at = e.Name(), fi.ModTime()
		}
	}
	return n, latest, at
}

// searchConsumer is the change-feed consumer that feeds the search index.
const searchConsumer = "search"

// laggingConsumer is the lag doctor reports: a consumer keeps up within a few thousand events
// even under a burst, so this many means it is stuck or far too slow.
const laggingConsumer = 50_000

// problems lists what an operator should act on.
func problems(rep doctorReport) []string {
	out := []string{}
	if rep.Status == nil {
		return out
	}
	for _, cs := range rep.Status.Consumers {
		if cs.LastError != "" {
			out = append(out, fmt.Sprintf("consumer %s failed %d time(s); last error: %s", cs.Name, cs.Failures, cs.LastError))
		}
		if cs.Lag >= laggingConsumer && !(cs.Name == searchConsumer && rep.Status.SearchRebuilding) {
			out = append(out, fmt.Sprintf("consumer %s is %d events behind the change feed: what it feeds (search, webhooks, messages to send) is late until it catches up, and the outbox keeps those events on disk meanwhile", cs.Name, cs.Lag))
		}
	}
	if rep.Status.FailedJobs > 0 {
		out = append(out, fmt.Sprintf("%d scheduled job(s) gave up after retries", rep.Status.FailedJobs))
	}
	return out
}

func printDoctor(w io.Writer, rep doctorReport) {
	fmt.Fprintln(w, "Parley doctor")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Data dir\t%s\n", rep.DataDir)
	fmt.Fprintf(tw, "This binary\t%s\n", rep.BinaryVersion)
	if !rep.Initialized {
		fmt.Fprintf(tw, "Store\tnone yet: Parley creates it on first start\n")
		tw.Flush()
		return
	}
	if rep.Running {
		fmt.Fprintf(tw, "Running\tyes, pid %d at %s\n", rep.PID, rep.URL)
	} else {
		fmt.Fprintf(tw, "Running\tno\n")
	}
	st := rep.Status
	if st.Version != "" && st.Version != rep.BinaryVersion {
		fmt.Fprintf(tw, "Running version\t%s\n", st.Version)
	}
	fmt.Fprintf(tw, "Schema version\t%d\n", st.SchemaVersion)
	fmt.Fprintf(tw, "Disk use\t%s\n", humanBytes(st.DiskBytes))
	if !st.StartedAt.IsZero() {
		fmt.Fprintf(tw, "Started\t%s (%s ago)\n", st.StartedAt.Local().Format(time.DateTime), ago(st.StartedAt))
	}
	if rep.Backups == 0 {
		fmt.Fprintf(tw, "Backups\tnone yet in backups/\n")
	} else {
		fmt.Fprintf(tw, "Backups\t%d in backups/, newest %s (%s ago)\n", rep.Backups, rep.LastBackup, ago(rep.LastBackupAt))
	}
	fmt.Fprintf(tw, "Jobs\t%d pending, %d failed\n", st.PendingJobs, st.FailedJobs)
	switch {
	case st.SearchRebuilding && rep.Running:
		fmt.Fprintf(tw, "Search index\tbeing rebuilt: search answers when it is done (minutes for a large workspace)\n")
	case st.SearchRebuilding:
		fmt.Fprintf(tw, "Search index\tout of date: Parley rebuilds it in the background at the next start\n")
	}
	tw.Flush()

	fmt.Fprintln(w)
	if len(st.Consumers) == 0 {
		fmt.Fprintln(w, "Change feed: no consumers registered.")
	} else {
		fmt.Fprintln(w, "Change feed consumers:")
		cons := append([]app.ConsumerStatus(nil), st.Consumers...)
		sort.Slice(cons, func(i, j int) bool { return cons[i].Name < cons[j].Name })
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  NAME\tCURSOR\tLAG\tFAILURES\tLAST ERROR")
		for _, cs := range cons {
			last := "-"
			if cs.LastError != "" {
				last = cs.LastError
				if !cs.LastErrorAt.IsZero() {
					last += " (" + ago(cs.LastErrorAt) + " ago)"
				}
			}
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%s\n", cs.Name, cs.Cursor, cs.Lag, cs.Failures, last)
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	if len(rep.Problems) == 0 {
		fmt.Fprintln(w, "No problems found.")
		return
	}
	fmt.Fprintf(w, "%d problem(s):\n", len(rep.Problems))
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
}

func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return d.Round(time.Minute).String()
	default:
		return d.Round(time.Hour).String()
	}
}
