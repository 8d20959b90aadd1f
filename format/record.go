package format

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Header is a v2 record header. Value is nil for a null value. Both slices
// alias the decoder's buffer.
type Header struct {
	Key   []byte
	Value []byte
}

// Record is one record of a batch after deep iteration: a v2 record, or a
// legacy (magic 0/1) message, possibly an inner message of a compressed
// wrapper. Key and Value are nil for null; KeySize/ValueSize are -1 then.
// All slices alias the decoder's buffers: valid until the decoder's next Next
// or Reset.
type Record struct {
	Offset        int64
	Timestamp     int64
	TimestampType TimestampType
	Magic         int8
	Attributes    int8
	Key           []byte
	Value         []byte
	KeySize       int32
	ValueSize     int32
	Headers       []Header
	Sequence      int32 // v2: baseSequence + offsetDelta (wrapping) or -1; legacy: -1
	// Legacy messages carry their own CRC (CRC-32 from the magic byte).
	CRC   uint32
	Valid bool
	// Size is the encoded size: v2 the record length varint; legacy the
	// message size field.
	Size int32
}

// DecoderOptions configures a RecordDecoder. The zero value is usable.
type DecoderOptions struct {
	// File is the base name used in errors.
	File string
	// MaxDecompressedSize caps one batch's decoded size (default
	// DefaultMaxDecompressedSize).
	MaxDecompressedSize int
}

// RecordDecoder iterates over the records of one batch at a time ("deep
// iteration"). It owns a reusable decompression buffer, so iterating a whole
// segment allocates nothing per record once warmed up. Not safe for
// concurrent use.
type RecordDecoder struct {
	opts DecoderOptions

	batch  *Batch
	data   []byte // records area: Raw[61:] or decompressed bytes (v2); inner message set (legacy wrapper)
	decBuf []byte
	// extentBuf holds the legacy wrapper ReadExtent reads (reused).
	extentBuf []byte
	p         int   // read position in data
	left      int32 // v2: records still to read
	index     int32
	legacy    bool
	wrapper   bool
	inner     legacyInner
	done      bool
	rec       Record
	headers   []Header
	consumed  bool // legacy uncompressed: the single record was returned
}

type legacyInner struct {
	absoluteBase int64 // v1: added to relative inner offsets; -1 for absolute (v0)
	count        int
	first        int64 // the first inner message's stored offset
}

// NewRecordDecoder returns a decoder.
func NewRecordDecoder(opts DecoderOptions) *RecordDecoder {
	if opts.MaxDecompressedSize <= 0 {
		opts.MaxDecompressedSize = DefaultMaxDecompressedSize
	}
	return &RecordDecoder{opts: opts}
}

// Reset prepares iteration over b's records: it decompresses the batch (once,
// into the decoder's buffer) and, for legacy wrappers, pre-scans the inner
// message set. b.Raw must be loaded. Errors are *CorruptionError.
func (d *RecordDecoder) Reset(b *Batch) error {
	d.batch, d.p, d.index, d.done, d.consumed = b, 0, 0, false, false
	d.legacy, d.wrapper = b.Magic < 2, false
	if b.Raw == nil {
		d.done = true
		return errors.New("kseg/format: batch body not loaded (larger than the reader's MaxBatchBytes)")
	}
	if !d.legacy {
		return d.resetV2(b)
	}
	return d.resetLegacy(b)
}

func (d *RecordDecoder) corrupt(offset int64, reason Reason, format string, args ...any) *CorruptionError {
	return &CorruptionError{File: d.opts.File, Position: d.batch.Position, Offset: offset, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

func (d *RecordDecoder) resetV2(b *Batch) error {
	if b.NumRecords < 0 {
		return d.corrupt(b.BaseOffset, ReasonRecordCountMismatch, "invalid record count %d", b.NumRecords)
	}
	body := b.Raw[RecordBatchOverhead:]
	c := b.Compression()
	if c > CompressionZstd {
		return d.corrupt(b.BaseOffset, ReasonBadCompression, "unknown compression type id %d", int8(c))
	}
	if c == CompressionNone {
		d.data = body
	} else {
		out, err := Decompress(c, b.Magic, d.decBuf, body, d.opts.MaxDecompressedSize)
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return d.corrupt(b.BaseOffset, ReasonDecompressedTooLarge, "%s batch decompresses to more than %d bytes", c, d.opts.MaxDecompressedSize)
			}
			return d.corrupt(b.BaseOffset, ReasonDecompressFailed, "%s: %v", c, err)
		}
		d.decBuf = out
		d.data = out
	}
	// Every record takes at least 7 bytes (length..headersCount); a count
	// that cannot fit is corrupt before we try to iterate it.
	if int64(b.NumRecords) > int64(len(d.data)) {
		return d.corrupt(b.BaseOffset, ReasonRecordCountMismatch, "record count %d exceeds the %d bytes of record data", b.NumRecords, len(d.data))
	}
	d.left = b.NumRecords
	return nil
}

