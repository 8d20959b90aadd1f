package logstore_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kseg/kseg/appender"
	"github.com/kseg/kseg/coordinator"
	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/logstore"
	"github.com/kseg/kseg/server"
	"github.com/kseg/kseg/state"
	"github.com/kseg/kseg/verify"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

func strp(s string) *string { return &s }

// writeLog writes one segment of v2 batches (one per value list) at base 0
// into logDir/name.
func writeLog(t *testing.T, logDir, name string, batches ...[][2][]byte) {
	t.Helper()
	dir := filepath.Join(logDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	var next int64
	for _, recs := range batches {
		o := format.BatchOptions{Magic: 2, BaseOffset: next}
		o.NoProducer()
		msgs := make([]format.Message, len(recs))
		for i, kv := range recs {
			msgs[i] = format.Message{Key: kv[0], Value: kv[1], Timestamp: 1700000000000 + next + int64(i)}
		}
		var err error
		if buf, err = format.AppendBatch(buf, o, msgs); err != nil {
			t.Fatal(err)
		}
		next += int64(len(recs))
	}
	if err := os.WriteFile(filepath.Join(dir, "00000000000000000000.log"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// adminLogDir is a copy of the sample plus a __consumer_offsets partition
// (classic group "g1" with one member, committed at orders-0 offset 10;
// an offsets-only group "g2") and a __transaction_state partition (an
// Ongoing transaction "tx-a" on orders-0, a CompleteCommit "tx-b").
func adminLogDir(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "logdir")
	testutil.CopyTree(t, sample, dir)
	off := func(g, topic string, p int32, o int64) [2][]byte {
		r := &coordinator.GroupRecord{Type: coordinator.TypeOffsetCommit, Key: coordinator.GroupKey{Group: g, Topic: topic, Partition: p},
			ValueVersion: 3, OffsetCommit: &coordinator.OffsetCommitValue{Offset: o, LeaderEpoch: 1, Metadata: "md", CommitTimestamp: 1700000000000, ExpireTimestamp: -1}}
		return [2][]byte{r.AppendKey(nil), r.AppendValue(nil)}
	}
	member := coordinator.MemberMetadata{MemberID: "m-1", ClientID: "client-1", ClientHost: "/10.0.0.1", RebalanceTimeout: 60000, SessionTimeout: 45000,
		Subscription: (&coordinator.ConsumerSubscription{Version: 1, Topics: []string{"orders"}}).AppendTo(nil),
		Assignment:   (&coordinator.ConsumerAssignment{Version: 1, AssignedPartitions: []coordinator.TopicPartitions{{Topic: "orders", Partitions: []int32{0}}}}).AppendTo(nil)}
	gm := &coordinator.GroupRecord{Type: coordinator.TypeGroupMetadata, Key: coordinator.GroupKey{Group: "g1"}, ValueVersion: 3,
		GroupMetadata: &coordinator.GroupMetadataValue{ProtocolType: "consumer", Generation: 4, Protocol: strp("range"), Leader: strp("m-1"),
			CurrentStateTimestamp: 1700000000123, Members: []coordinator.MemberMetadata{member}}}
	writeLog(t, dir, "__consumer_offsets-0",
		[][2][]byte{off("g1", "orders", 0, 7)},
		[][2][]byte{{gm.AppendKey(nil), gm.AppendValue(nil)}, off("g1", "orders", 0, 10), off("g2", "legacy-v1", 0, 5)})
	txn := func(id string, st coordinator.TxnState, parts []coordinator.TxnPartitions) [2][]byte {
		r := &coordinator.TxnRecord{TransactionalID: id, Value: &coordinator.TransactionLogValue{ProducerID: 4000, PreviousProducerID: -1, NextProducerID: -1,
			ProducerEpoch: 3, TransactionTimeoutMs: 60000, TransactionStatus: st, TransactionPartitions: parts,
			TransactionLastUpdateTimestampMs: 1700000000500, TransactionStartTimestampMs: 1700000000000}}
		return [2][]byte{r.AppendKey(nil), r.AppendValue(nil)}
	}
	writeLog(t, dir, "__transaction_state-0",
		[][2][]byte{txn("tx-a", coordinator.TxnOngoing, []coordinator.TxnPartitions{{Topic: "orders", PartitionIDs: []int32{0}}})},
		[][2][]byte{txn("tx-b", coordinator.TxnCompleteCommit, nil)})
	return dir
}

// serveCfg is serve with a server.Config and kseg serve's wiring of the
// cluster id.
func serveCfg(t *testing.T, dir string, cfg server.Config) string {
	t.Helper()
	writable := !cfg.ReadOnly
	st, err := logstore.Open(dir, logstore.Options{Writable: writable, Appender: appender.Options{Fsync: appender.FsyncNever, LeaderEpoch: appender.UseLatestLeaderEpoch}})
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClusterID = st.ClusterID()
	if cfg.Configs == nil {
		// As kseg serve wires it.
		c, err := st.MetadataConfigs()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Configs = c
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Serve(ctx, ln, st, cfg) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("server did not stop")
		}
	})
	return ln.Addr().String()
}

func admin(t *testing.T, addr string, opts ...kgo.Opt) (*kadm.Client, *kgo.Client) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl), cl
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func topicID(t *testing.T, dir, part string) [16]byte {
	b, err := os.ReadFile(filepath.Join(dir, part, "partition.metadata"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := state.DecodePartitionMetadata(b, "partition.metadata")
	if err != nil {
		t.Fatal(err)
	}
	return m.TopicID
}

// TestKadmReadOnly runs franz-go's admin client against a read-only serve
// for every admin call answered from the files, and checks the log dir is
// byte-identical afterwards.
func TestKadmReadOnly(t *testing.T) {
	dir := adminLogDir(t)
	before := testutil.HashTree(t, dir)
	addr := serveCfg(t, dir, server.Config{ReadOnly: true})
	adm, cl := admin(t, addr)
	ctx := ctx10(t)

	t.Run("describe cluster", func(t *testing.T) {
		req := kmsg.NewPtrDescribeClusterRequest()
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ErrorCode != 0 || resp.ClusterID != "kseg-sample-cluster-0001" || resp.ControllerID != 0 || len(resp.Brokers) != 1 || resp.Brokers[0].Port == 0 {
			t.Fatalf("%+v", resp)
		}
	})
	t.Run("topics with ids", func(t *testing.T) {
		td, err := adm.ListTopicsWithInternal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"orders", "legacy-v0", "legacy-v1"} {
			d, ok := td[name]
			if !ok || d.Err != nil || len(d.Partitions) != 1 || [16]byte(d.ID) != topicID(t, dir, name+"-0") {
				t.Errorf("%s: %+v (partition.metadata id %x)", name, d, topicID(t, dir, name+"-0"))
			}
		}
		// Metadata v12 may name a topic by id alone.
		req := kmsg.NewPtrMetadataRequest()
		req.Version = 12
		req.Topics = []kmsg.MetadataRequestTopic{{TopicID: topicID(t, dir, "orders-0")}, {TopicID: [16]byte{7}}}
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Topics) != 2 || resp.Topics[0].Topic == nil || *resp.Topics[0].Topic != "orders" || resp.Topics[0].ErrorCode != 0 ||
			resp.Topics[1].ErrorCode != 100 { // UNKNOWN_TOPIC_ID
			t.Errorf("metadata by id: %+v", resp.Topics)
		}
		if d, ok := td["__consumer_offsets"]; !ok || !d.IsInternal || td["orders"].IsInternal {
			t.Errorf("__consumer_offsets not listed as internal: %+v", d)
		}
	})
	t.Run("topic configs", func(t *testing.T) {
		rcs, err := adm.DescribeTopicConfigs(ctx, "orders", "nope", "__consumer_offsets")
		if err != nil {
			t.Fatal(err)
		}
		for _, rc := range rcs {
			if rc.Name == "nope" {
				if rc.Err == nil {
					t.Errorf("unknown topic described without error")
				}
				continue
			}
			if rc.Err != nil {
				t.Fatal(rc.Err)
			}
			got := map[string]kadm.Config{}
			for _, c := range rc.Configs {
				got[c.Key] = c
			}
			if rc.Name == "__consumer_offsets" {
				// Set by the broker when it created the topic
				// (GroupCoordinator.offsetsTopicConfigs).
				if c := got["cleanup.policy"]; c.MaybeValue() != "compact" || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
					t.Errorf("__consumer_offsets cleanup.policy: %+v", c)
				}
				continue
			}
			for k, v := range map[string]string{"retention.ms": "604800000", "cleanup.policy": "delete", "segment.bytes": "1073741824", "max.message.bytes": "1048588"} {
				c, ok := got[k]
				if !ok || c.MaybeValue() != v || c.Source != kmsg.ConfigSourceDefaultConfig {
					t.Errorf("%s: %+v, want %s from DEFAULT_CONFIG", k, c, v)
				}
			}
		}
	})
	t.Run("log dirs", func(t *testing.T) {
		ds, err := adm.DescribeAllLogDirs(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var seen int
		ds.Each(func(d kadm.DescribedLogDir) {
			d.Topics.Each(func(p kadm.DescribedLogDirPartition) {
				seen++
				var want int64
				ents, _ := os.ReadDir(filepath.Join(dir, p.Topic+"-0"))
				for _, e := range ents {
					if strings.HasSuffix(e.Name(), ".log") {
						fi, _ := e.Info()
						want += fi.Size()
					}
				}
				if p.Size != want || p.OffsetLag != 0 || p.IsFuture || p.Partition != 0 {
					t.Errorf("%s-%d: size %d (want %d), lag %d, future %v", p.Topic, p.Partition, p.Size, want, p.OffsetLag, p.IsFuture)
				}
			})
			if abs, _ := filepath.Abs(dir); d.Dir != abs {
				t.Errorf("dir %q, want %q", d.Dir, abs)
			}
		})
		if seen != 5 {
			t.Errorf("%d partitions described, want 5", seen)
		}
	})
	t.Run("groups with lag", func(t *testing.T) {
		lg, err := adm.ListGroups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if g, ok := lg["g1"]; !ok || g.ProtocolType != "consumer" || g.State != "Stable" {
			t.Errorf("g1 listed as %+v", lg["g1"])
		}
		if _, ok := lg["g2"]; !ok {
			t.Errorf("offsets-only g2 not listed: %+v", lg)
		}
		dg, err := adm.DescribeGroups(ctx, "g1")
		if err != nil {
			t.Fatal(err)
		}
		g := dg["g1"]
		if g.Err != nil || g.State != "Stable" || g.Protocol != "range" || len(g.Members) != 1 || g.Members[0].MemberID != "m-1" ||
			g.Members[0].ClientID != "client-1" || g.Members[0].ClientHost != "/10.0.0.1" {
			t.Fatalf("g1: %+v", g)
		}
		if a, ok := g.Members[0].Assigned.AsConsumer(); !ok || len(a.Topics) != 1 || a.Topics[0].Topic != "orders" {
			t.Errorf("g1 assignment %+v", g.Members[0].Assigned)
		}
		lags, err := adm.Lag(ctx, "g1", "g2")
		if err != nil {
			t.Fatal(err)
		}
		l := lags["g1"].Lag["orders"][0]
		if l.Err != nil || l.Commit.At != 10 || l.End.Offset != 33 || l.Lag != 23 {
			t.Errorf("g1 orders-0 lag: %+v", l)
		}
		l2 := lags["g2"].Lag["legacy-v1"][0]
		if l2.Err != nil || l2.Commit.At != 5 || l2.End.Offset != 12 || l2.Lag != 7 {
			t.Errorf("g2 legacy-v1-0 lag: %+v", l2)
		}
	})
	t.Run("producers and transactions", func(t *testing.T) {
		dp, err := adm.DescribeProducers(ctx, kadm.TopicsSet{"orders": {0: {}}})
		if err != nil {
			t.Fatal(err)
		}
		p := dp["orders"].Partitions[0]
		if p.Err != nil || len(p.ActiveProducers) == 0 {
			t.Fatalf("orders-0 producers: %+v", p)
		}
		lt, err := adm.ListTransactions(ctx, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(lt) != 2 || lt["tx-a"].State != "Ongoing" || lt["tx-b"].State != "CompleteCommit" || lt["tx-a"].ProducerID != 4000 {
			t.Fatalf("list transactions: %+v", lt)
		}
		only, err := adm.ListTransactions(ctx, nil, []string{"Ongoing"})
		if err != nil || len(only) != 1 {
			t.Fatalf("state filter: %+v %v", only, err)
		}
		dt, err := adm.DescribeTransactions(ctx, "tx-a", "nope")
		if err != nil {
			t.Fatal(err)
		}
		a := dt["tx-a"]
		if a.Err != nil || a.State != "Ongoing" || a.ProducerID != 4000 || a.ProducerEpoch != 3 || a.TimeoutMillis != 60000 ||
			a.StartTimestamp != 1700000000000 || len(a.Topics["orders"]) != 1 {
			t.Errorf("tx-a: %+v", a)
		}
		if dt["nope"].Err == nil {
			t.Errorf("unknown transactional id described without error")
		}
	})
	t.Run("list offsets", func(t *testing.T) {
		for name, f := range map[string]func(context.Context, ...string) (kadm.ListedOffsets, error){
			"start": adm.ListStartOffsets, "end": adm.ListEndOffsets, "max timestamp": adm.ListMaxTimestampOffsets, "local start": adm.ListLocalLogStartOffsets,
		} {
			lo, err := f(ctx, "orders")
			if err != nil {
				t.Fatal(err)
			}
			o := lo["orders"][0]
			want := map[string]int64{"start": 0, "end": 33, "local start": 0}[name]
			if name == "max timestamp" {
				// The largest record timestamp of orders-0 (kcat -f '%o %T'
				// lists offset 32 at 1704067232000 as the largest).
				if o.Err != nil || o.Offset != 32 || o.Timestamp != 1704067232000 {
					t.Errorf("max timestamp: %+v", o)
				}
				continue
			}
			if o.Err != nil || o.Offset != want {
				t.Errorf("%s: %+v, want %d", name, o, want)
			}
		}
	})
	t.Run("offset for leader epoch", func(t *testing.T) {
		// leader-epoch-checkpoint: epoch 0 from 0, epoch 1 from 27; end 33.
		for _, c := range []struct {
			epoch, wantEpoch int32
			wantEnd          int64
		}{{0, 0, 27}, {1, 1, 33}, {2, -1, -1}} {
			req := kadm.OffsetForLeaderEpochRequest{}
			req.Add("orders", 0, c.epoch)
			res, err := adm.OffsetForLeaderEpoch(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			r := res["orders"][0]
			if r.Err != nil || r.LeaderEpoch != c.wantEpoch || r.EndOffset != c.wantEnd {
				t.Errorf("epoch %d: %+v, want (%d, %d)", c.epoch, r, c.wantEpoch, c.wantEnd)
			}
		}
	})
	t.Run("writes refused", func(t *testing.T) {
		if _, err := adm.CreateTopic(ctx, 1, 1, nil, "new"); err == nil {
			t.Errorf("CreateTopics accepted by a read-only server")
		}
		if _, err := os.Stat(filepath.Join(dir, "new-0")); err == nil {
			t.Errorf("new-0 created")
		}
	})
	testutil.RequireUnchanged(t, dir, before)
}

// TestPinnedClientVersions consumes the sample with a franz-go client that
// must use flexible versions (at least Kafka 3.1's: Fetch 13 by topic id,
// Metadata 12) and with one limited to Kafka 0.11's (Fetch 5, Metadata 4).
func TestPinnedClientVersions(t *testing.T) {
	addr := serveCfg(t, sample, server.Config{ReadOnly: true})
	for _, c := range []struct {
		name  string
		opt   kgo.Opt
		topic string
		want  int
	}{
		{"min 3.1", kgo.MinVersions(kversion.V3_1_0()), "orders", 31}, // 33 offsets minus 2 markers
		// orders-0 holds zstd batches, which Fetch < 10 may not carry
		// (UNSUPPORTED_COMPRESSION_TYPE, as Kafka answers).
		{"max 0.11", kgo.MaxVersions(kversion.V0_11_0()), "legacy-v1", 12},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, err := kgo.NewClient(kgo.SeedBrokers(addr), c.opt,
				kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{c.topic: {0: kgo.NewOffset().AtStart()}}))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			ctx := ctx10(t)
			var n int
			for n < c.want && ctx.Err() == nil {
				fs := cl.PollFetches(ctx)
				for _, e := range fs.Errors() {
					if ctx.Err() == nil {
						t.Fatalf("fetch: %v", e.Err)
					}
				}
				n += fs.NumRecords()
			}
			if n != c.want {
				t.Fatalf("consumed %d records, want %d", n, c.want)
			}
		})
	}
}

