package coordinator

import "github.com/kseg/kseg/internal/kbin"

// ConsumerProtocolType is the protocolType of groups that use the embedded
// consumer protocol (ConsumerProtocol.PROTOCOL_TYPE); only their member
// subscription and assignment bytes are decoded.
const ConsumerProtocolType = "consumer"

// TopicPartitions is a topic and a list of its partitions
// (ConsumerProtocolSubscription/Assignment TopicPartition).
type TopicPartitions struct {
	Topic      string  `json:"topic"`
	Partitions []int32 `json:"partitions"`
}

// ConsumerSubscription is ConsumerProtocolSubscription v0-v3 (kafka
// clients/src/main/resources/common/message/ConsumerProtocolSubscription.json),
// the bytes a consumer sends in JoinGroup and the coordinator stores per member.
type ConsumerSubscription struct {
	Version         int16
	Topics          []string
	UserData        []byte            // nil = null
	OwnedPartitions []TopicPartitions // v1+
	GenerationID    int32             // v2+, default -1
	RackID          *string           // v3+
}

// ConsumerAssignment is ConsumerProtocolAssignment v0-v3 (the v2 and v3 bumps
// only mirror the subscription's).
type ConsumerAssignment struct {
	Version            int16
	AssignedPartitions []TopicPartitions
	UserData           []byte // nil = null
}

func readTopicPartitions(r *reader, what string) []TopicPartitions {
	n := r.nonNullArrayLen(false, 6, what) // int16 topic length + int32 count
	out := make([]TopicPartitions, n)
	for i := range out {
		out[i].Topic = r.string(false, what+".topic")
		out[i].Partitions = r.int32Array(false, what+".partitions")
	}
	return out
}

func appendTopicPartitions(dst []byte, v []TopicPartitions) []byte {
	dst = kbin.AppendLength(dst, false, true, len(v))
	for _, tp := range v {
		dst = kbin.AppendString(dst, false, tp.Topic)
		dst = appendInt32Array(dst, false, tp.Partitions)
	}
	return dst
}

// DecodeConsumerSubscription decodes subscription bytes: int16 version, then
// the fields of that version. Like Kafka's reader, newer versions are read
// with the v3 layout and trailing bytes are ignored.
func DecodeConsumerSubscription(b []byte) (*ConsumerSubscription, error) {
	r := newReader(b, "subscription")
	s := &ConsumerSubscription{GenerationID: -1}
	s.Version = r.int16("version")
	s.Topics = r.stringArray(false, "topics")
	s.UserData = r.nullableBytes(false, "userData")
	if s.Version >= 1 {
		s.OwnedPartitions = readTopicPartitions(r, "ownedPartitions")
	}
	if s.Version >= 2 {
		s.GenerationID = r.int32("generationId")
	}
	if s.Version >= 3 {
		s.RackID = r.nullableString(false, "rackId")
	}
	if r.err() != nil {
		return nil, r.err()
	}
	return s, nil
}

// AppendTo appends s's encoding at s.Version.
func (s *ConsumerSubscription) AppendTo(dst []byte) []byte {
	dst = kbin.AppendInt16(dst, s.Version)
	dst = appendStringArray(dst, false, s.Topics)
	dst = kbin.AppendBytes(dst, false, s.UserData)
	if s.Version >= 1 {
		dst = appendTopicPartitions(dst, s.OwnedPartitions)
	}
	if s.Version >= 2 {
		dst = kbin.AppendInt32(dst, s.GenerationID)
	}
	if s.Version >= 3 {
		dst = kbin.AppendNullableString(dst, false, s.RackID)
	}
	return dst
}

// DecodeConsumerAssignment decodes assignment bytes (int16 version, then the
// assigned partitions and user data).
func DecodeConsumerAssignment(b []byte) (*ConsumerAssignment, error) {
	r := newReader(b, "assignment")
	a := &ConsumerAssignment{}
	a.Version = r.int16("version")
	a.AssignedPartitions = readTopicPartitions(r, "assignedPartitions")
	a.UserData = r.nullableBytes(false, "userData")
	if r.err() != nil {
		return nil, r.err()
	}
	return a, nil
}

// AppendTo appends a's encoding at a.Version.
func (a *ConsumerAssignment) AppendTo(dst []byte) []byte {
	dst = kbin.AppendInt16(dst, a.Version)
	dst = appendTopicPartitions(dst, a.AssignedPartitions)
	return kbin.AppendBytes(dst, false, a.UserData)
}

func appendTopicPartitionsJSON(o *jsonObject, k string, v []TopicPartitions) {
	o.array(k, len(v), func(dst []byte, i int) []byte {
		e := newObject(dst)
		e.str("topic", v[i].Topic)
		e.int32s("partitions", v[i].Partitions)
		return e.end()
	})
}

// appendJSON writes the ConsumerProtocolSubscriptionJsonConverter form.
func (s *ConsumerSubscription) appendJSON(dst []byte) []byte {
	o := newObject(dst)
	o.strs("topics", s.Topics)
	o.bytes("userData", s.UserData)
	if s.Version >= 1 {
		appendTopicPartitionsJSON(o, "ownedPartitions", s.OwnedPartitions)
	}
	if s.Version >= 2 {
		o.int("generationId", int64(s.GenerationID))
	}
	if s.Version >= 3 {
		o.nullableStr("rackId", s.RackID)
	}
	return o.end()
}

// appendJSON writes the ConsumerProtocolAssignmentJsonConverter form.
func (a *ConsumerAssignment) appendJSON(dst []byte) []byte {
	o := newObject(dst)
	appendTopicPartitionsJSON(o, "assignedPartitions", a.AssignedPartitions)
	o.bytes("userData", a.UserData)
	return o.end()
}
