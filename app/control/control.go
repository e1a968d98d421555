// Package control lets the command line reach a running Parley. bbolt's file lock is exclusive,
// so while the app runs `parley backup`, `doctor` and `reindex` cannot open the store themselves;
// they ask the running process instead, over its own HTTP listener, proving they are on the same
// machine and may read the data dir by presenting the secret the process wrote to instance.json
// (a file only the data dir's owner can read).
package control

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Prefix is where the app mounts Handler: mux.Handle(control.Prefix, control.Handler(a, token)),
// without stripping the prefix.
const Prefix = "/_control/"

// Header carries the control token on every request.
const Header = "X-Parley-Control"

// InstanceFile is the name of the file, inside the data dir, that tells the CLI how to reach the
// running process.
const InstanceFile = "instance.json"

// backupErrorTrailer reports a backup that failed after its first bytes were sent, when the
// status code can no longer say so.
const backupErrorTrailer = "X-Parley-Backup-Error"

// Target is what the control endpoints drive; *app.App satisfies it. The status type is a type
// parameter because this package sits below app and cannot name app.Status.
type Target[S any] interface {
	Backup(ctx context.Context, w io.Writer) error
	Status(ctx context.Context) (S, error)
	Reindex(ctx context.Context) error
}

// Handler serves GET Prefix+"backup" (the archive, streamed), GET Prefix+"status" (JSON) and
// POST Prefix+"reindex" to callers on this machine that present token in Header. An empty token
// refuses every request, so a process that failed to write instance.json exposes nothing.
func Handler[S any](t Target[S], token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix+"backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="parley-backup"`)
		w.Header().Set("Trailer", backupErrorTrailer)
		cw := &countingWriter{w: w}
		err := t.Backup(r.Context(), cw)
		if err == nil {
			return
		}
		if cw.n == 0 {
			w.Header().Del("Trailer")
			w.Header().Del("Content-Disposition")
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		w.Header().Set(backupErrorTrailer, oneLine(err.Error()))
	})
	mux.HandleFunc("GET "+Prefix+"status", func(w http.ResponseWriter, r *http.Request) {
		st, err := t.Status(r.Context())
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("POST "+Prefix+"reindex", func(w http.ResponseWriter, r *http.Request) {
		if err := t.Reindex(r.Context()); err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sameMachine(r) {
			writeError(w, http.StatusForbidden, errors.New("control requests are only accepted from this machine"))
			return
		}
		got := []byte(r.Header.Get(Header))
		if len(want) == 0 || subtle.ConstantTimeCompare(got, want) != 1 {
			writeError(w, http.StatusUnauthorized, errors.New("missing or wrong control token"))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// sameMachine accepts loopback peers, and peers whose address is the listener's own (a server
// bound to one LAN address is reached from its own host through that address). A request that
// went through a proxy is refused, since the proxy's address says nothing about the caller.
func sameMachine(r *http.Request) bool {
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	remote := net.ParseIP(host)
	if remote == nil {
		return false
	}
	if remote.IsLoopback() {
		return true
	}
	if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if tcp, ok := local.(*net.TCPAddr); ok && tcp.IP.Equal(remote) {
			return true
		}
	}
	return false
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(errorBody{Error: err.Error()})
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Instance is the content of instance.json.
type Instance struct {
	PID   int    `json:"pid"`
	Addr  string `json:"addr"`
	Token string `json:"control_token"`
}

// WriteInstance records this process as the one serving dir, listening on addr, and returns the
// fresh control token to give Handler. The file is written atomically with mode 0600.
func WriteInstance(dir, addr string) (string, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("control: token: %w", err)
	}
	inst := Instance{PID: os.Getpid(), Addr: addr, Token: hex.EncodeToString(secret)}
	data, err := json.MarshalIndent(inst, "", "  ")
	if err != nil {
		return "", fmt.Errorf("control: encode instance: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".instance-*.json")
	if err != nil {
		return "", fmt.Errorf("control: write instance: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp already uses 0600; Chmod keeps that true whatever the umask.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("control: write instance: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return "", fmt.Errorf("control: write instance: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("control: write instance: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, InstanceFile)); err != nil {
		return "", fmt.Errorf("control: write instance: %w", err)
	}
	return inst.Token, nil
}

// RemoveInstance deletes instance.json when this process wrote it; a file left by another process
// is not this one's to remove.
func RemoveInstance(dir string) error {
	inst, err := ReadInstance(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if inst.PID != os.Getpid() {
		return nil
	}
	if err := os.Remove(filepath.Join(dir, InstanceFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("control: remove instance: %w", err)
	}
	return nil
}

// ReadInstance reads dir's instance.json. A missing file is reported with os.ErrNotExist.
func ReadInstance(dir string) (Instance, error) {
	var inst Instance
	data, err := os.ReadFile(filepath.Join(dir, InstanceFile))
	if err != nil {
		return inst, fmt.Errorf("control: %w", err)
	}
	if err := json.Unmarshal(data, &inst); err != nil {
		return inst, fmt.Errorf("control: %s is damaged: %w", filepath.Join(dir, InstanceFile), err)
	}
	if inst.Addr == "" || inst.Token == "" {
		return inst, fmt.Errorf("control: %s lacks the address or the token", filepath.Join(dir, InstanceFile))
	}
	return inst, nil
}

// Client calls the control endpoints of the process recorded in a data dir's instance.json.
type Client struct {
	Instance Instance
	base     string
	http     *http.Client
}

// NewClient reads dir's instance.json; it does not contact the process yet.
func NewClient(dir string) (*Client, error) {
	inst, err := ReadInstance(dir)
	if err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(inst.Addr)
	if err != nil {
		return nil, fmt.Errorf("control: address %q in instance.json: %w", inst.Addr, err)
	}
	// A wildcard listener is reached through loopback.
	switch ip := net.ParseIP(host); {
	case host == "" || (ip != nil && ip.Equal(net.IPv4zero)):
		host = "127.0.0.1"
	case ip != nil && ip.Equal(net.IPv6unspecified):
		host = "::1"
	}
	return &Client{
		Instance: inst,
		base:     "http://" + net.JoinHostPort(host, port),
		// No overall timeout: a backup of a large data dir takes as long as it takes; the
		// caller's context bounds it.
		http: &http.Client{Transport: &http.Transport{Proxy: nil}},
	}, nil
}

// URL is the base address the client talks to, for messages.
func (c *Client) URL() string { return c.base }

// Backup streams the running process's hot backup into w.
func (c *Client) Backup(ctx context.Context, w io.Writer) error {
	resp, err := c.do(ctx, http.MethodGet, "backup")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("control: backup: %w", err)
	}
	if msg := resp.Trailer.Get(backupErrorTrailer); msg != "" {
		return fmt.Errorf("control: backup failed in the running Parley (pid %d): %s", c.Instance.PID, msg)
	}
	return nil
}

// Status decodes the running process's status into into (an *app.Status).
func (c *Client) Status(ctx context.Context, into any) error {
	resp, err := c.do(ctx, http.MethodGet, "status")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		return fmt.Errorf("control: status: %w", err)
	}
	return nil
}

// Reindex asks the running process to rebuild its search index and waits until it has.
func (c *Client) Reindex(ctx context.Context) error {
	resp, err := c.do(ctx, http.MethodPost, "reindex")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// do sends one request and turns any non-2xx answer into an error carrying the server's message.
func (c *Client) do(ctx context.Context, method, name string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+Prefix+name, nil)
	if err != nil {
		return nil, fmt.Errorf("control: %s: %w", name, err)
	}
	req.Header.Set(Header, c.Instance.Token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("control: the Parley process recorded in %s (pid %d) does not answer at %s: %w",
			InstanceFile, c.Instance.PID, c.base, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	var body errorBody
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(data, &body) != nil || body.Error == "" {
		body.Error = strings.TrimSpace(string(data))
		if body.Error == "" {
			body.Error = resp.Status
		}
	}
	return nil, fmt.Errorf("control: %s: %s (HTTP %d from pid %d at %s)", name, body.Error, resp.StatusCode, c.Instance.PID, c.base)
}
