package ratelimit

import (
	"testing"
	"time"
)

func TestKeyedBurstThenRefill(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	k := New(3, 10*time.Second)
	k.now = func() time.Time { return now }
	for i := range 3 {
		if !k.Allow("1.2.3.4") {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := k.Take("1.2.3.4")
	if ok {
		t.Fatal("fourth request in the same instant allowed")
	}
	if wait <= 0 || wait > 10*time.Second {
		t.Fatalf("wait %v, want in (0, 10s]", wait)
	}
	if !k.Allow("5.6.7.8") {
		t.Fatal("another key shares the first key's bucket")
	}
	now = now.Add(10 * time.Second)
	if !k.Allow("1.2.3.4") {
		t.Fatal("no token after one interval")
	}
	if k.Allow("1.2.3.4") {
		t.Fatal("two tokens after one interval")
	}
	if RetryAfter(1500*time.Millisecond) != 2 || RetryAfter(0) != 1 {
		t.Fatal("RetryAfter rounds up to whole seconds, at least 1")
	}
}

func TestKeyedForgetsFullBuckets(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	k := New(1, time.Second)
	k.now = func() time.Time { return now }
	for i := range maxKeys {
		k.Allow(string(rune(i)))
	}
	now = now.Add(2 * time.Second)
	k.Allow("new")
	if len(k.buckets) > 2 {
		t.Fatalf("%d buckets kept after every one refilled", len(k.buckets))
	}
}

// TestAddressKey: an IPv6 address counts by its /64 (one home or server), IPv4 as it is.
func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{"1.2.3.4": "1.2.3.4", "::ffff:1.2.3.4": "1.2.3.4", "2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"fe80::1%eth0": "fe80::/64", "not an ip": "not an ip"} {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
