package metadata

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kseg/kseg/internal/kbin"
)

// Image is the cluster metadata state after replaying a KRaft log (and a
// snapshot) up to Offset, following Kafka's MetadataDelta.replay
// (metadata/src/main/java/org/apache/kafka/image/MetadataDelta.java) and
// PartitionRegistration.merge. It is a plain value: safe to read
// concurrently once Load returns, not safe to mutate concurrently.
type Image struct {
	// Offset is the last applied offset (-1: nothing applied); Timestamp its
	// record's timestamp; Epoch its batch's leader epoch.
	Offset    int64
	Timestamp int64
	Epoch     int32
	// Snapshot is the snapshot file the replay started from ("" for none);
	// Records counts records applied from it and the log.
	Snapshot string
	Records  int64

	Topics      map[string]*Topic // by name
	Brokers     map[int32]*Broker
	Controllers map[int32]*Controller
	// Features maps a feature name (metadata.version, kraft.version, ...) to
	// its finalized level.
	Features map[string]int16
	// Configs maps a resource to its dynamic configs (key → value).
	Configs map[ConfigResource]map[string]string
	// ProducerIDs is the last producer-id block handed out, nil if none.
	ProducerIDs *ProducerIDs
	// Raft state from control records.
	LeaderID     int32 // from the last LeaderChange (-1: none seen)
	LeaderEpoch  int32
	Voters       []Voter
	KRaftVersion int16

	acls       map[kbin.UUID]*Record
	quotas     map[string]map[string]*Record // entity → key → record
	scram      map[string]*Record            // name/mechanism → record
	tokens     map[string]*Record            // tokenId → record
	topicsByID map[kbin.UUID]*Topic
	txn        []*Entry // records of an open metadata transaction
	inTxn      bool
	history    *historyRecorder
}

// Topic is one topic of the image.
type Topic struct {
	Name       string
	ID         kbin.UUID
	Partitions map[int32]*Partition
}

// Partition is a PartitionRegistration.
type Partition struct {
	ID                  int32
	Replicas            []int32
	ISR                 []int32
	RemovingReplicas    []int32
	AddingReplicas      []int32
	Leader              int32
	LeaderRecoveryState int8
	LeaderEpoch         int32
	PartitionEpoch      int32
	Directories         []kbin.UUID // nil before metadata.version 3.7-IV2
	ELR                 []int32     // eligible leader replicas (KIP-966), nil if none
	LastKnownELR        []int32
}

// Endpoint is a listener of a broker or controller.
type Endpoint struct {
	Name             string
	Host             string
	Port             int32
	SecurityProtocol int16
}

// Broker is a BrokerRegistration.
type Broker struct {
	ID                   int32
	Epoch                int64
	IncarnationID        kbin.UUID
	Endpoints            []Endpoint
	Rack                 *string
	Fenced               bool
	InControlledShutdown bool
	IsMigratingZkBroker  bool
	LogDirs              []kbin.UUID
}

// Controller is a ControllerRegistration.
type Controller struct {
	ID            int32
	IncarnationID kbin.UUID
	Endpoints     []Endpoint
}

// Voter is a KRaft voter (VotersRecord, or a LeaderChange voter).
type Voter struct {
	ID          int32
	DirectoryID kbin.UUID
	Endpoints   []Endpoint
}

// ProducerIDs is the last ProducerIdsRecord.
type ProducerIDs struct {
	BrokerID       int32
	BrokerEpoch    int64
	NextProducerID int64
}

// ConfigResource names a config owner. Type uses Kafka's
// ConfigResource.Type ids: 2 TOPIC, 4 BROKER, 8 BROKER_LOGGER, 16
// CLIENT_METRICS, 32 GROUP.
type ConfigResource struct {
	Type int8
	Name string
}

// ConfigResourceTypeName is ConfigResource.Type's enum name for t.
func ConfigResourceTypeName(t int8) string {
	switch t {
	case 2:
		return "TOPIC"
	case 4:
		return "BROKER"
	case 8:
		return "BROKER_LOGGER"
	case 16:
		return "CLIENT_METRICS"
	case 32:
		return "GROUP"
	}
	return "UNKNOWN(" + strconv.Itoa(int(t)) + ")"
}

// Config resource types.
const (
	ResourceTopic  int8 = 2
	ResourceBroker int8 = 4
)

