package fsutil

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// TempSuffix is appended to a target's name to form the temp file that
// WriteFileAtomic writes before renaming it into place (STYLE.md §5.3). Kafka
// ignores it: LogLoader acts only on .deleted, .cleaned and .swap suffixes
// and on index files. Never change it: pre-flight checks look for leftovers
// by this suffix.
const TempSuffix = ".kseg-tmp"

// ErrTempExists means a temp file from an earlier, interrupted run is in the
// way. kseg does not silently overwrite it: the pre-flight step reports it
// (see FindTempFiles) and the operator removes it.
var ErrTempExists = errors.New("kseg/fsutil: leftover temp file from an earlier run")

// ErrNotRegular means the target of a write, truncate or copy is not a
// regular file (a symlink, directory or device), which kseg never mutates.
var ErrNotRegular = errors.New("kseg/fsutil: not a regular file")

// ErrWouldExtend means TruncateFile was asked to grow a file. Extending
// would append zeros that Kafka would read as a batch with length 0.
var ErrWouldExtend = errors.New("kseg/fsutil: truncate would extend file")

// ErrVerify means a copy re-read from disk did not match its source.
var ErrVerify = errors.New("kseg/fsutil: copy verification failed")

// TempPath returns the temp file WriteFileAtomic uses for path.
func TempPath(path string) string { return path + TempSuffix }

// WriteFileAtomic replaces path with data so that after a crash at any point
// path holds either all of its old content (or does not exist, if it did not)
// or all of data. See WriteFileAtomicFunc.
func WriteFileAtomic(fsys FS, path string, data []byte, perm os.FileMode) error {
	return WriteFileAtomicFunc(fsys, path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFileAtomicFunc is WriteFileAtomic with the content produced by write,
// so large files (a rebuilt index) can be streamed. write must not retain w.
//
// Protocol (STYLE.md §5.4): create <path>.kseg-tmp with O_EXCL in the same
// directory → write → fsync → close → rename over path → fsync the
// directory. If path exists, the temp file first gets its permission bits
// and, where they differ, its owner and group: a rebuilt index written by
// root must stay writable by the broker's user.
//
// On any failure before the rename the temp file is removed and path is
// untouched. A failure of the final directory fsync is returned too, but
// path then already holds the new content (durability unknown); rerunning
// the operation is safe. A leftover temp file fails with ErrTempExists.
func WriteFileAtomicFunc(fsys FS, path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	tmp := TempPath(path)
	dir := filepath.Dir(path)

	old, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = nil
	case err != nil:
		return fmt.Errorf("kseg/fsutil: write %s: %w", path, err)
	case !old.Mode().IsRegular():
		return fmt.Errorf("kseg/fsutil: write %s: %w", path, ErrNotRegular)
	}

	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("kseg/fsutil: write %s: %s: %w", path, tmp, ErrTempExists)
	}
	if err != nil {
		return fmt.Errorf("kseg/fsutil: write %s: %w", path, err)
	}
	closed, renamed := false, false
	defer func() {
		if err == nil || renamed {
			return
		}
		if !closed {
			_ = f.Close() // the write error is what matters
		}
		if rerr := fsys.Remove(tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("kseg/fsutil: remove temp file: %w", rerr))
		}
	}()

	if old != nil {
		if err := copyOwnerAndMode(f, old); err != nil {
			return fmt.Errorf("kseg/fsutil: write %s: %w", path, err)
		}
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("kseg/fsutil: write %s: %w", tmp, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("kseg/fsutil: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("kseg/fsutil: fsync %s: %w", tmp, err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("kseg/fsutil: close %s: %w", tmp, err)
	}
	if err := fsys.Rename(tmp, path); err != nil {
		return fmt.Errorf("kseg/fsutil: rename %s: %w", tmp, err)
	}
	renamed = true
	if serr := fsys.SyncDir(dir); serr != nil {
		return fmt.Errorf("kseg/fsutil: %s replaced but directory fsync failed: %w", path, serr)
	}
	return nil
}

func copyOwnerAndMode(f File, old os.FileInfo) error {
	if err := f.Chmod(old.Mode().Perm()); err != nil {
		return err
	}
	ost, ok1 := old.Sys().(*syscall.Stat_t)
	nfi, err := f.Stat()
	if err != nil {
		return err
	}
	nst, ok2 := nfi.Sys().(*syscall.Stat_t)
	if ok1 && ok2 && (ost.Uid != nst.Uid || ost.Gid != nst.Gid) {
		if err := f.Chown(int(ost.Uid), int(ost.Gid)); err != nil {
			return err
		}
	}
	return nil
}

// TruncateFile cuts path to size bytes and fsyncs it. It refuses to grow the
// file (ErrWouldExtend) and to touch anything but a regular file. The caller
// must have quarantined bytes [size, old size) first (STYLE.md §5.4); a
// crash between truncate and fsync can leave either length, and rerunning is
// idempotent (the truncate and fsync are repeated even when the size
// already matches, because the earlier fsync may never have happened).
func TruncateFile(fsys FS, path string, size int64) error {
	st, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("kseg/fsutil: truncate: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("kseg/fsutil: truncate %s: %w", path, ErrNotRegular)
	}
	if size < 0 || size > st.Size() {
		return fmt.Errorf("kseg/fsutil: truncate %s from %d to %d bytes: %w", path, st.Size(), size, ErrWouldExtend)
	}
	f, err := fsys.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("kseg/fsutil: truncate: %w", err)
	}
	if err := f.Truncate(size); err != nil {
		_ = f.Close()
		return fmt.Errorf("kseg/fsutil: truncate %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("kseg/fsutil: fsync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("kseg/fsutil: close %s: %w", path, err)
	}
	return nil
}

// FindTempFiles lists the paths of leftover temp files (names ending in
// TempSuffix) directly inside dir, for the pre-flight report. It does not
// recurse: kseg only writes temp files next to their targets.
func FindTempFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("kseg/fsutil: %w", err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), TempSuffix) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

