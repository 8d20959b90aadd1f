package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"sync/atomic"
)

// Sizes of the on-disk formats. These are part of the format, never change them.
const (
	// OffsetIndexEntrySize is the size of one .index entry: int32 relativeOffset, int32 position
	// (OffsetIndex.ENTRY_SIZE).
	OffsetIndexEntrySize = 8
	// TimeIndexEntrySize is the size of one .timeindex entry: int64 timestamp, int32 relativeOffset
	// (TimeIndex.ENTRY_SIZE).
	TimeIndexEntrySize = 12
	// DefaultMaxIndexSize is the default segment.index.bytes: the size to which the active
	// segment's indexes are preallocated, rounded down to a multiple of the entry size
	// (10485760 bytes for .index, 10485756 for .timeindex).
	DefaultMaxIndexSize = 10485760
)

// NoTimestamp is Kafka's RecordBatch.NO_TIMESTAMP. TimeIndex.Lookup returns it when no entry
// qualifies, and the time index never stores it (see TimeIndex.maybeAppend).
const NoTimestamp = -1

// warmSectionBytes is AbstractIndex's warm-section size. Kafka searches the last
// 8192/entrySize entries first because appends and most lookups (consumers near the tail, followers)
// touch only those pages, which then stay in the page cache; 8 KiB is two 4 KiB pages, small enough to
// stay resident on every broker. The split changes only which slots are read: on a sorted index the
// result equals a plain binary search. We copy it so that, on a corrupt (unsorted) index too, our
// lookups return what the broker's would.
const warmSectionBytes = 8192

// chunkSize bounds the memory of whole-file passes. It is a multiple of both entry sizes' lcm (24).
const chunkSize = 64 * 1024 / 24 * 24

// blockBytes is the unit a sorted-index lookup reads: one page of entries (512 for .index, 341
// for .timeindex). A pread costs far more than searching 4 KiB in memory, so a lookup reads
// exactly one block, found through the in-memory fences, instead of ~log2(n) single entries.
const blockBytes = 4096

// OffsetPosition is one offset-index entry with its offset made absolute (Kafka's OffsetPosition).
type OffsetPosition struct {
	Offset   int64 // absolute Kafka offset: baseOffset + relativeOffset
	Position int32 // byte position of a batch start in the .log
}

// TimestampOffset is one time-index entry with its offset made absolute (Kafka's TimestampOffset).
type TimestampOffset struct {
	Timestamp int64 // milliseconds; the segment's running maximum batch timestamp
	Offset    int64 // absolute Kafka offset: baseOffset + relativeOffset
}

var (
	// ErrCorruptIndex classifies errors about index bytes or parameters that cannot describe a
	// Kafka index at all. Match it with errors.Is; the concrete type is *CorruptIndexError.
	ErrCorruptIndex = errors.New("kseg/index: corrupt index")
	// ErrOffsetOverflow means an offset cannot be stored relative to the base offset: the
	// difference is negative or above math.MaxInt32 (Kafka's IndexOffsetOverflowException).
	ErrOffsetOverflow = errors.New("kseg/index: offset overflows relative offset")
	// ErrNegativePosition means an offset-index entry was given a negative log position.
	ErrNegativePosition = errors.New("kseg/index: negative position")
	// ErrSlotOutOfRange means Entry was asked for a slot outside [0, Slots()).
	ErrSlotOutOfRange = errors.New("kseg/index: slot out of range")
)

// CorruptIndexError reports parameters or bytes that prevent reading an index at all, for
// example a negative base offset parsed from a file name, or a size no Kafka index can have.
// It matches ErrCorruptIndex with errors.Is. Callers add the file name when they wrap it.
type CorruptIndexError struct {
	Index      string // "offset index" or "time index"
	BaseOffset int64
	Size       int64 // the size the caller gave
	Reason     string
}

func (e *CorruptIndexError) Error() string {
	return fmt.Sprintf("kseg/index: %s (base offset %d, size %d): %s", e.Index, e.BaseOffset, e.Size, e.Reason)
}

// Is reports whether target is ErrCorruptIndex.
func (e *CorruptIndexError) Is(target error) bool { return target == ErrCorruptIndex }

// TailKind says what follows the valid entries of an index file.
type TailKind uint8

const (
	// NoTail: every full slot is a valid entry.
	NoTail TailKind = iota
	// ZeroedTail: the slots after the valid entries, and any partial bytes, are all zero. This
	// is the benign state of a preallocated (active or crashed) segment's index.
	ZeroedTail
	// DirtyTail: the valid entries end at a zero slot, but non-zero bytes follow it. Kafka
	// (which counts every slot of an existing file) would use them; we report them.
	DirtyTail
)

