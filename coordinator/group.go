package coordinator

import (
	"encoding/base64"

	"github.com/kseg/kseg/internal/kbin"
)

// RecordType is the int16 that starts every __consumer_offsets key. Before
// Kafka 3.8 it was called the key version (0/1 offset commit, 2 group
// metadata); newer coordinators number each record type ("apiKey" of the
// coordinator-key schemas) and DumpLogSegments prints it as "type".
type RecordType int16

// Record types, from group-coordinator/src/main/resources/common/message/*Key.json.
// Part of the format, never change.
const (
	TypeLegacyOffsetCommit                         RecordType = 0 // key version 0 (Kafka 0.8.2 era)
	TypeOffsetCommit                               RecordType = 1
	TypeGroupMetadata                              RecordType = 2 // classic group
	TypeConsumerGroupMetadata                      RecordType = 3 // KIP-848 consumer group
	TypeConsumerGroupPartitionMetadata             RecordType = 4
	TypeConsumerGroupMemberMetadata                RecordType = 5
	TypeConsumerGroupTargetAssignmentMetadata      RecordType = 6
	TypeConsumerGroupTargetAssignmentMember        RecordType = 7
	TypeConsumerGroupCurrentMemberAssignment       RecordType = 8
	TypeShareGroupPartitionMetadata                RecordType = 9 // KIP-932 share group
	TypeShareGroupMemberMetadata                   RecordType = 10
	TypeShareGroupMetadata                         RecordType = 11
	TypeShareGroupTargetAssignmentMetadata         RecordType = 12
	TypeShareGroupTargetAssignmentMember           RecordType = 13
	TypeShareGroupCurrentMemberAssignment          RecordType = 14
	TypeShareGroupStatePartitionMetadata           RecordType = 15
	TypeConsumerGroupRegularExpression             RecordType = 16
	TypeStreamsGroupMetadata                       RecordType = 17 // KIP-1071 streams group
	TypeStreamsGroupPartitionMetadata              RecordType = 18
	TypeStreamsGroupMemberMetadata                 RecordType = 19
	TypeStreamsGroupTargetAssignmentMetadata       RecordType = 20
	TypeStreamsGroupTargetAssignmentMember         RecordType = 21
	TypeStreamsGroupCurrentMemberAssignment        RecordType = 22
	TypeStreamsGroupTopology                       RecordType = 23
	TypeStreamsGroupTargetAssignmentResolvedTopics RecordType = 24
)

// keyShape says which fields follow the type in a key.
type keyShape uint8

const (
	shapeUnknown     keyShape = iota
	shapeOffset               // group, topic, partition
	shapeGroup                // group (classic naming)
	shapeGroupID              // GroupId
	shapeGroupMember          // GroupId, MemberId
	shapeGroupRegex           // GroupId, RegularExpression
)

var recordTypes = [...]struct {
	name  string
	shape keyShape
}{
	{"LegacyOffsetCommit", shapeOffset},
	{"OffsetCommit", shapeOffset},
	{"GroupMetadata", shapeGroup},
	{"ConsumerGroupMetadata", shapeGroupID},
	{"ConsumerGroupPartitionMetadata", shapeGroupID},
	{"ConsumerGroupMemberMetadata", shapeGroupMember},
	{"ConsumerGroupTargetAssignmentMetadata", shapeGroupID},
	{"ConsumerGroupTargetAssignmentMember", shapeGroupMember},
	{"ConsumerGroupCurrentMemberAssignment", shapeGroupMember},
	{"ShareGroupPartitionMetadata", shapeGroupID},
	{"ShareGroupMemberMetadata", shapeGroupMember},
	{"ShareGroupMetadata", shapeGroupID},
	{"ShareGroupTargetAssignmentMetadata", shapeGroupID},
	{"ShareGroupTargetAssignmentMember", shapeGroupMember},
	{"ShareGroupCurrentMemberAssignment", shapeGroupMember},
	{"ShareGroupStatePartitionMetadata", shapeGroupID},
	{"ConsumerGroupRegularExpression", shapeGroupRegex},
	{"StreamsGroupMetadata", shapeGroupID},
	{"StreamsGroupPartitionMetadata", shapeGroupID},
	{"StreamsGroupMemberMetadata", shapeGroupMember},
	{"StreamsGroupTargetAssignmentMetadata", shapeGroupID},
	{"StreamsGroupTargetAssignmentMember", shapeGroupMember},
	{"StreamsGroupCurrentMemberAssignment", shapeGroupMember},
	{"StreamsGroupTopology", shapeGroupID},
	{"StreamsGroupTargetAssignmentResolvedTopicIds", shapeGroupID},
}

