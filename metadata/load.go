package metadata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/kseg/kseg/format"
)

// Options selects the point in time Load replays to.
type Options struct {
	// AtOffset, when >= 0, stops after the record at this offset (inclusive).
	AtOffset int64
	// AtTime, when >= 0, stops before the first record whose timestamp is
	// later than this (ms since the epoch). Controllers append with their
	// wall clock, so timestamps are non-decreasing in practice but not by
	// contract; the replay stops at the first later one.
	AtTime int64
	// NoSnapshot replays the log alone (it must start at offset 0).
	NoSnapshot bool
	// History, when set, records every change to the filtered subject. The
	// replay then starts from the oldest possible point so the history is
	// as long as the files allow.
	History *HistoryFilter
}

// DefaultOptions replays to the end.
func DefaultOptions() Options { return Options{AtOffset: -1, AtTime: -1} }

// Result is a loaded image plus, when asked, its history.
type Result struct {
	Image   *Image
	History []Change
	// LogStart and LogEnd are the first and next offsets of the log files
	// (-1 when there is no log).
	LogStart, LogEnd int64
	Dir              string
	// TornTail is set when the last segment ends in a partial batch (a
	// *format.TruncatedError): the image stops before it, as Kafka's log
	// recovery would truncate it.
	TornTail error
}

// ErrNoMetadata is returned when PATH holds no KRaft metadata log or snapshot.
var ErrNoMetadata = errors.New("kseg/metadata: no __cluster_metadata log or snapshot found")

// beforeEarliestError is ErrNoMetadata for a point older than every snapshot
// when no log reaches back that far; its text names the earliest image.
type beforeEarliestError struct{ msg string }

func (e *beforeEarliestError) Error() string { return "kseg/metadata: " + e.msg }
func (e *beforeEarliestError) Unwrap() error { return ErrNoMetadata }

// Files lists a __cluster_metadata partition's segments and snapshots in
// offset order.
type Files struct {
	Dir       string
	Segments  []string // .log files by base offset
	Snapshots []string // <endOffset>-<epoch>.checkpoint files by end offset
}

// FindFiles resolves PATH — a log dir, a __cluster_metadata-N dir or a
// single .checkpoint — to the metadata files to replay.
func FindFiles(path string) (*Files, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		if strings.HasSuffix(path, ".checkpoint") {
			return &Files{Dir: filepath.Dir(path), Snapshots: []string{path}}, nil
		}
		return nil, fmt.Errorf("%w: %s is not a directory or .checkpoint file", ErrNoMetadata, path)
	}
	dir := filepath.Clean(path)
	if !strings.HasPrefix(filepath.Base(filepath.Clean(path)), "__cluster_metadata-") {
		dir = filepath.Join(path, "__cluster_metadata-0")
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("%w in %s", ErrNoMetadata, path)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	f := &Files{Dir: dir}
	for _, e := range ents {
		n := e.Name()
		if _, _, ok := ParseSnapshotName(n); ok {
			f.Snapshots = append(f.Snapshots, filepath.Join(dir, n))
		} else if stem, ok := strings.CutSuffix(n, ".log"); ok && len(stem) == 20 {
			if _, err := strconv.ParseInt(stem, 10, 64); err == nil {
				f.Segments = append(f.Segments, filepath.Join(dir, n))
			}
		}
	}
	sort.Strings(f.Segments) // %020d names sort by offset
	sort.Strings(f.Snapshots)
	if len(f.Segments) == 0 && len(f.Snapshots) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoMetadata, dir)
	}
	return f, nil
}

func segmentBase(p string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSuffix(filepath.Base(p), ".log"), 10, 64)
	return v
}

// Load replays the metadata at path into an image: the newest snapshot at
// or before the target, then the log after it. It returns *format
// corruption errors from the files and ErrNoMetadata when there is nothing
// to replay.
func Load(path string, o Options) (*Result, error) {
	files, err := FindFiles(path)
	if err != nil {
		return nil, err
	}
	return LoadFiles(files, o)
}

