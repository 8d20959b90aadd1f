package fsutil

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Quarantine layout constants; part of the on-disk contract, never change.
const (
	// QuarantinePrefix starts the name of every quarantine directory.
	QuarantinePrefix = "kseg-quarantine-"
	// ManifestName is the manifest file inside a quarantine directory.
	ManifestName = "manifest.json"
	// ManifestVersion is the schema version written to the manifest.
	ManifestVersion = 1
	// quarantineTimeFormat is basic ISO 8601 in UTC, sortable as text.
	quarantineTimeFormat = "20060102T150405Z"
)

// now is the clock; tests replace it to provoke name collisions.
var now = time.Now

// ErrInLogDir means a quarantine directory would be inside a Kafka log.dir.
// Kafka's LogManager.loadLogs parses every subdirectory of a log.dir as a
// topic-partition, so a quarantine there could stop the broker from starting.
var ErrInLogDir = errors.New("kseg/fsutil: quarantine directory inside a Kafka log directory")

// ErrQuarantineClosed is returned by SaveRange after Close.
var ErrQuarantineClosed = errors.New("kseg/fsutil: quarantine closed")

// Entry records one saved byte range. SourceSize is the size of Source when
// the range was copied; together with [Start, End) it is enough to undo a
// truncation at Start or a whole-file replacement (see Reassemble).
type Entry struct {
	Source     string `json:"source"`     // absolute path of the file the bytes came from
	SourceSize int64  `json:"sourceSize"` // size of Source when the range was copied
	Start      int64  `json:"start"`      // first byte position copied
	End        int64  `json:"end"`        // byte position just after the last byte copied
	SHA256     string `json:"sha256"`     // hex SHA-256 of the copied bytes
	Stored     string `json:"stored"`     // slash-separated path of the copy, relative to the quarantine directory
	Note       string `json:"note,omitempty"`
}

