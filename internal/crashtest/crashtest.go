//go:build unix

// Package crashtest runs part of a test in a child process (a re-exec of the test binary) and
// kills it with SIGKILL at a random moment, as a power cut or the OOM killer would, so that
// tests can check what survives.
package crashtest

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ready is the line a child prints once its work is under way.
const ready = "CRASHTEST-READY"

// Ready tells the parent the child has started its work; the kill clock starts then.
func Ready() { fmt.Println(ready) }

// Kill starts the test binary running only the test named test, with env added to the
// environment; waits for the child to call Ready; lets it run for at least min and at most
// min+jitter; then SIGKILLs it. It fails t when the child fails to start or ends by itself.
func Kill(t testing.TB, test string, env []string, min, jitter time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	started := false
	for lines.Scan() {
		if lines.Text() == ready {
			started = true
			break
		}
	}
	if !started {
		cmd.Wait()
		t.Fatalf("crash child %s did not start: %s", test, stderr.String())
	}
	go func() { // keep the pipe drained so the child never blocks on a full pipe
		for lines.Scan() {
		}
	}()
	time.Sleep(min + time.Duration(rand.Int64N(int64(jitter)+1)))
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("crash child %s ended by itself instead of being killed (%v): %s", test, err, stderr.String())
	}
}
