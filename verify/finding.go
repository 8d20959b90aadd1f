// Package verify checks whole Kafka log directories, partitions and segment
// files, and plans and applies repairs that never destroy a byte.
//
// Checks stream their findings to a callback (STYLE.md §4, §12: not a
// channel, which leaks a goroutine when the consumer stops early) and keep
// memory bounded: the first MaxFindingsPerFile findings of each file are
// reported, the rest only counted. Partitions are checked in parallel by a
// bounded pool of workers; each file is read once, sequentially, through one
// reusable window (format.BatchReader).
//
// verify never prints. It opens every file O_RDONLY and creates nothing;
// only Apply (repair) writes, and only through an fsutil.FS.
//
// What is checked mirrors what the broker checks (kafka-reference.md §2.9,
// §3.6, §3.7) plus what it should: framing and CRC of every batch, offsets
// strictly increasing within and across segments, the file name's base
// offset, relative-offset overflow, record counts (and, with Deep, every
// record), timestamp order, the offset and time indexes against the log,
// preallocated zero tails, and the leftovers of interrupted compaction,
// deletion or kseg runs.
package verify

import (
	"errors"
	"fmt"
	"sort"
)

// Severity grades a finding. Errors make `kseg verify` exit 1; warnings only
// with --strict; infos never.
type Severity uint8

// Severities.
const (
	SeverityInfo Severity = iota
	SeverityWarning
	SeverityError
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return fmt.Sprintf("severity-%d", uint8(s))
}

// MarshalText renders the severity by name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reason is the stable name of a finding. The values are part of kseg's JSON
// output contract: append, never rename. Corruption found by the batch reader
// uses format.Reason's names (crc-mismatch, bad-length, bad-magic, ...).
type Reason string

// Reasons of verify's own checks.
const (
	ReasonCRCMismatch      Reason = "crc-mismatch"           // stored CRC != computed CRC
	ReasonTornTail         Reason = "torn-tail"              // partial batch at the end of a .log
	ReasonZeroTail         Reason = "zero-tail"              // zero-filled end of a .log (preallocation or crash)
	ReasonOffsetRegression Reason = "offset-regression"      // batch offset not above the previous batch's last offset
	ReasonSegmentOverlap   Reason = "segment-overlap"        // a segment's offsets overlap the previous segment's
	ReasonBaseOffset       Reason = "base-offset-mismatch"   // file name's base offset above the first batch's offset
	ReasonOffsetOverflow   Reason = "offset-overflow"        // lastOffset - base does not fit int32 (KAFKA-6264)
	ReasonRecordCount      Reason = "record-count-mismatch"  // v2 recordsCount vs lastOffsetDelta, or deep record count
	ReasonBadRecord        Reason = "bad-record"             // deep: a record does not decode
	ReasonTimestampOrder   Reason = "timestamp-out-of-order" // batch max timestamp below an earlier batch's
	ReasonIndexMissing     Reason = "index-missing"          // no .index: the broker rebuilds it at startup
	ReasonTimeIndexMissing Reason = "timeindex-missing"      // no .timeindex: the broker creates it empty
	ReasonIndexHarmful     Reason = "index-harmful"          // an offset-index entry would make a lookup skip data or read garbage
	ReasonIndexHarmless    Reason = "index-harmless"         // entries that differ from the rebuild rule but still land at or before the right batch
	ReasonIndexZeroTail    Reason = "index-zero-tail"        // zero-filled slots after the entries of a non-active segment's index
	ReasonTimeIndexHarmful Reason = "timeindex-harmful"      // time index not monotonic, or pointing past the log
	ReasonLeftoverSwap     Reason = "leftover-swap"          // .swap: compaction or split interrupted before the rename
	ReasonLeftoverCleaned  Reason = "leftover-cleaned"       // .cleaned: compaction interrupted
	ReasonLeftoverDeleted  Reason = "leftover-deleted"       // .deleted: awaiting asynchronous deletion
	ReasonOrphanIndex      Reason = "orphan-index"           // index file without its .log
	ReasonKsegTemp         Reason = "kseg-temp"              // .kseg-tmp left by an interrupted kseg run
	ReasonNoMetaProperties Reason = "missing-meta-properties"
	ReasonTooManyFindings  Reason = "too-many-findings" // more findings in this file were counted, not listed
)

// Finding is one problem. Position/End are byte positions in File ([Position,
// End) is the bad range for log corruption; -1 when not applicable). Offset
// is a Kafka offset when known, else -1. For a bad range, NextValidPosition
// and NextValidOffset say where valid data resumes (-1: nothing valid after
// it in this file).
type Finding struct {
	Partition         string   `json:"partition"`
	File              string   `json:"file"`
	Position          int64    `json:"position"`
	End               int64    `json:"end"`
	Offset            int64    `json:"offset"`
	Reason            Reason   `json:"reason"`
	Severity          Severity `json:"severity"`
	Detail            string   `json:"detail,omitempty"`
	NextValidPosition int64    `json:"nextValidPosition"`
	NextValidOffset   int64    `json:"nextValidOffset"`
	// Path is the file's path as found (not in JSON: absolute paths make
	// output machine-dependent).
	Path string `json:"-"`
}

func (f Finding) String() string {
	s := f.Partition
	if f.File != "" {
		s += "/" + f.File
	}
	if f.Position >= 0 {
		s += fmt.Sprintf(": position %d", f.Position)
		if f.End >= 0 {
			s += fmt.Sprintf("-%d", f.End)
		}
	}
	if f.Offset >= 0 {
		s += fmt.Sprintf(" offset %d", f.Offset)
	}
	s += fmt.Sprintf(": %s: %s", f.Severity, f.Reason)
	if f.Detail != "" {
		s += ": " + f.Detail
	}
	return s
}

// ErrNoTargets means a PATH held neither partitions nor segment files.
var ErrNoTargets = errors.New("kseg/verify: no partitions or segment files found")

// DefaultMaxFindingsPerFile is how many findings of one file are reported
// before the rest are only counted.
const DefaultMaxFindingsPerFile = 100

// maxBadRangesPerFile bounds the bad ranges kept per segment for repair
// planning; a rerun of repair handles the rest.
const maxBadRangesPerFile = 1000

// SortFindings orders findings by partition, file and position (then path;
// a file's too-many-findings note last), stably, so that a report is
// byte-identical from run to run whatever order parallel workers finished in.
// Log-dir level findings (no partition) come first.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if ma, mb := a.Reason == ReasonTooManyFindings, b.Reason == ReasonTooManyFindings; ma != mb {
			return mb
		}
		return a.Position < b.Position
	})
}
