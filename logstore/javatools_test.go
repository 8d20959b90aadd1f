package logstore_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kseg/kseg/coordinator"
	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/logstore"
	"github.com/kseg/kseg/metadata/metadatatest"
	"github.com/kseg/kseg/server"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The tests in this file replay, request by request, what Kafka's own
// command-line tools send through the Java AdminClient, and assert the
// response fields those tools print. Neither Java nor a Kafka distribution
// is available to the tests, so the sequences are read from apache/kafka
// (trunk of October 2024, which became 4.0, and the 3.7.0 tag) and cited at
// each step.

// javaRelease is a Java client's request version ranges: the validVersions
// of clients/src/main/resources/common/message/*Request.json.
type javaRelease struct {
	name        string
	apiVersions int16
	max         map[int16]int16
}

var (
	java37 = javaRelease{"3.7", 3, map[int16]int16{
		3: 12, 60: 1, 32: 4, 46: 0, 16: 4, 15: 5, 10: 4, 9: 9, 2: 8, 35: 4, 66: 0, 65: 0, 61: 0,
		// ConsumerGroupDescribe (69) v0 is latestVersionUnstable in 3.7 and
		// DescribeConsumerGroupsHandler does not use it before 3.8;
		// DescribeTopicPartitions (75) does not exist before 3.8.
	}}
	java40 = javaRelease{"4.0", 4, map[int16]int16{
		3: 12, 60: 1, 75: 0, 32: 4, 46: 0, 16: 5, 15: 5, 69: 0, 10: 6, 9: 9, 2: 10, 35: 4, 66: 1, 65: 0, 61: 0,
	}}
	javaReleases = []javaRelease{java37, java40}
)

// javaClient speaks to serve as the Java client's NetworkClient does: it
// opens with ApiVersions at the client's newest version (KIP-511: a broker
// that does not know it answers UNSUPPORTED_VERSION with its own range, and
// the client retries at that version), then sends every request at the
// highest version both sides support (NodeApiVersions.latestUsableVersion).
// An API the broker does not advertise is not sent: the Java client raises
// UnsupportedVersionException, which supports reports.
type javaClient struct {
	t      *testing.T
	rel    javaRelease
	c      net.Conn
	corr   int32
	broker map[int16]int16
	// cluster is the cluster id serve must report (meta.properties).
	cluster string
}

func (j *javaClient) clusterID() string {
	if j.cluster == "" {
		return "kseg-sample-cluster-0001"
	}
	return j.cluster
}

func dialJava(t *testing.T, addr string, rel javaRelease) *javaClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	j := &javaClient{t: t, rel: rel, c: c}
	v := rel.apiVersions
	for try := 0; ; try++ {
		req := kmsg.NewPtrApiVersionsRequest()
		req.Version = v
		req.ClientSoftwareName, req.ClientSoftwareVersion = "apache-kafka-java", rel.name+".0"
		body := j.roundTrip(req)
		// An error answer comes in the v0 layout (ApiVersionsResponse
		// has no tagged fields before v3; KIP-511).
		probe := kmsg.NewPtrApiVersionsResponse()
		probe.Version = 0
		if err := probe.ReadFrom(body); err == nil && probe.ErrorCode == 35 && try == 0 {
			var next int16 = -1
			for _, k := range probe.ApiKeys {
				if k.ApiKey == 18 {
					next = k.MaxVersion
				}
			}
			if next < 0 || next >= v {
				t.Fatalf("ApiVersions v%d refused without a lower version: %+v", v, probe)
			}
			v = next
			continue
		}
		resp := kmsg.NewPtrApiVersionsResponse()
		resp.Version = v
		if err := resp.ReadFrom(body); err != nil || resp.ErrorCode != 0 {
			t.Fatalf("ApiVersions v%d: %v %+v", v, err, resp)
		}
		j.broker = map[int16]int16{}
		for _, k := range resp.ApiKeys {
			j.broker[k.ApiKey] = k.MaxVersion
		}
		return j
	}
}

// version is the version the Java client would send key at.
func (j *javaClient) version(key int16) (int16, bool) {
	cm, ok := j.rel.max[key]
	bm, bok := j.broker[key]
	if !ok || !bok {
		return 0, false
	}
	return min(cm, bm), true
}

func (j *javaClient) supports(key int16) bool { _, ok := j.version(key); return ok }

// roundTrip sends req at its set version and returns the response body
// after the response header.
func (j *javaClient) roundTrip(req kmsg.Request) []byte {
	j.t.Helper()
	j.corr++
	b := binary.BigEndian.AppendUint32(nil, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(req.Key()))
	b = binary.BigEndian.AppendUint16(b, uint16(req.GetVersion()))
	b = binary.BigEndian.AppendUint32(b, uint32(j.corr))
	b = binary.BigEndian.AppendUint16(b, uint16(len("adminclient-1")))
	b = append(b, "adminclient-1"...)
	if req.IsFlexible() {
		b = append(b, 0) // request header v2: no tagged fields
	}
	b = req.AppendTo(b)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	if _, err := j.c.Write(b); err != nil {
		j.t.Fatal(err)
	}
	j.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var hdr [8]byte
	if _, err := io.ReadFull(j.c, hdr[:]); err != nil {
		j.t.Fatalf("%T v%d: %v", req, req.GetVersion(), err)
	}
	if got := int32(binary.BigEndian.Uint32(hdr[4:])); got != j.corr {
		j.t.Fatalf("correlation id %d, want %d", got, j.corr)
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr[:4])-4)
	if _, err := io.ReadFull(j.c, body); err != nil {
		j.t.Fatal(err)
	}
	if req.IsFlexible() && req.Key() != 18 {
		if len(body) == 0 || body[0] != 0 {
			j.t.Fatalf("%T: response header v1 tagged fields %x", req, body[:min(len(body), 1)])
		}
		body = body[1:]
	}
	return body
}

// call sends req at the negotiated version; the API must be supported.
func (j *javaClient) call(req kmsg.Request) kmsg.Response {
	j.t.Helper()
	v, ok := j.version(req.Key())
	if !ok {
		j.t.Fatalf("%T: not advertised (the Java client would fail with UnsupportedVersionException)", req)
	}
	req.SetVersion(v)
	body := j.roundTrip(req)
	resp := kmsg.ResponseForKey(req.Key())
	resp.SetVersion(v)
	if err := resp.ReadFrom(body); err != nil {
		j.t.Fatalf("%T v%d: %v", resp, v, err)
	}
	return resp
}

// bootstrap is AdminMetadataManager's first request: Metadata for no
// topics with auto-creation allowed (MetadataRequest.Builder(emptyList,
// true)); the admin client needs brokers, the cluster id and the controller.
func (j *javaClient) bootstrap() *kmsg.MetadataResponse {
	j.t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	req.Topics, req.AllowAutoTopicCreation = []kmsg.MetadataRequestTopic{}, true
	resp := j.call(req).(*kmsg.MetadataResponse)
	if len(resp.Brokers) != 1 || resp.Brokers[0].NodeID != 0 || resp.ControllerID != 0 || resp.ClusterID == nil ||
		*resp.ClusterID != j.clusterID() || len(resp.Topics) != 0 {
		j.t.Fatalf("bootstrap metadata: %+v", resp)
	}
	if resp.Version >= 8 && resp.AuthorizedOperations != -2147483648 {
		j.t.Errorf("cluster authorized operations %d when not requested", resp.AuthorizedOperations)
	}
	return resp
}

