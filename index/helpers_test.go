package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

// countingReaderAt counts ReadAt calls, for the O(log n) budget.
type countingReaderAt struct {
	r     io.ReaderAt
	reads atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, pos int64) (int, error) {
	c.reads.Add(1)
	return c.r.ReadAt(p, pos)
}

// failingReaderAt fails every read at or after failAt.
var errInjected = errors.New("injected read failure")

// encodeOffsetIndex encodes entries without validation (tests need corrupt ones too).
func encodeOffsetIndex(base int64, es []OffsetPosition) []byte {
	var b []byte
	for _, e := range es {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(e.Offset-base)))
		b = binary.BigEndian.AppendUint32(b, uint32(e.Position))
	}
	return b
}

func encodeTimeIndex(base int64, es []TimestampOffset) []byte {
	var b []byte
	for _, e := range es {
		b = binary.BigEndian.AppendUint64(b, uint64(e.Timestamp))
		b = binary.BigEndian.AppendUint32(b, uint32(int32(e.Offset-base)))
	}
	return b
}

// padTo zero-extends b to size bytes, like Kafka's preallocation.
func padTo(b []byte, size int) []byte {
	if len(b) >= size {
		return b
	}
	return append(b, make([]byte, size-len(b))...)
}

// randomOffsetEntries returns n entries with strictly increasing offsets > base (slot 0 may be
// base itself) and non-decreasing positions.
func randomOffsetEntries(r *rand.Rand, base int64, n int) []OffsetPosition {
	es := make([]OffsetPosition, n)
	off := base + int64(r.IntN(3))
	pos := int32(r.IntN(5000))
	for i := range es {
		if i > 0 {
			off += 1 + int64(r.IntN(50))
			pos += int32(r.IntN(1600)) // small enough for 1.3M entries to stay below MaxInt32
		}
		es[i] = OffsetPosition{Offset: off, Position: pos}
	}
	return es
}

func randomTimeEntries(r *rand.Rand, base int64, n int) []TimestampOffset {
	es := make([]TimestampOffset, n)
	ts := int64(1_700_000_000_000 + r.IntN(1000))
	if r.IntN(10) == 0 {
		ts = int64(r.IntN(3)) // tiny timestamps, including 0
	}
	off := base + int64(r.IntN(3))
	for i := range es {
		if i > 0 {
			ts += 1 + int64(r.IntN(100))
			off += int64(r.IntN(50)) // non-decreasing
		}
		es[i] = TimestampOffset{Timestamp: ts, Offset: off}
	}
	return es
}

// linearOffsetLookup is the reference semantics: the last entry with Offset <= target over a
// sorted slice, else (base, 0).
func linearOffsetLookup(base int64, es []OffsetPosition, target int64) OffsetPosition {
	got := OffsetPosition{Offset: base}
	for _, e := range es {
		if e.Offset > target {
			break
		}
		got = e
	}
	return got
}

func linearTimeLookup(base int64, es []TimestampOffset, ts int64) TimestampOffset {
	got := TimestampOffset{Timestamp: NoTimestamp, Offset: base}
	for _, e := range es {
		if e.Timestamp > ts {
			break
		}
		got = e
	}
	return got
}

func linearTimeCeil(es []TimestampOffset, ts int64) (TimestampOffset, bool) {
	for _, e := range es {
		if e.Timestamp >= ts {
			return e, true
		}
	}
	return TimestampOffset{}, false
}

// targetsAround returns lookup targets: before, at, between and after the keys.
func targetsAround(r *rand.Rand, keys []int64, extra int) []int64 {
	ts := []int64{-1 << 62, -1, 0, 1 << 62}
	if len(keys) > 0 {
		ts = append(ts, keys[0]-1, keys[0], keys[len(keys)-1], keys[len(keys)-1]+1)
	}
	for range extra {
		if len(keys) == 0 {
			ts = append(ts, r.Int64N(1000))
			continue
		}
		k := keys[r.IntN(len(keys))]
		ts = append(ts, k+int64(r.IntN(5))-2)
	}
	return ts
}

type validator interface {
	ValidEntries() (int, TailState, error)
}

func mustValid(t testing.TB, v validator) (int, TailState) {
	t.Helper()
	n, tail, err := v.ValidEntries()
	if err != nil {
		t.Fatalf("ValidEntries: %v", err)
	}
	return n, tail
}

func newOffsetIndexBytes(b []byte, base int64) *OffsetIndex {
	return NewOffsetIndex(bytes.NewReader(b), int64(len(b)), base)
}

func newTimeIndexBytes(b []byte, base int64) *TimeIndex {
	return NewTimeIndex(bytes.NewReader(b), int64(len(b)), base)
}
