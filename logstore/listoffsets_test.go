package logstore_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kseg/kseg/server/protocol"
)

// ListOffsets by timestamp on a magic 0 partition is UNSUPPORTED_FOR_MESSAGE_FORMAT,
// as Kafka's UnifiedLog.fetchOffsetByTimestamp answers it (issue 11 item 4 in
// serve); on magic 1 and 2 it finds an offset.
func TestListOffsetsByTimestampMagic0(t *testing.T) {
	addr := serve(t, sample, false)
	_, cl := admin(t, addr)
	for _, tc := range []struct {
		topic string
		code  int16
	}{
		{"legacy-v0", protocol.ErrUnsupportedForMessageFmt},
		{"legacy-v1", protocol.ErrNone},
		{"orders", protocol.ErrNone},
	} {
		req := kmsg.NewPtrListOffsetsRequest()
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = tc.topic
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = 0
		rp.Timestamp = 0 // the first offset with a timestamp >= 0
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx10(t), cl)
		if err != nil {
			t.Fatalf("%s: %v", tc.topic, err)
		}
		got := resp.Topics[0].Partitions[0]
		if got.ErrorCode != tc.code {
			t.Errorf("%s: error code %d, want %d", tc.topic, got.ErrorCode, tc.code)
		}
		if tc.code == protocol.ErrNone && got.Offset < 0 {
			t.Errorf("%s: offset %d, want one found", tc.topic, got.Offset)
		}
	}
}
