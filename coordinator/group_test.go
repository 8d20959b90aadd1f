package coordinator

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func strp(s string) *string { return &s }

// kafkaGoldenMember is the member of DumpLogSegmentsTest.testOffsetsMessageParser
// (core/src/test/scala/unit/kafka/tools/DumpLogSegmentsTest.scala).
func kafkaGoldenMember(sub, assign []byte) MemberMetadata {
	return MemberMetadata{MemberID: "member", GroupInstanceID: strp("instance"), ClientID: "client",
		ClientHost: "host", RebalanceTimeout: 1000, SessionTimeout: 100, Subscription: sub, Assignment: assign}
}

func kafkaGoldenGroup(sub, assign []byte) *GroupRecord {
	return &GroupRecord{Type: TypeGroupMetadata, Key: GroupKey{Group: "group"}, ValueVersion: 4,
		GroupMetadata: &GroupMetadataValue{ProtocolType: "consumer", Generation: 10, Protocol: strp("range"),
			Leader: strp("member"), CurrentStateTimestamp: -1, Members: []MemberMetadata{kafkaGoldenMember(sub, assign)}}}
}

// roundTrip encodes rec, decodes it again and returns the decoded record.
func roundTrip(t *testing.T, rec *GroupRecord) *GroupRecord {
	t.Helper()
	var value []byte
	if !rec.Tombstone {
		value = rec.AppendValue(nil)
	}
	got, err := DecodeGroupRecord(rec.AppendKey(nil), value)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return got
}

