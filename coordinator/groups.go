package coordinator

import (
	"path/filepath"
	"sort"

	"github.com/kseg/kseg/segment"
)

// OffsetsTopic is the group coordinator's internal topic.
const OffsetsTopic = "__consumer_offsets"

// Group types as ListGroups and DescribeGroups report them (kafka
// clients/.../common/GroupType.java toString).
const (
	GroupTypeClassic  = "classic"
	GroupTypeConsumer = "consumer" // KIP-848
	GroupTypeShare    = "share"    // KIP-932
	GroupTypeStreams  = "streams"  // KIP-1071
)

// Group states as Kafka names them after loading (ClassicGroupState,
// ConsumerGroup.ConsumerGroupState, ShareGroup.ShareGroupState,
// StreamsGroup.StreamsGroupState toString).
const (
	StateEmpty       = "Empty"
	StateStable      = "Stable"
	StateAssigning   = "Assigning"   // consumer groups: group epoch > target assignment epoch
	StateReconciling = "Reconciling" // consumer groups: a member not yet at the target epoch
	StateNotReady    = "NotReady"    // streams groups: topology not validated
	StateDead        = "Dead"
)

// Groups is the group coordinator's state rebuilt from a log directory's own
// __consumer_offsets partitions, as a broker holds it after loading them.
type Groups struct {
	// Groups, sorted by id: every group the coordinator would list, then
	// (Deleted) groups whose metadata was deleted while committed offsets
	// remain.
	Groups     []*Group        `json:"groups"`
	Partitions []PartitionLoad `json:"partitions"` // one per __consumer_offsets-N, in partition order
}

// Group returns the group with this id, or nil.
func (g *Groups) Group(id string) *Group {
	i := sort.Search(len(g.Groups), func(i int) bool { return g.Groups[i].GroupID >= id })
	if i < len(g.Groups) && g.Groups[i].GroupID == id {
		return g.Groups[i]
	}
	return nil
}

// Group is one group after replay.
type Group struct {
	GroupID string `json:"groupId"`
	Type    string `json:"type"` // GroupType*
	// ProtocolType is a classic group's protocol type ("consumer",
	// "connect", ...; "" for a group that only commits offsets). Consumer
	// groups report "consumer", share groups "share", streams groups
	// "streams", as DescribeGroups/ListGroups do.
	ProtocolType string `json:"protocolType"`
	// Protocol is a classic group's selected protocol (for consumer groups
	// the assignor, e.g. "range"); for KIP-848 groups the server-side
	// assignor of the members, when they agree on one.
	Protocol string `json:"protocol"`
	State    string `json:"state"` // State*
	// Generation is a classic group's generation id, or a KIP-848 group's
	// group epoch.
	Generation int32 `json:"generation"`
	// AssignmentEpoch is a KIP-848 group's target assignment epoch (-1 when
	// none); -1 for classic groups.
	AssignmentEpoch       int32    `json:"assignmentEpoch"`
	Leader                string   `json:"leader"`                // classic: the leader's member id ("" if none)
	CurrentStateTimestamp int64    `json:"currentStateTimestamp"` // classic v2+, else -1
	Members               []Member `json:"members"`               // sorted by member id
	// Offsets are the committed offsets, sorted by topic and partition;
	// only committed transactions count.
	Offsets []CommittedOffset `json:"offsets"`
	// PendingTransactionalOffsets counts offsets written by transactions that
	// have no COMMIT or ABORT marker yet at the end of the log. They are not
	// in Offsets; OffsetFetch with requireStable answers
	// UNSTABLE_OFFSET_COMMIT for their partitions (KIP-447).
	PendingTransactionalOffsets int                      `json:"pendingTransactionalOffsets"`
	PendingPartitions           []PendingTransactionalTP `json:"pendingPartitions,omitempty"`
	// CoordinatorPartition is the __consumer_offsets partition holding the
	// group's records.
	CoordinatorPartition int32 `json:"coordinatorPartition"`
	// Deleted: the group's metadata was deleted (tombstone) but committed
	// offsets remain. Kafka 4.0's group coordinator neither lists such a
	// group nor returns its offsets (OffsetMetadataManager.fetchOffsets
	// fails all partitions of an unknown group); the coordinator before 4.0
	// loaded it as an Empty classic group with those offsets
	// (GroupMetadataManager.scala, emptyGroupOffsets).
	Deleted bool `json:"deleted,omitempty"`
}

