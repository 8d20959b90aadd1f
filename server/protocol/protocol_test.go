package protocol

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestFetchFramingAgainstKmsg frames Fetch responses of every version the
// server speaks by hand and decodes them with kmsg, an independent
// implementation.
func TestFetchFramingAgainstKmsg(t *testing.T) {
	recs := []byte("0123456789abcdef-pretend-batches")
	id := [16]byte{9, 8, 7, 6, 5, 4, 3, 2, 1}
	for v := int16(4); v <= 16; v++ {
		b := AppendResponseHeader(nil, 42, ResponseHeaderFlexible(int16(kmsg.Fetch), v))
		hdrLen := len(b)
		b = AppendFetchResponseStart(b, v, 0, 0, 2)
		b = AppendFetchTopicStart(b, v, "topic-a", id, 2)
		h1 := FetchPartitionHeader{PartitionIndex: 3, HighWatermark: 100, LastStableOffset: 90, LogStartOffset: 7,
			Aborted: []AbortedTransaction{{ProducerID: 5, FirstOffset: 11}}}
		b = AppendFetchPartition(b, v, &h1, int32(len(recs)))
		b = append(b, recs...)
		b = AppendFetchPartitionEnd(b, v)
		h2 := FetchPartitionHeader{PartitionIndex: 4, ErrorCode: ErrOffsetOutOfRange, HighWatermark: -1, LastStableOffset: -1, LogStartOffset: -1, AbortedNull: true}
		b = AppendFetchPartition(b, v, &h2, 0)
		b = AppendFetchPartitionEnd(b, v)
		b = AppendFetchTopicEnd(b, v)
		b = AppendFetchTopicStart(b, v, "b", [16]byte{}, 0)
		b = AppendFetchTopicEnd(b, v)
		b = AppendFetchResponseEnd(b, v)
		FinishFrame(b, 0)
		if int(binary.BigEndian.Uint32(b)) != len(b)-4 || int32(binary.BigEndian.Uint32(b[4:])) != 42 {
			t.Fatalf("v%d: bad frame", v)
		}
		resp := kmsg.NewPtrFetchResponse()
		resp.Version = v
		if err := resp.ReadFrom(b[hdrLen:]); err != nil {
			t.Fatalf("v%d: kmsg: %v", v, err)
		}
		if len(resp.Topics) != 2 || len(resp.Topics[0].Partitions) != 2 || len(resp.Topics[1].Partitions) != 0 {
			t.Fatalf("v%d: shape %+v", v, resp)
		}
		if v >= 13 && resp.Topics[0].TopicID != id || v < 13 && resp.Topics[0].Topic != "topic-a" {
			t.Errorf("v%d: topic %q %x", v, resp.Topics[0].Topic, resp.Topics[0].TopicID)
		}
		p := resp.Topics[0].Partitions[0]
		if p.Partition != 3 || p.HighWatermark != 100 || p.LastStableOffset != 90 || !bytes.Equal(p.RecordBatches, recs) ||
			len(p.AbortedTransactions) != 1 || p.AbortedTransactions[0].ProducerID != 5 || p.AbortedTransactions[0].FirstOffset != 11 {
			t.Errorf("v%d: partition %+v", v, p)
		}
		if v >= 5 && p.LogStartOffset != 7 {
			t.Errorf("v%d: log start %d", v, p.LogStartOffset)
		}
		q := resp.Topics[0].Partitions[1]
		if q.ErrorCode != ErrOffsetOutOfRange || q.AbortedTransactions != nil || q.RecordBatches == nil || len(q.RecordBatches) != 0 {
			t.Errorf("v%d: error partition %+v (records must be empty, not null)", v, q)
		}
	}
}

