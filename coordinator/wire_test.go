package coordinator

import (
	"errors"
	"testing"
)

// TestNegativeClassicLengthIsNull: Kafka's generated readers take any
// negative classic length as null (MessageDataGenerator
// generateVariableLengthReader tests "length < 0"), so -2 and -32768 are a
// null protocol/leader, and a null where the schema forbids it.
func TestNegativeClassicLengthIsNull(t *testing.T) {
	rec := &GroupRecord{Type: TypeGroupMetadata, Key: GroupKey{Group: "g"}, ValueVersion: 0,
		GroupMetadata: &GroupMetadataValue{ProtocolType: "consumer", Generation: 1, Members: []MemberMetadata{}}}
	key, value := rec.AppendKey(nil), rec.AppendValue(nil)
	// version(2) protocolType(2+8) generation(4), then protocol and leader.
	const protocolAt = 2 + 2 + len("consumer") + 4
	if value[protocolAt] != 0xff || value[protocolAt+2] != 0xff {
		t.Fatalf("layout changed: % x", value)
	}
	value[protocolAt+1] = 0xfe                            // -2
	value[protocolAt+2], value[protocolAt+3] = 0x80, 0x00 // -32768
	got, err := DecodeGroupRecord(key, value)
	if err != nil || got.GroupMetadata.Protocol != nil || got.GroupMetadata.Leader != nil || got.GroupMetadata.Generation != 1 {
		t.Fatalf("got %+v, %v", got, err)
	}
	value[2], value[3] = 0xff, 0xfe // protocolType is not nullable
	_, err = DecodeGroupRecord(key, value)
	var de *DecodeError
	if !errors.As(err, &de) || de.Reason != ReasonNullField || de.Position != 2 || de.Part != "value" ||
		de.Detail != "non-nullable field protocolType was serialized as null" {
		t.Fatalf("got %#v", err)
	}
}
