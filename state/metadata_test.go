package state

import (
	"errors"
	"reflect"
	"testing"
)

func TestDecodePartitionMetadata(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		want       string // topic id
		wantV      int
		wantReason string
		wantLine   int
	}{
		{name: "kafka", in: "version: 0\ntopic_id: nigi0dJNRASJVYh5eRn0Vg", want: "nigi0dJNRASJVYh5eRn0Vg"},
		{name: "trailing-newline", in: "version: 0\ntopic_id: nigi0dJNRASJVYh5eRn0Vg\n", want: "nigi0dJNRASJVYh5eRn0Vg"},
		{name: "padded", in: "version: 0\ntopic_id: nigi0dJNRASJVYh5eRn0Vg==", want: "nigi0dJNRASJVYh5eRn0Vg"},
		{name: "metadata-topic", in: "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ", want: "AAAAAAAAAAAAAAAAAAAAAQ"},
		{name: "future-version", in: "version: 3\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ", want: "AAAAAAAAAAAAAAAAAAAAAQ", wantV: 3},
		{name: "empty", in: "", wantReason: ReasonMalformedLine, wantLine: 1},
		{name: "no-topic-line", in: "version: 0\n", wantReason: ReasonMalformedLine, wantLine: 2},
		{name: "version-one-field", in: "version:0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ", wantReason: ReasonMalformedLine, wantLine: 1},
		{name: "version-not-int", in: "version: x\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ", wantReason: ReasonMalformedLine, wantLine: 1},
		{name: "negative-version", in: "version: -1\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ", wantReason: ReasonUnsupportedVersion, wantLine: 1},
		{name: "zero-uuid", in: "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA", wantReason: ReasonInvalidTopicID, wantLine: 2},
		{name: "short-uuid", in: "version: 0\ntopic_id: AAAA", wantReason: ReasonInvalidTopicID, wantLine: 2},
		{name: "long-uuid", in: "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAAAAAAAA", wantReason: ReasonInvalidTopicID, wantLine: 2},
		{name: "std-alphabet", in: "version: 0\ntopic_id: nigi0dJNRASJVYh5eRn0V+", wantReason: ReasonInvalidTopicID, wantLine: 2},
		{name: "topic-three-fields", in: "version: 0\ntopic_id: a b", wantReason: ReasonMalformedLine, wantLine: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := DecodePartitionMetadata([]byte(tt.in), "partition.metadata")
			checkReason(t, err, tt.wantReason, len(tt.in))
			if tt.wantReason != "" {
				var fe *FormatError
				errors.As(err, &fe)
				if fe.Line != tt.wantLine {
					t.Fatalf("line %d want %d", fe.Line, tt.wantLine)
				}
				return
			}
			if m.TopicID.String() != tt.want || m.Version != tt.wantV {
				t.Fatalf("got %+v", m)
			}
		})
	}
}

func TestPartitionMetadataRoundTrip(t *testing.T) {
	id, err := ParseUUID("vqSmEBIuSwm33bh8npzjMw")
	if err != nil {
		t.Fatal(err)
	}
	b := AppendPartitionMetadata(nil, PartitionMetadata{TopicID: id})
	if string(b) != "version: 0\ntopic_id: vqSmEBIuSwm33bh8npzjMw" {
		t.Fatalf("%q", b)
	}
	m, err := DecodePartitionMetadata(b, "")
	if err != nil || !reflect.DeepEqual(*m, PartitionMetadata{TopicID: id}) {
		t.Fatalf("%+v %v", m, err)
	}
}

