package metadata

import (
	"sort"

	"github.com/kseg/kseg/internal/kbin"
)

// NewStruct builds a Struct from name/value pairs for EncodeRecord. Integer
// values of any width become int64; []int32 stays (nil is null);
// []kbin.UUID, []string and []*Struct become []any; a nil *string is null.
func NewStruct(kv ...any) *Struct {
	s := &Struct{}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Fields = append(s.Fields, Field{Name: kv[i].(string), Value: normalize(kv[i+1])})
	}
	return s
}

func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint16:
		return int64(x)
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case []int32:
		if x == nil {
			return nil
		}
		return x
	case []kbin.UUID:
		if x == nil {
			return nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []*Struct:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	}
	return v
}

// Record versions this build writes in a snapshot (the newest it knows).
const (
	snapBrokerVersion    = 3
	snapPartitionVersion = 2
)

// SnapshotRecords encodes the image as the records of a KRaft snapshot, in
// the order Kafka's MetadataImage.write emits them (features, cluster,
// topics, configs, quotas, producer ids, ACLs, SCRAM, delegation tokens).
// Each call of fn gets a fresh record value.
func (im *Image) SnapshotRecords(fn func(value []byte) error) error {
	emit := func(typ, version int16, s *Struct) error {
		b, err := EncodeRecord(nil, typ, version, s)
		if err != nil {
			return err
		}
		return fn(b)
	}
	names := make([]string, 0, len(im.Features))
	for n := range im.Features {
		names = append(names, n)
	}
	sort.Strings(names)
	// metadata.version first, as Kafka's FeaturesImage writes it.
	sort.SliceStable(names, func(i, j int) bool { return names[i] == "metadata.version" && names[j] != "metadata.version" })
	for _, n := range names {
		if err := emit(12, 0, NewStruct("name", n, "featureLevel", im.Features[n])); err != nil {
			return err
		}
	}
	endpointStructs := func(eps []Endpoint) []*Struct {
		out := []*Struct{}
		for _, e := range eps {
			out = append(out, NewStruct("name", e.Name, "host", e.Host, "port", int64(e.Port), "securityProtocol", e.SecurityProtocol))
		}
		return out
	}
	for _, id := range sortedKeysInt32(im.Brokers) {
		b := im.Brokers[id]
		if err := emit(0, snapBrokerVersion, NewStruct("brokerId", id, "isMigratingZkBroker", b.IsMigratingZkBroker,
			"incarnationId", b.IncarnationID, "brokerEpoch", b.Epoch, "endPoints", endpointStructs(b.Endpoints), "features", []*Struct{},
			"rack", b.Rack, "fenced", b.Fenced, "inControlledShutdown", b.InControlledShutdown, "logDirs", orEmpty(b.LogDirs))); err != nil {
			return err
		}
	}
	for _, id := range sortedKeysInt32(im.Controllers) {
		c := im.Controllers[id]
		if err := emit(27, 0, NewStruct("controllerId", id, "incarnationId", c.IncarnationID, "endPoints", endpointStructs(c.Endpoints), "features", []*Struct{})); err != nil {
			return err
		}
	}
	for _, name := range im.TopicNames() {
		t := im.Topics[name]
		if err := emit(2, 0, NewStruct("name", name, "topicId", t.ID)); err != nil {
			return err
		}
		for _, pid := range t.PartitionIDs() {
			p := t.Partitions[pid]
			if err := emit(3, snapPartitionVersion, NewStruct("partitionId", pid, "topicId", t.ID, "replicas", orEmpty32(p.Replicas),
				"isr", orEmpty32(p.ISR), "removingReplicas", orEmpty32(p.RemovingReplicas), "addingReplicas", orEmpty32(p.AddingReplicas),
				"leader", p.Leader, "leaderRecoveryState", p.LeaderRecoveryState, "leaderEpoch", p.LeaderEpoch,
				"partitionEpoch", p.PartitionEpoch, "directories", orEmpty(p.Directories),
				"eligibleLeaderReplicas", p.ELR, "lastKnownElr", p.LastKnownELR)); err != nil {
				return err
			}
		}
	}
	res := make([]ConfigResource, 0, len(im.Configs))
	for r := range im.Configs {
		res = append(res, r)
	}
	sort.Slice(res, func(i, j int) bool {
		if res[i].Type != res[j].Type {
			return res[i].Type < res[j].Type
		}
		return res[i].Name < res[j].Name
	})
	for _, r := range res {
		keys := make([]string, 0, len(im.Configs[r]))
		for k := range im.Configs[r] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := emit(4, 0, NewStruct("resourceType", r.Type, "resourceName", r.Name, "name", k, "value", im.Configs[r][k])); err != nil {
				return err
			}
		}
	}
	raw := func(m map[string]*Record) error {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := emit(m[k].Type, m[k].Version, m[k].Data); err != nil {
				return err
			}
		}
		return nil
	}
	ents := make([]string, 0, len(im.quotas))
	for e := range im.quotas {
		ents = append(ents, e)
	}
	sort.Strings(ents)
	for _, e := range ents {
		if err := raw(im.quotas[e]); err != nil {
			return err
		}
	}
	if p := im.ProducerIDs; p != nil {
		if err := emit(15, 0, NewStruct("brokerId", p.BrokerID, "brokerEpoch", p.BrokerEpoch, "nextProducerId", p.NextProducerID)); err != nil {
			return err
		}
	}
	acls := map[string]*Record{}
	for id, r := range im.acls {
		acls[id.String()] = r
	}
	for _, m := range []map[string]*Record{acls, im.scram, im.tokens} {
		if err := raw(m); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeysInt32[V any](m map[int32]V) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func orEmpty(u []kbin.UUID) []kbin.UUID {
	if u == nil {
		return []kbin.UUID{}
	}
	return u
}

func orEmpty32(v []int32) []int32 {
	if v == nil {
		return []int32{}
	}
	return v
}
