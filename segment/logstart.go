package segment

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kseg/kseg/state"
)

// Log-dir level checkpoint files (kafka core/src/main/scala/kafka/log/LogManager.scala
// LogStartOffsetCheckpointFile, and LogCleanerManager's offsetCheckpointFile).
// Part of the format, never change.
const (
	LogStartOffsetCheckpointFile = "log-start-offset-checkpoint"
	CleanerOffsetCheckpointFile  = "cleaner-offset-checkpoint"
)

// LogStart says what a broker would take as a partition's log start offset and
// where the value comes from.
type LogStart struct {
	Offset int64
	// FirstSegmentBase is the first segment's base offset (-1 without
	// segments).
	FirstSegmentBase int64
	// Checkpoint is the partition's entry in the parent log dir's
	// log-start-offset-checkpoint, -1 when there is none.
	Checkpoint int64
}

// LogStartOffset is the log start offset a broker loading p would use: the
// larger of the first segment's base offset and the partition's entry in the
// log dir's log-start-offset-checkpoint (kafka
// storage/src/main/java/org/apache/kafka/storage/internals/log/LogLoader.java
// load: Math.max(logStartOffsetCheckpoint, segments.firstSegment().baseOffset());
// LogManager.loadLog defaults a missing entry to 0; Kafka 2.2's Log.scala
// does the same). It is not the first offset present: compaction removes
// records without moving the log start, so a compacted partition whose first
// present record is 1020 in 00000000000000000000.log starts at 0. Without
// segments the broker creates one at the checkpointed offset (or 0).
//
// A checkpoint that cannot be read or decoded is ignored (the value then
// comes from the segments alone) and returned as err beside a usable value;
// verify reports such a file on its own.
func LogStartOffset(p *Partition) (LogStart, error) {
	ls := LogStart{FirstSegmentBase: -1, Checkpoint: -1}
	if len(p.Segments) > 0 {
		ls.FirstSegmentBase = p.Segments[0].BaseOffset
	}
	cp, err := CheckpointEntry(p, LogStartOffsetCheckpointFile)
	if cp >= 0 {
		ls.Checkpoint = cp
	}
	switch {
	case ls.FirstSegmentBase < 0 && ls.Checkpoint < 0:
		ls.Offset = 0
	case ls.Checkpoint > ls.FirstSegmentBase:
		ls.Offset = ls.Checkpoint
	default:
		ls.Offset = ls.FirstSegmentBase
	}
	return ls, err
}

// CheckpointEntry returns p's entry in the offset checkpoint file (for
// example log-start-offset-checkpoint or cleaner-offset-checkpoint) of the log
// dir that holds p, or -1 when the file or the entry is absent or p's
// directory name is not a partition name. Like Kafka, the last of duplicate
// entries wins.
func CheckpointEntry(p *Partition, file string) (int64, error) {
	if p.Partition < 0 {
		return -1, nil
	}
	m, err := readCheckpointMap(filepath.Join(filepath.Dir(filepath.Clean(p.Dir)), file))
	if err != nil || m == nil {
		return -1, err
	}
	if v, ok := m[tpKey{p.Topic, p.Partition}]; ok {
		return v, nil
	}
	return -1, nil
}

type tpKey struct {
	topic     string
	partition int32
}

type cachedCheckpoint struct {
	size    int64
	modTime time.Time
	entries map[tpKey]int64
}

// checkpointCache keeps decoded log-dir checkpoints so that commands walking
// thousands of partitions read each file once (keyed by path, checked
// against size and modification time).
var checkpointCache = struct {
	sync.Mutex
	m map[string]cachedCheckpoint
}{m: map[string]cachedCheckpoint{}}

func readCheckpointMap(path string) (map[tpKey]int64, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kseg/segment: %w", err)
	}
	checkpointCache.Lock()
	c, ok := checkpointCache.m[path]
	checkpointCache.Unlock()
	if ok && c.size == info.Size() && c.modTime.Equal(info.ModTime()) {
		return c.entries, nil
	}
	if info.Size() > state.MaxTextFileSize {
		return nil, fmt.Errorf("kseg/segment: %s: %d bytes is too large for a checkpoint", path, info.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kseg/segment: %w", err)
	}
	cp, err := state.DecodeOffsetCheckpoint(b, filepath.Base(path))
	if err != nil {
		return nil, fmt.Errorf("kseg/segment: %s: %w", path, err)
	}
	m := make(map[tpKey]int64, len(cp.Entries))
	for _, e := range cp.Entries {
		m[tpKey{e.Topic, e.Partition}] = e.Offset
	}
	checkpointCache.Lock()
	checkpointCache.m[path] = cachedCheckpoint{size: info.Size(), modTime: info.ModTime(), entries: m}
	checkpointCache.Unlock()
	return m, nil
}