// describeClusterNodes is KafkaAdminClient.describeCluster: DescribeCluster
// (broker endpoints) when advertised, else Metadata for no topics.
func (j *javaClient) describeClusterNodes() []int32 {
	j.t.Helper()
	if !j.supports(60) {
		j.t.Fatal("DescribeCluster not advertised")
	}
	req := kmsg.NewPtrDescribeClusterRequest()
	req.EndpointType = 1
	resp := j.call(req).(*kmsg.DescribeClusterResponse)
	if resp.ErrorCode != 0 || resp.ClusterID != j.clusterID() || resp.ControllerID != 0 {
		j.t.Fatalf("describe cluster: %+v", resp)
	}
	var ids []int32
	for _, b := range resp.Brokers {
		if b.Host == "" || b.Port == 0 {
			j.t.Fatalf("broker without endpoint: %+v", b)
		}
		ids = append(ids, b.NodeID)
	}
	return ids
}

// findCoordinators is CoordinatorStrategy: FindCoordinator v4+ batches the
// keys (coordinatorKeys); keyType 0 groups, 1 transactions.
func (j *javaClient) findCoordinators(keyType int8, keys ...string) {
	j.t.Helper()
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.CoordinatorType, req.CoordinatorKeys = keyType, keys
	resp := j.call(req).(*kmsg.FindCoordinatorResponse)
	if resp.Version < 4 {
		j.t.Fatalf("FindCoordinator v%d: the Java client batches only from v4", resp.Version)
	}
	if len(resp.Coordinators) != len(keys) {
		j.t.Fatalf("coordinators %+v for %v", resp.Coordinators, keys)
	}
	for i, c := range resp.Coordinators {
		if c.Key != keys[i] || c.ErrorCode != 0 || c.NodeID != 0 || c.Port == 0 {
			j.t.Fatalf("coordinator of %q: %+v", keys[i], c)
		}
	}
}

// leaderMetadata is PartitionLeaderStrategy's lookup: Metadata for the
// topics without auto-creation; every partition must be led by node 0.
func (j *javaClient) leaderMetadata(topics ...string) *kmsg.MetadataResponse {
	j.t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	for _, tn := range topics {
		req.Topics = append(req.Topics, kmsg.MetadataRequestTopic{Topic: kmsg.StringPtr(tn)})
	}
	resp := j.call(req).(*kmsg.MetadataResponse)
	for _, t := range resp.Topics {
		if t.ErrorCode != 0 {
			j.t.Fatalf("metadata %v: %+v", topics, t)
		}
		if resp.Version >= 8 && t.AuthorizedOperations != -2147483648 {
			j.t.Errorf("%s: topic authorized operations %d when not requested", *t.Topic, t.AuthorizedOperations)
		}
		for _, p := range t.Partitions {
			if p.Leader != 0 || !reflect.DeepEqual(p.Replicas, []int32{0}) || !reflect.DeepEqual(p.ISR, []int32{0}) {
				j.t.Fatalf("%s-%d: %+v", *t.Topic, p.Partition, p)
			}
		}
	}
	return resp
}

// kip848Value encodes a flexible coordinator record value at version 0:
// the version, the body, and an empty tagged-field section. Written here
// from the group-coordinator *Value.json schemas, independently of the
// coordinator package's decoder.
func kip848Value(body []byte) []byte {
	return append(append([]byte{0, 0}, body...), 0)
}

func cstr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s)+1)), s...)
}

func i32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }

// topicPartitions is one TopicPartitions array of one topic (TopicId,
// Partitions, tagged fields).
func topicPartitions(b []byte, id [16]byte, parts ...int32) []byte {
	b = binary.AppendUvarint(b, 2)
	b = append(b, id[:]...)
	b = binary.AppendUvarint(b, uint64(len(parts)+1))
	for _, p := range parts {
		b = i32(b, p)
	}
	return append(b, 0)
}

