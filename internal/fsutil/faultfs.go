package fsutil

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// ErrInjected is the error [FaultFS] returns at the failing operation when
// its Err field is nil.
var ErrInjected = errors.New("kseg/fsutil: injected fault")

// Op is one operation recorded by [FaultFS].
type Op struct {
	N    int    // 1-based sequence number
	Name string // "create", "open", "write", "sync", "truncate", "chmod", "chown", "close", "rename", "remove", "mkdir", "mkdirall", "syncdir"
	Path string // file or directory the operation acted on; "old -> new" for rename
}

// String formats the op as "#N name path" for test failure messages.
func (o Op) String() string { return fmt.Sprintf("#%d %s %s", o.N, o.Name, o.Path) }

// FaultFS is an [FS] for tests that counts operations and fails operation
// number FailAt. The intended use enumerates every crash point:
//
//	count := &fsutil.FaultFS{}
//	run(count)                       // learn how many ops the operation takes
//	for n := 1; n <= count.Count(); n++ {
//	    ffs := &fsutil.FaultFS{FailAt: n}
//	    run(ffs)                     // fails at op n
//	    assertWhollyOldOrNew(t)      // the invariant under test
//	}
//
// Every call to OpenFile (read-only opens included) and every Write, Sync,
// Truncate, Chmod, Chown and Close (of a writable file) on a returned File
// counts; reads, Stat and closing a read-only file do not. Set the fields before first use and do not change them
// afterwards. FaultFS is safe for concurrent use, though a concurrent
// operation's number is then not deterministic.
//
// FaultFS cannot simulate the loss of unsynced data in the page cache: after
// a "crash" the files hold whatever was written. The fsync ordering that
// WriteFileAtomic follows is what makes that loss harmless on a real crash.
type FaultFS struct {
	// Base is the FS that performs the operations; nil means OSFS.
	Base FS
	// FailAt is the 1-based number of the operation to fail; 0 never fails.
	FailAt int
	// Err is returned by the failing operation; nil means ErrInjected.
	Err error
	// ShortWrite makes a failing Write first write half of its data, as a
	// full disk or a crash in the middle of a write can.
	ShortWrite bool
	// Crash makes every operation after the failing one fail too without
	// acting (Close still releases the descriptor), simulating a process
	// that died at FailAt: no cleanup runs. Without Crash only operation
	// FailAt fails, simulating a transient error that cleanup code sees.
	Crash bool

	mu     sync.Mutex
	ops    []Op
	failed bool
}

var _ FS = (*FaultFS)(nil)

// Ops returns a copy of the operations recorded so far, in order.
func (f *FaultFS) Ops() []Op {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Op(nil), f.ops...)
}

// Count returns the number of operations recorded so far.
func (f *FaultFS) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ops)
}

// Failed reports whether an injected failure has happened.
func (f *FaultFS) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func (f *FaultFS) base() FS {
	if f.Base == nil {
		return OSFS{}
	}
	return f.Base
}

// step records an operation and returns the error to inject, or nil.
func (f *FaultFS) step(name, path string) error {
	_, err := f.stepPrimary(name, path)
	return err
}

// stepPrimary is step that also reports whether this operation is the
// FailAt one (as opposed to a later one failing because of Crash).
func (f *FaultFS) stepPrimary(name, path string) (primary bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.ops) + 1
	f.ops = append(f.ops, Op{N: n, Name: name, Path: path})
	if n == f.FailAt || (f.Crash && f.failed) {
		f.failed = true
		inj := f.Err
		if inj == nil {
			inj = ErrInjected
		}
		return n == f.FailAt, fmt.Errorf("%s %s (op %d): %w", name, path, n, inj)
	}
	return false, nil
}

// OpenFile implements [FS]. The op is "create" when flag has O_CREATE,
// "open" otherwise.
func (f *FaultFS) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	op := "open"
	if flag&os.O_CREATE != 0 {
		op = "create"
	}
	if err := f.step(op, name); err != nil {
		return nil, err
	}
	file, err := f.base().OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f, readOnly: flag&(os.O_WRONLY|os.O_RDWR) == 0}, nil
}

// Rename implements [FS].
func (f *FaultFS) Rename(oldpath, newpath string) error {
	if err := f.step("rename", oldpath+" -> "+newpath); err != nil {
		return err
	}
	return f.base().Rename(oldpath, newpath)
}

// Remove implements [FS].
func (f *FaultFS) Remove(name string) error {
	if err := f.step("remove", name); err != nil {
		return err
	}
	return f.base().Remove(name)
}

// Mkdir implements [FS].
func (f *FaultFS) Mkdir(name string, perm os.FileMode) error {
	if err := f.step("mkdir", name); err != nil {
		return err
	}
	return f.base().Mkdir(name, perm)
}

// MkdirAll implements [FS].
func (f *FaultFS) MkdirAll(path string, perm os.FileMode) error {
	if err := f.step("mkdirall", path); err != nil {
		return err
	}
	return f.base().MkdirAll(path, perm)
}

// SyncDir implements [FS].
func (f *FaultFS) SyncDir(dir string) error {
	if err := f.step("syncdir", dir); err != nil {
		return err
	}
	return f.base().SyncDir(dir)
}

type faultFile struct {
	File
	fs       *FaultFS
	readOnly bool
}

func (f *faultFile) Write(p []byte) (int, error) {
	if primary, err := f.fs.stepPrimary("write", f.Name()); err != nil {
		n := 0
		if f.fs.ShortWrite && primary && len(p) > 1 {
			n, _ = f.File.Write(p[:len(p)/2])
		}
		return n, err
	}
	return f.File.Write(p)
}

func (f *faultFile) Sync() error {
	if err := f.fs.step("sync", f.Name()); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f *faultFile) Truncate(size int64) error {
	if err := f.fs.step("truncate", f.Name()); err != nil {
		return err
	}
	return f.File.Truncate(size)
}

func (f *faultFile) Chmod(mode os.FileMode) error {
	if err := f.fs.step("chmod", f.Name()); err != nil {
		return err
	}
	return f.File.Chmod(mode)
}

func (f *faultFile) Chown(uid, gid int) error {
	if err := f.fs.step("chown", f.Name()); err != nil {
		return err
	}
	return f.File.Chown(uid, gid)
}

// Close always releases the descriptor so tests don't leak them, but reports
// the injected error (close can fail on NFS after a deferred write error).
// Closing a read-only file is not counted: its error carries no meaning.
func (f *faultFile) Close() error {
	if f.readOnly {
		return f.File.Close()
	}
	ierr := f.fs.step("close", f.Name())
	cerr := f.File.Close()
	if ierr != nil {
		return ierr
	}
	return cerr
}
