package metadata

import (
	"bytes"
	"errors"
	"testing"

	"github.com/kseg/kseg/internal/kbin"
)

// sampleValue builds a non-default value for every field so that every
// field, tagged ones included, is written and must be read back.
func sampleValue(f *field, t ftype, v int16, seed int64) any {
	switch t {
	case tBool:
		return f.def != "true"
	case tInt8:
		return int64(int8(seed%100 + 3))
	case tInt16:
		return seed%1000 + 7
	case tUint16:
		return int64(65000 - seed%100)
	case tInt32:
		return seed*1000 + 11
	case tUint32:
		return seed*1000 + 13
	case tInt64:
		return seed<<33 + 17
	case tFloat64:
		return float64(seed) + 0.5
	case tUUID:
		var u kbin.UUID
		for i := range u {
			u[i] = byte(seed + int64(i)*7)
		}
		return u
	case tString:
		return "s\"é\n" + string(rune('a'+seed%26))
	case tBytes, tRecords:
		return []byte{byte(seed), 0, 0xff}
	case tStruct:
		return sampleStruct(f.fields, v, seed+1)
	case tArray:
		return []any{sampleValue(f, f.elem, v, seed+2), sampleValue(f, f.elem, v, seed+3)}
	}
	return nil
}

func sampleStruct(fields []field, v int16, seed int64) *Struct {
	s := &Struct{}
	for i := range fields {
		f := &fields[i]
		if f.versions.has(v) {
			s.Fields = append(s.Fields, Field{Name: f.name, Value: sampleValue(f, f.typ, v, seed+int64(i)), spec: f})
		}
	}
	return s
}

// TestEveryTypeOldestAndNewest encodes every metadata record type at its
// oldest and newest version with every field set, decodes it, and requires
// the same JSON, no error and no unknown tags; the bytes re-encode exactly.
func TestEveryTypeOldestAndNewest(t *testing.T) {
	types := RecordTypes()
	if len(types) < 25 {
		t.Fatalf("only %d record types known", len(types))
	}
	for _, rt := range types {
		for _, v := range []int16{rt.MinVersion, rt.MaxVersion} {
			sc := recordSchemas[rt.ID]
			in := sampleStruct(sc.fields, v, int64(rt.ID))
			b, err := EncodeRecord(nil, rt.ID, v, in)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := DecodeRecord(b)
			if err != nil {
				t.Fatalf("%s v%d: %v", rt.Name, v, err)
			}
			if rec.Name != rt.Name || rec.Version != v || len(rec.Data.Unknown) != 0 {
				t.Fatalf("%s v%d: got %s v%d unknown %v", rt.Name, v, rec.Name, rec.Version, rec.Data.Unknown)
			}
			want := (&Record{Name: rt.Name, Version: v, Data: in}).AppendJSON(nil)
			if got := rec.AppendJSON(nil); !bytes.Equal(got, want) {
				t.Fatalf("%s v%d:\n got %s\nwant %s", rt.Name, v, got, want)
			}
			again, _ := EncodeRecord(nil, rt.ID, v, rec.Data)
			if !bytes.Equal(again, b) {
				t.Fatalf("%s v%d: re-encode differs", rt.Name, v)
			}
		}
	}
}

// TestKnownBytes decodes hand-assembled records whose layout is fixed by
// Kafka's schemas, independently of our encoder.
func TestKnownBytes(t *testing.T) {
	// FeatureLevelRecord v0: frame 1, type 12, version 0, compact string
	// "metadata.version" (len+1 = 17), int16 level 19, no tagged fields.
	b := []byte{1, 12, 0, 17}
	b = append(b, "metadata.version"...)
	b = append(b, 0, 19, 0)
	rec, err := DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(rec.AppendJSON(nil)); got != `{"type":"FEATURE_LEVEL_RECORD","version":0,"data":{"name":"metadata.version","featureLevel":19}}` {
		t.Fatalf("got %s", got)
	}
	// TopicRecord v0 with an unknown tagged field 7: shown, not fatal.
	b = []byte{1, 2, 0, 2, 't'}
	b = append(b, make([]byte, 15)...)
	b = append(b, 1, 1, 7, 2, 0xab, 0xcd)
	rec, err = DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(rec.AppendJSON(nil)); got != `{"type":"TOPIC_RECORD","version":0,"data":{"name":"t","topicId":"AAAAAAAAAAAAAAAAAAAAAQ","_unknownTaggedFields":[{"tag":7,"data":"q80="}]}}` {
		t.Fatalf("got %s", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		reason string
	}{
		{"frame version 0", []byte{0, 2, 0}, ReasonFrameVersion},
		{"unknown type", []byte{1, 99, 0, 1, 2}, ReasonUnknownType},
		{"unknown version", []byte{1, 2, 9, 0}, ReasonUnknownVersion},
		{"truncated body", []byte{1, 2, 0, 5, 'a'}, ReasonBody},
		{"trailing bytes", append([]byte{1, 20, 0, 0}, 0xee), ReasonTrailingBytes},
		{"truncated frame", []byte{1, 0x80}, ReasonBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := DecodeRecord(tt.in)
			var de *DecodeError
			if !errors.As(err, &de) || de.Reason != tt.reason || !errors.Is(err, ErrMalformed) {
				t.Fatalf("err %v, want reason %s", err, tt.reason)
			}
			if rec == nil || len(rec.AppendJSON(nil)) == 0 {
				t.Fatal("record not returned for display")
			}
		})
	}
}