// Next returns the next record, or io.EOF after the last one. The returned
// record is valid until the next call.
func (d *RecordDecoder) Next() (*Record, error) {
	if d.done || d.batch == nil {
		return nil, io.EOF
	}
	var r *Record
	var err error
	if d.legacy {
		r, err = d.nextLegacy()
	} else {
		r, err = d.nextV2()
	}
	if err != nil {
		d.done = true
	}
	return r, err
}

func (d *RecordDecoder) nextV2() (*Record, error) {
	b := d.batch
	if d.left == 0 {
		if d.p != len(d.data) {
			return nil, d.corrupt(b.BaseOffset, ReasonRecordCountMismatch,
				"incorrect declared batch size, %d bytes of records still remaining after %d records", len(d.data)-d.p, b.NumRecords)
		}
		d.done = true
		return nil, io.EOF
	}
	length, n := binary.Varint(d.data[d.p:])
	if n <= 0 {
		if n == 0 && d.p == len(d.data) {
			return nil, d.corrupt(b.BaseOffset, ReasonRecordCountMismatch,
				"incorrect declared batch size, premature EOF reached after %d of %d records", d.index, b.NumRecords)
		}
		return nil, d.corrupt(b.BaseOffset, ReasonBadRecord, "record %d: invalid length varint", d.index)
	}
	if n > 5 || length < 0 || length > int64(len(d.data)-d.p-n) {
		return nil, d.corrupt(b.BaseOffset, ReasonBadRecord, "record %d: length %d exceeds the %d remaining bytes", d.index, length, len(d.data)-d.p-n)
	}
	body := d.data[d.p+n : d.p+n+int(length)]
	rec := &d.rec
	if err := d.decodeV2Record(rec, body); err != nil {
		return nil, d.corrupt(b.BaseOffset+int64(rec.Offset), ReasonBadRecord, "record %d: %v", d.index, err)
	}
	rec.Size = int32(length)
	d.p += n + int(length)
	d.left--
	d.index++
	return rec, nil
}

// decodeV2Record parses a record body (after the length varint). On entry
// rec.Offset is unset; on error it holds the offset delta if it was read.
func (d *RecordDecoder) decodeV2Record(rec *Record, body []byte) error {
	b := d.batch
	p := 0
	rec.Offset = 0
	if len(body) < 1 {
		return errors.New("empty record")
	}
	rec.Attributes = int8(body[0])
	p++
	tsDelta, n := binary.Varint(body[p:])
	if n <= 0 {
		return errors.New("invalid timestamp delta varint")
	}
	p += n
	offDelta, err := varint32(body, &p)
	if err != nil {
		return fmt.Errorf("offset delta: %w", err)
	}
	rec.Offset = int64(offDelta)
	key, ksize, err := varBytes(body, &p)
	if err != nil {
		return fmt.Errorf("key: %w", err)
	}
	val, vsize, err := varBytes(body, &p)
	if err != nil {
		return fmt.Errorf("value: %w", err)
	}
	hc, err := varint32(body, &p)
	if err != nil {
		return fmt.Errorf("header count: %w", err)
	}
	if hc < 0 {
		return fmt.Errorf("invalid negative header count %d", hc)
	}
	// Each header needs at least two bytes.
	if int(hc) > (len(body)-p)/2 {
		return fmt.Errorf("header count %d exceeds the remaining %d bytes", hc, len(body)-p)
	}
	hs := d.headers[:0]
	for i := int32(0); i < hc; i++ {
		hk, hksize, err := varBytes(body, &p)
		if err != nil {
			return fmt.Errorf("header %d key: %w", i, err)
		}
		if hksize < 0 {
			return fmt.Errorf("header %d: null header key", i)
		}
		hv, _, err := varBytes(body, &p)
		if err != nil {
			return fmt.Errorf("header %d value: %w", i, err)
		}
		hs = append(hs, Header{Key: hk, Value: hv})
	}
	d.headers = hs
	if p != len(body) {
		return fmt.Errorf("invalid record size: expected to read %d bytes in record payload, but instead read %d", len(body), p)
	}
	rec.Offset = b.BaseOffset + int64(offDelta)
	rec.Magic = 2
	rec.TimestampType = b.TimestampType()
	if rec.TimestampType == LogAppendTime {
		rec.Timestamp = b.MaxTimestamp
	} else {
		rec.Timestamp = b.BaseTimestamp + tsDelta
	}
	rec.Key, rec.KeySize = key, ksize
	rec.Value, rec.ValueSize = val, vsize
	rec.Headers = hs
	if b.BaseSequence < 0 {
		rec.Sequence = -1
	} else {
		rec.Sequence = IncrementSequence(b.BaseSequence, offDelta)
	}
	rec.CRC, rec.Valid = 0, true
	return nil
}

