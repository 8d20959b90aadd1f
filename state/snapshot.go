package state

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"strings"
)

// Producer snapshot layout, part of the format, never change
// (kafka ProducerStateManager: VERSION_OFFSET, CRC_OFFSET, PRODUCER_ENTRIES_OFFSET).
const (
	ProducerSnapshotVersion    = 1  // the only version Kafka reads or writes
	producerSnapshotCRCPos     = 2  // uint32 CRC-32C
	producerSnapshotEntriesPos = 6  // CRC covers [6, end): count and entries
	producerSnapshotHeaderSize = 10 // version + crc + int32 count
	producerEntrySize          = 46 // 8+2+4+8+4+8+4+8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ProducerEntry is one producer's state in a snapshot, named as in kafka
// ProducerSnapshot.json (the dump line calls Epoch "producerEpoch").
type ProducerEntry struct {
	ProducerID            int64 `json:"producerId"`
	ProducerEpoch         int16 `json:"producerEpoch"`
	LastSequence          int32 `json:"lastSequence"`
	LastOffset            int64 `json:"lastOffset"` // < 0: the entry carries no batch metadata
	OffsetDelta           int32 `json:"offsetDelta"`
	Timestamp             int64 `json:"timestamp"`
	CoordinatorEpoch      int32 `json:"coordinatorEpoch"`
	CurrentTxnFirstOffset int64 `json:"currentTxnFirstOffset"` // < 0: no open transaction
}

// HasBatchMetadata reports whether Kafka rebuilds a BatchMetadata from the
// entry (ProducerStateManager.readSnapshot: lastOffset >= 0).
func (e ProducerEntry) HasBatchMetadata() bool { return e.LastOffset >= 0 }

// FirstSequence is the first sequence of the last batch, LastSequence minus
// OffsetDelta with Kafka's wrap past MaxInt32 (DefaultRecordBatch.decrementSequence).
func (e ProducerEntry) FirstSequence() int32 {
	seq, dec := int64(e.LastSequence), int64(e.OffsetDelta)
	if seq < dec {
		// Java int arithmetic: MAX_VALUE - (dec - seq) + 1, wrapping on overflow.
		return int32(math.MaxInt32 - (dec - seq) + 1)
	}
	return int32(seq - dec)
}

// FirstOffset is LastOffset - OffsetDelta (BatchMetadata.firstOffset).
func (e ProducerEntry) FirstOffset() int64 { return e.LastOffset - int64(e.OffsetDelta) }

// ProducerSnapshot is a decoded <offset>.snapshot file. Entries alias nothing:
// the value owns its memory.
type ProducerSnapshot struct {
	Version     int16           `json:"version"`
	CRC         uint32          `json:"crc"`         // as stored
	ComputedCRC uint32          `json:"computedCrc"` // CRC-32C of bytes [6:]
	CRCValid    bool            `json:"crcValid"`
	Entries     []ProducerEntry `json:"entries"`
	// TrailingBytes counts bytes after the last entry. Kafka's generated
	// reader ignores them (they are still inside the CRC); we report them.
	TrailingBytes int `json:"trailingBytes"`
}

// DecodeProducerSnapshot decodes a producer state snapshot.
//
// Structural problems (short header, version other than 1, a count that does
// not fit the file) return a nil snapshot and a *FormatError. A CRC mismatch
// returns both the fully decoded snapshot (CRCValid false) and a *FormatError
// with Reason crc-mismatch, so a dump can still show the entries next to both
// CRCs while a plain `if err != nil` caller treats the file as corrupt, as the
// broker does (it discards the snapshot).
func DecodeProducerSnapshot(b []byte) (*ProducerSnapshot, error) {
	if len(b) < 2 {
		return nil, &FormatError{Reason: ReasonTruncated,
			Detail: fmt.Sprintf("need 2 bytes for the version, have %d", len(b))}
	}
	version := int16(binary.BigEndian.Uint16(b))
	if version != ProducerSnapshotVersion {
		return nil, &FormatError{Reason: ReasonUnsupportedVersion,
			Detail: fmt.Sprintf("Snapshot contained an unknown file version %d", version)}
	}
	if len(b) < producerSnapshotHeaderSize {
		return nil, &FormatError{Position: 2, Reason: ReasonTruncated,
			Detail: fmt.Sprintf("need %d header bytes, have %d", producerSnapshotHeaderSize, len(b))}
	}
	count := int32(binary.BigEndian.Uint32(b[producerSnapshotEntriesPos:]))
	if count < 0 {
		// Kafka's generated reader: "non-nullable field producerEntries was serialized as null".
		return nil, &FormatError{Position: producerSnapshotEntriesPos, Reason: ReasonNegativeCount,
			Detail: fmt.Sprintf("entry count %d", count)}
	}
	body := b[producerSnapshotHeaderSize:]
	if int64(count) > int64(len(body)/producerEntrySize) {
		return nil, &FormatError{Position: producerSnapshotEntriesPos, Reason: ReasonCountExceedsFile,
			Detail: fmt.Sprintf("%d entries of %d bytes need %d bytes, file has %d after the header",
				count, producerEntrySize, int64(count)*producerEntrySize, len(body))}
	}
	s := &ProducerSnapshot{
		Version:     version,
		CRC:         binary.BigEndian.Uint32(b[producerSnapshotCRCPos:]),
		ComputedCRC: crc32.Checksum(b[producerSnapshotEntriesPos:], castagnoli),
		Entries:     make([]ProducerEntry, count),
	}
	s.CRCValid = s.CRC == s.ComputedCRC
	for i := range s.Entries {
		p := body[i*producerEntrySize:]
		s.Entries[i] = ProducerEntry{
			ProducerID:            int64(binary.BigEndian.Uint64(p[0:])),
			ProducerEpoch:         int16(binary.BigEndian.Uint16(p[8:])),
			LastSequence:          int32(binary.BigEndian.Uint32(p[10:])),
			LastOffset:            int64(binary.BigEndian.Uint64(p[14:])),
			OffsetDelta:           int32(binary.BigEndian.Uint32(p[22:])),
			Timestamp:             int64(binary.BigEndian.Uint64(p[26:])),
			CoordinatorEpoch:      int32(binary.BigEndian.Uint32(p[34:])),
			CurrentTxnFirstOffset: int64(binary.BigEndian.Uint64(p[38:])),
		}
	}
	s.TrailingBytes = len(body) - int(count)*producerEntrySize
	if !s.CRCValid {
		// Detail mirrors Kafka's CorruptSnapshotException text so dump can print
		// "Snapshot is corrupt (CRC is no longer valid). " + Detail.
		return s, &FormatError{Position: producerSnapshotCRCPos, Reason: ReasonCRCMismatch,
			Detail: fmt.Sprintf("Stored crc: %d. Computed crc: %d", s.CRC, s.ComputedCRC)}
	}
	return s, nil
}

// AppendProducerSnapshot appends a version-1 snapshot holding entries, with a
// correct CRC, exactly as ProducerStateManager.writeSnapshot lays it out.
func AppendProducerSnapshot(dst []byte, entries []ProducerEntry) []byte {
	start := len(dst)
	dst = binary.BigEndian.AppendUint16(dst, ProducerSnapshotVersion)
	dst = binary.BigEndian.AppendUint32(dst, 0) // CRC, patched below
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(entries)))
	for _, e := range entries {
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.ProducerID))
		dst = binary.BigEndian.AppendUint16(dst, uint16(e.ProducerEpoch))
		dst = binary.BigEndian.AppendUint32(dst, uint32(e.LastSequence))
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.LastOffset))
		dst = binary.BigEndian.AppendUint32(dst, uint32(e.OffsetDelta))
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.Timestamp))
		dst = binary.BigEndian.AppendUint32(dst, uint32(e.CoordinatorEpoch))
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.CurrentTxnFirstOffset))
	}
	crc := crc32.Checksum(dst[start+producerSnapshotEntriesPos:], castagnoli)
	binary.BigEndian.PutUint32(dst[start+producerSnapshotCRCPos:], crc)
	return dst
}