// TestJavaDouble: quota values print as Java's Double.toString, which is
// what Jackson writes for a DoubleNode.
func TestJavaDouble(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{100, "100.0"}, {0.5, "0.5"}, {1048576, "1048576.0"}, {9999999, "9999999.0"}, {1e7, "1.0E7"},
		{1.048576e7, "1.048576E7"}, {0.001, "0.001"}, {1e-4, "1.0E-4"}, {-2.5e10, "-2.5E10"}, {0, "0.0"},
	} {
		if got := string(appendJavaDouble(nil, tc.in)); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestRecordTypeNames: MetadataRecordType's enum names and ids, as
// kafka-dump-log.sh prints them (MetadataRecordTypeGenerator:
// toSnakeCase(name).toUpperCase()).
func TestRecordTypeNames(t *testing.T) {
	want := map[int16]string{
		0: "REGISTER_BROKER_RECORD", 1: "UNREGISTER_BROKER_RECORD", 2: "TOPIC_RECORD", 3: "PARTITION_RECORD",
		4: "CONFIG_RECORD", 5: "PARTITION_CHANGE_RECORD", 7: "FENCE_BROKER_RECORD", 8: "UNFENCE_BROKER_RECORD",
		9: "REMOVE_TOPIC_RECORD", 10: "DELEGATION_TOKEN_RECORD", 11: "USER_SCRAM_CREDENTIAL_RECORD",
		12: "FEATURE_LEVEL_RECORD", 14: "CLIENT_QUOTA_RECORD", 15: "PRODUCER_IDS_RECORD",
		17: "BROKER_REGISTRATION_CHANGE_RECORD", 18: "ACCESS_CONTROL_ENTRY_RECORD",
		19: "REMOVE_ACCESS_CONTROL_ENTRY_RECORD", 20: "NO_OP_RECORD", 21: "ZK_MIGRATION_STATE_RECORD",
		22: "REMOVE_USER_SCRAM_CREDENTIAL_RECORD", 23: "BEGIN_TRANSACTION_RECORD", 24: "END_TRANSACTION_RECORD",
		25: "ABORT_TRANSACTION_RECORD", 26: "REMOVE_DELEGATION_TOKEN_RECORD", 27: "REGISTER_CONTROLLER_RECORD",
		28: "CLEAR_ELR_RECORD", 29: "UNREGISTER_CONTROLLER_RECORD",
	}
	got := map[int16]string{}
	for _, rt := range RecordTypes() {
		got[rt.ID] = rt.Name
	}
	for id, name := range want {
		if got[id] != name {
			t.Errorf("type %d: got %q, want %q", id, got[id], name)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d types known, want %d: %v", len(got), len(want), got)
	}
	if s := snakeUpper("KRaftVersionRecord"); s != "KRAFT_VERSION_RECORD" {
		t.Errorf("snakeUpper: %s", s)
	}
}

// TestNewerTaggedOnlyVersion: a Kafka 4.3 RegisterBrokerRecord v4 whose new
// tagged field this build has no schema for still decodes; the field is
// shown as an unknown tag.
func TestNewerTaggedOnlyVersion(t *testing.T) {
	s := NewStruct("brokerId", 7, "brokerEpoch", int64(70), "fenced", false)
	s.Unknown = []kbin.TaggedField{{Tag: 1, Data: []byte{2, 0xaa}}}
	b, err := EncodeRecord(nil, 0, 4, s)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Data.Int("brokerId", -1) != 7 || len(rec.Data.Unknown) != 1 || rec.Data.Unknown[0].Tag != 1 {
		t.Fatalf("got %s", rec.AppendJSON(nil))
	}
	if !bytes.Contains(rec.AppendJSON(nil), []byte(`"_unknownTaggedFields":[{"tag":1,"data":"Aqo="}]`)) {
		t.Fatalf("unknown tag not shown: %s", rec.AppendJSON(nil))
	}
}
