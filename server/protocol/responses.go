package protocol

// Response encoders. Each AppendTo writes the body of one version of a
// response (after the response header) to w. Versions outside the range the
// type documents are the caller's bug; the encoders still never panic.

// ApiVersion is one entry of the ApiVersions table.
type ApiVersion struct {
	APIKey, MinVersion, MaxVersion int16
}

// ApiVersionsResponse is ApiVersions v0–2.
type ApiVersionsResponse struct {
	ErrorCode int16
	APIKeys   []ApiVersion
}

// AppendTo encodes the body for version v. Version 0's layout is also the
// one Kafka uses to reject any ApiVersions request above its max (KIP-511).
func (p *ApiVersionsResponse) AppendTo(w *Writer, v int16) {
	w.Int16(p.ErrorCode)
	w.ArrayLen(len(p.APIKeys))
	for _, k := range p.APIKeys {
		w.Int16(k.APIKey)
		w.Int16(k.MinVersion)
		w.Int16(k.MaxVersion)
	}
	if v >= 1 {
		w.Int32(0) // throttle_time_ms
	}
}

// MetadataBroker is one broker of a MetadataResponse.
type MetadataBroker struct {
	NodeID int32
	Host   string
	Port   int32
}

// MetadataPartition is one partition of a MetadataResponse topic.
type MetadataPartition struct {
	ErrorCode      int16
	PartitionIndex int32
	LeaderID       int32
	LeaderEpoch    int32
	ReplicaNodes   []int32
	IsrNodes       []int32
}

// MetadataTopic is one topic of a MetadataResponse.
type MetadataTopic struct {
	ErrorCode  int16
	Name       string
	Partitions []MetadataPartition
}

// MetadataResponse is Metadata v0–8.
type MetadataResponse struct {
	Brokers      []MetadataBroker
	ClusterID    string
	ControllerID int32
	Topics       []MetadataTopic
}

// AppendTo encodes the body for version v.
func (p *MetadataResponse) AppendTo(w *Writer, v int16) {
	if v >= 3 {
		w.Int32(0) // throttle_time_ms
	}
	w.ArrayLen(len(p.Brokers))
	for _, b := range p.Brokers {
		w.Int32(b.NodeID)
		w.String(b.Host)
		w.Int32(b.Port)
		if v >= 1 {
			w.NullableString("", false) // rack
		}
	}
	if v >= 2 {
		w.NullableString(p.ClusterID, true)
	}
	if v >= 1 {
		w.Int32(p.ControllerID)
	}
	w.ArrayLen(len(p.Topics))
	for _, t := range p.Topics {
		w.Int16(t.ErrorCode)
		w.String(t.Name)
		if v >= 1 {
			w.Bool(false) // is_internal
		}
		w.ArrayLen(len(t.Partitions))
		for _, pt := range t.Partitions {
			w.Int16(pt.ErrorCode)
			w.Int32(pt.PartitionIndex)
			w.Int32(pt.LeaderID)
			if v >= 7 {
				w.Int32(pt.LeaderEpoch)
			}
			w.Int32Array(pt.ReplicaNodes)
			w.Int32Array(pt.IsrNodes)
			if v >= 5 {
				w.Int32Array(nil) // offline_replicas
			}
		}
		if v >= 8 {
			w.Int32(-2147483648) // topic_authorized_operations: not provided
		}
	}
	if v >= 8 {
		w.Int32(-2147483648) // cluster_authorized_operations
	}
}

// ListOffsetsPartitionResponse is one partition of a ListOffsetsResponse.
type ListOffsetsPartitionResponse struct {
	PartitionIndex int32
	ErrorCode      int16
	Timestamp      int64
	Offset         int64
	LeaderEpoch    int32
}

// ListOffsetsTopicResponse is one topic of a ListOffsetsResponse.
type ListOffsetsTopicResponse struct {
	Name       string
	Partitions []ListOffsetsPartitionResponse
}

// ListOffsetsResponse is ListOffsets v0–5. In v0 the offset is sent as a
// one-element old_style_offsets array (or an empty one when Offset < 0).
type ListOffsetsResponse struct {
	Topics []ListOffsetsTopicResponse
}

// AppendTo encodes the body for version v.
func (p *ListOffsetsResponse) AppendTo(w *Writer, v int16) {
	if v >= 2 {
		w.Int32(0)
	}
	w.ArrayLen(len(p.Topics))
	for _, t := range p.Topics {
		w.String(t.Name)
		w.ArrayLen(len(t.Partitions))
		for _, pt := range t.Partitions {
			w.Int32(pt.PartitionIndex)
			w.Int16(pt.ErrorCode)
			if v == 0 {
				if pt.Offset >= 0 && pt.ErrorCode == ErrNone {
					w.ArrayLen(1)
					w.Int64(pt.Offset)
				} else {
					w.ArrayLen(0)
				}
				continue
			}
			w.Int64(pt.Timestamp)
			w.Int64(pt.Offset)
			if v >= 4 {
				w.Int32(pt.LeaderEpoch)
			}
		}
	}
}