func TestGroupRecordKafkaGolden(t *testing.T) {
	sub := (&ConsumerSubscription{Version: 3, Topics: []string{"foo"},
		OwnedPartitions: []TopicPartitions{{"foo", []int32{0}}}, GenerationID: 0, RackID: strp("rack")}).AppendTo(nil)
	assign := (&ConsumerAssignment{Version: 3, AssignedPartitions: []TopicPartitions{{"foo", []int32{0}}}}).AppendTo(nil)
	tests := []struct {
		name           string
		rec            *GroupRecord
		wantK, wantV   string
		wantParsedSubs bool
	}{
		{
			name:  "consumer-protocol-parsed",
			rec:   kafkaGoldenGroup(sub, assign),
			wantK: `{"type":"2","data":{"group":"group"}}`,
			wantV: `{"version":"4","data":{"protocolType":"consumer","generation":10,"protocol":"range",` +
				`"leader":"member","currentStateTimestamp":-1,"members":[{"memberId":"member",` +
				`"groupInstanceId":"instance","clientId":"client","clientHost":"host",` +
				`"rebalanceTimeout":1000,"sessionTimeout":100,"subscription":{"topics":["foo"],` +
				`"userData":null,"ownedPartitions":[{"topic":"foo","partitions":[0]}],` +
				`"generationId":0,"rackId":"rack"},"assignment":{"assignedPartitions":` +
				`[{"topic":"foo","partitions":[0]}],"userData":null}}]}}`,
			wantParsedSubs: true,
		},
		{
			name:  "consumer-protocol-malformed",
			rec:   kafkaGoldenGroup([]byte("Subscription"), []byte("Assignment")),
			wantK: `{"type":"2","data":{"group":"group"}}`,
			wantV: `{"version":"4","data":{"protocolType":"consumer","generation":10,"protocol":"range",` +
				`"leader":"member","currentStateTimestamp":-1,"members":[{"memberId":"member",` +
				`"groupInstanceId":"instance","clientId":"client","clientHost":"host",` +
				`"rebalanceTimeout":1000,"sessionTimeout":100,"subscription":"U3Vic2NyaXB0aW9u",` +
				`"assignment":"QXNzaWdubWVudA=="}]}}`,
		},
		{
			name:  "consumer-group-tombstone",
			rec:   &GroupRecord{Type: TypeConsumerGroupMetadata, Key: GroupKey{Group: "group"}, Tombstone: true},
			wantK: `{"type":"3","data":{"groupId":"group"}}`,
			wantV: `<DELETE>`,
		},
		{
			name: "offset-commit-v3",
			rec: &GroupRecord{Type: TypeOffsetCommit, Key: GroupKey{Group: "g", Topic: "t", Partition: 7}, ValueVersion: 3,
				OffsetCommit: &OffsetCommitValue{Offset: 42, LeaderEpoch: 5, Metadata: "m", CommitTimestamp: 1700000000000, ExpireTimestamp: -1}},
			wantK: `{"type":"1","data":{"group":"g","topic":"t","partition":7}}`,
			wantV: `{"version":"3","data":{"offset":42,"leaderEpoch":5,"metadata":"m","commitTimestamp":1700000000000}}`,
		},
		{
			name: "offset-commit-v1-expire",
			rec: &GroupRecord{Type: TypeOffsetCommit, Key: GroupKey{Group: "g", Topic: "t"}, ValueVersion: 1,
				OffsetCommit: &OffsetCommitValue{Offset: 2, LeaderEpoch: -1, CommitTimestamp: 1, ExpireTimestamp: 2}},
			wantK: `{"type":"1","data":{"group":"g","topic":"t","partition":0}}`,
			wantV: `{"version":"1","data":{"offset":2,"metadata":"","commitTimestamp":1,"expireTimestamp":2}}`,
		},
		{
			name: "offset-commit-v4-flexible-legacy-key",
			rec: &GroupRecord{Type: TypeLegacyOffsetCommit, Key: GroupKey{Group: "g\"\n\x01é", Topic: "t"}, ValueVersion: 4,
				OffsetCommit: &OffsetCommitValue{Offset: 9, LeaderEpoch: 1, Metadata: "x", CommitTimestamp: 3, ExpireTimestamp: -1,
					UnknownTags: []TaggedField{{Tag: 9, Data: []byte{1, 2}}}}},
			wantK: `{"type":"0","data":{"group":"g\"\n\u0001é","topic":"t","partition":0}}`,
			wantV: `{"version":"4","data":{"offset":9,"leaderEpoch":1,"metadata":"x","commitTimestamp":3}}`,
		},
		{
			name:  "offset-commit-tombstone",
			rec:   &GroupRecord{Type: TypeOffsetCommit, Key: GroupKey{Group: "g", Topic: "t", Partition: 1}, Tombstone: true},
			wantK: `{"type":"1","data":{"group":"g","topic":"t","partition":1}}`,
			wantV: `<DELETE>`,
		},
		{
			name: "group-v0-non-consumer",
			rec: &GroupRecord{Type: TypeGroupMetadata, Key: GroupKey{Group: "connect"}, ValueVersion: 0,
				GroupMetadata: &GroupMetadataValue{ProtocolType: "connect", Generation: 1, CurrentStateTimestamp: -1,
					Members: []MemberMetadata{{MemberID: "m", ClientID: "c", ClientHost: "h", RebalanceTimeout: -1,
						SessionTimeout: 10, Subscription: []byte{0, 0}, Assignment: []byte{}}}}},
			wantK: `{"type":"2","data":{"group":"connect"}}`,
			wantV: `{"version":"0","data":{"protocolType":"connect","generation":1,"protocol":null,"leader":null,` +
				`"members":[{"memberId":"m","clientId":"c","clientHost":"h","sessionTimeout":10,"subscription":"AAA=","assignment":""}]}}`,
		},
		{
			name: "type-without-value-schema",
			rec: &GroupRecord{Type: TypeStreamsGroupPartitionMetadata, Key: GroupKey{Group: "g"},
				ValueVersion: 0, RawValue: []byte{0xab, 0x00}},
			wantK: `{"type":"18","data":{"groupId":"g"}}`,
			wantV: `{"version":"0","data":{"hex":"ab00"}}`,
		},
		{
			name: "regex-type",
			rec: &GroupRecord{Type: TypeConsumerGroupRegularExpression, Key: GroupKey{Group: "g", RegularExpression: "foo.*"},
				Tombstone: true},
			wantK: `{"type":"16","data":{"groupId":"g","regularExpression":"foo.*"}}`,
			wantV: `<DELETE>`,
		},
		{
			name:  "unknown-type",
			rec:   &GroupRecord{Type: 32767, Key: GroupKey{Raw: []byte{0, 5, 'g'}}, ValueVersion: 2, RawValue: []byte{1}},
			wantK: `{"type":"32767","data":{"hex":"000567"}}`,
			wantV: `{"version":"2","data":{"hex":"01"}}`,
		},
		{
			name:  "negative-type",
			rec:   &GroupRecord{Type: -1, Key: GroupKey{Raw: []byte{}}, Tombstone: true},
			wantK: `{"type":"-1","data":{"hex":""}}`,
			wantV: `<DELETE>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, tt.rec)
			k, v := got.Text()
			if k != tt.wantK || v != tt.wantV {
				t.Fatalf("Text:\n got %s\n     %s\nwant %s\n     %s", k, v, tt.wantK, tt.wantV)
			}
			if tt.wantParsedSubs != (got.GroupMetadata != nil && got.GroupMetadata.Members[0].ConsumerSubscription != nil) {
				t.Fatal("subscription parse state")
			}
			// Decoded values equal the input, apart from the decoded consumer protocol.
			clearDerived(got)
			if !reflect.DeepEqual(got, tt.rec) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tt.rec)
			}
			nd, err := got.MarshalJSON()
			if err != nil || !json.Valid(nd) {
				t.Fatalf("MarshalJSON %s %v", nd, err)
			}
		})
	}
}

func clearDerived(rec *GroupRecord) {
	if rec.GroupMetadata != nil {
		for i := range rec.GroupMetadata.Members {
			rec.GroupMetadata.Members[i].ConsumerSubscription = nil
			rec.GroupMetadata.Members[i].ConsumerAssignment = nil
		}
	}
}

func TestGroupRecordMarshalJSON(t *testing.T) {
	rec := &GroupRecord{Type: TypeOffsetCommit, Key: GroupKey{Group: "g", Topic: "t", Partition: 1}, Tombstone: true}
	got, _ := json.Marshal(rec)
	want := `{"type":1,"typeName":"OffsetCommit","key":{"group":"g","topic":"t","partition":1},"tombstone":true,"valueVersion":null,"value":null}`
	if string(got) != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

func TestDecodeGroupRecordMalformed(t *testing.T) {
	okKey := (&GroupRecord{Type: TypeOffsetCommit, Key: GroupKey{Group: "g", Topic: "t"}}).AppendKey(nil)
	gmKey := (&GroupRecord{Type: TypeGroupMetadata, Key: GroupKey{Group: "g"}}).AppendKey(nil)
	gm := kafkaGoldenGroup([]byte{1}, []byte{2})
	gmV0 := *gm
	gmV0.ValueVersion = 0
	tests := []struct {
		name       string
		key, value []byte
		part       string
		reason     string
	}{
		{name: "null-key", key: nil, value: []byte{0, 1}, part: "key", reason: ReasonMissingKey},
		{name: "empty-key", key: []byte{}, part: "key", reason: ReasonTruncated},
		{name: "one-byte-key", key: []byte{0}, part: "key", reason: ReasonTruncated},
		{name: "key-string-overruns", key: []byte{0, 1, 0, 9, 'g'}, part: "key", reason: ReasonTruncated},
		{name: "key-null-group", key: []byte{0, 2, 0xff, 0xff}, part: "key", reason: ReasonNullField},
		{name: "key-missing-partition", key: okKey[:len(okKey)-1], part: "key", reason: ReasonTruncated},
		{name: "member-key-missing-member", key: []byte{0, 5, 0, 1, 'g'}, part: "key", reason: ReasonTruncated},
		{name: "empty-value", key: okKey, value: []byte{}, part: "value", reason: ReasonTruncated},
		{name: "value-truncated", key: okKey, value: []byte{0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0}, part: "value", reason: ReasonTruncated},
		{name: "value-null-metadata", key: okKey, value: append([]byte{0, 0}, append(make([]byte, 8), 0xff, 0xff)...), part: "value", reason: ReasonNullField},
		{name: "flexible-bad-varint", key: okKey, value: append([]byte{0, 4}, append(make([]byte, 12), 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)...), part: "value", reason: ReasonBadVarint},
		{name: "flexible-string-too-long", key: okKey, value: append([]byte{0, 4}, append(make([]byte, 12), 0x82, 0x80, 0x02)...), part: "value", reason: ReasonBadLength},
		{name: "flexible-tag-count-too-large", key: okKey, value: append([]byte{0, 4}, append(make([]byte, 12), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f)...), part: "value", reason: ReasonCountTooLarge},
		{name: "members-null", key: gmKey, value: []byte{0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, part: "value", reason: ReasonNullField},
		{name: "members-count-huge", key: gmKey, value: []byte{0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff}, part: "value", reason: ReasonCountTooLarge},
		{name: "member-truncated", key: gmKey, value: truncated(gmV0.AppendValue(nil), 3), part: "value", reason: ReasonTruncated},
		{name: "flexible-member-truncated", key: gmKey, value: truncated(gm.AppendValue(nil), 2), part: "value", reason: ReasonTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := DecodeGroupRecord(tt.key, tt.value)
			if rec != nil || !errors.Is(err, ErrMalformed) {
				t.Fatalf("rec %+v err %v", rec, err)
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.Reason != tt.reason || de.Part != tt.part {
				t.Fatalf("err %v, want %s %s", err, tt.part, tt.reason)
			}
			limit := len(tt.key)
			if tt.part == "value" {
				limit = len(tt.value)
			}
			if de.Position < 0 || de.Position > limit {
				t.Fatalf("position %d outside [0,%d]", de.Position, limit)
			}
		})
	}
}

func truncated(b []byte, cut int) []byte { return b[:len(b)-cut] }

func TestConsumerProtocolVersions(t *testing.T) {
	for v := int16(0); v <= 5; v++ {
		s := &ConsumerSubscription{Version: v, Topics: []string{"a", "b"}, UserData: []byte{}, GenerationID: -1}
		if v >= 1 {
			s.OwnedPartitions = []TopicPartitions{{"a", []int32{1, 2}}}
		}
		if v >= 2 {
			s.GenerationID = 7
		}
		if v >= 3 {
			s.RackID = strp("r1")
		}
		got, err := DecodeConsumerSubscription(s.AppendTo(nil))
		if err != nil || !reflect.DeepEqual(got, s) {
			t.Fatalf("v%d: %+v %v", v, got, err)
		}
		a := &ConsumerAssignment{Version: v, AssignedPartitions: []TopicPartitions{}, UserData: nil}
		gotA, err := DecodeConsumerAssignment(a.AppendTo(nil))
		if err != nil || !reflect.DeepEqual(gotA, a) {
			t.Fatalf("v%d: %+v %v", v, gotA, err)
		}
	}
	if _, err := DecodeConsumerSubscription([]byte{0, 0, 0x7f, 0xff, 0xff, 0xff}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("huge topic count: %v", err)
	}
}
