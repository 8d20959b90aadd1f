package fsutil

import "time"

// SetNow replaces the quarantine clock until the returned func is called.
func SetNow(f func() time.Time) (restore func()) {
	old := now
	now = f
	return func() { now = old }
}
