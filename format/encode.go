package format

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Message is one record to encode.
type Message struct {
	Key       []byte // nil = null key
	Value     []byte // nil = null value (tombstone)
	Headers   []Header
	Timestamp int64
	// OffsetDelta is used only with BatchOptions.ExplicitOffsetDeltas
	// (compacted-looking batches with gaps); otherwise records get 0..n-1.
	OffsetDelta int32
}

// BatchOptions describes the batch to encode.
type BatchOptions struct {
	Magic                int8
	Compression          Compression
	TimestampType        TimestampType // CreateTime or LogAppendTime (ignored for magic 0)
	LogAppendTime        int64         // the broker time when TimestampType == LogAppendTime
	BaseOffset           int64
	PartitionLeaderEpoch int32 // v2; use -1 for "unknown"
	ProducerID           int64 // v2; -1 = none
	ProducerEpoch        int16 // v2; -1 = none
	BaseSequence         int32 // v2; -1 = none
	Transactional        bool
	Control              bool
	DeleteHorizonMs      int64 // v2; set with HasDeleteHorizon
	HasDeleteHorizon     bool
	ExplicitOffsetDeltas bool
}

// NoProducer fills the idempotence fields with Kafka's "none" values.
func (o *BatchOptions) NoProducer() {
	o.ProducerID, o.ProducerEpoch, o.BaseSequence = -1, -1, -1
}

// AppendBatch encodes msgs as one log entry (v2) or as a legacy message set
// (magic 0/1: one message per record when uncompressed, or a single
// compressed wrapper) and appends it to dst.
func AppendBatch(dst []byte, o BatchOptions, msgs []Message) ([]byte, error) {
	switch o.Magic {
	case 2:
		return appendV2(dst, o, msgs)
	case 0, 1:
		return appendLegacy(dst, o, msgs)
	}
	return nil, fmt.Errorf("kseg/format: cannot encode magic %d", o.Magic)
}

func appendV2(dst []byte, o BatchOptions, msgs []Message) ([]byte, error) {
	if o.Compression < CompressionNone || o.Compression > CompressionZstd {
		return nil, fmt.Errorf("kseg/format: unknown compression %d", o.Compression)
	}
	start := len(dst)
	var hdr [RecordBatchOverhead]byte
	dst = append(dst, hdr[:]...)
	attrs := int16(o.Compression)
	if o.TimestampType == LogAppendTime {
		attrs |= timestampTypeMask
	}
	if o.Transactional {
		attrs |= transactionalFlagMask
	}
	if o.Control {
		attrs |= controlFlagMask
	}
	if o.HasDeleteHorizon {
		attrs |= deleteHorizonFlagMask
	}
	baseTs, maxTs := NoTimestamp, NoTimestamp
	if len(msgs) > 0 {
		baseTs = msgs[0].Timestamp
		if o.TimestampType == LogAppendTime {
			baseTs = o.LogAppendTime
		}
		for _, m := range msgs {
			if m.Timestamp > maxTs {
				maxTs = m.Timestamp
			}
		}
		if o.TimestampType == LogAppendTime {
			maxTs = o.LogAppendTime
		}
	}
	if o.HasDeleteHorizon {
		baseTs = o.DeleteHorizonMs
	}
	var lastDelta int32
	recStart := len(dst)
	var recs []byte
	for i, m := range msgs {
		delta := int32(i)
		if o.ExplicitOffsetDeltas {
			delta = m.OffsetDelta
		}
		lastDelta = delta
		ts := m.Timestamp
		if o.TimestampType == LogAppendTime {
			ts = o.LogAppendTime
		}
		recs = AppendRecord(recs, delta, ts-baseTs, m.Key, m.Value, m.Headers)
	}
	if o.Compression == CompressionNone {
		dst = append(dst, recs...)
	} else {
		var err error
		dst, err = Compress(o.Compression, 2, dst, recs)
		if err != nil {
			return nil, err
		}
	}
	_ = recStart
	b := dst[start:]
	if int64(len(b))-LogOverhead > 1<<31-1 {
		return nil, errors.New("kseg/format: batch too large")
	}
	binary.BigEndian.PutUint64(b[0:], uint64(o.BaseOffset))
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-LogOverhead))
	binary.BigEndian.PutUint32(b[12:], uint32(o.PartitionLeaderEpoch))
	b[MagicOffset] = 2
	binary.BigEndian.PutUint16(b[attributesOffsetV2:], uint16(attrs))
	binary.BigEndian.PutUint32(b[lastOffsetDeltaPosV2:], uint32(lastDelta))
	binary.BigEndian.PutUint64(b[baseTimestampPosV2:], uint64(baseTs))
	binary.BigEndian.PutUint64(b[maxTimestampPosV2:], uint64(maxTs))
	binary.BigEndian.PutUint64(b[producerIDPosV2:], uint64(o.ProducerID))
	binary.BigEndian.PutUint16(b[producerEpochPosV2:], uint16(o.ProducerEpoch))
	binary.BigEndian.PutUint32(b[baseSequencePosV2:], uint32(o.BaseSequence))
	binary.BigEndian.PutUint32(b[recordsCountPosV2:], uint32(len(msgs)))
	binary.BigEndian.PutUint32(b[crcOffsetV2:], crc32.Checksum(b[attributesOffsetV2:], castagnoli))
	return dst, nil
}

