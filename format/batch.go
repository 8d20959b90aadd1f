package format

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Wire constants: part of the format, never change. Names follow Kafka's
// Records.java, LegacyRecord.java and DefaultRecordBatch.java.
const (
	OffsetLength         = 8
	SizeLength           = 4
	LogOverhead          = OffsetLength + SizeLength // 12: offset + size/batchLength
	HeaderSizeUpToMagic  = 17                        // offset, size, crc|leaderEpoch, magic
	MagicOffset          = 16                        // position of the magic byte in every entry
	RecordOverheadV0     = 14                        // crc4 magic1 attr1 keylen4 vallen4
	RecordOverheadV1     = 22                        // v0 + timestamp8
	RecordBatchOverhead  = 61                        // v2 header size
	MaxRecordOverhead    = 21                        // DefaultRecord.MAX_RECORD_OVERHEAD
	crcOffsetV2          = 17
	attributesOffsetV2   = 21
	lastOffsetDeltaPosV2 = 23
	baseTimestampPosV2   = 27
	maxTimestampPosV2    = 35
	producerIDPosV2      = 43
	producerEpochPosV2   = 51
	baseSequencePosV2    = 53
	recordsCountPosV2    = 57
	legacyCRCPos         = 12 // within the entry: offset8 size4 crc4
	legacyAttrPos        = 17
	legacyTimestampPos   = 18 // v1 only
)

