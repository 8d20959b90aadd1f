package server

import (
	"errors"
	"net"
	"strconv"

	"github.com/kseg/kseg/server/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// nodeID is this process: the only broker, leader of every partition.
const nodeID = 0

// handle answers one request frame (size prefix already stripped). A non-nil
// error closes the connection.
func (cc *conn) handle(frame []byte) error {
	s := cc.s
	key, version, corr, ok := protocol.PeekHeader(frame)
	if !ok {
		return errCloseConn
	}
	apiMax, _ := s.maxVersion(int16(kmsg.ApiVersions))
	if key == int16(kmsg.ApiVersions) && version > apiMax {
		// KIP-511 (Kafka's RequestContext.isUnsupportedApiVersionsRequest):
		// a newer ApiVersions request is not parsed; the answer is the v0
		// layout (no throttle, no tagged fields, response header v0) with
		// UNSUPPORTED_VERSION and our ApiVersions range, so clients retry
		// with a version we speak.
		resp := kmsg.NewPtrApiVersionsResponse()
		resp.Version = 0
		resp.ErrorCode = protocol.ErrUnsupportedVersion
		resp.ApiKeys = []kmsg.ApiVersionsResponseApiKey{{ApiKey: int16(kmsg.ApiVersions), MaxVersion: apiMax}}
		return cc.write(protocol.AppendResponse(make([]byte, 0, 64), corr, resp))
	}
	req, err := protocol.ParseRequest(frame)
	if err != nil {
		// An API key or version whose layout kmsg does not know, or a body
		// that does not decode: Kafka closes the connection too.
		s.cfg.Logf("kseg serve: %v: api %d v%d: %v; closing", cc.c.RemoteAddr(), key, version, err)
		return errCloseConn
	}
	if max, ok := s.maxVersion(key); !ok || version > max {
		// Clients never send what we do not advertise; a tool that does
		// gets a proper answer in its request's layout.
		return cc.reply(corr, protocol.ErrorResponse(req.Body, protocol.ErrUnsupportedVersion))
	}
	resp, err := s.dispatch(cc, req)
	if err != nil || resp == nil {
		return err
	}
	return cc.reply(corr, resp)
}

// dispatch answers a decoded request whose version is advertised. A nil
// response with a nil error sends nothing (Produce with acks=0, or Fetch,
// which writes its own response).
func (s *server) dispatch(cc *conn, req *protocol.Request) (kmsg.Response, error) {
	switch q := req.Body.(type) {
	case *kmsg.ApiVersionsRequest:
		resp := q.ResponseKind().(*kmsg.ApiVersionsResponse)
		resp.ApiKeys = s.versions
		return resp, nil
	case *kmsg.MetadataRequest:
		return s.metadata(cc.c, q), nil
	case *kmsg.ListOffsetsRequest:
		return s.listOffsets(q), nil
	case *kmsg.FetchRequest:
		return nil, cc.fetch(req.CorrelationID, q)
	case *kmsg.ProduceRequest:
		resp := s.produce(q)
		if q.Acks == 0 {
			return nil, nil // acks=0: the client expects no response at all
		}
		return resp, nil
	case *kmsg.FindCoordinatorRequest:
		return s.findCoordinator(cc.c, q), nil
	case *kmsg.InitProducerIDRequest:
		return s.initProducerID(q), nil
	case *kmsg.JoinGroupRequest:
		host, _, _ := net.SplitHostPort(cc.c.RemoteAddr().String())
		client := ""
		if req.ClientID != nil {
			client = *req.ClientID
		}
		return s.groups.join(q, client, "/"+host), nil
	case *kmsg.SyncGroupRequest:
		return s.groups.sync(q), nil
	case *kmsg.HeartbeatRequest:
		return s.groups.heartbeat(q), nil
	case *kmsg.LeaveGroupRequest:
		return s.groups.leave(q), nil
	case *kmsg.OffsetCommitRequest:
		return s.groups.commit(q), nil
	case *kmsg.OffsetFetchRequest:
		return s.groups.fetchOffsets(q), nil
	}
	return s.dispatchAdmin(cc, req)
}

func (cc *conn) reply(corr int32, resp kmsg.Response) error {
	return cc.write(protocol.AppendResponse(make([]byte, 0, 256), corr, resp))
}

// advertisedAddr is the address the client reached us on: the right answer
// for Metadata and FindCoordinator even when listening on a wildcard.
func advertisedAddr(c net.Conn) (string, int32) {
	host, port, err := net.SplitHostPort(c.LocalAddr().String())
	if err != nil {
		return "127.0.0.1", 9092
	}
	p, _ := strconv.Atoi(port)
	return host, int32(p)
}

// errorCode maps a store error to a Kafka error code.
func errorCode(err error) int16 {
	switch {
	case err == nil:
		return protocol.ErrNone
	case errors.Is(err, ErrUnknownTopicOrPartition):
		return protocol.ErrUnknownTopicOrPartition
	case errors.Is(err, ErrOffsetOutOfRange):
		return protocol.ErrOffsetOutOfRange
	case errors.Is(err, ErrReadOnly):
		return protocol.ErrTopicAuthorizationFailed
	case errors.Is(err, ErrUnsupportedForMessageFormat):
		return protocol.ErrUnsupportedForMessageFmt
	default:
		return protocol.ErrKafkaStorageError
	}
}

// partition validates the topic name before asking the store.
func (s *server) partition(topic string, p int32) (PartitionLog, int16) {
	if !ValidTopicName(topic) {
		return nil, protocol.ErrUnknownTopicOrPartition
	}
	if p < 0 {
		return nil, protocol.ErrUnknownTopicOrPartition
	}
	pl, err := s.store.Partition(topic, p)
	if err != nil {
		if !errors.Is(err, ErrUnknownTopicOrPartition) {
			s.cfg.Logf("kseg serve: partition %s-%d: %v", topic, p, err)
		}
		return nil, errorCode(err)
	}
	return pl, protocol.ErrNone
}

func strp(s string) *string { return &s }

// internalTopics are the topics Kafka's Metadata marks is_internal
// (org.apache.kafka.common.internals.Topic.isInternal; the share-group
// state topic since Kafka 4.0).
var internalTopics = map[string]bool{"__consumer_offsets": true, "__transaction_state": true, "__share_group_state": true}

// clusterMetadataTopic is KRaft's metadata log (Topic.CLUSTER_METADATA_TOPIC_NAME).
const clusterMetadataTopic = "__cluster_metadata"

// listed drops the KRaft metadata log from a listing of all topics: a KRaft
// broker keeps it outside its LogManager and metadata image, so Metadata,
// DescribeTopicPartitions and DescribeLogDirs never show it (and
// kafka-topics.sh --list, kafka-log-dirs.sh and find-hanging --broker-id do
// not see it). Asked for by name it is still served, so its records can be
// read with a client.
func listed(topics []TopicInfo) []TopicInfo {
	out := topics[:0:0]
	for _, t := range topics {
		if t.Name != clusterMetadataTopic {
			out = append(out, t)
		}
	}
	return out
}

func (s *server) metadata(c net.Conn, q *kmsg.MetadataRequest) *kmsg.MetadataResponse {
	host, port := advertisedAddr(c)
	resp := q.ResponseKind().(*kmsg.MetadataResponse)
	resp.Brokers = []kmsg.MetadataResponseBroker{{NodeID: nodeID, Host: host, Port: port}}
	resp.ClusterID = strp(s.cfg.ClusterID)
	resp.ControllerID = nodeID
	// Authorized operations when asked for (KafkaApis.handleTopicMetadataRequest):
	// the cluster's in v8–10, each answered topic's in v8+.
	if q.Version >= 8 && q.Version <= 10 {
		resp.AuthorizedOperations = authorizedOps(q.IncludeClusterAuthorizedOperations, opsCluster)
	}
	defer func() {
		if q.Version >= 8 && q.IncludeTopicAuthorizedOperations {
			for i := range resp.Topics {
				resp.Topics[i].AuthorizedOperations = opsTopic
			}
		}
	}()
	topics, err := s.store.Topics()
	if err != nil {
		s.cfg.Logf("kseg serve: listing topics: %v", err)
	}
	byName := make(map[string][]int32, len(topics))
	for _, t := range topics {
		byName[t.Name] = t.Partitions
	}
	mk := func(name string, parts []int32) kmsg.MetadataResponseTopic {
		t := kmsg.NewMetadataResponseTopic()
		t.Topic = strp(name)
		t.TopicID = s.topicID(name)
		t.IsInternal = internalTopics[name]
		t.Partitions = make([]kmsg.MetadataResponseTopicPartition, 0, len(parts))
		for _, p := range parts {
			mp := kmsg.NewMetadataResponseTopicPartition()
			mp.Partition, mp.Leader, mp.LeaderEpoch = p, nodeID, -1
			mp.Replicas, mp.ISR = []int32{nodeID}, []int32{nodeID}
			t.Partitions = append(t.Partitions, mp)
		}
		return t
	}
	if q.Topics == nil || (q.Version == 0 && len(q.Topics) == 0) {
		for _, t := range listed(topics) {
			resp.Topics = append(resp.Topics, mk(t.Name, t.Partitions))
		}
		return resp
	}
	for _, rt := range q.Topics {
		name := ""
		if rt.Topic != nil {
			name = *rt.Topic
		} else if rt.TopicID != ([16]byte{}) {
			// Metadata v12+ may name a topic by id alone.
			n, ok := s.topicName(rt.TopicID)
			if !ok {
				t := kmsg.NewMetadataResponseTopic()
				t.ErrorCode, t.TopicID = protocol.ErrUnknownTopicID, rt.TopicID
				resp.Topics = append(resp.Topics, t)
				continue
			}
			name = n
		}
		if parts, ok := byName[name]; ok {
			resp.Topics = append(resp.Topics, mk(name, parts))
			continue
		}
		if parts, ok := s.autoCreate(name, q.AllowAutoTopicCreation || q.Version < 4); ok {
			resp.Topics = append(resp.Topics, mk(name, parts))
			continue
		}
		t := kmsg.NewMetadataResponseTopic()
		t.Topic = strp(name)
		if !ValidTopicName(name) {
			t.ErrorCode = protocol.ErrInvalidTopic
		} else {
			t.ErrorCode = protocol.ErrUnknownTopicOrPartition
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}

func (s *server) listOffsets(q *kmsg.ListOffsetsRequest) *kmsg.ListOffsetsResponse {
	resp := q.ResponseKind().(*kmsg.ListOffsetsResponse)
	for _, t := range q.Topics {
		tr := kmsg.NewListOffsetsResponseTopic()
		tr.Topic = t.Topic
		for _, p := range t.Partitions {
			pr := kmsg.NewListOffsetsResponseTopicPartition()
			pr.Partition, pr.Timestamp, pr.Offset, pr.LeaderEpoch = p.Partition, -1, -1, -1
			if q.Version < 1 {
				// v0 (max_num_offsets lists of segment bases) is advertised
				// for old librdkafka's feature probing only.
				pr.ErrorCode = protocol.ErrUnsupportedVersion
				tr.Partitions = append(tr.Partitions, pr)
				continue
			}
			pl, code := s.partition(t.Topic, p.Partition)
			if code == protocol.ErrNone {
				pr.Offset, pr.Timestamp, code = s.offsetFor(pl, p.Timestamp, q.IsolationLevel, q.Version)
			}
			pr.ErrorCode = code
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp
}

// Special ListOffsets timestamps (ListOffsetsRequest.java).
const (
	latestTimestamp        = -1
	earliestTimestamp      = -2
	maxTimestamp           = -3 // KIP-734, ListOffsets v7+
	earliestLocalTimestamp = -4 // KIP-405, ListOffsets v8+
)

func (s *server) offsetFor(pl PartitionLog, ts int64, isolation int8, version int16) (offset, timestamp int64, code int16) {
	var err error
	timestamp = -1
	switch {
	case ts == latestTimestamp:
		if isolation == 1 {
			offset, err = pl.LastStableOffset()
		} else {
			offset, err = pl.LogEndOffset()
		}
	case ts == earliestTimestamp:
		offset, err = pl.LogStartOffset()
	case ts == earliestLocalTimestamp && version >= 8:
		// Without tiered storage the local log starts at the log start
		// offset (UnifiedLog.fetchOffsetByTimestamp: localLogStartOffset).
		offset, err = pl.LogStartOffset()
	case ts == maxTimestamp && version >= 7:
		mt, ok := pl.(MaxTimestamper)
		if !ok {
			return -1, -1, protocol.ErrUnsupportedVersion
		}
		offset, timestamp, err = mt.MaxTimestamp()
	case ts < 0:
		return -1, -1, protocol.ErrUnsupportedVersion
	default:
		offset, timestamp, err = pl.OffsetForTimestamp(ts)
	}
	if err != nil {
		s.cfg.Logf("kseg serve: list offsets: %v", err)
		return -1, -1, errorCode(err)
	}
	return offset, timestamp, protocol.ErrNone
}

func (s *server) findCoordinator(c net.Conn, q *kmsg.FindCoordinatorRequest) *kmsg.FindCoordinatorResponse {
	host, port := advertisedAddr(c)
	resp := q.ResponseKind().(*kmsg.FindCoordinatorResponse)
	one := func(key string) (code int16, node int32) {
		switch {
		case q.CoordinatorType > 1:
			// Share groups (KIP-932) have no coordinator here.
			return protocol.ErrCoordinatorNotAvailable, -1
		case key == "" && q.CoordinatorType == 0:
			return protocol.ErrInvalidGroupID, -1
		case key == "":
			return protocol.ErrInvalidRequest, -1
		}
		// Node 0 coordinates groups and, for DescribeTransactions on the
		// dead cluster's __transaction_state, transactions; a
		// transactional producer is refused at InitProducerId.
		return protocol.ErrNone, nodeID
	}
	if q.Version >= 4 {
		for _, k := range q.CoordinatorKeys {
			c := kmsg.NewFindCoordinatorResponseCoordinator()
			c.Key = k
			c.ErrorCode, c.NodeID = one(k)
			if c.ErrorCode == protocol.ErrNone {
				c.Host, c.Port = host, port
			}
			resp.Coordinators = append(resp.Coordinators, c)
		}
		return resp
	}
	resp.ErrorCode, resp.NodeID = one(q.CoordinatorKey)
	if resp.ErrorCode == protocol.ErrNone {
		resp.Host, resp.Port = host, port
	}
	return resp
}