// NewImage returns an empty image.
func NewImage() *Image {
	return &Image{Offset: -1, Timestamp: -1, Epoch: -1, LeaderID: -1,
		Topics: map[string]*Topic{}, Brokers: map[int32]*Broker{}, Controllers: map[int32]*Controller{},
		Features: map[string]int16{}, Configs: map[ConfigResource]map[string]string{},
		acls: map[kbin.UUID]*Record{}, quotas: map[string]map[string]*Record{}, scram: map[string]*Record{},
		tokens: map[string]*Record{}, topicsByID: map[kbin.UUID]*Topic{}}
}

// TopicByID returns the topic with the given ID, or nil.
func (im *Image) TopicByID(id kbin.UUID) *Topic { return im.topicsByID[id] }

// TopicConfigs returns the dynamic configs of a topic (nil if none).
func (im *Image) TopicConfigs(name string) map[string]string {
	return im.Configs[ConfigResource{Type: ResourceTopic, Name: name}]
}

// ACLCount is the number of ACL entries.
func (im *Image) ACLCount() int { return len(im.acls) }

// QuotaEntityCount is the number of client-quota entities with a quota.
func (im *Image) QuotaEntityCount() int { return len(im.quotas) }

// ScramCredentialCount is the number of SCRAM credentials.
func (im *Image) ScramCredentialCount() int { return len(im.scram) }

// DelegationTokenCount is the number of delegation tokens.
func (im *Image) DelegationTokenCount() int { return len(im.tokens) }

