package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kseg/kseg/analyze"
	gcoord "github.com/kseg/kseg/coordinator"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"

	"github.com/kseg/kseg/server/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicIDStore is optionally implemented by a Store that knows topic ids
// (Kafka 2.8+ writes one to every partition's partition.metadata). Without
// it, or for a topic without one, Metadata reports the zero id and clients
// keep to Fetch v12 and names, as they do with a broker that has no ids.
type TopicIDStore interface {
	// TopicID returns the topic's id, or the zero id when it has none.
	TopicID(topic string) ([16]byte, error)
}

// MaxTimestamper is optionally implemented by a PartitionLog that can
// answer ListOffsets' max-timestamp spec (-3, KIP-734): the offset and
// timestamp of the record with the largest timestamp, (-1, -1) when empty.
type MaxTimestamper interface {
	MaxTimestamp() (offset int64, timestamp int64, err error)
}

// topicIDCache maps topic names to ids and back. Ids never change while a
// topic exists; a miss on an id re-reads the store at most once a second so
// a client naming unknown ids cannot make every Fetch list the log dir.
type topicIDCache struct {
	mu      sync.Mutex
	byName  map[string][16]byte
	byID    map[[16]byte]string
	refresh time.Time
}

const topicIDRefresh = time.Second

func (s *server) topicID(name string) [16]byte {
	ts, ok := s.store.(TopicIDStore)
	if !ok {
		return [16]byte{}
	}
	c := &s.ids
	c.mu.Lock()
	defer c.mu.Unlock()
	if id, ok := c.byName[name]; ok {
		return id
	}
	id, err := ts.TopicID(name)
	if err != nil {
		s.cfg.Logf("kseg serve: topic id of %s: %v", name, err)
		return [16]byte{}
	}
	c.put(name, id)
	return id
}

func (c *topicIDCache) put(name string, id [16]byte) {
	if c.byName == nil {
		c.byName, c.byID = map[string][16]byte{}, map[[16]byte]string{}
	}
	c.byName[name] = id
	if id != ([16]byte{}) {
		c.byID[id] = name
	}
}

// topicName resolves a topic id (Fetch v13+, Metadata v12+).
func (s *server) topicName(id [16]byte) (string, bool) {
	ts, ok := s.store.(TopicIDStore)
	if !ok || id == ([16]byte{}) {
		return "", false
	}
	c := &s.ids
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.byID[id]; ok {
		return n, true
	}
	if time.Since(c.refresh) < topicIDRefresh {
		return "", false
	}
	c.refresh = time.Now()
	topics, err := s.store.Topics()
	if err != nil {
		s.cfg.Logf("kseg serve: listing topics: %v", err)
		return "", false
	}
	for _, t := range topics {
		if _, ok := c.byName[t.Name]; ok {
			continue
		}
		tid, err := ts.TopicID(t.Name)
		if err != nil {
			continue
		}
		c.put(t.Name, tid)
	}
	n, ok := c.byID[id]
	return n, ok
}

// adminVersions lists the admin APIs answered from the files, each at the
// highest version both kmsg and its handler implement.
func adminVersions(writable bool) []kmsg.ApiVersionsResponseApiKey {
	v := []kmsg.ApiVersionsResponseApiKey{
		{ApiKey: int16(kmsg.DescribeCluster), MaxVersion: 1},
		{ApiKey: int16(kmsg.DescribeTopicPartitions), MaxVersion: 0},
		{ApiKey: int16(kmsg.DescribeConfigs), MaxVersion: 4},
		{ApiKey: int16(kmsg.DescribeLogDirs), MaxVersion: 4},
		{ApiKey: int16(kmsg.ListGroups), MaxVersion: 5},
		{ApiKey: int16(kmsg.DescribeGroups), MaxVersion: 5},
		// v0 is what Kafka 3.8–4.0 speak (v1 adds KIP-1099's member type).
		{ApiKey: int16(kmsg.ConsumerGroupDescribe), MaxVersion: 0},
		{ApiKey: int16(kmsg.DescribeProducers), MaxVersion: 0},
		{ApiKey: int16(kmsg.ListTransactions), MaxVersion: 1},
		{ApiKey: int16(kmsg.DescribeTransactions), MaxVersion: 0},
		{ApiKey: int16(kmsg.OffsetForLeaderEpoch), MaxVersion: 4},
	}
	if writable {
		v = append(v,
			kmsg.ApiVersionsResponseApiKey{ApiKey: int16(kmsg.CreateTopics), MaxVersion: 7},
			kmsg.ApiVersionsResponseApiKey{ApiKey: int16(kmsg.DeleteRecords), MaxVersion: 2})
	}
	return v
}

func (s *server) dispatchAdmin(cc *conn, req *protocol.Request) (kmsg.Response, error) {
	switch q := req.Body.(type) {
	case *kmsg.DescribeClusterRequest:
		return s.describeCluster(cc, q), nil
	case *kmsg.DescribeTopicPartitionsRequest:
		return s.describeTopicPartitions(q), nil
	case *kmsg.DescribeConfigsRequest:
		return s.describeConfigs(q), nil
	case *kmsg.DescribeLogDirsRequest:
		return s.describeLogDirs(q), nil
	case *kmsg.ListGroupsRequest:
		return s.listGroups(q), nil
	case *kmsg.DescribeGroupsRequest:
		return s.describeGroups(q), nil
	case *kmsg.ConsumerGroupDescribeRequest:
		return s.consumerGroupDescribe(q), nil
	case *kmsg.DescribeProducersRequest:
		return s.describeProducers(q), nil
	case *kmsg.ListTransactionsRequest:
		return s.listTransactions(q), nil
	case *kmsg.DescribeTransactionsRequest:
		return s.describeTransactions(q), nil
	case *kmsg.OffsetForLeaderEpochRequest:
		return s.offsetForLeaderEpoch(q), nil
	case *kmsg.CreateTopicsRequest:
		return s.createTopics(q), nil
	case *kmsg.DeleteRecordsRequest:
		return s.deleteRecords(q), nil
	}
	// Advertised but not handled would be a bug; answer in the layout.
	return protocol.ErrorResponse(req.Body, protocol.ErrUnsupportedVersion), nil
}