// varint32 reads a zigzag varint that must fit an int32 in at most 5 bytes
// (ByteUtils.readVarint).
func varint32(b []byte, p *int) (int32, error) {
	v, n := binary.Varint(b[*p:])
	if n == 0 {
		return 0, errors.New("truncated varint")
	}
	if n < 0 || n > 5 || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, errors.New("varint overflows int32")
	}
	*p += n
	return int32(v), nil
}

// varBytes reads a varint length (-1 = null) and that many bytes.
func varBytes(b []byte, p *int) ([]byte, int32, error) {
	l, err := varint32(b, p)
	if err != nil {
		return nil, 0, err
	}
	if l < 0 {
		if l != -1 {
			return nil, 0, fmt.Errorf("invalid negative length %d", l)
		}
		return nil, -1, nil
	}
	if int(l) > len(b)-*p {
		return nil, 0, fmt.Errorf("length %d exceeds the %d remaining bytes", l, len(b)-*p)
	}
	v := b[*p : *p+int(l) : *p+int(l)]
	*p += int(l)
	return v, l, nil
}

// ---- legacy (magic 0/1) ----

// parseLegacyMessage parses a legacy entry "offset int64 | size int32 |
// message" at the start of e (e holds exactly the entry). It fills rec with
// the message's fields and returns its codec.
func parseLegacyMessage(rec *Record, e []byte) (Compression, error) {
	if len(e) < LogOverhead+RecordOverheadV0 {
		return 0, fmt.Errorf("message of %d bytes is shorter than the minimum %d", len(e), LogOverhead+RecordOverheadV0)
	}
	rec.Offset = int64(binary.BigEndian.Uint64(e))
	rec.Size = int32(binary.BigEndian.Uint32(e[8:]))
	m := e[LogOverhead:]
	rec.CRC = binary.BigEndian.Uint32(m)
	rec.Magic = int8(m[4])
	rec.Attributes = int8(m[5])
	if rec.Magic < 0 || rec.Magic > 1 {
		return 0, fmt.Errorf("inner message magic %d", rec.Magic)
	}
	rec.Valid = crc32IEEE(m[4:]) == rec.CRC
	p := 6
	rec.Timestamp, rec.TimestampType = NoTimestamp, NoTimestampType
	if rec.Magic == 1 {
		if len(m) < RecordOverheadV1 {
			return 0, fmt.Errorf("v1 message of %d bytes is shorter than the minimum %d", len(m), RecordOverheadV1)
		}
		rec.Timestamp = int64(binary.BigEndian.Uint64(m[6:]))
		rec.TimestampType = CreateTime
		if rec.Attributes&timestampTypeMask != 0 {
			rec.TimestampType = LogAppendTime
		}
		p = 14
	}
	var err error
	if rec.Key, rec.KeySize, err = int32Bytes(m, &p); err != nil {
		return 0, fmt.Errorf("key: %w", err)
	}
	if rec.Value, rec.ValueSize, err = int32Bytes(m, &p); err != nil {
		return 0, fmt.Errorf("value: %w", err)
	}
	rec.Headers = nil
	rec.Sequence = -1
	return Compression(rec.Attributes & compressionMask), nil
}

func int32Bytes(b []byte, p *int) ([]byte, int32, error) {
	if len(b)-*p < 4 {
		return nil, 0, errors.New("truncated length")
	}
	l := int32(binary.BigEndian.Uint32(b[*p:]))
	*p += 4
	if l < 0 {
		return nil, -1, nil
	}
	if int(l) > len(b)-*p {
		return nil, 0, fmt.Errorf("length %d exceeds the %d remaining bytes", l, len(b)-*p)
	}
	v := b[*p : *p+int(l) : *p+int(l)]
	*p += int(l)
	return v, l, nil
}

