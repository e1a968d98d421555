// Package bench is `parley bench`: it builds a realistic synthetic workspace in a temporary data
// dir (Portuguese and English messages with Zipf word frequencies, attachments, labels,
// assignees, several inboxes), starts the real server binary on it and measures the hot paths
// through the HTTP API on loopback — ingest, lists, opening a conversation, search, a CSV import,
// cold start and memory — reporting a table and JSON against the targets of the product.
//
// Numbers come from a server process of its own, so its RSS and start time are the server's, not
// the generator's; every request is a real HTTP request with a real token.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options size the workspace and say where the server binary and the report are.
type Options struct {
	Messages      int
	Conversations int
	Contacts      int
	// Binary is the parley executable started as the server (`parley serve`).
	Binary string
	// Dir keeps the data dir there instead of a removed temporary one.
	Dir string
	// Reuse measures the workspace an earlier run kept in Dir instead of building one. The
	// measures add to it (ingested messages, imported contacts), so a reused workspace grows.
	Reuse bool
	// Samples is how many requests each latency measure times (default 400).
	Samples int
	// Seconds is how long the sustained ingest runs (default 10).
	Seconds int
	// Skip names measure groups left out ("reads", "ingest", "import"), to profile one of them.
	Skip []string
}

// Measure is one line of the report.
type Measure struct {
	Name   string  `json:"name"`
	Unit   string  `json:"unit"`
	N      int     `json:"n,omitempty"`
	P50    float64 `json:"p50,omitempty"`
	P99    float64 `json:"p99,omitempty"`
	Max    float64 `json:"max,omitempty"`
	Value  float64 `json:"value,omitempty"`
	Target string  `json:"target,omitempty"`
	// Pass is nil when the measure has no target.
	Pass *bool  `json:"pass,omitempty"`
	Note string `json:"note,omitempty"`
}

// Report is the whole run.
type Report struct {
	Version  string    `json:"version"`
	At       time.Time `json:"at"`
	Machine  Machine   `json:"machine"`
	Options  Options   `json:"options"`
	Measures []Measure `json:"measures"`
}

// Machine is where the numbers were taken.
type Machine struct {
	CPUs int    `json:"cpus"`
	OS   string `json:"os"`
	Go   string `json:"go"`
	CPU  string `json:"cpu,omitempty"`
}

