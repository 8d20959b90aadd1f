package logstore_test

import (
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Authorized operations (KIP-430) as a broker without an authorizer
// reports them when asked (AuthHelper.authorizedOperations: every operation
// AclEntry.supportedOperations lists for the resource type, as a bit field
// of AclOperation codes), and Int.MinValue when not asked. kafka-python's
// describe_consumer_groups(include_authorized_operations=True) asks for
// them; serve used to answer "not requested" regardless.
func TestAuthorizedOperations(t *testing.T) {
	_, addr := javaServe(t)
	_, cl := admin(t, addr)
	j := dialJava(t, addr, java40)
	ctx := ctx10(t)
	const (
		notAsked = -2147483648
		// READ WRITE CREATE DELETE ALTER DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS
		topic = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11
		// READ DELETE DESCRIBE (Kafka 2.3–3.9)
		group = 1<<3 | 1<<6 | 1<<8
		// CREATE ALTER DESCRIBE CLUSTER_ACTION DESCRIBE_CONFIGS ALTER_CONFIGS IDEMPOTENT_WRITE
		cluster = 1<<5 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12
	)
	for _, ask := range []bool{false, true} {
		want := func(ops int32) int32 {
			if ask {
				return ops
			}
			return notAsked
		}

		dc := kmsg.NewPtrDescribeClusterRequest()
		dc.IncludeClusterAuthorizedOperations = ask
		if r, err := dc.RequestWith(ctx, cl); err != nil || r.ClusterAuthorizedOperations != want(cluster) {
			t.Errorf("DescribeCluster asked=%v: %v %+v", ask, err, r)
		}

		for _, v := range []int16{8, 10, 12} {
			m := kmsg.NewPtrMetadataRequest()
			m.Version = v
			m.IncludeClusterAuthorizedOperations = ask && v <= 10
			m.IncludeTopicAuthorizedOperations = ask
			m.Topics = []kmsg.MetadataRequestTopic{{Topic: strp("orders")}, {Topic: strp("nope")}}
			// Sent on a connection of its own: kgo answers some
			// Metadata requests from its own cache.
			r := kmsg.NewPtrMetadataResponse()
			r.Version = v
			if err := r.ReadFrom(j.roundTrip(m)); err != nil || len(r.Topics) != 2 {
				t.Fatalf("Metadata v%d: %v %+v", v, err, r)
			}
			wantCluster := want(cluster)
			if v > 10 {
				wantCluster = notAsked // the field is gone in v11 (KIP-700)
			}
			if r.AuthorizedOperations != wantCluster {
				t.Errorf("Metadata v%d asked=%v: cluster operations %d, want %d", v, ask, r.AuthorizedOperations, wantCluster)
			}
			for _, tp := range r.Topics {
				if tp.AuthorizedOperations != want(topic) {
					t.Errorf("Metadata v%d asked=%v: %s operations %d, want %d", v, ask, *tp.Topic, tp.AuthorizedOperations, want(topic))
				}
			}
		}

		dg := kmsg.NewPtrDescribeGroupsRequest()
		dg.IncludeAuthorizedOperations = ask
		dg.Groups = []string{"g1", "g2", "cg848", "nope"}
		r, err := dg.RequestWith(ctx, cl)
		if err != nil || len(r.Groups) != 4 {
			t.Fatalf("DescribeGroups: %v %+v", err, r)
		}
		for _, g := range r.Groups {
			// Dead groups too: they are answered without an error.
			if g.ErrorCode != 0 || g.AuthorizedOperations != want(group) {
				t.Errorf("DescribeGroups asked=%v %s: error %d operations %d, want %d", ask, g.Group, g.ErrorCode, g.AuthorizedOperations, want(group))
			}
		}

		cg := kmsg.NewPtrConsumerGroupDescribeRequest()
		cg.IncludeAuthorizedOperations = ask
		cg.Groups = []string{"cg848", "g1"}
		cr, err := cg.RequestWith(ctx, cl)
		if err != nil || len(cr.Groups) != 2 {
			t.Fatalf("ConsumerGroupDescribe: %v %+v", err, cr)
		}
		if g := cr.Groups[0]; g.ErrorCode != 0 || g.AuthorizedOperations != want(group) {
			t.Errorf("ConsumerGroupDescribe asked=%v cg848: error %d operations %d", ask, g.ErrorCode, g.AuthorizedOperations)
		}
		// A classic group is GROUP_ID_NOT_FOUND here, and an errored group
		// gets no operations.
		if g := cr.Groups[1]; g.ErrorCode != 69 || g.AuthorizedOperations != notAsked {
			t.Errorf("ConsumerGroupDescribe g1: error %d operations %d", g.ErrorCode, g.AuthorizedOperations)
		}
	}

	// DescribeTopicPartitions has no flag: every topic it answers carries
	// its operations (DescribeTopicPartitionsRequestHandler).
	dt := kmsg.NewPtrDescribeTopicPartitionsRequest()
	dt.Topics = []kmsg.DescribeTopicPartitionsRequestTopic{{Topic: "orders"}, {Topic: "nope"}}
	dt.ResponsePartitionLimit = 100
	r, err := dt.RequestWith(ctx, cl)
	if err != nil || len(r.Topics) != 2 {
		t.Fatalf("DescribeTopicPartitions: %v %+v", err, r)
	}
	for _, tp := range r.Topics {
		if tp.AuthorizedOperations != topic {
			t.Errorf("DescribeTopicPartitions %s: operations %d, want %d", *tp.Topic, tp.AuthorizedOperations, topic)
		}
	}
}

// TestConfigSynonyms: DescribeConfigs with IncludeSynonyms lists, as
// ConfigHelper.createTopicConfigEntry does, the topic's own setting
// (TOPIC_CONFIG) and then the broker config it defaults to
// (ServerTopicConfigSynonyms) at that config's default; librdkafka and
// kafka-python ask for them. serve used to list the topic config's own
// name as its DEFAULT_CONFIG synonym.
func TestConfigSynonyms(t *testing.T) {
	_, addr := javaServe(t)
	_, cl := admin(t, addr)
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.IncludeSynonyms = true
	req.Resources = []kmsg.DescribeConfigsRequestResource{{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "__consumer_offsets",
		ConfigNames: []string{"cleanup.policy", "segment.ms", "flush.ms", "segment.index.bytes"}}}
	resp, err := req.RequestWith(ctx10(t), cl)
	if err != nil || len(resp.Resources) != 1 || resp.Resources[0].ErrorCode != 0 {
		t.Fatalf("%v %+v", err, resp)
	}
	got := map[string][]string{}
	for _, c := range resp.Resources[0].Configs {
		got[c.Name] = []string{}
		for _, s := range c.ConfigSynonyms {
			got[c.Name] = append(got[c.Name], s.Name+"="+*s.Value+"@"+s.Source.String())
		}
	}
	want := map[string][]string{
		// The broker's own override when it created the topic, then
		// log.cleanup.policy's default.
		"cleanup.policy": {"cleanup.policy=compact@DYNAMIC_TOPIC_CONFIG", "log.cleanup.policy=delete@DEFAULT_CONFIG"},
		// log.roll.ms and log.flush.interval.ms have no default value:
		// ConfigHelper.configSynonyms drops every synonym before them.
		"segment.ms":          {},
		"flush.ms":            {},
		"segment.index.bytes": {"log.index.size.max.bytes=10485760@DEFAULT_CONFIG"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("synonyms %v, want %v", got, want)
	}
}
