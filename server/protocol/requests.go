package protocol

// Request is a decoded request body. The concrete type is one of the
// *XxxRequest types below; strings are copies, []byte fields (Records,
// Metadata, Assignment) alias the frame they were decoded from.
type Request interface{ apiKey() int16 }

// DecodeRequest decodes the body of a request with the given key and
// version. The body must be consumed exactly. Unknown keys and versions above
// MaxVersion yield ErrMalformed: the caller checks ranges first.
func DecodeRequest(key, version int16, body []byte) (Request, error) {
	max, ok := MaxVersion[key]
	if !ok || version < 0 || version > max {
		return nil, ErrMalformed
	}
	r := NewReader(body)
	var req Request
	switch key {
	case KeyProduce:
		req = decodeProduce(r, version)
	case KeyFetch:
		req = decodeFetch(r, version)
	case KeyListOffsets:
		req = decodeListOffsets(r, version)
	case KeyMetadata:
		req = decodeMetadata(r, version)
	case KeyOffsetCommit:
		req = decodeOffsetCommit(r, version)
	case KeyOffsetFetch:
		req = decodeOffsetFetch(r, version)
	case KeyFindCoordinator:
		req = decodeFindCoordinator(r, version)
	case KeyJoinGroup:
		req = decodeJoinGroup(r, version)
	case KeyHeartbeat:
		req = decodeHeartbeat(r, version)
	case KeyLeaveGroup:
		req = decodeLeaveGroup(r, version)
	case KeySyncGroup:
		req = decodeSyncGroup(r, version)
	case KeyApiVersions:
		req = &ApiVersionsRequest{}
	case KeyInitProducerID:
		req = decodeInitProducerID(r, version)
	}
	if err := r.Complete(); err != nil {
		return nil, err
	}
	return req, nil
}

// Minimum encoded sizes used to bound array counts.
const (
	minString = 2
	minBytes  = 4
	minArray  = 4
)

// ProduceRequest is Produce v0–8.
type ProduceRequest struct {
	TransactionalID    string
	HasTransactionalID bool
	Acks               int16
	TimeoutMs          int32
	Topics             []ProduceTopic
}

// ProduceTopic is one topic of a ProduceRequest.
type ProduceTopic struct {
	Name       string
	Partitions []ProducePartition
}

// ProducePartition carries the raw record batches for one partition; nil
// means a null records field.
type ProducePartition struct {
	Index   int32
	Records []byte
}

func (*ProduceRequest) apiKey() int16 { return KeyProduce }

func decodeProduce(r *Reader, v int16) *ProduceRequest {
	q := &ProduceRequest{}
	if v >= 3 {
		q.TransactionalID, q.HasTransactionalID = r.NullableString()
	}
	q.Acks = r.Int16()
	q.TimeoutMs = r.Int32()
	n := r.ArrayLen(minString+minArray, false)
	q.Topics = make([]ProduceTopic, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		var t ProduceTopic
		t.Name = r.String()
		m := r.ArrayLen(4+minBytes, false)
		t.Partitions = make([]ProducePartition, 0, m)
		for j := 0; j < m && r.err == nil; j++ {
			t.Partitions = append(t.Partitions, ProducePartition{Index: r.Int32(), Records: r.Bytes()})
		}
		q.Topics = append(q.Topics, t)
	}
	return q
}

// FetchRequest is Fetch v0–11.
type FetchRequest struct {
	ReplicaID      int32
	MaxWaitMs      int32
	MinBytes       int32
	MaxBytes       int32 // v3+; 0x7fffffff before
	IsolationLevel int8  // v4+
	SessionID      int32 // v7+
	SessionEpoch   int32 // v7+
	Topics         []FetchTopic
	Forgotten      []FetchForgotten // v7+
	RackID         string           // v11+
}

// FetchTopic is one topic of a FetchRequest.
type FetchTopic struct {
	Topic      string
	Partitions []FetchPartition
}

// FetchPartition is one partition of a FetchRequest.
type FetchPartition struct {
	Partition          int32
	CurrentLeaderEpoch int32 // v9+
	FetchOffset        int64
	LogStartOffset     int64 // v5+
	PartitionMaxBytes  int32
}

// FetchForgotten lists partitions removed from an incremental fetch session.
type FetchForgotten struct {
	Topic      string
	Partitions []int32
}

func (*FetchRequest) apiKey() int16 { return KeyFetch }