// Manifest is the content of a quarantine's manifest.json.
type Manifest struct {
	Version     int       `json:"version"`
	Tool        string    `json:"tool"`
	ToolVersion string    `json:"toolVersion"`
	PID         int       `json:"pid"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	// Closed is false while kseg is still working (or crashed mid-run).
	Closed  bool    `json:"closed"`
	Entries []Entry `json:"entries"`
}

// Quarantine is a fresh directory holding verified copies of bytes that
// kseg is about to remove or replace (STYLE.md §5.3). manifest.json is
// rewritten atomically after every save, so once SaveRange returns the copy
// and its record are both durable and the caller may truncate.
//
// A Quarantine is safe for concurrent use; saves are serialized.
type Quarantine struct {
	fs  FS
	dir string

	mu     sync.Mutex
	m      Manifest
	used   map[string]bool // Stored names handed out
	subdir map[string]bool // subdirectories created
	closed bool
}

// NewQuarantine creates a new subdirectory
// <dir>/kseg-quarantine-<UTC time>-<pid> (creating dir if needed) and writes
// an empty manifest into it. It never reuses an existing directory.
//
// It refuses with ErrInLogDir when the quarantine would be inside any of
// logDirs, comparing symlink-resolved absolute paths and, to catch bind
// mounts, the identity (device and inode) of every existing ancestor. It also
// refuses when an ancestor looks like a Kafka log dir (see FindLogDir), so a
// caller that forgot a log.dir is still caught.
func NewQuarantine(fsys FS, dir string, logDirs []string) (*Quarantine, error) {
	if dir == "" {
		return nil, errors.New("kseg/fsutil: empty quarantine directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("kseg/fsutil: quarantine: %w", err)
	}
	if err := checkOutsideLogDirs(abs, logDirs); err != nil {
		return nil, err
	}

	_, statErr := os.Stat(abs)
	if err := fsys.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("kseg/fsutil: quarantine: %w", err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		if err := fsys.SyncDir(filepath.Dir(abs)); err != nil {
			return nil, fmt.Errorf("kseg/fsutil: quarantine: %w", err)
		}
	}

	created := now().UTC()
	name := fmt.Sprintf("%s%s-%d", QuarantinePrefix, created.Format(quarantineTimeFormat), os.Getpid())
	qdir := filepath.Join(abs, name)
	// Mkdir, not MkdirAll: an existing directory is an error, never reused.
	if err := fsys.Mkdir(qdir, 0o700); err != nil {
		return nil, fmt.Errorf("kseg/fsutil: quarantine: %w", err)
	}
	if err := fsys.SyncDir(abs); err != nil {
		return nil, fmt.Errorf("kseg/fsutil: quarantine: %w", err)
	}
	q := &Quarantine{
		fs:  fsys,
		dir: qdir,
		m: Manifest{
			Version:     ManifestVersion,
			Tool:        "kseg",
			ToolVersion: toolVersion(),
			PID:         os.Getpid(),
			Created:     created,
			Updated:     created,
			Entries:     []Entry{},
		},
		used:   map[string]bool{},
		subdir: map[string]bool{},
	}
	if err := q.writeManifest(); err != nil {
		return nil, err
	}
	return q, nil
}

// Dir returns the absolute path of the quarantine directory.
func (q *Quarantine) Dir() string { return q.dir }

// Entries returns a copy of the entries saved so far.
func (q *Quarantine) Entries() []Entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]Entry(nil), q.m.Entries...)
}

// SaveFile saves the whole of srcPath; see SaveRange.
func (q *Quarantine) SaveFile(srcPath, note string) (Entry, error) {
	st, err := os.Stat(srcPath)
	if err != nil {
		return Entry{}, fmt.Errorf("kseg/fsutil: quarantine: %w", err)
	}
	return q.SaveRange(srcPath, 0, st.Size(), note)
}

// SaveRange copies bytes [start, end) of srcPath to
// <quarantine>/<parent dir name>/<file name>.<start>-<end> (with a numeric
// suffix if that name was already used), fsyncs it, re-reads it to verify
// length and SHA-256, and durably records the entry in manifest.json. Only
// after it returns nil may the caller remove those bytes from srcPath.
func (q *Quarantine) SaveRange(srcPath string, start, end int64, note string) (Entry, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return Entry{}, ErrQuarantineClosed
	}
	src, err := filepath.Abs(srcPath)
	if err != nil {
		return Entry{}, fmt.Errorf("kseg/fsutil: quarantine: %w", err)
	}
	// The parent's name is the partition (topic-N): it keeps segments of
	// different partitions, which share file names, apart.
	sub := filepath.Base(filepath.Dir(src))
	stored := fmt.Sprintf("%s/%s.%d-%d", sub, filepath.Base(src), start, end)
	for i := 2; q.used[stored]; i++ {
		stored = fmt.Sprintf("%s/%s.%d-%d.%d", sub, filepath.Base(src), start, end, i)
	}
	if !q.subdir[sub] {
		err := q.fs.Mkdir(filepath.Join(q.dir, sub), 0o700)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return Entry{}, fmt.Errorf("kseg/fsutil: quarantine: %w", err)
		}
		if err := q.fs.SyncDir(q.dir); err != nil {
			return Entry{}, fmt.Errorf("kseg/fsutil: quarantine: %w", err)
		}
		q.subdir[sub] = true
	}
	sum, srcSize, err := copyRange(q.fs, src, start, end, filepath.Join(q.dir, filepath.FromSlash(stored)), 0o600)
	if err != nil {
		return Entry{}, fmt.Errorf("kseg/fsutil: quarantine: %w", err)
	}
	q.used[stored] = true
	e := Entry{Source: src, SourceSize: srcSize, Start: start, End: end, SHA256: sum, Stored: stored, Note: note}
	// The verified copy stays listed even if this manifest write fails: the
	// next successful write then records it.
	q.m.Entries = append(q.m.Entries, e)
	if err := q.writeManifest(); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// Close marks the manifest closed and writes it. Later calls return nil;
// SaveRange after Close fails with ErrQuarantineClosed.
func (q *Quarantine) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.m.Closed = true
	if err := q.writeManifest(); err != nil {
		q.m.Closed = false
		return err
	}
	q.closed = true
	return nil
}

func (q *Quarantine) writeManifest() error {
	q.m.Updated = now().UTC()
	b, err := json.MarshalIndent(&q.m, "", "  ")
	if err != nil {
		return fmt.Errorf("kseg/fsutil: quarantine manifest: %w", err)
	}
	b = append(b, '\n')
	if err := WriteFileAtomic(q.fs, filepath.Join(q.dir, ManifestName), b, 0o600); err != nil {
		return fmt.Errorf("kseg/fsutil: quarantine manifest: %w", err)
	}
	return nil
}

// ReadManifest reads <quarantineDir>/manifest.json.
func ReadManifest(quarantineDir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(quarantineDir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("kseg/fsutil: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("kseg/fsutil: %s: %w", ManifestName, err)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("kseg/fsutil: %s: unsupported version %d", ManifestName, m.Version)
	}
	return &m, nil
}

// Reassemble rebuilds the content source had before kseg first touched it,
// given its current content, from the entries for source in the manifest of
// quarantineDir. See RestoreEntries for the rule.
func Reassemble(quarantineDir, source string, current []byte) ([]byte, error) {
	m, err := ReadManifest(quarantineDir)
	if err != nil {
		return nil, err
	}
	src, err := filepath.Abs(source)
	if err != nil {
		return nil, fmt.Errorf("kseg/fsutil: %w", err)
	}
	var es []Entry
	for _, e := range m.Entries {
		if e.Source == src {
			es = append(es, e)
		}
	}
	return RestoreEntries(quarantineDir, es, current)
}

// RestoreEntries undoes entries (all for the same source, in the order they
// were saved) newest first: each step sets the content to its SourceSize
// and writes the stored bytes back at Start. That inverts the two mutations
// repair performs after a save: truncation at Start (End == SourceSize) and
// whole-file replacement (Start == 0). Each stored copy's length and SHA-256
// are checked. It fails if bytes needed for the result are missing, i.e.
// the current content is shorter than an entry's Start, or shorter than its
// SourceSize when the entry does not reach SourceSize.
func RestoreEntries(quarantineDir string, entries []Entry, current []byte) ([]byte, error) {
	cur := append([]byte(nil), current...)
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !filepath.IsLocal(filepath.FromSlash(e.Stored)) {
			return nil, fmt.Errorf("kseg/fsutil: entry %d: stored path %q escapes the quarantine", i, e.Stored)
		}
		if e.Start < 0 || e.End < e.Start || e.SourceSize < e.End {
			return nil, fmt.Errorf("kseg/fsutil: entry %d: bad range [%d, %d) of %d bytes", i, e.Start, e.End, e.SourceSize)
		}
		b, err := os.ReadFile(filepath.Join(quarantineDir, filepath.FromSlash(e.Stored)))
		if err != nil {
			return nil, fmt.Errorf("kseg/fsutil: entry %d: %w", i, err)
		}
		sum := sha256.Sum256(b)
		if int64(len(b)) != e.End-e.Start || hex.EncodeToString(sum[:]) != e.SHA256 {
			return nil, fmt.Errorf("kseg/fsutil: entry %d: %s: %w", i, e.Stored, ErrVerify)
		}
		have := int64(len(cur))
		if have < e.Start || (have < e.SourceSize && e.End < e.SourceSize) {
			return nil, fmt.Errorf("kseg/fsutil: entry %d: current content has %d bytes, cannot rebuild [%d, %d) of %d", i, have, e.Start, e.End, e.SourceSize)
		}
		if have >= e.SourceSize {
			cur = cur[:e.SourceSize]
		} else {
			cur = append(cur, make([]byte, e.SourceSize-have)...)
		}
		copy(cur[e.Start:e.End], b)
	}
	return cur, nil
}

// RestoreCheck proves that original == kept + the quarantined entries, as
// the repair round-trip tests require (STYLE.md §6). It returns nil when
// RestoreEntries reproduces original exactly, else an error naming the first
// differing byte position.
func RestoreCheck(original, kept []byte, quarantineDir string, entries []Entry) error {
	got, err := RestoreEntries(quarantineDir, entries, kept)
	if err != nil {
		return err
	}
	if bytes.Equal(got, original) {
		return nil
	}
	pos := 0
	for pos < len(got) && pos < len(original) && got[pos] == original[pos] {
		pos++
	}
	return fmt.Errorf("kseg/fsutil: restored %d bytes, original %d bytes, first difference at position %d", len(got), len(original), pos)
}

// checkOutsideLogDirs implements NewQuarantine's refusal rules for the
// (possibly not yet existing) directory abs.
func checkOutsideLogDirs(abs string, logDirs []string) error {
	resolved := resolvePath(abs)
	type idPath struct {
		path string
		fi   os.FileInfo
	}
	var lds []idPath
	for _, ld := range logDirs {
		la, err := filepath.Abs(ld)
		if err != nil {
			return fmt.Errorf("kseg/fsutil: log dir %s: %w", ld, err)
		}
		lr := resolvePath(la)
		if within(resolved, lr) || within(abs, la) {
			return fmt.Errorf("kseg/fsutil: %s is inside log dir %s: %w", abs, ld, ErrInLogDir)
		}
		fi, err := os.Stat(lr)
		if err == nil {
			lds = append(lds, idPath{ld, fi})
		}
	}
	// Walk the existing ancestors: catches bind mounts and hard-to-resolve
	// aliases that path comparison misses, and unlisted log dirs.
	for p := resolved; ; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil {
			for _, l := range lds {
				if os.SameFile(fi, l.fi) {
					return fmt.Errorf("kseg/fsutil: %s is inside log dir %s: %w", abs, l.path, ErrInLogDir)
				}
			}
			if fi.IsDir() && looksLikeLogDir(p) {
				return fmt.Errorf("kseg/fsutil: %s is inside %s, which looks like a Kafka log dir: %w", abs, p, ErrInLogDir)
			}
		}
		if filepath.Dir(p) == p {
			return nil
		}
	}
}

// resolvePath resolves symlinks in the longest existing prefix of the
// absolute path p and appends the rest unchanged.
func resolvePath(p string) string {
	rest := ""
	for cur := p; ; cur = filepath.Dir(cur) {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		if filepath.Dir(cur) == cur {
			return p
		}
		rest = filepath.Join(filepath.Base(cur), rest)
	}
}

// within reports whether p is dir or inside it; both must be clean and absolute.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