// Attribute bits of a v2 batch (DefaultRecordBatch) and of a legacy message
// (LegacyRecord). Part of the format.
const (
	compressionMask       = 0x07
	timestampTypeMask     = 0x08
	transactionalFlagMask = 0x10
	controlFlagMask       = 0x20
	deleteHorizonFlagMask = 0x40
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CRC32C returns the CRC-32C (Castagnoli) of b, using the hardware path.
func CRC32C(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// Compression is a codec id as stored in the low three attribute bits.
type Compression int8

// Codec ids (CompressionType.java).
const (
	CompressionNone   Compression = 0
	CompressionGzip   Compression = 1
	CompressionSnappy Compression = 2
	CompressionLZ4    Compression = 3
	CompressionZstd   Compression = 4
)

// String is Kafka's lowercase name (DumpLogSegments ≥ 3.0 prints it).
func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionGzip:
		return "gzip"
	case CompressionSnappy:
		return "snappy"
	case CompressionLZ4:
		return "lz4"
	case CompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("unknown(%d)", int8(c))
}

// MarshalText renders the codec name in JSON.
func (c Compression) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// ParseCompression maps a codec name to its id.
func ParseCompression(s string) (Compression, error) {
	for c := CompressionNone; c <= CompressionZstd; c++ {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("kseg/format: unknown compression %q (want none, gzip, snappy, lz4 or zstd)", s)
}

// TimestampType says how a timestamp was assigned.
type TimestampType int8

// Timestamp types (TimestampType.java).
const (
	NoTimestampType TimestampType = -1
	CreateTime      TimestampType = 0
	LogAppendTime   TimestampType = 1
)

// String is Kafka's label, as printed before the timestamp by DumpLogSegments.
func (t TimestampType) String() string {
	switch t {
	case CreateTime:
		return "CreateTime"
	case LogAppendTime:
		return "LogAppendTime"
	}
	return "NoTimestampType"
}

// MarshalText renders the label in JSON.
func (t TimestampType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// NoTimestamp is the timestamp of v0 messages and empty batches.
const NoTimestamp int64 = -1

// Batch is one log entry as found in a segment: a v2 record batch, or a legacy
// (magic 0/1) message, which may be a compressed wrapper holding a whole inner
// message set. It is the "shallow" view: header fields only.
//
// For a legacy entry, Offset fields follow Kafka's AbstractLegacyRecordBatch:
// the stored offset is the *last* offset (of the last inner message for a
// wrapper), so LastOffset() is exact and BaseOffset is only known for
// uncompressed messages (for wrappers it is computed on deep iteration).
type Batch struct {
	Position int64 // byte position of the entry in its file (set by BatchReader; 0 for DecodeBatch)

	BaseOffset           int64 // v2: baseOffset; legacy: the stored offset field
	Length               int32 // bytes after the length field; Size() = 12 + Length
	PartitionLeaderEpoch int32 // v2 only; -1 for legacy
	Magic                int8
	CRC                  uint32 // stored CRC (v2: CRC-32C; legacy: CRC-32 IEEE)
	Attributes           int16  // v2: int16 attributes; legacy: the attribute byte
	LastOffsetDelta      int32  // v2 only
	BaseTimestamp        int64  // v2; legacy v1: the message timestamp; v0: -1
	MaxTimestamp         int64  // v2; legacy v1: the message timestamp; v0: -1
	ProducerID           int64  // v2; -1 for legacy
	ProducerEpoch        int16  // v2; -1 for legacy
	BaseSequence         int32  // v2; -1 for legacy
	NumRecords           int32  // v2 recordsCount; legacy: 1 (the entry itself)

	// ComputedCRC is the CRC recomputed over the entry's bytes; Valid reports
	// whether it equals CRC and the size is at least the minimum
	// (DefaultRecordBatch.isValid / LegacyRecord.isValid).
	ComputedCRC uint32
	Valid       bool
	// CRCChecked is false when the CRC was not computed (HeadersOnly).
	CRCChecked bool

	// Raw holds the whole entry (12 + Length bytes) when it was loaded. It
	// aliases the reader's buffer and is valid only until the next call to
	// Next. Nil when the entry was too large to hold (see ReaderOptions).
	Raw []byte
}

// Size is the whole entry size in bytes, offset and length fields included.
func (b *Batch) Size() int64 { return LogOverhead + int64(b.Length) }

// LastOffset is the offset of the last record (v2: base + lastOffsetDelta;
// legacy: the stored offset).
func (b *Batch) LastOffset() int64 {
	if b.Magic >= 2 {
		return b.BaseOffset + int64(b.LastOffsetDelta)
	}
	return b.BaseOffset
}

// NextOffset is LastOffset()+1.
func (b *Batch) NextOffset() int64 { return b.LastOffset() + 1 }

// Compression is the batch codec.
func (b *Batch) Compression() Compression { return Compression(b.Attributes & compressionMask) }

// TimestampType is NoTimestampType for magic 0, else the attribute bit.
func (b *Batch) TimestampType() TimestampType {
	if b.Magic == 0 {
		return NoTimestampType
	}
	if b.Attributes&timestampTypeMask != 0 {
		return LogAppendTime
	}
	return CreateTime
}

// IsTransactional reports attribute bit 4 (v2 only).
func (b *Batch) IsTransactional() bool {
	return b.Magic >= 2 && b.Attributes&transactionalFlagMask != 0
}

// IsControl reports attribute bit 5 (v2 only).
func (b *Batch) IsControl() bool { return b.Magic >= 2 && b.Attributes&controlFlagMask != 0 }

// HasDeleteHorizon reports attribute bit 6 (KIP-534): BaseTimestamp is then
// the delete horizon.
func (b *Batch) HasDeleteHorizon() bool {
	return b.Magic >= 2 && b.Attributes&deleteHorizonFlagMask != 0
}

// DeleteHorizonMs returns the delete horizon and whether one is set.
func (b *Batch) DeleteHorizonMs() (int64, bool) {
	if b.HasDeleteHorizon() {
		return b.BaseTimestamp, true
	}
	return 0, false
}

// LastSequence follows DefaultRecordBatch.lastSequence: -1 without a base
// sequence, else baseSequence + lastOffsetDelta wrapping past MaxInt32 to 0.
func (b *Batch) LastSequence() int32 {
	if b.BaseSequence < 0 {
		return -1
	}
	return IncrementSequence(b.BaseSequence, b.LastOffsetDelta)
}

// IncrementSequence is DefaultRecordBatch.incrementSequence.
func IncrementSequence(seq, increment int32) int32 {
	if int64(seq) > int64(1<<31-1)-int64(increment) {
		return int32(int64(increment) - (int64(1<<31-1) - int64(seq)) - 1)
	}
	return seq + increment
}

// CountOrZero is NumRecords for v2 and 1 for a legacy entry.
func (b *Batch) CountOrZero() int32 { return b.NumRecords }

// decodeHeader fills b from the first bytes of an entry. hdr must hold at
// least HeaderSizeUpToMagic bytes and, for v2, RecordBatchOverhead bytes (or
// as many as the entry has); for legacy entries, up to legacyTimestampPos+8.
// It checks the length rules of FileLogInputStream.nextBatch and the magic.
// It does not verify the CRC.
func decodeHeader(b *Batch, hdr []byte, pos int64) error {
	b.BaseOffset = int64(binary.BigEndian.Uint64(hdr[0:8]))
	b.Length = int32(binary.BigEndian.Uint32(hdr[8:12]))
	b.Magic = int8(hdr[MagicOffset])
	if b.Length < RecordOverheadV0 {
		return &CorruptionError{Position: pos, Offset: -1, Reason: ReasonBadLength,
			Detail: fmt.Sprintf("record size %d smaller than minimum record overhead (%d)", b.Length, RecordOverheadV0)}
	}
	switch {
	case b.Magic < 0 || b.Magic > 2:
		return &CorruptionError{Position: pos, Offset: b.BaseOffset, Reason: ReasonBadMagic,
			Detail: fmt.Sprintf("magic %d", b.Magic)}
	case b.Magic == 2:
		if b.Length < RecordBatchOverhead-LogOverhead {
			return &CorruptionError{Position: pos, Offset: b.BaseOffset, Reason: ReasonBadLength,
				Detail: fmt.Sprintf("batch length %d smaller than the v2 header (%d)", b.Length, RecordBatchOverhead-LogOverhead)}
		}
		if len(hdr) < RecordBatchOverhead {
			return &CorruptionError{Position: pos, Offset: b.BaseOffset, Reason: ReasonBadLength, Detail: "short v2 header"}
		}
		b.PartitionLeaderEpoch = int32(binary.BigEndian.Uint32(hdr[12:16]))
		b.CRC = binary.BigEndian.Uint32(hdr[crcOffsetV2:])
		b.Attributes = int16(binary.BigEndian.Uint16(hdr[attributesOffsetV2:]))
		b.LastOffsetDelta = int32(binary.BigEndian.Uint32(hdr[lastOffsetDeltaPosV2:]))
		b.BaseTimestamp = int64(binary.BigEndian.Uint64(hdr[baseTimestampPosV2:]))
		b.MaxTimestamp = int64(binary.BigEndian.Uint64(hdr[maxTimestampPosV2:]))
		b.ProducerID = int64(binary.BigEndian.Uint64(hdr[producerIDPosV2:]))
		b.ProducerEpoch = int16(binary.BigEndian.Uint16(hdr[producerEpochPosV2:]))
		b.BaseSequence = int32(binary.BigEndian.Uint32(hdr[baseSequencePosV2:]))
		b.NumRecords = int32(binary.BigEndian.Uint32(hdr[recordsCountPosV2:]))
	default:
		if b.Magic == 1 && b.Length < RecordOverheadV1 {
			return &CorruptionError{Position: pos, Offset: b.BaseOffset, Reason: ReasonBadLength,
				Detail: fmt.Sprintf("v1 message size %d smaller than minimum (%d)", b.Length, RecordOverheadV1)}
		}
		if len(hdr) <= legacyAttrPos {
			return &CorruptionError{Position: pos, Offset: b.BaseOffset, Reason: ReasonBadLength, Detail: "short legacy header"}
		}
		b.PartitionLeaderEpoch = -1
		b.CRC = binary.BigEndian.Uint32(hdr[legacyCRCPos:])
		b.Attributes = int16(hdr[legacyAttrPos])
		b.LastOffsetDelta = 0
		b.BaseTimestamp, b.MaxTimestamp = NoTimestamp, NoTimestamp
		if b.Magic == 1 {
			if len(hdr) < legacyTimestampPos+8 {
				return &CorruptionError{Position: pos, Offset: b.BaseOffset, Reason: ReasonBadLength, Detail: "short v1 header"}
			}
			ts := int64(binary.BigEndian.Uint64(hdr[legacyTimestampPos:]))
			b.BaseTimestamp, b.MaxTimestamp = ts, ts
		}
		b.ProducerID, b.ProducerEpoch, b.BaseSequence = -1, -1, -1
		b.NumRecords = 1
	}
	return nil
}

// headerBytesFor is how many bytes decodeHeader wants for an entry of this
// magic (capped by the entry size).
func headerBytesFor(magic int8, entrySize int64) int {
	n := RecordBatchOverhead
	if magic < 2 {
		n = legacyTimestampPos + 8
	}
	if int64(n) > entrySize {
		n = int(entrySize)
	}
	return n
}

// computeCRC returns the CRC Kafka would store for the entry in raw.
// CheckCRC computes the CRC of a batch whose bytes are loaded (Raw != nil)
// and sets ComputedCRC, Valid and CRCChecked; it does nothing when the CRC was
// already checked or the body is not loaded. Readers with
// ReaderOptions.DeferCRC leave this to the caller.
func (b *Batch) CheckCRC() {
	if b.CRCChecked || b.Raw == nil {
		return
	}
	b.ComputedCRC = computeCRC(b.Magic, b.Raw)
	b.Valid = b.ComputedCRC == b.CRC
	b.CRCChecked = true
}

func computeCRC(magic int8, raw []byte) uint32 {
	if magic >= 2 {
		return crc32.Checksum(raw[attributesOffsetV2:], castagnoli)
	}
	return crc32.ChecksumIEEE(raw[MagicOffset:])
}

// DecodeBatch decodes the entry at the start of b (shallow: header and CRC;
// no decompression). It is the pure-slice codec; b must hold the whole entry.
// The returned Batch's Raw aliases b.
func DecodeBatch(b []byte) (*Batch, error) {
	if len(b) < HeaderSizeUpToMagic {
		return nil, &TruncatedError{Position: 0, Bytes: int64(len(b)), Kind: tailKindOf(b)}
	}
	length := int32(binary.BigEndian.Uint32(b[8:12]))
	if length < RecordOverheadV0 && isAllZero(b) {
		return nil, &TruncatedError{Position: 0, Bytes: int64(len(b)), Kind: TailZeroFilled}
	}
	if length >= RecordOverheadV0 && LogOverhead+int64(length) > int64(len(b)) {
		return nil, &TruncatedError{Position: 0, Bytes: int64(len(b)), Kind: TailPartial}
	}
	bt := new(Batch)
	magic := int8(b[MagicOffset])
	hdrLen := HeaderSizeUpToMagic
	if length >= RecordOverheadV0 {
		hdrLen = headerBytesFor(magic, LogOverhead+int64(length))
	}
	if err := decodeHeader(bt, b[:hdrLen], 0); err != nil {
		return nil, err
	}
	bt.Raw = b[:bt.Size()]
	bt.ComputedCRC = computeCRC(bt.Magic, bt.Raw)
	bt.Valid = bt.ComputedCRC == bt.CRC
	bt.CRCChecked = true
	return bt, nil
}

func tailKindOf(b []byte) TailKind {
	if isAllZero(b) {
		return TailZeroFilled
	}
	return TailPartial
}

func isAllZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