func decodeFetch(r *Reader, v int16) *FetchRequest {
	q := &FetchRequest{MaxBytes: 0x7fffffff, SessionEpoch: -1}
	q.ReplicaID = r.Int32()
	q.MaxWaitMs = r.Int32()
	q.MinBytes = r.Int32()
	if v >= 3 {
		q.MaxBytes = r.Int32()
	}
	if v >= 4 {
		q.IsolationLevel = r.Int8()
	}
	if v >= 7 {
		q.SessionID = r.Int32()
		q.SessionEpoch = r.Int32()
	}
	pmin := 4 + 8 + 4
	if v >= 5 {
		pmin += 8
	}
	if v >= 9 {
		pmin += 4
	}
	n := r.ArrayLen(minString+minArray, false)
	q.Topics = make([]FetchTopic, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		var t FetchTopic
		t.Topic = r.String()
		m := r.ArrayLen(pmin, false)
		t.Partitions = make([]FetchPartition, 0, m)
		for j := 0; j < m && r.err == nil; j++ {
			p := FetchPartition{CurrentLeaderEpoch: -1, LogStartOffset: -1}
			p.Partition = r.Int32()
			if v >= 9 {
				p.CurrentLeaderEpoch = r.Int32()
			}
			p.FetchOffset = r.Int64()
			if v >= 5 {
				p.LogStartOffset = r.Int64()
			}
			p.PartitionMaxBytes = r.Int32()
			t.Partitions = append(t.Partitions, p)
		}
		q.Topics = append(q.Topics, t)
	}
	if v >= 7 {
		n := r.ArrayLen(minString+minArray, false)
		q.Forgotten = make([]FetchForgotten, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			q.Forgotten = append(q.Forgotten, FetchForgotten{Topic: r.String(), Partitions: r.Int32Array()})
		}
	}
	if v >= 11 {
		q.RackID = r.String()
	}
	return q
}

// ListOffsetsRequest is ListOffsets v0–5.
type ListOffsetsRequest struct {
	ReplicaID      int32
	IsolationLevel int8 // v2+
	Topics         []ListOffsetsTopic
}

// ListOffsetsTopic is one topic of a ListOffsetsRequest.
type ListOffsetsTopic struct {
	Name       string
	Partitions []ListOffsetsPartition
}

// ListOffsetsPartition asks for the offset at Timestamp (-1 latest, -2
// earliest).
type ListOffsetsPartition struct {
	PartitionIndex     int32
	CurrentLeaderEpoch int32 // v4+
	Timestamp          int64
	MaxNumOffsets      int32 // v0 only
}

func (*ListOffsetsRequest) apiKey() int16 { return KeyListOffsets }

func decodeListOffsets(r *Reader, v int16) *ListOffsetsRequest {
	q := &ListOffsetsRequest{}
	q.ReplicaID = r.Int32()
	if v >= 2 {
		q.IsolationLevel = r.Int8()
	}
	pmin := 4 + 8
	if v == 0 {
		pmin += 4
	}
	if v >= 4 {
		pmin += 4
	}
	n := r.ArrayLen(minString+minArray, false)
	q.Topics = make([]ListOffsetsTopic, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		var t ListOffsetsTopic
		t.Name = r.String()
		m := r.ArrayLen(pmin, false)
		t.Partitions = make([]ListOffsetsPartition, 0, m)
		for j := 0; j < m && r.err == nil; j++ {
			p := ListOffsetsPartition{CurrentLeaderEpoch: -1}
			p.PartitionIndex = r.Int32()
			if v >= 4 {
				p.CurrentLeaderEpoch = r.Int32()
			}
			p.Timestamp = r.Int64()
			if v == 0 {
				p.MaxNumOffsets = r.Int32()
			}
			t.Partitions = append(t.Partitions, p)
		}
		q.Topics = append(q.Topics, t)
	}
	return q
}

// MetadataRequest is Metadata v0–8. AllTopics is set for a null topic array
// (v1+) or an empty one (v0).
type MetadataRequest struct {
	Topics                    []string
	AllTopics                 bool
	AllowAutoTopicCreation    bool // v4+
	IncludeClusterAuthorized  bool // v8+
	IncludeTopicAuthorizedOps bool // v8+
}

func (*MetadataRequest) apiKey() int16 { return KeyMetadata }

func decodeMetadata(r *Reader, v int16) *MetadataRequest {
	q := &MetadataRequest{AllowAutoTopicCreation: true}
	n := r.ArrayLen(minString, v >= 1)
	if n == -1 || (v == 0 && n == 0) {
		q.AllTopics = true
		n = 0
	}
	q.Topics = make([]string, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		q.Topics = append(q.Topics, r.String())
	}
	if v >= 4 {
		q.AllowAutoTopicCreation = r.Bool()
	}
	if v >= 8 {
		q.IncludeClusterAuthorized = r.Bool()
		q.IncludeTopicAuthorizedOps = r.Bool()
	}
	return q
}