// PendingTransactionalTP is a partition with an open transactional offset commit.
type PendingTransactionalTP struct {
	Topic      string `json:"topic"`
	Partition  int32  `json:"partition"`
	ProducerID int64  `json:"producerId"`
}

// Member is one group member.
type Member struct {
	MemberID        string  `json:"memberId"`
	GroupInstanceID *string `json:"groupInstanceId"` // static membership, nil if none
	ClientID        string  `json:"clientId"`
	ClientHost      string  `json:"clientHost"`
	// RebalanceTimeoutMs is as loaded: Kafka substitutes the session
	// timeout when the record holds -1 (GroupMetadataValue v0).
	RebalanceTimeoutMs int32 `json:"rebalanceTimeoutMs"`
	SessionTimeoutMs   int32 `json:"sessionTimeoutMs"`
	// Subscription and Assignment are a classic member's raw protocol
	// metadata and assignment, as DescribeGroups returns them.
	Subscription []byte `json:"subscription,omitempty"`
	Assignment   []byte `json:"assignment,omitempty"`
	// SubscribedTopics and AssignedPartitions are decoded from the
	// ConsumerProtocol bytes (classic "consumer" groups) or from the KIP-848
	// records; nil when unknown.
	SubscribedTopics   []string          `json:"subscribedTopics"`
	AssignedPartitions []TopicPartitions `json:"assignedPartitions"`
	// AssignedTopicIDs are the topic ids of a KIP-848 member's
	// AssignedPartitions, index by index (those records name topics by id;
	// a Topic is "" when its id is not in the log dir's partition.metadata
	// files nor in the group's partition metadata records).
	AssignedTopicIDs []string `json:"assignedTopicIds,omitempty"`
	// TargetPartitions and TargetTopicIDs are a KIP-848 member's target
	// assignment (the TargetAssignmentMember record), in the same form
	// as AssignedPartitions and AssignedTopicIDs; nil when it has none.
	// ConsumerGroupDescribe reports both (ConsumerGroup.asDescribedGroup).
	TargetPartitions []TopicPartitions `json:"targetPartitions,omitempty"`
	TargetTopicIDs   []string          `json:"targetTopicIds,omitempty"`
	// KIP-848 members only.
	MemberEpoch          int32  `json:"memberEpoch"` // -1 for classic members
	RackID               string `json:"rackId,omitempty"`
	SubscribedTopicRegex string `json:"subscribedTopicRegex,omitempty"`
	ServerAssignor       string `json:"serverAssignor,omitempty"`
	State                int8   `json:"memberState,omitempty"` // stored MemberState id (consumer/share: 0 stable; streams: 1 stable)
}

// CommittedOffset is one committed offset as OffsetFetch returns it.
type CommittedOffset struct {
	Topic           string `json:"topic"`
	Partition       int32  `json:"partition"`
	Offset          int64  `json:"offset"`
	LeaderEpoch     int32  `json:"leaderEpoch"` // -1 if unknown
	Metadata        string `json:"metadata"`
	CommitTimestamp int64  `json:"commitTimestamp"`
	ExpireTimestamp int64  `json:"expireTimestamp"` // OffsetCommitValue v1 only, else -1
	// RecordOffset is the __consumer_offsets offset of the record that set it.
	RecordOffset int64 `json:"recordOffset"`
}

type tp struct {
	topic     string
	partition int32
}

type groupState struct {
	g       *Group
	exists  bool // in Kafka's group map (not deleted)
	offsets map[tp]CommittedOffset
	// KIP-848 state, folded into g at the end.
	members map[string]*modernMember
	// targetAssigned: each member's target assignment record's
	// TopicPartitions (consumer and share groups).
	targetAssigned map[string][]*Message
	// Streams groups: the topology record's epoch and the epoch the
	// coordinator validated (-1 when none).
	topologyEpoch, validatedTopologyEpoch int32
}

type groupLoader struct {
	groups    map[string]*groupState
	pending   map[int64]map[string]map[tp]CommittedOffset // producer id -> group -> offsets
	partition int32
	// topicNames resolves the topic ids of KIP-848 assignments: from the
	// log dir's partition.metadata files and the groups' partition
	// metadata records.
	topicNames map[[16]byte]string
}