// AbortedTransaction is one entry of a Fetch partition's aborted list.
type AbortedTransaction struct {
	ProducerID  int64
	FirstOffset int64
}

// FetchPartitionHeader is everything of a Fetch v0–11 partition response
// except the records, which are the partition's last field and follow the
// header on the wire (from a file, by sendfile).
type FetchPartitionHeader struct {
	PartitionIndex   int32
	ErrorCode        int16
	HighWatermark    int64
	LastStableOffset int64
	LogStartOffset   int64
	// Aborted is sent as null when AbortedNull (read_uncommitted).
	Aborted     []AbortedTransaction
	AbortedNull bool
}

// AppendFetchResponseStart encodes the Fetch v0–11 fields before the topic
// array, and the topic array's length.
func AppendFetchResponseStart(w *Writer, v int16, errorCode int16, sessionID int32, numTopics int) {
	if v >= 1 {
		w.Int32(0) // throttle_time_ms
	}
	if v >= 7 {
		w.Int16(errorCode)
		w.Int32(sessionID)
	}
	w.ArrayLen(numTopics)
}

// AppendFetchTopicStart encodes a topic name and its partition count.
func AppendFetchTopicStart(w *Writer, topic string, numPartitions int) {
	w.String(topic)
	w.ArrayLen(numPartitions)
}

// AppendFetchPartition encodes one partition header followed by the records
// length prefix (recordsLen; -1 for null). The caller then sends exactly
// recordsLen record bytes.
func AppendFetchPartition(w *Writer, v int16, h *FetchPartitionHeader, recordsLen int32) {
	w.Int32(h.PartitionIndex)
	w.Int16(h.ErrorCode)
	w.Int64(h.HighWatermark)
	if v >= 4 {
		w.Int64(h.LastStableOffset)
	}
	if v >= 5 {
		w.Int64(h.LogStartOffset)
	}
	if v >= 4 {
		if h.AbortedNull {
			w.Int32(-1)
		} else {
			w.ArrayLen(len(h.Aborted))
			for _, a := range h.Aborted {
				w.Int64(a.ProducerID)
				w.Int64(a.FirstOffset)
			}
		}
	}
	if v >= 11 {
		w.Int32(-1) // preferred_read_replica
	}
	w.Int32(recordsLen)
}

// ProducePartitionResponse is one partition of a ProduceResponse.
type ProducePartitionResponse struct {
	Index           int32
	ErrorCode       int16
	BaseOffset      int64
	LogAppendTimeMs int64
	LogStartOffset  int64
	ErrorMessage    string
}

// ProduceTopicResponse is one topic of a ProduceResponse.
type ProduceTopicResponse struct {
	Name       string
	Partitions []ProducePartitionResponse
}

// ProduceResponse is Produce v0–8.
type ProduceResponse struct {
	Topics []ProduceTopicResponse
}

// AppendTo encodes the body for version v.
func (p *ProduceResponse) AppendTo(w *Writer, v int16) {
	w.ArrayLen(len(p.Topics))
	for _, t := range p.Topics {
		w.String(t.Name)
		w.ArrayLen(len(t.Partitions))
		for _, pt := range t.Partitions {
			w.Int32(pt.Index)
			w.Int16(pt.ErrorCode)
			w.Int64(pt.BaseOffset)
			if v >= 2 {
				w.Int64(pt.LogAppendTimeMs)
			}
			if v >= 5 {
				w.Int64(pt.LogStartOffset)
			}
			if v >= 8 {
				w.ArrayLen(0) // record_errors
				w.NullableString(pt.ErrorMessage, pt.ErrorMessage != "")
			}
		}
	}
	if v >= 1 {
		w.Int32(0) // throttle_time_ms
	}
}

// FindCoordinatorResponse is FindCoordinator v0–2.
type FindCoordinatorResponse struct {
	ErrorCode int16
	NodeID    int32
	Host      string
	Port      int32
}

// AppendTo encodes the body for version v.
func (p *FindCoordinatorResponse) AppendTo(w *Writer, v int16) {
	if v >= 1 {
		w.Int32(0)
	}
	w.Int16(p.ErrorCode)
	if v >= 1 {
		w.NullableString("", false)
	}
	w.Int32(p.NodeID)
	w.String(p.Host)
	w.Int32(p.Port)
}

// InitProducerIDResponse is InitProducerId v0–1.
type InitProducerIDResponse struct {
	ErrorCode     int16
	ProducerID    int64
	ProducerEpoch int16
}

// AppendTo encodes the body for version v.
func (p *InitProducerIDResponse) AppendTo(w *Writer, v int16) {
	w.Int32(0)
	w.Int16(p.ErrorCode)
	w.Int64(p.ProducerID)
	w.Int16(p.ProducerEpoch)
}

// JoinGroupMember is one member in the leader's JoinGroup response.
type JoinGroupMember struct {
	MemberID        string
	GroupInstanceID string
	HasInstanceID   bool
	Metadata        []byte
}