func (t RecordType) shape() keyShape {
	if t >= 0 && int(t) < len(recordTypes) {
		return recordTypes[t].shape
	}
	return shapeUnknown
}

// String returns the schema name without its Key/Value suffix, or "Unknown".
func (t RecordType) String() string {
	if t >= 0 && int(t) < len(recordTypes) {
		return recordTypes[t].name
	}
	return "Unknown"
}

// Known reports whether this package knows the type's key schema.
func (t RecordType) Known() bool { return t.shape() != shapeUnknown }

// GroupKey holds the decoded key fields; which ones are set depends on the
// record type.
type GroupKey struct {
	Group             string // group id, for every known type
	Topic             string // offset commits
	Partition         int32  // offset commits
	MemberID          string // member-scoped consumer/share/streams records
	RegularExpression string // ConsumerGroupRegularExpression
	Raw               []byte // unknown types: the key bytes after the type
}

// OffsetCommitValue is OffsetCommitValue v0-v4 (v4+ flexible). Absent fields
// hold Kafka's defaults.
type OffsetCommitValue struct {
	Offset          int64
	LeaderEpoch     int32 // v3+, default -1
	Metadata        string
	CommitTimestamp int64
	ExpireTimestamp int64 // v1 only, default -1
	// TopicID is the v4+ tagged field 0 (Kafka 4.1+, written for commits
	// that name the topic by id); zero when absent.
	TopicID     [16]byte
	UnknownTags []TaggedField
}

// Tags of OffsetCommitValue's tagged fields (v4+). Part of the format.
const tagOffsetCommitTopicID = 0

// GroupMetadataValue is GroupMetadataValue v0-v4 (v4+ flexible): a classic
// group's generation and members.
type GroupMetadataValue struct {
	ProtocolType          string
	Generation            int32
	Protocol              *string
	Leader                *string
	CurrentStateTimestamp int64 // v2+, default -1
	Members               []MemberMetadata
	UnknownTags           []TaggedField
}

// MemberMetadata is one classic group member.
type MemberMetadata struct {
	MemberID         string
	GroupInstanceID  *string // v3+
	ClientID         string
	ClientHost       string
	RebalanceTimeout int32 // v1+, default -1
	SessionTimeout   int32
	Subscription     []byte
	Assignment       []byte
	UnknownTags      []TaggedField

	// Decoded forms of Subscription and Assignment, set when the group's
	// protocolType is "consumer" and the bytes parse (as DumpLogSegments does).
	ConsumerSubscription *ConsumerSubscription
	ConsumerAssignment   *ConsumerAssignment
}

// GroupRecord is one decoded __consumer_offsets record. It owns its memory
// (nothing aliases the input slices).
type GroupRecord struct {
	Type         RecordType
	Key          GroupKey
	Tombstone    bool  // null value: the key is deleted
	ValueVersion int16 // meaningful unless Tombstone
	// Exactly one of these is set for a non-tombstone value.
	OffsetCommit  *OffsetCommitValue  // types 0 and 1
	GroupMetadata *GroupMetadataValue // type 2
	Message       *Message            // types 3 and up whose value schema is known
	RawValue      []byte              // other types: value bytes after the version
	// ValueError says why a value of a known type 3+ schema did not decode
	// (it is kept in RawValue); such values are shown, never fatal, since
	// these schemas were still changing between Kafka releases.
	ValueError string
}

