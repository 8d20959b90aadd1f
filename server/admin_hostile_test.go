package server

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/server/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestAdminHostile sends every admin API hostile but decodable requests
// (names that would traverse out of LOGDIR, unknown partitions, ids and
// groups, huge filters) and undecodable ones, at every version it speaks:
// decodable ones get answers with errors, undecodable ones close the
// connection, and nothing outside LOGDIR is read or written.
func TestAdminHostile(t *testing.T) {
	s := newTestData(t, false)
	outside := filepath.Join(filepath.Dir(s.dir), "x-0")
	os.MkdirAll(outside, 0o755)
	t.Cleanup(func() { os.RemoveAll(outside) })
	addr := startServer(t, s, Config{})
	bad := []string{"../x", "/etc", "a/b", "..", ".", "", "x\x00", "../" + filepath.Base(s.dir) + "/t-none"}

	reqs := []kmsg.Request{}
	for _, n := range bad {
		reqs = append(reqs,
			&kmsg.DescribeConfigsRequest{Resources: []kmsg.DescribeConfigsRequestResource{{ResourceType: 2, ResourceName: n}, {ResourceType: 4, ResourceName: n}, {ResourceType: 99, ResourceName: n}}},
			&kmsg.DescribeLogDirsRequest{Topics: []kmsg.DescribeLogDirsRequestTopic{{Topic: n, Partitions: []int32{0, -1, 1 << 30}}}},
			&kmsg.DescribeProducersRequest{Topics: []kmsg.DescribeProducersRequestTopic{{Topic: n, Partitions: []int32{0, -1}}}},
			&kmsg.OffsetForLeaderEpochRequest{Topics: []kmsg.OffsetForLeaderEpochRequestTopic{{Topic: n, Partitions: []kmsg.OffsetForLeaderEpochRequestTopicPartition{{Partition: 0, LeaderEpoch: 5}}}}},
			&kmsg.DescribeGroupsRequest{Groups: []string{n}},
			&kmsg.ConsumerGroupDescribeRequest{Groups: []string{n, n}},
			&kmsg.DescribeTopicPartitionsRequest{Topics: []kmsg.DescribeTopicPartitionsRequestTopic{{Topic: n}, {Topic: n}}, ResponsePartitionLimit: -5,
				Cursor: &kmsg.DescribeTopicPartitionsRequestCursor{Topic: n, Partition: 1 << 30}},
			&kmsg.DescribeTopicPartitionsRequest{Topics: []kmsg.DescribeTopicPartitionsRequestTopic{{Topic: n}}, Cursor: &kmsg.DescribeTopicPartitionsRequestCursor{Topic: "zz", Partition: -1}},
			&kmsg.DescribeTransactionsRequest{TransactionalIDs: []string{n}},
			&kmsg.CreateTopicsRequest{Topics: []kmsg.CreateTopicsRequestTopic{{Topic: n, NumPartitions: 1, ReplicationFactor: 1}}},
			&kmsg.DeleteRecordsRequest{Topics: []kmsg.DeleteRecordsRequestTopic{{Topic: n, Partitions: []kmsg.DeleteRecordsRequestTopicPartition{{Offset: -1}}}}},
		)
	}
	reqs = append(reqs,
		&kmsg.DescribeClusterRequest{EndpointType: 7},
		&kmsg.DescribeTopicPartitionsRequest{ResponsePartitionLimit: 1 << 30},
		&kmsg.DescribeTopicPartitionsRequest{Cursor: &kmsg.DescribeTopicPartitionsRequestCursor{Topic: "", Partition: 1 << 30}},
		&kmsg.ListGroupsRequest{StatesFilter: make([]string, 1000), TypesFilter: []string{"x"}},
		&kmsg.ListTransactionsRequest{StateFilters: []string{"Nope"}, ProducerIDFilters: []int64{-1}, DurationFilterMillis: 1 << 62},
		&kmsg.OffsetForLeaderEpochRequest{Topics: []kmsg.OffsetForLeaderEpochRequestTopic{{Topic: "t-none", Partitions: []kmsg.OffsetForLeaderEpochRequestTopicPartition{{Partition: 0, LeaderEpoch: -7}, {Partition: 9}}}}},
	)
	rc := dialRaw(t, addr)
	for _, r := range reqs {
		max := r.MaxVersion()
		if m, ok := map[int16]int16{60: 1, 32: 4, 35: 4, 16: 5, 15: 5, 69: 0, 75: 0, 61: 0, 66: 1, 65: 0, 23: 4, 19: 7, 21: 2}[r.Key()]; ok {
			max = m
		}
		for v := int16(0); v <= max; v++ {
			r.SetVersion(v)
			resp := r.ResponseKind()
			rc.do(r, resp)
		}
	}
	// Every per-entry answer is an error for the traversal names.
	for _, n := range bad {
		q := &kmsg.DescribeConfigsRequest{Version: 4, Resources: []kmsg.DescribeConfigsRequestResource{{ResourceType: 2, ResourceName: n}}}
		resp := kmsg.NewPtrDescribeConfigsResponse()
		rc.do(q, resp)
		if resp.Resources[0].ErrorCode == 0 {
			t.Errorf("DescribeConfigs %q: no error", n)
		}
		cq := &kmsg.CreateTopicsRequest{Version: 7, Topics: []kmsg.CreateTopicsRequestTopic{{Topic: n, NumPartitions: 1, ReplicationFactor: 1}}}
		cresp := kmsg.NewPtrCreateTopicsResponse()
		rc.do(cq, cresp)
		if cresp.Topics[0].ErrorCode == 0 {
			t.Errorf("CreateTopics %q: no error", n)
		}
	}
	// Undecodable bodies of each new API close the connection.
	for _, key := range []int16{60, 32, 35, 16, 15, 69, 75, 61, 66, 65, 23, 19, 21} {
		r := kmsg.RequestForKey(key)
		r.SetVersion(0)
		c := dialRaw(t, addr)
		c.send(key, 0, []byte{0x7f, 0xff, 0xff, 0xff})
		if key == 16 {
			// ListGroups v0 has no body: it decodes and is answered.
			if _, err := c.recv(); err != nil {
				t.Errorf("ListGroups v0: %v", err)
			}
			continue
		}
		c.expectClosed()
	}
	for _, n := range s.askedNames() {
		if !ValidTopicName(n) {
			t.Errorf("store was asked for %q", n)
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("something was written outside LOGDIR: %v", ents)
	}
	healthy(t, addr)

	// A writable server answers the write APIs per entry.
	ws := newTestData(t, true)
	waddr := startServer(t, ws, Config{})
	wc := dialRaw(t, waddr)
	for _, n := range bad {
		dr := &kmsg.DeleteRecordsRequest{Version: 2, Topics: []kmsg.DeleteRecordsRequestTopic{{Topic: n, Partitions: []kmsg.DeleteRecordsRequestTopicPartition{{Offset: -1}}}}}
		dresp := kmsg.NewPtrDeleteRecordsResponse()
		wc.do(dr, dresp)
		if c := dresp.Topics[0].Partitions[0].ErrorCode; c != protocol.ErrUnknownTopicOrPartition {
			t.Errorf("DeleteRecords %q: error %d", n, c)
		}
		ct := &kmsg.CreateTopicsRequest{Version: 7, Topics: []kmsg.CreateTopicsRequestTopic{{Topic: n, NumPartitions: 1, ReplicationFactor: 1}}}
		cresp := kmsg.NewPtrCreateTopicsResponse()
		wc.do(ct, cresp)
		if cresp.Topics[0].ErrorCode == protocol.ErrNone {
			t.Errorf("CreateTopics %q accepted", n)
		}
	}
	for _, n := range ws.askedNames() {
		if !ValidTopicName(n) {
			t.Errorf("writable store was asked for %q", n)
		}
	}
}

// TestUnsupportedAPIAnswered: an API kseg serve does not implement (here
// DeleteTopics, AlterConfigs) or a version above the advertised one gets
// UNSUPPORTED_VERSION in the request's own layout, and the connection stays
// usable.
func TestUnsupportedAPIAnswered(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	rc := dialRaw(t, addr)
	dt := kmsg.NewPtrDeleteTopicsRequest()
	dt.Version = 5
	dt.TopicNames = []string{"t-none", "multi"}
	dresp := kmsg.NewPtrDeleteTopicsResponse()
	rc.do(dt, dresp)
	if len(dresp.Topics) != 2 || dresp.Topics[1].Topic == nil || *dresp.Topics[1].Topic != "multi" || dresp.Topics[1].ErrorCode != protocol.ErrUnsupportedVersion {
		t.Errorf("DeleteTopics: %+v", dresp)
	}
	ac := kmsg.NewPtrAlterConfigsRequest()
	ac.Resources = []kmsg.AlterConfigsRequestResource{{ResourceType: 2, ResourceName: "t-none"}}
	aresp := kmsg.NewPtrAlterConfigsResponse()
	rc.do(ac, aresp)
	if len(aresp.Resources) != 1 || aresp.Resources[0].ResourceName != "t-none" || aresp.Resources[0].ErrorCode != protocol.ErrUnsupportedVersion {
		t.Errorf("AlterConfigs: %+v", aresp)
	}
	// Metadata v13 (above our 12) and CreateTopics on a read-only server
	// (not advertised there).
	md := kmsg.NewPtrMetadataRequest()
	md.Version = 13
	mresp := kmsg.NewPtrMetadataResponse()
	rc.do(md, mresp)
	if mresp.ErrorCode != protocol.ErrUnsupportedVersion {
		t.Errorf("Metadata v13: error %d", mresp.ErrorCode)
	}
	ct := kmsg.NewPtrCreateTopicsRequest()
	ct.Version = 7
	ct.Topics = []kmsg.CreateTopicsRequestTopic{{Topic: "n", NumPartitions: 1, ReplicationFactor: 1}}
	cresp := kmsg.NewPtrCreateTopicsResponse()
	rc.do(ct, cresp)
	if cresp.Topics[0].ErrorCode != protocol.ErrUnsupportedVersion {
		t.Errorf("CreateTopics read-only: %+v", cresp.Topics[0])
	}
	healthy(t, addr)
}