// String returns "none", "zeroed" or "dirty".
func (k TailKind) String() string {
	switch k {
	case NoTail:
		return "none"
	case ZeroedTail:
		return "zeroed"
	case DirtyTail:
		return "dirty"
	}
	return fmt.Sprintf("TailKind(%d)", uint8(k))
}

// TailState describes the bytes after the valid entries of an index file.
type TailState struct {
	Kind TailKind
	// Slots is the number of full slots after the valid entries (Slots() - valid entries).
	Slots int
	// Bytes is the number of bytes after the valid entries, partial bytes included: what
	// Kafka's trimToValidSize would cut.
	Bytes int64
	// PartialBytes is size % entrySize. Non-zero means the file ends in a partial entry
	// (a corrupt size: Kafka's sanityCheck rejects it).
	PartialBytes int
	// FirstNonzero is, for DirtyTail, the byte position of the first non-zero byte after the
	// valid entries; otherwise -1.
	FirstNonzero int64
}

// PartialEntry reports whether the file ends in a partial entry.
func (t TailState) PartialEntry() bool { return t.PartialBytes != 0 }

// scratchPool holds the buffers lookups read into. A buffer passed to an interface's ReadAt
// escapes, so a stack array would cost an allocation per read; a pool keeps lookups at zero
// allocations and lets concurrent lookups share one reader.
var scratchPool = sync.Pool{New: func() any { return new([blockBytes]byte) }}

var chunkPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// zeroChunk is compared against whole chunks to verify a zeroed tail at memequal speed.
var zeroChunk [chunkSize]byte

// file is the part shared by OffsetIndex and TimeIndex: bounds, reads, and the cached extent of
// the valid entries. All its methods are safe for concurrent use if r is.
type file struct {
	r          io.ReaderAt
	size       int64
	baseOffset int64
	entrySize  int
	name       string // "offset index" or "time index"
	// keyIsZero reports whether a slot ends the valid entries (at slot > 0).
	keyIsZero func(b []byte) bool
	// key returns a slot's search key: the absolute offset, or the timestamp.
	key func(b []byte) int64

	mu    sync.Mutex // serializes the first computation of the fields below
	done  atomic.Bool
	valid int
	tail  TailState
	// sorted reports whether the keys of the valid entries strictly increase. Only then does a
	// lookup use fences; otherwise it replays Kafka's probe sequence so that, on a corrupt
	// index, it still returns the broker's answer.
	sorted bool
	// fences[j] is the key of slot j*perBlock(): n/perBlock int64s (20 KiB for a full 10 MiB
	// index), collected during the pass that finds the valid entries.
	fences []int64
}

func (f *file) perBlock() int { return blockBytes / f.entrySize }

func (f *file) slots() int {
	if f.size < 0 {
		return 0
	}
	return int(f.size / int64(f.entrySize))
}

// check rejects parameters that cannot describe a Kafka index.
func (f *file) check() error {
	var reason string
	switch {
	case f.r == nil:
		reason = "nil io.ReaderAt"
	case f.baseOffset < 0:
		reason = "negative base offset"
	case f.baseOffset > math.MaxInt64-math.MaxInt32:
		// baseOffset + relativeOffset would overflow int64.
		reason = "base offset too large"
	case f.size < 0:
		reason = "negative size"
	case f.size > math.MaxInt32:
		// AbstractIndex holds lengths and positions in Java ints.
		reason = "larger than 2 GiB, which no Kafka index can be"
	default:
		return nil
	}
	return &CorruptIndexError{Index: f.name, BaseOffset: f.baseOffset, Size: f.size, Reason: reason}
}