func newGroupLoader() *groupLoader {
	return &groupLoader{groups: map[string]*groupState{}, pending: map[int64]map[string]map[tp]CommittedOffset{},
		topicNames: map[[16]byte]string{}}
}

func (l *groupLoader) state(id string) *groupState {
	s := l.groups[id]
	if s == nil {
		s = &groupState{g: newGroup(id), offsets: map[tp]CommittedOffset{}}
		l.groups[id] = s
	}
	return s
}

func newGroup(id string) *Group {
	return &Group{GroupID: id, Type: GroupTypeClassic, State: StateEmpty, AssignmentEpoch: -1, CurrentStateTimestamp: -1}
}

// ensure makes the group exist as Kafka's getOrMaybeCreate*Group does; a
// group of another type is replaced (Kafka refuses the record then; the log
// of a healthy broker never has that).
func (l *groupLoader) ensure(id, typ string) *groupState {
	s := l.state(id)
	if !s.exists || s.g.Type != typ {
		g := newGroup(id)
		g.Type = typ
		switch typ {
		case GroupTypeConsumer:
			g.ProtocolType = ConsumerProtocolType
		case GroupTypeShare:
			g.ProtocolType = "share"
		case GroupTypeStreams:
			g.ProtocolType = "streams"
		}
		s.g, s.exists = g, true
		s.members, s.targetAssigned = nil, nil
		s.topologyEpoch, s.validatedTopologyEpoch = -1, -1
	}
	s.g.CoordinatorPartition = l.partition
	return s
}

func (l *groupLoader) marker(producerID int64, commit bool) {
	pend := l.pending[producerID]
	if pend == nil {
		return
	}
	delete(l.pending, producerID)
	if !commit {
		return
	}
	for group, offs := range pend {
		s := l.state(group)
		for k, o := range offs {
			// OffsetMetadataManager.replayEndTransactionMarker keeps the
			// commit whose record offset is newest.
			if old, ok := s.offsets[k]; !ok || o.RecordOffset > old.RecordOffset {
				s.offsets[k] = o
			}
		}
	}
}

func (l *groupLoader) record(offset, producerID int64, key, value []byte) error {
	rec, err := DecodeGroupRecord(key, value)
	if err != nil {
		return err
	}
	id := rec.Key.Group
	switch rec.Type {
	case TypeLegacyOffsetCommit, TypeOffsetCommit:
		k := tp{rec.Key.Topic, rec.Key.Partition}
		if rec.Tombstone {
			if s := l.groups[id]; s != nil {
				delete(s.offsets, k)
			}
			for _, pend := range l.pending {
				delete(pend[id], k)
			}
			return nil
		}
		// OffsetMetadataManager.replay: committing offsets creates a
		// "simple" classic group (no protocol type) when none exists.
		s := l.state(id)
		if !s.exists {
			s = l.ensure(id, GroupTypeClassic)
		}
		v := rec.OffsetCommit
		o := CommittedOffset{Topic: k.topic, Partition: k.partition, Offset: v.Offset, LeaderEpoch: v.LeaderEpoch,
			Metadata: v.Metadata, CommitTimestamp: v.CommitTimestamp, ExpireTimestamp: v.ExpireTimestamp, RecordOffset: offset}
		if producerID < 0 {
			s.offsets[k] = o
			return nil
		}
		pend := l.pending[producerID]
		if pend == nil {
			pend = map[string]map[tp]CommittedOffset{}
			l.pending[producerID] = pend
		}
		if pend[id] == nil {
			pend[id] = map[tp]CommittedOffset{}
		}
		pend[id][k] = o
	case TypeGroupMetadata:
		if rec.Tombstone {
			l.remove(id)
			return nil
		}
		s := l.ensure(id, GroupTypeClassic)
		loadClassic(s.g, rec.GroupMetadata)
	default:
		return l.modernRecord(rec)
	}
	return nil
}

func (l *groupLoader) remove(id string) {
	if s := l.groups[id]; s != nil {
		s.exists = false
	}
}

