package coordinator

import (
	"encoding/binary"
	"strconv"

	"github.com/kseg/kseg/internal/kbin"
)

// TxnKeyVersion is the only TransactionLogKey version (its "type" in Kafka's
// JSON output). Part of the format.
const TxnKeyVersion = 0

// Tags of TransactionLogValue's tagged fields (v1+). Part of the format.
const (
	tagPreviousProducerID       = 0
	tagNextProducerID           = 1
	tagClientTransactionVersion = 2
	tagNextProducerEpoch        = 3 // Kafka 4.1+ (KIP-890 epoch bump recovery)
)

// TxnState is TransactionLogValue.TransactionStatus
// (kafka.coordinator.transaction.TransactionState ids).
type TxnState int8

// Transaction states. Part of the format.
const (
	TxnEmpty             TxnState = 0
	TxnOngoing           TxnState = 1
	TxnPrepareCommit     TxnState = 2
	TxnPrepareAbort      TxnState = 3
	TxnCompleteCommit    TxnState = 4
	TxnCompleteAbort     TxnState = 5
	TxnDead              TxnState = 6
	TxnPrepareEpochFence TxnState = 7
)

var txnStateNames = [...]string{"Empty", "Ongoing", "PrepareCommit", "PrepareAbort",
	"CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"}

// String returns Kafka's state name, or "Unknown(N)".
func (s TxnState) String() string {
	if s >= 0 && int(s) < len(txnStateNames) {
		return txnStateNames[s]
	}
	return "Unknown(" + strconv.Itoa(int(s)) + ")"
}

// TxnPartitions is a topic and the partitions a transaction touched.
type TxnPartitions struct {
	Topic        string
	PartitionIDs []int32
}

// TransactionLogValue is TransactionLogValue v0-v1 (v1+ flexible, with the
// tagged fields PreviousProducerId, NextProducerId, ClientTransactionVersion
// and, since Kafka 4.1, NextProducerEpoch).
type TransactionLogValue struct {
	ProducerID                       int64
	PreviousProducerID               int64 // v1+ tag 0, default -1
	NextProducerID                   int64 // v1+ tag 1, default -1
	ProducerEpoch                    int16
	NextProducerEpoch                int16 // v1+ tag 3, default -1
	TransactionTimeoutMs             int32
	TransactionStatus                TxnState
	TransactionPartitions            []TxnPartitions // nil = null
	TransactionLastUpdateTimestampMs int64
	TransactionStartTimestampMs      int64
	ClientTransactionVersion         int16 // v1+ tag 2, default 0
	UnknownTags                      []TaggedField
}

// TxnRecord is one decoded __transaction_state record. It owns its memory.
type TxnRecord struct {
	KeyVersion      int16
	TransactionalID string // key version 0
	RawKey          []byte // other key versions: key bytes after the version
	Tombstone       bool
	ValueVersion    int16
	Value           *TransactionLogValue // key version 0, non-tombstone
	RawValue        []byte               // other key versions: value bytes after the version
}

// DecodeTxnRecord decodes a __transaction_state key and value; a nil value is
// a tombstone. Unknown key versions are kept raw, not rejected.
func DecodeTxnRecord(key, value []byte) (*TxnRecord, error) {
	if key == nil {
		return nil, &DecodeError{Part: "key", Reason: ReasonMissingKey, Detail: "record has a null key"}
	}
	r := newReader(key, "key")
	rec := &TxnRecord{KeyVersion: r.int16("version")}
	if rec.KeyVersion == TxnKeyVersion {
		rec.TransactionalID = r.string(false, "transactionalId")
	} else if r.err() == nil {
		rec.RawKey = append([]byte{}, key[2:]...)
	}
	if r.err() != nil {
		return nil, r.err()
	}
	if value == nil {
		rec.Tombstone = true
		return rec, nil
	}
	r = newReader(value, "value")
	v := r.int16("version")
	rec.ValueVersion = v
	if rec.KeyVersion != TxnKeyVersion {
		if r.err() == nil {
			rec.RawValue = append([]byte{}, value[2:]...)
		}
	} else {
		rec.Value = readTxnValue(r, v)
	}
	if r.err() != nil {
		return nil, r.err()
	}
	return rec, nil
}