// OffsetCommitRequest is OffsetCommit v0–7.
type OffsetCommitRequest struct {
	GroupID         string
	GenerationID    int32 // v1+; -1 before
	MemberID        string
	GroupInstanceID string // v7+
	HasInstanceID   bool
	RetentionTimeMs int64 // v2–4
	Topics          []OffsetCommitTopic
}

// OffsetCommitTopic is one topic of an OffsetCommitRequest.
type OffsetCommitTopic struct {
	Name       string
	Partitions []OffsetCommitPartition
}

// OffsetCommitPartition is one committed offset.
type OffsetCommitPartition struct {
	PartitionIndex       int32
	CommittedOffset      int64
	CommittedLeaderEpoch int32 // v6+
	CommitTimestamp      int64 // v1 only
	Metadata             string
	HasMetadata          bool
}

func (*OffsetCommitRequest) apiKey() int16 { return KeyOffsetCommit }

func decodeOffsetCommit(r *Reader, v int16) *OffsetCommitRequest {
	q := &OffsetCommitRequest{GenerationID: -1, RetentionTimeMs: -1}
	q.GroupID = r.String()
	if v >= 1 {
		q.GenerationID = r.Int32()
		q.MemberID = r.String()
	}
	if v >= 7 {
		q.GroupInstanceID, q.HasInstanceID = r.NullableString()
	}
	if v >= 2 && v <= 4 {
		q.RetentionTimeMs = r.Int64()
	}
	pmin := 4 + 8 + minString
	if v >= 6 {
		pmin += 4
	}
	if v == 1 {
		pmin += 8
	}
	n := r.ArrayLen(minString+minArray, false)
	q.Topics = make([]OffsetCommitTopic, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		var t OffsetCommitTopic
		t.Name = r.String()
		m := r.ArrayLen(pmin, false)
		t.Partitions = make([]OffsetCommitPartition, 0, m)
		for j := 0; j < m && r.err == nil; j++ {
			p := OffsetCommitPartition{CommittedLeaderEpoch: -1, CommitTimestamp: -1}
			p.PartitionIndex = r.Int32()
			p.CommittedOffset = r.Int64()
			if v >= 6 {
				p.CommittedLeaderEpoch = r.Int32()
			}
			if v == 1 {
				p.CommitTimestamp = r.Int64()
			}
			p.Metadata, p.HasMetadata = r.NullableString()
			t.Partitions = append(t.Partitions, p)
		}
		q.Topics = append(q.Topics, t)
	}
	return q
}

// OffsetFetchRequest is OffsetFetch v0–5. AllTopics is set for a null topic
// array (v2+).
type OffsetFetchRequest struct {
	GroupID   string
	Topics    []OffsetFetchTopic
	AllTopics bool
}

// OffsetFetchTopic names the partitions whose committed offsets are wanted.
type OffsetFetchTopic struct {
	Name             string
	PartitionIndexes []int32
}

func (*OffsetFetchRequest) apiKey() int16 { return KeyOffsetFetch }

func decodeOffsetFetch(r *Reader, v int16) *OffsetFetchRequest {
	q := &OffsetFetchRequest{}
	q.GroupID = r.String()
	n := r.ArrayLen(minString+minArray, v >= 2)
	if n == -1 {
		q.AllTopics = true
		n = 0
	}
	q.Topics = make([]OffsetFetchTopic, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		q.Topics = append(q.Topics, OffsetFetchTopic{Name: r.String(), PartitionIndexes: r.Int32Array()})
	}
	return q
}

// FindCoordinatorRequest is FindCoordinator v0–2 (KeyType 0 = group,
// 1 = transaction).
type FindCoordinatorRequest struct {
	Key     string
	KeyType int8
}

func (*FindCoordinatorRequest) apiKey() int16 { return KeyFindCoordinator }

func decodeFindCoordinator(r *Reader, v int16) *FindCoordinatorRequest {
	q := &FindCoordinatorRequest{}
	q.Key = r.String()
	if v >= 1 {
		q.KeyType = r.Int8()
	}
	return q
}

// JoinGroupRequest is JoinGroup v0–5.
type JoinGroupRequest struct {
	GroupID            string
	SessionTimeoutMs   int32
	RebalanceTimeoutMs int32 // v1+; = SessionTimeoutMs before
	MemberID           string
	GroupInstanceID    string // v5+
	HasInstanceID      bool
	ProtocolType       string
	Protocols          []JoinGroupProtocol
}

