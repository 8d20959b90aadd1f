package fsutil

import (
	"fmt"
	"io"
	"os"
)

// File is the subset of *os.File that kseg's writers use. Implementations
// are not safe for concurrent use unless noted; *os.File is.
type File interface {
	io.Reader
	io.ReaderAt
	io.Writer
	io.Closer
	Name() string
	Stat() (os.FileInfo, error)
	Sync() error
	Truncate(size int64) error
	Chmod(mode os.FileMode) error
	Chown(uid, gid int) error
}

// FS is the interface through which every mutating file operation in kseg
// goes, so tests can inject failures with [FaultFS]. Reads of existing data
// may use the os package directly; opening a file for reading through FS is
// also fine (FaultFS counts it as an operation).
type FS interface {
	// OpenFile is os.OpenFile.
	OpenFile(name string, flag int, perm os.FileMode) (File, error)
	// Rename is os.Rename: atomic replacement of newpath on POSIX.
	Rename(oldpath, newpath string) error
	// Remove is os.Remove.
	Remove(name string) error
	// Mkdir is os.Mkdir; it fails with os.ErrExist if name exists, which
	// the quarantine relies on to never reuse a directory.
	Mkdir(name string, perm os.FileMode) error
	// MkdirAll is os.MkdirAll.
	MkdirAll(path string, perm os.FileMode) error
	// SyncDir fsyncs the directory dir so that entries created, renamed or
	// removed in it survive a crash.
	SyncDir(dir string) error
}

// OSFS is the real [FS], backed by the os package. Its zero value is ready
// to use and it is safe for concurrent use.
type OSFS struct{}

var _ FS = OSFS{}

// OpenFile implements [FS].
func (OSFS) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		// Return a nil interface, not a typed nil *os.File.
		return nil, err
	}
	return f, nil
}

// Rename implements [FS].
func (OSFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove implements [FS].
func (OSFS) Remove(name string) error { return os.Remove(name) }

// Mkdir implements [FS].
func (OSFS) Mkdir(name string, perm os.FileMode) error { return os.Mkdir(name, perm) }

// MkdirAll implements [FS].
func (OSFS) MkdirAll(path string, perm os.FileMode) error { return os.MkdirAll(path, perm) }

// SyncDir implements [FS]; see the package function [SyncDir].
func (OSFS) SyncDir(dir string) error { return SyncDir(dir) }

// SyncDir fsyncs a directory. Without it a rename or create can be lost in a
// crash even though the file's own data was fsynced (etcd wal.go fsyncs the
// parent after every rename for the same reason).
//
// TODO(kseg#fsutil-darwin): macOS needs F_FULLFSYNC for real durability
// (etcd client/pkg/fileutil/sync_darwin.go); kseg targets Linux only today.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("kseg/fsutil: sync dir: %w", err)
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return fmt.Errorf("kseg/fsutil: sync dir %s: %w", dir, serr)
	}
	if cerr != nil {
		return fmt.Errorf("kseg/fsutil: close dir %s: %w", dir, cerr)
	}
	return nil
}
