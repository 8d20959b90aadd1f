package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrOutOfOrder means the Builder was fed a batch whose index entry Kafka would refuse:
// OffsetIndex.append throws InvalidOffsetException for an offset not above the last entry's,
// and TimeIndex.maybeAppend throws InvalidOffsetException for an offset below the last entry's.
var ErrOutOfOrder = errors.New("kseg/index: index entry out of order")

func relativeOffset(baseOffset, offset int64) (int32, error) {
	// baseOffset >= 0 keeps offset-baseOffset from overflowing.
	if baseOffset < 0 || offset < baseOffset || offset-baseOffset > math.MaxInt32 {
		return 0, fmt.Errorf("%w: offset %d, base offset %d", ErrOffsetOverflow, offset, baseOffset)
	}
	return int32(offset - baseOffset), nil
}

// AppendOffsetEntry appends the 8-byte .index encoding of e to dst and returns the extended
// slice. It returns dst unchanged and an error wrapping ErrOffsetOverflow if e.Offset-baseOffset
// is outside [0, math.MaxInt32], or ErrNegativePosition if e.Position < 0.
func AppendOffsetEntry(dst []byte, baseOffset int64, e OffsetPosition) ([]byte, error) {
	rel, err := relativeOffset(baseOffset, e.Offset)
	if err != nil {
		return dst, err
	}
	if e.Position < 0 {
		return dst, fmt.Errorf("%w: %d for offset %d", ErrNegativePosition, e.Position, e.Offset)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(rel))
	return binary.BigEndian.AppendUint32(dst, uint32(e.Position)), nil
}

// AppendTimeEntry appends the 12-byte .timeindex encoding of e to dst and returns the extended
// slice. It returns dst unchanged and an error wrapping ErrOffsetOverflow if e.Offset-baseOffset
// is outside [0, math.MaxInt32]. Any timestamp is encoded; Kafka itself never writes one <= -1.
func AppendTimeEntry(dst []byte, baseOffset int64, e TimestampOffset) ([]byte, error) {
	rel, err := relativeOffset(baseOffset, e.Offset)
	if err != nil {
		return dst, err
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.Timestamp))
	return binary.BigEndian.AppendUint32(dst, uint32(rel)), nil
}

// Builder builds a segment's .index and .timeindex from its batches, in order, with the rule
// Kafka uses when it writes them. NewBuilder gives the rebuild rule (LogSegment.recover), whose
// output is byte-identical to the index a broker writes when it recovers the segment with the
// same index.interval.bytes. NewAppendBuilder gives the append rule (LogSegment.append).
//
// Checked against apache/kafka storage/src/main/java/org/apache/kafka/storage/internals/log/
// LogSegment.java and TimeIndex.java, OffsetIndex.java at commit 1eb7644349cb (2024-10-25), also
// 97cdf31a and 01d21795 (all three still pre-KAFKA-806). The per-batch append rule of KAFKA-806
// (PR #18012, merged 2025-02, cherry-picked in #18842/#18843) was read from that PR's review
// diffs only, not from merged source. Per batch at log position P:
//
//	if batch.maxTimestamp > maxTimestampSoFar:                        // strict >
//	    maxTimestampSoFar, offsetOfMaxTimestampSoFar = batch.maxTimestamp, batch.lastOffset
//	recover: due = P - lastIndexedPosition > indexIntervalBytes      // lastIndexedPosition starts at 0
//	append:  due = bytesSinceLastIndexEntry > indexIntervalBytes     // starts at 0
//	if due:
//	    offsetIndex.append(batch.lastOffset, P)
//	    timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar)
//	    recover: lastIndexedPosition = P;  append: bytesSinceLastIndexEntry = 0
//	append: bytesSinceLastIndexEntry += batch.sizeInBytes
//
// and at the end (Finish; end of recover, segment roll or close)
// timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar). maxTimestampSoFar starts
// at -1 with offset baseOffset (the lastEntry of an empty TimeIndex). maybeAppend appends only a
// timestamp strictly above the last entry's (initially -1), so a segment of v0 messages (all
// timestamps -1) gets an empty time index. The batch at position 0 never gets an entry.
//
// Where the two rules differ: fed every batch of a segment from position 0, one Add per batch,
// they produce the same files, because bytesSinceLastIndexEntry then always equals
// P - lastIndexedPosition. They part when the counter does not start at the segment's start: a
// broker reopening a segment starts bytesSinceLastIndexEntry at 0 at the current end of the log,
// which an append Builder models by starting its Adds at that position. Before KAFKA-806,
// LogSegment.append indexed at most once per append call, with (last offset of the whole chunk,
// position of its first batch); calling Add once per chunk reproduces that offset index, but not
// its time index, whose offset then was the max-timestamp batch's last offset within the chunk.
//
// Where Kafka throws, the Builder skips the one entry (or, for an offset that does not fit the
// segment, the whole batch), records the first such problem for Err, and carries on. A broker
// would have aborted instead (the LogLoader then truncates or splits the segment), so there is
// no Kafka output to be identical to. Kafka's "index is full" checks are not modelled: a
// 10 MiB index fills only after about 5 GiB of log at the default interval.
//
// A Builder is not safe for concurrent use.
type Builder struct {
	baseOffset int64
	interval   int64
	appendRule bool

	offsetIndex []byte
	timeIndex   []byte

	lastIndexedPosition int64 // recover rule
	bytesSinceLastEntry int64 // append rule

	maxTimestamp         int64
	offsetOfMaxTimestamp int64

	lastOffset int64 // offset of the last .index entry, if len(offsetIndex) > 0
	lastTime   TimestampOffset

	finished bool
	err      error
}

