package widget

import (
	"net"
	"net/url"
	"strings"
)

// OriginAllowed reports whether a page at origin ("scheme://host[:port]", the browser's Origin
// header) may show the widget of an inbox whose allowed domains are domains. An entry
// "example.com" admits that host on any port, "example.com:8080" only that port, and
// "*.example.com" every subdomain but not the apex. An empty list admits nobody.
func OriginAllowed(domains []string, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" && u.Path != "/" {
		return false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		want, wantPort := unbracket(d), ""
		if h, p, err := net.SplitHostPort(d); err == nil {
			want, wantPort = h, p
		}
		if wantPort != "" && wantPort != port {
			continue
		}
		if sub, ok := strings.CutPrefix(want, "*."); ok {
			if strings.HasSuffix(host, "."+sub) {
				return true
			}
			continue
		}
		if host == want {
			return true
		}
	}
	return false
}

// FrameAncestors is the CSP frame-ancestors source list of the allowed domains: the same rule
// as OriginAllowed, in CSP's words (a host without a port matches any port with ":*").
func FrameAncestors(domains []string) string {
	var out []string
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || strings.ContainsAny(d, " ;,'\"") {
			continue
		}
		if _, _, err := net.SplitHostPort(d); err != nil {
			// A bare IPv6 literal is only a host source in brackets ("::1:*" is not one).
			if h := unbracket(d); strings.Contains(h, ":") && net.ParseIP(h) != nil {
				d = "[" + h + "]"
			}
			d += ":*"
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return "'none'"
	}
	return strings.Join(out, " ")
}

// unbracket is an allowed-domain entry without the brackets of an IPv6 literal without a port
// ("[::1]" is "::1", as the Origin's host is compared).
func unbracket(d string) string {
	if h, ok := strings.CutPrefix(d, "["); ok {
		if h, ok := strings.CutSuffix(h, "]"); ok {
			return h
		}
	}
	return d
}
