package coordinator

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Byte-level builders, independent of the package's encoder.
func be16(v int16) []byte  { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func be32(v int32) []byte  { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
func be64(v int64) []byte  { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
func cstr(s string) []byte { return append([]byte{byte(len(s) + 1)}, s...) }
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var testUUID = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

const testUUIDText = "AQIDBAUGBwgJCgsMDQ4PEA" // base64url, unpadded (kafka Uuid.toString)

// TestModernGroupRecordGolden decodes hand-assembled KIP-848 records and
// checks the JSON Kafka's JsonConverters would print for them.
func TestModernGroupRecordGolden(t *testing.T) {
	classic := cat([]byte{1}, be32(45000), []byte{2}, cstr("range"), []byte{3, 1, 2}, []byte{0}, []byte{0})
	tests := []struct {
		name         string
		key, value   []byte
		wantK, wantV string
	}{
		{
			name: "member-metadata",
			key:  cat(be16(5), be16(1), []byte("g"), be16(2), []byte("m1")),
			value: cat(be16(0), []byte{0}, cstr("r1"), cstr("c"), cstr("/h"), []byte{2}, cstr("t"), []byte{0},
				be32(300000), cstr("uniform"), []byte{1, 0, byte(len(classic))}, classic),
			wantK: `{"type":"5","data":{"groupId":"g","memberId":"m1"}}`,
			wantV: `{"version":"0","data":{"instanceId":null,"rackId":"r1","clientId":"c","clientHost":"/h",` +
				`"subscribedTopicNames":["t"],"subscribedTopicRegex":null,"rebalanceTimeoutMs":300000,"serverAssignor":"uniform",` +
				`"classicMemberMetadata":{"sessionTimeoutMs":45000,"supportedProtocols":[{"name":"range","metadata":"AQI="}]}}}`,
		},
		{
			name: "current-assignment",
			key:  cat(be16(8), be16(1), []byte("g"), be16(2), []byte("m1")),
			value: cat(be16(0), be32(5), be32(4), []byte{0}, []byte{2}, testUUID, []byte{3}, be32(0), be32(2), []byte{0},
				[]byte{1}, []byte{0}),
			wantK: `{"type":"8","data":{"groupId":"g","memberId":"m1"}}`,
			wantV: `{"version":"0","data":{"memberEpoch":5,"previousMemberEpoch":4,"state":0,"assignedPartitions":` +
				`[{"topicId":"` + testUUIDText + `","partitions":[0,2]}],"partitionsPendingRevocation":[]}}`,
		},
		{
			name:  "group-metadata-tagged-hash-and-unknown-tag",
			key:   cat(be16(3), be16(1), []byte("g")),
			value: cat(be16(0), be32(7), []byte{2, 0, 8}, be64(99), []byte{5, 2, 0xca, 0xfe}),
			wantK: `{"type":"3","data":{"groupId":"g"}}`,
			wantV: `{"version":"0","data":{"epoch":7,"metadataHash":99,"_tag5":"cafe"}}`,
		},
		{
			name:  "regex",
			key:   cat(be16(16), be16(1), []byte("g"), be16(3), []byte("t.*")),
			value: cat(be16(0), []byte{3}, cstr("t1"), cstr("t2"), be64(12), be64(1700000000000), []byte{0}),
			wantK: `{"type":"16","data":{"groupId":"g","regularExpression":"t.*"}}`,
			wantV: `{"version":"0","data":{"topics":["t1","t2"],"version":12,"timestamp":1700000000000}}`,
		},
		{
			name:  "share-group-metadata-preview-layout",
			key:   cat(be16(11), be16(1), []byte("s")),
			value: cat(be16(0), be32(3), []byte{0}),
			wantK: `{"type":"11","data":{"groupId":"s"}}`,
			wantV: `{"version":"0","data":{"epoch":3}}`,
		},
		{
			name:  "share-group-metadata-newer-layout",
			key:   cat(be16(11), be16(1), []byte("s")),
			value: cat(be16(0), be32(3), be64(-5), []byte{0}),
			wantK: `{"type":"11","data":{"groupId":"s"}}`,
			wantV: `{"version":"0","data":{"epoch":3,"metadataHash":-5}}`,
		},
		{
			name: "streams-member-metadata",
			key:  cat(be16(19), be16(1), []byte("s"), be16(1), []byte("w")),
			value: cat(be16(0), []byte{0, 0}, cstr("c"), cstr("/h"), be32(-1), be32(2), cstr("p1"),
				[]byte{1}, cstr("host"), be16(8080), []byte{0}, []byte{2}, cstr("k"), cstr("v"), []byte{0}, []byte{0}),
			wantK: `{"type":"19","data":{"groupId":"s","memberId":"w"}}`,
			wantV: `{"version":"0","data":{"instanceId":null,"rackId":null,"clientId":"c","clientHost":"/h","rebalanceTimeoutMs":-1,` +
				`"topologyEpoch":2,"processId":"p1","userEndpoint":{"host":"host","port":8080},"clientTags":[{"key":"k","value":"v"}]}}`,
		},
		{
			name:  "offset-commit-v4-topic-id",
			key:   cat(be16(1), be16(1), []byte("g"), be16(1), []byte("t"), be32(0)),
			value: cat(be16(4), be64(5), be32(1), cstr(""), be64(1700000000000), []byte{1, 0, 16}, testUUID),
			wantK: `{"type":"1","data":{"group":"g","topic":"t","partition":0}}`,
			wantV: `{"version":"4","data":{"offset":5,"leaderEpoch":1,"metadata":"","commitTimestamp":1700000000000,"topicId":"` + testUUIDText + `"}}`,
		},
		{
			name:  "bad-value-kept-raw",
			key:   cat(be16(6), be16(1), []byte("g")),
			value: cat(be16(0), []byte{1, 2}),
			wantK: `{"type":"6","data":{"groupId":"g"}}`,
			wantV: `{"version":"0","data":{"hex":"0102","error":"kseg/coordinator: value position 2: truncated: AssignmentEpoch needs 4 bytes, 2 remain"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := DecodeGroupRecord(tt.key, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			k, v := rec.Text()
			if k != tt.wantK || v != tt.wantV {
				t.Fatalf("Text:\n got %s\n     %s\nwant %s\n     %s", k, v, tt.wantK, tt.wantV)
			}
			if (rec.Message != nil || rec.OffsetCommit != nil) && !bytes.Equal(rec.AppendValue(nil), tt.value) {
				t.Fatalf("re-encoding differs:\n got %x\nwant %x", rec.AppendValue(nil), tt.value)
			}
			if nd, _ := rec.MarshalJSON(); !json.Valid(nd) {
				t.Fatalf("MarshalJSON %s", nd)
			}
		})
	}
}

// fillMessage builds a message of this layout with every field set to a
// value derived from seed; odd seeds make nullable fields null and leave
// tagged fields at their defaults.
func fillMessage(name string, fields []sfield, seed int) *Message {
	m := &Message{Name: name, fields: fields, Values: make([]Value, len(fields))}
	odd := seed%2 == 1
	for i := range fields {
		fd := &fields[i]
		v := &m.Values[i]
		n := int64(seed*10 + i)
		switch fd.typ {
		case fInt8:
			v.Int = n % 100
		case fInt16, fUint16:
			v.Int = 1000 + n
		case fInt32:
			v.Int = 100000 + n
		case fInt64:
			v.Int = 1<<40 + n
		case fBool:
			v.Int = 1
		case fUUID:
			v.UUID[0], v.UUID[15] = byte(seed), byte(i)
		case fString:
			v.Str = fmt.Sprintf("%s-%d", fd.name, seed)
		case fBytes:
			v.Bytes = []byte{byte(seed), byte(i)}
		case fInt32s, fInt16s:
			v.Ints = []int32{int32(seed), int32(i)}
		case fStrings:
			v.Strs = []string{"a", fd.name}
		case fStruct:
			v.Struct = fillMessage(fd.name, fd.fields, seed)
		case fStructs:
			v.Structs = []*Message{fillMessage(fd.name, fd.fields, seed), fillMessage(fd.name, fd.fields, seed+2)}
		}
		if fd.tag >= 0 && fd.numeric() && !odd {
			v.Int = fd.def + 7
			if fd.typ == fBool {
				v.Int = 1 - fd.def
			}
		} else if fd.tag >= 0 && fd.numeric() {
			v.Int = fd.def
		}
		if odd && fd.nullable {
			*v = Value{Null: true}
		}
	}
	return m
}

func layouts(s *messageSchema) [][]sfield { return append([][]sfield{s.fields}, s.alt...) }

func keyFor(t RecordType) GroupKey {
	k := GroupKey{Group: "grp"}
	switch t.shape() {
	case shapeGroupMember:
		k.MemberID = "member"
	case shapeGroupRegex:
		k.RegularExpression = "^t.*"
	}
	return k
}

// TestModernGroupRecordsGenerated encodes every known value schema of
// record types 3 and up, in every layout, with null and non-null values,
// decodes it again and compares.
func TestModernGroupRecordsGenerated(t *testing.T) {
	n := 0
	for typ := RecordType(3); int(typ) < len(recordTypes); typ++ {
		sc := groupValueSchemas[typ]
		if sc == nil {
			continue
		}
		for li, fields := range layouts(sc) {
			for seed := 0; seed < 2; seed++ {
				rec := &GroupRecord{Type: typ, Key: keyFor(typ), Message: fillMessage(sc.name, fields, seed)}
				got := roundTrip(t, rec)
				if !reflect.DeepEqual(got, rec) {
					t.Fatalf("%s layout %d seed %d:\n got %+v\nwant %+v", sc.name, li, seed, got.Message, rec.Message)
				}
				_, v := got.Text()
				if !json.Valid([]byte(v)) || strings.Contains(v, `"hex"`) {
					t.Fatalf("%s: %s", sc.name, v)
				}
				n++
			}
		}
	}
	if n < 2*18 {
		t.Fatalf("only %d records", n)
	}
}

func TestShareStateRecord(t *testing.T) {
	key := cat(be16(0), be16(1), []byte("g"), testUUID, be32(7))
	value := cat(be16(0), be16(3), be32(1), be32(2), be64(10), []byte{2}, be64(10), be64(19), []byte{2}, be16(1), []byte{0}, []byte{0})
	rec, err := DecodeShareStateRecord(key, value)
	if err != nil {
		t.Fatal(err)
	}
	k, v := rec.Text()
	wantK := `{"type":"0","data":{"groupId":"g","topicId":"` + testUUIDText + `","partition":7}}`
	wantV := `{"version":"0","data":{"snapshotEpoch":3,"stateEpoch":1,"leaderEpoch":2,"startOffset":10,` +
		`"stateBatches":[{"firstOffset":10,"lastOffset":19,"deliveryState":2,"deliveryCount":1}]}}`
	if k != wantK || v != wantV {
		t.Fatalf("Text:\n got %s\n     %s\nwant %s\n     %s", k, v, wantK, wantV)
	}
	if !bytes.Equal(rec.AppendKey(nil), key) || !bytes.Equal(rec.AppendValue(nil), value) {
		t.Fatal("re-encoding differs")
	}
	// The Kafka 4.2 layout: int32 snapshot epoch and two timestamps.
	value42 := cat(be16(0), be32(3), be32(1), be32(2), be64(10), be64(1700000000000), be64(1700000000500), []byte{1}, []byte{0})
	rec42, err := DecodeShareStateRecord(key, value42)
	wantV42 := `{"version":"0","data":{"snapshotEpoch":3,"stateEpoch":1,"leaderEpoch":2,"startOffset":10,` +
		`"createTimestamp":1700000000000,"writeTimestamp":1700000000500,"stateBatches":[]}}`
	if _, v := rec42.Text(); err != nil || v != wantV42 {
		t.Fatalf("4.2 layout: %v\n got %s\nwant %s", err, v, wantV42)
	}
	// Every layout, generated.
	for typ, sc := range shareStateSchemas {
		for li, fields := range layouts(sc) {
			for seed := 0; seed < 2; seed++ {
				r := &ShareStateRecord{Type: typ, GroupID: "g", Partition: 1, Message: fillMessage(sc.name, fields, seed)}
				got, err := DecodeShareStateRecord(r.AppendKey(nil), r.AppendValue(nil))
				if err != nil || !reflect.DeepEqual(got, r) {
					t.Fatalf("%s layout %d: %v\n got %+v\nwant %+v", sc.name, li, err, got, r)
				}
			}
		}
	}
	// Tombstones, unknown types, a value that does not decode.
	tomb, err := DecodeShareStateRecord(key, nil)
	if _, v := tomb.Text(); err != nil || v != "<DELETE>" {
		t.Fatalf("tombstone %v %s", err, v)
	}
	unk, err := DecodeShareStateRecord(cat(be16(9), []byte{1}), cat(be16(0), []byte{5}))
	if k, v := unk.Text(); err != nil || k != `{"type":"9","data":{"hex":"01"}}` || v != `{"version":"0","data":{"hex":"05"}}` {
		t.Fatalf("unknown %v %s %s", err, k, v)
	}
	bad, err := DecodeShareStateRecord(key, cat(be16(0), []byte{1}))
	if err != nil || bad.Message != nil || bad.ValueError == "" {
		t.Fatalf("bad value %v %+v", err, bad)
	}
	if _, err := DecodeShareStateRecord(key[:5], nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short key: %v", err)
	}
}

func TestRemoteLogMetadata(t *testing.T) {
	value := cat([]byte{1, 2, 0}, cstr("t"), testUUID, be32(3), []byte{0}, be32(1), be64(1700000000000), []byte{1}, []byte{0})
	rec, err := DecodeRemoteLogMetadata(value)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"RemotePartitionDeleteMetadataRecord","version":0,"data":{"topicIdPartition":{"name":"t","id":"` +
		testUUIDText + `","partition":3},"brokerId":1,"eventTimestampMs":1700000000000,"remotePartitionDeleteState":1}}`
	if got := rec.Text(); got != want {
		t.Fatalf("Text:\n got %s\nwant %s", got, want)
	}
	if !bytes.Equal(rec.AppendTo(nil), value) {
		t.Fatal("re-encoding differs")
	}
	for key, sc := range remoteLogSchemas {
		for seed := 0; seed < 2; seed++ {
			r := &RemoteLogMetadataRecord{FrameVersion: 1, APIKey: key, Message: fillMessage(sc.name, sc.fields, seed)}
			got, err := DecodeRemoteLogMetadata(r.AppendTo(nil))
			if err != nil || !reflect.DeepEqual(got, r) || !json.Valid([]byte(got.Text())) {
				t.Fatalf("%s: %v\n got %+v\nwant %+v", sc.name, err, got, r)
			}
		}
	}
	for name, tc := range map[string]struct {
		value  []byte
		reason string
	}{
		"frame-0":  {[]byte{0, 2, 0}, ReasonBadFrame},
		"garbage":  {append(append([]byte{}, value...), 9), ReasonTrailingBytes},
		"short":    {value[:10], ReasonTruncated},
		"null":     {nil, ReasonNullField},
		"bad-uvar": {[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ReasonBadVarint},
	} {
		var de *DecodeError
		if _, err := DecodeRemoteLogMetadata(tc.value); !errors.As(err, &de) || de.Reason != tc.reason {
			t.Errorf("%s: %v, want %s", name, err, tc.reason)
		}
	}
	unk, err := DecodeRemoteLogMetadata([]byte{1, 9, 0, 0xaa})
	if err != nil || unk.TypeName() != "Unknown" || unk.Text() != `{"type":"Unknown","version":0,"data":{"hex":"aa"},"apiKey":9}` {
		t.Fatalf("unknown: %v %s", err, unk.Text())
	}
}