// TestKadmWritable: CreateTopics makes partition directories with
// partition.metadata naming the returned id, DeleteRecords moves the log
// start offset and writes log-start-offset-checkpoint without deleting a
// segment, and auto-creation happens only with AutoCreateTopics.
func TestKadmWritable(t *testing.T) {
	dir := adminLogDir(t)
	addr := serveCfg(t, dir, server.Config{})
	adm, cl := admin(t, addr)
	ctx := ctx10(t)

	r, err := adm.CreateTopic(ctx, 3, 1, nil, "fresh")
	if err != nil || r.Err != nil {
		t.Fatalf("create: %v %+v", err, r)
	}
	for p := 0; p < 3; p++ {
		if id := topicID(t, dir, "fresh-"+string(rune('0'+p))); id != [16]byte(r.ID) || id == ([16]byte{}) {
			t.Errorf("fresh-%d: partition.metadata id %x, CreateTopics said %x", p, id, r.ID)
		}
	}
	if r2, _ := adm.CreateTopic(ctx, 1, 1, nil, "fresh"); r2.Err == nil {
		t.Errorf("second create succeeded")
	}
	if r3, _ := adm.CreateTopic(ctx, 1, 3, nil, "rf3"); r3.Err == nil {
		t.Errorf("replication factor 3 accepted on one broker")
	}
	// Produce into it and read it back.
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "fresh", Partition: 0, Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "orders-0", "*.log"))
	res, err := adm.DeleteRecords(ctx, kadm.Offsets{"orders": {0: {Topic: "orders", Partition: 0, At: 25}}})
	if err != nil {
		t.Fatal(err)
	}
	if d := res["orders"][0]; d.Err != nil || d.LowWatermark != 25 {
		t.Fatalf("delete records: %+v", d)
	}
	b, err := os.ReadFile(filepath.Join(dir, "log-start-offset-checkpoint"))
	if err != nil || string(b) != "0\n1\norders 0 25\n" {
		t.Fatalf("log-start-offset-checkpoint %q %v", b, err)
	}
	// leader-epoch-checkpoint (0@0, 1@27) keeps epoch 0 from 25
	// (LeaderEpochFileCache.truncateFromStart).
	if b, err := os.ReadFile(filepath.Join(dir, "orders-0", "leader-epoch-checkpoint")); err != nil || string(b) != "0\n2\n0 25\n1 27\n" {
		t.Errorf("leader-epoch-checkpoint %q %v", b, err)
	}
	if after, _ := filepath.Glob(filepath.Join(dir, "orders-0", "*.log")); len(after) != len(segs) {
		t.Errorf("segments deleted: %v → %v", segs, after)
	}
	lo, _ := adm.ListStartOffsets(ctx, "orders")
	if o := lo["orders"][0]; o.Offset != 25 {
		t.Errorf("log start offset after DeleteRecords: %+v", o)
	}
	// Beyond the high watermark: OFFSET_OUT_OF_RANGE; below the start: no change.
	res, _ = adm.DeleteRecords(ctx, kadm.Offsets{"orders": {0: {Topic: "orders", Partition: 0, At: 1000}}})
	if d := res["orders"][0]; d.Err == nil {
		t.Errorf("delete past the end: %+v", d)
	}
	res, _ = adm.DeleteRecords(ctx, kadm.Offsets{"orders": {0: {Topic: "orders", Partition: 0, At: 3}}})
	if d := res["orders"][0]; d.Err != nil || d.LowWatermark != 25 {
		t.Errorf("delete below the start: %+v", d)
	}
	// A compacted topic's records are not deleted (POLICY_VIOLATION).
	res, _ = adm.DeleteRecords(ctx, kadm.Offsets{"__consumer_offsets": {0: {Topic: "__consumer_offsets", Partition: 0, At: 1}}})
	if d := res["__consumer_offsets"][0]; !errors.Is(d.Err, kerr.PolicyViolation) {
		t.Errorf("delete records of a compacted topic: %+v", d)
	}
	// No auto-creation unless asked for.
	if err := produceOnce(t, addr, "auto-off"); err == nil {
		t.Errorf("produced to an unknown topic without --auto-create-topics")
	}
	if _, err := os.Stat(filepath.Join(dir, "auto-off-0")); err == nil {
		t.Errorf("auto-off-0 created")
	}
	// Hostile names never reach the file system.
	parent := filepath.Dir(dir)
	for _, n := range []string{"../x", "..", ".", "a/b", "../" + filepath.Base(dir) + "/orders", "", "x\x00"} {
		req := kmsg.NewPtrCreateTopicsRequest()
		req.Topics = []kmsg.CreateTopicsRequestTopic{{Topic: n, NumPartitions: 1, ReplicationFactor: 1}}
		resp, err := req.RequestWith(ctx, cl)
		if err != nil || resp.Topics[0].ErrorCode != 17 { // INVALID_TOPIC_EXCEPTION
			t.Errorf("create %q: %v %+v", n, err, resp)
		}
		dr := kmsg.NewPtrDeleteRecordsRequest()
		dr.Topics = []kmsg.DeleteRecordsRequestTopic{{Topic: n, Partitions: []kmsg.DeleteRecordsRequestTopicPartition{{Offset: -1}}}}
		// kgo routes DeleteRecords by metadata and refuses an unknown
		// topic itself; the server's own answer is tested in
		// server.TestAdminHostile.
		if dresp, err := dr.RequestWith(ctx, cl); err == nil && dresp.Topics[0].Partitions[0].ErrorCode != 3 {
			t.Errorf("delete records %q: %+v", n, dresp)
		}
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 1 {
		t.Errorf("something was created next to the log dir: %v", ents)
	}
	// What CreateTopics, Produce and DeleteRecords wrote verifies clean.
	sum, err := verify.Verify(context.Background(), []string{dir}, verify.Options{Deep: true, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Errors != 0 || sum.Warnings != 0 {
		t.Errorf("verify after create/produce/delete records: %+v", sum)
	}
}

func produceOnce(t *testing.T, addr, topic string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordDeliveryTimeout(3*time.Second), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("x")}).FirstErr()
}

