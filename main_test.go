package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/control"
	"github.com/parleyhq/parley/storage"
)

// The test binary doubles as the parley binary: with PARLEY_TEST_RUN_MAIN=1 it runs main, so the
// tests below start real processes (signals, exit codes, file locks) without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("PARLEY_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// parley prepares a child process running the CLI with args.
func parley(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "PARLEY_TEST_RUN_MAIN=1", "PARLEY_LOG_LEVEL=debug")
	return cmd
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// server is a `parley serve` child process.
type server struct {
	cmd    *exec.Cmd
	addr   string
	out    *bytes.Buffer
	exited chan error // receives Wait's result once
}

// stop sends SIGTERM and returns the process's exit error.
func (s *server) stop(t *testing.T) error {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	return <-s.exited
}

// startServer runs `parley serve` on dir and waits until /healthz answers.
func startServer(t *testing.T, dir string) *server {
	t.Helper()
	s := &server{addr: freeAddr(t), out: &bytes.Buffer{}, exited: make(chan error, 1)}
	s.cmd = parley(t, "serve", "--data", dir, "--addr", s.addr)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() { s.cmd.Process.Kill() })
	for {
		select {
		case err := <-s.exited:
			t.Fatalf("parley serve exited early: %v\n%s", err, s.out.String())
		default:
		}
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestVersionPrintsInjectedVersion(t *testing.T) {
	old := version
	version = "1.2.3-test"
	defer func() { version = old }()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "parley 1.2.3-test (") {
		t.Fatalf("version output %q", out.String())
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sevre"}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), `unknown command "sevre"`) || !strings.Contains(errOut.String(), "parley serve") {
		t.Fatalf("stderr %q should name the mistake and show the usage", errOut.String())
	}
}

func TestBadEnvironmentIsReported(t *testing.T) {
	t.Setenv("PARLEY_BACKUP_KEEP", "lots")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--data", t.TempDir()}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut.String(), `PARLEY_BACKUP_KEEP="lots"`) {
		t.Fatalf("stderr %q should name the variable", errOut.String())
	}
}

func TestDefaultDataDirFollowsXDG(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/srv/xdg")
	got, err := defaultDataDir()
	if err != nil {
		t.Fatal(err)
	}
	if got != "/srv/xdg/parley" {
		t.Fatalf("data dir %q, want /srv/xdg/parley", got)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/ana")
	got, err = defaultDataDir()
	if err != nil {
		t.Fatal(err)
	}
	if got != "/home/ana/.local/share/parley" {
		t.Fatalf("data dir %q, want /home/ana/.local/share/parley", got)
	}
}

func TestEnvironmentSetsTheDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "from-env")
	t.Setenv("PARLEY_DATA", dir)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"doctor", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep doctorReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.DataDir != dir || rep.Initialized {
		t.Fatalf("doctor on an unused dir: %+v", rep)
	}
}

func TestServeAnswersAndStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	if err := s.stop(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, s.out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, control.InstanceFile)); err == nil {
		t.Fatalf("instance.json left behind after a clean stop")
	}
}

func TestSecondServerOnTheSameDirFailsWithTheReason(t *testing.T) {
	dir := t.TempDir()
	startServer(t, dir)
	second := parley(t, "serve", "--data", dir, "--addr", freeAddr(t))
	out, err := second.CombinedOutput()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != 1 {
		t.Fatalf("second serve: %v, want exit 1\n%s", err, out)
	}
	if !strings.Contains(string(out), storage.ErrInUse.Error()) {
		t.Fatalf("second serve said %q, want %q", out, storage.ErrInUse.Error())
	}
}

func TestBackupAndDoctorReachTheRunningApp(t *testing.T) {
	dir := t.TempDir()
	startServer(t, dir)

	file := filepath.Join(t.TempDir(), "hot.parley")
	if out, err := parley(t, "backup", "--data", dir, file).CombinedOutput(); err != nil {
		t.Fatalf("backup while running: %v\n%s", err, out)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 {
		t.Fatal("hot backup is empty")
	}

	out, err := parley(t, "doctor", "--json", "--data", dir).Output()
	if err != nil {
		t.Fatalf("doctor while running: %v\n%s", err, out)
	}
	var rep doctorReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, out)
	}
	if !rep.Running || rep.Status == nil || rep.Status.DataDir != dir || rep.Status.SchemaVersion == 0 {
		t.Fatalf("doctor of a running app: %+v", rep)
	}
}

