package fsutil

import (
	"errors"
	"os"
	"path/filepath"
)

// LockFileName is the lock file Kafka keeps in every log.dir
// (kafka core/src/main/scala/kafka/log/LogManager.scala LockFileName).
const LockFileName = ".lock"

// ErrLocked means the log directory's .lock is held, normally by a running
// broker. Commands map it to exit code 3 and offer no override (STYLE.md §5.2).
var ErrLocked = errors.New("kseg/fsutil: log directory is locked by another process")

// logDirMarkers are files that exist only at the top of a Kafka log.dir, never
// inside a partition directory (partition dirs hold leader-epoch-checkpoint and
// partition.metadata instead, so those are deliberately absent here).
var logDirMarkers = []string{
	LockFileName,
	"meta.properties",
	"recovery-point-offset-checkpoint",
	"replication-offset-checkpoint",
	"log-start-offset-checkpoint",
	"cleaner-offset-checkpoint",
}

// looksLikeLogDir reports whether dir holds any of logDirMarkers.
func looksLikeLogDir(dir string) bool {
	for _, m := range logDirMarkers {
		if _, err := os.Lstat(filepath.Join(dir, m)); err == nil {
			return true
		}
	}
	return false
}

// FindLogDir walks up from path (a segment file, a partition directory or a
// log.dir itself) to the nearest directory that looks like a Kafka log.dir:
// one holding .lock, meta.properties or a log-dir-level checkpoint file.
// Symlinks are resolved first, so the lock probed is the one guarding the
// real files. It returns false if no ancestor qualifies; a log.dir that no
// broker ever started may have none of the markers, and then no broker holds
// its lock either.
func FindLogDir(path string) (string, bool) {
	p, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
		p = filepath.Dir(p)
	}
	for {
		if looksLikeLogDir(p) {
			return p, true
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", false
		}
		p = parent
	}
}