// FormatProducerEntry renders e as the Java DumpLogSegments tool prints a
// snapshot entry (Kafka >= 3.5 OptionalLong rendering), for example
//
//	producerId: 1000 producerEpoch: 0 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: 1700000000456 firstSequence: 40 lastSequence: 41 lastOffset: 41 offsetDelta: 1 timestamp: 1700000000456
//
// The batch part after lastTimestamp appears only when LastOffset >= 0. The
// Scala tool differs only in spacing: it always ends the first part with a
// space and omits the space before "firstSequence:".
func FormatProducerEntry(e ProducerEntry) string {
	var sb strings.Builder
	sb.Grow(256)
	sb.WriteString("producerId: ")
	sb.WriteString(strconv.FormatInt(e.ProducerID, 10))
	sb.WriteString(" producerEpoch: ")
	sb.WriteString(strconv.FormatInt(int64(e.ProducerEpoch), 10))
	sb.WriteString(" coordinatorEpoch: ")
	sb.WriteString(strconv.FormatInt(int64(e.CoordinatorEpoch), 10))
	sb.WriteString(" currentTxnFirstOffset: ")
	if e.CurrentTxnFirstOffset >= 0 {
		sb.WriteString("OptionalLong[")
		sb.WriteString(strconv.FormatInt(e.CurrentTxnFirstOffset, 10))
		sb.WriteString("]")
	} else {
		sb.WriteString("OptionalLong.empty")
	}
	// ProducerStateEntry.lastTimestamp is the snapshot's Timestamp field.
	sb.WriteString(" lastTimestamp: ")
	sb.WriteString(strconv.FormatInt(e.Timestamp, 10))
	if e.HasBatchMetadata() {
		sb.WriteString(" firstSequence: ")
		sb.WriteString(strconv.FormatInt(int64(e.FirstSequence()), 10))
		sb.WriteString(" lastSequence: ")
		sb.WriteString(strconv.FormatInt(int64(e.LastSequence), 10))
		sb.WriteString(" lastOffset: ")
		sb.WriteString(strconv.FormatInt(e.LastOffset, 10))
		sb.WriteString(" offsetDelta: ")
		sb.WriteString(strconv.FormatInt(int64(e.OffsetDelta), 10))
		sb.WriteString(" timestamp: ")
		sb.WriteString(strconv.FormatInt(e.Timestamp, 10))
	}
	return sb.String()
}
