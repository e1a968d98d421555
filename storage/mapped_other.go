//go:build !linux

package storage

// Elsewhere the mapped pages stay; the kernel reclaims them under memory pressure.
func releasePages(addr, n uintptr) error { return nil }

func releaseMapping(b []byte) error { return nil }
