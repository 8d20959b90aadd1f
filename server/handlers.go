package server

import (
	"errors"
	"net"
	"strconv"

	"github.com/kseg/kseg/server/protocol"
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
	if key == protocol.KeyApiVersions && version > protocol.MaxVersion[protocol.KeyApiVersions] {
		// KIP-511: a newer ApiVersions request is not parsed; the answer is
		// the v0 layout (no throttle, no tagged fields, response header v0)
		// with UNSUPPORTED_VERSION and our ApiVersions range, so librdkafka,
		// franz-go and sarama retry with a version we speak.
		w := cc.begin(corr)
		(&protocol.ApiVersionsResponse{
			ErrorCode: protocol.ErrUnsupportedVersion,
			APIKeys:   []protocol.ApiVersion{{APIKey: protocol.KeyApiVersions, MaxVersion: 2}},
		}).AppendTo(w, 0)
		return cc.finish(w)
	}
	max, ok := s.maxVersion(key)
	if !ok || version < 0 || version > max {
		// Kafka closes the connection on a request it can't parse; clients
		// never send versions above what we advertise.
		s.cfg.Logf("kseg serve: %v: unsupported api %d v%d; closing", cc.c.RemoteAddr(), key, version)
		return errCloseConn
	}
	hdr, body, err := protocol.ParseHeader(frame)
	if err != nil {
		return errCloseConn
	}
	req, err := protocol.DecodeRequest(hdr.APIKey, hdr.APIVersion, body)
	if err != nil {
		s.cfg.Logf("kseg serve: %v: malformed api %d v%d request; closing", cc.c.RemoteAddr(), key, version)
		return errCloseConn
	}
	switch q := req.(type) {
	case *protocol.ApiVersionsRequest:
		w := cc.begin(corr)
		(&protocol.ApiVersionsResponse{APIKeys: s.versions}).AppendTo(w, version)
		return cc.finish(w)
	case *protocol.MetadataRequest:
		return cc.reply(corr, version, s.metadata(cc.c, q))
	case *protocol.ListOffsetsRequest:
		return cc.reply(corr, version, s.listOffsets(q, version))
	case *protocol.FetchRequest:
		return cc.fetch(corr, version, q)
	case *protocol.ProduceRequest:
		resp := s.produce(q, version)
		if q.Acks == 0 {
			return nil // acks=0: the client expects no response at all
		}
		return cc.reply(corr, version, resp)
	case *protocol.FindCoordinatorRequest:
		return cc.reply(corr, version, s.findCoordinator(cc.c, q))
	case *protocol.InitProducerIDRequest:
		return cc.reply(corr, version, s.initProducerID(q))
	case *protocol.JoinGroupRequest:
		return cc.reply(corr, version, s.groups.join(q, version))
	case *protocol.SyncGroupRequest:
		return cc.reply(corr, version, s.groups.sync(q))
	case *protocol.HeartbeatRequest:
		return cc.reply(corr, version, s.groups.heartbeat(q))
	case *protocol.LeaveGroupRequest:
		return cc.reply(corr, version, s.groups.leave(q, version))
	case *protocol.OffsetCommitRequest:
		return cc.reply(corr, version, s.groups.commit(q))
	case *protocol.OffsetFetchRequest:
		return cc.reply(corr, version, s.groups.fetchOffsets(q))
	}
	return errCloseConn
}

type appender interface {
	AppendTo(w *protocol.Writer, v int16)
}

func (cc *conn) begin(corr int32) *protocol.Writer {
	return &protocol.Writer{B: protocol.AppendResponseHeader(make([]byte, 0, 256), corr)}
}

func (cc *conn) finish(w *protocol.Writer) error {
	protocol.FinishFrame(w.B, 0)
	return cc.write(w.B)
}