// AppendRecord appends one v2 record (length varint included).
func AppendRecord(dst []byte, offsetDelta int32, timestampDelta int64, key, value []byte, headers []Header) []byte {
	size := 1 + varintLen(timestampDelta) + varintLen(int64(offsetDelta)) +
		bytesLen(key) + bytesLen(value) + varintLen(int64(len(headers)))
	for _, h := range headers {
		size += varintLen(int64(len(h.Key))) + len(h.Key) + bytesLen(h.Value)
	}
	dst = binary.AppendVarint(dst, int64(size))
	dst = append(dst, 0) // attributes: unused
	dst = binary.AppendVarint(dst, timestampDelta)
	dst = binary.AppendVarint(dst, int64(offsetDelta))
	dst = appendVarBytes(dst, key)
	dst = appendVarBytes(dst, value)
	dst = binary.AppendVarint(dst, int64(len(headers)))
	for _, h := range headers {
		dst = binary.AppendVarint(dst, int64(len(h.Key)))
		dst = append(dst, h.Key...)
		dst = appendVarBytes(dst, h.Value)
	}
	return dst
}

func varintLen(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

func bytesLen(b []byte) int {
	if b == nil {
		return 1
	}
	return varintLen(int64(len(b))) + len(b)
}

func appendVarBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}

// appendLegacy writes magic 0/1 messages (LegacyRecord.write).
func appendLegacy(dst []byte, o BatchOptions, msgs []Message) ([]byte, error) {
	if o.Compression == CompressionZstd {
		return nil, fmt.Errorf("kseg/format: zstd is not supported for magic %d", o.Magic)
	}
	if o.Compression < CompressionNone || o.Compression > CompressionLZ4 {
		return nil, fmt.Errorf("kseg/format: unknown compression %d", o.Compression)
	}
	tsType := o.TimestampType
	ts := func(m Message) int64 {
		if o.Magic == 0 {
			return NoTimestamp
		}
		if tsType == LogAppendTime {
			return o.LogAppendTime
		}
		return m.Timestamp
	}
	var tsAttr int8
	if o.Magic == 1 && tsType == LogAppendTime {
		tsAttr = timestampTypeMask
	}
	if o.Compression == CompressionNone {
		for i, m := range msgs {
			dst = AppendLegacyMessage(dst, o.Magic, o.BaseOffset+int64(i), tsAttr, ts(m), m.Key, m.Value)
		}
		return dst, nil
	}
	if len(msgs) == 0 {
		return dst, nil
	}
	var inner []byte
	maxTs := NoTimestamp
	for i, m := range msgs {
		off := int64(i) // v1: relative inner offsets
		if o.Magic == 0 {
			off = o.BaseOffset + int64(i) // v0: absolute
		}
		// Inner messages of a LogAppendTime wrapper carry CreateTime
		// attributes; readers take the wrapper's time.
		inner = AppendLegacyMessage(inner, o.Magic, off, 0, ts(m), m.Key, m.Value)
		if t := ts(m); t > maxTs {
			maxTs = t
		}
	}
	val, err := Compress(o.Compression, o.Magic, nil, inner)
	if err != nil {
		return nil, err
	}
	last := o.BaseOffset + int64(len(msgs)-1)
	return AppendLegacyMessage(dst, o.Magic, last, tsAttr|int8(o.Compression), maxTs, nil, val), nil
}

// AppendLegacyMessage appends one legacy log entry: offset, size, crc, magic,
// attributes, [timestamp], key, value.
func AppendLegacyMessage(dst []byte, magic int8, offset int64, attributes int8, timestamp int64, key, value []byte) []byte {
	start := len(dst)
	dst = binary.BigEndian.AppendUint64(dst, uint64(offset))
	dst = binary.BigEndian.AppendUint32(dst, 0) // size, patched below
	dst = binary.BigEndian.AppendUint32(dst, 0) // crc, patched below
	dst = append(dst, byte(magic), byte(attributes))
	if magic >= 1 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(timestamp))
	}
	dst = appendInt32Bytes(dst, key)
	dst = appendInt32Bytes(dst, value)
	e := dst[start:]
	binary.BigEndian.PutUint32(e[8:], uint32(len(e)-LogOverhead))
	binary.BigEndian.PutUint32(e[12:], crc32.ChecksumIEEE(e[MagicOffset:]))
	return dst
}

func appendInt32Bytes(dst, b []byte) []byte {
	if b == nil {
		return binary.BigEndian.AppendUint32(dst, 0xffffffff)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}

// SetBaseOffset rewrites the base offset of the v2 batch in raw. The field is
// outside the CRC, so the batch stays valid (this is how a broker assigns
// offsets on append).
func SetBaseOffset(raw []byte, baseOffset int64) {
	binary.BigEndian.PutUint64(raw[0:8], uint64(baseOffset))
}

// SetPartitionLeaderEpoch rewrites the leader epoch of the v2 batch in raw
// (outside the CRC).
func SetPartitionLeaderEpoch(raw []byte, epoch int32) {
	binary.BigEndian.PutUint32(raw[12:16], uint32(epoch))
}
