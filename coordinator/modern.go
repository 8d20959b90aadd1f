package coordinator

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// streamsMemberStable is the stored value of a stable streams member
// (streams.MemberState.STABLE; consumer and share members use 0).
const streamsMemberStable = 1

// modernRecord replays a KIP-848 / KIP-932 / KIP-1071 group record the way
// GroupMetadataManager.replay does for each record type: a value creates the
// group (and member) if needed, a tombstone deletes.
func (l *groupLoader) modernRecord(rec *GroupRecord) error {
	id := rec.Key.Group
	typ := modernGroupType(rec.Type)
	if typ == "" {
		return nil
	}
	if !rec.Tombstone && rec.Message == nil && groupValueSchemas[rec.Type] != nil {
		// The value did not decode: it still shows the group exists.
		l.ensure(id, typ)
		return fmt.Errorf("%s value: %s", rec.Type, rec.ValueError)
	}
	m := rec.Message
	s := l.groups[id]
	live := s != nil && s.exists && s.g.Type == typ
	if rec.Tombstone && !live {
		return nil // Kafka ignores tombstones of groups it does not have
	}
	switch rec.Type {
	case TypeConsumerGroupMetadata, TypeShareGroupMetadata, TypeStreamsGroupMetadata:
		if rec.Tombstone {
			l.remove(id)
			return nil
		}
		s = l.ensure(id, typ)
		s.g.Generation = int32(m.Int("Epoch", 0))
		if typ == GroupTypeStreams {
			s.validatedTopologyEpoch = int32(m.Int("ValidatedTopologyEpoch", -1))
		}
	case TypeStreamsGroupTopology:
		if rec.Tombstone {
			s.topologyEpoch = -1
			return nil
		}
		s = l.ensure(id, typ)
		s.topologyEpoch = int32(m.Int("Epoch", -1))
	case TypeConsumerGroupPartitionMetadata, TypeShareGroupPartitionMetadata:
		if rec.Tombstone {
			return nil
		}
		l.ensure(id, typ)
		for _, t := range m.Structs("Topics") {
			v, _ := t.Get("TopicId")
			l.topicNames[v.UUID] = t.Str("TopicName")
		}
	case TypeConsumerGroupMemberMetadata, TypeShareGroupMemberMetadata, TypeStreamsGroupMemberMetadata:
		if rec.Tombstone {
			delete(s.members, rec.Key.MemberID)
			return nil
		}
		s = l.ensure(id, typ)
		mb := s.member(rec.Key.MemberID)
		if m == nil {
			return nil // streams member values are not decoded
		}
		if v, _ := m.Get("InstanceId"); !v.Null && v.Str != "" {
			mb.GroupInstanceID = &v.Str
		}
		mb.RackID, mb.ClientID, mb.ClientHost = m.Str("RackId"), m.Str("ClientId"), m.Str("ClientHost")
		v, _ := m.Get("SubscribedTopicNames")
		mb.SubscribedTopics = v.Strs
		mb.SubscribedTopicRegex, mb.ServerAssignor = m.Str("SubscribedTopicRegex"), m.Str("ServerAssignor")
		mb.RebalanceTimeoutMs = int32(m.Int("RebalanceTimeoutMs", -1))
		if c, _ := m.Get("ClassicMemberMetadata"); c.Struct != nil {
			mb.SessionTimeoutMs = int32(c.Struct.Int("SessionTimeoutMs", 0))
		}
	case TypeConsumerGroupTargetAssignmentMetadata, TypeShareGroupTargetAssignmentMetadata, TypeStreamsGroupTargetAssignmentMetadata:
		if rec.Tombstone {
			s.g.AssignmentEpoch = -1
			return nil
		}
		s = l.ensure(id, typ)
		s.g.AssignmentEpoch = int32(m.Int("AssignmentEpoch", -1))
	case TypeConsumerGroupTargetAssignmentMember, TypeShareGroupTargetAssignmentMember, TypeStreamsGroupTargetAssignmentMember:
		if rec.Tombstone {
			delete(s.targetAssigned, rec.Key.MemberID)
			return nil
		}
		s = l.ensure(id, typ)
		if s.targetAssigned == nil {
			s.targetAssigned = map[string][]*Message{}
		}
		var parts []*Message
		if m != nil {
			parts = m.Structs("TopicPartitions") // streams records have no such field: nil
		}
		s.targetAssigned[rec.Key.MemberID] = parts
	case TypeConsumerGroupCurrentMemberAssignment, TypeShareGroupCurrentMemberAssignment, TypeStreamsGroupCurrentMemberAssignment:
		if rec.Tombstone {
			// The member left: epoch -1 and no partitions, until its
			// metadata tombstone removes it.
			if mb := s.members[rec.Key.MemberID]; mb != nil {
				mb.MemberEpoch, mb.AssignedPartitions, mb.assignedIDs = -1, nil, nil
			}
			return nil
		}
		s = l.ensure(id, typ)
		mb := s.member(rec.Key.MemberID)
		if m == nil {
			return nil
		}
		mb.MemberEpoch = int32(m.Int("MemberEpoch", 0))
		mb.State = int8(m.Int("State", 0))
		mb.assignedIDs = m.Structs("AssignedPartitions")
		mb.hasAssignment = true
	default:
		// Regular expressions, share-state partition metadata, streams
		// topology and resolved topics: the group exists, nothing more to keep.
		if !rec.Tombstone {
			l.ensure(id, typ)
		}
	}
	return nil
}

