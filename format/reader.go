package format

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Reader defaults.
const (
	DefaultWindowSize    = 1 << 20  // bytes read per ReadAt on the shallow path
	DefaultMaxBatchBytes = 64 << 20 // entries up to this size are held in memory
	// DefaultMaxPlausibleBatch bounds what resynchronisation will consider a
	// batch: a longer length claim is not CRC-checked while scanning garbage.
	DefaultMaxPlausibleBatch = 64 << 20
)

// ReaderOptions configures a BatchReader. The zero value is usable.
type ReaderOptions struct {
	// File is the base name used in errors (e.g. 00000000000000001234.log).
	File string
	// Start is the byte position of the first entry (default 0).
	Start int64
	// End stops reading at this byte position (0 = the size given to
	// NewBatchReader). Entries crossing End are not returned and not reported
	// as torn (DumpLogSegments --max-bytes semantics).
	End int64
	// WindowSize is the read-ahead window (default DefaultWindowSize).
	WindowSize int
	// MaxBatchBytes: entries larger than this are CRC-checked in a streaming
	// fashion and returned with Raw == nil (default DefaultMaxBatchBytes).
	MaxBatchBytes int64
	// HeadersOnly skips loading bodies and computing CRCs (Batch.CRCChecked is
	// false). Used to skip ranges and for header-only statistics.
	HeadersOnly bool
	// DeferCRC loads bodies but leaves the CRC to the caller (Batch.CRCChecked
	// is false until Batch.CheckCRC): a search that rejects most batches by a
	// cheaper test on their bytes checks only the ones it decodes, as
	// HeadersOnly readers check none. An entry returned with Raw == nil (too
	// large for the window) is not checked either.
	DeferCRC bool
	// Buffer, when non-nil, is used as the read window (its capacity sets
	// WindowSize), so a caller walking many files can reuse one buffer
	// instead of allocating a window per file. The reader owns it until the
	// caller stops using the reader.
	Buffer []byte
}

// BatchReader iterates over the entries of a segment file, reading it through
// an io.ReaderAt with one reusable window, so memory stays bounded whatever
// the file size. It follows Kafka's FileLogInputStream.nextBatch: read the 17
// bytes up to the magic, validate the length, then load the entry.
//
// The *Batch returned by Next, and its Raw slice, are owned by the reader and
// are valid only until the next call to Next. A BatchReader is not safe for
// concurrent use; independent readers over the same file are fine.
type BatchReader struct {
	window
	size        int64 // file size
	opts        ReaderOptions
	pos         int64 // position of the next entry
	valid       int64 // position just after the last valid entry before any invalid one
	seenInvalid bool
	err         error // sticky

	batch Batch
	hdr   [RecordBatchOverhead]byte
}

// NewBatchReader returns a reader over the size bytes of r.
func NewBatchReader(r io.ReaderAt, size int64, opts ReaderOptions) *BatchReader {
	var win []byte
	if cap(opts.Buffer) >= HeaderSizeUpToMagic+RecordBatchOverhead {
		win = opts.Buffer[:cap(opts.Buffer)]
		opts.WindowSize = len(win)
	}
	if opts.WindowSize <= 0 {
		opts.WindowSize = DefaultWindowSize
	}
	if opts.MaxBatchBytes <= 0 {
		opts.MaxBatchBytes = DefaultMaxBatchBytes
	}
	end := size
	if opts.End > 0 && opts.End < size {
		end = opts.End
	}
	start := opts.Start
	if start < 0 {
		start = 0
	}
	if start > end {
		start = end
	}
	return &BatchReader{window: window{ra: r, end: end, file: opts.File, size: opts.WindowSize, win: win}, size: size, opts: opts, pos: start, valid: start}
}

// Position is the byte position of the next entry.
func (r *BatchReader) Position() int64 { return r.pos }

// ValidBytes is the byte position just after the last entry that was read
// with a valid CRC before the first invalid or corrupt one: the point where
// Kafka's LogSegment.recover would truncate.
func (r *BatchReader) ValidBytes() int64 { return r.valid }

// Err returns the sticky error, if any (not io.EOF).
func (r *BatchReader) Err() error {
	if r.err == io.EOF {
		return nil
	}
	return r.err
}

// Next returns the next entry. It returns io.EOF at a clean end, a
// *TruncatedError for a torn tail, a *CorruptionError for bad framing, or an
// I/O error (wrapped with the file name). Errors are sticky (see Resync). A
// CRC mismatch is not an error: the entry is returned with Valid == false so
// the caller decides (DumpLogSegments prints it, recovery truncates there).
func (r *BatchReader) Next() (*Batch, error) {
	if r.err != nil {
		return nil, r.err
	}
	b, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	return b, nil
}

