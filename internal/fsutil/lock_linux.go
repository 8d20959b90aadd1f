package fsutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// Kafka takes <log.dir>/.lock with Java's FileChannel.tryLock(), i.e. an
// exclusive lock on [0, Long.MAX_VALUE), which the JDK on Linux issues as
// fcntl(F_SETLK) with l_len = 0: a classic POSIX record lock over the whole
// file, owned by the broker process. flock(2) locks live in a separate
// namespace on Linux and would never see it.
//
// kseg itself uses open file description (OFD) locks, F_OFD_GETLK and
// F_OFD_SETLK (Linux 3.15+; etcd client/pkg/fileutil/lock_linux.go makes
// the same choice). On Linux, OFD and classic locks conflict with each other
// (verified by TestLockVisibility):
//
//   - F_OFD_GETLK on a fresh descriptor reports a classic lock held by
//     another process (with its pid), an OFD lock held by another process or
//     by another descriptor in this one (pid -1), and a classic lock held by
//     this very process. F_GETLK misses the last case, because classic locks
//     never conflict with their own process.
//   - A classic F_SETLK (a broker starting) fails while kseg holds an OFD
//     lock, and vice versa.
//   - Classic locks are dropped when the process closes *any* descriptor of
//     the file. An OFD lock is tied to its own descriptor only, so LockHeld
//     opening and closing .lock cannot release kseg's own AcquireLock.

// LockHeld reports whether <logDir>/.lock is locked, by a broker or by
// another kseg writer. It never creates or modifies the file: a missing
// .lock means not held, and an existing one is opened read-only (F_GETLK
// does not need write access even to test for a write lock). pid is the
// holder's process id when the kernel knows it (classic locks) and 0 when it
// does not (OFD locks have no owning process).
//
// The answer is only a snapshot: a broker may start right after. Mutating
// commands must hold AcquireLock instead.
func LockHeld(logDir string) (held bool, pid int, err error) {
	path := filepath.Join(logDir, LockFileName)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("kseg/fsutil: lock probe: %w", err)
	}
	defer f.Close()
	lk, err := getLock(f)
	if err != nil {
		return false, 0, fmt.Errorf("kseg/fsutil: lock probe %s: %w", path, err)
	}
	if lk.Type == unix.F_UNLCK {
		return false, 0, nil
	}
	if lk.Pid > 0 {
		pid = int(lk.Pid)
	}
	return true, pid, nil
}

// getLock asks which lock, if any, would block an exclusive lock on the
// whole of f. It prefers F_OFD_GETLK (sees every other holder) and falls
// back to F_GETLK on kernels without OFD locks (EINVAL).
func getLock(f *os.File) (unix.Flock_t, error) {
	var lk unix.Flock_t
	err := fcntlLock(f, unix.F_OFD_GETLK, &lk)
	if errors.Is(err, unix.EINVAL) {
		err = fcntlLock(f, unix.F_GETLK, &lk)
	}
	return lk, err
}

// fcntlLock issues cmd for an exclusive lock over the whole file, exactly
// the range Java's tryLock() locks (l_start 0, l_len 0 = to EOF and beyond).
func fcntlLock(f *os.File, cmd int, lk *unix.Flock_t) error {
	*lk = unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 0, Len: 0, Pid: 0} // F_OFD_* require Pid 0
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = unix.FcntlFlock(fd, cmd, lk) }); err != nil {
		return err
	}
	return lerr
}

// AcquireLock takes an exclusive lock on <logDir>/.lock for a kseg writer,
// creating the file if needed as a broker would (Kafka's FileLock opens it
// with CREATE, READ, WRITE). It takes the broker's own lock, not a
// kseg-private file: a file kseg added inside a partition directory would be
// foreign to Kafka's loader, and sharing .lock makes a broker and kseg
// exclude each other in both directions. If the lock is held it returns an
// error wrapping ErrLocked that names the holder's pid when known.
//
// The lock is an OFD lock and lasts until release is called (or the process
// exits). release is idempotent. Two AcquireLock calls in one process
// exclude each other too.
func AcquireLock(logDir string) (release func() error, err error) {
	path := filepath.Join(logDir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kseg/fsutil: lock: %w", err)
	}
	var lk unix.Flock_t
	err = fcntlLock(f, unix.F_OFD_SETLK, &lk)
	if errors.Is(err, unix.EINVAL) {
		// No OFD locks: a classic lock still excludes a broker, but closing
		// any other descriptor of .lock in this process would drop it.
		err = fcntlLock(f, unix.F_SETLK, &lk)
	}
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		msg := "held"
		if g, gerr := getLock(f); gerr == nil && g.Type != unix.F_UNLCK && g.Pid > 0 {
			msg = fmt.Sprintf("held by pid %d", g.Pid)
		}
		_ = f.Close()
		return nil, fmt.Errorf("kseg/fsutil: %s %s: %w", path, msg, ErrLocked)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("kseg/fsutil: lock %s: %w", path, err)
	}
	var once sync.Once
	var cerr error
	return func() error {
		once.Do(func() { cerr = f.Close() }) // closing the description drops the OFD lock
		return cerr
	}, nil
}