func modernGroupType(t RecordType) string {
	switch {
	case t >= TypeConsumerGroupMetadata && t <= TypeConsumerGroupCurrentMemberAssignment, t == TypeConsumerGroupRegularExpression:
		return GroupTypeConsumer
	case t >= TypeShareGroupPartitionMetadata && t <= TypeShareGroupStatePartitionMetadata:
		return GroupTypeShare
	case t >= TypeStreamsGroupMetadata && t <= TypeStreamsGroupTargetAssignmentResolvedTopics:
		return GroupTypeStreams
	}
	return ""
}

// modernMember is a KIP-848-style member while replaying.
type modernMember struct {
	Member
	assignedIDs []*Message // AssignedPartitions, resolved to names at the end
	// hasAssignment: a current-assignment record was replayed. A streams
	// member without one has no state yet (StreamsGroupMember.Builder
	// leaves it null), so it is not reconciled.
	hasAssignment bool
}

func (s *groupState) member(id string) *modernMember {
	if s.members == nil {
		s.members = map[string]*modernMember{}
	}
	mb := s.members[id]
	if mb == nil {
		// ConsumerGroupMember.Builder defaults: epoch 0, state STABLE.
		mb = &modernMember{Member: Member{MemberID: id, RebalanceTimeoutMs: -1}}
		s.members[id] = mb
	}
	return mb
}

// foldModern computes a modern group's members and state as Kafka does
// after loading (ConsumerGroup.maybeUpdateGroupState: Empty without
// members, Assigning while the group epoch is ahead of the target assignment
// epoch, Reconciling while a member is not stable at the target epoch, else
// Stable; share groups are Empty or Stable; StreamsGroup adds NotReady while
// the topology's epoch is not the validated one).
func (l *groupLoader) foldModern(s *groupState) {
	g := s.g
	if g.Type == GroupTypeClassic || g.Deleted {
		return
	}
	g.Members = make([]Member, 0, len(s.members))
	assignors := map[string]int{}
	for _, mb := range s.members {
		m := mb.Member
		m.AssignedPartitions, m.AssignedTopicIDs = l.resolve(mb.assignedIDs)
		m.TargetPartitions, m.TargetTopicIDs = l.resolve(s.targetAssigned[m.MemberID])
		if m.ServerAssignor != "" {
			assignors[m.ServerAssignor]++
		}
		g.Members = append(g.Members, m)
	}
	sort.Slice(g.Members, func(i, j int) bool { return g.Members[i].MemberID < g.Members[j].MemberID })
	for a, n := range assignors {
		if n > assignors[g.Protocol] || (n == assignors[g.Protocol] && a < g.Protocol) {
			g.Protocol = a
		}
	}
	switch {
	case len(g.Members) == 0:
		g.State = StateEmpty
	case g.Type == GroupTypeShare:
		g.State = StateStable
	case g.Type == GroupTypeStreams && (s.topologyEpoch < 0 || s.topologyEpoch != s.validatedTopologyEpoch):
		g.State = StateNotReady
	case g.Generation > g.AssignmentEpoch:
		g.State = StateAssigning
	default:
		g.State = StateStable
		stable := int8(0)
		if g.Type == GroupTypeStreams {
			stable = streamsMemberStable
		}
		for _, mb := range s.members {
			if !mb.hasAssignment && g.Type == GroupTypeStreams || mb.State != stable || mb.MemberEpoch != g.AssignmentEpoch {
				g.State = StateReconciling
				break
			}
		}
	}
}

// resolve names the topics of replayed TopicPartitions structs (by id).
func (l *groupLoader) resolve(tps []*Message) (parts []TopicPartitions, ids []string) {
	for _, tp := range tps {
		v, _ := tp.Get("TopicId")
		p, _ := tp.Get("Partitions")
		parts = append(parts, TopicPartitions{Topic: l.topicNames[v.UUID], Partitions: p.Ints})
		ids = append(ids, base64.RawURLEncoding.EncodeToString(v.UUID[:]))
	}
	return parts, ids
}

// loadTopicIDs maps the topic ids of logDir's partitions (partition.metadata)
// to their names, to name the partitions of KIP-848 assignments.
func loadTopicIDs(logDir string, into map[[16]byte]string) {
	ents, err := os.ReadDir(logDir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		topic, _, kind, ok := segment.ParsePartitionDir(e.Name())
		if !ok || kind != segment.DirPartition {
			continue
		}
		b, err := os.ReadFile(filepath.Join(logDir, e.Name(), "partition.metadata"))
		if err != nil || len(b) > 4096 {
			continue
		}
		if pm, err := state.DecodePartitionMetadata(b, "partition.metadata"); err == nil {
			into[pm.TopicID] = topic
		}
	}
}