// Run builds the workspace, measures, prints progress to log and returns the report.
func Run(ctx context.Context, o Options, version string, log io.Writer) (*Report, error) {
	if o.Messages < o.Conversations || o.Conversations < 1 || o.Contacts < 1 {
		return nil, errors.New("bench: need at least one conversation and one contact, and no fewer messages than conversations")
	}
	if o.Samples <= 0 {
		o.Samples = 400
	}
	if o.Seconds <= 0 {
		o.Seconds = 10
	}
	// The bench shares the two cores with the server it measures: its own garbage collection
	// (it decodes every answer) would run in the middle of timed requests. Collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	rep := &Report{Version: version, At: time.Now().UTC(), Options: o,
		Machine: Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version(), CPU: cpuModel()}}
	dir := o.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "parley-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	add := func(m Measure) {
		rep.Measures = append(rep.Measures, m)
		fmt.Fprintf(log, "  %s\n", m.line())
	}

	var ws *workspace
	if o.Reuse {
		var err error
		if ws, err = loadWorkspace(dir); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "Reusing the workspace kept in %s\n", dir)
		add(Measure{Name: "data dir size (reused workspace)", Unit: "MB", Value: mb(dirSize(dir))})
	} else {
		fmt.Fprintf(log, "Building the workspace: %d messages, %d conversations, %d contacts in %s\n", o.Messages, o.Conversations, o.Contacts, dir)
		began := time.Now()
		var err error
		if ws, err = generate(ctx, dir, o, log); err != nil {
			return nil, fmt.Errorf("bench: generate: %w", err)
		}
		took := time.Since(began)
		add(Measure{Name: "workspace build (stored and indexed)", Unit: "s", Value: took.Seconds(), Note: fmt.Sprintf("%.0f msg/s through IngestBatch, index included", float64(o.Messages)/took.Seconds())})
		add(Measure{Name: "data dir size after the build", Unit: "MB", Value: mb(dirSize(dir))})
		if o.Dir != "" {
			if err := ws.save(dir); err != nil {
				return nil, err
			}
		}
	}

	// Cold start: three starts of a fresh process on the full data set.
	var starts []float64
	var srv *server
	for i := range 3 {
		s, d, err := startServer(ctx, o.Binary, dir, ws)
		if err != nil {
			return nil, err
		}
		starts = append(starts, ms(d))
		if i < 2 {
			if err := s.stop(); err != nil {
				return nil, err
			}
		} else {
			srv = s
		}
	}
	defer srv.stop()
	cs := summarize(starts)
	add(Measure{Name: "cold start to first API answer", Unit: "ms", N: len(starts), P50: cs.p50, Max: cs.max, Target: "≤ 500 ms", Pass: pass(cs.max <= 500)})
	add(Measure{Name: "RSS after start (data loaded)", Unit: "MB", Value: mb(srv.rss()), Note: fmt.Sprintf("%.0f MB of it are mapped file pages", mb(srv.rssFile()))})

	// A server started on a store that was just built (or left with work pending) merges index
	// segments and catches its consumers up for a while, and so does it after each phase (the
	// ingest bursts leave segments to merge). Each phase is measured in the steady state after
	// that work, and how long it took is reported.
	m := &measurer{c: newClient(srv.base), ws: ws, o: o, add: add}
	after := "start"
	for _, g := range []struct {
		name string
		run  func(context.Context) error
	}{{"reads", m.reads}, {"ingest", m.ingest}, {"import", m.importContacts}} {
		if slices.Contains(o.Skip, g.name) {
			continue
		}
		busy := srv.settle(ctx, 3*time.Minute, 1)
		add(Measure{Name: "background work after " + after, Unit: "s", Value: busy.Seconds(),
			Note: "index merges and consumers catching up; the " + g.name + " phase starts after it"})
		if err := g.run(ctx); err != nil {
			return nil, err
		}
		after = g.name
	}
	// The server gives memory back once it is quiet after work (app/memory.go): the RSS is
	// read after the background work of the last phase, and the trimmer's next tick. The index
	// merges after an import can pause for a second and go on, so the work counts as over after
	// 3 quiet seconds in a row: in two full runs, reading after the first quiet second found
	// 350-400 MB of mapped pages still resident.
	busy := srv.settle(ctx, 3*time.Minute, 3)
	add(Measure{Name: "background work after " + after, Unit: "s", Value: busy.Seconds(), Note: "index merges and consumers catching up; the RSS is read after it"})
	time.Sleep(2 * time.Second)
	rss, file := srv.rss(), srv.rssFile()
	add(Measure{Name: "RSS after the run, once quiet", Unit: "MB", Value: mb(rss), Target: "≤ 250 MB", Pass: pass(mb(rss) <= 250),
		Note: fmt.Sprintf("%.0f MB of it are mapped file pages (bbolt, index, the binary), %.0f MB heap and the rest", mb(file), mb(rss-file))})
	add(Measure{Name: "peak RSS during the run", Unit: "MB", Value: mb(srv.status("VmHWM:")),
		Note: "mapped file pages included: the pages of the store and index read during the bulk phases"})
	if err := srv.stop(); err != nil {
		return nil, err
	}
	add(Measure{Name: "data dir size at the end", Unit: "MB", Value: mb(dirSize(dir))})
	return rep, nil
}

// workspaceFile is where a kept workspace records what --reuse needs to measure it again.
const workspaceFile = "bench-workspace.json"

func (w *workspace) save(dir string) error {
	b, err := json.Marshal(w)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, workspaceFile), b, 0o600)
}

func loadWorkspace(dir string) (*workspace, error) {
	b, err := os.ReadFile(filepath.Join(dir, workspaceFile))
	if err != nil {
		return nil, fmt.Errorf("bench: %s holds no workspace kept by an earlier run (--keep): %w", dir, err)
	}
	w := &workspace{}
	if err := json.Unmarshal(b, w); err != nil {
		return nil, fmt.Errorf("bench: %s: %w", workspaceFile, err)
	}
	return w, nil
}

func pass(ok bool) *bool { return &ok }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// line renders a measure for the progress log.
func (m Measure) line() string {
	var v string
	switch {
	case m.P50 != 0 || m.P99 != 0:
		v = fmt.Sprintf("p50 %s %s · p99 %s %s", num(m.P50), m.Unit, num(m.P99), m.Unit)
		if m.P99 == 0 {
			v = fmt.Sprintf("p50 %s %s · max %s %s", num(m.P50), m.Unit, num(m.Max), m.Unit)
		}
	default:
		v = num(m.Value) + " " + m.Unit
	}
	s := m.Name + ": " + v
	if m.Target != "" {
		s += " (target " + m.Target + ")"
	}
	return s
}

func num(f float64) string {
	switch {
	case f >= 100:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case f >= 10:
		return strconv.FormatFloat(f, 'f', 1, 64)
	default:
		return strconv.FormatFloat(f, 'f', 2, 64)
	}
}

