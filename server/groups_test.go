package server

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func commitRaw(t *testing.T, rc *rawConn, group string, offset int64) {
	t.Helper()
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version, req.Group, req.Generation = 7, group, -1
	req.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "multi", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 1, Offset: offset, LeaderEpoch: -1}}},
		{Topic: "nope", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 1}}}}
	resp := kmsg.NewPtrOffsetCommitResponse()
	rc.do(req, resp)
	if c := resp.Topics[0].Partitions[0].ErrorCode; c != 0 {
		t.Fatalf("commit: error %d", c)
	}
	if c := resp.Topics[1].Partitions[0].ErrorCode; c != 3 {
		t.Fatalf("commit to unknown topic: error %d", c)
	}
}

func fetchCommitted(t *testing.T, rc *rawConn, group string) int64 {
	t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Version, req.Group = 5, group
	req.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: "multi", Partitions: []int32{1}}}
	resp := kmsg.NewPtrOffsetFetchResponse()
	rc.do(req, resp)
	return resp.Topics[0].Partitions[0].Offset
}

// Committed offsets survive a restart through the side file.
func TestOffsetsFilePersists(t *testing.T) {
	file := filepath.Join(t.TempDir(), "offsets.json")
	s := newTestData(t, false)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, s, Config{OffsetsFile: file}) }()
	rc := dialRaw(t, ln.Addr().String())
	commitRaw(t, rc, "pg", 5)
	if got := fetchCommitted(t, rc, "pg"); got != 5 {
		t.Fatalf("committed %d", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, s, Config{OffsetsFile: file})
	if got := fetchCommitted(t, dialRaw(t, addr), "pg"); got != 5 {
		t.Fatalf("after restart: committed %d", got)
	}
	if got := fetchCommitted(t, dialRaw(t, addr), "other"); got != -1 {
		t.Fatalf("unknown group: %d", got)
	}
}

// A member that stops heartbeating is evicted after its session timeout;
// a second member's join round completes without it.
func TestGroupSessionExpiry(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	join := func(rc *rawConn, member string) *kmsg.JoinGroupResponse {
		req := kmsg.NewPtrJoinGroupRequest()
		req.Version, req.Group, req.MemberID, req.ProtocolType = 5, "eg", member, "consumer"
		req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = 400, 2000
		req.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: []byte{1}}}
		resp := kmsg.NewPtrJoinGroupResponse()
		rc.do(req, resp)
		return resp
	}
	a := dialRaw(t, addr)
	ja := join(a, "")
	if ja.ErrorCode != 0 || ja.LeaderID != ja.MemberID || len(ja.Members) != 1 {
		t.Fatalf("join: %+v", ja)
	}
	sreq := kmsg.NewPtrSyncGroupRequest()
	sreq.Version, sreq.Group, sreq.Generation, sreq.MemberID = 3, "eg", ja.Generation, ja.MemberID
	sreq.GroupAssignment = []kmsg.SyncGroupRequestGroupAssignment{{MemberID: ja.MemberID, MemberAssignment: []byte("mine")}}
	sresp := kmsg.NewPtrSyncGroupResponse()
	a.do(sreq, sresp)
	if sresp.ErrorCode != 0 || string(sresp.MemberAssignment) != "mine" {
		t.Fatalf("sync: %+v", sresp)
	}
	hreq := kmsg.NewPtrHeartbeatRequest()
	hreq.Version, hreq.Group, hreq.Generation, hreq.MemberID = 3, "eg", ja.Generation, ja.MemberID
	hresp := kmsg.NewPtrHeartbeatResponse()
	a.do(hreq, hresp)
	if hresp.ErrorCode != 0 {
		t.Fatalf("heartbeat: %d", hresp.ErrorCode)
	}
	// a goes silent; b joins and, once a expired, leads alone.
	start := time.Now()
	jb := join(dialRaw(t, addr), "")
	if jb.ErrorCode != 0 || jb.LeaderID != jb.MemberID || len(jb.Members) != 1 || jb.Generation <= ja.Generation {
		t.Fatalf("second join: %+v", jb)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("join round took %v", d)
	}
	hresp = kmsg.NewPtrHeartbeatResponse()
	a.do(hreq, hresp)
	if hresp.ErrorCode != 25 {
		t.Fatalf("expired member's heartbeat: error %d", hresp.ErrorCode)
	}
}
