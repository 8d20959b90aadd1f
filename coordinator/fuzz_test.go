package coordinator

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func checkDecodeErr(t *testing.T, err error, key, value []byte) {
	t.Helper()
	if err == nil {
		return
	}
	var de *DecodeError
	if !errors.As(err, &de) || !errors.Is(err, ErrMalformed) || de.Reason == "" {
		t.Fatalf("error %T %v is not a *DecodeError", err, err)
	}
	limit := len(key)
	if de.Part == "value" {
		limit = len(value)
	}
	if de.Position < 0 || de.Position > limit {
		t.Fatalf("position %d outside [0,%d]: %v", de.Position, limit, err)
	}
}

// seedSegment adds up to max key/value pairs of a corpus segment.
func seedSegment(f *testing.F, rel string, max int) {
	b, err := os.ReadFile(filepath.Join(corpusDir, rel))
	if err != nil {
		return
	}
	recs, err := walkSegment(b)
	if err != nil {
		return
	}
	for i, r := range recs {
		if i >= max {
			break
		}
		f.Add(r.key, r.value, r.value == nil)
	}
}

func FuzzGroupRecord(f *testing.F) {
	sub := (&ConsumerSubscription{Version: 3, Topics: []string{"foo"}, GenerationID: 1, RackID: strp("r")}).AppendTo(nil)
	assign := (&ConsumerAssignment{Version: 1, AssignedPartitions: []TopicPartitions{{"foo", []int32{0}}}}).AppendTo(nil)
	for _, v := range []int16{0, 1, 2, 3, 4} {
		g := kafkaGoldenGroup(sub, assign)
		g.ValueVersion = v
		f.Add(g.AppendKey(nil), g.AppendValue(nil), false)
		oc := &GroupRecord{Type: TypeOffsetCommit, Key: GroupKey{Group: "g", Topic: "t", Partition: 3}, ValueVersion: v,
			OffsetCommit: &OffsetCommitValue{Offset: 1, LeaderEpoch: 2, Metadata: "m", CommitTimestamp: 3, ExpireTimestamp: 4}}
		f.Add(oc.AppendKey(nil), oc.AppendValue(nil), false)
	}
	f.Add([]byte{0, 5, 0, 1, 'g', 0, 1, 'm'}, []byte{0, 0, 1}, false)
	f.Add([]byte{0, 16, 0, 1, 'g', 0, 1, '.'}, []byte(nil), true)
	seedSegment(f, "bullShit/tmp/kafka-logs/__consumer_offsets-40/00000000000000000000.log", 3)
	seedSegment(f, "seanorth-kafka-server/kafka-logs/__consumer_offsets-16/00000000000000000000.log", 3)
	f.Fuzz(func(t *testing.T, key, value []byte, tombstone bool) {
		if tombstone {
			value = nil
		} else if value == nil {
			value = []byte{}
		}
		rec, err := DecodeGroupRecord(key, value)
		checkDecodeErr(t, err, key, value)
		if err != nil {
			if rec != nil {
				t.Fatal("record returned with an error")
			}
			return
		}
		k, v := rec.Text()
		if !json.Valid([]byte(k)) || (v != "<DELETE>" && !json.Valid([]byte(v))) {
			t.Fatalf("Text is not JSON: %s %s", k, v)
		}
		if nd, _ := rec.MarshalJSON(); !json.Valid(nd) {
			t.Fatalf("MarshalJSON is not JSON: %s", nd)
		}
		// decode -> encode -> decode yields the same value.
		var value2 []byte
		if !rec.Tombstone {
			value2 = rec.AppendValue(nil)
		}
		rec2, err := DecodeGroupRecord(rec.AppendKey(nil), value2)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(rec, rec2) {
			t.Fatalf("re-decode differs:\n%+v\n%+v", rec, rec2)
		}
	})
}

func FuzzTxnRecord(f *testing.F) {
	for _, v := range []int16{0, 1, 2} {
		r := &TxnRecord{TransactionalID: "txn", ValueVersion: v, Value: &TransactionLogValue{NextProducerEpoch: -1, ProducerID: 1,
			PreviousProducerID: 2, NextProducerID: 3, ProducerEpoch: 4, TransactionTimeoutMs: 5, TransactionStatus: TxnOngoing,
			TransactionPartitions: []TxnPartitions{{"a", []int32{0, 1}}}, TransactionLastUpdateTimestampMs: 6,
			TransactionStartTimestampMs: 7, ClientTransactionVersion: 2, UnknownTags: []TaggedField{{Tag: 5, Data: []byte{1}}}}}
		f.Add(r.AppendKey(nil), r.AppendValue(nil), false)
	}
	f.Add([]byte{0, 0, 0, 1, 't'}, []byte(nil), true)
	seedSegment(f, "patient-admissions/kafka-data/__transaction_state-44/00000000000000000000.log", 4)
	f.Fuzz(func(t *testing.T, key, value []byte, tombstone bool) {
		if tombstone {
			value = nil
		} else if value == nil {
			value = []byte{}
		}
		rec, err := DecodeTxnRecord(key, value)
		checkDecodeErr(t, err, key, value)
		if err != nil {
			if rec != nil {
				t.Fatal("record returned with an error")
			}
			return
		}
		k, v := rec.Text()
		if !json.Valid([]byte(k)) || (v != "<DELETE>" && !json.Valid([]byte(v))) {
			t.Fatalf("Text is not JSON: %s %s", k, v)
		}
		if nd, _ := rec.MarshalJSON(); !json.Valid(nd) {
			t.Fatalf("MarshalJSON is not JSON: %s", nd)
		}
		var value2 []byte
		if !rec.Tombstone {
			value2 = rec.AppendValue(nil)
		}
		rec2, err := DecodeTxnRecord(rec.AppendKey(nil), value2)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(rec, rec2) {
			t.Fatalf("re-decode differs:\n%+v\n%+v", rec, rec2)
		}
	})
}

