package state

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Aborted-transaction index entry layout, part of the format, never change
// (kafka AbortedTxn: VERSION_OFFSET .. TOTAL_SIZE).
const (
	AbortedTxnVersion = 0  // AbortedTxn.CURRENT_VERSION
	abortedTxnSize    = 34 // AbortedTxn.TOTAL_SIZE
)

// AbortedTxn is one .txnindex entry: a transaction whose ABORT marker lies in
// the segment.
type AbortedTxn struct {
	Version          int16 `json:"version"`
	ProducerID       int64 `json:"producerId"`
	FirstOffset      int64 `json:"firstOffset"`      // may lie in an earlier segment
	LastOffset       int64 `json:"lastOffset"`       // offset of the ABORT marker
	LastStableOffset int64 `json:"lastStableOffset"` // LSO when the abort was written
}

// DecodeTxnIndex decodes a .txnindex file. It returns the whole entries and
// tail, the number of bytes of a trailing partial entry (Kafka ignores them
// silently; we report them so a dump can say so).
//
// An entry whose version is not 0 stops decoding like Kafka's reader does
// (KafkaException "Unexpected aborted transaction version"): the entries
// before it are returned together with a *FormatError.
func DecodeTxnIndex(b []byte) (entries []AbortedTxn, tail int, err error) {
	n := len(b) / abortedTxnSize
	entries = make([]AbortedTxn, 0, n)
	for i := 0; i < n; i++ {
		p := b[i*abortedTxnSize:]
		e := AbortedTxn{
			Version:          int16(binary.BigEndian.Uint16(p[0:])),
			ProducerID:       int64(binary.BigEndian.Uint64(p[2:])),
			FirstOffset:      int64(binary.BigEndian.Uint64(p[10:])),
			LastOffset:       int64(binary.BigEndian.Uint64(p[18:])),
			LastStableOffset: int64(binary.BigEndian.Uint64(p[26:])),
		}
		// Kafka reads only the high byte (AbortedTxn.version is buffer.get(0))
		// and rejects values > 0; we reject every non-zero int16, which also
		// catches a flipped low byte that Kafka would let through.
		if e.Version != AbortedTxnVersion {
			return entries, 0, &FormatError{Position: int64(i) * abortedTxnSize, Reason: ReasonUnsupportedVersion,
				Detail: fmt.Sprintf("entry %d: unexpected aborted transaction version %d, current version is %d",
					i, e.Version, AbortedTxnVersion)}
		}
		entries = append(entries, e)
	}
	return entries, len(b) % abortedTxnSize, nil
}

// AppendAbortedTxn appends e's 34-byte encoding, writing e.Version as given.
func AppendAbortedTxn(dst []byte, e AbortedTxn) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(e.Version))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.ProducerID))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.FirstOffset))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.LastOffset))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.LastStableOffset))
	return dst
}

// FormatAbortedTxn renders e as DumpLogSegments prints a .txnindex entry:
//
//	version: 0 producerId: 2000 firstOffset: 10 lastOffset: 15 lastStableOffset: 10
func FormatAbortedTxn(e AbortedTxn) string {
	var sb strings.Builder
	sb.Grow(128)
	sb.WriteString("version: ")
	sb.WriteString(strconv.FormatInt(int64(e.Version), 10))
	sb.WriteString(" producerId: ")
	sb.WriteString(strconv.FormatInt(e.ProducerID, 10))
	sb.WriteString(" firstOffset: ")
	sb.WriteString(strconv.FormatInt(e.FirstOffset, 10))
	sb.WriteString(" lastOffset: ")
	sb.WriteString(strconv.FormatInt(e.LastOffset, 10))
	sb.WriteString(" lastStableOffset: ")
	sb.WriteString(strconv.FormatInt(e.LastStableOffset, 10))
	return sb.String()
}

// CheckTxnIndex returns the consistency problems of a segment's aborted
// transactions: a lastOffset below the segment's base offset (the only rule
// kafka TransactionIndex.sanityCheck enforces), lastOffsets that do not
// strictly increase (TransactionIndex.append refuses them, so only damage or
// a foreign writer produces them), and a firstOffset after its lastOffset.
func CheckTxnIndex(entries []AbortedTxn, segmentBaseOffset int64) []Finding {
	var out []Finding
	for i, e := range entries {
		if e.LastOffset < segmentBaseOffset {
			out = append(out, Finding{Reason: ReasonLastOffsetBelowBase, Entry: i,
				Detail: fmt.Sprintf("lastOffset %d is less than segment base offset %d", e.LastOffset, segmentBaseOffset)})
		}
		if i > 0 && e.LastOffset <= entries[i-1].LastOffset {
			out = append(out, Finding{Reason: ReasonLastOffsetNotIncreasing, Entry: i,
				Detail: fmt.Sprintf("lastOffset %d is not greater than previous lastOffset %d", e.LastOffset, entries[i-1].LastOffset)})
		}
		if e.FirstOffset > e.LastOffset {
			out = append(out, Finding{Reason: ReasonFirstOffsetAfterLast, Entry: i,
				Detail: fmt.Sprintf("firstOffset %d is greater than lastOffset %d", e.FirstOffset, e.LastOffset)})
		}
	}
	return out
}

// AbortVerdict says how the .txnindex entry found at an ABORT marker's
// offset compares with what Kafka writes for that marker.
type AbortVerdict uint8

// Verdicts of CheckAbortEntry.
const (
	// AbortEntryOK: the entry is what Kafka writes (or nothing was expected).
	AbortEntryOK AbortVerdict = iota
	// AbortEntryMissing: the aborted transaction has data in the log but no
	// entry, so read_committed consumers are served its records.
	AbortEntryMissing
	// AbortEntryNoData: no entry, and none of the transaction's data is in
	// the log: an empty transaction (Kafka writes no entry for one) or one
	// whose data was deleted. Informational.
	AbortEntryNoData
	// AbortEntryWrongProducer: the entry names another producer.
	AbortEntryWrongProducer
	// AbortEntryWrongFirstOffset: the entry's first offset is not where the
	// transaction's data starts.
	AbortEntryWrongFirstOffset
)

// CheckAbortEntry judges e, the .txnindex entry whose lastOffset is an ABORT
// marker's offset (nil when there is none), against the marker of producerID.
// Kafka's ProducerStateManager writes one entry per aborted transaction that
// has data, naming the offset of its first batch
// (ProducerAppendInfo.appendEndTxnMarker emits no CompletedTxn for an empty
// transaction). txnFirst is the first offset of the transaction's data seen
// in the log, -1 when none was seen; an entry naming a first offset below
// deletedBelow is accepted, because that data may have been deleted.
func CheckAbortEntry(e *AbortedTxn, producerID, txnFirst, deletedBelow int64) AbortVerdict {
	switch {
	case e == nil && txnFirst >= 0:
		return AbortEntryMissing
	case e == nil:
		return AbortEntryNoData
	case e.ProducerID != producerID:
		return AbortEntryWrongProducer
	case txnFirst >= 0 && e.FirstOffset != txnFirst && e.FirstOffset >= deletedBelow:
		return AbortEntryWrongFirstOffset
	}
	return AbortEntryOK
}