func TestBackupOfAStoppedAppRestoresIntoAnEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if s := startServer(t, dir); s.stop(t) != nil {
		t.Fatalf("stop failed\n%s", s.out.String())
	}
	file := filepath.Join(t.TempDir(), "cold.parley")
	if out, err := parley(t, "backup", "--data", dir, file).CombinedOutput(); err != nil {
		t.Fatalf("backup of a stopped app: %v\n%s", err, out)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if out, err := parley(t, "restore", "--data", restored, file).CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	for _, name := range []string{storage.FileName, "index"} {
		if _, err := os.Stat(filepath.Join(restored, name)); err != nil {
			t.Fatalf("restored dir lacks %s: %v", name, err)
		}
	}
	out, err := parley(t, "doctor", "--json", "--data", restored).Output()
	if err != nil {
		t.Fatalf("doctor on the restored dir: %v\n%s", err, out)
	}
	var rep doctorReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Running || rep.Status == nil || rep.Status.SchemaVersion == 0 {
		t.Fatalf("doctor of the restored dir: %+v", rep)
	}
	if s := startServer(t, restored); s.stop(t) != nil {
		t.Fatalf("the restored dir does not serve\n%s", s.out.String())
	}
}

func TestBackupOfAMissingStoreSaysSo(t *testing.T) {
	var out, errOut bytes.Buffer
	dir := filepath.Join(t.TempDir(), "nothing-here")
	code := run(context.Background(), []string{"backup", "--data", dir, filepath.Join(t.TempDir(), "b")}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "no Parley data in "+dir) {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("backup created the data dir it was asked to read")
	}
}

func TestRestoreRefusesANonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, storage.FileName), []byte("live data"), 0o600); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "b.parley")
	os.WriteFile(archive, []byte("whatever"), 0o600)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"restore", "--data", dir, archive}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "restore needs an empty data dir") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if data, _ := os.ReadFile(filepath.Join(dir, storage.FileName)); string(data) != "live data" {
		t.Fatal("restore touched the existing data")
	}
}

// TestBenchMeasuresASmallWorkspace runs `parley bench` end to end on a tiny workspace: it builds
// the data, starts this binary as the server, measures every path through the API and writes
// the JSON report. Only that each measure was taken is checked — never how fast (timings on a
// shared CI machine prove nothing; the numbers are for people).
func TestBenchMeasuresASmallWorkspace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a workspace and starts servers")
	}
	out := filepath.Join(t.TempDir(), "bench.json")
	kept := filepath.Join(t.TempDir(), "workspace")
	cmd := parley(t, "bench", "--messages", "1500", "--conversations", "150", "--contacts", "200", "--samples", "10", "--seconds", "1", "--out", out, "--keep", kept)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	var rep struct {
		Measures []struct {
			Name  string  `json:"name"`
			N     int     `json:"n"`
			P50   float64 `json:"p50"`
			P99   float64 `json:"p99"`
			Value float64 `json:"value"`
			Pass  *bool   `json:"pass"`
			Note  string  `json:"note"`
		} `json:"measures"`
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	seen := map[string]bool{}
	for _, m := range rep.Measures {
		seen[m.Name] = true
		if m.P50 <= 0 && m.Value <= 0 && !strings.Contains(m.Name, "page 100") {
			t.Errorf("%q measured nothing: %+v", m.Name, m)
		}
		// Each burst says how fast its messages became searchable, the index's catch-up included.
		if strings.Contains(m.Name, "caught up after the burst") {
			var rate int
			if _, err := fmt.Sscanf(m.Note, "%d msg/s stored and searchable", &rate); err != nil || rate <= 0 {
				t.Errorf("%q: note %q gives no searchable rate", m.Name, m.Note)
			}
		}
	}
	for _, name := range []string{"cold start to first API answer", "list: Mine (open), page 1, agent", "list: label vip (open), page 1, administrator",
		"open a conversation (details + latest 50 messages)", "search: a phrase", "search contacts: phone prefix",
		"ingest: one message to visible at the top of the list", "ingest: one message to searchable",
		"ingest sustained: 64 senders, 1 message per request", "CSV import of 200 contacts (upload to done)",
		"RSS after the run, once quiet", "peak RSS during the run", "data dir size at the end"} {
		if !seen[name] {
			t.Errorf("the report has no %q", name)
		}
	}
	if !strings.Contains(stdout.String(), "MISSED") && !strings.Contains(stdout.String(), " ok") {
		t.Errorf("the table shows no verdicts:\n%s", stdout.String())
	}

	// The kept workspace measured again: its ingest must post new messages, not duplicates of the
	// first run's (which would never reach the top of the list).
	again := parley(t, "bench", "--reuse", kept, "--skip", "reads,import", "--samples", "5", "--seconds", "1")
	stdout.Reset()
	stderr.Reset()
	again.Stdout, again.Stderr = &stdout, &stderr
	if err := again.Run(); err != nil {
		t.Fatalf("bench --reuse: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	for _, want := range []string{"data dir size (reused workspace)", "ingest: one message to visible at the top of the list"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the reused run's table has no %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "list: ") || strings.Contains(stdout.String(), "CSV import") {
		t.Errorf("--skip reads,import still measured them:\n%s", stdout.String())
	}
}