// seedModern adds generated records of every known type 3+ value schema.
func seedModern(f *testing.F) {
	for typ := RecordType(3); int(typ) < len(recordTypes); typ++ {
		if sc := groupValueSchemas[typ]; sc != nil {
			for _, fields := range layouts(sc) {
				rec := &GroupRecord{Type: typ, Key: keyFor(typ), Message: fillMessage(sc.name, fields, 0)}
				f.Add(rec.AppendKey(nil), rec.AppendValue(nil), false)
			}
		}
	}
}

func FuzzModernGroupRecord(f *testing.F) {
	seedModern(f)
	f.Fuzz(func(t *testing.T, key, value []byte, tombstone bool) {
		if tombstone {
			value = nil
		} else if value == nil {
			value = []byte{}
		}
		rec, err := DecodeGroupRecord(key, value)
		checkDecodeErr(t, err, key, value)
		if err != nil {
			return
		}
		k, v := rec.Text()
		if !json.Valid([]byte(k)) || (v != "<DELETE>" && !json.Valid([]byte(v))) {
			t.Fatalf("Text is not JSON: %s %s", k, v)
		}
		if rec.Message == nil {
			return
		}
		rec2, err := DecodeGroupRecord(rec.AppendKey(nil), rec.AppendValue(nil))
		if err != nil || !reflect.DeepEqual(rec, rec2) {
			t.Fatalf("re-decode differs (%v):\n%+v\n%+v", err, rec, rec2)
		}
	})
}

func FuzzShareStateRecord(f *testing.F) {
	for typ, sc := range shareStateSchemas {
		for seed := 0; seed < 2; seed++ {
			r := &ShareStateRecord{Type: typ, GroupID: "g", Partition: 1, Message: fillMessage(sc.name, sc.fields, seed)}
			f.Add(r.AppendKey(nil), r.AppendValue(nil), false)
		}
	}
	f.Add([]byte{0, 1, 0, 1, 'g'}, []byte(nil), true)
	f.Fuzz(func(t *testing.T, key, value []byte, tombstone bool) {
		if tombstone {
			value = nil
		} else if value == nil {
			value = []byte{}
		}
		rec, err := DecodeShareStateRecord(key, value)
		checkDecodeErr(t, err, key, value)
		if err != nil {
			return
		}
		k, v := rec.Text()
		if !json.Valid([]byte(k)) || (v != "<DELETE>" && !json.Valid([]byte(v))) {
			t.Fatalf("Text is not JSON: %s %s", k, v)
		}
		if nd, _ := rec.MarshalJSON(); !json.Valid(nd) {
			t.Fatalf("MarshalJSON is not JSON: %s", nd)
		}
		if rec.ValueError != "" {
			return
		}
		var value2 []byte
		if !rec.Tombstone {
			value2 = rec.AppendValue(nil)
		}
		rec2, err := DecodeShareStateRecord(rec.AppendKey(nil), value2)
		if err != nil || !reflect.DeepEqual(rec, rec2) {
			t.Fatalf("re-decode differs (%v):\n%+v\n%+v", err, rec, rec2)
		}
	})
}

func FuzzRemoteLogMetadata(f *testing.F) {
	for key, sc := range remoteLogSchemas {
		for seed := 0; seed < 2; seed++ {
			r := &RemoteLogMetadataRecord{FrameVersion: 1, APIKey: key, Message: fillMessage(sc.name, sc.fields, seed)}
			f.Add(r.AppendTo(nil))
		}
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		rec, err := DecodeRemoteLogMetadata(value)
		checkDecodeErr(t, err, nil, value)
		if err != nil {
			return
		}
		if !json.Valid([]byte(rec.Text())) {
			t.Fatalf("Text is not JSON: %s", rec.Text())
		}
		rec2, err := DecodeRemoteLogMetadata(rec.AppendTo(nil))
		if err != nil || !reflect.DeepEqual(rec, rec2) {
			t.Fatalf("re-decode differs (%v):\n%+v\n%+v", err, rec, rec2)
		}
	})
}

// FuzzGroupReplay feeds arbitrary records, transactional and not, and a
// marker to the group loader: replay never panics, whatever the records.
func FuzzGroupReplay(f *testing.F) {
	seedModern(f)
	f.Fuzz(func(t *testing.T, key, value []byte, tombstone bool) {
		l := newGroupLoader()
		var v2 []byte
		if !tombstone {
			v2 = value
		}
		l.record(0, -1, key, value)
		l.record(1, 7, key, value)
		l.marker(7, tombstone)
		l.record(2, 8, key, v2)
		l.record(3, -1, key, v2)
		for _, g := range l.finish() {
			if g.Type == "" || g.State == "" || g.Members == nil || g.Offsets == nil {
				t.Fatalf("incomplete group: %+v", g)
			}
		}
	})
}