func TestAutoCreateTopics(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logdir")
	testutil.CopyTree(t, sample, dir)
	addr := serveCfg(t, dir, server.Config{AutoCreateTopics: true})
	if err := produceOnce(t, addr, "auto-on"); err != nil {
		t.Fatalf("produce with auto-creation: %v", err)
	}
	if id := topicID(t, dir, "auto-on-0"); id == ([16]byte{}) {
		t.Errorf("auto-created topic has no id")
	}
}

// TestGroupResumesFromDeadClusterOffsets: a consumer joining a group the
// dead cluster knew starts at that group's committed offset (orders-0 at
// 10 in the generated __consumer_offsets), and what it commits here stays
// in memory, outside the read-only log dir.
func TestGroupResumesFromDeadClusterOffsets(t *testing.T) {
	dir := adminLogDir(t)
	before := testutil.HashTree(t, dir)
	addr := serveCfg(t, dir, server.Config{ReadOnly: true})
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumerGroup("g1"), kgo.ConsumeTopics("orders"),
		kgo.FetchIsolationLevel(kgo.ReadUncommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := ctx10(t)
	var first int64 = -1
	for first < 0 && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) {
			if first < 0 {
				first = r.Offset
			}
		})
	}
	if first != 10 {
		t.Fatalf("group g1 resumed at %d, want the dead cluster's committed 10", first)
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(cl)
	offs, err := adm.FetchOffsets(ctx, "g1")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offs.Lookup("orders", 0); !ok || o.At <= 10 {
		t.Errorf("after committing here: %+v", o)
	}
	cl.Close()
	testutil.RequireUnchanged(t, dir, before)
}
