package widget

import "testing"

func TestOriginAllowed(t *testing.T) {
	domains := []string{"example.com", "shop.test:8080", "*.example.org", "LOCALHOST", "127.0.0.1"}
	for _, c := range []struct {
		origin string
		want   bool
	}{
		{"https://example.com", true},
		{"http://example.com:3000", true}, // no port in the entry: any port
		{"https://EXAMPLE.com", true},
		{"https://www.example.com", false}, // not a wildcard entry
		{"https://example.com.evil.net", false},
		{"https://evilexample.com", false},
		{"http://shop.test:8080", true},
		{"http://shop.test", false}, // port 80 is not 8080
		{"https://shop.test:8443", false},
		{"https://a.example.org", true},
		{"https://a.b.example.org", true},
		{"https://example.org", false}, // the wildcard leaves out the apex
		{"https://badexample.org", false},
		{"http://localhost:5173", true},
		{"http://127.0.0.1:9000", true},
		{"null", false},
		{"", false},
		{"file:///etc/passwd", false},
		{"ftp://example.com", false},
		{"https://example.com/path", false},
	} {
		if got := OriginAllowed(domains, c.origin); got != c.want {
			t.Errorf("OriginAllowed(%q) = %v, want %v", c.origin, got, c.want)
		}
	}
	if OriginAllowed(nil, "https://example.com") {
		t.Error("an empty list must allow nobody")
	}
	if OriginAllowed([]string{"example.com:443"}, "http://example.com") || !OriginAllowed([]string{"example.com:443"}, "https://example.com") {
		t.Error("default ports must count as the port")
	}
}

func TestFrameAncestors(t *testing.T) {
	got := FrameAncestors([]string{"Example.com", "shop.test:8080", "*.example.org"})
	if want := "example.com:* shop.test:8080 *.example.org:*"; got != want {
		t.Errorf("FrameAncestors = %q, want %q", got, want)
	}
	if got := FrameAncestors([]string{"evil.com; script-src *"}); got != "'none'" {
		t.Errorf("an entry that would break the policy is dropped: %q", got)
	}
	if got := FrameAncestors(nil); got != "'none'" {
		t.Errorf("no domains: %q", got)
	}
}

// An IPv6 literal is a host source only in brackets: "::1:*" is not valid CSP (the browser
// drops it, or reads a different host), "[::1]:*" is.
func TestFrameAncestorsBracketsIPv6(t *testing.T) {
	for _, c := range []struct {
		domains []string
		want    string
	}{
		{[]string{"::1"}, "[::1]:*"},
		{[]string{"[::1]"}, "[::1]:*"},
		{[]string{"[::1]:8080"}, "[::1]:8080"},
		{[]string{"2001:DB8::5"}, "[2001:db8::5]:*"},
		{[]string{"127.0.0.1", "localhost:5173"}, "127.0.0.1:* localhost:5173"},
	} {
		if got := FrameAncestors(c.domains); got != c.want {
			t.Errorf("FrameAncestors(%q) = %q, want %q", c.domains, got, c.want)
		}
	}
	// The allow-list reads the same entries the same way.
	for _, c := range []struct {
		domain, origin string
		want           bool
	}{
		{"::1", "http://[::1]:3000", true},
		{"[::1]", "http://[::1]:3000", true},
		{"[::1]:8080", "http://[::1]:8080", true},
		{"[::1]:8080", "http://[::1]:3000", false},
		{"::1", "http://[::2]:3000", false},
	} {
		if got := OriginAllowed([]string{c.domain}, c.origin); got != c.want {
			t.Errorf("OriginAllowed(%q, %q) = %v, want %v", c.domain, c.origin, got, c.want)
		}
	}
}