func (s *server) describeCluster(cc *conn, q *kmsg.DescribeClusterRequest) *kmsg.DescribeClusterResponse {
	resp := q.ResponseKind().(*kmsg.DescribeClusterResponse)
	if q.EndpointType != 0 && q.EndpointType != 1 {
		// KIP-919: only brokers (1) are described; controllers (2) have
		// no endpoint here.
		resp.ErrorCode = protocol.ErrUnsupportedVersion
		return resp
	}
	host, port := advertisedAddr(cc.c)
	resp.EndpointType = 1
	resp.ClusterID = s.cfg.ClusterID
	resp.ControllerID = nodeID
	resp.Brokers = []kmsg.DescribeClusterResponseBroker{{NodeID: nodeID, Host: host, Port: port}}
	resp.ClusterAuthorizedOperations = authorizedOps(q.IncludeClusterAuthorizedOperations, opsCluster)
	return resp
}

// Authorized operations (KIP-430) as a broker without an authorizer reports
// them: every operation the resource type supports
// (AuthHelper.authorizedOperations → AclEntry.supportedOperations), as a
// bit field of AclOperation codes (Utils.to32BitField); kseg serve has no
// authorizer either. Not asked for, the field keeps the schema's default,
// Int.MinValue.
const (
	opsNotRequested = -2147483648
	// TOPIC: READ(3) WRITE(4) CREATE(5) DELETE(6) ALTER(7) DESCRIBE(8)
	// DESCRIBE_CONFIGS(10) ALTER_CONFIGS(11).
	opsTopic = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11
	// GROUP: READ(3) DELETE(6) DESCRIBE(8), as in Kafka 2.3–3.9; Kafka 4.0
	// adds DESCRIBE_CONFIGS and ALTER_CONFIGS with group configs
	// (KAFKA-14510), which kseg serve does not describe.
	opsGroup = 1<<3 | 1<<6 | 1<<8
	// CLUSTER: CREATE(5) ALTER(7) DESCRIBE(8) CLUSTER_ACTION(9)
	// DESCRIBE_CONFIGS(10) ALTER_CONFIGS(11) IDEMPOTENT_WRITE(12).
	opsCluster = 1<<5 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12
)

func authorizedOps(requested bool, ops int32) int32 {
	if requested {
		return ops
	}
	return opsNotRequested
}

// ConfigEntry is one config as DescribeConfigs reports it.
type ConfigEntry struct {
	Name      string
	Value     *string
	ReadOnly  bool
	Sensitive bool
	// Source is Kafka's ConfigSource id: 1 DYNAMIC_TOPIC_CONFIG, 4
	// STATIC_BROKER_CONFIG, 5 DEFAULT_CONFIG, …
	Source int8
}

// Config sources (DescribeConfigsResponse.ConfigSource).
const (
	ConfigSourceTopic   int8 = 1
	ConfigSourceDefault int8 = 5
)

// ConfigSource supplies topic configs for DescribeConfigs. Without one (a
// log dir with no KRaft metadata log) the server answers Kafka's defaults,
// each marked DEFAULT_CONFIG: a dead broker's server.properties could have
// overridden them and is not in its log dir.
type ConfigSource interface {
	// TopicConfigs returns the configs set for topic (DYNAMIC_TOPIC_CONFIG
	// entries); the server completes them with the defaults.
	TopicConfigs(topic string) ([]ConfigEntry, error)
}

// topicConfigDefaults are Kafka's topic config defaults (LogConfig.java,
// ServerLogConfigs.java; the same in Kafka 2.x and 3.x for every entry
// here), sorted by name.
var topicConfigDefaults = [][2]string{
	{"cleanup.policy", "delete"},
	{"compression.type", "producer"},
	{"delete.retention.ms", "86400000"},
	{"file.delete.delay.ms", "60000"},
	{"flush.messages", "9223372036854775807"},
	{"flush.ms", "9223372036854775807"},
	{"index.interval.bytes", "4096"},
	{"max.compaction.lag.ms", "9223372036854775807"},
	{"max.message.bytes", "1048588"},
	{"message.timestamp.type", "CreateTime"},
	{"min.cleanable.dirty.ratio", "0.5"},
	{"min.compaction.lag.ms", "0"},
	{"min.insync.replicas", "1"},
	{"preallocate", "false"},
	{"retention.bytes", "-1"},
	{"retention.ms", "604800000"},
	{"segment.bytes", "1073741824"},
	{"segment.index.bytes", "10485760"},
	{"segment.jitter.ms", "0"},
	{"segment.ms", "604800000"},
	{"unclean.leader.election.enable", "false"},
}

// Config resource types (ConfigResource.Type).
const (
	resourceTopic  = 2
	resourceBroker = 4
)

func (s *server) describeConfigs(q *kmsg.DescribeConfigsRequest) *kmsg.DescribeConfigsResponse {
	resp := q.ResponseKind().(*kmsg.DescribeConfigsResponse)
	for _, r := range q.Resources {
		rr := kmsg.NewDescribeConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
		var entries []ConfigEntry
		switch r.ResourceType {
		case resourceTopic:
			if !ValidTopicName(r.ResourceName) || !s.topicExists(r.ResourceName) {
				rr.ErrorCode = protocol.ErrUnknownTopicOrPartition
				rr.ErrorMessage = strp("unknown topic " + r.ResourceName)
				break
			}
			var err error
			entries, err = s.topicConfigs(r.ResourceName)
			if err != nil {
				s.cfg.Logf("kseg serve: configs of %s: %v", r.ResourceName, err)
				rr.ErrorCode = protocol.ErrKafkaStorageError
			}
		case resourceBroker:
			// The broker's server.properties is not in its log dir: nothing
			// to report, which is what a broker with no overrides and
			// IncludeSynonyms=false would say of its dynamic configs.
			if r.ResourceName != "" && r.ResourceName != fmt.Sprint(nodeID) {
				rr.ErrorCode = protocol.ErrInvalidRequest
				rr.ErrorMessage = strp("unknown broker " + r.ResourceName)
			}
		default:
			rr.ErrorCode = protocol.ErrInvalidRequest
			rr.ErrorMessage = strp(fmt.Sprintf("resource type %d is not described by kseg serve", r.ResourceType))
		}
		for _, e := range entries {
			if r.ConfigNames != nil && !contains(r.ConfigNames, e.Name) {
				continue
			}
			c := kmsg.NewDescribeConfigsResponseResourceConfig()
			c.Name, c.Value, c.ReadOnly, c.IsSensitive = e.Name, e.Value, e.ReadOnly, e.Sensitive
			c.Source = kmsg.ConfigSource(e.Source)
			c.IsDefault = e.Source == ConfigSourceDefault
			if q.IncludeSynonyms {
				c.ConfigSynonyms = topicConfigSynonyms(e)
			}
			rr.Configs = append(rr.Configs, c)
		}
		resp.Resources = append(resp.Resources, rr)
	}
	return resp
}