// CopyFile copies src to dst, which must not exist, fsyncs dst and its
// directory, then re-reads dst and checks its length and SHA-256 against
// what was read from src (cf. bbolt internal/common/utils.go CopyFile, which
// checks the byte count and refuses to overwrite). It returns the hex
// SHA-256 of the content. On failure dst is removed.
func CopyFile(fsys FS, src, dst string, perm os.FileMode) (string, error) {
	st, err := os.Lstat(src)
	if err != nil {
		return "", fmt.Errorf("kseg/fsutil: copy: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("kseg/fsutil: copy %s: %w", src, ErrNotRegular)
	}
	sum, _, err := copyRange(fsys, src, 0, st.Size(), dst, perm)
	return sum, err
}

// copyRange copies bytes [start, end) of src into the new file dst (O_EXCL),
// fsyncs it and dst's directory, re-reads dst and verifies it. It returns
// the hex SHA-256 and the size of src when it was opened.
func copyRange(fsys FS, src string, start, end int64, dst string, perm os.FileMode) (sum string, srcSize int64, err error) {
	if start < 0 || end < start {
		return "", 0, fmt.Errorf("kseg/fsutil: copy %s: bad range [%d, %d)", src, start, end)
	}
	in, err := fsys.OpenFile(src, os.O_RDONLY, 0)
	if err != nil {
		return "", 0, fmt.Errorf("kseg/fsutil: copy: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return "", 0, fmt.Errorf("kseg/fsutil: copy: %w", err)
	}
	srcSize = st.Size()
	if end > srcSize {
		return "", srcSize, fmt.Errorf("kseg/fsutil: copy %s: range [%d, %d) beyond size %d", src, start, end, srcSize)
	}

	out, err := fsys.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return "", srcSize, fmt.Errorf("kseg/fsutil: copy: %w", err)
	}
	closed := false
	defer func() {
		if err == nil {
			return
		}
		if !closed {
			_ = out.Close()
		}
		if rerr := fsys.Remove(dst); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("kseg/fsutil: remove partial copy: %w", rerr))
		}
	}()

	h := sha256.New()
	want := end - start
	n, err := io.CopyBuffer(io.MultiWriter(out, h), io.NewSectionReader(in, start, want), make([]byte, 256<<10))
	if err != nil {
		return "", srcSize, fmt.Errorf("kseg/fsutil: copy %s to %s: %w", src, dst, err)
	}
	if n != want {
		// The source shrank under us; nothing may write to it while we run.
		return "", srcSize, fmt.Errorf("kseg/fsutil: copy %s: read %d of %d bytes: %w", src, n, want, ErrVerify)
	}
	if err := out.Sync(); err != nil {
		return "", srcSize, fmt.Errorf("kseg/fsutil: fsync %s: %w", dst, err)
	}
	closed = true
	if err := out.Close(); err != nil {
		return "", srcSize, fmt.Errorf("kseg/fsutil: close %s: %w", dst, err)
	}
	if err := fsys.SyncDir(filepath.Dir(dst)); err != nil {
		return "", srcSize, err
	}
	sum = hex.EncodeToString(h.Sum(nil))
	if err := verifyFile(fsys, dst, want, sum); err != nil {
		return "", srcSize, err
	}
	return sum, srcSize, nil
}

// verifyFile re-reads path and checks its size and SHA-256. The read is
// normally served from the page cache, so this catches logic and short-write
// bugs, not media errors; the fsync before it is what asks for durability.
func verifyFile(fsys FS, path string, size int64, sum string) error {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("kseg/fsutil: verify: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("kseg/fsutil: verify %s: %w", path, err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if n != size || got != sum {
		return fmt.Errorf("kseg/fsutil: verify %s: %d bytes sha256 %s, want %d bytes sha256 %s: %w", path, n, got, size, sum, ErrVerify)
	}
	return nil
}
