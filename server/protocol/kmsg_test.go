package protocol

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// franz-go's kmsg is used here only as an independent encoder/decoder to
// cross-check our codec, version by version.

func sp(s string) *string { return &s }

func decodeOK(t *testing.T, key, v int16, body []byte) Request {
	t.Helper()
	req, err := DecodeRequest(key, v, body)
	if err != nil {
		t.Fatalf("key %d v%d: %v", key, v, err)
	}
	// Every strict prefix must fail cleanly (no panic, no success).
	for i := 0; i < len(body); i++ {
		if _, err := DecodeRequest(key, v, body[:i]); err == nil {
			t.Fatalf("key %d v%d: prefix of %d/%d bytes decoded", key, v, i, len(body))
		}
	}
	return req
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %#v want %#v", what, got, want)
	}
}

func TestRequestsAgainstKmsg(t *testing.T) {
	for v := int16(0); v <= MaxVersion[KeyProduce]; v++ {
		k := kmsg.NewPtrProduceRequest()
		k.Version = v
		k.TransactionID = sp("tx")
		k.Acks = -1
		k.TimeoutMillis = 1234
		k.Topics = []kmsg.ProduceRequestTopic{{Topic: "a", Partitions: []kmsg.ProduceRequestTopicPartition{{Partition: 3, Records: []byte{1, 2, 3}}, {Partition: 4}}}}
		q := decodeOK(t, KeyProduce, v, k.AppendTo(nil)).(*ProduceRequest)
		want := &ProduceRequest{Acks: -1, TimeoutMs: 1234, Topics: []ProduceTopic{{Name: "a", Partitions: []ProducePartition{{3, []byte{1, 2, 3}}, {4, nil}}}}}
		if v >= 3 {
			want.TransactionalID, want.HasTransactionalID = "tx", true
		}
		eq(t, fmt.Sprintf("produce v%d", v), q, want)
	}
	for v := int16(0); v <= MaxVersion[KeyFetch]; v++ {
		k := kmsg.NewPtrFetchRequest()
		k.Version = v
		k.ReplicaID, k.MaxWaitMillis, k.MinBytes, k.MaxBytes, k.IsolationLevel = -1, 500, 1, 1000, 1
		k.SessionID, k.SessionEpoch, k.Rack = 9, 8, "rack"
		k.Topics = []kmsg.FetchRequestTopic{{Topic: "t", Partitions: []kmsg.FetchRequestTopicPartition{{Partition: 2, CurrentLeaderEpoch: 5, FetchOffset: 77, LogStartOffset: 3, PartitionMaxBytes: 99}}}}
		k.ForgottenTopics = []kmsg.FetchRequestForgottenTopic{{Topic: "f", Partitions: []int32{1, 2}}}
		q := decodeOK(t, KeyFetch, v, k.AppendTo(nil)).(*FetchRequest)
		want := &FetchRequest{ReplicaID: -1, MaxWaitMs: 500, MinBytes: 1, MaxBytes: 0x7fffffff, SessionEpoch: -1,
			Topics: []FetchTopic{{Topic: "t", Partitions: []FetchPartition{{Partition: 2, CurrentLeaderEpoch: -1, FetchOffset: 77, LogStartOffset: -1, PartitionMaxBytes: 99}}}}}
		if v >= 3 {
			want.MaxBytes = 1000
		}
		if v >= 4 {
			want.IsolationLevel = 1
		}
		if v >= 5 {
			want.Topics[0].Partitions[0].LogStartOffset = 3
		}
		if v >= 7 {
			want.SessionID, want.SessionEpoch = 9, 8
			want.Forgotten = []FetchForgotten{{Topic: "f", Partitions: []int32{1, 2}}}
		}
		if v >= 9 {
			want.Topics[0].Partitions[0].CurrentLeaderEpoch = 5
		}
		if v >= 11 {
			want.RackID = "rack"
		}
		eq(t, fmt.Sprintf("fetch v%d", v), q, want)
	}
	for v := int16(0); v <= MaxVersion[KeyListOffsets]; v++ {
		k := kmsg.NewPtrListOffsetsRequest()
		k.Version = v
		k.ReplicaID, k.IsolationLevel = -1, 1
		k.Topics = []kmsg.ListOffsetsRequestTopic{{Topic: "t", Partitions: []kmsg.ListOffsetsRequestTopicPartition{{Partition: 1, CurrentLeaderEpoch: 4, Timestamp: -2, MaxNumOffsets: 1}}}}
		q := decodeOK(t, KeyListOffsets, v, k.AppendTo(nil)).(*ListOffsetsRequest)
		want := &ListOffsetsRequest{ReplicaID: -1, Topics: []ListOffsetsTopic{{Name: "t", Partitions: []ListOffsetsPartition{{PartitionIndex: 1, CurrentLeaderEpoch: -1, Timestamp: -2}}}}}
		if v == 0 {
			want.Topics[0].Partitions[0].MaxNumOffsets = 1
		}
		if v >= 2 {
			want.IsolationLevel = 1
		}
		if v >= 4 {
			want.Topics[0].Partitions[0].CurrentLeaderEpoch = 4
		}
		eq(t, fmt.Sprintf("listoffsets v%d", v), q, want)
	}
	for v := int16(0); v <= MaxVersion[KeyMetadata]; v++ {
		k := kmsg.NewPtrMetadataRequest()
		k.Version = v
		k.Topics = []kmsg.MetadataRequestTopic{{Topic: sp("x")}, {Topic: sp("y")}}
		k.AllowAutoTopicCreation = false
		q := decodeOK(t, KeyMetadata, v, k.AppendTo(nil)).(*MetadataRequest)
		eq(t, fmt.Sprintf("metadata v%d", v), q.Topics, []string{"x", "y"})
		eq(t, "all", q.AllTopics, false)
		eq(t, "auto", q.AllowAutoTopicCreation, v < 4)
		k.Topics = nil // null in v1+, empty (= all) in v0
		q = decodeOK(t, KeyMetadata, v, k.AppendTo(nil)).(*MetadataRequest)
		eq(t, fmt.Sprintf("metadata v%d all", v), q.AllTopics, true)
	}
	for v := int16(0); v <= MaxVersion[KeyOffsetCommit]; v++ {
		k := kmsg.NewPtrOffsetCommitRequest()
		k.Version = v
		k.Group, k.Generation, k.MemberID, k.InstanceID, k.RetentionTimeMillis = "g", 3, "m", sp("i"), 1000
		k.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 1, Offset: 42, Timestamp: 7, LeaderEpoch: 2, Metadata: sp("md")}}}}
		q := decodeOK(t, KeyOffsetCommit, v, k.AppendTo(nil)).(*OffsetCommitRequest)
		want := &OffsetCommitRequest{GroupID: "g", GenerationID: -1, RetentionTimeMs: -1,
			Topics: []OffsetCommitTopic{{Name: "t", Partitions: []OffsetCommitPartition{{PartitionIndex: 1, CommittedOffset: 42, CommittedLeaderEpoch: -1, CommitTimestamp: -1, Metadata: "md", HasMetadata: true}}}}}
		if v >= 1 {
			want.GenerationID, want.MemberID = 3, "m"
		}
		if v == 1 {
			want.Topics[0].Partitions[0].CommitTimestamp = 7
		}
		if v >= 2 && v <= 4 {
			want.RetentionTimeMs = 1000
		}
		if v >= 6 {
			want.Topics[0].Partitions[0].CommittedLeaderEpoch = 2
		}
		if v >= 7 {
			want.GroupInstanceID, want.HasInstanceID = "i", true
		}
		eq(t, fmt.Sprintf("offsetcommit v%d", v), q, want)
	}
	for v := int16(0); v <= MaxVersion[KeyOffsetFetch]; v++ {
		k := kmsg.NewPtrOffsetFetchRequest()
		k.Version = v
		k.Group = "g"
		k.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: "t", Partitions: []int32{0, 5}}}
		q := decodeOK(t, KeyOffsetFetch, v, k.AppendTo(nil)).(*OffsetFetchRequest)
		eq(t, fmt.Sprintf("offsetfetch v%d", v), q, &OffsetFetchRequest{GroupID: "g", Topics: []OffsetFetchTopic{{"t", []int32{0, 5}}}})
		if v >= 2 {
			k.Topics = nil
			q = decodeOK(t, KeyOffsetFetch, v, k.AppendTo(nil)).(*OffsetFetchRequest)
			eq(t, "offsetfetch all", q.AllTopics, true)
		}
	}
	for v := int16(0); v <= MaxVersion[KeyFindCoordinator]; v++ {
		k := kmsg.NewPtrFindCoordinatorRequest()
		k.Version, k.CoordinatorKey, k.CoordinatorType = v, "g", 1
		q := decodeOK(t, KeyFindCoordinator, v, k.AppendTo(nil)).(*FindCoordinatorRequest)
		want := &FindCoordinatorRequest{Key: "g"}
		if v >= 1 {
			want.KeyType = 1
		}
		eq(t, fmt.Sprintf("findcoordinator v%d", v), q, want)
	}
	for v := int16(0); v <= MaxVersion[KeyJoinGroup]; v++ {
		k := kmsg.NewPtrJoinGroupRequest()
		k.Version = v
		k.Group, k.SessionTimeoutMillis, k.RebalanceTimeoutMillis, k.MemberID, k.InstanceID, k.ProtocolType = "g", 6000, 9000, "m", sp("i"), "consumer"
		k.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: []byte{9}}}
		q := decodeOK(t, KeyJoinGroup, v, k.AppendTo(nil)).(*JoinGroupRequest)
		want := &JoinGroupRequest{GroupID: "g", SessionTimeoutMs: 6000, RebalanceTimeoutMs: 6000, MemberID: "m", ProtocolType: "consumer",
			Protocols: []JoinGroupProtocol{{"range", []byte{9}}}}
		if v >= 1 {
			want.RebalanceTimeoutMs = 9000
		}
		if v >= 5 {
			want.GroupInstanceID, want.HasInstanceID = "i", true
		}
		eq(t, fmt.Sprintf("joingroup v%d", v), q, want)
	}
	for v := int16(0); v <= MaxVersion[KeyHeartbeat]; v++ {
		k := kmsg.NewPtrHeartbeatRequest()
		k.Version, k.Group, k.Generation, k.MemberID, k.InstanceID = v, "g", 4, "m", sp("i")
		q := decodeOK(t, KeyHeartbeat, v, k.AppendTo(nil)).(*HeartbeatRequest)
		want := &HeartbeatRequest{GroupID: "g", GenerationID: 4, MemberID: "m"}
		if v >= 3 {
			want.GroupInstanceID = "i"
		}
		eq(t, fmt.Sprintf("heartbeat v%d", v), q, want)
	}
	for v := int16(0); v <= MaxVersion[KeyLeaveGroup]; v++ {
		k := kmsg.NewPtrLeaveGroupRequest()
		k.Version, k.Group, k.MemberID = v, "g", "m"
		k.Members = []kmsg.LeaveGroupRequestMember{{MemberID: "m", InstanceID: sp("i")}}
		q := decodeOK(t, KeyLeaveGroup, v, k.AppendTo(nil)).(*LeaveGroupRequest)
		want := &LeaveGroupRequest{GroupID: "g", Members: []LeaveGroupMember{{MemberID: "m"}}}
		if v >= 3 {
			want.Members[0].GroupInstanceID, want.Members[0].HasInstanceID = "i", true
		}
		eq(t, fmt.Sprintf("leavegroup v%d", v), q, want)
	}
	for v := int16(0); v <= MaxVersion[KeySyncGroup]; v++ {
		k := kmsg.NewPtrSyncGroupRequest()
		k.Version, k.Group, k.Generation, k.MemberID, k.InstanceID = v, "g", 2, "m", sp("i")
		k.GroupAssignment = []kmsg.SyncGroupRequestGroupAssignment{{MemberID: "m", MemberAssignment: []byte{1, 2}}}
		q := decodeOK(t, KeySyncGroup, v, k.AppendTo(nil)).(*SyncGroupRequest)
		want := &SyncGroupRequest{GroupID: "g", GenerationID: 2, MemberID: "m", Assignments: []SyncGroupAssignment{{"m", []byte{1, 2}}}}
		if v >= 3 {
			want.GroupInstanceID = "i"
		}
		eq(t, fmt.Sprintf("syncgroup v%d", v), q, want)
	}
	for v := int16(0); v <= MaxVersion[KeyInitProducerID]; v++ {
		k := kmsg.NewPtrInitProducerIDRequest()
		k.Version, k.TransactionTimeoutMillis = v, 60000
		q := decodeOK(t, KeyInitProducerID, v, k.AppendTo(nil)).(*InitProducerIDRequest)
		eq(t, fmt.Sprintf("initproducerid v%d", v), q, &InitProducerIDRequest{TransactionTimeoutMs: 60000})
	}
	for v := int16(0); v <= MaxVersion[KeyApiVersions]; v++ {
		k := kmsg.NewPtrApiVersionsRequest()
		k.Version = v
		decodeOK(t, KeyApiVersions, v, k.AppendTo(nil))
	}
}