// javaLogDir is adminLogDir plus:
//   - __consumer_offsets-1: KIP-848 consumer group "cg848", Stable at epoch
//     5 with member "mA" (client-a, /10.0.0.2, server assignor "range")
//     and static member "mB" (instance "static-b", rack "rack-1", regex
//     subscription "pay.*") whose only partition is of a topic id no
//     partition.metadata names (left out of its described assignments),
//     owning and targeted at orders-0, committed at orders-0 offset 20;
//   - payments-0: transactional batches of producer 4000 (epoch 3, offsets
//     0–1) and 5000 (epoch 1, offset 2), neither with a marker;
//   - __transaction_state-0 rewritten: "tx-a" (producer 4000) Ongoing on
//     payments-0, "tx-b" CompleteCommit. Producer 5000 has no
//     transactional id: its transaction on payments-0 is hanging.
func javaLogDir(t *testing.T) string {
	dir := adminLogDir(t)
	id := topicID(t, dir, "orders-0")
	key := func(typ coordinator.RecordType, member string) []byte {
		r := &coordinator.GroupRecord{Type: typ, Key: coordinator.GroupKey{Group: "cg848", MemberID: member}}
		return r.AppendKey(nil)
	}
	var member []byte
	member = append(member, 0, 0) // InstanceId, RackId: null
	member = cstr(member, "client-a")
	member = cstr(member, "/10.0.0.2")
	member = cstr(binary.AppendUvarint(member, 2), "orders") // SubscribedTopicNames
	member = append(member, 0)                               // SubscribedTopicRegex: null
	member = i32(member, 45000)                              // RebalanceTimeoutMs
	member = cstr(member, "range")                           // ServerAssignor
	var current []byte
	current = i32(i32(current, 5), 4) // MemberEpoch, PreviousMemberEpoch
	current = append(current, 0)      // State: stable
	current = topicPartitions(current, id, 0)
	current = binary.AppendUvarint(current, 1) // PartitionsPendingRevocation: empty
	var memberB []byte
	memberB = cstr(memberB, "static-b") // InstanceId
	memberB = cstr(memberB, "rack-1")   // RackId
	memberB = cstr(memberB, "client-b")
	memberB = cstr(memberB, "/10.0.0.3")
	memberB = binary.AppendUvarint(memberB, 1) // SubscribedTopicNames: empty
	memberB = cstr(memberB, "pay.*")           // SubscribedTopicRegex
	memberB = i32(memberB, 45000)
	memberB = append(memberB, 0) // ServerAssignor: null
	gone := [16]byte{0xde, 0xad}
	var currentB []byte
	currentB = i32(i32(currentB, 5), 4)
	currentB = append(currentB, 0)
	currentB = topicPartitions(currentB, gone, 7)
	currentB = binary.AppendUvarint(currentB, 1)
	off := &coordinator.GroupRecord{Type: coordinator.TypeOffsetCommit, Key: coordinator.GroupKey{Group: "cg848", Topic: "orders", Partition: 0},
		ValueVersion: 3, OffsetCommit: &coordinator.OffsetCommitValue{Offset: 20, LeaderEpoch: 1, CommitTimestamp: 1700000000000, ExpireTimestamp: -1}}
	writeLog(t, dir, "__consumer_offsets-1", [][2][]byte{
		{key(coordinator.TypeConsumerGroupMetadata, ""), kip848Value(i32(nil, 5))},
		{key(coordinator.TypeConsumerGroupMemberMetadata, "mA"), kip848Value(member)},
		{key(coordinator.TypeConsumerGroupTargetAssignmentMember, "mA"), kip848Value(topicPartitions(nil, id, 0))},
		{key(coordinator.TypeConsumerGroupTargetAssignmentMetadata, ""), kip848Value(i32(nil, 5))},
		{key(coordinator.TypeConsumerGroupCurrentMemberAssignment, "mA"), kip848Value(current)},
		{key(coordinator.TypeConsumerGroupMemberMetadata, "mB"), kip848Value(memberB)},
		{key(coordinator.TypeConsumerGroupTargetAssignmentMember, "mB"), kip848Value(topicPartitions(nil, gone, 7))},
		{key(coordinator.TypeConsumerGroupCurrentMemberAssignment, "mB"), kip848Value(currentB)},
		{off.AppendKey(nil), off.AppendValue(nil)},
	})

	pdir := filepath.Join(dir, "payments-0")
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		t.Fatal(err)
	}
	var seg []byte
	for _, b := range []struct {
		base, pid int64
		epoch     int16
		n         int
	}{{0, 4000, 3, 2}, {2, 5000, 1, 1}} {
		o := format.BatchOptions{Magic: 2, BaseOffset: b.base, PartitionLeaderEpoch: 0, ProducerID: b.pid, ProducerEpoch: b.epoch, Transactional: true}
		msgs := make([]format.Message, b.n)
		for i := range msgs {
			msgs[i] = format.Message{Value: []byte("pay"), Timestamp: 1700000001000 + b.base + int64(i)}
		}
		var err error
		if seg, err = format.AppendBatch(seg, o, msgs); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(pdir, "00000000000000000000.log"), seg, 0o644); err != nil {
		t.Fatal(err)
	}

	txn := func(id string, pid int64, st coordinator.TxnState, parts []coordinator.TxnPartitions) [2][]byte {
		r := &coordinator.TxnRecord{TransactionalID: id, Value: &coordinator.TransactionLogValue{ProducerID: pid, PreviousProducerID: -1, NextProducerID: -1,
			ProducerEpoch: 3, TransactionTimeoutMs: 60000, TransactionStatus: st, TransactionPartitions: parts,
			TransactionLastUpdateTimestampMs: 1700000001500, TransactionStartTimestampMs: 1700000001000}}
		return [2][]byte{r.AppendKey(nil), r.AppendValue(nil)}
	}
	writeLog(t, dir, "__transaction_state-0",
		[][2][]byte{txn("tx-a", 4000, coordinator.TxnOngoing, []coordinator.TxnPartitions{{Topic: "payments", PartitionIDs: []int32{0}}})},
		[][2][]byte{txn("tx-b", 4001, coordinator.TxnCompleteCommit, nil), txn("tx-dead", 4002, coordinator.TxnDead, nil)})
	// A KRaft broker's metadata log: payments was created with
	// retention.ms=3600000 (a ConfigRecord), which kafka-topics.sh prints
	// among its configs; the log itself is no topic to the tools.
	w, err := metadatatest.Create(filepath.Join(dir, "__cluster_metadata-0", "00000000000000000000.log"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Batch(metadatatest.Rec(12, 0, "name", "metadata.version", "featureLevel", 20),
		metadatatest.Rec(2, 0, "name", "payments", "topicId", metadatatest.ID(1)),
		metadatatest.Rec(4, 0, "resourceType", 2, "resourceName", "payments", "name", "retention.ms", "value", "3600000")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func javaServe(t *testing.T) (dir, addr string) {
	dir = javaLogDir(t)
	before := testutil.HashTree(t, dir)
	t.Cleanup(func() {
		if after := testutil.HashTree(t, dir); !reflect.DeepEqual(before, after) {
			t.Errorf("the tools' requests changed the log dir")
		}
	})
	return dir, serveCfg(t, dir, server.Config{ReadOnly: true})
}

// TestJavaTopicsDescribe replays `kafka-topics.sh --describe --topic orders`
// (tools/.../TopicCommand.java describeTopic):
//  1. getTopics → Admin.listTopics(listInternal) → Metadata for all topics;
//  2. describeTopics(names) → describeCluster (DescribeCluster), then
//     DescribeTopicPartitions (3.8+, KIP-966) when advertised, else — its
//     handleUnsupportedVersionException — Metadata for the topics
//     (KafkaAdminClient.generateDescribeTopicsCallWithMetadataApi);
//  3. describeConfigs(TOPIC orders) → DescribeConfigs;
//  4. describeCluster again for the live brokers;
//  5. listPartitionReassignments → ListPartitionReassignments, whose
//     UnsupportedVersionException TopicCommand.listAllReassignments turns
//     into "no reassignments".
//
// It prints "Topic: orders TopicId: <id> PartitionCount: 1
// ReplicationFactor: 1 Configs: <non-default entries>" and per partition
// "Partition: 0 Leader: 0 Replicas: 0 Isr: 0".
func TestJavaTopicsDescribe(t *testing.T) {
	dir, addr := javaServe(t)
	for _, rel := range javaReleases {
		t.Run(rel.name, func(t *testing.T) {
			j := dialJava(t, addr, rel)
			j.bootstrap()
			all := kmsg.NewPtrMetadataRequest() // Topics nil: all topics
			mr := j.call(all).(*kmsg.MetadataResponse)
			internal := map[string]bool{}
			for _, tp := range mr.Topics {
				internal[*tp.Topic] = tp.IsInternal
			}
			if _, ok := internal["__cluster_metadata"]; ok {
				t.Errorf("listTopics shows the KRaft metadata log: %v", internal)
			}
			if v, ok := internal["orders"]; !ok || v || !internal["__consumer_offsets"] || !internal["__transaction_state"] {
				t.Fatalf("listTopics: %v", internal)
			}
			if nodes := j.describeClusterNodes(); !reflect.DeepEqual(nodes, []int32{0}) {
				t.Fatalf("nodes %v", nodes)
			}
			wantID := topicID(t, dir, "orders-0")
			if j.supports(75) {
				req := kmsg.NewPtrDescribeTopicPartitionsRequest()
				req.Topics = []kmsg.DescribeTopicPartitionsRequestTopic{{Topic: "orders"}}
				req.ResponsePartitionLimit = 2000
				resp := j.call(req).(*kmsg.DescribeTopicPartitionsResponse)
				if len(resp.Topics) != 1 || resp.NextCursor != nil {
					t.Fatalf("describe topic partitions: %+v", resp)
				}
				tp := resp.Topics[0]
				if tp.ErrorCode != 0 || tp.Topic == nil || *tp.Topic != "orders" || tp.TopicID != wantID || tp.IsInternal ||
					// Every topic carries its operations, unasked
					// (DescribeTopicPartitionsRequestHandler): a broker
					// without an authorizer, all a topic supports.
					len(tp.Partitions) != 1 || tp.AuthorizedOperations != 3576 {
					t.Fatalf("orders: %+v", tp)
				}
				p := tp.Partitions[0]
				if p.ErrorCode != 0 || p.Partition != 0 || p.LeaderID != 0 || !reflect.DeepEqual(p.Replicas, []int32{0}) ||
					!reflect.DeepEqual(p.ISR, []int32{0}) || len(p.OfflineReplicas) != 0 ||
					// Null ELR lists would fail the Java client's
					// DescribeTopicPartitionsResponse.partitionToTopicPartitionInfo.
					p.EligibleLeaderReplicas == nil || p.LastKnownELR == nil {
					t.Fatalf("orders-0: %+v", p)
				}
			} else {
				mr := j.leaderMetadata("orders")
				if len(mr.Topics) != 1 || mr.Topics[0].TopicID != wantID || len(mr.Topics[0].Partitions) != 1 {
					t.Fatalf("describeTopics via Metadata: %+v", mr.Topics)
				}
			}
			dc := kmsg.NewPtrDescribeConfigsRequest()
			dc.Resources = []kmsg.DescribeConfigsRequestResource{{ResourceType: 2, ResourceName: "orders"}}
			cr := j.call(dc).(*kmsg.DescribeConfigsResponse)
			if len(cr.Resources) != 1 || cr.Resources[0].ErrorCode != 0 || cr.Resources[0].ResourceName != "orders" {
				t.Fatalf("describe configs: %+v", cr)
			}
			byName := map[string]kmsg.DescribeConfigsResponseResourceConfig{}
			for _, c := range cr.Resources[0].Configs {
				byName[c.Name] = c
			}
			// ConfigEntry.isDefault is source == DEFAULT_CONFIG (5);
			// TopicCommand prints the entries that are not.
			if c := byName["retention.ms"]; c.Value == nil || *c.Value != "604800000" || c.Source != 5 {
				t.Errorf("retention.ms: %+v", c)
			}
			if c := byName["cleanup.policy"]; c.Value == nil || *c.Value != "delete" || c.Source != 5 {
				t.Errorf("cleanup.policy: %+v", c)
			}
			// The non-default entries kafka-topics.sh prints as Configs:
			// payments' retention.ms from the KRaft metadata log's
			// ConfigRecord (DYNAMIC_TOPIC_CONFIG, 1), and the configs the
			// broker sets on __consumer_offsets when it creates it.
			nonDefault := func(topic string) map[string]string {
				dc := kmsg.NewPtrDescribeConfigsRequest()
				dc.Resources = []kmsg.DescribeConfigsRequestResource{{ResourceType: 2, ResourceName: topic}}
				cr := j.call(dc).(*kmsg.DescribeConfigsResponse)
				out := map[string]string{}
				for _, c := range cr.Resources[0].Configs {
					if c.Source != 5 && c.Value != nil {
						out[c.Name] = fmt.Sprintf("%s (source %d)", *c.Value, c.Source)
					}
				}
				return out
			}
			if nd := nonDefault("payments"); !reflect.DeepEqual(nd, map[string]string{"retention.ms": "3600000 (source 1)"}) {
				t.Errorf("payments non-default configs: %v", nd)
			}
			if nd := nonDefault("__consumer_offsets"); !strings.HasPrefix(nd["cleanup.policy"], "compact") {
				t.Errorf("__consumer_offsets non-default configs: %v", nd)
			}
			j.describeClusterNodes()
			if j.supports(46) {
				t.Fatal("ListPartitionReassignments advertised: replay its answer here")
			}
		})
	}
}

// describeGroup is ConsumerGroupCommand.describeConsumerGroups →
// KafkaAdminClient.describeConsumerGroups → DescribeConsumerGroupsHandler:
// FindCoordinator, then ConsumerGroupDescribe (3.8+) and, for a group it
// answers GROUP_ID_NOT_FOUND or UNSUPPORTED_VERSION or when it is not
// advertised, DescribeGroups. It returns the tool's view: state, assignor
// (partitionAssignor), type, and member → assigned partitions, or
// state "Dead" for a group that does not exist.
type javaGroup struct {
	state, assignor, typ string
	members              map[string][]string // "memberId client host" → sorted "topic-partition"
}

func (j *javaClient) describeGroup(id string) javaGroup {
	j.t.Helper()
	j.findCoordinators(0, id)
	if j.supports(69) {
		req := kmsg.NewPtrConsumerGroupDescribeRequest()
		req.Groups = []string{id}
		resp := j.call(req).(*kmsg.ConsumerGroupDescribeResponse)
		if len(resp.Groups) != 1 || resp.Groups[0].Group != id {
			j.t.Fatalf("consumer group describe: %+v", resp)
		}
		g := resp.Groups[0]
		switch g.ErrorCode {
		case 0:
			out := javaGroup{state: g.State, assignor: g.AssignorName, typ: "Consumer", members: map[string][]string{}}
			for _, m := range g.Members {
				var tps []string
				for _, tp := range m.Assignment.TopicPartitions {
					for _, p := range tp.Partitions {
						tps = append(tps, fmt.Sprintf("%s-%d", tp.Topic, p))
					}
				}
				sort.Strings(tps)
				out.members[m.MemberID+" "+m.ClientID+" "+m.ClientHost] = tps
			}
			return out
		case 69: // GROUP_ID_NOT_FOUND: retry with DescribeGroups
		default:
			j.t.Fatalf("consumer group describe %s: error %d", id, g.ErrorCode)
		}
	}
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Groups = []string{id}
	resp := j.call(req).(*kmsg.DescribeGroupsResponse)
	if len(resp.Groups) != 1 || resp.Groups[0].ErrorCode != 0 {
		j.t.Fatalf("describe groups: %+v", resp)
	}
	g := resp.Groups[0]
	if g.ProtocolType != "consumer" && g.ProtocolType != "" {
		j.t.Fatalf("%s is not a consumer group (%s)", id, g.ProtocolType)
	}
	out := javaGroup{state: g.State, assignor: g.Protocol, typ: "Classic", members: map[string][]string{}}
	for _, m := range g.Members {
		var tps []string
		if len(m.MemberAssignment) > 0 {
			a, err := coordinator.DecodeConsumerAssignment(m.MemberAssignment)
			if err != nil {
				j.t.Fatalf("member %s assignment: %v", m.MemberID, err)
			}
			for _, tp := range a.AssignedPartitions {
				for _, p := range tp.Partitions {
					tps = append(tps, fmt.Sprintf("%s-%d", tp.Topic, p))
				}
			}
		}
		sort.Strings(tps)
		out.members[m.MemberID+" "+m.ClientID+" "+m.ClientHost] = tps
	}
	return out
}

// committed is ConsumerGroupCommand.getCommittedOffsets →
// listConsumerGroupOffsets → ListConsumerGroupOffsetsHandler:
// FindCoordinator, then OffsetFetch in the multi-group form (v8+) for all
// partitions (topics null), requireStable false.
func (j *javaClient) committed(id string) map[string]int64 {
	j.t.Helper()
	j.findCoordinators(0, id)
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Groups = []kmsg.OffsetFetchRequestGroup{{Group: id}}
	resp := j.call(req).(*kmsg.OffsetFetchResponse)
	if resp.Version < 8 || len(resp.Groups) != 1 || resp.Groups[0].Group != id || resp.Groups[0].ErrorCode != 0 {
		j.t.Fatalf("offset fetch: %+v", resp)
	}
	out := map[string]int64{}
	for _, tp := range resp.Groups[0].Topics {
		for _, p := range tp.Partitions {
			if p.ErrorCode != 0 {
				j.t.Fatalf("offset fetch %s-%d: error %d", tp.Topic, p.Partition, p.ErrorCode)
			}
			if p.Offset >= 0 { // -1: no offset, which the admin client maps to null
				out[fmt.Sprintf("%s-%d", tp.Topic, p.Partition)] = p.Offset
			}
		}
	}
	return out
}

// logEnd is getLogEndOffsets → Admin.listOffsets(latest) →
// ListOffsetsHandler: Metadata for the leaders, then ListOffsets
// (timestamp -1, read_uncommitted).
func (j *javaClient) logEnd(topic string, partition int32) int64 {
	j.t.Helper()
	j.leaderMetadata(topic)
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	req.Topics = []kmsg.ListOffsetsRequestTopic{{Topic: topic, Partitions: []kmsg.ListOffsetsRequestTopicPartition{{Partition: partition, CurrentLeaderEpoch: -1, Timestamp: -1}}}}
	resp := j.call(req).(*kmsg.ListOffsetsResponse)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 || resp.Topics[0].Partitions[0].ErrorCode != 0 {
		j.t.Fatalf("list offsets: %+v", resp)
	}
	return resp.Topics[0].Partitions[0].Offset
}

// listGroups is Admin.listConsumerGroups: Metadata for no topics to find
// every broker ("findAllBrokers"), then ListGroups to each with the state
// and type filters; only groups whose protocol type is "consumer" or ""
// are consumer groups (maybeAddConsumerGroup). It returns "id type state".
func (j *javaClient) listGroups(states, types []string) []string {
	j.t.Helper()
	md := kmsg.NewPtrMetadataRequest()
	md.Topics, md.AllowAutoTopicCreation = []kmsg.MetadataRequestTopic{}, true
	if r := j.call(md).(*kmsg.MetadataResponse); len(r.Brokers) != 1 {
		j.t.Fatalf("brokers %+v", r.Brokers)
	}
	req := kmsg.NewPtrListGroupsRequest()
	req.StatesFilter, req.TypesFilter = states, types
	if len(types) > 0 {
		if v, _ := j.version(16); v < 5 {
			j.t.Fatalf("ListGroups v%d cannot carry a type filter", v)
		}
	}
	resp := j.call(req).(*kmsg.ListGroupsResponse)
	if resp.ErrorCode != 0 {
		j.t.Fatalf("list groups: %+v", resp)
	}
	var out []string
	for _, g := range resp.Groups {
		if g.ProtocolType == "consumer" || g.ProtocolType == "" {
			out = append(out, g.Group+" "+g.GroupType+" "+g.GroupState)
		}
	}
	sort.Strings(out)
	return out
}

// TestJavaConsumerGroups replays kafka-consumer-groups.sh
// (tools/.../consumer/group/ConsumerGroupCommand.java):
//   - --list: listGroups → listConsumerGroups (no filters);
//   - --list --type consumer --state Stable (4.x): listConsumerGroupsWithFilters;
//   - --describe [--offsets]: collectGroupsOffsets → describeConsumerGroups,
//     getCommittedOffsets, getLogEndOffsets (lag = log end − committed);
//   - --describe --members: collectGroupsMembers → describeConsumerGroups;
//   - --describe --state: collectGroupsState → describeConsumerGroups
//     (COORDINATOR, ASSIGNMENT-STRATEGY, STATE, #MEMBERS).
func TestJavaConsumerGroups(t *testing.T) {
	_, addr := javaServe(t)
	for _, rel := range javaReleases {
		t.Run(rel.name, func(t *testing.T) {
			j := dialJava(t, addr, rel)
			j.bootstrap()
			// --list
			got := j.listGroups(nil, nil)
			want := []string{"cg848 consumer Stable", "g1 classic Stable", "g2 classic Empty"}
			if v, _ := j.version(16); v < 5 {
				want = []string{"cg848  Stable", "g1  Stable", "g2  Empty"} // no type before ListGroups v5
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("--list: %q, want %q", got, want)
			}
			if rel.name != "3.7" {
				// --list --type consumer / --type classic --state Empty
				if got := j.listGroups(nil, []string{"consumer"}); !reflect.DeepEqual(got, []string{"cg848 consumer Stable"}) {
					t.Errorf("--type consumer: %q", got)
				}
				// Kafka 4.x's Admin.listGroups(ListGroupsOptions.forConsumerGroups())
				// (KIP-1043), which later ConsumerGroupCommand.listConsumerGroups
				// uses: both consumer group types, protocol filtered client side.
				if got := j.listGroups(nil, []string{"classic", "consumer"}); !reflect.DeepEqual(got, want) {
					t.Errorf("forConsumerGroups: %q, want %q", got, want)
				}
				if got := j.listGroups([]string{"Empty"}, []string{"classic"}); !reflect.DeepEqual(got, []string{"g2 classic Empty"}) {
					t.Errorf("--type classic --state Empty: %q", got)
				}
			}

			// --describe --group g1 (classic, Stable, one member)
			g1 := j.describeGroup("g1")
			if g1.state != "Stable" || g1.assignor != "range" || g1.typ != "Classic" ||
				!reflect.DeepEqual(g1.members, map[string][]string{"m-1 client-1 /10.0.0.1": {"orders-0"}}) {
				t.Errorf("g1: %+v", g1)
			}
			if c := j.committed("g1"); !reflect.DeepEqual(c, map[string]int64{"orders-0": 10}) {
				t.Errorf("g1 committed %v", c)
			}
			if end := j.logEnd("orders", 0); end != 33 {
				t.Errorf("orders-0 log end %d, want 33 (lag 23)", end)
			}

			// --describe --group cg848 (KIP-848)
			cg := j.describeGroup("cg848")
			if rel.name == "3.7" {
				// Kafka 3.7's admin client knows only DescribeGroups, and
				// the group coordinator describes a KIP-848 group there as
				// Dead: the tool says it does not exist, as against a
				// real broker.
				if cg.state != "Dead" {
					t.Errorf("cg848 via DescribeGroups: %+v", cg)
				}
			} else if cg.state != "Stable" || cg.assignor != "range" || cg.typ != "Consumer" ||
				!reflect.DeepEqual(cg.members, map[string][]string{"mA client-a /10.0.0.2": {"orders-0"}, "mB client-b /10.0.0.3": nil}) {
				t.Errorf("cg848: %+v", cg)
			}
			if c := j.committed("cg848"); !reflect.DeepEqual(c, map[string]int64{"orders-0": 20}) {
				t.Errorf("cg848 committed %v", c)
			}

			// --describe --group g2: offsets only, no members; the tool
			// prints the committed partitions with "-" as consumer.
			g2 := j.describeGroup("g2")
			if g2.state != "Empty" || len(g2.members) != 0 {
				t.Errorf("g2: %+v", g2)
			}
			if c := j.committed("g2"); !reflect.DeepEqual(c, map[string]int64{"legacy-v1-0": 5}) {
				t.Errorf("g2 committed %v", c)
			}
			if end := j.logEnd("legacy-v1", 0); end != 12 {
				t.Errorf("legacy-v1-0 log end %d, want 12", end)
			}

			// --describe --group nope: "Consumer group 'nope' does not exist."
			if g := j.describeGroup("nope"); g.state != "Dead" {
				t.Errorf("unknown group: %+v", g)
			}
			// ... and its offsets: none, without an error, which would stop
			// the tool (OffsetMetadataManager.fetchAllOffsets).
			if c := j.committed("nope"); len(c) != 0 {
				t.Errorf("unknown group committed %v", c)
			}

			// --describe --all-groups: the handler batches every key of a
			// coordinator into one request, then the GROUP_ID_NOT_FOUND
			// ones into one DescribeGroups.
			ids := []string{"cg848", "g1", "g2", "nope"}
			j.findCoordinators(0, ids...)
			classic := ids
			if j.supports(69) {
				req := kmsg.NewPtrConsumerGroupDescribeRequest()
				req.Groups = ids
				resp := j.call(req).(*kmsg.ConsumerGroupDescribeResponse)
				classic = nil
				for i, g := range resp.Groups {
					if g.Group != ids[i] {
						t.Fatalf("batched answer %d is %q, want %q", i, g.Group, ids[i])
					}
					switch {
					case g.ErrorCode == 69:
						classic = append(classic, g.Group)
					case g.ErrorCode != 0 || g.Group != "cg848" || len(g.Members) != 2:
						t.Errorf("batched %s: %+v", g.Group, g)
					}
				}
				if !reflect.DeepEqual(classic, []string{"g1", "g2", "nope"}) {
					t.Errorf("left for DescribeGroups: %v", classic)
				}
			}
			req := kmsg.NewPtrDescribeGroupsRequest()
			req.Groups = classic
			var states []string
			for _, g := range j.call(req).(*kmsg.DescribeGroupsResponse).Groups {
				states = append(states, g.Group+" "+g.State)
			}
			want = []string{"g1 Stable", "g2 Empty", "nope Dead"}
			if len(classic) == 4 {
				want = append([]string{"cg848 Dead"}, want...)
			}
			if !reflect.DeepEqual(states, want) {
				t.Errorf("batched DescribeGroups: %v, want %v", states, want)
			}
		})
	}
}

// TestJavaLogDirs replays `kafka-log-dirs.sh --describe`
// (tools/.../LogDirsCommand.java): describeCluster for the broker ids, then
// Admin.describeLogDirs(brokers) → DescribeLogDirs for all topics (null) to
// each broker. It prints per log dir its path and error, per partition size,
// offsetLag and isFuture; Kafka 3.3+'s LogDirDescription adds totalBytes
// and usableBytes (DescribeLogDirs v4, KIP-827).
func TestJavaLogDirs(t *testing.T) {
	dir, addr := javaServe(t)
	for _, rel := range javaReleases {
		t.Run(rel.name, func(t *testing.T) {
			j := dialJava(t, addr, rel)
			j.bootstrap()
			if nodes := j.describeClusterNodes(); !reflect.DeepEqual(nodes, []int32{0}) {
				t.Fatalf("nodes %v", nodes)
			}
			resp := j.call(kmsg.NewPtrDescribeLogDirsRequest()).(*kmsg.DescribeLogDirsResponse)
			if resp.Version != 4 || resp.ErrorCode != 0 || len(resp.Dirs) != 1 {
				t.Fatalf("describe log dirs: %+v", resp)
			}
			d := resp.Dirs[0]
			abs, _ := filepath.Abs(dir)
			if d.ErrorCode != 0 || d.Dir != abs || d.TotalBytes <= 0 || d.UsableBytes < 0 || d.UsableBytes > d.TotalBytes {
				t.Fatalf("log dir %q error %d total %d usable %d", d.Dir, d.ErrorCode, d.TotalBytes, d.UsableBytes)
			}
			sizes := map[string]int64{}
			for _, tp := range d.Topics {
				for _, p := range tp.Partitions {
					if p.OffsetLag != 0 || p.IsFuture {
						t.Errorf("%s-%d: lag %d future %v", tp.Topic, p.Partition, p.OffsetLag, p.IsFuture)
					}
					sizes[fmt.Sprintf("%s-%d", tp.Topic, p.Partition)] = p.Size
				}
			}
			for _, part := range []string{"orders-0", "payments-0", "__consumer_offsets-1", "__transaction_state-0"} {
				fi, err := os.Stat(filepath.Join(dir, part, "00000000000000000000.log"))
				if err != nil {
					t.Fatal(err)
				}
				if part == "orders-0" {
					continue // several segments: TestKadmReadOnly checks the sum
				}
				if sizes[part] != fi.Size() {
					t.Errorf("%s size %d, want %d", part, sizes[part], fi.Size())
				}
			}
			if _, ok := sizes["__cluster_metadata-0"]; ok {
				t.Errorf("the KRaft metadata log is reported as a partition")
			}
			if _, ok := sizes["orders-0"]; !ok {
				t.Errorf("orders-0 not described: %v", sizes)
			}
		})
	}
}

// TestJavaTransactions replays kafka-transactions.sh
// (tools/.../TransactionsCommand.java):
//   - list: Admin.listTransactions → ListTransactionsHandler (AllBrokersStrategy:
//     Metadata for no topics, then ListTransactions to every broker);
//   - describe --transactional-id tx-a: describeTransactions →
//     DescribeTransactionsHandler (FindCoordinator for transactions, then
//     DescribeTransactions);
//   - describe-producers --topic payments --partition 0: describeProducers →
//     DescribeProducersHandler (PartitionLeaderStrategy: Metadata, then
//     DescribeProducers to the leader);
//   - find-hanging --broker-id 0 --topic payments: describeTopics for the
//     partitions, describeProducers with brokerId (StaticBrokerStrategy: no
//     lookup), candidates = producers with a currentTransactionStartOffset
//     whose lastTimestamp is older than --max-transaction-timeout (15 min),
//     listTransactions filtered by their producer ids, describeTransactions
//     of the ids found; hanging = candidates without a transactional id, or
//     whose transaction does not include the partition
//     (FindHangingTransactionsCommand.filterHangingTransactions).
func TestJavaTransactions(t *testing.T) {
	_, addr := javaServe(t)
	for _, rel := range javaReleases {
		t.Run(rel.name, func(t *testing.T) {
			j := dialJava(t, addr, rel)
			j.bootstrap()
			listTxns := func(pids []int64) map[string]string {
				md := kmsg.NewPtrMetadataRequest()
				md.Topics, md.AllowAutoTopicCreation = []kmsg.MetadataRequestTopic{}, true
				j.call(md)
				req := kmsg.NewPtrListTransactionsRequest()
				req.ProducerIDFilters = pids
				req.DurationFilterMillis = -1 // ListTransactionsOptions default
				resp := j.call(req).(*kmsg.ListTransactionsResponse)
				if resp.ErrorCode != 0 || len(resp.UnknownStateFilters) != 0 {
					t.Fatalf("list transactions: %+v", resp)
				}
				out := map[string]string{}
				for _, s := range resp.TransactionStates {
					out[s.TransactionalID] = fmt.Sprintf("%s %d", s.TransactionState, s.ProducerID)
				}
				return out
			}
			// list: TransactionalId, Coordinator, ProducerId, TransactionState
			// (a Dead transaction is never listed).
			if got := listTxns(nil); !reflect.DeepEqual(got, map[string]string{"tx-a": "Ongoing 4000", "tx-b": "CompleteCommit 4001"}) {
				t.Errorf("list: %v", got)
			}
			if got := listTxns([]int64{4002}); len(got) != 0 {
				t.Errorf("Dead transaction listed: %v", got)
			}
			describeTxns := func(ids ...string) map[string]kmsg.DescribeTransactionsResponseTransactionState {
				j.findCoordinators(1, ids...)
				req := kmsg.NewPtrDescribeTransactionsRequest()
				req.TransactionalIDs = ids
				resp := j.call(req).(*kmsg.DescribeTransactionsResponse)
				out := map[string]kmsg.DescribeTransactionsResponseTransactionState{}
				for _, s := range resp.TransactionStates {
					out[s.TransactionalID] = s
				}
				return out
			}
			// describe: CoordinatorId, TransactionalId, ProducerId,
			// ProducerEpoch, TransactionState, TransactionTimeoutMs,
			// CurrentTransactionStartTimeMs, TransactionDurationMs,
			// TopicPartitions.
			a := describeTxns("tx-a")["tx-a"]
			if a.ErrorCode != 0 || a.State != "Ongoing" || a.ProducerID != 4000 || a.ProducerEpoch != 3 || a.TimeoutMillis != 60000 ||
				a.StartTimestamp != 1700000001000 || len(a.Topics) != 1 || a.Topics[0].Topic != "payments" || !reflect.DeepEqual(a.Topics[0].Partitions, []int32{0}) {
				t.Errorf("describe tx-a: %+v", a)
			}
			for _, id := range []string{"nope", "tx-dead"} {
				if n := describeTxns(id)[id]; n.ErrorCode != 105 { // TRANSACTIONAL_ID_NOT_FOUND
					t.Errorf("describe %s: %+v", id, n)
				}
			}

			describeProducers := func() []kmsg.DescribeProducersResponseTopicPartitionActiveProducer {
				req := kmsg.NewPtrDescribeProducersRequest()
				req.Topics = []kmsg.DescribeProducersRequestTopic{{Topic: "payments", Partitions: []int32{0}}}
				resp := j.call(req).(*kmsg.DescribeProducersResponse)
				if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 || resp.Topics[0].Partitions[0].ErrorCode != 0 {
					t.Fatalf("describe producers: %+v", resp)
				}
				ps := resp.Topics[0].Partitions[0].ActiveProducers
				sort.Slice(ps, func(i, k int) bool { return ps[i].ProducerID < ps[k].ProducerID })
				return ps
			}
			// describe-producers: ProducerId, ProducerEpoch,
			// LatestCoordinatorEpoch, LastSequence, LastTimestamp,
			// CurrentTransactionStartOffset ("None" when -1).
			j.leaderMetadata("payments")
			ps := describeProducers()
			if len(ps) != 2 || ps[0].ProducerID != 4000 || ps[0].ProducerEpoch != 3 || ps[0].CurrentTxnStartOffset != 0 || ps[0].LastTimestamp != 1700000001001 ||
				ps[1].ProducerID != 5000 || ps[1].ProducerEpoch != 1 || ps[1].CurrentTxnStartOffset != 2 || ps[1].LastTimestamp != 1700000001002 {
				t.Fatalf("describe-producers payments-0: %+v", ps)
			}

			// find-hanging --broker-id 0 --topic payments
			if j.supports(75) {
				req := kmsg.NewPtrDescribeTopicPartitionsRequest()
				req.Topics = []kmsg.DescribeTopicPartitionsRequestTopic{{Topic: "payments"}}
				req.ResponsePartitionLimit = 2000
				j.describeClusterNodes()
				if r := j.call(req).(*kmsg.DescribeTopicPartitionsResponse); len(r.Topics) != 1 || len(r.Topics[0].Partitions) != 1 ||
					!reflect.DeepEqual(r.Topics[0].Partitions[0].Replicas, []int32{0}) {
					t.Fatalf("describe payments: %+v", r)
				}
			} else {
				j.describeClusterNodes()
				j.leaderMetadata("payments")
			}
			now := time.Now().UnixMilli()
			var candidates []int64
			for _, p := range describeProducers() {
				if p.CurrentTxnStartOffset >= 0 && now-p.LastTimestamp > 15*60*1000 {
					candidates = append(candidates, p.ProducerID)
				}
			}
			if !reflect.DeepEqual(candidates, []int64{4000, 5000}) {
				t.Fatalf("candidates %v", candidates)
			}
			ids := listTxns(candidates)
			if !reflect.DeepEqual(ids, map[string]string{"tx-a": "Ongoing 4000"}) {
				t.Fatalf("transactional ids of %v: %v", candidates, ids)
			}
			d := describeTxns("tx-a")["tx-a"]
			var hanging []int64
			for _, pid := range candidates {
				if pid == d.ProducerID && len(d.Topics) == 1 && d.Topics[0].Topic == "payments" && reflect.DeepEqual(d.Topics[0].Partitions, []int32{0}) {
					continue // tx-a's coordinator still expects to write payments-0's marker
				}
				hanging = append(hanging, pid)
			}
			if !reflect.DeepEqual(hanging, []int64{5000}) {
				t.Errorf("hanging %v, want producer 5000 on payments-0", hanging)
			}
		})
	}
}

// TestKadmKIP848Group: franz-go's kadm (what kadm-based UIs call) lists the
// dead cluster's KIP-848 group by type, describes it through
// ConsumerGroupDescribe with its current and target assignments, and
// computes its lag; a classic group asked through ConsumerGroupDescribe is
// GROUP_ID_NOT_FOUND, as Kafka answers.
func TestKadmKIP848Group(t *testing.T) {
	_, addr := javaServe(t)
	adm, _ := admin(t, addr)
	ctx := ctx10(t)
	lg, err := adm.ListGroupsByType(ctx, []string{"consumer"})
	if err != nil {
		t.Fatal(err)
	}
	if len(lg) != 1 || lg["cg848"].State != "Stable" || lg["cg848"].ProtocolType != "consumer" {
		t.Fatalf("consumer groups: %+v", lg)
	}
	dg, err := adm.DescribeConsumerGroups(ctx, "cg848", "g1")
	if err != nil && !strings.Contains(err.Error(), "GROUP_ID_NOT_FOUND") {
		t.Fatal(err)
	}
	g := dg["cg848"]
	if g.Err != nil || g.State != "Stable" || g.Epoch != 5 || g.AssignmentEpoch != 5 || g.AssignorName != "range" || len(g.Members) != 2 {
		t.Fatalf("cg848: %+v", g)
	}
	byID := map[string]kadm.ConsumerGroupMember{}
	for _, m := range g.Members {
		byID[m.MemberID] = m
	}
	// mB: static, racked, subscribed by regex; its partition's topic id
	// is unknown here, so both assignments are empty (Kafka leaves out a
	// topic id missing from its metadata image).
	if b := byID["mB"]; b.InstanceID == nil || *b.InstanceID != "static-b" || b.RackID == nil || *b.RackID != "rack-1" ||
		b.SubscribedTopicRegex == nil || *b.SubscribedTopicRegex != "pay.*" || len(b.SubscribedTopics) != 0 ||
		len(b.Assignment) != 0 || len(b.TargetAssignment) != 0 || b.ClientID != "client-b" {
		t.Errorf("mB: %+v", b)
	}
	m := byID["mA"]
	want := kadm.TopicsSet{"orders": {0: {}}}
	if m.MemberID != "mA" || m.ClientID != "client-a" || m.ClientHost != "/10.0.0.2" || m.MemberEpoch != 5 || m.InstanceID != nil || m.RackID != nil ||
		!reflect.DeepEqual(m.SubscribedTopics, []string{"orders"}) || m.SubscribedTopicRegex != nil ||
		!reflect.DeepEqual(m.Assignment, want) || !reflect.DeepEqual(m.TargetAssignment, want) {
		t.Fatalf("mA: %+v", m)
	}
	if g1 := dg["g1"]; !errors.Is(g1.Err, kerr.GroupIDNotFound) {
		t.Errorf("classic g1 through ConsumerGroupDescribe: %+v", g1)
	}
	lags, err := adm.Lag(ctx, "cg848")
	if err != nil {
		t.Fatal(err)
	}
	if l := lags["cg848"].Lag["orders"][0]; l.Err != nil || l.Commit.At != 20 || l.End.Offset != 33 || l.Lag != 13 {
		t.Errorf("cg848 orders-0 lag: %+v", l)
	}
}

// TestJavaDescribeTopicPartitionsPaging replays the cursor loop of
// KafkaAdminClient.generateDescribeTopicsCallWithDescribeTopicPartitionsApi
// with a partition limit of 1 (kafka-topics.sh --partition-size-limit-per-response 1)
// over every topic, including one whose log dir holds only partitions 1
// and 3: the Java client's next cursor is the count of partitions it has
// of the topic, and each partition must come exactly once. Unknown and
// invalid names answer as Kafka does.
func TestJavaDescribeTopicPartitionsPaging(t *testing.T) {
	dir := javaLogDir(t)
	writeLog(t, dir, "sparse-1", [][2][]byte{{nil, []byte("a")}})
	writeLog(t, dir, "sparse-3", [][2][]byte{{nil, []byte("b")}})
	addr := serveCfg(t, dir, server.Config{ReadOnly: true})
	j := dialJava(t, addr, java40)
	j.bootstrap()
	all := j.call(kmsg.NewPtrMetadataRequest()).(*kmsg.MetadataResponse)
	var names, want []string
	for _, tp := range all.Topics {
		names = append(names, *tp.Topic)
		for _, p := range tp.Partitions {
			want = append(want, fmt.Sprintf("%s-%d", *tp.Topic, p.Partition))
		}
	}
	sort.Strings(want)
	pending := map[string]bool{}
	for _, n := range names {
		pending[n] = true
	}
	have := map[string]int{} // partitions received per topic
	var got []string
	var cursor *kmsg.DescribeTopicPartitionsRequestCursor
	for round := 0; len(pending) > 0; round++ {
		if round > 100 {
			t.Fatalf("no end after %d rounds; got %v", round, got)
		}
		req := kmsg.NewPtrDescribeTopicPartitionsRequest()
		var req2 []string
		for n := range pending {
			req2 = append(req2, n)
		}
		sort.Strings(req2)
		for _, n := range req2 {
			req.Topics = append(req.Topics, kmsg.DescribeTopicPartitionsRequestTopic{Topic: n})
		}
		req.ResponsePartitionLimit, req.Cursor = 1, cursor
		resp := j.call(req).(*kmsg.DescribeTopicPartitionsResponse)
		n := 0
		for _, tp := range resp.Topics {
			if tp.ErrorCode != 0 {
				t.Fatalf("%v: error %d", *tp.Topic, tp.ErrorCode)
			}
			for _, p := range tp.Partitions {
				got = append(got, fmt.Sprintf("%s-%d", *tp.Topic, p.Partition))
				have[*tp.Topic]++
				n++
			}
			if resp.NextCursor == nil || resp.NextCursor.Topic != *tp.Topic {
				delete(pending, *tp.Topic)
			}
		}
		if n > 1 {
			t.Fatalf("%d partitions in a response limited to 1", n)
		}
		cursor = nil
		if c := resp.NextCursor; c != nil {
			cursor = &kmsg.DescribeTopicPartitionsRequestCursor{Topic: c.Topic, Partition: int32(have[c.Topic])}
		}
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paged partitions %v, want %v", got, want)
	}
	req := kmsg.NewPtrDescribeTopicPartitionsRequest()
	req.Topics = []kmsg.DescribeTopicPartitionsRequestTopic{{Topic: "nope"}, {Topic: "bad/name"}, {Topic: "orders"}}
	req.ResponsePartitionLimit = 2000
	resp := j.call(req).(*kmsg.DescribeTopicPartitionsResponse)
	codes := map[string]int16{}
	for _, tp := range resp.Topics {
		codes[*tp.Topic] = tp.ErrorCode
	}
	if !reflect.DeepEqual(codes, map[string]int16{"nope": 3, "bad/name": 17, "orders": 0}) || resp.NextCursor != nil {
		t.Errorf("errors %v, cursor %+v", codes, resp.NextCursor)
	}
}

// TestJavaToolsCorpus replays every tool command of this file, as Kafka
// 4.0's admin client sends them, against each real broker log dir of the
// shared corpus that has a __consumer_offsets: each answer must be one the
// tool accepts (no error where the tool would stop, e.g. find-hanging
// --broker-id exits when DescribeProducers fails for any partition), and
// the dir must be unchanged.
func TestJavaToolsCorpus(t *testing.T) {
	root := "../../shared/corpus"
	if _, err := os.Stat(root); err != nil {
		t.Skip("corpus absent")
	}
	seen := map[string]bool{}
	var dirs []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), "__consumer_offsets-") {
			if dir := filepath.Dir(p); !seen[dir] {
				seen[dir] = true
				dirs = append(dirs, dir)
			}
			return filepath.SkipDir
		}
		return nil
	})
	sort.Strings(dirs)
	for _, dir := range dirs {
		t.Run(strings.TrimPrefix(dir, root+"/"), func(t *testing.T) {
			before := testutil.HashTree(t, dir)
			st, err := logstore.Open(dir, logstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			addr := serveCfg(t, dir, server.Config{ReadOnly: true})
			j := dialJava(t, addr, java40)
			j.cluster = st.ClusterID()
			if j.cluster == "" {
				j.cluster = "kseg"
			}
			j.bootstrap()

			// kafka-topics.sh --describe (all topics)
			md := j.call(kmsg.NewPtrMetadataRequest()).(*kmsg.MetadataResponse)
			parts := map[string]int{}
			held := map[string]bool{}
			var names []string
			for _, tp := range md.Topics {
				if tp.ErrorCode != 0 || *tp.Topic == "__cluster_metadata" {
					t.Fatalf("listTopics: %s error %d", *tp.Topic, tp.ErrorCode)
				}
				names = append(names, *tp.Topic)
				parts[*tp.Topic] = len(tp.Partitions)
				for _, p := range tp.Partitions {
					held[fmt.Sprintf("%s-%d", *tp.Topic, p.Partition)] = true
				}
			}
			j.describeClusterNodes()
			dtp := kmsg.NewPtrDescribeTopicPartitionsRequest()
			for _, n := range names {
				dtp.Topics = append(dtp.Topics, kmsg.DescribeTopicPartitionsRequestTopic{Topic: n})
			}
			dtp.ResponsePartitionLimit = 2000
			for _, tp := range j.call(dtp).(*kmsg.DescribeTopicPartitionsResponse).Topics {
				if tp.ErrorCode != 0 || len(tp.Partitions) != parts[*tp.Topic] {
					t.Errorf("describe %s: error %d, %d partitions (metadata %d)", *tp.Topic, tp.ErrorCode, len(tp.Partitions), parts[*tp.Topic])
				}
			}
			dc := kmsg.NewPtrDescribeConfigsRequest()
			for _, n := range names {
				dc.Resources = append(dc.Resources, kmsg.DescribeConfigsRequestResource{ResourceType: 2, ResourceName: n})
			}
			for _, r := range j.call(dc).(*kmsg.DescribeConfigsResponse).Resources {
				if r.ErrorCode != 0 {
					t.Errorf("configs of %s: error %d", r.ResourceName, r.ErrorCode)
				}
			}

			// kafka-consumer-groups.sh --describe --all-groups
			for _, g := range j.listGroups(nil, []string{"classic", "consumer"}) {
				id := strings.Fields(g)[0]
				if d := j.describeGroup(id); d.state == "Dead" {
					t.Errorf("listed group %s described as Dead", id)
				}
				for tp := range j.committed(id) {
					if !held[tp] {
						// Committed offsets of a partition this broker did
						// not hold (another broker's, or deleted): the Java
						// tool's ListOffsets lookup retries it until its
						// --timeout (PartitionLeaderStrategy), as against a
						// cluster where that partition has no leader.
						continue
					}
					i := strings.LastIndexByte(tp, '-')
					var p int32
					fmt.Sscan(tp[i+1:], &p)
					if end := j.logEnd(tp[:i], p); end < 0 {
						t.Errorf("%s log end %d", tp, end)
					}
				}
			}

			// kafka-log-dirs.sh --describe
			ld := j.call(kmsg.NewPtrDescribeLogDirsRequest()).(*kmsg.DescribeLogDirsResponse)
			if ld.ErrorCode != 0 || len(ld.Dirs) != 1 || ld.Dirs[0].ErrorCode != 0 {
				t.Errorf("log dirs: %+v", ld)
			}

			// kafka-transactions.sh find-hanging --broker-id 0, list, describe
			dp := kmsg.NewPtrDescribeProducersRequest()
			for _, tp := range md.Topics {
				rt := kmsg.DescribeProducersRequestTopic{Topic: *tp.Topic}
				for _, p := range tp.Partitions {
					rt.Partitions = append(rt.Partitions, p.Partition)
				}
				dp.Topics = append(dp.Topics, rt)
			}
			for _, rt := range j.call(dp).(*kmsg.DescribeProducersResponse).Topics {
				for _, p := range rt.Partitions {
					if p.ErrorCode != 0 {
						t.Errorf("describe producers %s-%d: error %d (find-hanging would exit)", rt.Topic, p.Partition, p.ErrorCode)
					}
				}
			}
			lt := kmsg.NewPtrListTransactionsRequest()
			lt.DurationFilterMillis = -1
			ltr := j.call(lt).(*kmsg.ListTransactionsResponse)
			if ltr.ErrorCode != 0 {
				t.Fatalf("list transactions: %+v", ltr)
			}
			for _, s := range ltr.TransactionStates {
				j.findCoordinators(1, s.TransactionalID)
				dt := kmsg.NewPtrDescribeTransactionsRequest()
				dt.TransactionalIDs = []string{s.TransactionalID}
				if r := j.call(dt).(*kmsg.DescribeTransactionsResponse); len(r.TransactionStates) != 1 || r.TransactionStates[0].ErrorCode != 0 {
					t.Errorf("describe transaction %s: %+v", s.TransactionalID, r)
				}
			}
			if after := testutil.HashTree(t, dir); !reflect.DeepEqual(before, after) {
				t.Errorf("log dir changed")
			}
		})
	}
}