func (r *BatchReader) next() (*Batch, error) {
	pos := r.pos
	remaining := r.end - pos
	if remaining == 0 {
		return nil, io.EOF
	}
	limited := r.end < r.size // --max-bytes style: silently drop a cut entry
	if remaining < LogOverhead+RecordOverheadV0 {
		if limited {
			return nil, io.EOF
		}
		return nil, r.tail(pos)
	}
	hdr, err := r.peek(pos, HeaderSizeUpToMagic)
	if err != nil {
		return nil, err
	}
	length := int32(binary.BigEndian.Uint32(hdr[8:12]))
	magic := int8(hdr[MagicOffset])
	if length < RecordOverheadV0 {
		if limited {
			return nil, r.corrupt(&CorruptionError{Position: pos, Offset: -1, Reason: ReasonBadLength,
				Detail: fmt.Sprintf("record size %d smaller than minimum record overhead (%d)", length, RecordOverheadV0)})
		}
		if z, err := r.zeroUntilEnd(pos); err != nil {
			return nil, err
		} else if z {
			return nil, &TruncatedError{File: r.opts.File, Position: pos, Bytes: r.end - pos, Kind: TailZeroFilled}
		}
		ce := &CorruptionError{Position: pos, Offset: -1, Reason: ReasonBadLength,
			Detail: fmt.Sprintf("record size %d smaller than minimum record overhead (%d)", length, RecordOverheadV0)}
		if allZeroHeader(hdr) {
			ce.Reason = ReasonZeroFilled
			ce.Detail = "zero bytes where a batch should start"
		}
		return nil, r.corrupt(ce)
	}
	entrySize := LogOverhead + int64(length)
	if entrySize > remaining {
		if limited {
			return nil, io.EOF
		}
		// Past EOF: a torn tail, unless a valid batch follows (then the
		// length field itself is corrupt).
		next, found, err := r.findNext(pos + 1)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, r.tail(pos)
		}
		return nil, r.corrupt(&CorruptionError{Position: pos, Offset: int64(binary.BigEndian.Uint64(hdr[0:8])), Reason: ReasonBadLength,
			Detail: fmt.Sprintf("length %d runs past the end of the file, but a valid batch follows at position %d", length, next)})
	}
	b := &r.batch
	*b = Batch{Position: pos}
	hn := headerBytesFor(magic, entrySize)
	if magic < 0 || magic > 2 {
		hn = HeaderSizeUpToMagic
	}
	if r.opts.HeadersOnly || entrySize > int64(r.opts.WindowSize) && entrySize > r.opts.MaxBatchBytes {
		h, err := r.peek(pos, hn)
		if err != nil {
			return nil, err
		}
		copy(r.hdr[:], h)
		if err := decodeHeader(b, r.hdr[:hn], pos); err != nil {
			return nil, r.corrupt(err.(*CorruptionError))
		}
		b.Position = pos
		if !r.opts.HeadersOnly && !r.opts.DeferCRC {
			crc, err := r.streamCRC(magic, pos, entrySize)
			if err != nil {
				return nil, err
			}
			r.setValid(b, crc)
		}
		r.advance(b, entrySize)
		return b, nil
	}
	raw, err := r.load(pos, entrySize)
	if err != nil {
		return nil, err
	}
	if err := decodeHeader(b, raw[:hn], pos); err != nil {
		return nil, r.corrupt(err.(*CorruptionError))
	}
	b.Position = pos
	b.Raw = raw
	if !r.opts.DeferCRC {
		r.setValid(b, computeCRC(b.Magic, raw))
	}
	r.advance(b, entrySize)
	return b, nil
}

func allZeroHeader(h []byte) bool { return isAllZero(h) }

func (r *BatchReader) setValid(b *Batch, crc uint32) {
	b.ComputedCRC = crc
	b.Valid = crc == b.CRC
	b.CRCChecked = true
}

func (r *BatchReader) advance(b *Batch, entrySize int64) {
	r.pos = b.Position + entrySize
	if !r.seenInvalid {
		if b.Valid || !b.CRCChecked {
			r.valid = r.pos
		} else {
			r.seenInvalid = true
		}
	}
}

// MarkInvalid tells the reader that the entry it just returned is invalid for
// a reason it could not see (e.g. a deep-iteration failure), so ValidBytes
// stops before it.
func (r *BatchReader) MarkInvalid(b *Batch) {
	if !r.seenInvalid && r.valid == b.Position+b.Size() {
		r.valid = b.Position
		r.seenInvalid = true
	}
}

func (r *BatchReader) corrupt(ce *CorruptionError) *CorruptionError {
	ce.File = r.opts.File
	r.seenInvalid = true
	return ce
}