// JoinGroupResponse is JoinGroup v0–5.
type JoinGroupResponse struct {
	ErrorCode    int16
	GenerationID int32
	ProtocolName string
	Leader       string
	MemberID     string
	Members      []JoinGroupMember
}

// AppendTo encodes the body for version v.
func (p *JoinGroupResponse) AppendTo(w *Writer, v int16) {
	if v >= 2 {
		w.Int32(0)
	}
	w.Int16(p.ErrorCode)
	w.Int32(p.GenerationID)
	w.String(p.ProtocolName)
	w.String(p.Leader)
	w.String(p.MemberID)
	w.ArrayLen(len(p.Members))
	for _, m := range p.Members {
		w.String(m.MemberID)
		if v >= 5 {
			w.NullableString(m.GroupInstanceID, m.HasInstanceID)
		}
		md := m.Metadata
		if md == nil {
			md = []byte{}
		}
		w.Bytes(md)
	}
}

// SyncGroupResponse is SyncGroup v0–3.
type SyncGroupResponse struct {
	ErrorCode  int16
	Assignment []byte
}

// AppendTo encodes the body for version v.
func (p *SyncGroupResponse) AppendTo(w *Writer, v int16) {
	if v >= 1 {
		w.Int32(0)
	}
	w.Int16(p.ErrorCode)
	a := p.Assignment
	if a == nil {
		a = []byte{}
	}
	w.Bytes(a)
}

// HeartbeatResponse is Heartbeat v0–3.
type HeartbeatResponse struct {
	ErrorCode int16
}

// AppendTo encodes the body for version v.
func (p *HeartbeatResponse) AppendTo(w *Writer, v int16) {
	if v >= 1 {
		w.Int32(0)
	}
	w.Int16(p.ErrorCode)
}

// LeaveGroupMemberResponse is the per-member result of LeaveGroup v3+.
type LeaveGroupMemberResponse struct {
	MemberID        string
	GroupInstanceID string
	HasInstanceID   bool
	ErrorCode       int16
}

// LeaveGroupResponse is LeaveGroup v0–3.
type LeaveGroupResponse struct {
	ErrorCode int16
	Members   []LeaveGroupMemberResponse
}

// AppendTo encodes the body for version v.
func (p *LeaveGroupResponse) AppendTo(w *Writer, v int16) {
	if v >= 1 {
		w.Int32(0)
	}
	w.Int16(p.ErrorCode)
	if v >= 3 {
		w.ArrayLen(len(p.Members))
		for _, m := range p.Members {
			w.String(m.MemberID)
			w.NullableString(m.GroupInstanceID, m.HasInstanceID)
			w.Int16(m.ErrorCode)
		}
	}
}

// OffsetCommitPartitionResponse is one partition's commit result.
type OffsetCommitPartitionResponse struct {
	PartitionIndex int32
	ErrorCode      int16
}

// OffsetCommitTopicResponse is one topic of an OffsetCommitResponse.
type OffsetCommitTopicResponse struct {
	Name       string
	Partitions []OffsetCommitPartitionResponse
}

// OffsetCommitResponse is OffsetCommit v0–7.
type OffsetCommitResponse struct {
	Topics []OffsetCommitTopicResponse
}

// AppendTo encodes the body for version v.
func (p *OffsetCommitResponse) AppendTo(w *Writer, v int16) {
	if v >= 3 {
		w.Int32(0)
	}
	w.ArrayLen(len(p.Topics))
	for _, t := range p.Topics {
		w.String(t.Name)
		w.ArrayLen(len(t.Partitions))
		for _, pt := range t.Partitions {
			w.Int32(pt.PartitionIndex)
			w.Int16(pt.ErrorCode)
		}
	}
}

// OffsetFetchPartitionResponse is one partition's committed offset (-1 when
// none).
type OffsetFetchPartitionResponse struct {
	PartitionIndex       int32
	CommittedOffset      int64
	CommittedLeaderEpoch int32
	Metadata             string
	ErrorCode            int16
}

// OffsetFetchTopicResponse is one topic of an OffsetFetchResponse.
type OffsetFetchTopicResponse struct {
	Name       string
	Partitions []OffsetFetchPartitionResponse
}

// OffsetFetchResponse is OffsetFetch v0–5.
type OffsetFetchResponse struct {
	Topics    []OffsetFetchTopicResponse
	ErrorCode int16
}

// AppendTo encodes the body for version v.
func (p *OffsetFetchResponse) AppendTo(w *Writer, v int16) {
	if v >= 3 {
		w.Int32(0)
	}
	w.ArrayLen(len(p.Topics))
	for _, t := range p.Topics {
		w.String(t.Name)
		w.ArrayLen(len(t.Partitions))
		for _, pt := range t.Partitions {
			w.Int32(pt.PartitionIndex)
			w.Int64(pt.CommittedOffset)
			if v >= 5 {
				w.Int32(pt.CommittedLeaderEpoch)
			}
			w.NullableString(pt.Metadata, true)
			w.Int16(pt.ErrorCode)
		}
	}
	if v >= 2 {
		w.Int16(p.ErrorCode)
	}
}
