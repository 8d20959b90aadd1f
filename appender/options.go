package appender

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/kseg/kseg/state"
)

// Broker defaults (ServerLogConfigs.java, LogConfig.java).
const (
	DefaultSegmentBytes       = 1 << 30  // segment.bytes
	DefaultIndexIntervalBytes = 4096     // index.interval.bytes
	DefaultMaxIndexSize       = 10485760 // segment.index.bytes
)

// Wire constants: part of the format, never change.
const (
	offsetIndexEntrySize = 8  // OffsetIndex.ENTRY_SIZE
	timeIndexEntrySize   = 12 // TimeIndex.ENTRY_SIZE
	abortedTxnSize       = 34 // AbortedTxn.TOTAL_SIZE
)

// File names inside a partition directory (LeaderEpochCheckpointFile.java,
// PartitionMetadataFile.java).
const (
	LeaderEpochCheckpointFile = "leader-epoch-checkpoint"
	PartitionMetadataFile     = "partition.metadata"
)

// UseLatestLeaderEpoch asks Open to stamp batches with the latest epoch in the
// partition's leader-epoch-checkpoint, or 0 for a partition without one.
const UseLatestLeaderEpoch int32 = -2

// FsyncPolicy says when a Writer fsyncs.
type FsyncPolicy uint8

// Fsync policies.
const (
	// FsyncSegment fsyncs a segment's files when it is rolled or the Writer is
	// closed, like a broker with the default flush settings does at roll
	// (LocalLog.roll → flush). This is the default.
	FsyncSegment FsyncPolicy = iota
	// FsyncAlways fsyncs the .log (and the index entries written so far) after
	// every Append, like flush.messages=1.
	FsyncAlways
	// FsyncNever leaves durability to the page cache. Checkpoint files are
	// still replaced atomically (and fsynced, as part of that protocol).
	FsyncNever
)

// String returns the policy's flag spelling.
func (p FsyncPolicy) String() string {
	switch p {
	case FsyncSegment:
		return "segment"
	case FsyncAlways:
		return "always"
	case FsyncNever:
		return "never"
	}
	return fmt.Sprintf("FsyncPolicy(%d)", uint8(p))
}

// ParseFsyncPolicy maps "always", "segment" or "never" to a policy.
func ParseFsyncPolicy(s string) (FsyncPolicy, error) {
	for p := FsyncSegment; p <= FsyncNever; p++ {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("kseg/appender: unknown fsync policy %q (want always, segment or never)", s)
}

// Options configures a Writer. The zero value gives the broker defaults,
// FsyncSegment, leader epoch 0, and a random topic id for a new partition.
type Options struct {
	// SegmentBytes rolls a segment before a batch that would take it past
	// this size (segment.bytes; default DefaultSegmentBytes). At most
	// math.MaxInt32, because index positions are int32.
	SegmentBytes int64
	// IndexIntervalBytes is index.interval.bytes (default 4096).
	IndexIntervalBytes int
	// MaxIndexSize is segment.index.bytes (default 10485760). A segment rolls
	// when either index is full at this size.
	MaxIndexSize int
	// Fsync is the fsync policy (default FsyncSegment).
	Fsync FsyncPolicy
	// LeaderEpoch is stamped on every v2 batch (partitionLeaderEpoch), as the
	// leader does. It must be >= 0, or UseLatestLeaderEpoch. The zero value is
	// epoch 0; an epoch below the partition's latest is refused.
	LeaderEpoch int32
	// TopicID is written to partition.metadata when Open creates the
	// partition (zero: a random id, as the controller would assign). For an
	// existing partition a non-zero TopicID must match its partition.metadata.
	// Open never adds a partition.metadata to an existing directory that has
	// none: a random id there would not match the cluster's topic id, and a
	// broker then refuses the log.
	TopicID state.UUID
	// LockHeld says the caller already holds the log directory's lock
	// (fsutil.AcquireLock), e.g. a server owning many partitions of one
	// log dir. Otherwise Open takes the lock and Close releases it. Two
	// AcquireLock calls exclude each other even within one process.
	LockHeld bool
	// Now is the clock for LogAppendTime batches (default time.Now).
	Now func() time.Time
}

func (o *Options) setDefaults() error {
	if o.SegmentBytes == 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.IndexIntervalBytes == 0 {
		o.IndexIntervalBytes = DefaultIndexIntervalBytes
	}
	if o.MaxIndexSize == 0 {
		o.MaxIndexSize = DefaultMaxIndexSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.SegmentBytes < 0 || o.SegmentBytes > math.MaxInt32:
		return fmt.Errorf("kseg/appender: segment bytes %d out of range [1, %d]", o.SegmentBytes, math.MaxInt32)
	case o.IndexIntervalBytes < 0:
		return fmt.Errorf("kseg/appender: negative index interval %d", o.IndexIntervalBytes)
	case o.MaxIndexSize < 2*timeIndexEntrySize:
		return fmt.Errorf("kseg/appender: max index size %d is below two time-index entries", o.MaxIndexSize)
	case o.LeaderEpoch < 0 && o.LeaderEpoch != UseLatestLeaderEpoch:
		return fmt.Errorf("kseg/appender: negative leader epoch %d", o.LeaderEpoch)
	case o.Fsync > FsyncNever:
		return errors.New("kseg/appender: unknown fsync policy")
	}
	return nil
}