// TopicNames returns the topic names sorted.
func (im *Image) TopicNames() []string {
	names := make([]string, 0, len(im.Topics))
	for n := range im.Topics {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Apply replays one entry into the image. Records of a metadata transaction
// (BeginTransactionRecord … EndTransactionRecord, KIP-868) are held back and
// applied at its end, and dropped on AbortTransactionRecord, as Kafka's
// MetadataLoader does.
func (im *Image) Apply(e *Entry) {
	im.Offset, im.Timestamp, im.Epoch = e.Offset, e.Timestamp, e.LeaderEpoch
	im.Records++
	if e.Control != nil {
		im.applyControl(e)
		return
	}
	if e.Record == nil || e.Record.Data == nil {
		return
	}
	switch e.Record.Name {
	case "BEGIN_TRANSACTION_RECORD":
		im.inTxn, im.txn = true, im.txn[:0]
		return
	case "END_TRANSACTION_RECORD":
		pending := im.txn
		im.inTxn, im.txn = false, nil
		for _, p := range pending {
			im.apply(p)
		}
		return
	case "ABORT_TRANSACTION_RECORD":
		im.inTxn, im.txn = false, nil
		return
	}
	if im.inTxn {
		im.txn = append(im.txn, e)
		return
	}
	im.apply(e)
}

func (im *Image) applyControl(e *Entry) {
	d := e.Control.Data
	if d == nil {
		return
	}
	switch e.Control.Type {
	case ControlLeaderChange:
		im.LeaderID, im.LeaderEpoch = int32(d.Int("leaderId", -1)), e.LeaderEpoch
		if len(im.Voters) == 0 || im.votersFromLeaderChange() {
			im.Voters = im.Voters[:0]
			for _, v := range d.Structs("voters") {
				im.Voters = append(im.Voters, Voter{ID: int32(v.Int("voterId", -1)), DirectoryID: v.UUID("voterDirectoryId")})
			}
		}
	case ControlKRaftVoters:
		im.Voters = nil
		for _, v := range d.Structs("voters") {
			im.Voters = append(im.Voters, Voter{ID: int32(v.Int("voterId", -1)), DirectoryID: v.UUID("voterDirectoryId"), Endpoints: endpoints(v.Structs("endpoints"))})
		}
	case ControlKRaftVersion:
		im.KRaftVersion = int16(d.Int("kRaftVersion", 0))
	}
}

// votersFromLeaderChange: with kraft.version 0 the voter set is static and
// LeaderChange messages carry it; once a VotersRecord exists it wins.
func (im *Image) votersFromLeaderChange() bool {
	for _, v := range im.Voters {
		if len(v.Endpoints) > 0 {
			return false
		}
	}
	return true
}

func endpoints(ss []*Struct) []Endpoint {
	out := make([]Endpoint, 0, len(ss))
	for _, s := range ss {
		out = append(out, Endpoint{Name: s.Str("name"), Host: s.Str("host"), Port: int32(s.Int("port", 0)), SecurityProtocol: int16(s.Int("securityProtocol", 0))})
	}
	return out
}

func (im *Image) apply(e *Entry) {
	d := e.Record.Data
	h := im.history
	switch e.Record.Name {
	case "TOPIC_RECORD":
		t := &Topic{Name: d.Str("name"), ID: d.UUID("topicId"), Partitions: map[int32]*Partition{}}
		im.Topics[t.Name] = t
		im.topicsByID[t.ID] = t
		h.topic(e, t.Name, -1, "", "created, id "+t.ID.String())
	case "REMOVE_TOPIC_RECORD":
		t := im.topicsByID[d.UUID("topicId")]
		if t == nil {
			return
		}
		delete(im.topicsByID, t.ID)
		delete(im.Topics, t.Name)
		delete(im.Configs, ConfigResource{Type: ResourceTopic, Name: t.Name})
		h.topic(e, t.Name, -1, fmt.Sprintf("id %s, %d partitions", t.ID, len(t.Partitions)), "deleted")
	case "PARTITION_RECORD":
		t := im.topicsByID[d.UUID("topicId")]
		if t == nil {
			return
		}
		p := &Partition{ID: int32(d.Int("partitionId", -1)), Replicas: d.Ints("replicas"), ISR: d.Ints("isr"),
			RemovingReplicas: d.Ints("removingReplicas"), AddingReplicas: d.Ints("addingReplicas"),
			Leader: int32(d.Int("leader", -1)), LeaderRecoveryState: int8(d.Int("leaderRecoveryState", 0)),
			LeaderEpoch: int32(d.Int("leaderEpoch", -1)), PartitionEpoch: int32(d.Int("partitionEpoch", -1)),
			Directories: nilIfEmpty(d.UUIDs("directories")), ELR: d.Ints("eligibleLeaderReplicas"), LastKnownELR: d.Ints("lastKnownElr")}
		before := ""
		if old := t.Partitions[p.ID]; old != nil {
			before = old.Summary()
		}
		t.Partitions[p.ID] = p
		h.topic(e, t.Name, p.ID, before, p.Summary())
	case "PARTITION_CHANGE_RECORD":
		t := im.topicsByID[d.UUID("topicId")]
		if t == nil {
			return
		}
		p := t.Partitions[int32(d.Int("partitionId", -1))]
		if p == nil {
			return
		}
		old := *p
		p.merge(d)
		h.partitionChange(e, t.Name, &old, p)
	case "CLEAR_ELR_RECORD":
		name := d.Str("topicName")
		for _, t := range im.Topics {
			if name != "" && t.Name != name {
				continue
			}
			for _, p := range t.Partitions {
				p.ELR, p.LastKnownELR = nil, nil
			}
		}
	case "CONFIG_RECORD":
		r := ConfigResource{Type: int8(d.Int("resourceType", 0)), Name: d.Str("resourceName")}
		key := d.Str("name")
		m := im.Configs[r]
		before := "(unset)"
		if v, ok := m[key]; ok {
			before = v
		}
		after := "(unset)"
		if v := d.NullableStr("value"); v == nil {
			delete(m, key)
			if len(m) == 0 {
				delete(im.Configs, r)
			}
		} else {
			if m == nil {
				m = map[string]string{}
				im.Configs[r] = m
			}
			m[key] = *v
			after = *v
		}
		h.config(e, r, key, before, after)
	case "FEATURE_LEVEL_RECORD":
		name, level := d.Str("name"), int16(d.Int("featureLevel", 0))
		if level == 0 {
			delete(im.Features, name)
		} else {
			im.Features[name] = level
		}
	case "REGISTER_BROKER_RECORD":
		b := &Broker{ID: int32(d.Int("brokerId", -1)), Epoch: d.Int("brokerEpoch", -1), IncarnationID: d.UUID("incarnationId"),
			Endpoints: endpoints(d.Structs("endPoints")), Rack: d.NullableStr("rack"), Fenced: d.Bool("fenced"),
			InControlledShutdown: d.Bool("inControlledShutdown"), IsMigratingZkBroker: d.Bool("isMigratingZkBroker"), LogDirs: nilIfEmpty(d.UUIDs("logDirs"))}
		if !d.Has("fenced") { // never: fenced exists in every version; kept for clarity of the default
			b.Fenced = true
		}
		before := ""
		if old := im.Brokers[b.ID]; old != nil {
			before = old.Summary()
		}
		im.Brokers[b.ID] = b
		h.broker(e, b.ID, before, "registered: "+b.Summary())
	case "UNREGISTER_BROKER_RECORD":
		id := int32(d.Int("brokerId", -1))
		if old := im.Brokers[id]; old != nil {
			delete(im.Brokers, id)
			h.broker(e, id, old.Summary(), "unregistered")
		}
	case "FENCE_BROKER_RECORD", "UNFENCE_BROKER_RECORD":
		id := int32(d.Int("id", -1))
		if b := im.Brokers[id]; b != nil {
			before := b.Summary()
			b.Fenced = e.Record.Name == "FENCE_BROKER_RECORD"
			h.broker(e, id, before, b.Summary())
		}
	case "BROKER_REGISTRATION_CHANGE_RECORD":
		id := int32(d.Int("brokerId", -1))
		b := im.Brokers[id]
		if b == nil {
			return
		}
		before := b.Summary()
		// BrokerRegistrationFencingChange: -1 unfence, 0 none, 1 fence;
		// BrokerRegistrationInControlledShutdownChange: 1 = now in it.
		switch d.Int("fenced", 0) {
		case -1:
			b.Fenced = false
		case 1:
			b.Fenced = true
		}
		if d.Int("inControlledShutdown", 0) == 1 {
			b.InControlledShutdown = true
		}
		if dirs := d.UUIDs("logDirs"); dirs != nil && len(dirs) > 0 {
			b.LogDirs = dirs
		}
		h.broker(e, id, before, b.Summary())
	case "REGISTER_CONTROLLER_RECORD":
		c := &Controller{ID: int32(d.Int("controllerId", -1)), IncarnationID: d.UUID("incarnationId"), Endpoints: endpoints(d.Structs("endPoints"))}
		im.Controllers[c.ID] = c
	case "UNREGISTER_CONTROLLER_RECORD":
		delete(im.Controllers, int32(d.Int("controllerId", -1)))
	case "PRODUCER_IDS_RECORD":
		im.ProducerIDs = &ProducerIDs{BrokerID: int32(d.Int("brokerId", -1)), BrokerEpoch: d.Int("brokerEpoch", -1), NextProducerID: d.Int("nextProducerId", -1)}
	case "ACCESS_CONTROL_ENTRY_RECORD":
		im.acls[d.UUID("id")] = e.Record
	case "REMOVE_ACCESS_CONTROL_ENTRY_RECORD":
		delete(im.acls, d.UUID("id"))
	case "CLIENT_QUOTA_RECORD":
		var parts []string
		for _, en := range d.Structs("entity") {
			n := "<default>"
			if s := en.NullableStr("entityName"); s != nil {
				n = *s
			}
			parts = append(parts, en.Str("entityType")+"="+n)
		}
		ent := strings.Join(parts, ",")
		if d.Bool("remove") {
			delete(im.quotas[ent], d.Str("key"))
			if len(im.quotas[ent]) == 0 {
				delete(im.quotas, ent)
			}
		} else {
			if im.quotas[ent] == nil {
				im.quotas[ent] = map[string]*Record{}
			}
			im.quotas[ent][d.Str("key")] = e.Record
		}
	case "USER_SCRAM_CREDENTIAL_RECORD":
		im.scram[d.Str("name")+"/"+strconv.FormatInt(d.Int("mechanism", 0), 10)] = e.Record
	case "REMOVE_USER_SCRAM_CREDENTIAL_RECORD":
		delete(im.scram, d.Str("name")+"/"+strconv.FormatInt(d.Int("mechanism", 0), 10))
	case "DELEGATION_TOKEN_RECORD":
		im.tokens[d.Str("tokenId")] = e.Record
	case "REMOVE_DELEGATION_TOKEN_RECORD":
		delete(im.tokens, d.Str("tokenId"))
	}
}

// merge is PartitionRegistration.merge: null fields keep their value,
// leader -2 means "no change", a leader change bumps the leader epoch, and
// every change bumps the partition epoch.
func (p *Partition) merge(d *Struct) {
	if !d.IsNull("replicas") && d.Has("replicas") {
		p.Replicas = d.Ints("replicas")
	}
	if !d.IsNull("isr") && d.Has("isr") {
		p.ISR = d.Ints("isr")
	}
	if !d.IsNull("removingReplicas") && d.Has("removingReplicas") {
		p.RemovingReplicas = d.Ints("removingReplicas")
	}
	if !d.IsNull("addingReplicas") && d.Has("addingReplicas") {
		p.AddingReplicas = d.Ints("addingReplicas")
	}
	if !d.IsNull("directories") && d.Has("directories") {
		p.Directories = nilIfEmpty(d.UUIDs("directories"))
	}
	if l := d.Int("leader", -2); l != -2 {
		p.Leader = int32(l)
		p.LeaderEpoch++
	}
	if s := d.Int("leaderRecoveryState", -1); s != -1 {
		p.LeaderRecoveryState = int8(s)
	}
	if !d.IsNull("eligibleLeaderReplicas") && d.Has("eligibleLeaderReplicas") {
		p.ELR = d.Ints("eligibleLeaderReplicas")
	}
	if !d.IsNull("lastKnownElr") && d.Has("lastKnownElr") {
		p.LastKnownELR = d.Ints("lastKnownElr")
	}
	p.PartitionEpoch++
}

// Summary is a one-line description used by history.
func (p *Partition) Summary() string {
	s := fmt.Sprintf("replicas=%v isr=%v leader=%d leaderEpoch=%d partitionEpoch=%d", p.Replicas, p.ISR, p.Leader, p.LeaderEpoch, p.PartitionEpoch)
	if len(p.AddingReplicas) > 0 || len(p.RemovingReplicas) > 0 {
		s += fmt.Sprintf(" adding=%v removing=%v", p.AddingReplicas, p.RemovingReplicas)
	}
	if len(p.ELR) > 0 || len(p.LastKnownELR) > 0 {
		s += fmt.Sprintf(" elr=%v lastKnownElr=%v", p.ELR, p.LastKnownELR)
	}
	return s
}

// Diff lists the fields that differ between prev and p, as Kafka's
// PartitionRegistration.diff does ("isr: [1, 2] -> [1]").
func (p *Partition) Diff(prev *Partition) string {
	var parts []string
	add := func(name string, a, b any) {
		if x, y := javaString(a), javaString(b); x != y {
			parts = append(parts, name+": "+x+" -> "+y)
		}
	}
	add("replicas", prev.Replicas, p.Replicas)
	add("directories", uuidStrings(prev.Directories), uuidStrings(p.Directories))
	add("isr", prev.ISR, p.ISR)
	add("removingReplicas", prev.RemovingReplicas, p.RemovingReplicas)
	add("addingReplicas", prev.AddingReplicas, p.AddingReplicas)
	add("leader", prev.Leader, p.Leader)
	add("leaderRecoveryState", prev.LeaderRecoveryState, p.LeaderRecoveryState)
	add("leaderEpoch", prev.LeaderEpoch, p.LeaderEpoch)
	add("partitionEpoch", prev.PartitionEpoch, p.PartitionEpoch)
	add("elr", prev.ELR, p.ELR)
	add("lastKnownElr", prev.LastKnownELR, p.LastKnownELR)
	return strings.Join(parts, ", ")
}

func uuidStrings(u []kbin.UUID) []string {
	out := make([]string, len(u))
	for i, x := range u {
		out[i] = x.String()
	}
	return out
}

// Summary is a one-line description of the broker registration.
func (b *Broker) Summary() string {
	var eps []string
	for _, e := range b.Endpoints {
		eps = append(eps, fmt.Sprintf("%s://%s:%d", e.Name, e.Host, e.Port))
	}
	rack := "none"
	if b.Rack != nil {
		rack = *b.Rack
	}
	return fmt.Sprintf("epoch=%d fenced=%t inControlledShutdown=%t rack=%s endpoints=[%s]", b.Epoch, b.Fenced, b.InControlledShutdown, rack, strings.Join(eps, ","))
}

// PartitionIDs returns the topic's partition ids sorted.
func (t *Topic) PartitionIDs() []int32 {
	ids := make([]int32, 0, len(t.Partitions))
	for id := range t.Partitions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// nilIfEmpty: a PartitionRecord before v1 has no directories and one from v1
// on may carry none; both mean "not recorded" (Kafka fills in
// DirectoryId.MIGRATING), so the image keeps nil for both.
func nilIfEmpty(u []kbin.UUID) []kbin.UUID {
	if len(u) == 0 {
		return nil
	}
	return u
}

// javaString formats like Java's Arrays.toString for slices ("[1, 2]").
func javaString(v any) string {
	switch x := v.(type) {
	case []int32:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = strconv.Itoa(int(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	}
	return fmt.Sprint(v)
}