func readTxnValue(r *reader, v int16) *TransactionLogValue {
	flex := v >= 1
	t := &TransactionLogValue{PreviousProducerID: -1, NextProducerID: -1, NextProducerEpoch: -1}
	t.ProducerID = r.int64("producerId")
	t.ProducerEpoch = r.int16("producerEpoch")
	t.TransactionTimeoutMs = r.int32("transactionTimeoutMs")
	t.TransactionStatus = TxnState(r.int8("transactionStatus"))
	minElem := 2 + 4 // topic + partition count
	if flex {
		minElem = 1 + 1 + 1 // + the element's tagged-field count
	}
	if n := r.arrayLen(flex, minElem, "transactionPartitions"); n >= 0 && r.err() == nil {
		t.TransactionPartitions = make([]TxnPartitions, n)
		for i := range t.TransactionPartitions {
			p := &t.TransactionPartitions[i]
			p.Topic = r.string(flex, "topic")
			p.PartitionIDs = r.int32Array(flex, "partitionIds")
			if flex {
				r.taggedFields(nil) // PartitionsSchema has no tagged fields of its own
			}
		}
	}
	t.TransactionLastUpdateTimestampMs = r.int64("transactionLastUpdateTimestampMs")
	t.TransactionStartTimestampMs = r.int64("transactionStartTimestampMs")
	if flex {
		t.UnknownTags = r.taggedFields(func(tag uint32, data []byte) bool {
			switch tag {
			case tagPreviousProducerID, tagNextProducerID:
				if len(data) != 8 {
					r.fail(0, ReasonBadTaggedField, "tag %d holds %d bytes, want an int64", tag, len(data))
					return true
				}
				if tag == tagPreviousProducerID {
					t.PreviousProducerID = int64(binary.BigEndian.Uint64(data))
				} else {
					t.NextProducerID = int64(binary.BigEndian.Uint64(data))
				}
				return true
			case tagClientTransactionVersion:
				if len(data) != 2 {
					r.fail(0, ReasonBadTaggedField, "tag %d holds %d bytes, want an int16", tag, len(data))
					return true
				}
				t.ClientTransactionVersion = int16(binary.BigEndian.Uint16(data))
				return true
			case tagNextProducerEpoch:
				if len(data) != 2 {
					r.fail(0, ReasonBadTaggedField, "tag %d holds %d bytes, want an int16", tag, len(data))
					return true
				}
				t.NextProducerEpoch = int16(binary.BigEndian.Uint16(data))
				return true
			}
			return false
		})
	}
	return t
}

// AppendKey appends the record's key encoding.
func (rec *TxnRecord) AppendKey(dst []byte) []byte {
	dst = kbin.AppendInt16(dst, rec.KeyVersion)
	if rec.KeyVersion == TxnKeyVersion {
		return kbin.AppendString(dst, false, rec.TransactionalID)
	}
	return append(dst, rec.RawKey...)
}

// AppendValue appends the value encoding at ValueVersion; for a tombstone it
// returns dst unchanged. Tagged fields equal to their defaults are omitted,
// as Kafka's writer omits them.
func (rec *TxnRecord) AppendValue(dst []byte) []byte {
	if rec.Tombstone {
		return dst
	}
	v := rec.ValueVersion
	dst = kbin.AppendInt16(dst, v)
	if rec.Value == nil {
		return append(dst, rec.RawValue...)
	}
	t := rec.Value
	flex := v >= 1
	dst = kbin.AppendInt64(dst, t.ProducerID)
	dst = kbin.AppendInt16(dst, t.ProducerEpoch)
	dst = kbin.AppendInt32(dst, t.TransactionTimeoutMs)
	dst = append(dst, byte(t.TransactionStatus))
	if t.TransactionPartitions == nil {
		dst = kbin.AppendLength(dst, flex, true, -1)
	} else {
		dst = kbin.AppendLength(dst, flex, true, len(t.TransactionPartitions))
		for _, p := range t.TransactionPartitions {
			dst = kbin.AppendString(dst, flex, p.Topic)
			dst = appendInt32Array(dst, flex, p.PartitionIDs)
			if flex {
				dst = kbin.AppendUvarint(dst, 0)
			}
		}
	}
	dst = kbin.AppendInt64(dst, t.TransactionLastUpdateTimestampMs)
	dst = kbin.AppendInt64(dst, t.TransactionStartTimestampMs)
	if flex {
		var known []TaggedField
		if t.PreviousProducerID != -1 {
			known = append(known, TaggedField{Tag: tagPreviousProducerID, Data: kbin.AppendInt64(nil, t.PreviousProducerID)})
		}
		if t.NextProducerID != -1 {
			known = append(known, TaggedField{Tag: tagNextProducerID, Data: kbin.AppendInt64(nil, t.NextProducerID)})
		}
		if t.ClientTransactionVersion != 0 {
			known = append(known, TaggedField{Tag: tagClientTransactionVersion, Data: kbin.AppendInt16(nil, t.ClientTransactionVersion)})
		}
		if t.NextProducerEpoch != -1 {
			known = append(known, TaggedField{Tag: tagNextProducerEpoch, Data: kbin.AppendInt16(nil, t.NextProducerEpoch)})
		}
		dst = appendTaggedFields(dst, known, t.UnknownTags)
	}
	return dst
}