// JoinGroupProtocol is one assignment protocol a member supports.
type JoinGroupProtocol struct {
	Name     string
	Metadata []byte
}

func (*JoinGroupRequest) apiKey() int16 { return KeyJoinGroup }

func decodeJoinGroup(r *Reader, v int16) *JoinGroupRequest {
	q := &JoinGroupRequest{}
	q.GroupID = r.String()
	q.SessionTimeoutMs = r.Int32()
	q.RebalanceTimeoutMs = q.SessionTimeoutMs
	if v >= 1 {
		q.RebalanceTimeoutMs = r.Int32()
	}
	q.MemberID = r.String()
	if v >= 5 {
		q.GroupInstanceID, q.HasInstanceID = r.NullableString()
	}
	q.ProtocolType = r.String()
	n := r.ArrayLen(minString+minBytes, false)
	q.Protocols = make([]JoinGroupProtocol, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		q.Protocols = append(q.Protocols, JoinGroupProtocol{Name: r.String(), Metadata: r.Bytes()})
	}
	return q
}

// HeartbeatRequest is Heartbeat v0–3.
type HeartbeatRequest struct {
	GroupID         string
	GenerationID    int32
	MemberID        string
	GroupInstanceID string // v3+
}

func (*HeartbeatRequest) apiKey() int16 { return KeyHeartbeat }

func decodeHeartbeat(r *Reader, v int16) *HeartbeatRequest {
	q := &HeartbeatRequest{}
	q.GroupID = r.String()
	q.GenerationID = r.Int32()
	q.MemberID = r.String()
	if v >= 3 {
		q.GroupInstanceID, _ = r.NullableString()
	}
	return q
}

// LeaveGroupRequest is LeaveGroup v0–3. Before v3 a single MemberID is sent;
// it is returned as a one-element Members.
type LeaveGroupRequest struct {
	GroupID string
	Members []LeaveGroupMember
}

// LeaveGroupMember identifies one leaving member.
type LeaveGroupMember struct {
	MemberID        string
	GroupInstanceID string
	HasInstanceID   bool
}

func (*LeaveGroupRequest) apiKey() int16 { return KeyLeaveGroup }

func decodeLeaveGroup(r *Reader, v int16) *LeaveGroupRequest {
	q := &LeaveGroupRequest{}
	q.GroupID = r.String()
	if v <= 2 {
		q.Members = []LeaveGroupMember{{MemberID: r.String()}}
		return q
	}
	n := r.ArrayLen(minString+minString, false)
	q.Members = make([]LeaveGroupMember, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		var m LeaveGroupMember
		m.MemberID = r.String()
		m.GroupInstanceID, m.HasInstanceID = r.NullableString()
		q.Members = append(q.Members, m)
	}
	return q
}

// SyncGroupRequest is SyncGroup v0–3.
type SyncGroupRequest struct {
	GroupID         string
	GenerationID    int32
	MemberID        string
	GroupInstanceID string // v3+
	Assignments     []SyncGroupAssignment
}

// SyncGroupAssignment is the leader's assignment for one member.
type SyncGroupAssignment struct {
	MemberID   string
	Assignment []byte
}

func (*SyncGroupRequest) apiKey() int16 { return KeySyncGroup }

func decodeSyncGroup(r *Reader, v int16) *SyncGroupRequest {
	q := &SyncGroupRequest{}
	q.GroupID = r.String()
	q.GenerationID = r.Int32()
	q.MemberID = r.String()
	if v >= 3 {
		q.GroupInstanceID, _ = r.NullableString()
	}
	n := r.ArrayLen(minString+minBytes, false)
	q.Assignments = make([]SyncGroupAssignment, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		q.Assignments = append(q.Assignments, SyncGroupAssignment{MemberID: r.String(), Assignment: r.Bytes()})
	}
	return q
}

// ApiVersionsRequest is ApiVersions v0–2 (empty body).
type ApiVersionsRequest struct{}

func (*ApiVersionsRequest) apiKey() int16 { return KeyApiVersions }

// InitProducerIDRequest is InitProducerId v0–1.
type InitProducerIDRequest struct {
	TransactionalID      string
	HasTransactionalID   bool
	TransactionTimeoutMs int32
}

func (*InitProducerIDRequest) apiKey() int16 { return KeyInitProducerID }

func decodeInitProducerID(r *Reader, v int16) *InitProducerIDRequest {
	q := &InitProducerIDRequest{}
	q.TransactionalID, q.HasTransactionalID = r.NullableString()
	q.TransactionTimeoutMs = r.Int32()
	return q
}