func (d *RecordDecoder) resetLegacy(b *Batch) error {
	rec := &d.rec
	c, err := parseLegacyMessage(rec, b.Raw)
	if err != nil {
		return d.corrupt(b.BaseOffset, ReasonBadRecord, "%v", err)
	}
	if c == CompressionNone {
		d.data = b.Raw
		return nil
	}
	d.wrapper = true
	if c > CompressionLZ4 {
		return d.corrupt(b.BaseOffset, ReasonBadCompression, "compression type id %d is invalid for magic %d", int8(c), b.Magic)
	}
	if rec.Value == nil {
		return d.corrupt(b.BaseOffset, ReasonBadWrapper, "compressed wrapper message has a null value")
	}
	out, err := Decompress(c, b.Magic, d.decBuf, rec.Value, d.opts.MaxDecompressedSize)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return d.corrupt(b.BaseOffset, ReasonDecompressedTooLarge, "%s wrapper decompresses to more than %d bytes", c, d.opts.MaxDecompressedSize)
		}
		return d.corrupt(b.BaseOffset, ReasonDecompressFailed, "%s: %v", c, err)
	}
	d.decBuf = out
	d.data = out
	// Pre-scan: count the inner entries and find the last one's offset, to
	// translate v1 relative offsets (AbstractLegacyRecordBatch
	// DeepRecordsIterator).
	var lastInner, firstInner int64
	count := 0
	for p := 0; p < len(out); {
		if len(out)-p < LogOverhead {
			return d.corrupt(b.BaseOffset, ReasonBadWrapper, "truncated inner message set (%d trailing bytes)", len(out)-p)
		}
		size := int32(binary.BigEndian.Uint32(out[p+8:]))
		if size < RecordOverheadV0 {
			return d.corrupt(b.BaseOffset, ReasonBadLength, "inner message size %d smaller than minimum record overhead (%d)", size, RecordOverheadV0)
		}
		if int64(size) > int64(len(out)-p-LogOverhead) {
			return d.corrupt(b.BaseOffset, ReasonBadWrapper, "inner message size %d exceeds the %d remaining bytes", size, len(out)-p-LogOverhead)
		}
		lastInner = int64(binary.BigEndian.Uint64(out[p:]))
		if count == 0 {
			firstInner = lastInner
		}
		count++
		p += LogOverhead + int(size)
	}
	if count == 0 {
		return d.corrupt(b.BaseOffset, ReasonBadWrapper, "found invalid compressed record set with no inner records")
	}
	d.inner = legacyInner{absoluteBase: -1, count: count, first: firstInner}
	if b.Magic >= 1 {
		wrapper := b.BaseOffset
		if wrapper == 0 {
			d.inner.absoluteBase = 0 // some librdkafka versions wrote wrapper offset 0
		} else {
			if wrapper < lastInner {
				return d.corrupt(b.BaseOffset, ReasonBadWrapper, "found invalid wrapper offset in compressed v1 message set, wrapper offset '%d' is less than the last inner message offset '%d'", wrapper, lastInner)
			}
			d.inner.absoluteBase = wrapper - lastInner
		}
	}
	return nil
}

func (d *RecordDecoder) nextLegacy() (*Record, error) {
	b := d.batch
	rec := &d.rec
	if !d.wrapper {
		if d.consumed {
			d.done = true
			return nil, io.EOF
		}
		d.consumed = true
		return rec, nil // filled by resetLegacy; only Next writes d.rec
	}
	if d.p >= len(d.data) {
		d.done = true
		return nil, io.EOF
	}
	size := int(int32(binary.BigEndian.Uint32(d.data[d.p+8:])))
	e := d.data[d.p : d.p+LogOverhead+size]
	c, err := parseLegacyMessage(rec, e)
	if err != nil {
		return nil, d.corrupt(b.BaseOffset, ReasonBadRecord, "inner message %d: %v", d.index, err)
	}
	if c != CompressionNone {
		return nil, d.corrupt(b.BaseOffset, ReasonBadCompression, "inner messages must not be compressed (inner message %d has %s)", d.index, c)
	}
	if d.inner.absoluteBase >= 0 {
		rec.Offset = d.inner.absoluteBase + rec.Offset
	}
	if b.Magic >= 1 {
		// The wrapper's timestamp type applies to the inner records;
		// LogAppendTime means the wrapper's timestamp.
		rec.TimestampType = b.TimestampType()
		if rec.TimestampType == LogAppendTime {
			rec.Timestamp = b.MaxTimestamp
		}
	}
	d.p += LogOverhead + size
	d.index++
	return rec, nil
}

// InnerCount is the number of inner messages of a legacy wrapper after Reset
// (1 for an uncompressed legacy message, NumRecords for v2).
func (d *RecordDecoder) InnerCount() int {
	if d.legacy {
		if d.wrapper {
			return d.inner.count
		}
		return 1
	}
	return int(d.batch.NumRecords)
}

// DecompressedSize is the size of the decoded record data of the current batch.
func (d *RecordDecoder) DecompressedSize() int { return len(d.data) }
