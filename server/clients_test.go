package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// newTxnData builds partition "txn-0":
//
//	0–2 plain · 3–5 txn pid 7 · 6 ABORT · 7–9 plain · 10–11 txn pid 8 · 12 COMMIT · 13 plain
func newTxnData(t testing.TB) *memStore {
	s := newMemStore(t, false)
	p := s.addPartition(t, "txn", 0)
	plain := func(n int) {
		p.mu.RLock()
		base := p.end
		p.mu.RUnlock()
		tb := testBatch{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}
		for i := 0; i < n; i++ {
			tb.Records = append(tb.Records, genRecord("txn", base+int64(i)))
		}
		p.add(t, tb)
	}
	txn := func(pid int64, n int, commit bool) {
		p.mu.RLock()
		base := p.end
		p.mu.RUnlock()
		tb := testBatch{ProducerID: pid, ProducerEpoch: 0, BaseSequence: 0, Transactional: true}
		for i := 0; i < n; i++ {
			tb.Records = append(tb.Records, genRecord("txn", base+int64(i)))
		}
		p.add(t, tb)
		typ := int16(0)
		if commit {
			typ = 1
		}
		p.add(t, testBatch{ProducerID: pid, ProducerEpoch: 0, BaseSequence: -1, Transactional: true, Control: true,
			Records: []testRecord{controlRecord(typ, genTs(base+int64(n)))}})
	}
	plain(3)
	txn(7, 3, false)
	plain(3)
	txn(8, 2, true)
	plain(1)
	return s
}

func TestKcatReadCommitted(t *testing.T) {
	s := newTxnData(t)
	addr := startServer(t, s, Config{})
	got := kcat(t, nil, "-C", "-b", addr, "-t", "txn", "-p", "0", "-o", "beginning", "-e", "-f", `%o `,
		"-X", "isolation.level=read_committed")
	if want := "0 1 2 7 8 9 10 11 13 "; got != want {
		t.Errorf("read_committed: got %q want %q", got, want)
	}
	got = kcat(t, nil, "-C", "-b", addr, "-t", "txn", "-p", "0", "-o", "beginning", "-e", "-f", `%o `,
		"-X", "isolation.level=read_uncommitted")
	if want := "0 1 2 3 4 5 7 8 9 10 11 13 "; got != want {
		t.Errorf("read_uncommitted: got %q want %q", got, want)
	}
}

func consumeAll(t testing.TB, addr string, topic string, partitions []int32, want int, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	m := map[int32]kgo.Offset{}
	for _, p := range partitions {
		m[p] = kgo.NewOffset().AtStart()
	}
	opts = append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: m})}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("timeout after %d of %d records", len(recs), want)
		}
		fs.EachError(func(tp string, p int32, err error) { t.Fatalf("fetch %s-%d: %v", tp, p, err) })
		recs = append(recs, fs.Records()...)
	}
	return recs
}

func checkGenRecords(t testing.TB, topic string, recs []*kgo.Record) {
	t.Helper()
	for i, r := range recs {
		o := r.Offset
		if int64(i) != o {
			t.Fatalf("record %d has offset %d", i, o)
		}
		if string(r.Key) != fmt.Sprintf("k%d", o) || string(r.Value) != fmt.Sprintf("v%d-%s", o, topic) ||
			len(r.Headers) != 1 || string(r.Headers[0].Value) != fmt.Sprint(o) || r.Timestamp.UnixMilli() != genTs(o) {
			t.Fatalf("record %d: %+v", i, r)
		}
	}
}