func (cc *conn) reply(corr int32, version int16, resp appender) error {
	w := cc.begin(corr)
	resp.AppendTo(w, version)
	return cc.finish(w)
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

func (s *server) metadata(c net.Conn, q *protocol.MetadataRequest) *protocol.MetadataResponse {
	host, port := advertisedAddr(c)
	resp := &protocol.MetadataResponse{
		Brokers:      []protocol.MetadataBroker{{NodeID: nodeID, Host: host, Port: port}},
		ClusterID:    s.cfg.ClusterID,
		ControllerID: nodeID,
	}
	topics, err := s.store.Topics()
	if err != nil {
		s.cfg.Logf("kseg serve: listing topics: %v", err)
	}
	byName := make(map[string][]int32, len(topics))
	for _, t := range topics {
		byName[t.Name] = t.Partitions
	}
	mk := func(name string, parts []int32) protocol.MetadataTopic {
		t := protocol.MetadataTopic{Name: name, Partitions: make([]protocol.MetadataPartition, 0, len(parts))}
		for _, p := range parts {
			t.Partitions = append(t.Partitions, protocol.MetadataPartition{
				PartitionIndex: p, LeaderID: nodeID, LeaderEpoch: -1,
				ReplicaNodes: []int32{nodeID}, IsrNodes: []int32{nodeID},
			})
		}
		return t
	}
	if q.AllTopics {
		for _, t := range topics {
			resp.Topics = append(resp.Topics, mk(t.Name, t.Partitions))
		}
		return resp
	}
	for _, name := range q.Topics {
		switch parts, ok := byName[name]; {
		case !ValidTopicName(name):
			resp.Topics = append(resp.Topics, protocol.MetadataTopic{ErrorCode: protocol.ErrInvalidTopic, Name: name})
		case !ok:
			// No auto-creation: a topic is a directory the operator made.
			resp.Topics = append(resp.Topics, protocol.MetadataTopic{ErrorCode: protocol.ErrUnknownTopicOrPartition, Name: name})
		default:
			resp.Topics = append(resp.Topics, mk(name, parts))
		}
	}
	return resp
}

func (s *server) listOffsets(q *protocol.ListOffsetsRequest, version int16) *protocol.ListOffsetsResponse {
	resp := &protocol.ListOffsetsResponse{Topics: make([]protocol.ListOffsetsTopicResponse, 0, len(q.Topics))}
	for _, t := range q.Topics {
		tr := protocol.ListOffsetsTopicResponse{Name: t.Name}
		for _, p := range t.Partitions {
			pr := protocol.ListOffsetsPartitionResponse{PartitionIndex: p.PartitionIndex, Timestamp: -1, Offset: -1, LeaderEpoch: -1}
			if version < 1 {
				// v0 (max_num_offsets lists of segment bases) is advertised
				// for old librdkafka's feature probing only.
				pr.ErrorCode = protocol.ErrUnsupportedVersion
				tr.Partitions = append(tr.Partitions, pr)
				continue
			}
			pl, code := s.partition(t.Name, p.PartitionIndex)
			if code == protocol.ErrNone {
				pr.Offset, pr.Timestamp, code = s.offsetFor(pl, p.Timestamp, q.IsolationLevel)
			}
			pr.ErrorCode = code
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp
}

// Special ListOffsets timestamps.
const (
	latestTimestamp   = -1
	earliestTimestamp = -2
)

func (s *server) offsetFor(pl PartitionLog, ts int64, isolation int8) (offset, timestamp int64, code int16) {
	var err error
	switch ts {
	case latestTimestamp:
		if isolation == 1 {
			offset, err = pl.LastStableOffset()
		} else {
			offset, err = pl.LogEndOffset()
		}
		timestamp = -1
	case earliestTimestamp:
		offset, err = pl.LogStartOffset()
		timestamp = -1
	default:
		if ts < 0 {
			// -3 (max timestamp) and friends need flexible versions.
			return -1, -1, protocol.ErrUnsupportedVersion
		}
		offset, timestamp, err = pl.OffsetForTimestamp(ts)
	}
	if err != nil {
		s.cfg.Logf("kseg serve: list offsets: %v", err)
		return -1, -1, errorCode(err)
	}
	return offset, timestamp, protocol.ErrNone
}

func (s *server) findCoordinator(c net.Conn, q *protocol.FindCoordinatorRequest) *protocol.FindCoordinatorResponse {
	if q.KeyType != 0 {
		// No transaction coordinator.
		return &protocol.FindCoordinatorResponse{ErrorCode: protocol.ErrCoordinatorNotAvailable, NodeID: -1}
	}
	if q.Key == "" {
		return &protocol.FindCoordinatorResponse{ErrorCode: protocol.ErrInvalidGroupID, NodeID: -1}
	}
	host, port := advertisedAddr(c)
	return &protocol.FindCoordinatorResponse{NodeID: nodeID, Host: host, Port: port}
}
