package storage

import (
	"encoding/binary"
	"strings"
	"time"
)

// Index keys are byte strings compared with bytes.Compare, so each encoder below preserves the
// natural order of its type. Build composite keys with Key(Str("open"), Time(t)).

// Key joins encoded parts into one index key.
func Key(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Uint encodes an unsigned integer big-endian.
func Uint(v uint64) []byte { return u64(v) }

// Int encodes a signed integer so negative values sort before positive ones.
func Int(v int64) []byte { return u64(uint64(v) ^ (1 << 63)) }

// Time encodes an instant (UTC, nanosecond precision); the zero time sorts first.
func Time(t time.Time) []byte {
	if t.IsZero() {
		return Int(0)
	}
	return Int(t.UnixNano())
}

// Str encodes a string followed by a 0x00 terminator, so that "ab" sorts before "abc" and a
// string part can be followed by other parts. NUL bytes inside s are dropped.
func Str(s string) []byte {
	s = strings.ReplaceAll(s, "\x00", "")
	out := make([]byte, len(s)+1)
	copy(out, s)
	return out
}

// Prefix encodes a string without its terminator, for prefix scans ("ana" finds "anabela").
func Prefix(s string) []byte { return []byte(strings.ReplaceAll(s, "\x00", "")) }

// Fold lowercases s for case-insensitive keys (emails, names).
func Fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Bool encodes false before true.
func Bool(v bool) []byte {
	if v {
		return []byte{1}
	}
	return []byte{0}
}

func decodeU64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
