package api

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
)

// spa serves the built UI: files as they are (hashed assets cached for a year), and index.html
// for every other path so the client router can take it.
func (s *Server) spa() http.Handler {
	var files http.Handler
	var index []byte
	if s.UI != nil {
		index, _ = fs.ReadFile(s.UI, "index.html")
		files = http.FileServerFS(s.UI)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeProblem(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		if index == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><title>Parley</title><body style="font-family:system-ui;margin:4rem auto;max-width:36rem">
<h1>Parley is running</h1><p>The user interface was not built into this binary. Run <code>make build</code> (or <code>make serve</code>) from the source tree, then start Parley again.</p>
<p>The API answers at <a href="/api/v1/docs">/api/v1/docs</a>.</p></body>`)
			return
		}
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if p != "" && p != "index.html" {
			if st, err := fs.Stat(s.UI, p); err == nil && !st.IsDir() {
				if strings.HasPrefix(p, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				files.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		if !isDesktop(r.Context()) { // the desktop webview injects its own runtime scripts
			w.Header().Set("Content-Security-Policy", uiPolicy)
		}
		http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(index))
	})
}

// uiPolicy confines the UI to its own origin: a script that gets in through user content can
// neither load code from elsewhere nor send the session token away. The component kit writes
// styles at run time, hence 'unsafe-inline' for styles only.
const uiPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

// sse streams realtime messages to a browser tab. EventSource cannot send headers, so the
// session token comes in the query string.
func (s *Server) sse(w http.ResponseWriter, r *http.Request) {
	u, _, err := s.Auth.Authenticate(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		writeProblem(w, http.StatusUnauthorized, err.Error())
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeProblem(w, http.StatusNotImplemented, "streaming is not supported here; the desktop app pushes through its own events")
		return
	}
	var accountIDs []uint64
	s.DB.View(func(tx *storage.Tx) error {
		if cur, err := auth.Users.Get(tx, 0, u.ID); err == nil {
			for _, ref := range s.Accounts.Refs(tx, cur) {
				accountIDs = append(accountIDs, ref.ID)
			}
		}
		return nil
	})
	sub := s.Hub.Subscribe(u.ID, accountIDs)
	defer s.Hub.Unsubscribe(sub)
	streamSSE(w, r, flusher, sub.C, 25*time.Second)
}

// streamSSE writes each message of c as a Server-Sent Event until the client leaves or c closes
// (the server shutting down), with a comment every keepalive so proxies keep the line open.
func streamSSE(w http.ResponseWriter, r *http.Request, flusher http.Flusher, c <-chan []byte, keepalive time.Duration) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n: connected\n\n")
	flusher.Flush()
	ping := time.NewTicker(keepalive)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg, ok := <-c:
			if !ok {
				return
			}
			fmt.Fprintf(w, "data: %s\n\n", msg)
			flusher.Flush()
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
			flusher.Flush()
		}
	}
}

var hashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// avatar serves a user's or a widget's avatar by content hash. Only hashes that are some avatar
// are served, so the blob store cannot be browsed through this route.
func (s *Server) avatar(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	if !hashRE.MatchString(hash) || !s.isAvatar(hash) {
		http.NotFound(w, r)
		return
	}
	f, err := s.Blobs.Open(hash)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "avatar", time.Time{}, f)
}

func (s *Server) isAvatar(hash string) bool {
	found := false
	s.DB.View(func(tx *storage.Tx) error { found = auth.IsAvatar(tx, hash) || inboxes.IsAvatar(tx, hash); return nil })
	return found
}

// docs is a self-contained reference page built from the OpenAPI document: no CDN, so it works
// offline like the rest of Parley.
func (s *Server) docs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, docsPage)
}

const docsPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Parley API</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2937;background:#f8fafc}
header{background:#4f46e5;color:#fff;padding:1.5rem 2rem}header h1{margin:0;font-size:1.5rem}header p{margin:.5rem 0 0;opacity:.9;max-width:60rem}
main{max-width:64rem;margin:0 auto;padding:1.5rem 2rem}h2{margin-top:2rem;border-bottom:1px solid #e5e7eb;padding-bottom:.25rem}
details{background:#fff;border:1px solid #e5e7eb;border-radius:8px;margin:.5rem 0}summary{cursor:pointer;padding:.6rem .8rem;display:flex;gap:.75rem;align-items:center}
.m{font:600 .75rem ui-monospace,monospace;padding:.15rem .45rem;border-radius:4px;color:#fff;min-width:3.5rem;text-align:center}
.GET{background:#0ea5e9}.POST{background:#16a34a}.PATCH{background:#d97706}.PUT{background:#d97706}.DELETE{background:#dc2626}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}pre{background:#0f172a;color:#e2e8f0;padding:.75rem;border-radius:6px;overflow:auto;margin:.5rem .8rem .8rem}
.d{padding:0 .8rem;color:#4b5563}a{color:#4f46e5}
</style></head><body><header><h1>Parley API</h1><p id="desc"></p><p><a style="color:#fff" href="/api/v1/openapi.json">openapi.json</a></p></header>
<main id="ops">Loading…</main>
<script>
fetch('/api/v1/openapi.json').then(r=>r.json()).then(doc=>{
  document.getElementById('desc').textContent=doc.info.description||'';
  const byTag={};
  for(const [p,item] of Object.entries(doc.paths||{}))for(const [m,op] of Object.entries(item)){
    const tag=(op.tags||['Other'])[0];(byTag[tag]=byTag[tag]||[]).push({p,m:m.toUpperCase(),op});}
  const root=document.getElementById('ops');root.textContent='';
  const resolve=s=>{if(s&&s.$ref){return doc.components.schemas[s.$ref.split('/').pop()]}return s};
  const sample=(s,d)=>{s=resolve(s);if(!s||d>4)return null;if(s.type==='object'||s.properties){const o={};for(const [k,v] of Object.entries(s.properties||{}))o[k]=sample(v,d+1);return o}
    if(s.type==='array'||(Array.isArray(s.type)&&s.type.includes('array')))return [sample(s.items,d+1)];if(s.enum)return s.enum[0];
    const t=Array.isArray(s.type)?s.type.find(x=>x!=='null'):s.type;return {string:'',integer:0,number:0,boolean:false}[t]??null};
  for(const tag of Object.keys(byTag).sort()){
    const h=document.createElement('h2');h.textContent=tag;root.appendChild(h);
    for(const {p,m,op} of byTag[tag]){
      const d=document.createElement('details');const s=document.createElement('summary');
      s.innerHTML='<span class="m '+m+'">'+m+'</span><code></code><span></span>';s.children[1].textContent=p;s.children[2].textContent=op.summary||'';d.appendChild(s);
      if(op.description){const x=document.createElement('p');x.className='d';x.textContent=op.description;d.appendChild(x)}
      const body=op.requestBody&&op.requestBody.content&&Object.values(op.requestBody.content)[0];
      if(body){const x=document.createElement('p');x.className='d';x.textContent='Request body';d.appendChild(x);const pre=document.createElement('pre');pre.textContent=JSON.stringify(sample(body.schema,0),null,2);d.appendChild(pre)}
      const ok=Object.entries(op.responses||{}).find(([c])=>c.startsWith('2'));
      if(ok){const x=document.createElement('p');x.className='d';x.textContent='Response '+ok[0];d.appendChild(x);const c=ok[1].content&&Object.values(ok[1].content)[0];
        if(c){const pre=document.createElement('pre');pre.textContent=JSON.stringify(sample(c.schema,0),null,2);d.appendChild(pre)}}
      root.appendChild(d);}}
});
</script></body></html>`