func (r *BatchReader) tail(pos int64) error {
	kind := TailPartial
	z, err := r.zeroUntilEnd(pos)
	if err != nil {
		return err
	}
	if z {
		kind = TailZeroFilled
	}
	return &TruncatedError{File: r.opts.File, Position: pos, Bytes: r.end - pos, Kind: kind}
}

// Resync moves the reader past a corruption error to the next position where
// a plausible, CRC-valid batch starts, and clears the sticky error. It returns
// that position and true, or false if nothing valid follows (the reader then
// stays at EOF). Offsets are not checked here; callers compare them.
func (r *BatchReader) Resync() (int64, bool, error) {
	var ce *CorruptionError
	if r.err == nil || !errors.As(r.err, &ce) {
		return 0, false, fmt.Errorf("kseg/format: Resync called without a corruption error")
	}
	from := ce.Position + 1
	if from < r.pos {
		from = r.pos
	}
	next, found, err := r.findNext(from)
	if err != nil {
		return 0, false, err
	}
	if !found {
		r.err = io.EOF
		r.pos = r.end
		return 0, false, nil
	}
	r.err = nil
	r.pos = next
	return next, true, nil
}

// SkipTo repositions the reader at pos (which must be an entry boundary, e.g.
// from an index lookup) and clears any sticky error.
func (r *BatchReader) SkipTo(pos int64) {
	if pos > r.end {
		pos = r.end
	}
	r.pos = pos
	if !r.seenInvalid {
		r.valid = pos
	}
	r.err = nil
}

// findNext scans forward from 'from' for the first position where a plausible
// entry with a valid CRC starts (magic 0..2, sane length that fits the file,
// v2 header fields within their ranges, CRC matches).
func (r *BatchReader) findNext(from int64) (int64, bool, error) {
	maxLen := int64(DefaultMaxPlausibleBatch)
	for p := from; p+LogOverhead+RecordOverheadV0 <= r.end; {
		n := int64(r.opts.WindowSize)
		if p+n > r.end {
			n = r.end - p
		}
		chunk, err := r.peek(p, int(n))
		if err != nil {
			return 0, false, err
		}
		// Candidates whose 17-byte prefix lies inside this chunk.
		last := len(chunk) - HeaderSizeUpToMagic
		for i := 0; i <= last; i++ {
			m := chunk[i+MagicOffset]
			if m > 2 {
				continue
			}
			length := int64(int32(binary.BigEndian.Uint32(chunk[i+8:])))
			if length < RecordOverheadV0 || length > maxLen {
				continue
			}
			cand := p + int64(i)
			if cand+LogOverhead+length > r.end {
				continue
			}
			if m == 2 && length < RecordBatchOverhead-LogOverhead {
				continue
			}
			ok, err := r.plausibleAt(cand, int8(m), LogOverhead+length)
			if err != nil {
				return 0, false, err
			}
			if ok {
				return cand, true, nil
			}
			// plausibleAt may have moved the window; re-peek this chunk.
			chunk, err = r.peek(p, int(n))
			if err != nil {
				return 0, false, err
			}
		}
		if last < 0 {
			break
		}
		p += int64(last + 1)
	}
	return 0, false, nil
}

func (r *BatchReader) plausibleAt(pos int64, magic int8, size int64) (bool, error) {
	hn := headerBytesFor(magic, size)
	h, err := r.peek(pos, hn)
	if err != nil {
		return false, err
	}
	var b Batch
	copy(r.hdr[:], h)
	if decodeHeader(&b, r.hdr[:hn], pos) != nil {
		return false, nil
	}
	if magic == 2 {
		if b.Compression() > CompressionZstd || b.NumRecords < 0 || b.LastOffsetDelta < 0 || b.Attributes&^0x7f != 0 {
			return false, nil
		}
	} else if b.Attributes&^0x0f != 0 || b.Compression() > CompressionLZ4 {
		return false, nil
	}
	var crc uint32
	if size <= int64(r.opts.WindowSize) {
		raw, err := r.peek(pos, int(size))
		if err != nil {
			return false, err
		}
		crc = computeCRC(magic, raw)
	} else {
		crc, err = r.streamCRC(magic, pos, size)
		if err != nil {
			return false, err
		}
	}
	return crc == b.CRC, nil
}

// streamCRC computes the entry CRC without holding the entry.
func (r *BatchReader) streamCRC(magic int8, pos, size int64) (uint32, error) {
	if magic < 2 {
		return r.crc(pos+MagicOffset, size-MagicOffset, crc32.IEEETable)
	}
	return r.crc(pos+attributesOffsetV2, size-attributesOffsetV2, castagnoli)
}