// LoadFiles is Load over already-resolved files.
func LoadFiles(files *Files, o Options) (*Result, error) {
	res := &Result{LogStart: -1, LogEnd: -1, Dir: files.Dir}
	im := NewImage()
	if o.History != nil {
		im.history = &historyRecorder{f: o.History}
	}
	logStart := int64(-1)
	if len(files.Segments) > 0 {
		logStart = segmentBase(files.Segments[0])
	}
	// Pick the snapshot: the newest whose contents are all at or before the
	// target. With history, prefer the log from its start when it starts at 0.
	snap := ""
	useSnap := !o.NoSnapshot && !(o.History != nil && logStart == 0)
	if useSnap {
		for i := len(files.Snapshots) - 1; i >= 0; i-- {
			end, _, ok := ParseSnapshotName(filepath.Base(files.Snapshots[i]))
			if !ok { // a single named file given by the user
				snap = files.Snapshots[i]
				break
			}
			if o.AtOffset >= 0 && end-1 > o.AtOffset {
				continue
			}
			if o.AtTime >= 0 {
				ts, err := snapshotTimestamp(files.Snapshots[i])
				if err != nil || ts > o.AtTime {
					continue
				}
			}
			snap = files.Snapshots[i]
			break
		}
	}
	next := int64(0)
	stop := func(offset, timestamp int64) bool {
		return o.AtOffset >= 0 && offset > o.AtOffset || o.AtTime >= 0 && timestamp > o.AtTime
	}
	// One read window for every file of the replay.
	buf := make([]byte, format.DefaultWindowSize)
	if snap != "" {
		im.Snapshot = snap
		// A snapshot's records all count as at its end offset - 1.
		if _, err := im.replayFile(snap, -1, buf, nil); err != nil {
			return nil, fmt.Errorf("%s: %w", snap, err)
		}
		if end, epoch, ok := ParseSnapshotName(filepath.Base(snap)); ok {
			im.Offset, im.Epoch, next = end-1, epoch, end
		}
		if logStart > next && (o.AtOffset < 0 || o.AtOffset >= next) {
			return nil, fmt.Errorf("%w: snapshot %s ends at offset %d but the log starts at %d: offsets %d-%d are in neither",
				ErrNoMetadata, filepath.Base(snap), next, logStart, next, logStart-1)
		}
		if im.history != nil {
			im.history.changes = nil // the snapshot is the starting state, not history
		}
	} else if len(files.Segments) == 0 {
		if len(files.Snapshots) > 0 {
			// There is metadata, only none old enough: say where it starts
			// rather than "no __cluster_metadata log or snapshot found".
			oldest := filepath.Base(files.Snapshots[0])
			if end, _, ok := ParseSnapshotName(oldest); ok {
				return nil, &beforeEarliestError{fmt.Sprintf("the requested point is before the oldest snapshot %s and there is no log before it: the earliest image is at offset %d", oldest, end-1)}
			}
		}
		return nil, fmt.Errorf("%w: no snapshot at or before the requested point and no log", ErrNoMetadata)
	} else if logStart > 0 {
		return nil, fmt.Errorf("%w: the log starts at offset %d and no snapshot covers the offsets before it", ErrNoMetadata, logStart)
	}
	for i, seg := range files.Segments {
		if i+1 < len(files.Segments) && segmentBase(files.Segments[i+1]) <= next {
			continue
		}
		done := false
		st, err := im.replayFile(seg, next, buf, func(offset, timestamp int64) bool {
			done = stop(offset, timestamp)
			return done
		})
		if res.LogStart < 0 && st != nil {
			res.LogStart = st.FirstOffset
		}
		if st != nil && st.NextOffset > res.LogEnd {
			res.LogEnd = st.NextOffset
		}
		if err != nil && err != ErrStop {
			if errors.Is(err, format.ErrTruncated) && i == len(files.Segments)-1 {
				res.TornTail = fmt.Errorf("%s: %w", seg, err)
				break
			}
			return nil, fmt.Errorf("%s: %w", seg, err)
		}
		if done {
			break
		}
	}
	res.Image = im
	if im.history != nil {
		res.History = im.history.changes
	}
	return res, nil
}

// fastReplay enables the typed fast paths; tests turn it off to replay
// through the generic path alone and compare.
var fastReplay = true

// replayFile applies to im the records of one segment or snapshot at
// offsets >= from (batches ending before from are skipped undecoded),
// ending the walk with ErrStop at the first record stop (when non-nil)
// rejects. Hot record types take the typed fast paths of replay.go; every
// other record, a record inside a metadata transaction, every record when
// recording history, and any record a fast path refuses go through the
// generic DecodeRecord + Apply, so the image is the same either way.
func (im *Image) replayFile(path string, from int64, buf []byte, stop func(offset, timestamp int64) bool) (*WalkStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return walkRecords(f, fi.Size(), filepath.Base(path), from, buf, func(b *format.Batch, rec *format.Record, st *WalkStats) error {
		if rec.Offset < from {
			return nil
		}
		if stop != nil && stop(rec.Offset, rec.Timestamp) {
			return ErrStop
		}
		if fastReplay && im.history == nil && !im.inTxn && !b.IsControl() && im.applyFast(rec.Value) {
			im.Offset, im.Timestamp, im.Epoch = rec.Offset, rec.Timestamp, b.PartitionLeaderEpoch
			im.Records++
			return nil
		}
		im.Apply(decodeEntry(b, rec, st))
		return nil
	})
}

// snapshotTimestamp reads a snapshot's SnapshotHeader
// lastContainedLogTimestamp.
func snapshotTimestamp(path string) (int64, error) {
	ts := int64(-1)
	_, err := WalkFile(path, func(e *Entry) error {
		if e.Control != nil && e.Control.Type == ControlSnapshotHeader && e.Control.Data != nil {
			ts = e.Control.Data.Int("lastContainedLogTimestamp", -1)
		}
		return ErrStop
	})
	if err != nil && err != ErrStop {
		return -1, err
	}
	return ts, nil
}