// TestParseRequestHeaders decodes requests in header v1 and v2 (with a
// tagged field in the header) and checks what kmsg decoded.
func TestParseRequestHeaders(t *testing.T) {
	for _, v := range []int16{11, 12, 16} {
		r := kmsg.NewPtrFetchRequest()
		r.Version, r.MaxBytes = v, 77
		r.Topics = []kmsg.FetchRequestTopic{{Topic: "x", Partitions: []kmsg.FetchRequestTopicPartition{{Partition: 2, FetchOffset: 9}}}}
		b := binary.BigEndian.AppendUint16(nil, 1)
		b = binary.BigEndian.AppendUint16(b, uint16(v))
		b = binary.BigEndian.AppendUint32(b, 5)
		b = binary.BigEndian.AppendUint16(b, 0xffff) // null client id
		if r.IsFlexible() {
			b = append(b, 1, 3, 2, 'h', 'i') // one unknown tag: 3, two bytes
		}
		b = r.AppendTo(b)
		got, err := ParseRequest(b)
		if err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		q := got.Body.(*kmsg.FetchRequest)
		if got.ClientID != nil || got.CorrelationID != 5 || q.MaxBytes != 77 || q.Topics[0].Partitions[0].FetchOffset != 9 {
			t.Errorf("v%d: %+v %+v", v, got, q)
		}
	}
	for _, bad := range [][]byte{
		{0, 1, 0, 12, 0, 0, 0, 1, 0, 0},               // flexible, no tag section
		{0, 1, 0, 12, 0, 0, 0, 1, 0, 0, 5, 1, 9},      // tag claims more bytes than there are
		{0, 1, 0, 11, 0, 0, 0, 1, 0, 9, 'a'},          // client id longer than the frame
		{0x7f, 0, 0, 0, 0, 0, 0, 1, 0, 0},             // unknown key
		{0, 1, 0x7f, 0, 0, 0, 0, 1, 0, 0},             // unknown version
		{0, 3, 0, 8, 0, 0, 0, 1, 0, 0, 0x7f, 0xff, 0}, // array count past the end
	} {
		if _, err := ParseRequest(bad); err == nil {
			t.Errorf("%x: accepted", bad)
		}
	}
}

// TestErrorResponseMirrorsRequest: an unsupported request is answered in
// its own layout, every entry carrying the error.
func TestErrorResponseMirrorsRequest(t *testing.T) {
	dr := kmsg.NewPtrDeleteRecordsRequest()
	dr.Version = 2
	dr.Topics = []kmsg.DeleteRecordsRequestTopic{{Topic: "a", Partitions: []kmsg.DeleteRecordsRequestTopicPartition{{Partition: 3}, {Partition: 4}}}}
	resp := ErrorResponse(dr, ErrUnsupportedVersion).(*kmsg.DeleteRecordsResponse)
	if len(resp.Topics) != 1 || resp.Topics[0].Topic != "a" || len(resp.Topics[0].Partitions) != 2 ||
		resp.Topics[0].Partitions[1].Partition != 4 || resp.Topics[0].Partitions[1].ErrorCode != ErrUnsupportedVersion {
		t.Errorf("delete records: %+v", resp)
	}
	of := kmsg.NewPtrDescribeProducersRequest()
	of.Topics = []kmsg.DescribeProducersRequestTopic{{Topic: "a", Partitions: []int32{7}}}
	pr := ErrorResponse(of, ErrUnsupportedVersion).(*kmsg.DescribeProducersResponse)
	if len(pr.Topics) != 1 || pr.Topics[0].Partitions[0].Partition != 7 || pr.Topics[0].Partitions[0].ErrorCode != ErrUnsupportedVersion {
		t.Errorf("describe producers: %+v", pr)
	}
	dc := kmsg.NewPtrDescribeClusterRequest()
	dc.Version = 1
	cr := ErrorResponse(dc, ErrUnsupportedVersion).(*kmsg.DescribeClusterResponse)
	if cr.ErrorCode != ErrUnsupportedVersion || cr.Version != 1 {
		t.Errorf("describe cluster: %+v", cr)
	}
	// It encodes, and kmsg decodes it back, in every version.
	for v := int16(0); v <= dr.MaxVersion(); v++ {
		dr.Version = v
		r := ErrorResponse(dr, ErrUnsupportedVersion)
		b := r.AppendTo(nil)
		back := kmsg.NewPtrDeleteRecordsResponse()
		back.Version = v
		if err := back.ReadFrom(b); err != nil || back.Topics[0].Partitions[0].ErrorCode != ErrUnsupportedVersion {
			t.Errorf("v%d: %v %+v", v, err, back)
		}
	}
}
