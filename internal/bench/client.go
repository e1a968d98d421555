package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// client calls the API as an integration does: JSON, a bearer token, keep-alive connections.
type client struct {
	base string
	http *http.Client
	// decoding sums the time spent decoding answers (nanoseconds). A latency is the time to the
	// whole answer: the bench's own decoding of it, on the same two cores, is taken out.
	decoding atomic.Int64
}

func newClient(base string) *client {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// do sends one request and decodes a 2xx JSON answer into out (when not nil). The status is
// returned with any error; a non-2xx answer is an error carrying the body.
func (c *client) do(token, method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, token, out)
}

func (c *client) send(req *http.Request, token string, out any) (int, error) {
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, fmt.Errorf("%s %s → %d: %s", req.Method, req.URL.Path, res.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		began := time.Now()
		err := json.Unmarshal(b, out)
		c.decoding.Add(int64(time.Since(began)))
		if err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
		}
	}
	return res.StatusCode, nil
}

func (c *client) get(token, path string, out any) (int, error) {
	return c.do(token, http.MethodGet, path, nil, out)
}

// upload posts one file as multipart form field "file".
func (c *client) upload(token, path, name string, data []byte, out any) (int, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return 0, err
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.base+path, &buf)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req, token, out)
}

// stats are the order statistics of a sample, in milliseconds.
type stats struct{ p50, p99, max float64 }

func summarize(xs []float64) stats {
	if len(xs) == 0 {
		return stats{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	at := func(q float64) float64 { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return stats{p50: at(0.50), p99: at(0.99), max: s[len(s)-1]}
}

// syncWriter lets the server's stderr be read while it is still being written.
type syncWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.b.Len() < 1<<16 {
		w.b.Write(p)
	}
	return len(p), nil
}

// String is what the server has written so far.
func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
