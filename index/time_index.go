package index

import (
	"fmt"
	"io"
	"iter"
)

// TimeIndex reads a .timeindex file through an io.ReaderAt. It maps timestamps to offsets
// (Kafka's TimeIndex).
//
// All methods are safe for concurrent use if the underlying io.ReaderAt is (an *os.File is).
// The reader keeps no reference to returned values. The first call that needs the number of
// valid entries reads the whole file once in 64 KiB chunks and caches the result, with one key
// per 4 KiB of entries (20 KiB of memory for a full 10 MiB index) that later lookups search in
// memory. The file must not change while the reader is in use.
type TimeIndex struct {
	f file
}

// NewTimeIndex returns a reader for a time index of size bytes read through r. baseOffset is the
// segment's base offset, taken from the file name. Invalid parameters are reported by the
// methods as a *CorruptIndexError.
func NewTimeIndex(r io.ReaderAt, size int64, baseOffset int64) *TimeIndex {
	return &TimeIndex{f: file{
		r: r, size: size, baseOffset: baseOffset,
		entrySize: TimeIndexEntrySize, name: "time index",
		keyIsZero: func(b []byte) bool { return getInt64(b) == 0 && getInt32(b[8:]) == 0 },
		key:       func(b []byte) int64 { return getInt64(b) },
	}}
}

// BaseOffset returns the base offset the reader was created with.
func (x *TimeIndex) BaseOffset() int64 { return x.f.baseOffset }

// Size returns the file size the reader was created with.
func (x *TimeIndex) Size() int64 { return x.f.size }

// Slots returns the number of whole entries the file can hold, size/12 rounded down.
func (x *TimeIndex) Slots() int { return x.f.slots() }

// Entry decodes slot i, which need not be a valid entry. It returns ErrSlotOutOfRange unless
// 0 <= i < Slots().
func (x *TimeIndex) Entry(i int) (TimestampOffset, error) {
	if err := x.f.check(); err != nil {
		return TimestampOffset{}, err
	}
	if i < 0 || i >= x.f.slots() {
		return TimestampOffset{}, fmt.Errorf("%w: time index slot %d of %d", ErrSlotOutOfRange, i, x.f.slots())
	}
	buf := scratchPool.Get().(*[blockBytes]byte)
	defer scratchPool.Put(buf)
	b, err := x.f.readSlot(i, buf[:])
	if err != nil {
		return TimestampOffset{}, err
	}
	return x.decode(b), nil
}

func (x *TimeIndex) decode(b []byte) TimestampOffset {
	return TimestampOffset{Timestamp: getInt64(b), Offset: x.f.baseOffset + int64(getInt32(b[8:]))}
}

// ValidEntries returns the number of valid entries n and what follows them. The valid entries
// are slots [0, n): they end at the first all-zero slot (timestamp 0 and relative offset 0)
// after slot 0. A wholly zero file has no entries. The result is computed once and cached.
func (x *TimeIndex) ValidEntries() (n int, tail TailState, err error) {
	return x.f.validEntries()
}

// Lookup returns the valid entry with the largest timestamp <= ts, or (NoTimestamp, BaseOffset)
// if there is none: Kafka's TimeIndex.lookup. On an index whose timestamps strictly increase it
// does one 4 KiB ReadAt, located through in-memory fences; otherwise it replays Kafka's
// warm-section binary search (O(log n) ReadAt calls) so that it returns the broker's answer even
// on a corrupt index.
func (x *TimeIndex) Lookup(ts int64) (TimestampOffset, error) {
	n, _, err := x.f.validEntries()
	if err != nil {
		return TimestampOffset{}, err
	}
	buf := scratchPool.Get().(*[blockBytes]byte)
	defer scratchPool.Put(buf)
	b, err := x.f.lookupFloor(n, ts, buf)
	if err != nil {
		return TimestampOffset{}, err
	}
	if b == nil {
		return TimestampOffset{Timestamp: NoTimestamp, Offset: x.f.baseOffset}, nil
	}
	return x.decode(b), nil
}

// LookupCeil returns the first valid entry with Timestamp >= ts; ok is false if there is none.
// On an unsorted (corrupt) index the answer is that of a plain binary search and may miss.
// It does at most two ReadAt calls on a sorted index.
//
// Kafka's ListOffsets does not use this: it takes Lookup(ts) (the floor) and scans the log
// forward from that entry's offset for the first record with timestamp >= ts. Because an entry
// (T, O) promises that every record with timestamp > T comes after O, LookupCeil's entry gives an
// upper bound on where that scan can end.
func (x *TimeIndex) LookupCeil(ts int64) (e TimestampOffset, ok bool, err error) {
	n, _, err := x.f.validEntries()
	if err != nil {
		return TimestampOffset{}, false, err
	}
	buf := scratchPool.Get().(*[blockBytes]byte)
	defer scratchPool.Put(buf)
	b, err := x.f.lookupCeil(n, ts, buf)
	if err != nil || b == nil {
		return TimestampOffset{}, false, err
	}
	return x.decode(b), true, nil
}

// LastEntry returns the last valid entry, or (NoTimestamp, BaseOffset) if there is none (Kafka's
// TimeIndex.lastEntry). LogSegment seeds its max-timestamp-so-far from it on reopen.
func (x *TimeIndex) LastEntry() (TimestampOffset, error) {
	n, _, err := x.f.validEntries()
	if err != nil {
		return TimestampOffset{}, err
	}
	if n == 0 {
		return TimestampOffset{Timestamp: NoTimestamp, Offset: x.f.baseOffset}, nil
	}
	return x.Entry(n - 1)
}

// All iterates over the valid entries in slot order, reading 64 KiB chunks. On an I/O error it
// yields a zero entry with the error and stops.
func (x *TimeIndex) All() iter.Seq2[TimestampOffset, error] {
	return func(yield func(TimestampOffset, error) bool) {
		n, _, err := x.f.validEntries()
		if err != nil {
			yield(TimestampOffset{}, err)
			return
		}
		stopped := false
		err = x.f.scan(0, n, func(_ int, b []byte) bool {
			if !yield(x.decode(b), nil) {
				stopped = true
				return false
			}
			return true
		})
		if err != nil && !stopped {
			yield(TimestampOffset{}, err)
		}
	}
}
