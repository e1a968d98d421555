// Package ratelimit holds the token buckets that protect Parley's public endpoints (the website
// widget, the public client API, webhooks from providers, login): one bucket per key (a client
// address, a visitor, an inbox), forgotten once it has refilled so the map stays small.
package ratelimit

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a set of token buckets, one per key, all with the same rate and burst.
type Keyed struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	buckets map[string]*rate.Limiter
	// now is the clock (tests move it).
	now func() time.Time
}

// maxKeys is how many buckets a Keyed holds before it forgets the full ones.
const maxKeys = 10_000

// New allows burst events at once per key, then one every interval.
func New(burst int, every time.Duration) *Keyed {
	return &Keyed{limit: rate.Every(every), burst: burst, buckets: map[string]*rate.Limiter{}, now: time.Now}
}

// Allow takes one token from key's bucket and reports whether there was one.
func (k *Keyed) Allow(key string) bool {
	ok, _ := k.Take(key)
	return ok
}

// Take is Allow that also says, when refused, how long until the next token (for Retry-After,
// rounded up to whole seconds by the caller).
func (k *Keyed) Take(key string) (bool, time.Duration) {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.buckets) >= maxKeys {
		for key, b := range k.buckets {
			if b.TokensAt(now) >= float64(k.burst) {
				delete(k.buckets, key)
			}
		}
	}
	b, ok := k.buckets[key]
	if !ok {
		b = rate.NewLimiter(k.limit, k.burst)
		k.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Duration(math.MaxInt64)
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// RetryAfter is d in whole seconds, at least 1, for a Retry-After header.
func RetryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// AddressKey is the rate-limit key of a client address: an IPv4 address as it is, an IPv6
// address by its /64, since one home or server gets a whole /64 and could otherwise take a fresh
// allowance for every request.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
