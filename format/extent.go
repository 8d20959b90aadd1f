package format

import (
	"fmt"
	"io"
)

// IsLegacyWrapper reports a magic 0/1 entry whose codec is not none: a
// compressed wrapper whose value is a whole inner message set. Its stored
// offset is the last inner offset (AbstractLegacyRecordBatch), and its header
// says nothing about how many messages it holds.
func (b *Batch) IsLegacyWrapper() bool { return b.Magic < 2 && b.Compression() != CompressionNone }

// Extent is what a log entry holds as its records say: the first and last
// offset and the number of records. For v2 batches and uncompressed legacy
// messages it comes from the header; a legacy compressed wrapper must be
// decompressed to know it.
type Extent struct {
	BaseOffset int64 // offset of the first record
	LastOffset int64 // offset of the last record
	Records    int64
	// Exact is false for a legacy wrapper that could not be decompressed
	// (body not loaded or corrupt): then LastOffset is the stored offset,
	// BaseOffset is only an upper bound (= LastOffset) and Records a lower
	// bound (1).
	Exact bool
}

// headerExtent is the extent a header alone gives.
func headerExtent(b *Batch) Extent {
	if b.Magic >= 2 {
		// A negative lastOffsetDelta or record count is a damaged header
		// (the batch's CRC fails): its range is no fact, only the header's
		// claim.
		return Extent{BaseOffset: b.BaseOffset, LastOffset: b.LastOffset(), Records: int64(max(b.NumRecords, 0)),
			Exact: b.LastOffsetDelta >= 0 && b.NumRecords >= 0}
	}
	return Extent{BaseOffset: b.BaseOffset, LastOffset: b.BaseOffset, Records: 1, Exact: !b.IsLegacyWrapper()}
}

// Extent returns b's extent. A legacy wrapper is decompressed (b.Raw must be
// loaded; the decoder is then positioned on b as after Reset); anything else
// is answered from the header without touching d. On error the header's
// bound is returned (Exact false) with the *CorruptionError.
func (d *RecordDecoder) Extent(b *Batch) (Extent, error) {
	e := headerExtent(b)
	if e.Exact || !b.IsLegacyWrapper() {
		return e, nil
	}
	if err := d.Reset(b); err != nil {
		return e, err
	}
	first := d.inner.first
	if d.inner.absoluteBase >= 0 {
		first += d.inner.absoluteBase
	}
	if first > b.BaseOffset {
		// v0 inner offsets are absolute: a first inner offset past the
		// wrapper's is not a record of this entry's range.
		return e, d.corrupt(b.BaseOffset, ReasonBadWrapper, "first inner offset %d is above the wrapper offset %d", first, b.BaseOffset)
	}
	return Extent{BaseOffset: first, LastOffset: b.BaseOffset, Records: int64(d.inner.count), Exact: true}, nil
}

// ReadExtent is Extent for an entry whose body may not be loaded (a
// HeadersOnly reader): a legacy wrapper's bytes are read from r at
// b.Position (r is the file b was read from). Wrappers larger than
// DefaultMaxBatchBytes are not read and keep the header's bound.
func (d *RecordDecoder) ReadExtent(r io.ReaderAt, b *Batch) (Extent, error) {
	if !b.IsLegacyWrapper() || b.Raw != nil {
		return d.Extent(b)
	}
	e := headerExtent(b)
	if b.Size() > DefaultMaxBatchBytes {
		return e, nil
	}
	// One buffer per decoder, not per wrapper: the decoder is positioned on
	// the wrapper read into it, valid until the next call, as after Reset.
	if int64(cap(d.extentBuf)) < b.Size() {
		d.extentBuf = make([]byte, b.Size())
	}
	buf := d.extentBuf[:b.Size()]
	if _, err := r.ReadAt(buf, b.Position); err != nil {
		return e, fmt.Errorf("kseg/format: %s: position %d: %w", d.opts.File, b.Position, err)
	}
	full, err := DecodeBatch(buf)
	if err != nil {
		return e, err
	}
	full.Position = b.Position
	return d.Extent(full)
}
