package coordinator

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func txnRoundTrip(t *testing.T, rec *TxnRecord) *TxnRecord {
	t.Helper()
	var value []byte
	if !rec.Tombstone {
		value = rec.AppendValue(nil)
	}
	got, err := DecodeTxnRecord(rec.AppendKey(nil), value)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return got
}

func TestTxnRecordText(t *testing.T) {
	tests := []struct {
		name         string
		rec          *TxnRecord
		wantK, wantV string
	}{
		{
			// reference §1.7, the Java tool's --transaction-log-decoder sample
			name: "java-tool-sample",
			rec: &TxnRecord{TransactionalID: "txnId", Value: &TransactionLogValue{NextProducerEpoch: -1, ProducerID: 123,
				PreviousProducerID: -1, NextProducerID: -1, TransactionPartitions: []TxnPartitions{}}},
			wantK: `{"type":"0","data":{"transactionalId":"txnId"}}`,
			wantV: `{"version":"0","data":{"producerId":123,"producerEpoch":0,"transactionTimeoutMs":0,"transactionStatus":0,"transactionPartitions":[],"transactionLastUpdateTimestampMs":0,"transactionStartTimestampMs":0}}`,
		},
		{
			name: "v0-ongoing-null-partitions",
			rec: &TxnRecord{TransactionalID: "t", Value: &TransactionLogValue{NextProducerEpoch: -1, ProducerID: 5, ProducerEpoch: 2,
				TransactionTimeoutMs: 60000, TransactionStatus: TxnOngoing, PreviousProducerID: -1, NextProducerID: -1,
				TransactionLastUpdateTimestampMs: 10, TransactionStartTimestampMs: 9}},
			wantK: `{"type":"0","data":{"transactionalId":"t"}}`,
			wantV: `{"version":"0","data":{"producerId":5,"producerEpoch":2,"transactionTimeoutMs":60000,"transactionStatus":1,"transactionPartitions":null,"transactionLastUpdateTimestampMs":10,"transactionStartTimestampMs":9}}`,
		},
		{
			name: "v1-tagged-fields",
			rec: &TxnRecord{TransactionalID: "t", ValueVersion: 1, Value: &TransactionLogValue{NextProducerEpoch: -1, ProducerID: 5,
				PreviousProducerID: 4, NextProducerID: -1, ProducerEpoch: 1, TransactionStatus: TxnPrepareAbort,
				TransactionPartitions:            []TxnPartitions{{"a", []int32{0, 2}}, {"b", []int32{}}},
				TransactionLastUpdateTimestampMs: 2, TransactionStartTimestampMs: 1, ClientTransactionVersion: 2,
				UnknownTags: []TaggedField{{Tag: 7, Data: []byte{9}}}}},
			wantK: `{"type":"0","data":{"transactionalId":"t"}}`,
			wantV: `{"version":"1","data":{"producerId":5,"previousProducerId":4,"producerEpoch":1,"transactionTimeoutMs":0,"transactionStatus":3,"transactionPartitions":[{"topic":"a","partitionIds":[0,2]},{"topic":"b","partitionIds":[]}],"transactionLastUpdateTimestampMs":2,"transactionStartTimestampMs":1,"clientTransactionVersion":2}}`,
		},
		{
			name:  "tombstone",
			rec:   &TxnRecord{TransactionalID: "t", Tombstone: true},
			wantK: `{"type":"0","data":{"transactionalId":"t"}}`,
			wantV: `<DELETE>`,
		},
		{
			name:  "unknown-key-version",
			rec:   &TxnRecord{KeyVersion: 3, RawKey: []byte{1, 2}, ValueVersion: 9, RawValue: []byte{3}},
			wantK: `{"type":"3","data":{"hex":"0102"}}`,
			wantV: `{"version":"9","data":{"hex":"03"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := txnRoundTrip(t, tt.rec)
			k, v := got.Text()
			if k != tt.wantK || v != tt.wantV {
				t.Fatalf("Text:\n got %s\n     %s\nwant %s\n     %s", k, v, tt.wantK, tt.wantV)
			}
			if !reflect.DeepEqual(got, tt.rec) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tt.rec)
			}
			nd, err := json.Marshal(got)
			if err != nil || !json.Valid(nd) {
				t.Fatalf("MarshalJSON %s %v", nd, err)
			}
		})
	}
}

func TestTxnStateNames(t *testing.T) {
	want := []string{"Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence", "Unknown(8)"}
	for i, w := range want {
		if got := TxnState(i).String(); got != w {
			t.Errorf("%d: %s want %s", i, got, w)
		}
	}
	rec := &TxnRecord{TransactionalID: "t", Value: &TransactionLogValue{NextProducerEpoch: -1, TransactionStatus: TxnCompleteCommit,
		PreviousProducerID: -1, NextProducerID: -1, TransactionPartitions: []TxnPartitions{}}}
	got, _ := json.Marshal(rec)
	wantJSON := `{"keyVersion":0,"key":{"transactionalId":"t"},"tombstone":false,"valueVersion":0,"value":{"producerId":0,"producerEpoch":0,"transactionTimeoutMs":0,"transactionStatus":4,"transactionState":"CompleteCommit","transactionPartitions":[],"transactionLastUpdateTimestampMs":0,"transactionStartTimestampMs":0}}`
	if string(got) != wantJSON {
		t.Fatalf("got %s\nwant %s", got, wantJSON)
	}
}

func TestDecodeTxnRecordMalformed(t *testing.T) {
	key := (&TxnRecord{TransactionalID: "t"}).AppendKey(nil)
	good := (&TxnRecord{TransactionalID: "t", ValueVersion: 1, Value: &TransactionLogValue{NextProducerEpoch: -1, PreviousProducerID: 1,
		NextProducerID: -1, TransactionPartitions: []TxnPartitions{{"a", []int32{1}}}}}).AppendValue(nil)
	badTag := append([]byte(nil), good[:len(good)-11]...) // drop the tagged section: count, tag 0, size, int64
	badTag = append(badTag, 1, 0, 4, 0, 0, 0, 1)          // tag 0 with 4 bytes
	tests := []struct {
		name       string
		key, value []byte
		part       string
		reason     string
	}{
		{name: "null-key", part: "key", reason: ReasonMissingKey},
		{name: "short-key", key: []byte{0}, part: "key", reason: ReasonTruncated},
		{name: "null-id", key: []byte{0, 0, 0xff, 0xff}, part: "key", reason: ReasonNullField},
		{name: "short-value", key: key, value: []byte{0, 0, 1}, part: "value", reason: ReasonTruncated},
		{name: "truncated-v1", key: key, value: good[:len(good)-1], part: "value", reason: ReasonTruncated},
		{name: "partitions-count-huge", key: key, value: append([]byte{0, 0}, append(make([]byte, 15), 0x7f, 0, 0, 0)...), part: "value", reason: ReasonCountTooLarge},
		{name: "bad-tag-size", key: key, value: badTag, part: "value", reason: ReasonBadTaggedField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := DecodeTxnRecord(tt.key, tt.value)
			var de *DecodeError
			if rec != nil || !errors.As(err, &de) || !errors.Is(err, ErrMalformed) || de.Reason != tt.reason || de.Part != tt.part {
				t.Fatalf("rec %+v err %v, want %s %s", rec, err, tt.part, tt.reason)
			}
		})
	}
}

// TestTxnNextProducerEpoch: tag 3 of TransactionLogValue v1 (Kafka 4.1+).
func TestTxnNextProducerEpoch(t *testing.T) {
	key := (&TxnRecord{TransactionalID: "t"}).AppendKey(nil)
	value := cat(be16(1), be64(7), be16(3), be32(60000), []byte{1}, []byte{1}, be64(1), be64(2),
		[]byte{2, 1, 8}, be64(8), []byte{3, 2}, be16(4))
	rec, err := DecodeTxnRecord(key, value)
	if err != nil {
		t.Fatal(err)
	}
	_, v := rec.Text()
	want := `{"version":"1","data":{"producerId":7,"nextProducerId":8,"producerEpoch":3,"nextProducerEpoch":4,"transactionTimeoutMs":60000,` +
		`"transactionStatus":1,"transactionPartitions":[],"transactionLastUpdateTimestampMs":1,"transactionStartTimestampMs":2}}`
	if v != want {
		t.Fatalf("\n got %s\nwant %s", v, want)
	}
	if !bytes.Equal(rec.AppendValue(nil), value) {
		t.Fatalf("re-encoding differs")
	}
}