// readFull reads exactly len(p) bytes at pos.
func (f *file) readFull(p []byte, pos int64) error {
	n, err := f.r.ReadAt(p, pos)
	if n == len(p) {
		return nil // io.ReaderAt may return io.EOF with a full read at the end of the file
	}
	if err == nil || err == io.EOF {
		// The caller told us the file is larger than it is (truncated underneath us?).
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("kseg/index: read %s: %d bytes at position %d of %d: %w", f.name, len(p), pos, f.size, err)
}

// readSlot reads slot i's bytes into scratch, which must hold an entry.
func (f *file) readSlot(i int, scratch []byte) ([]byte, error) {
	b := scratch[:f.entrySize]
	if err := f.readFull(b, int64(i)*int64(f.entrySize)); err != nil {
		return nil, err
	}
	return b, nil
}

// readBlock reads the valid entries of fence block j into scratch.
func (f *file) readBlock(j, n int, scratch *[blockBytes]byte) ([]byte, error) {
	per := f.perBlock()
	from := j * per
	cnt := min(per, n-from)
	b := scratch[:cnt*f.entrySize]
	if err := f.readFull(b, int64(from)*int64(f.entrySize)); err != nil {
		return nil, err
	}
	return b, nil
}

// lookupFloor returns the bytes of the valid entry with the largest key <= target (Kafka's
// largestLowerBoundSlotFor), or nil if there is none. The bytes live in scratch. A sorted index
// costs one ReadAt (none if target precedes every entry); an unsorted one replays Kafka's
// warm-section probes, one ReadAt each.
func (f *file) lookupFloor(n int, target int64, scratch *[blockBytes]byte) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if !f.sorted {
		slot, err := largestLowerBound(n, f.entrySize, target, func(s int) (int64, error) {
			b, err := f.readSlot(s, scratch[:])
			if err != nil {
				return 0, err
			}
			return f.key(b), nil
		})
		if err != nil || slot < 0 {
			return nil, err
		}
		return f.readSlot(slot, scratch[:])
	}
	fences := f.fences
	j := sort.Search(len(fences), func(j int) bool { return fences[j] > target }) - 1
	if j < 0 {
		return nil, nil
	}
	blk, err := f.readBlock(j, n, scratch)
	if err != nil {
		return nil, err
	}
	es := f.entrySize
	// The block's first key is fences[j] <= target, so i >= 0.
	i := sort.Search(len(blk)/es, func(i int) bool { return f.key(blk[i*es:]) > target }) - 1
	return blk[i*es : (i+1)*es], nil
}

// lookupCeil returns the bytes of the first valid entry with key >= target, or nil, assuming
// sorted keys. It is a plain lower bound, deliberately not AbstractIndex's SMALLEST_UPPER_BOUND:
// that one never compares slot 0 inside binarySearch, so a target equal to the first key yields
// slot 1 (or "none" when there is a single entry).
func (f *file) lookupCeil(n int, target int64, scratch *[blockBytes]byte) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if !f.sorted {
		slot, err := smallestUpperBound(n, target, func(s int) (int64, error) {
			b, err := f.readSlot(s, scratch[:])
			if err != nil {
				return 0, err
			}
			return f.key(b), nil
		})
		if err != nil || slot == n {
			return nil, err
		}
		return f.readSlot(slot, scratch[:])
	}
	fences := f.fences
	j := sort.Search(len(fences), func(j int) bool { return fences[j] >= target })
	if j == 0 {
		return f.readSlot(0, scratch[:])
	}
	blk, err := f.readBlock(j-1, n, scratch)
	if err != nil {
		return nil, err
	}
	es := f.entrySize
	if i := sort.Search(len(blk)/es, func(i int) bool { return f.key(blk[i*es:]) >= target }); i < len(blk)/es {
		return blk[i*es : (i+1)*es], nil
	}
	if j == len(fences) {
		return nil, nil
	}
	return f.readSlot(j*f.perBlock(), scratch[:])
}