// loadClassic applies GroupMetadataManager.replay(GroupMetadataKey,
// GroupMetadataValue): the group is Stable with members, else Empty.
func loadClassic(g *Group, v *GroupMetadataValue) {
	g.ProtocolType = v.ProtocolType
	g.Generation = v.Generation
	g.Protocol = deref(v.Protocol)
	g.Leader = deref(v.Leader)
	g.CurrentStateTimestamp = v.CurrentStateTimestamp
	g.Members = make([]Member, len(v.Members))
	for i, m := range v.Members {
		rt := m.RebalanceTimeout
		if rt == -1 {
			rt = m.SessionTimeout
		}
		gm := Member{MemberID: m.MemberID, GroupInstanceID: m.GroupInstanceID, ClientID: m.ClientID, ClientHost: m.ClientHost,
			RebalanceTimeoutMs: rt, SessionTimeoutMs: m.SessionTimeout, Subscription: m.Subscription, Assignment: m.Assignment, MemberEpoch: -1}
		if m.ConsumerSubscription != nil {
			gm.SubscribedTopics = m.ConsumerSubscription.Topics
		}
		if m.ConsumerAssignment != nil {
			gm.AssignedPartitions = m.ConsumerAssignment.AssignedPartitions
		}
		g.Members[i] = gm
	}
	sort.Slice(g.Members, func(i, j int) bool { return g.Members[i].MemberID < g.Members[j].MemberID })
	g.State = StateEmpty
	if len(g.Members) > 0 {
		g.State = StateStable
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// LoadGroups replays every __consumer_offsets-N partition directory of logDir
// (or logDir itself when it is one) to the end of its log and returns the groups and committed offsets a
// broker would hold after loading them: tombstones delete, transactional
// offset commits count only once their COMMIT marker is replayed, and
// classic groups are Stable with members and Empty without
// (GroupMetadataManager.replay). Files are opened read-only; memory is
// bounded by the live state (groups, members, offsets, open transactions),
// not by the log size. Only I/O errors are returned; corruption stops the
// affected partition and is reported in its PartitionLoad.
func LoadGroups(logDir string) (*Groups, error) {
	dirs, err := coordinatorPartitions(logDir, OffsetsTopic)
	if err != nil {
		return nil, err
	}
	out := &Groups{Groups: []*Group{}, Partitions: []PartitionLoad{}}
	l := newGroupLoader()
	loadTopicIDs(logDir, l.topicNames)
	for _, dir := range dirs {
		_, n, _, _ := segment.ParsePartitionDir(filepath.Base(dir))
		l.partition = n
		load, err := replayPartition(dir, l)
		if err != nil {
			return nil, err
		}
		out.Partitions = append(out.Partitions, load)
	}
	out.Groups = l.finish()
	return out, nil
}

func (l *groupLoader) finish() []*Group {
	// Open transactions at the end of the log: their offsets stay pending.
	for pid, pend := range l.pending {
		for id, offs := range pend {
			s := l.groups[id]
			if s == nil || !s.exists {
				continue
			}
			for k := range offs {
				s.g.PendingTransactionalOffsets++
				s.g.PendingPartitions = append(s.g.PendingPartitions, PendingTransactionalTP{k.topic, k.partition, pid})
			}
		}
	}
	var out []*Group
	for id, s := range l.groups {
		if !s.exists {
			if len(s.offsets) == 0 {
				continue
			}
			part := s.g.CoordinatorPartition
			s.g = newGroup(id)
			s.g.CoordinatorPartition = part
			s.g.Deleted = true
			s.g.State = StateDead
		}
		g := s.g
		l.foldModern(s)
		g.Offsets = make([]CommittedOffset, 0, len(s.offsets))
		for _, o := range s.offsets {
			g.Offsets = append(g.Offsets, o)
		}
		sort.Slice(g.Offsets, func(i, j int) bool {
			a, b := g.Offsets[i], g.Offsets[j]
			if a.Topic != b.Topic {
				return a.Topic < b.Topic
			}
			return a.Partition < b.Partition
		})
		sort.Slice(g.PendingPartitions, func(i, j int) bool {
			a, b := g.PendingPartitions[i], g.PendingPartitions[j]
			if a.Topic != b.Topic {
				return a.Topic < b.Topic
			}
			if a.Partition != b.Partition {
				return a.Partition < b.Partition
			}
			return a.ProducerID < b.ProducerID
		})
		if g.Members == nil {
			g.Members = []Member{}
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GroupID < out[j].GroupID })
	if out == nil {
		out = []*Group{}
	}
	return out
}