func TestFranzConsumerAllCodecs(t *testing.T) {
	s := newTestData(t, false)
	for _, zc := range []bool{false, true} {
		addr := startServer(t, s, Config{NoZeroCopy: zc})
		for _, name := range codecNames {
			topic := "t-" + name
			recs := consumeAll(t, addr, topic, []int32{0}, genBatches*genPerBatch, kgo.FetchMaxBytes(200), kgo.FetchMaxPartitionBytes(200))
			checkGenRecords(t, topic, recs)
		}
	}
	// Both isolation levels see the same on non-transactional data; the
	// transactional partition hides aborted records under read_committed.
	ts := newTxnData(t)
	addr := startServer(t, ts, Config{})
	recs := consumeAll(t, addr, "txn", []int32{0}, 9, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	var offs []int64
	for _, r := range recs {
		offs = append(offs, r.Offset)
	}
	if fmt.Sprint(offs) != "[0 1 2 7 8 9 10 11 13]" {
		t.Errorf("read_committed offsets %v", offs)
	}
}

func newWritableStore(t testing.TB, topics ...string) *memStore {
	s := newMemStore(t, true)
	for _, tp := range topics {
		s.addPartition(t, tp, 0)
	}
	return s
}

func TestFranzProduceAndConsume(t *testing.T) {
	s := newWritableStore(t, "w")
	addr := startServer(t, s, Config{})
	for _, c := range []struct {
		name  string
		codec kgo.CompressionCodec
	}{{"none", kgo.NoCompression()}, {"gzip", kgo.GzipCompression()}, {"snappy", kgo.SnappyCompression()}, {"lz4", kgo.Lz4Compression()}, {"zstd", kgo.ZstdCompression()}} {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("w"), kgo.ProducerBatchCompression(c.codec),
			kgo.RecordPartitioner(kgo.ManualPartitioner()))
		if err != nil {
			t.Fatal(err)
		}
		var recs []*kgo.Record
		for i := 0; i < 10; i++ {
			recs = append(recs, &kgo.Record{Key: []byte(c.name), Value: []byte(fmt.Sprintf("%s-%d", c.name, i)), Partition: 0})
		}
		if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		cl.Close()
	}
	got := consumeAll(t, addr, "w", []int32{0}, 50)
	for i, r := range got {
		if r.Offset != int64(i) {
			t.Fatalf("offset %d at %d", r.Offset, i)
		}
		if want := fmt.Sprintf("%s-%d", r.Key, i%10); string(r.Value) != want {
			t.Fatalf("record %d = %q, want %q", i, r.Value, want)
		}
	}
}

func TestProduceRefusedReadOnly(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("t-none"), kgo.RecordRetries(1),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.DisableIdempotentWrite())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("x")}).FirstErr(); err == nil {
		t.Fatal("produce to a read-only server succeeded")
	}
	if end, _ := s.parts["t-none-0"].LogEndOffset(); end != genBatches*genPerBatch {
		t.Fatalf("log end moved to %d", end)
	}
}

func TestKcatProduceCodecs(t *testing.T) {
	needKcat(t)
	s := newWritableStore(t, "kp")
	addr := startServer(t, s, Config{})
	var want []string
	for _, z := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		var in strings.Builder
		for i := 0; i < 5; i++ {
			// Compressible values, lingering: librdkafka sends a batch
			// uncompressed when compression would not shrink it, which a
			// lone tiny record (a batch split by a busy machine) does not.
			line := fmt.Sprintf("%s:%s-%d-%s", z, z, i, strings.Repeat("x", 200))
			fmt.Fprintln(&in, line)
			want = append(want, line)
		}
		kcat(t, []byte(in.String()), "-P", "-b", addr, "-t", "kp", "-p", "0", "-K", ":", "-z", z, "-X", "linger.ms=50")
	}
	out := kcat(t, nil, "-C", "-b", addr, "-t", "kp", "-p", "0", "-o", "beginning", "-e", "-f", `%k:%s\n`)
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v want %v", got, want)
	}
	// The batches really were compressed (KAFKA-18659: old librdkafka only
	// compresses when Produce v0 is advertised).
	codecs := map[int]bool{}
	for _, b := range s.parts["kp-0"].batches {
		codecs[b.codec] = true
	}
	for c := 0; c <= 4; c++ {
		if !codecs[c] {
			t.Errorf("no batch with codec %s stored; got %v", codecNames[c], codecs)
		}
	}
}