// brokerDefaultSynonyms maps a topic config to the broker config it
// defaults to (ServerTopicConfigSynonyms.TOPIC_CONFIG_SYNONYMS) and that
// broker config's default value (KafkaConfig), for the topic configs kseg
// describes. Where the broker config has no default (log.retention.ms,
// log.roll.ms, log.roll.jitter.ms, log.flush.interval.ms) the entry is
// absent: ConfigHelper.configSynonyms drops every synonym before the one
// named, so a broker without those set reports no broker synonym.
var brokerDefaultSynonyms = map[string][2]string{
	"cleanup.policy":                 {"log.cleanup.policy", "delete"},
	"compression.type":               {"compression.type", "producer"},
	"delete.retention.ms":            {"log.cleaner.delete.retention.ms", "86400000"},
	"file.delete.delay.ms":           {"log.segment.delete.delay.ms", "60000"},
	"flush.messages":                 {"log.flush.interval.messages", "9223372036854775807"},
	"index.interval.bytes":           {"log.index.interval.bytes", "4096"},
	"max.compaction.lag.ms":          {"log.cleaner.max.compaction.lag.ms", "9223372036854775807"},
	"max.message.bytes":              {"message.max.bytes", "1048588"},
	"message.timestamp.type":         {"log.message.timestamp.type", "CreateTime"},
	"min.cleanable.dirty.ratio":      {"log.cleaner.min.cleanable.ratio", "0.5"},
	"min.compaction.lag.ms":          {"log.cleaner.min.compaction.lag.ms", "0"},
	"min.insync.replicas":            {"min.insync.replicas", "1"},
	"preallocate":                    {"log.preallocate", "false"},
	"retention.bytes":                {"log.retention.bytes", "-1"},
	"segment.bytes":                  {"log.segment.bytes", "1073741824"},
	"segment.index.bytes":            {"log.index.size.max.bytes", "10485760"},
	"unclean.leader.election.enable": {"unclean.leader.election.enable", "false"},
}