// validEntries returns the number of valid entries and the tail state, computing them once.
func (f *file) validEntries() (int, TailState, error) {
	if f.done.Load() {
		return f.valid, f.tail, nil
	}
	if err := f.check(); err != nil {
		return 0, TailState{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done.Load() {
		return f.valid, f.tail, nil
	}
	n, tail, err := f.computeValid()
	if err != nil {
		return 0, TailState{}, err // not cached: an I/O error may be transient
	}
	f.valid, f.tail = n, tail
	f.fences = f.fences[:(n+f.perBlock()-1)/f.perBlock()]
	f.done.Store(true)
	return n, tail, nil
}

// computeValid makes one pass over the file in chunks. It cannot binary-search for the end:
// Kafka's rule is the *first* zero slot, and on a corrupt file zero slots need not be contiguous,
// while proving the tail is zero needs every tail byte anyway.
func (f *file) computeValid() (int, TailState, error) {
	es := f.entrySize
	slots := f.slots()
	partial := int(f.size % int64(es))

	cp := chunkPool.Get().(*[chunkSize]byte)
	defer chunkPool.Put(cp)

	end := -1 // first slot of the tail, once found
	firstNonzero := int64(-1)
	slot0Zero := false
	partialZero := true
	per := f.perBlock()
	f.fences = make([]int64, 0, (slots+per-1)/per)
	f.sorted = true
	var prev int64
	for pos := int64(0); pos < f.size; pos += chunkSize {
		m := int(min(int64(chunkSize), f.size-pos))
		b := cp[:m]
		if err := f.readFull(b, pos); err != nil {
			return 0, TailState{}, err
		}
		i := 0
		if end < 0 {
			for ; i+es <= m; i += es {
				slot := int((pos + int64(i)) / int64(es))
				e := b[i : i+es]
				if slot == 0 {
					slot0Zero = isZero(e)
				} else if f.keyIsZero(e) {
					end = slot
					break
				}
				k := f.key(e)
				if slot%per == 0 {
					f.fences = append(f.fences, k)
				}
				if slot > 0 && k <= prev {
					f.sorted = false
				}
				prev = k
			}
			if end < 0 {
				if i < m { // the partial trailing bytes, in the last chunk
					partialZero = isZero(b[i:])
				}
				continue
			}
		}
		if k := firstNonzeroIndex(b[i:]); k >= 0 {
			firstNonzero = pos + int64(i) + int64(k)
			break // nothing after the first dirty byte changes the answer
		}
	}

	n := slots
	if end >= 0 {
		n = end
	}
	// A wholly zero file is a preallocated index with no entries yet, not one entry (base, 0)
	// followed by a zero tail as DumpLogSegments would print it. A zero slot 0 followed by
	// anything non-zero stays an entry: Kafka's rule looks only at slots after 0.
	if slot0Zero && firstNonzero < 0 && partialZero && (n == 1) {
		n = 0
	}

	tail := TailState{
		Slots:        slots - n,
		Bytes:        f.size - int64(n)*int64(es),
		PartialBytes: partial,
		FirstNonzero: firstNonzero,
	}
	switch {
	case firstNonzero >= 0:
		tail.Kind = DirtyTail
	case n < slots:
		tail.Kind = ZeroedTail
	default:
		tail.Kind = NoTail
	}
	return n, tail, nil
}

func isZero(b []byte) bool {
	for len(b) > 0 {
		k := min(len(b), len(zeroChunk))
		if !bytes.Equal(b[:k], zeroChunk[:k]) {
			return false
		}
		b = b[k:]
	}
	return true
}

func firstNonzeroIndex(b []byte) int {
	if isZero(b) {
		return -1
	}
	for i, c := range b {
		if c != 0 {
			return i
		}
	}
	return -1
}

// scan calls fn with the bytes of each slot in [from, to), reading 64 KiB chunks. fn returns
// false to stop early.
func (f *file) scan(from, to int, fn func(slot int, b []byte) bool) error {
	es := f.entrySize
	per := chunkSize / es
	cp := chunkPool.Get().(*[chunkSize]byte)
	defer chunkPool.Put(cp)
	for s := from; s < to; s += per {
		k := min(per, to-s)
		b := cp[:k*es]
		if err := f.readFull(b, int64(s)*int64(es)); err != nil {
			return err
		}
		for j := 0; j < k; j++ {
			if !fn(s+j, b[j*es:(j+1)*es]) {
				return nil
			}
		}
	}
	return nil
}

// largestLowerBound is AbstractIndex.largestLowerBoundSlotFor over the first n slots: the
// largest slot whose key is <= target, or -1. It reproduces Kafka's warm-section search probe
// for probe, so on an unsorted (corrupt) index it returns the broker's slot. (On a sorted index
// any correct search gives the same slot; lookupFloor then uses the fences instead.)
func largestLowerBound(n, entrySize int, target int64, key func(slot int) (int64, error)) (int, error) {
	if n == 0 {
		return -1, nil
	}
	warm := warmSectionBytes / entrySize
	firstHot := max(0, n-1-warm)
	k, err := key(firstHot)
	if err != nil {
		return 0, err
	}
	if k < target {
		return kafkaBinarySearch(firstHot, n-1, target, key)
	}
	k, err = key(0)
	if err != nil {
		return 0, err
	}
	if k > target {
		return -1, nil
	}
	return kafkaBinarySearch(0, firstHot, target, key)
}

// kafkaBinarySearch is AbstractIndex.binarySearch with LARGEST_LOWER_BOUND. Note that it never
// reads slot lo itself: the callers have established key(lo) <= target.
func kafkaBinarySearch(lo, hi int, target int64, key func(slot int) (int64, error)) (int, error) {
	for lo < hi {
		mid := int(uint(lo+hi+1) >> 1)
		k, err := key(mid)
		if err != nil {
			return 0, err
		}
		switch {
		case k > target:
			hi = mid - 1
		case k < target:
			lo = mid
		default:
			return mid, nil
		}
	}
	return lo, nil
}

// smallestUpperBound returns the first slot in [0, n) whose key is >= target, or n, by binary
// search with one read per probe.
func smallestUpperBound(n int, target int64, key func(slot int) (int64, error)) (int, error) {
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		k, err := key(mid)
		if err != nil {
			return 0, err
		}
		if k < target {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

func getInt32(b []byte) int32 { return int32(binary.BigEndian.Uint32(b)) }
func getInt64(b []byte) int64 { return int64(binary.BigEndian.Uint64(b)) }