// NewBuilder returns a Builder with the rebuild rule of LogSegment.recover. indexIntervalBytes
// is the topic's index.interval.bytes (default 4096).
func NewBuilder(baseOffset int64, indexIntervalBytes int) *Builder {
	b := &Builder{
		baseOffset:           baseOffset,
		interval:             int64(indexIntervalBytes),
		maxTimestamp:         NoTimestamp,
		offsetOfMaxTimestamp: baseOffset,
		lastTime:             TimestampOffset{Timestamp: NoTimestamp, Offset: baseOffset},
	}
	if baseOffset < 0 {
		b.err = &CorruptIndexError{Index: "builder", BaseOffset: baseOffset, Reason: "negative base offset"}
	}
	return b
}

// NewAppendBuilder returns a Builder with the per-batch append rule of LogSegment.append since
// KAFKA-806. See Builder for how it differs from NewBuilder's rule.
func NewAppendBuilder(baseOffset int64, indexIntervalBytes int) *Builder {
	b := NewBuilder(baseOffset, indexIntervalBytes)
	b.appendRule = true
	return b
}

// Add records one batch: its start position in the .log, its last offset, its max timestamp
// (the batch header's maxTimestamp, -1 for v0), and its size in bytes. Call it for each batch in
// log order. Add after Finish is ignored and recorded as an error.
func (b *Builder) Add(position int64, lastOffset int64, maxTimestamp int64, size int64) {
	if b.finished {
		b.fail(errors.New("kseg/index: Builder.Add after Finish"))
		return
	}
	// LogSegment.ensureOffsetInRange(batch.lastOffset) runs for every batch, indexed or not.
	if _, err := relativeOffset(b.baseOffset, lastOffset); err != nil {
		b.fail(fmt.Errorf("batch at position %d: %w", position, err))
		return
	}
	if position < 0 || position > math.MaxInt32 {
		b.fail(fmt.Errorf("kseg/index: batch position %d does not fit a Kafka segment", position))
		return
	}
	if maxTimestamp > b.maxTimestamp {
		b.maxTimestamp, b.offsetOfMaxTimestamp = maxTimestamp, lastOffset
	}
	var due bool
	if b.appendRule {
		due = b.bytesSinceLastEntry > b.interval
	} else {
		due = position-b.lastIndexedPosition > b.interval
	}
	if due {
		b.appendOffset(lastOffset, position)
		b.maybeAppendTime(b.maxTimestamp, b.offsetOfMaxTimestamp)
		b.lastIndexedPosition = position
		b.bytesSinceLastEntry = 0
	}
	if b.appendRule {
		b.bytesSinceLastEntry += size
	}
}

// appendOffset is OffsetIndex.append.
func (b *Builder) appendOffset(offset int64, position int64) {
	if len(b.offsetIndex) > 0 && offset <= b.lastOffset {
		b.fail(fmt.Errorf("%w: offset index: offset %d at log position %d is not above the last entry's %d",
			ErrOutOfOrder, offset, position, b.lastOffset))
		return
	}
	out, err := AppendOffsetEntry(b.offsetIndex, b.baseOffset, OffsetPosition{Offset: offset, Position: int32(position)})
	if err != nil {
		b.fail(err)
		return
	}
	b.offsetIndex, b.lastOffset = out, offset
}

// maybeAppendTime is TimeIndex.maybeAppend, in its order of checks.
func (b *Builder) maybeAppendTime(ts int64, offset int64) {
	if len(b.timeIndex) > 0 && offset < b.lastTime.Offset {
		b.fail(fmt.Errorf("%w: time index: offset %d is below the last entry's %d", ErrOutOfOrder, offset, b.lastTime.Offset))
		return
	}
	// TimeIndex also throws IllegalStateException for ts < last timestamp; a running maximum
	// cannot go down, so that check cannot fire here.
	if ts > b.lastTime.Timestamp {
		e := TimestampOffset{Timestamp: ts, Offset: offset}
		out, err := AppendTimeEntry(b.timeIndex, b.baseOffset, e)
		if err != nil {
			b.fail(err)
			return
		}
		b.timeIndex, b.lastTime = out, e
	}
}

func (b *Builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// Finish appends the final time-index entry (the segment's max timestamp, if not already the
// last entry) and returns both files' bytes, trimmed to their entries as Kafka leaves them after
// recovery. The caller owns the returned slices; later calls return the same slices.
func (b *Builder) Finish() (offsetIndex []byte, timeIndex []byte) {
	if !b.finished {
		b.maybeAppendTime(b.maxTimestamp, b.offsetOfMaxTimestamp)
		b.finished = true
	}
	return b.offsetIndex, b.timeIndex
}

// Err returns the first batch the Builder had to skip where Kafka would have thrown, or nil.
// It wraps ErrOffsetOverflow or ErrOutOfOrder, or is a *CorruptIndexError for a negative base
// offset.
func (b *Builder) Err() error { return b.err }