func TestDecodeMetaProperties(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	tests := []struct {
		name       string
		in         string
		want       *MetaProperties
		wantReason string
	}{
		{name: "zk", in: "#\n#Fri Nov 18 16:09:16 CST 2016\nversion=0\nbroker.id=0\n",
			want: &MetaProperties{Version: 0, BrokerID: i32(0)}},
		{name: "kraft", in: "#\n#Wed Dec 10 19:14:32 GMT 2025\ncluster.id=universe-labs-cluster\ndirectory.id=MQHhtGhc9j1ncLM2pvl16w\nnode.id=1\nversion=1\n",
			want: &MetaProperties{Version: 1, NodeID: i32(1), ClusterID: "universe-labs-cluster", DirectoryID: "MQHhtGhc9j1ncLM2pvl16w"}},
		{name: "default-version", in: "broker.id=5\n", want: &MetaProperties{BrokerID: i32(5)}},
		{name: "syntax", in: "! bang comment\n  broker.id : 7\nversion 0\ncluster.id=a\\=b\\:c\nx.y=line\\\n   continued\nz\\ key=\\u0041\\t\n",
			want: &MetaProperties{BrokerID: i32(7), ClusterID: "a=b:c", Other: map[string]string{"x.y": "linecontinued", "z key": "A\t"}}},
		{name: "last-wins", in: "broker.id=1\nbroker.id=2\n", want: &MetaProperties{BrokerID: i32(2)}},
		{name: "zk-node-id-is-other", in: "version=0\nbroker.id=1\nnode.id=3\n",
			want: &MetaProperties{BrokerID: i32(1), Other: map[string]string{"node.id": "3"}}},
		{name: "zk-missing-broker", in: "version=0\ncluster.id=x\n",
			want: &MetaProperties{ClusterID: "x", Findings: []Finding{{Reason: ReasonMissingBrokerID, Detail: "version 0 meta.properties has no broker.id"}}}},
		{name: "bad-version", in: "version=2\nnode.id=1\n", wantReason: ReasonUnsupportedVersion},
		{name: "kraft-missing-node", in: "version=1\ncluster.id=x\n", wantReason: ReasonMissingProperty},
		{name: "kraft-missing-cluster", in: "version=1\nnode.id=1\n", wantReason: ReasonMissingProperty},
		{name: "broker-id-not-int", in: "version=0\nbroker.id=one\n", wantReason: ReasonBadProperty},
		{name: "node-id-overflow", in: "version=1\nnode.id=2147483648\ncluster.id=x\n", wantReason: ReasonBadProperty},
		{name: "bad-directory-id", in: "version=1\nnode.id=1\ncluster.id=x\ndirectory.id=nope\n", wantReason: ReasonBadProperty},
		{name: "bad-unicode-escape", in: "broker.id=1\nk=\\u00zz\n", wantReason: ReasonMalformedLine},
		{name: "short-unicode-escape", in: "broker.id=1\nk=\\u00", wantReason: ReasonMalformedLine},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := DecodeMetaProperties([]byte(tt.in), "meta.properties")
			checkReason(t, err, tt.wantReason, len(tt.in))
			if tt.wantReason != "" {
				return
			}
			if !reflect.DeepEqual(m, tt.want) {
				t.Fatalf("got %+v\nwant %+v", m, tt.want)
			}
		})
	}
}

func TestMetaPropertiesRoundTrip(t *testing.T) {
	n := int32(3)
	m := &MetaProperties{Version: 1, NodeID: &n, ClusterID: "q1w2 e3:r4=t5#", DirectoryID: "XHhkr4tkSsD900pOQ8pPfg",
		Other: map[string]string{"b": " lead\\tab", "a k": "!"}}
	b := AppendMetaProperties(nil, m)
	want := "#\nversion=1\nnode.id=3\ncluster.id=q1w2 e3\\:r4\\=t5\\#\ndirectory.id=XHhkr4tkSsD900pOQ8pPfg\na\\ k=\\!\nb=\\ lead\\\\tab\n"
	if string(b) != want {
		t.Fatalf("got %q\nwant %q", b, want)
	}
	got, err := DecodeMetaProperties(b, "")
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("got %+v %v", got, err)
	}
}

func TestDetectKind(t *testing.T) {
	tests := map[string]Kind{
		"00000000000000000009.snapshot":              KindProducerSnapshot,
		"/d/t-0/00000000000000000000.txnindex":       KindTxnIndex,
		"leader-epoch-checkpoint":                    KindLeaderEpochCheckpoint,
		"/data/recovery-point-offset-checkpoint":     KindOffsetCheckpoint,
		"replication-offset-checkpoint":              KindOffsetCheckpoint,
		"log-start-offset-checkpoint":                KindOffsetCheckpoint,
		"cleaner-offset-checkpoint":                  KindOffsetCheckpoint,
		"partition.metadata":                         KindPartitionMetadata,
		"meta.properties":                            KindMetaProperties,
		"quorum-state":                               KindQuorumState,
		"00000000000000000000.log":                   KindUnknown,
		"00000000000000000009.snapshot.deleted":      KindUnknown,
		"leader-epoch-checkpoint.tmp":                KindUnknown,
		"00000000000000007364-0000000001.checkpoint": KindUnknown,
	}
	for name, want := range tests {
		if got := DetectKind(name); got != want {
			t.Errorf("DetectKind(%q) = %v, want %v", name, got, want)
		}
	}
	if KindOffsetCheckpoint.String() != "offset-checkpoint" || Kind(200).String() != "unknown" {
		t.Fatal("Kind.String")
	}
}