// Table renders the report for people: one line per measure with its target and verdict.
func (r *Report) Table(w io.Writer) {
	fmt.Fprintf(w, "\nParley %s · %d CPUs %s · %s · %d messages, %d conversations, %d contacts\n\n", r.Version, r.Machine.CPUs, r.Machine.CPU, r.Machine.Go,
		r.Options.Messages, r.Options.Conversations, r.Options.Contacts)
	fmt.Fprintf(w, "%-52s %12s %12s %14s  %s\n", "measure", "p50 / value", "p99 / max", "target", "")
	for _, m := range r.Measures {
		a, b := num(m.Value), ""
		if m.P50 != 0 || m.P99 != 0 || m.Max != 0 {
			a = num(m.P50)
			b = num(m.P99)
			if m.P99 == 0 {
				b = num(m.Max)
			}
		}
		verdict := ""
		if m.Pass != nil {
			verdict = "ok"
			if !*m.Pass {
				verdict = "MISSED"
			}
		}
		fmt.Fprintf(w, "%-52s %9s %-2s %9s %-2s %14s  %s\n", m.Name, a, short(m.Unit), b, short(m.Unit), m.Target, verdict)
		if m.Note != "" {
			fmt.Fprintf(w, "%-52s %s\n", "", "↳ "+m.Note)
		}
	}
}

func short(unit string) string {
	if len(unit) > 2 {
		return ""
	}
	return unit
}

// JSON writes the report as indented JSON.
func (r *Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// server is the parley serve process under measure.
type server struct {
	cmd  *exec.Cmd
	base string
	done chan error
	out  *syncWriter
}

// startServer starts `parley serve` on dir and returns once an authenticated API call answers,
// with the time that took from the process start.
func startServer(ctx context.Context, bin, dir string, ws *workspace) (*server, time.Duration, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	addr := l.Addr().String()
	l.Close()
	out := &syncWriter{b: &strings.Builder{}}
	cmd := exec.Command(bin, "serve", "--data", dir, "--addr", addr, "--backup-schedule", "off", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = io.Discard, out
	s := &server{cmd: cmd, base: "http://" + addr, done: make(chan error, 1), out: out}
	c := newClient(s.base)
	c.http.Timeout = time.Second
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("bench: start %s: %w", bin, err)
	}
	go func() { s.done <- cmd.Wait() }()
	path := fmt.Sprintf("/api/v1/accounts/%d/conversations", ws.AccountID)
	for {
		if code, _ := c.get(ws.Admin, path, nil); code == 200 {
			return s, time.Since(began), nil
		}
		select {
		case err := <-s.done:
			return nil, 0, fmt.Errorf("bench: the server stopped: %v\n%s", err, out.String())
		case <-ctx.Done():
			s.stop()
			return nil, 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Since(began) > time.Minute {
			s.stop()
			return nil, 0, fmt.Errorf("bench: the server did not answer within a minute\n%s", out.String())
		}
	}
}

// stop ends the server gracefully (SIGTERM) and waits for it.
func (s *server) stop() error {
	if s == nil || s.cmd.Process == nil {
		return nil
	}
	if s.cmd.ProcessState != nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil && !strings.Contains(err.Error(), "signal") {
			return fmt.Errorf("bench: server exit: %w\n%s", err, s.out.String())
		}
		return nil
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		return errors.New("bench: the server did not stop within 30 s")
	}
}

// rss is the server's resident set size, from /proc (0 where there is none).
func (s *server) rss() int64 { return s.status("VmRSS:") }

// rssFile is the part of the RSS that is file pages mapped by the process: the bbolt file and
// the index segments, read through mmap. The kernel reclaims them under pressure like any page
// cache; the rest (RssAnon) is the heap.
func (s *server) rssFile() int64 { return s.status("RssFile:") }

func (s *server) status(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime is the CPU time the server has used, from /proc/PID/stat (utime and stime, in clock
// ticks of 10 ms), or -1 where there is none.
func (s *server) cpuTime() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	// The command name, in parentheses, may hold spaces: the fields count from after it.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return -1
	}
	user, _ := strconv.ParseInt(f[11], 10, 64)
	sys, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(user+sys) * 10 * time.Millisecond
}

// settle waits until the server has used under 5% of a core in each of `quiet` seconds in a
// row (its background work after a start done: index merges, consumers catching up), at most
// limit, and returns how long it was busy before them (0 where /proc is missing).
func (s *server) settle(ctx context.Context, limit time.Duration, quiet int) time.Duration {
	began := time.Now()
	last := s.cpuTime()
	if last < 0 {
		return 0
	}
	calm := 0
	for time.Since(began) < limit && ctx.Err() == nil {
		time.Sleep(time.Second)
		now := s.cpuTime()
		if now-last < 50*time.Millisecond {
			if calm++; calm == quiet {
				return time.Since(began) - time.Duration(quiet)*time.Second
			}
		} else {
			calm = 0
		}
		last = now
	}
	return time.Since(began)
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
