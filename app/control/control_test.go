package control_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/app/control"
	"github.com/parleyhq/parley/storage"
)

// storeTarget drives the control endpoints with a real store held open, the situation the
// package exists for: nobody else can open the file while it runs.
type storeTarget struct {
	db        *storage.DB
	reindexed atomic.Int32
	failAfter bool // Backup fails after writing part of the snapshot
}

type storeStatus struct {
	SchemaVersion uint64 `json:"schema_version"`
	Path          string `json:"path"`
}

func (s *storeTarget) Backup(ctx context.Context, w io.Writer) error {
	if s.failAfter {
		w.Write([]byte("partial"))
		return errors.New("disk\nfull")
	}
	return s.db.View(func(tx *storage.Tx) error {
		_, err := tx.Bolt().WriteTo(w)
		return err
	})
}

func (s *storeTarget) Status(ctx context.Context) (storeStatus, error) {
	v, err := s.db.SchemaVersion()
	return storeStatus{SchemaVersion: v, Path: s.db.Path()}, err
}

func (s *storeTarget) Reindex(ctx context.Context) error {
	s.reindexed.Add(1)
	return nil
}

var notes = []byte("notes")

func openStore(t *testing.T, dir string) *storage.DB {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{Migrations: []storage.Migration{{
		Name: "notes",
		Up: func(tx *storage.Tx) error {
			_, err := tx.Bolt().CreateBucket(notes)
			return err
		},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// serve starts a store, the control handler over real HTTP on loopback and its instance.json, and
// returns the target and the data dir.
func serve(t *testing.T) (*storeTarget, string) {
	t.Helper()
	dir := t.TempDir()
	db := openStore(t, dir)
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	if err := db.Update(func(tx *storage.Tx) error {
		return tx.Bolt().Bucket(notes).Put([]byte("hello"), []byte("world"))
	}); err != nil {
		t.Fatal(err)
	}
	target := &storeTarget{db: db}
	var h http.Handler = http.NotFoundHandler()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	token, err := control.WriteInstance(dir, srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	h = control.Handler(target, token)
	return target, dir
}

func TestWriteReadRemoveInstance(t *testing.T) {
	dir := t.TempDir()
	token, err := control.WriteInstance(dir, "127.0.0.1:8725")
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 64 {
		t.Fatalf("token %q: want 64 hex characters", token)
	}
	fi, err := os.Stat(filepath.Join(dir, control.InstanceFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("instance.json mode %v, want 0600", fi.Mode().Perm())
	}
	inst, err := control.ReadInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	if inst.PID != os.Getpid() || inst.Addr != "127.0.0.1:8725" || inst.Token != token {
		t.Fatalf("read back %+v", inst)
	}
	again, err := control.WriteInstance(dir, "127.0.0.1:8725")
	if err != nil {
		t.Fatal(err)
	}
	if again == token {
		t.Fatal("a new run must get a new token")
	}
	if err := control.RemoveInstance(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := control.ReadInstance(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after remove: %v, want not exist", err)
	}
	if err := control.RemoveInstance(dir); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
}

func TestRemoveInstanceLeavesAnotherProcessFile(t *testing.T) {
	dir := t.TempDir()
	other := `{"pid": 1, "addr": "127.0.0.1:8725", "control_token": "abc"}`
	if err := os.WriteFile(filepath.Join(dir, control.InstanceFile), []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := control.RemoveInstance(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := control.ReadInstance(dir); err != nil {
		t.Fatalf("another process's instance.json was removed: %v", err)
	}
}

func TestClientBackupIsARestorableStore(t *testing.T) {
	_, dir := serve(t)
	c, err := control.NewClient(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	f, err := os.Create(filepath.Join(out, storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Backup(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	restored := openStore(t, out)
	defer restored.Close()
	if err := restored.Check(); err != nil {
		t.Fatal(err)
	}
	var got []byte
	restored.View(func(tx *storage.Tx) error {
		got = append(got, tx.Bolt().Bucket(notes).Get([]byte("hello"))...)
		return nil
	})
	if string(got) != "world" {
		t.Fatalf("restored record = %q, want world", got)
	}
}

func TestClientStatusAndReindex(t *testing.T) {
	target, dir := serve(t)
	c, err := control.NewClient(dir)
	if err != nil {
		t.Fatal(err)
	}
	var st storeStatus
	if err := c.Status(context.Background(), &st); err != nil {
		t.Fatal(err)
	}
	if st.SchemaVersion != 1 || st.Path != filepath.Join(dir, storage.FileName) {
		t.Fatalf("status %+v", st)
	}
	if err := c.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := target.reindexed.Load(); n != 1 {
		t.Fatalf("reindexed %d times, want 1", n)
	}
}

func TestBackupFailureMidStreamReachesClient(t *testing.T) {
	target, dir := serve(t)
	target.failAfter = true
	c, err := control.NewClient(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = c.Backup(context.Background(), &buf)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the server's backup error", err)
	}
}

func TestWrongOrMissingTokenIsRefused(t *testing.T) {
	target, dir := serve(t)
	inst, err := control.ReadInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{"", "0000", inst.Token[:63] + "x"} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+inst.Addr+control.Prefix+"reindex", nil)
		if token != "" {
			req.Header.Set(control.Header, token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("token %q: status %d, want 401", token, resp.StatusCode)
		}
	}
	if n := target.reindexed.Load(); n != 0 {
		t.Fatalf("reindex ran %d times without a valid token", n)
	}
	// A client whose instance.json names the right process but an old token gets the reason.
	stale := `{"pid": 1, "addr": "` + inst.Addr + `", "control_token": "old"}`
	if err := os.WriteFile(filepath.Join(dir, control.InstanceFile), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := control.NewClient(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Reindex(context.Background()); err == nil || !strings.Contains(err.Error(), "wrong control token") {
		t.Fatalf("err = %v, want the token refusal", err)
	}
}

func TestOnlyThisMachineIsServed(t *testing.T) {
	target := &storeTarget{}
	h := control.Handler(target, "secret")
	cases := []struct {
		name   string
		remote string
		header string
		want   int
	}{
		{"loopback", "127.0.0.1:5000", "", http.StatusNoContent},
		{"loopback v6", "[::1]:5000", "", http.StatusNoContent},
		{"other host", "203.0.113.7:5000", "", http.StatusForbidden},
		{"through a proxy", "127.0.0.1:5000", "198.51.100.1", http.StatusForbidden},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(http.MethodPost, control.Prefix+"reindex", nil)
		req.RemoteAddr = tc.remote
		req.Header.Set(control.Header, "secret")
		if tc.header != "" {
			req.Header.Set("X-Forwarded-For", tc.header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.want)
		}
	}
	if n := target.reindexed.Load(); n != 2 {
		t.Fatalf("reindex ran %d times, want 2 (the loopback requests)", n)
	}
}

func TestEmptyTokenRefusesEverything(t *testing.T) {
	target := &storeTarget{}
	h := control.Handler(target, "")
	req := httptest.NewRequest(http.MethodPost, control.Prefix+"reindex", nil)
	req.RemoteAddr = "127.0.0.1:5000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || target.reindexed.Load() != 0 {
		t.Fatalf("status %d, reindexed %d: an empty token must open nothing", rec.Code, target.reindexed.Load())
	}
}

func TestNewClientWithoutInstance(t *testing.T) {
	if _, err := control.NewClient(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want not exist", err)
	}
}