// topicConfigSynonyms is a topic config's synonyms as
// ConfigHelper.createTopicConfigEntry lists them: the topic's own setting
// (TOPIC_CONFIG) if it has one, then the broker config it defaults to. The
// broker's server.properties and dynamic broker configs are not in its log
// dir, so the broker synonym is its DEFAULT_CONFIG, as for a broker that
// sets none — the same assumption as the entry's own default value.
func topicConfigSynonyms(e ConfigEntry) []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym {
	out := []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{}
	if e.Source != ConfigSourceDefault {
		out = append(out, kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{Name: e.Name, Value: e.Value, Source: kmsg.ConfigSource(e.Source)})
	}
	if b, ok := brokerDefaultSynonyms[e.Name]; ok {
		out = append(out, kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{Name: b[0], Value: strp(b[1]), Source: kmsg.ConfigSource(ConfigSourceDefault)})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// internalTopicConfigs are the topic configs a broker sets when it creates
// its internal topics (GroupCoordinator.offsetsTopicConfigs /
// GroupCoordinatorService, TransactionStateManager.transactionTopicConfigs):
// DYNAMIC_TOPIC_CONFIG entries whose sizes come from broker settings, shown
// here at those settings' defaults (offsets.topic.segment.bytes,
// transaction.state.log.segment.bytes and transaction.state.log.min.isr).
var internalTopicConfigs = map[string][][2]string{
	"__consumer_offsets": {{"cleanup.policy", "compact"}, {"compression.type", "producer"}, {"segment.bytes", "104857600"}},
	"__transaction_state": {{"cleanup.policy", "compact"}, {"compression.type", "uncompressed"}, {"min.insync.replicas", "2"},
		{"segment.bytes", "104857600"}, {"unclean.leader.election.enable", "false"}},
}

// topicConfigs merges the configured source's entries over the defaults.
func (s *server) topicConfigs(topic string) ([]ConfigEntry, error) {
	set := map[string]ConfigEntry{}
	for _, kv := range internalTopicConfigs[topic] {
		set[kv[0]] = ConfigEntry{Name: kv[0], Value: strp(kv[1]), Source: ConfigSourceTopic}
	}
	if s.cfg.Configs != nil {
		es, err := s.cfg.Configs.TopicConfigs(topic)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			set[e.Name] = e
		}
	}
	out := make([]ConfigEntry, 0, len(topicConfigDefaults)+len(set))
	for _, d := range topicConfigDefaults {
		if e, ok := set[d[0]]; ok {
			out = append(out, e)
			delete(set, d[0])
			continue
		}
		out = append(out, ConfigEntry{Name: d[0], Value: strp(d[1]), Source: ConfigSourceDefault})
	}
	for _, e := range set {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *server) topicExists(name string) bool {
	_, ok := s.topicPartitions(name)
	return ok
}

func (s *server) topicPartitions(name string) ([]int32, bool) {
	topics, err := s.store.Topics()
	if err != nil {
		s.cfg.Logf("kseg serve: listing topics: %v", err)
		return nil, false
	}
	for _, t := range topics {
		if t.Name == name {
			return t.Partitions, true
		}
	}
	return nil, false
}

// logDir is the store's directory, or "" when it has none.
func (s *server) logDir() string {
	if ds, ok := s.store.(DirStore); ok {
		return ds.Dir()
	}
	return ""
}

// partitionSize is what a broker reports as the partition's size in
// DescribeLogDirs: the sum of its segments' sizes (UnifiedLog.size, the
// .log files; indexes are not counted).
func partitionSize(dir string) (int64, error) {
	p, err := segment.OpenPartition(dir)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, sg := range p.Segments {
		n += sg.LogSize
	}
	return n, nil
}

func (s *server) describeLogDirs(q *kmsg.DescribeLogDirsRequest) *kmsg.DescribeLogDirsResponse {
	resp := q.ResponseKind().(*kmsg.DescribeLogDirsResponse)
	dir := s.logDir()
	if dir == "" {
		return resp
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	d := kmsg.NewDescribeLogDirsResponseDir()
	d.Dir, d.TotalBytes, d.UsableBytes = abs, -1, -1
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) == nil {
		d.TotalBytes = int64(st.Blocks) * int64(st.Bsize)
		d.UsableBytes = int64(st.Bavail) * int64(st.Bsize)
	}
	topics, err := s.store.Topics()
	if err != nil {
		d.ErrorCode = protocol.ErrKafkaStorageError
		resp.Dirs = []kmsg.DescribeLogDirsResponseDir{d}
		return resp
	}
	want := map[string]map[int32]bool{}
	for _, t := range q.Topics {
		m := want[t.Topic]
		if m == nil {
			m = map[int32]bool{}
			want[t.Topic] = m
		}
		for _, p := range t.Partitions {
			m[p] = true
		}
	}
	for _, t := range listed(topics) {
		if q.Topics != nil && want[t.Name] == nil {
			continue
		}
		dt := kmsg.NewDescribeLogDirsResponseDirTopic()
		dt.Topic = t.Name
		for _, p := range t.Partitions {
			if q.Topics != nil && !want[t.Name][p] {
				continue
			}
			size, err := partitionSize(filepath.Join(dir, segment.PartitionDirName(t.Name, p)))
			if err != nil {
				s.cfg.Logf("kseg serve: size of %s-%d: %v", t.Name, p, err)
				continue
			}
			dp := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
			dp.Partition, dp.Size = p, size // offsetLag 0, isFuture false: the only replica
			dt.Partitions = append(dt.Partitions, dp)
		}
		if len(dt.Partitions) > 0 {
			d.Topics = append(d.Topics, dt)
		}
	}
	resp.Dirs = []kmsg.DescribeLogDirsResponseDir{d}
	return resp
}

// offline is the dead cluster's coordinator state, rebuilt from the log
// dir's own __consumer_offsets and __transaction_state the first time it is
// asked for (the files are read-only, so it never changes).
type offline struct {
	gonce, tonce sync.Once
	groups       *gcoord.Groups
	txns         []gcoord.Transaction
}

func (s *server) offlineGroups() *gcoord.Groups {
	loadOffline(s, &s.off.gonce, &s.off.groups, gcoord.OffsetsTopic, gcoord.LoadGroups)
	return s.off.groups
}

func (s *server) offlineTransactions() []gcoord.Transaction {
	loadOffline(s, &s.off.tonce, &s.off.txns, gcoord.TransactionStateTopic, gcoord.LoadTransactions)
	return s.off.txns
}

// loadOffline fills *dst, once, from the log dir's own internal topic; a
// load error is logged and leaves *dst as load returned it.
func loadOffline[T any](s *server, once *sync.Once, dst *T, topic string, load func(string) (T, error)) {
	once.Do(func() {
		dir := s.logDir()
		if dir == "" {
			return
		}
		var err error
		if *dst, err = load(dir); err != nil {
			s.cfg.Logf("kseg serve: loading %s from %s: %v", topic, dir, err)
		}
	})
}

// offlineOffsets returns the offsets group had committed in the log dir's
// own __consumer_offsets, as of the end of that log.
func (s *server) offlineOffsets(group string) map[tp]committed {
	gs := s.offlineGroups()
	if gs == nil {
		return nil
	}
	g := gs.Group(group)
	if g == nil {
		return nil
	}
	m := make(map[tp]committed, len(g.Offsets))
	for _, o := range g.Offsets {
		m[tp{o.Topic, o.Partition}] = committed{Offset: o.Offset, LeaderEpoch: o.LeaderEpoch, Metadata: o.Metadata}
	}
	return m
}

// groupSummary is one group as ListGroups/DescribeGroups report it.
type groupSummary struct {
	id, protocolType, protocol, state, typ string
	members                                []kmsg.DescribeGroupsResponseGroupMember
}

// allGroups merges the groups of the dead cluster with those created
// against this server (which win on a name clash).
func (s *server) allGroups() map[string]groupSummary {
	out := map[string]groupSummary{}
	if gs := s.offlineGroups(); gs != nil {
		for _, g := range gs.Groups {
			if g.Deleted {
				continue
			}
			sum := groupSummary{id: g.GroupID, protocolType: g.ProtocolType, protocol: g.Protocol, state: g.State, typ: g.Type}
			for _, m := range g.Members {
				dm := kmsg.NewDescribeGroupsResponseGroupMember()
				dm.MemberID, dm.InstanceID, dm.ClientID, dm.ClientHost = m.MemberID, m.GroupInstanceID, m.ClientID, m.ClientHost
				dm.ProtocolMetadata, dm.MemberAssignment = m.Subscription, m.Assignment
				sum.members = append(sum.members, dm)
			}
			out[g.GroupID] = sum
		}
	}
	for id, sum := range s.groups.summaries() {
		out[id] = sum
	}
	return out
}

func (s *server) listGroups(q *kmsg.ListGroupsRequest) *kmsg.ListGroupsResponse {
	resp := q.ResponseKind().(*kmsg.ListGroupsResponse)
	all := s.allGroups()
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		g := all[id]
		if len(q.StatesFilter) > 0 && !containsFold(q.StatesFilter, g.state) {
			continue
		}
		if len(q.TypesFilter) > 0 && !containsFold(q.TypesFilter, g.typ) {
			continue
		}
		lg := kmsg.NewListGroupsResponseGroup()
		lg.Group, lg.ProtocolType, lg.GroupState, lg.GroupType = id, g.protocolType, g.state, g.typ
		resp.Groups = append(resp.Groups, lg)
	}
	return resp
}

// containsFold: Kafka matches state and type filters case-insensitively
// (GroupCoordinatorService.listGroups).
func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func (s *server) describeGroups(q *kmsg.DescribeGroupsRequest) *kmsg.DescribeGroupsResponse {
	resp := q.ResponseKind().(*kmsg.DescribeGroupsResponse)
	all := s.allGroups()
	for _, id := range q.Groups {
		dg := kmsg.NewDescribeGroupsResponseGroup()
		dg.Group = id
		dg.AuthorizedOperations = opsNotRequested
		g, ok := all[id]
		switch {
		case !ok || g.typ != "" && g.typ != gcoord.GroupTypeClassic:
			// An unknown group, and a KIP-848/share/streams group asked
			// through the classic API, are described as Dead with no error
			// (GroupMetadataManager.describeGroups catches the
			// GroupIdNotFoundException of classicGroup(); Kafka 3.7–3.9).
			dg.State = gcoord.StateDead
		case g.state == gcoord.StateStable:
			dg.State, dg.ProtocolType, dg.Protocol, dg.Members = g.state, g.protocolType, g.protocol, g.members
		default:
			// Not stable: no protocol, and members without their metadata
			// and assignment (ClassicGroupMember.describeNoMetadata).
			dg.State, dg.ProtocolType = g.state, g.protocolType
			for _, m := range g.members {
				m.ProtocolMetadata, m.MemberAssignment = nil, nil
				dg.Members = append(dg.Members, m)
			}
		}
		if q.Version >= 3 && dg.ErrorCode == 0 {
			// KafkaApis.handleDescribeGroupsRequest: for every group
			// answered without an error, Dead ones included.
			dg.AuthorizedOperations = authorizedOps(q.IncludeAuthorizedOperations, opsGroup)
		}
		resp.Groups = append(resp.Groups, dg)
	}
	return resp
}

// maxDescribePartitions is a broker's default max.request.partition.size.limit
// (ServerConfigs, Kafka 3.8+): the most partitions one DescribeTopicPartitions
// response carries.
const maxDescribePartitions = 2000

// describeTopicPartitions answers DescribeTopicPartitions (KIP-966, Kafka
// 3.8+), which Kafka 3.8+'s admin client uses for describeTopics by name
// (kafka-topics.sh --describe), as DescribeTopicPartitionsRequestHandler
// and KRaftMetadataCache.getTopicMetadataForDescribeTopicResponse do:
// topics sorted by name from the cursor on, at most min(limit, 2000)
// partitions, a next cursor where it stopped; named topics that do not
// exist answer UNKNOWN_TOPIC_OR_PARTITION (INVALID_TOPIC_EXCEPTION for an
// invalid name), and are left out when all topics are asked for. There is
// one broker, so no ELR: the lists are empty, as a broker without
// eligible-leader-replicas reports them. A cursor's partition index is a
// position in the topic's partitions, which for Kafka, whose partitions are
// 0..n-1, is the id: a log dir may hold only some partitions of a topic, and
// the Java client's next cursor is the count it has received
// (KafkaAdminClient.generateDescribeTopicsCallWithDescribeTopicPartitionsApi).
// Every topic answered carries its authorized operations, which
// the handler always computes (there is no flag to ask for them).
func (s *server) describeTopicPartitions(q *kmsg.DescribeTopicPartitionsRequest) *kmsg.DescribeTopicPartitionsResponse {
	resp := q.ResponseKind().(*kmsg.DescribeTopicPartitionsResponse)
	cursorTopic, cursorPart := "", int32(0)
	if q.Cursor != nil {
		cursorTopic, cursorPart = q.Cursor.Topic, q.Cursor.Partition
	}
	all := len(q.Topics) == 0
	topics, err := s.store.Topics()
	if err != nil {
		s.cfg.Logf("kseg serve: listing topics: %v", err)
	}
	byName := make(map[string][]int32, len(topics))
	for _, t := range topics {
		byName[t.Name] = t.Partitions
	}
	set := map[string]bool{}
	if all {
		for _, t := range listed(topics) {
			if t.Name >= cursorTopic {
				set[t.Name] = true
			}
		}
	} else {
		for _, t := range q.Topics {
			if t.Topic >= cursorTopic {
				set[t.Topic] = true
			}
		}
	}
	if q.Cursor != nil && (!all && !set[cursorTopic] || cursorPart < 0) {
		// Kafka throws InvalidRequestException: every topic of the request
		// gets the error (DescribeTopicPartitionsRequest.getErrorResponse).
		for _, t := range q.Topics {
			rt := kmsg.NewDescribeTopicPartitionsResponseTopic()
			rt.ErrorCode, rt.Topic = protocol.ErrInvalidRequest, strp(t.Topic)
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	remaining := int(q.ResponsePartitionLimit)
	remaining = max(min(remaining, maxDescribePartitions), 1)
	for _, name := range names {
		if remaining == 0 {
			resp.NextCursor = &kmsg.DescribeTopicPartitionsResponseNextCursor{Topic: name, Partition: 0}
			break
		}
		parts, ok := byName[name]
		if !ok {
			if all {
				continue
			}
			rt := kmsg.NewDescribeTopicPartitionsResponseTopic()
			rt.Topic, rt.IsInternal = strp(name), internalTopics[name]
			rt.AuthorizedOperations = opsTopic
			rt.ErrorCode = protocol.ErrUnknownTopicOrPartition
			if !ValidTopicName(name) {
				rt.ErrorCode = protocol.ErrInvalidTopic
			}
			resp.Topics = append(resp.Topics, rt)
			continue
		}
		start := int32(0)
		if name == cursorTopic {
			start = cursorPart
		}
		rt := kmsg.NewDescribeTopicPartitionsResponseTopic()
		rt.Topic, rt.TopicID, rt.IsInternal = strp(name), s.topicID(name), internalTopics[name]
		rt.AuthorizedOperations = opsTopic
		rt.Partitions = []kmsg.DescribeTopicPartitionsResponseTopicPartition{}
		next := int32(-1)
		for i, p := range parts {
			if int32(i) < start {
				continue
			}
			if len(rt.Partitions) == remaining {
				next = int32(i)
				break
			}
			dp := kmsg.NewDescribeTopicPartitionsResponseTopicPartition()
			dp.Partition, dp.LeaderID, dp.LeaderEpoch = p, nodeID, -1
			dp.Replicas, dp.ISR = []int32{nodeID}, []int32{nodeID}
			dp.EligibleLeaderReplicas, dp.LastKnownELR, dp.OfflineReplicas = []int32{}, []int32{}, []int32{}
			rt.Partitions = append(rt.Partitions, dp)
		}
		resp.Topics = append(resp.Topics, rt)
		if next >= 0 {
			resp.NextCursor = &kmsg.DescribeTopicPartitionsResponseNextCursor{Topic: name, Partition: next}
			break
		}
		remaining -= len(rt.Partitions)
	}
	return resp
}

// defaultConsumerAssignor is the assignor ConsumerGroupDescribe names for a
// KIP-848 group whose members name none: the first of Kafka's default
// group.consumer.assignors (GroupCoordinatorConfig: uniform, then range;
// Kafka 3.7–4.0). A broker configured otherwise would name its own.
const defaultConsumerAssignor = "uniform"

// consumerGroupDescribe answers ConsumerGroupDescribe (KIP-848, API 69) for
// the dead cluster's KIP-848 consumer groups as
// GroupMetadataManager.consumerGroupDescribe does: any other group (classic,
// share, streams, unknown, or created against this server) is
// GROUP_ID_NOT_FOUND, on which Kafka's admin client asks DescribeGroups
// (DescribeConsumerGroupsHandler.handleError).
func (s *server) consumerGroupDescribe(q *kmsg.ConsumerGroupDescribeRequest) *kmsg.ConsumerGroupDescribeResponse {
	resp := q.ResponseKind().(*kmsg.ConsumerGroupDescribeResponse)
	gs := s.offlineGroups()
	local := s.groups.summaries()
	for _, id := range q.Groups {
		dg := kmsg.NewConsumerGroupDescribeResponseGroup()
		dg.Group = id
		var g *gcoord.Group
		if gs != nil {
			g = gs.Group(id)
		}
		if _, ok := local[id]; ok || g == nil || g.Deleted || g.Type != gcoord.GroupTypeConsumer {
			dg.ErrorCode = protocol.ErrGroupIDNotFound
			resp.Groups = append(resp.Groups, dg)
			continue
		}
		dg.State, dg.Epoch, dg.AssignmentEpoch = g.State, g.Generation, g.AssignmentEpoch
		dg.AssignorName = g.Protocol
		if dg.AssignorName == "" {
			dg.AssignorName = defaultConsumerAssignor
		}
		for _, m := range g.Members {
			dm := kmsg.NewConsumerGroupDescribeResponseGroupMember()
			dm.MemberID, dm.InstanceID, dm.MemberEpoch = m.MemberID, m.GroupInstanceID, m.MemberEpoch
			dm.ClientID, dm.ClientHost = m.ClientID, m.ClientHost
			if m.RackID != "" {
				dm.RackID = strp(m.RackID)
			}
			dm.SubscribedTopics = m.SubscribedTopics
			if dm.SubscribedTopics == nil {
				dm.SubscribedTopics = []string{}
			}
			if m.SubscribedTopicRegex != "" {
				dm.SubscribedTopicRegex = strp(m.SubscribedTopicRegex)
			}
			dm.Assignment.TopicPartitions = describedAssignment(m.AssignedPartitions, m.AssignedTopicIDs)
			dm.TargetAssignment.TopicPartitions = describedAssignment(m.TargetPartitions, m.TargetTopicIDs)
			dg.Members = append(dg.Members, dm)
		}
		// KafkaApis.handleConsumerGroupDescribe: groups without an error.
		dg.AuthorizedOperations = authorizedOps(q.IncludeAuthorizedOperations, opsGroup)
		resp.Groups = append(resp.Groups, dg)
	}
	return resp
}

// describedAssignment converts a loaded KIP-848 assignment; a topic whose
// name is unknown (not in the log dir) is left out, as Kafka leaves out a
// topic id missing from its metadata image
// (ConsumerGroupMember.topicPartitionsFromMap).
func describedAssignment(parts []gcoord.TopicPartitions, ids []string) []kmsg.AssignmentTopicPartition {
	out := []kmsg.AssignmentTopicPartition{}
	for i, p := range parts {
		if p.Topic == "" || i >= len(ids) {
			continue
		}
		id, err := state.ParseUUID(ids[i]) // Uuid.fromString, as the ids were written
		if err != nil {
			continue
		}
		out = append(out, kmsg.AssignmentTopicPartition{TopicID: id, Topic: p.Topic, Partitions: p.Partitions})
	}
	return out
}

func (s *server) describeProducers(q *kmsg.DescribeProducersRequest) *kmsg.DescribeProducersResponse {
	resp := q.ResponseKind().(*kmsg.DescribeProducersResponse)
	dir := s.logDir()
	for _, t := range q.Topics {
		rt := kmsg.NewDescribeProducersResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewDescribeProducersResponseTopicPartition()
			rp.Partition = p
			_, code := s.partition(t.Topic, p)
			if code == protocol.ErrNone && dir == "" {
				code = protocol.ErrKafkaStorageError
			}
			if code == protocol.ErrNone {
				ps, err := analyze.Producers(filepath.Join(dir, segment.PartitionDirName(t.Topic, p)))
				if err != nil {
					s.cfg.Logf("kseg serve: producers of %s-%d: %v", t.Topic, p, err)
					code = protocol.ErrKafkaStorageError
				}
				for _, st := range ps {
					ap := kmsg.NewDescribeProducersResponseTopicPartitionActiveProducer()
					ap.ProducerID, ap.ProducerEpoch, ap.LastSequence = st.ProducerID, int32(st.ProducerEpoch), st.LastSequence
					ap.LastTimestamp, ap.CoordinatorEpoch, ap.CurrentTxnStartOffset = st.LastTimestamp, st.CoordinatorEpoch, st.CurrentTxnStartOffset
					rp.ActiveProducers = append(rp.ActiveProducers, ap)
				}
			}
			rp.ErrorCode = code
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// txnStates are the states ListTransactions filters accept
// (TransactionState.java names).
var txnStates = []string{"Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"}

func (s *server) listTransactions(q *kmsg.ListTransactionsRequest) *kmsg.ListTransactionsResponse {
	resp := q.ResponseKind().(*kmsg.ListTransactionsResponse)
	var states []string
	for _, f := range q.StateFilters {
		if !contains(txnStates, f) {
			resp.UnknownStateFilters = append(resp.UnknownStateFilters, f)
			continue
		}
		states = append(states, f)
	}
	if len(q.StateFilters) > 0 && len(states) == 0 {
		return resp // only unknown states: nothing matches
	}
	var pattern *regexp.Regexp
	if q.TransactionalIDPattern != nil && *q.TransactionalIDPattern != "" {
		re, err := regexp.Compile(*q.TransactionalIDPattern)
		if err != nil {
			resp.ErrorCode = protocol.ErrInvalidRequest
			return resp
		}
		pattern = re
	}
	now := time.Now().UnixMilli()
	for _, t := range s.offlineTransactions() {
		if t.State == "Dead" {
			// Never listed: a transient state on the way to removal
			// (TransactionStateManager.listTransactionStates).
			continue
		}
		if len(states) > 0 && !contains(states, t.State) {
			continue
		}
		if len(q.ProducerIDFilters) > 0 && !containsInt64(q.ProducerIDFilters, t.ProducerID) {
			continue
		}
		// KIP-994: only transactions running longer than the filter,
		// measured from their start timestamp to now.
		// (TransactionStateManager.listTransactionStates).
		if q.Version >= 1 && q.DurationFilterMillis >= 0 && now-t.StartTimestamp <= q.DurationFilterMillis {
			continue
		}
		if pattern != nil && !pattern.MatchString(t.TransactionalID) {
			continue
		}
		resp.TransactionStates = append(resp.TransactionStates, kmsg.ListTransactionsResponseTransactionState{
			TransactionalID: t.TransactionalID, ProducerID: t.ProducerID, TransactionState: t.State})
	}
	return resp
}

func containsInt64(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *server) describeTransactions(q *kmsg.DescribeTransactionsRequest) *kmsg.DescribeTransactionsResponse {
	resp := q.ResponseKind().(*kmsg.DescribeTransactionsResponse)
	byID := map[string]gcoord.Transaction{}
	for _, t := range s.offlineTransactions() {
		byID[t.TransactionalID] = t
	}
	for _, id := range q.TransactionalIDs {
		ts := kmsg.NewDescribeTransactionsResponseTransactionState()
		ts.TransactionalID = id
		t, ok := byID[id]
		if id == "" {
			ts.ErrorCode = protocol.ErrInvalidRequest
			resp.TransactionStates = append(resp.TransactionStates, ts)
			continue
		}
		if !ok || t.State == "Dead" {
			// A Dead transaction is being expired: not found
			// (TransactionCoordinator.handleDescribeTransactions).
			ts.ErrorCode = protocol.ErrTransactionalIDNotFound
			resp.TransactionStates = append(resp.TransactionStates, ts)
			continue
		}
		ts.State, ts.TimeoutMillis, ts.StartTimestamp = t.State, t.TimeoutMs, t.StartTimestamp
		ts.ProducerID, ts.ProducerEpoch = t.ProducerID, t.ProducerEpoch
		for _, p := range t.Partitions {
			ts.Topics = append(ts.Topics, kmsg.DescribeTransactionsResponseTransactionStateTopic{Topic: p.Topic, Partitions: p.PartitionIDs})
		}
		resp.TransactionStates = append(resp.TransactionStates, ts)
	}
	return resp
}

// leaderEpochFile is Kafka's LeaderEpochCheckpointFile name.
const leaderEpochFile = "leader-epoch-checkpoint"

func (s *server) offsetForLeaderEpoch(q *kmsg.OffsetForLeaderEpochRequest) *kmsg.OffsetForLeaderEpochResponse {
	resp := q.ResponseKind().(*kmsg.OffsetForLeaderEpochResponse)
	dir := s.logDir()
	for _, t := range q.Topics {
		rt := kmsg.NewOffsetForLeaderEpochResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			rp.Partition, rp.LeaderEpoch, rp.EndOffset = p.Partition, -1, -1
			pl, code := s.partition(t.Topic, p.Partition)
			if code == protocol.ErrNone {
				rp.LeaderEpoch, rp.EndOffset, code = s.endOffsetForEpoch(pl, dir, t.Topic, p.Partition, p.LeaderEpoch)
			}
			rp.ErrorCode = code
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// endOffsetForEpoch follows Kafka's LeaderEpochFileCache.endOffsetFor over
// the partition's leader-epoch-checkpoint: the latest epoch ends at the log
// end offset; an older one ends where the next higher epoch starts, reported
// with the largest known epoch ≤ the requested one (or the requested one
// when it is below all of them); an epoch above every entry, or no cache,
// gives (-1, -1) with no error (UnifiedLog.endOffsetForEpoch → None).
func (s *server) endOffsetForEpoch(pl PartitionLog, dir, topic string, partition, epoch int32) (int32, int64, int16) {
	if epoch < 0 || dir == "" {
		return -1, -1, protocol.ErrNone
	}
	b, err := os.ReadFile(filepath.Join(dir, segment.PartitionDirName(topic, partition), leaderEpochFile))
	if errors.Is(err, os.ErrNotExist) {
		return -1, -1, protocol.ErrNone
	}
	if err != nil {
		s.cfg.Logf("kseg serve: %s-%d: %v", topic, partition, err)
		return -1, -1, protocol.ErrKafkaStorageError
	}
	cp, err := state.DecodeLeaderEpochCheckpoint(b, leaderEpochFile)
	if err != nil {
		s.cfg.Logf("kseg serve: %s-%d: %v", topic, partition, err)
		return -1, -1, protocol.ErrKafkaStorageError
	}
	entries := cp.Entries
	if len(entries) == 0 {
		return -1, -1, protocol.ErrNone
	}
	if entries[len(entries)-1].Epoch == epoch {
		end, err := pl.LogEndOffset()
		if err != nil {
			return -1, -1, errorCode(err)
		}
		return epoch, end, protocol.ErrNone
	}
	var floor, higher *state.EpochEntry
	for i := range entries {
		e := &entries[i]
		if e.Epoch <= epoch {
			floor = e
		} else if higher == nil {
			higher = e
		}
	}
	switch {
	case higher == nil:
		return -1, -1, protocol.ErrNone
	case floor == nil:
		return epoch, higher.StartOffset, protocol.ErrNone
	default:
		return floor.Epoch, higher.StartOffset, protocol.ErrNone
	}
}

// TopicCreator is optionally implemented by a writable Store: it creates
// the partition directories of a new topic, each with a partition.metadata
// naming a fresh topic id.
type TopicCreator interface {
	CreateTopic(name string, partitions int32) (id [16]byte, err error)
}

// RecordDeleter is optionally implemented by a writable PartitionLog:
// DeleteRecords moves the log start offset to offset (≤ the high watermark)
// and records it in the log dir's log-start-offset-checkpoint, as Kafka's
// UnifiedLog.deleteRecords does; segments are left in place (the broker
// deletes those wholly below the log start offset later, from its
// retention thread). It returns the new low watermark.
type RecordDeleter interface {
	DeleteRecords(offset int64) (logStartOffset int64, err error)
}

// Kafka's limits for CreateTopics on a single broker.
const maxCreatePartitions = 10000

func (s *server) createTopics(q *kmsg.CreateTopicsRequest) *kmsg.CreateTopicsResponse {
	resp := q.ResponseKind().(*kmsg.CreateTopicsResponse)
	seen := map[string]int{}
	for _, t := range q.Topics {
		seen[t.Topic]++
	}
	for _, t := range q.Topics {
		rt := kmsg.NewCreateTopicsResponseTopic()
		rt.Topic = t.Topic
		fail := func(code int16, msg string) {
			rt.ErrorCode, rt.ErrorMessage = code, strp(msg)
			rt.NumPartitions, rt.ReplicationFactor = -1, -1
		}
		n := t.NumPartitions
		if n == -1 {
			n = 1 // num.partitions default
		}
		tc, ok := s.store.(TopicCreator)
		switch {
		case !s.writable || !ok:
			fail(protocol.ErrClusterAuthorizationFailed, "kseg serve is read-only (start it with --writable)")
		case seen[t.Topic] > 1:
			fail(protocol.ErrInvalidRequest, "duplicate topic in request")
		case !ValidTopicName(t.Topic):
			fail(protocol.ErrInvalidTopic, "illegal topic name")
		case len(t.ReplicaAssignment) > 0:
			fail(protocol.ErrInvalidRequest, "manual replica assignment is not supported by kseg serve")
		case n <= 0 || n > maxCreatePartitions:
			fail(protocol.ErrInvalidPartitions, fmt.Sprintf("number of partitions must be between 1 and %d", maxCreatePartitions))
		case t.ReplicationFactor != -1 && t.ReplicationFactor != 1:
			fail(protocol.ErrInvalidReplicationFactor, fmt.Sprintf("replication factor: %d larger than available brokers: 1", t.ReplicationFactor))
		case len(t.Configs) > 0:
			fail(protocol.ErrInvalidConfig, "kseg serve keeps no topic configs; create the topic without them")
		case s.topicExists(t.Topic):
			fail(protocol.ErrTopicAlreadyExists, "topic '"+t.Topic+"' already exists")
		case q.ValidateOnly:
			rt.NumPartitions, rt.ReplicationFactor = n, 1
		default:
			id, err := tc.CreateTopic(t.Topic, n)
			if err != nil {
				s.cfg.Logf("kseg serve: creating topic %s: %v", t.Topic, err)
				fail(protocol.ErrKafkaStorageError, err.Error())
				break
			}
			rt.TopicID, rt.NumPartitions, rt.ReplicationFactor = id, n, 1
			s.ids.mu.Lock()
			s.ids.put(t.Topic, id)
			s.ids.mu.Unlock()
		}
		if rt.ErrorCode == protocol.ErrNone && q.Version >= 5 {
			cfgs, _ := s.topicConfigs(t.Topic)
			for _, c := range cfgs {
				rc := kmsg.NewCreateTopicsResponseTopicConfig()
				rc.Name, rc.Value, rc.Source, rc.IsSensitive = c.Name, c.Value, int8(c.Source), c.Sensitive
				rt.Configs = append(rt.Configs, rc)
			}
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// autoCreate creates topic name with one partition when --auto-create-topics
// is on, the server is writable and the request allows it, and returns its
// partitions.
func (s *server) autoCreate(name string, allowed bool) ([]int32, bool) {
	if !allowed || !s.cfg.AutoCreateTopics || !s.writable || !ValidTopicName(name) {
		return nil, false
	}
	tc, ok := s.store.(TopicCreator)
	if !ok {
		return nil, false
	}
	s.createMu.Lock()
	defer s.createMu.Unlock()
	if parts, ok := s.topicPartitions(name); ok {
		return parts, true
	}
	id, err := tc.CreateTopic(name, 1)
	if err != nil {
		s.cfg.Logf("kseg serve: auto-creating topic %s: %v", name, err)
		return nil, false
	}
	s.cfg.Logf("kseg serve: auto-created topic %s", name)
	s.ids.mu.Lock()
	s.ids.put(name, id)
	s.ids.mu.Unlock()
	return []int32{0}, true
}

func (s *server) deleteRecords(q *kmsg.DeleteRecordsRequest) *kmsg.DeleteRecordsResponse {
	resp := q.ResponseKind().(*kmsg.DeleteRecordsResponse)
	for _, t := range q.Topics {
		rt := kmsg.NewDeleteRecordsResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewDeleteRecordsResponseTopicPartition()
			rp.Partition, rp.LowWatermark = p.Partition, -1
			pl, code := s.partition(t.Topic, p.Partition)
			if code == protocol.ErrNone && !s.writable {
				code = protocol.ErrTopicAuthorizationFailed
			}
			if code == protocol.ErrNone && !s.deletePolicy(t.Topic) {
				// Partition.deleteRecordsOnLeader: only a topic whose
				// cleanup.policy includes delete.
				code = protocol.ErrPolicyViolation
			}
			if code == protocol.ErrNone {
				rp.LowWatermark, code = s.deleteRecordsPartition(pl, p.Offset)
			}
			rp.ErrorCode = code
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// deleteRecordsPartition follows ReplicaManager.deleteRecordsOnLocalLog and
// UnifiedLog.deleteRecords: -1 means the high watermark; an offset above it
// is OFFSET_OUT_OF_RANGE; the log start offset only moves forward.
func (s *server) deleteRecordsPartition(pl PartitionLog, offset int64) (int64, int16) {
	rd, ok := pl.(RecordDeleter)
	if !ok {
		return -1, protocol.ErrTopicAuthorizationFailed
	}
	hw, err := pl.LogEndOffset()
	if err != nil {
		return -1, errorCode(err)
	}
	if offset == -1 {
		offset = hw
	}
	if offset < 0 || offset > hw {
		return -1, protocol.ErrOffsetOutOfRange
	}
	low, err := rd.DeleteRecords(offset)
	if err != nil {
		s.cfg.Logf("kseg serve: delete records: %v", err)
		return -1, errorCode(err)
	}
	return low, protocol.ErrNone
}

// deletePolicy reports whether the topic's cleanup.policy includes delete
// (LogConfig.delete), as far as kseg knows the topic's configs.
func (s *server) deletePolicy(topic string) bool {
	cfgs, err := s.topicConfigs(topic)
	if err != nil {
		return false
	}
	for _, c := range cfgs {
		if c.Name == "cleanup.policy" && c.Value != nil {
			for _, p := range strings.Split(*c.Value, ",") {
				if strings.TrimSpace(p) == "delete" {
					return true
				}
			}
			return false
		}
	}
	return true
}
