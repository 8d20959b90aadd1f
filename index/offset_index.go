package index

import (
	"fmt"
	"io"
	"iter"
	"sort"
)

// OffsetIndex reads a .index file through an io.ReaderAt. It maps offsets to log positions
// (Kafka's OffsetIndex).
//
// All methods are safe for concurrent use if the underlying io.ReaderAt is (an *os.File is).
// The reader keeps no reference to returned values. The first call that needs the number of
// valid entries (ValidEntries, Lookup, LastEntry, All, SanityCheck, CheckPositionsWithin) reads
// the whole file once in 64 KiB chunks and caches the result, with one key per 4 KiB of entries
// (20 KiB of memory for a full 10 MiB index) that later lookups search in memory. The file
// must not change while the reader is in use.
type OffsetIndex struct {
	f file
}

// NewOffsetIndex returns a reader for an offset index of size bytes read through r. baseOffset
// is the segment's base offset, taken from the file name. Invalid parameters are reported by
// the methods as a *CorruptIndexError.
func NewOffsetIndex(r io.ReaderAt, size int64, baseOffset int64) *OffsetIndex {
	return &OffsetIndex{f: file{
		r: r, size: size, baseOffset: baseOffset,
		entrySize: OffsetIndexEntrySize, name: "offset index",
		keyIsZero: func(b []byte) bool { return getInt32(b) == 0 },
		key:       func(b []byte) int64 { return baseOffset + int64(getInt32(b)) },
	}}
}

// BaseOffset returns the base offset the reader was created with.
func (x *OffsetIndex) BaseOffset() int64 { return x.f.baseOffset }

// Size returns the file size the reader was created with.
func (x *OffsetIndex) Size() int64 { return x.f.size }

// Slots returns the number of whole entries the file can hold, size/8 rounded down. This is
// what Kafka counts as entries when it opens an existing file; ValidEntries is usually what you
// want.
func (x *OffsetIndex) Slots() int { return x.f.slots() }

// Entry decodes slot i, which need not be a valid entry. It returns ErrSlotOutOfRange unless
// 0 <= i < Slots().
func (x *OffsetIndex) Entry(i int) (OffsetPosition, error) {
	if err := x.f.check(); err != nil {
		return OffsetPosition{}, err
	}
	if i < 0 || i >= x.f.slots() {
		return OffsetPosition{}, fmt.Errorf("%w: offset index slot %d of %d", ErrSlotOutOfRange, i, x.f.slots())
	}
	buf := scratchPool.Get().(*[blockBytes]byte)
	defer scratchPool.Put(buf)
	b, err := x.f.readSlot(i, buf[:])
	if err != nil {
		return OffsetPosition{}, err
	}
	return x.decode(b), nil
}

func (x *OffsetIndex) decode(b []byte) OffsetPosition {
	return OffsetPosition{Offset: x.f.baseOffset + int64(getInt32(b)), Position: getInt32(b[4:])}
}

// ValidEntries returns the number of valid entries n and what follows them. The valid entries
// are slots [0, n): they end at the first slot after slot 0 whose relative offset is 0, the
// DumpLogSegments rule for a preallocated index. A wholly zero file has no entries. The result
// is computed once and cached.
func (x *OffsetIndex) ValidEntries() (n int, tail TailState, err error) {
	return x.f.validEntries()
}

// Lookup returns the valid entry with the largest offset <= target, or (BaseOffset, 0) if there
// is none: Kafka's OffsetIndex.lookup. On an index whose offsets strictly increase it does one
// 4 KiB ReadAt, located through in-memory fences; otherwise it replays Kafka's warm-section
// binary search (O(log n) ReadAt calls) so that it returns the broker's answer even on a
// corrupt index.
func (x *OffsetIndex) Lookup(target int64) (OffsetPosition, error) {
	n, _, err := x.f.validEntries()
	if err != nil {
		return OffsetPosition{}, err
	}
	buf := scratchPool.Get().(*[blockBytes]byte)
	defer scratchPool.Put(buf)
	b, err := x.f.lookupFloor(n, target, buf)
	if err != nil {
		return OffsetPosition{}, err
	}
	if b == nil {
		return OffsetPosition{Offset: x.f.baseOffset, Position: 0}, nil
	}
	return x.decode(b), nil
}

// LastEntry returns the last valid entry, or (BaseOffset, 0) if there is none (Kafka's
// OffsetIndex.lastEntry, whose offset is the index's lastOffset).
func (x *OffsetIndex) LastEntry() (OffsetPosition, error) {
	n, _, err := x.f.validEntries()
	if err != nil {
		return OffsetPosition{}, err
	}
	if n == 0 {
		return OffsetPosition{Offset: x.f.baseOffset}, nil
	}
	return x.Entry(n - 1)
}

// All iterates over the valid entries in slot order, reading 64 KiB chunks. On an I/O error it
// yields a zero entry with the error and stops.
func (x *OffsetIndex) All() iter.Seq2[OffsetPosition, error] {
	return func(yield func(OffsetPosition, error) bool) {
		n, _, err := x.f.validEntries()
		if err != nil {
			yield(OffsetPosition{}, err)
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
			yield(OffsetPosition{}, err)
		}
	}
}

// LookupPosition returns the last valid entry whose position is <= maxPos
// (positions increase with offsets in a sane index), by binary search with
// O(log n) reads; ok is false when no entry qualifies. Fetch uses it to end
// a response on a batch boundary without reading the records in between.
func (x *OffsetIndex) LookupPosition(maxPos int64) (e OffsetPosition, ok bool, err error) {
	n, _, err := x.f.validEntries()
	if err != nil {
		return OffsetPosition{}, false, err
	}
	var ierr error
	i := sort.Search(n, func(i int) bool {
		if ierr != nil {
			return true
		}
		c, err := x.Entry(i)
		if err != nil {
			ierr = err
			return true
		}
		return int64(c.Position) > maxPos
	})
	if ierr != nil {
		return OffsetPosition{}, false, ierr
	}
	if i == 0 {
		return OffsetPosition{}, false, nil
	}
	e, err = x.Entry(i - 1)
	return e, err == nil, err
}