// Text returns the key and value as the Java DumpLogSegments
// --transaction-log-decoder prints them, e.g.
//
//	{"type":"0","data":{"transactionalId":"txnId"}}
//	{"version":"0","data":{"producerId":123,"producerEpoch":0,"transactionTimeoutMs":0,"transactionStatus":0,"transactionPartitions":[],"transactionLastUpdateTimestampMs":0,"transactionStartTimestampMs":0}}
//
// Tagged fields appear only when they differ from their defaults, in schema
// order, as Kafka's JSON converter writes them. A tombstone's value is "<DELETE>".
func (rec *TxnRecord) Text() (key, value string) {
	return kafkaText(int(rec.KeyVersion), rec.appendKeyData(nil), rec.Tombstone, rec.ValueVersion, func() []byte { return rec.appendValueData(nil, false) })
}

func (rec *TxnRecord) appendKeyData(dst []byte) []byte {
	o := newObject(dst)
	if rec.KeyVersion == TxnKeyVersion {
		o.str("transactionalId", rec.TransactionalID)
	} else {
		o.hex("hex", rec.RawKey)
	}
	return o.end()
}

// appendValueData writes TransactionLogValueJsonConverter's object; withState
// adds kseg's "transactionState" name after the numeric status.
func (rec *TxnRecord) appendValueData(dst []byte, withState bool) []byte {
	o := newObject(dst)
	t := rec.Value
	if t == nil {
		o.hex("hex", rec.RawValue)
		return o.end()
	}
	tagged := rec.ValueVersion >= 1
	o.int("producerId", t.ProducerID)
	if tagged && t.PreviousProducerID != -1 {
		o.int("previousProducerId", t.PreviousProducerID)
	}
	if tagged && t.NextProducerID != -1 {
		o.int("nextProducerId", t.NextProducerID)
	}
	o.int("producerEpoch", int64(t.ProducerEpoch))
	if tagged && t.NextProducerEpoch != -1 {
		o.int("nextProducerEpoch", int64(t.NextProducerEpoch))
	}
	o.int("transactionTimeoutMs", int64(t.TransactionTimeoutMs))
	o.int("transactionStatus", int64(t.TransactionStatus))
	if withState {
		o.str("transactionState", t.TransactionStatus.String())
	}
	if t.TransactionPartitions == nil {
		o.null("transactionPartitions")
	} else {
		o.array("transactionPartitions", len(t.TransactionPartitions), func(dst []byte, i int) []byte {
			e := newObject(dst)
			e.str("topic", t.TransactionPartitions[i].Topic)
			e.int32s("partitionIds", t.TransactionPartitions[i].PartitionIDs)
			return e.end()
		})
	}
	o.int("transactionLastUpdateTimestampMs", t.TransactionLastUpdateTimestampMs)
	o.int("transactionStartTimestampMs", t.TransactionStartTimestampMs)
	if tagged && t.ClientTransactionVersion != 0 {
		o.int("clientTransactionVersion", int64(t.ClientTransactionVersion))
	}
	return o.end()
}

// MarshalJSON renders kseg's NDJSON form, the Text data objects plus the
// transaction state's name:
//
//	{"keyVersion":0,"key":{"transactionalId":"t"},"tombstone":false,"valueVersion":0,"value":{...,"transactionStatus":4,"transactionState":"CompleteCommit",...}}
func (rec *TxnRecord) MarshalJSON() ([]byte, error) {
	o := newObject(nil)
	o.int("keyVersion", int64(rec.KeyVersion))
	o.raw("key", rec.appendKeyData(nil))
	o.recordValue(rec.Tombstone, rec.ValueVersion, func() []byte { return rec.appendValueData(nil, true) })
	return o.end(), nil
}