// roundTrip decodes our encoding with kmsg, re-encodes it with kmsg and
// demands identical bytes: same fields, same order, same widths.
func roundTrip(t *testing.T, name string, v int16, ours appenderT, theirs kmsg.Response) {
	t.Helper()
	var w Writer
	ours.AppendTo(&w, v)
	theirs.SetVersion(v)
	if err := theirs.ReadFrom(w.B); err != nil {
		t.Fatalf("%s v%d: kmsg cannot decode ours: %v", name, v, err)
	}
	if again := theirs.AppendTo(nil); !bytes.Equal(again, w.B) {
		t.Errorf("%s v%d:\nours   %x\nkmsg's %x", name, v, w.B, again)
	}
}

type appenderT interface{ AppendTo(*Writer, int16) }

func TestResponsesAgainstKmsg(t *testing.T) {
	for v := int16(0); v <= 2; v++ {
		roundTrip(t, "apiversions", v, &ApiVersionsResponse{APIKeys: []ApiVersion{{1, 0, 11}, {18, 0, 2}}}, kmsg.NewPtrApiVersionsResponse())
	}
	for v := int16(0); v <= 8; v++ {
		r := &MetadataResponse{Brokers: []MetadataBroker{{0, "127.0.0.1", 9092}}, ClusterID: "kseg", Topics: []MetadataTopic{
			{Name: "t", Partitions: []MetadataPartition{{PartitionIndex: 1, LeaderEpoch: -1, ReplicaNodes: []int32{0}, IsrNodes: []int32{0}}}},
			{ErrorCode: 3, Name: "u"}}}
		roundTrip(t, "metadata", v, r, kmsg.NewPtrMetadataResponse())
		m := kmsg.NewPtrMetadataResponse()
		var w Writer
		r.AppendTo(&w, v)
		m.Version = v
		if err := m.ReadFrom(w.B); err != nil || m.Topics[0].Partitions[0].Partition != 1 || *m.Topics[0].Topic != "t" {
			t.Fatalf("metadata v%d: %v %+v", v, err, m)
		}
	}
	for v := int16(1); v <= 5; v++ {
		roundTrip(t, "listoffsets", v, &ListOffsetsResponse{Topics: []ListOffsetsTopicResponse{{Name: "t", Partitions: []ListOffsetsPartitionResponse{{1, 0, 55, 66, -1}}}}}, kmsg.NewPtrListOffsetsResponse())
	}
	roundTrip(t, "listoffsets", 0, &ListOffsetsResponse{Topics: []ListOffsetsTopicResponse{{Name: "t", Partitions: []ListOffsetsPartitionResponse{{1, 0, -1, 66, -1}}}}}, kmsg.NewPtrListOffsetsResponse())
	for v := int16(0); v <= 8; v++ {
		roundTrip(t, "produce", v, &ProduceResponse{Topics: []ProduceTopicResponse{{Name: "t", Partitions: []ProducePartitionResponse{{Index: 0, BaseOffset: 7, LogAppendTimeMs: -1, LogStartOffset: 0}}}}}, kmsg.NewPtrProduceResponse())
	}
	for v := int16(0); v <= 2; v++ {
		roundTrip(t, "findcoordinator", v, &FindCoordinatorResponse{NodeID: 0, Host: "h", Port: 1}, kmsg.NewPtrFindCoordinatorResponse())
	}
	for v := int16(0); v <= 1; v++ {
		roundTrip(t, "initproducerid", v, &InitProducerIDResponse{ProducerID: 5}, kmsg.NewPtrInitProducerIDResponse())
	}
	for v := int16(0); v <= 5; v++ {
		roundTrip(t, "joingroup", v, &JoinGroupResponse{GenerationID: 1, ProtocolName: "range", Leader: "a", MemberID: "a",
			Members: []JoinGroupMember{{MemberID: "a", Metadata: []byte{1}}, {MemberID: "b", GroupInstanceID: "i", HasInstanceID: v >= 5}}}, kmsg.NewPtrJoinGroupResponse())
	}
	for v := int16(0); v <= 3; v++ {
		roundTrip(t, "syncgroup", v, &SyncGroupResponse{Assignment: []byte{1, 2}}, kmsg.NewPtrSyncGroupResponse())
		roundTrip(t, "heartbeat", v, &HeartbeatResponse{ErrorCode: 27}, kmsg.NewPtrHeartbeatResponse())
		roundTrip(t, "leavegroup", v, &LeaveGroupResponse{Members: []LeaveGroupMemberResponse{{MemberID: "m"}}}, kmsg.NewPtrLeaveGroupResponse())
	}
	for v := int16(0); v <= 7; v++ {
		roundTrip(t, "offsetcommit", v, &OffsetCommitResponse{Topics: []OffsetCommitTopicResponse{{Name: "t", Partitions: []OffsetCommitPartitionResponse{{1, 22}}}}}, kmsg.NewPtrOffsetCommitResponse())
	}
	for v := int16(0); v <= 5; v++ {
		roundTrip(t, "offsetfetch", v, &OffsetFetchResponse{Topics: []OffsetFetchTopicResponse{{Name: "t", Partitions: []OffsetFetchPartitionResponse{{PartitionIndex: 1, CommittedOffset: 9, CommittedLeaderEpoch: -1, Metadata: "m"}}}}}, kmsg.NewPtrOffsetFetchResponse())
	}
	for v := int16(0); v <= 11; v++ {
		var w Writer
		AppendFetchResponseStart(&w, v, 0, 0, 1)
		AppendFetchTopicStart(&w, "t", 2)
		AppendFetchPartition(&w, v, &FetchPartitionHeader{PartitionIndex: 0, HighWatermark: 10, LastStableOffset: 9, LogStartOffset: 1,
			Aborted: []AbortedTransaction{{7, 3}}}, 3)
		w.B = append(w.B, 1, 2, 3)
		AppendFetchPartition(&w, v, &FetchPartitionHeader{PartitionIndex: 1, ErrorCode: 1, HighWatermark: -1, LastStableOffset: -1, LogStartOffset: -1, AbortedNull: true}, -1)
		k := kmsg.NewPtrFetchResponse()
		k.Version = v
		if err := k.ReadFrom(w.B); err != nil {
			t.Fatalf("fetch v%d: %v", v, err)
		}
		if again := k.AppendTo(nil); !bytes.Equal(again, w.B) {
			t.Errorf("fetch v%d:\nours   %x\nkmsg's %x", v, w.B, again)
		}
		p := k.Topics[0].Partitions[0]
		if !bytes.Equal(p.RecordBatches, []byte{1, 2, 3}) || p.HighWatermark != 10 {
			t.Errorf("fetch v%d: %+v", v, p)
		}
	}
}
