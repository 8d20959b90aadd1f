package protocol

import (
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func sp(s string) *string { return &s }

// frame prefixes a kmsg-encoded body with the request header its version
// uses (v1, or v2 with an empty tagged-field section when flexible).
func frame(r kmsg.Request) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(r.Key()))
	b = binary.BigEndian.AppendUint16(b, uint16(r.GetVersion()))
	b = binary.BigEndian.AppendUint32(b, 7)
	b = binary.BigEndian.AppendUint16(b, 3)
	b = append(b, "cli"...)
	if r.IsFlexible() {
		b = append(b, 0)
	}
	return r.AppendTo(b)
}

// elements counts slice elements and string bytes reachable from v: a bound
// on what decoding allocated.
func elements(v reflect.Value) int {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return 0
		}
		return elements(v.Elem())
	case reflect.Struct:
		n := 0
		for i := 0; i < v.NumField(); i++ {
			n += elements(v.Field(i))
		}
		return n
	case reflect.Slice:
		n := v.Len()
		if v.Type().Elem().Kind() != reflect.Uint8 {
			for i := 0; i < v.Len(); i++ {
				n += elements(v.Index(i))
			}
		}
		return n
	case reflect.String:
		return v.Len()
	}
	return 0
}

// fuzzSeeds are one request of every API the server answers.
func fuzzSeeds() []kmsg.Request {
	return []kmsg.Request{
		&kmsg.FetchRequest{Topics: []kmsg.FetchRequestTopic{{Topic: "t", TopicID: [16]byte{1}, Partitions: []kmsg.FetchRequestTopicPartition{{Partition: 1}}}}},
		&kmsg.ProduceRequest{Acks: -1, Topics: []kmsg.ProduceRequestTopic{{Topic: "t", Partitions: []kmsg.ProduceRequestTopicPartition{{Records: []byte{1}}}}}},
		&kmsg.MetadataRequest{Topics: []kmsg.MetadataRequestTopic{{Topic: sp("a")}}},
		&kmsg.ListOffsetsRequest{Topics: []kmsg.ListOffsetsRequestTopic{{Topic: "t", Partitions: []kmsg.ListOffsetsRequestTopicPartition{{Timestamp: -1}}}}},
		&kmsg.OffsetCommitRequest{Group: "g", Topics: []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Offset: 1}}}}},
		&kmsg.OffsetFetchRequest{Group: "g", Topics: []kmsg.OffsetFetchRequestTopic{{Topic: "t", Partitions: []int32{1}}}, Groups: []kmsg.OffsetFetchRequestGroup{{Group: "g"}}},
		&kmsg.FindCoordinatorRequest{CoordinatorKey: "g", CoordinatorKeys: []string{"g"}},
		&kmsg.JoinGroupRequest{Group: "g", ProtocolType: "consumer", Protocols: []kmsg.JoinGroupRequestProtocol{{Name: "r"}}},
		&kmsg.HeartbeatRequest{Group: "g"},
		&kmsg.LeaveGroupRequest{Group: "g", Members: []kmsg.LeaveGroupRequestMember{{MemberID: "m"}}},
		&kmsg.SyncGroupRequest{Group: "g", GroupAssignment: []kmsg.SyncGroupRequestGroupAssignment{{MemberID: "m"}}},
		&kmsg.ApiVersionsRequest{ClientSoftwareName: "a", ClientSoftwareVersion: "1"},
		&kmsg.InitProducerIDRequest{},
		&kmsg.DescribeClusterRequest{},
		&kmsg.DescribeConfigsRequest{Resources: []kmsg.DescribeConfigsRequestResource{{ResourceType: 2, ResourceName: "t"}}},
		&kmsg.DescribeLogDirsRequest{Topics: []kmsg.DescribeLogDirsRequestTopic{{Topic: "t", Partitions: []int32{0}}}},
		&kmsg.ListGroupsRequest{StatesFilter: []string{"Stable"}},
		&kmsg.DescribeGroupsRequest{Groups: []string{"g"}},
		&kmsg.DescribeProducersRequest{Topics: []kmsg.DescribeProducersRequestTopic{{Topic: "t", Partitions: []int32{0}}}},
		&kmsg.ListTransactionsRequest{},
		&kmsg.DescribeTransactionsRequest{TransactionalIDs: []string{"x"}},
		&kmsg.OffsetForLeaderEpochRequest{Topics: []kmsg.OffsetForLeaderEpochRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetForLeaderEpochRequestTopicPartition{{LeaderEpoch: 1}}}}},
		&kmsg.CreateTopicsRequest{Topics: []kmsg.CreateTopicsRequestTopic{{Topic: "t", NumPartitions: 1, ReplicationFactor: 1}}},
		&kmsg.DeleteRecordsRequest{Topics: []kmsg.DeleteRecordsRequestTopic{{Topic: "t", Partitions: []kmsg.DeleteRecordsRequestTopicPartition{{Offset: 1}}}}},
		&kmsg.ConsumerGroupDescribeRequest{Groups: []string{"g"}},
	}
}

// FuzzParseRequest feeds arbitrary frames to the request decoder (header,
// then kmsg) and, for whatever decodes, builds the error response in the
// request's layout and encodes it: neither may panic, and decoding may not
// allocate beyond the input.
func FuzzParseRequest(f *testing.F) {
	for _, r := range fuzzSeeds() {
		for v := int16(0); v <= r.MaxVersion(); v++ {
			r.SetVersion(v)
			f.Add(frame(r))
		}
	}
	f.Add([]byte{0, 1, 0, 11, 0, 0, 0, 1, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 1, 0, 12, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		key, ver, corr, ok := PeekHeader(b)
		req, err := ParseRequest(b)
		if !ok {
			if err == nil {
				t.Fatal("ParseRequest accepted what PeekHeader refused")
			}
			return
		}
		if err != nil {
			if req != nil {
				t.Fatal("request returned with error")
			}
			return
		}
		if req.Key != key || req.Version != ver || req.CorrelationID != corr || req.Body.GetVersion() != ver {
			t.Fatal("PeekHeader and ParseRequest disagree")
		}
		// Every decoded element is backed by at least one input byte.
		if n := elements(reflect.ValueOf(req.Body)); n > len(b) {
			t.Fatalf("decoded %d elements from %d bytes", n, len(b))
		}
		resp := ErrorResponse(req.Body, ErrUnsupportedVersion)
		out := AppendResponse(nil, corr, resp)
		if int(binary.BigEndian.Uint32(out)) != len(out)-4 {
			t.Fatal("bad frame size")
		}
	})
}