func TestKcatConsumerGroup(t *testing.T) {
	needKcat(t)
	s := newTestData(t, false)
	offsets := filepath.Join(t.TempDir(), "offsets.json")
	addr := startServer(t, s, Config{OffsetsFile: offsets})
	// kcat -G runs until killed; -e exits at end of all partitions.
	out := kcat(t, nil, "-G", "kg", "-b", addr, "-e", "-f", `%p:%o\n`, "-X", "auto.commit.interval.ms=100",
		"-X", "topic.auto.offset.reset=earliest", "multi")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6+9+12 {
		t.Fatalf("kcat -G read %d records: %q", len(lines), out)
	}
	// Committed offsets reach the side file.
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(offsets)
		var f offsetsFile
		json.Unmarshal(b, &f)
		var got []string
		for _, p := range f.Groups["kg"] {
			got = append(got, fmt.Sprintf("%s-%d@%d", p.Topic, p.Partition, p.Offset))
		}
		sort.Strings(got)
		if strings.Join(got, " ") == "multi-0@6 multi-1@9 multi-2@12" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("offsets file: %s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestFranzConsumerGroup(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	var mu sync.Mutex
	// member name → partitions currently owned. kgo's default balancer is
	// cooperative-sticky, so callbacks carry increments.
	owned := map[string]map[int32]bool{"a": {}, "b": {}}
	group := func(name string) *kgo.Client {
		update := func(m map[string][]int32, add bool) {
			mu.Lock()
			defer mu.Unlock()
			for _, p := range m["multi"] {
				if add {
					owned[name][p] = true
				} else {
					delete(owned[name], p)
				}
			}
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumerGroup("fg"), kgo.ConsumeTopics("multi"),
			kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.SessionTimeout(6*time.Second), kgo.HeartbeatInterval(100*time.Millisecond),
			kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { update(m, true) }),
			kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { update(m, false) }),
			kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { update(m, false) }))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	// Two members end up splitting the three partitions; together they
	// read all 27 records and commit.
	a, b := group("a"), group("b")
	seen := map[string]bool{}
	for {
		mu.Lock()
		split := len(owned["a"]) > 0 && len(owned["b"]) > 0 && len(owned["a"])+len(owned["b"]) == 3
		mu.Unlock()
		if split && len(seen) == 27 {
			// While both are members, the admin APIs see the group.
			adm := kadm.NewClient(a)
			dg, err := adm.DescribeGroups(ctx, "fg")
			if err != nil {
				t.Fatal(err)
			}
			if g := dg["fg"]; g.State == "Stable" {
				if len(g.Members) != 2 || g.ProtocolType != "consumer" || g.Protocol == "" || g.Members[0].ClientHost == "" {
					t.Errorf("described %+v", g)
				}
				lg, err := adm.ListGroups(ctx)
				if err != nil || lg["fg"].State != "Stable" {
					t.Errorf("listed %+v %v", lg, err)
				}
				break
			}
			// A rebalance is still settling; poll on.
		}
		for _, cl := range []*kgo.Client{a, b} {
			pctx, pc := context.WithTimeout(ctx, 200*time.Millisecond)
			fs := cl.PollFetches(pctx)
			pc()
			if ctx.Err() != nil {
				t.Fatalf("timeout: %d records, assignment %v", len(seen), owned)
			}
			fs.EachRecord(func(r *kgo.Record) { seen[fmt.Sprintf("%d:%d", r.Partition, r.Offset)] = true })
			cl.CommitUncommittedOffsets(ctx)
		}
	}
	a.Close()
	b.Close()
	// The commits are visible through OffsetFetch.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = "fg"
	req.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: "multi", Partitions: []int32{0, 1, 2}}}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tp := range resp.Topics {
		for _, p := range tp.Partitions {
			got = append(got, fmt.Sprintf("%d@%d", p.Partition, p.Offset))
		}
	}
	if strings.Join(got, " ") != "0@6 1@9 2@12" {
		t.Fatalf("committed: %v", got)
	}
}

func TestSaramaConsumeAndProduce(t *testing.T) {
	s := newTestData(t, true)
	addr := startServer(t, s, Config{})
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_3_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Compression = sarama.CompressionLZ4
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	prod, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, o, err := prod.SendMessage(&sarama.ProducerMessage{Topic: "t-zstd", Value: sarama.StringEncoder("from-sarama")})
	if err != nil || p != 0 || o != genBatches*genPerBatch {
		t.Fatalf("produce: %d %d %v", p, o, err)
	}
	prod.Close()
	cons, err := sarama.NewConsumer([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	pc, err := cons.ConsumePartition("t-zstd", 0, sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	timeout := time.After(20 * time.Second)
	for want := int64(0); want <= genBatches*genPerBatch; want++ {
		select {
		case m := <-pc.Messages():
			if m.Offset != want {
				t.Fatalf("offset %d, want %d", m.Offset, want)
			}
			if want < genBatches*genPerBatch && string(m.Value) != fmt.Sprintf("v%d-t-zstd", want) {
				t.Fatalf("value %q", m.Value)
			}
			if want == genBatches*genPerBatch && string(m.Value) != "from-sarama" {
				t.Fatalf("produced value %q", m.Value)
			}
		case err := <-pc.Errors():
			t.Fatal(err)
		case <-timeout:
			t.Fatalf("timeout at offset %d", want)
		}
	}
}
