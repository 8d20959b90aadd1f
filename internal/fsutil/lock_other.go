//go:build !linux

package fsutil

import (
	"errors"
	"fmt"
)

// LockHeld is only implemented on Linux; see lock_linux.go.
func LockHeld(logDir string) (held bool, pid int, err error) {
	return false, 0, fmt.Errorf("kseg/fsutil: broker lock probe: %w", errors.ErrUnsupported)
}

// AcquireLock is only implemented on Linux; see lock_linux.go.
func AcquireLock(logDir string) (release func() error, err error) {
	return nil, fmt.Errorf("kseg/fsutil: lock: %w", errors.ErrUnsupported)
}
