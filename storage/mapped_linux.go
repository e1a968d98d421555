package storage

import (
	"fmt"
	"syscall"
)

// releasePages drops n bytes of a shared, read-only file mapping at addr from the process.
// MADV_DONTNEED on such a mapping loses nothing: the pages are the file's, still cached.
func releasePages(addr, n uintptr) error {
	if addr == 0 || n == 0 {
		return nil
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, addr, n, syscall.MADV_DONTNEED); errno != 0 {
		return fmt.Errorf("storage: release mapped pages: %w", errno)
	}
	return nil
}

func releaseMapping(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if err := syscall.Madvise(b, syscall.MADV_DONTNEED); err != nil {
		return fmt.Errorf("storage: release mapped pages: %w", err)
	}
	return nil
}
