package protocol

import (
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// frame prefixes a kmsg-encoded body with request header v1.
func frame(key, v int16, body []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(v))
	b = binary.BigEndian.AppendUint32(b, 7)
	b = binary.BigEndian.AppendUint16(b, 3)
	b = append(b, "cli"...)
	return append(b, body...)
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

func FuzzDecodeRequest(f *testing.F) {
	seeds := []kmsg.Request{
		&kmsg.FetchRequest{Topics: []kmsg.FetchRequestTopic{{Topic: "t", Partitions: []kmsg.FetchRequestTopicPartition{{Partition: 1}}}}},
		&kmsg.ProduceRequest{Acks: -1, Topics: []kmsg.ProduceRequestTopic{{Topic: "t", Partitions: []kmsg.ProduceRequestTopicPartition{{Records: []byte{1}}}}}},
		&kmsg.MetadataRequest{Topics: []kmsg.MetadataRequestTopic{{Topic: sp("a")}}},
		&kmsg.ListOffsetsRequest{Topics: []kmsg.ListOffsetsRequestTopic{{Topic: "t", Partitions: []kmsg.ListOffsetsRequestTopicPartition{{Timestamp: -1}}}}},
		&kmsg.OffsetCommitRequest{Group: "g", Topics: []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Offset: 1}}}}},
		&kmsg.OffsetFetchRequest{Group: "g", Topics: []kmsg.OffsetFetchRequestTopic{{Topic: "t", Partitions: []int32{1}}}},
		&kmsg.FindCoordinatorRequest{CoordinatorKey: "g"},
		&kmsg.JoinGroupRequest{Group: "g", ProtocolType: "consumer", Protocols: []kmsg.JoinGroupRequestProtocol{{Name: "r"}}},
		&kmsg.HeartbeatRequest{Group: "g"},
		&kmsg.LeaveGroupRequest{Group: "g", Members: []kmsg.LeaveGroupRequestMember{{MemberID: "m"}}},
		&kmsg.SyncGroupRequest{Group: "g", GroupAssignment: []kmsg.SyncGroupRequestGroupAssignment{{MemberID: "m"}}},
		&kmsg.ApiVersionsRequest{},
		&kmsg.InitProducerIDRequest{},
	}
	for _, r := range seeds {
		for v := int16(0); v <= MaxVersion[r.Key()]; v++ {
			r.SetVersion(v)
			f.Add(frame(r.Key(), v, r.AppendTo(nil)))
		}
	}
	f.Add([]byte{0, 1, 0, 11, 0, 0, 0, 1, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		key, ver, _, ok := PeekHeader(b)
		hdr, body, err := ParseHeader(b)
		if !ok {
			if err == nil {
				t.Fatal("ParseHeader accepted what PeekHeader refused")
			}
			return
		}
		if err != nil {
			return
		}
		if hdr.APIKey != key || hdr.APIVersion != ver {
			t.Fatal("PeekHeader and ParseHeader disagree")
		}
		req, err := DecodeRequest(hdr.APIKey, hdr.APIVersion, body)
		if err != nil {
			if req != nil {
				t.Fatal("request returned with error")
			}
			return
		}
		// Every decoded element is backed by at least one input byte.
		if n := elements(reflect.ValueOf(req)); n > len(body) {
			t.Fatalf("decoded %d elements from %d bytes", n, len(body))
		}
	})
}
