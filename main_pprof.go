package main

import (
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// servePprof starts Go's profiler endpoints on PARLEY_PPROF (a loopback address such as
// 127.0.0.1:6060) when it is set, for profiling a server under `parley bench`. It is an operator's
// tool: off unless asked for, on its own listener, never on the app's port.
func (c *cli) servePprof() {
	addr := os.Getenv("PARLEY_PPROF")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		c.log.Warn("PARLEY_PPROF: cannot listen", "addr", addr, "err", err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	c.log.Info("profiler listening", "addr", ln.Addr().String())
	go http.Serve(ln, mux)
}