// DecodeGroupRecord decodes a __consumer_offsets key and value. A nil value is
// a tombstone. A nil key is an error (Kafka refuses such records); a record
// type this package does not know is not: its bytes are kept raw.
func DecodeGroupRecord(key, value []byte) (*GroupRecord, error) {
	if key == nil {
		return nil, &DecodeError{Part: "key", Reason: ReasonMissingKey, Detail: "record has a null key"}
	}
	r := newReader(key, "key")
	rec := &GroupRecord{Type: RecordType(r.int16("type"))}
	k := &rec.Key
	switch rec.Type.shape() {
	case shapeOffset:
		k.Group = r.string(false, "group")
		k.Topic = r.string(false, "topic")
		k.Partition = r.int32("partition")
	case shapeGroup, shapeGroupID:
		k.Group = r.string(false, "group")
	case shapeGroupMember:
		k.Group = r.string(false, "groupId")
		k.MemberID = r.string(false, "memberId")
	case shapeGroupRegex:
		k.Group = r.string(false, "groupId")
		k.RegularExpression = r.string(false, "regularExpression")
	default:
		if r.err() == nil {
			k.Raw = append([]byte{}, key[2:]...)
		}
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
	switch rec.Type {
	case TypeLegacyOffsetCommit, TypeOffsetCommit:
		rec.OffsetCommit = readOffsetCommitValue(r, v)
	case TypeGroupMetadata:
		rec.GroupMetadata = readGroupMetadataValue(r, v)
	default:
		if r.err() != nil {
			break
		}
		if sc := groupValueSchemas[rec.Type]; sc != nil {
			m, err := sc.decode(value, 2, "value")
			if err == nil {
				rec.Message = m
				break
			}
			rec.ValueError = err.Error()
		}
		rec.RawValue = append([]byte{}, value[2:]...)
	}
	if r.err() != nil {
		return nil, r.err()
	}
	return rec, nil
}

func readOffsetCommitValue(r *reader, v int16) *OffsetCommitValue {
	flex := v >= 4
	o := &OffsetCommitValue{LeaderEpoch: -1, ExpireTimestamp: -1}
	o.Offset = r.int64("offset")
	if v >= 3 {
		o.LeaderEpoch = r.int32("leaderEpoch")
	}
	o.Metadata = r.string(flex, "metadata")
	o.CommitTimestamp = r.int64("commitTimestamp")
	if v == 1 {
		o.ExpireTimestamp = r.int64("expireTimestamp")
	}
	if flex {
		o.UnknownTags = r.taggedFields(func(tag uint32, data []byte) bool {
			if tag != tagOffsetCommitTopicID {
				return false
			}
			if len(data) != 16 {
				r.fail(0, ReasonBadTaggedField, "tag %d holds %d bytes, want a uuid", tag, len(data))
				return true
			}
			copy(o.TopicID[:], data)
			return true
		})
	}
	return o
}

func readGroupMetadataValue(r *reader, v int16) *GroupMetadataValue {
	flex := v >= 4
	g := &GroupMetadataValue{CurrentStateTimestamp: -1}
	g.ProtocolType = r.string(flex, "protocolType")
	g.Generation = r.int32("generation")
	g.Protocol = r.nullableString(flex, "protocol")
	g.Leader = r.nullableString(flex, "leader")
	if v >= 2 {
		g.CurrentStateTimestamp = r.int64("currentStateTimestamp")
	}
	// Lower bounds on a member's size, so a huge count fails before
	// allocating: 3 strings, an int32 and 2 bytes fields (classic: 2+2+2+4+4+4;
	// flexible: 1+1+1+4+1+1 plus the tagged-field count).
	minMember := 18
	if flex {
		minMember = 10
	}
	n := r.nonNullArrayLen(flex, minMember, "members")
	g.Members = make([]MemberMetadata, n)
	for i := range g.Members {
		m := &g.Members[i]
		m.MemberID = r.string(flex, "memberId")
		if v >= 3 {
			m.GroupInstanceID = r.nullableString(flex, "groupInstanceId")
		}
		m.ClientID = r.string(flex, "clientId")
		m.ClientHost = r.string(flex, "clientHost")
		m.RebalanceTimeout = -1
		if v >= 1 {
			m.RebalanceTimeout = r.int32("rebalanceTimeout")
		}
		m.SessionTimeout = r.int32("sessionTimeout")
		m.Subscription = r.bytes(flex, "subscription")
		m.Assignment = r.bytes(flex, "assignment")
		if flex {
			m.UnknownTags = r.taggedFields(nil)
		}
		if r.err() != nil {
			return nil
		}
		if g.ProtocolType == ConsumerProtocolType {
			m.ConsumerSubscription, _ = DecodeConsumerSubscription(m.Subscription)
			m.ConsumerAssignment, _ = DecodeConsumerAssignment(m.Assignment)
		}
	}
	if flex {
		g.UnknownTags = r.taggedFields(nil)
	}
	return g
}

// AppendKey appends the record's key encoding.
func (rec *GroupRecord) AppendKey(dst []byte) []byte {
	dst = kbin.AppendInt16(dst, int16(rec.Type))
	k := &rec.Key
	switch rec.Type.shape() {
	case shapeOffset:
		dst = kbin.AppendString(dst, false, k.Group)
		dst = kbin.AppendString(dst, false, k.Topic)
		dst = kbin.AppendInt32(dst, k.Partition)
	case shapeGroup, shapeGroupID:
		dst = kbin.AppendString(dst, false, k.Group)
	case shapeGroupMember:
		dst = kbin.AppendString(dst, false, k.Group)
		dst = kbin.AppendString(dst, false, k.MemberID)
	case shapeGroupRegex:
		dst = kbin.AppendString(dst, false, k.Group)
		dst = kbin.AppendString(dst, false, k.RegularExpression)
	default:
		dst = append(dst, k.Raw...)
	}
	return dst
}

// AppendValue appends the record's value encoding at ValueVersion. For a
// tombstone it returns dst unchanged; the caller writes a null value.
// Member subscriptions and assignments are written from their raw bytes.
func (rec *GroupRecord) AppendValue(dst []byte) []byte {
	if rec.Tombstone {
		return dst
	}
	v := rec.ValueVersion
	dst = kbin.AppendInt16(dst, v)
	flex := v >= 4
	switch {
	case rec.OffsetCommit != nil:
		o := rec.OffsetCommit
		dst = kbin.AppendInt64(dst, o.Offset)
		if v >= 3 {
			dst = kbin.AppendInt32(dst, o.LeaderEpoch)
		}
		dst = kbin.AppendString(dst, flex, o.Metadata)
		dst = kbin.AppendInt64(dst, o.CommitTimestamp)
		if v == 1 {
			dst = kbin.AppendInt64(dst, o.ExpireTimestamp)
		}
		if flex {
			var known []TaggedField
			if o.TopicID != ([16]byte{}) {
				known = append(known, TaggedField{Tag: tagOffsetCommitTopicID, Data: append([]byte(nil), o.TopicID[:]...)})
			}
			dst = appendTaggedFields(dst, known, o.UnknownTags)
		}
	case rec.GroupMetadata != nil:
		g := rec.GroupMetadata
		dst = kbin.AppendString(dst, flex, g.ProtocolType)
		dst = kbin.AppendInt32(dst, g.Generation)
		dst = kbin.AppendNullableString(dst, flex, g.Protocol)
		dst = kbin.AppendNullableString(dst, flex, g.Leader)
		if v >= 2 {
			dst = kbin.AppendInt64(dst, g.CurrentStateTimestamp)
		}
		dst = kbin.AppendLength(dst, flex, true, len(g.Members))
		for i := range g.Members {
			m := &g.Members[i]
			dst = kbin.AppendString(dst, flex, m.MemberID)
			if v >= 3 {
				dst = kbin.AppendNullableString(dst, flex, m.GroupInstanceID)
			}
			dst = kbin.AppendString(dst, flex, m.ClientID)
			dst = kbin.AppendString(dst, flex, m.ClientHost)
			if v >= 1 {
				dst = kbin.AppendInt32(dst, m.RebalanceTimeout)
			}
			dst = kbin.AppendInt32(dst, m.SessionTimeout)
			dst = kbin.AppendBytes(dst, flex, nonNil(m.Subscription))
			dst = kbin.AppendBytes(dst, flex, nonNil(m.Assignment))
			if flex {
				dst = appendTaggedFields(dst, nil, m.UnknownTags)
			}
		}
		if flex {
			dst = appendTaggedFields(dst, nil, g.UnknownTags)
		}
	case rec.Message != nil:
		dst = appendMessage(dst, rec.Message)
	default:
		dst = append(dst, rec.RawValue...)
	}
	return dst
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Text returns the key and value as Kafka >= 3.8 DumpLogSegments
// --offsets-decoder prints them, e.g.
//
//	{"type":"1","data":{"group":"g","topic":"t","partition":0}}
//	{"version":"3","data":{"offset":42,"leaderEpoch":0,"metadata":"","commitTimestamp":1700000000000}}
//
// A tombstone's value is "<DELETE>". Record types whose schemas this package
// does not decode show their bytes as {"hex":"..."} (Kafka prints "Unknown
// record type N at offset O, skipping." for types it does not know).
func (rec *GroupRecord) Text() (key, value string) {
	return kafkaText(int(rec.Type), rec.appendKeyData(nil), rec.Tombstone, rec.ValueVersion, func() []byte { return rec.appendValueData(nil) })
}

func (rec *GroupRecord) appendKeyData(dst []byte) []byte {
	o := newObject(dst)
	k := &rec.Key
	switch rec.Type.shape() {
	case shapeOffset:
		o.str("group", k.Group)
		o.str("topic", k.Topic)
		o.int("partition", int64(k.Partition))
	case shapeGroup:
		o.str("group", k.Group)
	case shapeGroupID:
		o.str("groupId", k.Group)
	case shapeGroupMember:
		o.str("groupId", k.Group)
		o.str("memberId", k.MemberID)
	case shapeGroupRegex:
		o.str("groupId", k.Group)
		o.str("regularExpression", k.RegularExpression)
	default:
		o.hex("hex", k.Raw)
	}
	return o.end()
}

func (rec *GroupRecord) appendValueData(dst []byte) []byte {
	v := rec.ValueVersion
	o := newObject(dst)
	switch {
	case rec.OffsetCommit != nil:
		c := rec.OffsetCommit
		o.int("offset", c.Offset)
		if v >= 3 {
			o.int("leaderEpoch", int64(c.LeaderEpoch))
		}
		o.str("metadata", c.Metadata)
		o.int("commitTimestamp", c.CommitTimestamp)
		if v == 1 {
			o.int("expireTimestamp", c.ExpireTimestamp)
		}
		if v >= 4 && c.TopicID != ([16]byte{}) {
			o.str("topicId", base64.RawURLEncoding.EncodeToString(c.TopicID[:]))
		}
	case rec.GroupMetadata != nil:
		g := rec.GroupMetadata
		o.str("protocolType", g.ProtocolType)
		o.int("generation", int64(g.Generation))
		o.nullableStr("protocol", g.Protocol)
		o.nullableStr("leader", g.Leader)
		if v >= 2 {
			o.int("currentStateTimestamp", g.CurrentStateTimestamp)
		}
		o.array("members", len(g.Members), func(dst []byte, i int) []byte {
			m := &g.Members[i]
			e := newObject(dst)
			e.str("memberId", m.MemberID)
			if v >= 3 {
				e.nullableStr("groupInstanceId", m.GroupInstanceID)
			}
			e.str("clientId", m.ClientID)
			e.str("clientHost", m.ClientHost)
			if v >= 1 {
				e.int("rebalanceTimeout", int64(m.RebalanceTimeout))
			}
			e.int("sessionTimeout", int64(m.SessionTimeout))
			if m.ConsumerSubscription != nil {
				e.raw("subscription", m.ConsumerSubscription.appendJSON(nil))
			} else {
				e.bytes("subscription", m.Subscription)
			}
			if m.ConsumerAssignment != nil {
				e.raw("assignment", m.ConsumerAssignment.appendJSON(nil))
			} else {
				e.bytes("assignment", m.Assignment)
			}
			return e.end()
		})
	case rec.Message != nil:
		return rec.Message.appendJSON(dst)
	default:
		o.hex("hex", rec.RawValue)
		if rec.ValueError != "" {
			o.str("error", rec.ValueError)
		}
	}
	return o.end()
}

// MarshalJSON renders kseg's NDJSON form: the record type as a number and a
// name, the key data, and the value data (null for a tombstone), with the
// same data objects Text prints.
//
//	{"type":1,"typeName":"OffsetCommit","key":{...},"tombstone":false,"valueVersion":3,"value":{...}}
func (rec *GroupRecord) MarshalJSON() ([]byte, error) {
	o := newObject(nil)
	o.int("type", int64(rec.Type))
	o.str("typeName", rec.Type.String())
	o.raw("key", rec.appendKeyData(nil))
	o.recordValue(rec.Tombstone, rec.ValueVersion, func() []byte { return rec.appendValueData(nil) })
	return o.end(), nil
}
