package coordinator

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// logBuilder writes a partition directory batch by batch, with the kseg
// format encoder, assigning offsets as a broker would.
type logBuilder struct {
	t       testing.TB
	dir     string
	next    int64
	segBase int64
	buf     []byte
}

func newLogBuilder(t testing.TB, logDir, partition string) *logBuilder {
	dir := filepath.Join(logDir, partition)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &logBuilder{t: t, dir: dir}
}

type kv struct{ key, value []byte }

func (b *logBuilder) batch(o format.BatchOptions, recs ...kv) {
	b.t.Helper()
	if o.Magic == 0 && !o.Transactional && o.ProducerID == 0 {
		o.NoProducer()
	}
	if o.Magic == 0 {
		o.Magic = 2
	}
	o.BaseOffset = b.next
	o.PartitionLeaderEpoch = 0
	msgs := make([]format.Message, len(recs))
	for i, r := range recs {
		msgs[i] = format.Message{Key: r.key, Value: r.value, Timestamp: 1700000000000 + b.next + int64(i)}
	}
	var err error
	b.buf, err = format.AppendBatch(b.buf, o, msgs)
	if err != nil {
		b.t.Fatal(err)
	}
	b.next += int64(len(recs))
}

func (b *logBuilder) data(recs ...kv) { b.batch(format.BatchOptions{}, recs...) }

func (b *logBuilder) txn(pid int64, recs ...kv) {
	b.batch(format.BatchOptions{Transactional: true, ProducerID: pid, ProducerEpoch: 0, BaseSequence: 0}, recs...)
}

func (b *logBuilder) marker(pid int64, commit bool) {
	b.t.Helper()
	t := format.ControlAbort
	if commit {
		t = format.ControlCommit
	}
	var err error
	b.buf, err = format.AppendEndTxnMarker(b.buf, format.BatchOptions{BaseOffset: b.next, ProducerID: pid, ProducerEpoch: 0}, t, 1, 1700000000000)
	if err != nil {
		b.t.Fatal(err)
	}
	b.next++
}

// roll closes the current segment and starts a new one at the next offset.
func (b *logBuilder) roll() {
	b.t.Helper()
	if err := os.WriteFile(filepath.Join(b.dir, segment.FileName(b.segBase, segment.LogSuffix)), b.buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.buf, b.segBase = nil, b.next
}

func (b *logBuilder) close() { b.roll() }

func offsetKV(group, topic string, partition int32, offset int64, version int16) kv {
	rec := &GroupRecord{Type: TypeOffsetCommit, Key: GroupKey{Group: group, Topic: topic, Partition: partition},
		ValueVersion: version, OffsetCommit: &OffsetCommitValue{Offset: offset, LeaderEpoch: 3, Metadata: "m",
			CommitTimestamp: 1700000000000 + offset, ExpireTimestamp: -1}}
	if version == 1 {
		rec.OffsetCommit.ExpireTimestamp = 1800000000000
	}
	if version < 3 {
		rec.OffsetCommit.LeaderEpoch = -1
	}
	return kv{rec.AppendKey(nil), rec.AppendValue(nil)}
}

func offsetTombstone(group, topic string, partition int32) kv {
	rec := &GroupRecord{Type: TypeOffsetCommit, Key: GroupKey{Group: group, Topic: topic, Partition: partition}, Tombstone: true}
	return kv{rec.AppendKey(nil), nil}
}

func classicKV(group string, version int16, generation int32, members ...MemberMetadata) kv {
	rec := &GroupRecord{Type: TypeGroupMetadata, Key: GroupKey{Group: group}, ValueVersion: version,
		GroupMetadata: &GroupMetadataValue{ProtocolType: "consumer", Generation: generation, Protocol: strp("range"),
			Leader: nil, CurrentStateTimestamp: -1, Members: members}}
	if len(members) > 0 {
		rec.GroupMetadata.Leader = strp(members[0].MemberID)
	}
	if version >= 2 {
		rec.GroupMetadata.CurrentStateTimestamp = 1700000000123
	}
	return kv{rec.AppendKey(nil), rec.AppendValue(nil)}
}

func classicTombstone(group string) kv {
	rec := &GroupRecord{Type: TypeGroupMetadata, Key: GroupKey{Group: group}, Tombstone: true}
	return kv{rec.AppendKey(nil), nil}
}

func consumerMember(id string, rebalance int32, topics []string, assigned []TopicPartitions) MemberMetadata {
	return MemberMetadata{MemberID: id, ClientID: "client-" + id, ClientHost: "/10.0.0.1", RebalanceTimeout: rebalance, SessionTimeout: 45000,
		Subscription: (&ConsumerSubscription{Version: 1, Topics: topics}).AppendTo(nil),
		Assignment:   (&ConsumerAssignment{Version: 1, AssignedPartitions: assigned}).AppendTo(nil)}
}

func TestLoadGroupsClassic(t *testing.T) {
	logDir := t.TempDir()
	b := newLogBuilder(t, logDir, "__consumer_offsets-3")
	b.data(offsetKV("g1", "orders", 0, 10, 1), offsetKV("g1", "orders", 1, 20, 3))
	b.data(classicKV("g1", 3, 1, consumerMember("m-1", 60000, []string{"orders"}, []TopicPartitions{{"orders", []int32{0, 1}}})))
	b.roll()
	b.data(offsetKV("g1", "orders", 0, 15, 4)) // overwrite, flexible version
	b.data(offsetKV("g1", "orders", 2, 5, 3), offsetTombstone("g1", "orders", 2))
	// g2: gone, then back without members.
	b.data(classicKV("g2", 0, 4, consumerMember("a", -1, []string{"x"}, nil)))
	b.data(classicTombstone("g2"))
	b.data(classicKV("g2", 4, 5))
	// g3: only commits offsets ("simple" group), on an old magic-1 batch.
	b.batch(format.BatchOptions{Magic: 1}, offsetKV("g3", "t", 0, 7, 0))
	// g4: metadata deleted, offsets remain.
	b.data(classicKV("g4", 2, 1), offsetKV("g4", "t", 0, 1, 2), classicTombstone("g4"))
	// A compressed batch.
	b.batch(format.BatchOptions{Compression: format.CompressionGzip}, offsetKV("g1", "orders", 3, 33, 3))
	b.close()
	// Another partition of the topic, and a directory that is not one.
	b2 := newLogBuilder(t, logDir, "__consumer_offsets-10")
	b2.data(offsetKV("g5", "t", 0, 1, 3))
	b2.close()
	newLogBuilder(t, logDir, "__consumer_offsets-1-delete")

	before := testutil.HashTree(t, logDir)
	gs, err := LoadGroups(logDir)
	if err != nil {
		t.Fatal(err)
	}
	testutil.RequireUnchanged(t, logDir, before)

	if len(gs.Partitions) != 2 || gs.Partitions[0].Partition != "__consumer_offsets-3" || gs.Partitions[1].Partition != "__consumer_offsets-10" {
		t.Fatalf("partitions %+v", gs.Partitions)
	}
	p := gs.Partitions[0]
	if p.Segments != 2 || p.StartOffset != 0 || p.EndOffset != b.next || p.Records != b.next || p.Problem != "" {
		t.Fatalf("load %+v, want end %d", p, b.next)
	}
	var ids []string
	for _, g := range gs.Groups {
		ids = append(ids, g.GroupID)
	}
	if !reflect.DeepEqual(ids, []string{"g1", "g2", "g3", "g4", "g5"}) {
		t.Fatalf("groups %v", ids)
	}
	g1 := gs.Group("g1")
	if g1.Type != GroupTypeClassic || g1.ProtocolType != "consumer" || g1.Protocol != "range" || g1.State != StateStable ||
		g1.Generation != 1 || g1.Leader != "m-1" || g1.CoordinatorPartition != 3 || len(g1.Members) != 1 {
		t.Fatalf("g1 %+v", g1)
	}
	m := g1.Members[0]
	if m.ClientID != "client-m-1" || m.RebalanceTimeoutMs != 60000 || !reflect.DeepEqual(m.SubscribedTopics, []string{"orders"}) ||
		!reflect.DeepEqual(m.AssignedPartitions, []TopicPartitions{{"orders", []int32{0, 1}}}) || len(m.Assignment) == 0 {
		t.Fatalf("member %+v", m)
	}
	want := []struct {
		partition int32
		offset    int64
		epoch     int32
	}{{0, 15, 3}, {1, 20, 3}, {3, 33, 3}}
	if len(g1.Offsets) != len(want) {
		t.Fatalf("g1 offsets %+v", g1.Offsets)
	}
	for i, w := range want {
		o := g1.Offsets[i]
		if o.Topic != "orders" || o.Partition != w.partition || o.Offset != w.offset || o.LeaderEpoch != w.epoch || o.Metadata != "m" || o.CommitTimestamp != 1700000000000+w.offset {
			t.Fatalf("g1 offset %d: %+v", i, o)
		}
	}
	if g2 := gs.Group("g2"); g2.State != StateEmpty || g2.Generation != 5 || len(g2.Members) != 0 || len(g2.Offsets) != 0 {
		t.Fatalf("g2 %+v", g2)
	}
	if g3 := gs.Group("g3"); g3.Type != GroupTypeClassic || g3.ProtocolType != "" || g3.State != StateEmpty ||
		len(g3.Offsets) != 1 || g3.Offsets[0].Offset != 7 || g3.Offsets[0].LeaderEpoch != -1 {
		t.Fatalf("g3 %+v", g3)
	}
	if g4 := gs.Group("g4"); !g4.Deleted || g4.State != StateDead || len(g4.Offsets) != 1 {
		t.Fatalf("g4 %+v", g4)
	}
	if g5 := gs.Group("g5"); g5.CoordinatorPartition != 10 || len(g5.Offsets) != 1 {
		t.Fatalf("g5 %+v", g5)
	}
	if gs.Group("nope") != nil {
		t.Fatal("unknown group found")
	}
	// One partition directory instead of the log dir.
	one, err := LoadGroups(filepath.Join(logDir, "__consumer_offsets-10"))
	if err != nil || len(one.Partitions) != 1 || len(one.Groups) != 1 || one.Groups[0].GroupID != "g5" {
		t.Fatalf("one partition: %v %+v", err, one)
	}
}

// TestLoadGroupsTransactionalOffsets: only committed transactions count, and
// a committed transaction does not override a newer plain commit
// (OffsetMetadataManager.replayEndTransactionMarker).
func TestLoadGroupsTransactionalOffsets(t *testing.T) {
	logDir := t.TempDir()
	b := newLogBuilder(t, logDir, "__consumer_offsets-0")
	b.txn(7, offsetKV("g", "t", 0, 100, 3), offsetKV("g", "t", 1, 100, 3))
	b.txn(8, offsetKV("g", "t", 2, 100, 3))
	b.data(offsetKV("g", "t", 1, 150, 3)) // newer than pid 7's record for t-1
	b.marker(8, false)                    // abort
	b.roll()
	b.marker(7, true) // commit, in the next segment
	b.txn(9, offsetKV("g", "t", 3, 100, 3), offsetKV("h", "t", 0, 1, 3))
	b.txn(10, offsetKV("g", "t", 4, 100, 3))
	b.data(offsetTombstone("g", "t", 4)) // removes the pending one too
	b.marker(10, true)
	b.marker(11, true) // no pending offsets: ignored
	b.close()
	gs, err := LoadGroups(logDir)
	if err != nil {
		t.Fatal(err)
	}
	g := gs.Group("g")
	got := map[int32]int64{}
	for _, o := range g.Offsets {
		got[o.Partition] = o.Offset
	}
	if !reflect.DeepEqual(got, map[int32]int64{0: 100, 1: 150}) {
		t.Fatalf("offsets %v", got)
	}
	if g.PendingTransactionalOffsets != 1 || !reflect.DeepEqual(g.PendingPartitions, []PendingTransactionalTP{{"t", 3, 9}}) {
		t.Fatalf("pending %d %+v", g.PendingTransactionalOffsets, g.PendingPartitions)
	}
	// A group created by an open transaction exists (empty), as in Kafka.
	if h := gs.Group("h"); h == nil || h.State != StateEmpty || len(h.Offsets) != 0 || h.PendingTransactionalOffsets != 1 {
		t.Fatalf("h %+v", h)
	}
}

// TestLoadGroupsStopsAtCorruption: a bad CRC stops the partition's replay
// with a problem, keeping what came before.
func TestLoadGroupsStopsAtCorruption(t *testing.T) {
	logDir := t.TempDir()
	b := newLogBuilder(t, logDir, "__consumer_offsets-0")
	b.data(offsetKV("g", "t", 0, 1, 3))
	first := len(b.buf)
	b.data(offsetKV("g", "t", 0, 2, 3))
	b.close()
	testutil.MustFlipBit(t, filepath.Join(b.dir, segment.FileName(0, segment.LogSuffix)), int64(first+70), 1)
	gs, err := LoadGroups(logDir)
	if err != nil {
		t.Fatal(err)
	}
	if p := gs.Partitions[0]; p.Problem == "" || p.EndOffset != 1 {
		t.Fatalf("load %+v", p)
	}
	if g := gs.Group("g"); g.Offsets[0].Offset != 1 {
		t.Fatalf("offset %+v", g.Offsets)
	}
	// A missing log dir is an I/O error.
	if _, err := LoadGroups(filepath.Join(logDir, "missing")); err == nil {
		t.Fatal("no error for a missing dir")
	}
}

func TestLoadTransactions(t *testing.T) {
	logDir := t.TempDir()
	b := newLogBuilder(t, logDir, "__transaction_state-44")
	txn := func(id string, v int16, state TxnState, parts []TxnPartitions) kv {
		rec := &TxnRecord{TransactionalID: id, ValueVersion: v, Value: &TransactionLogValue{NextProducerEpoch: -1, ProducerID: 1000, PreviousProducerID: -1,
			NextProducerID: -1, ProducerEpoch: 2, TransactionTimeoutMs: 60000, TransactionStatus: state, TransactionPartitions: parts,
			TransactionLastUpdateTimestampMs: 1700000000500, TransactionStartTimestampMs: 1700000000000}}
		if v >= 1 {
			rec.Value.ClientTransactionVersion = 2
			rec.Value.PreviousProducerID = 999
		}
		return kv{rec.AppendKey(nil), rec.AppendValue(nil)}
	}
	b.data(txn("a", 0, TxnEmpty, []TxnPartitions{}))
	b.data(txn("a", 0, TxnOngoing, []TxnPartitions{{"t", []int32{0, 1}}}))
	b.data(txn("b", 1, TxnOngoing, []TxnPartitions{{"u", []int32{2}}}))
	b.data(txn("c", 0, TxnCompleteCommit, nil))
	tomb := &TxnRecord{TransactionalID: "c", Tombstone: true}
	b.data(kv{tomb.AppendKey(nil), nil})
	b.close()
	before := testutil.HashTree(t, logDir)
	txns, err := LoadTransactions(logDir)
	if err != nil {
		t.Fatal(err)
	}
	testutil.RequireUnchanged(t, logDir, before)
	if len(txns) != 2 || txns[0].TransactionalID != "a" || txns[1].TransactionalID != "b" {
		t.Fatalf("txns %+v", txns)
	}
	a, bb := txns[0], txns[1]
	if a.State != "Ongoing" || a.ProducerID != 1000 || a.ProducerEpoch != 2 || a.TimeoutMs != 60000 || a.CoordinatorPartition != 44 ||
		!reflect.DeepEqual(a.Partitions, []TxnPartitions{{"t", []int32{0, 1}}}) || a.RecordOffset != 1 || a.StartTimestamp != 1700000000000 {
		t.Fatalf("a %+v", a)
	}
	if bb.ClientTransactionVersion != 2 || bb.PreviousProducerID != 999 || bb.NextProducerID != -1 {
		t.Fatalf("b %+v", bb)
	}
}

// TestLoadGroupsCorpus replays the real __consumer_offsets partitions of
// every corpus log dir (Kafka 0.10.1 to 4.0) and checks the result against a
// straightforward independent replay (the test-only segment walker, latest
// value per key wins, tombstones delete).
func TestLoadGroupsCorpus(t *testing.T) {
	logs := corpusLogs(t, "/__consumer_offsets-")
	logDirs := map[string]bool{}
	for _, p := range logs {
		logDirs[filepath.Dir(filepath.Dir(p))] = true
	}
	if len(logDirs) < 8 {
		t.Fatalf("only %d log dirs", len(logDirs))
	}
	checked := 0
	for logDir := range logDirs {
		rel, _ := filepath.Rel(corpusDir, logDir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			dirs, err := coordinatorPartitions(logDir, OffsetsTopic)
			if err != nil {
				t.Fatal(err)
			}
			type okey struct {
				group, topic string
				partition    int32
			}
			offsets := map[okey]int64{}
			members := map[string]int{} // live classic groups -> member count
			for _, dir := range dirs {
				p, err := segment.OpenPartition(dir)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range p.Segments {
					raw, err := os.ReadFile(s.Log)
					if err != nil {
						t.Fatal(err)
					}
					recs, err := walkSegment(raw)
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range recs {
						rec, err := DecodeGroupRecord(r.key, r.value)
						if err != nil {
							t.Fatal(err)
						}
						k := okey{rec.Key.Group, rec.Key.Topic, rec.Key.Partition}
						switch {
						case rec.Type == TypeGroupMetadata && rec.Tombstone:
							delete(members, rec.Key.Group)
						case rec.Type == TypeGroupMetadata:
							members[rec.Key.Group] = len(rec.GroupMetadata.Members)
						case rec.Tombstone:
							delete(offsets, k)
						default:
							offsets[k] = rec.OffsetCommit.Offset
						}
					}
				}
			}
			before := testutil.HashTree(t, logDir)
			gs, err := LoadGroups(logDir)
			if err != nil {
				t.Fatal(err)
			}
			testutil.RequireUnchanged(t, logDir, before)
			got := map[okey]int64{}
			for _, g := range gs.Groups {
				if g.PendingTransactionalOffsets != 0 {
					t.Errorf("%s: pending offsets in a log without transactions", g.GroupID)
				}
				for _, o := range g.Offsets {
					got[okey{g.GroupID, o.Topic, o.Partition}] = o.Offset
				}
				if n, ok := members[g.GroupID]; ok {
					if g.Deleted || len(g.Members) != n || (n > 0) != (g.State == StateStable) {
						t.Errorf("%s: %d members, state %s, deleted %v; independent replay: %d members", g.GroupID, len(g.Members), g.State, g.Deleted, n)
					}
				}
			}
			if !reflect.DeepEqual(got, offsets) {
				t.Errorf("offsets differ:\n got %v\nwant %v", got, offsets)
			}
			for _, p := range gs.Partitions {
				if p.Problem != "" || p.Undecodable != 0 {
					t.Errorf("%s: %+v", p.Partition, p)
				}
			}
			checked += len(got)
		})
	}
	if checked < 30 {
		t.Fatalf("only %d offsets compared", checked)
	}
}

// TestLoadTransactionsCorpus: the real __transaction_state of a Kafka
// (cp-kafka KRaft) log dir, against the latest value per transactional id.
func TestLoadTransactionsCorpus(t *testing.T) {
	logs := corpusLogs(t, "patient-admissions/kafka-data/__transaction_state-")
	if len(logs) == 0 {
		t.Skip("no __transaction_state in the corpus")
	}
	want := map[string]string{}
	for _, p := range logs {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := walkSegment(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			rec, err := DecodeTxnRecord(r.key, r.value)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Tombstone {
				delete(want, rec.TransactionalID)
			} else {
				want[rec.TransactionalID] = rec.Value.TransactionStatus.String()
			}
		}
	}
	tx, err := ReplayTransactions(filepath.Join(corpusDir, "patient-admissions/kafka-data"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range tx.Transactions {
		got[x.TransactionalID] = x.State
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if len(tx.Partitions) != 1 || tx.Partitions[0].Problem != "" {
		t.Fatalf("%+v", tx.Partitions)
	}
}

// modernKV builds a type 3+ record from its schema, the named fields set
// and the others at zero values (nullable ones null).
func modernKV(t *testing.T, typ RecordType, group, member string, vals map[string]Value) kv {
	t.Helper()
	sc := groupValueSchemas[typ]
	rec := &GroupRecord{Type: typ, Key: GroupKey{Group: group, MemberID: member}}
	if sc == nil { // no schema: some opaque bytes
		rec.RawValue = []byte{0}
		return kv{rec.AppendKey(nil), rec.AppendValue(nil)}
	}
	m := fillMessage(sc.name, sc.fields, 1)
	for name, v := range vals {
		i := m.index(name)
		if i < 0 {
			t.Fatalf("%s has no field %s", sc.name, name)
		}
		m.Values[i] = v
	}
	rec.Message = m
	return kv{rec.AppendKey(nil), rec.AppendValue(nil)}
}

func modernTombstone(typ RecordType, group, member string) kv {
	rec := &GroupRecord{Type: typ, Key: GroupKey{Group: group, MemberID: member}, Tombstone: true}
	return kv{rec.AppendKey(nil), nil}
}

func TestLoadGroupsModern(t *testing.T) {
	logDir := t.TempDir()
	topicID := state.UUID{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}
	if err := os.MkdirAll(filepath.Join(logDir, "orders-0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logDir, "orders-0", "partition.metadata"),
		state.AppendPartitionMetadata(nil, state.PartitionMetadata{TopicID: topicID}), 0o644); err != nil {
		t.Fatal(err)
	}
	assigned := func(parts ...int32) Value {
		m := fillMessage("TopicPartitions", topicPartitionsFields, 0)
		m.Values[0] = Value{UUID: topicID}
		m.Values[1] = Value{Ints: parts}
		return Value{Structs: []*Message{m}}
	}
	i := func(n int64) Value { return Value{Int: n} }
	str := func(s string) Value { return Value{Str: s} }
	b := newLogBuilder(t, logDir, "__consumer_offsets-0")
	b.data(modernKV(t, TypeConsumerGroupMetadata, "cg", "", map[string]Value{"Epoch": i(5)}),
		modernKV(t, TypeConsumerGroupMemberMetadata, "cg", "m1", map[string]Value{"ClientId": str("c1"), "ClientHost": str("/h1"),
			"ServerAssignor": str("uniform"), "RebalanceTimeoutMs": i(30000), "SubscribedTopicNames": {Strs: []string{"orders"}}}),
		modernKV(t, TypeConsumerGroupMemberMetadata, "cg", "m2", map[string]Value{"ClientId": str("c2")}),
		modernKV(t, TypeConsumerGroupTargetAssignmentMember, "cg", "m1", map[string]Value{"TopicPartitions": assigned(0, 1, 2)}),
		modernKV(t, TypeConsumerGroupTargetAssignmentMetadata, "cg", "", map[string]Value{"AssignmentEpoch": i(5)}),
		modernKV(t, TypeConsumerGroupCurrentMemberAssignment, "cg", "m1", map[string]Value{"MemberEpoch": i(5),
			"AssignedPartitions": assigned(0, 1), "PartitionsPendingRevocation": {Structs: []*Message{}}}),
		modernKV(t, TypeConsumerGroupCurrentMemberAssignment, "cg", "m2", map[string]Value{"MemberEpoch": i(4),
			"AssignedPartitions": {Structs: []*Message{}}, "PartitionsPendingRevocation": {Structs: []*Message{}}}),
		offsetKV("cg", "orders", 0, 42, 3))
	// cg2: group epoch ahead of the target assignment.
	b.data(modernKV(t, TypeConsumerGroupMetadata, "cg2", "", map[string]Value{"Epoch": i(3)}),
		modernKV(t, TypeConsumerGroupMemberMetadata, "cg2", "m", nil),
		modernKV(t, TypeConsumerGroupTargetAssignmentMetadata, "cg2", "", map[string]Value{"AssignmentEpoch": i(2)}))
	// cg3: created, then deleted the way the coordinator deletes a group.
	b.data(modernKV(t, TypeConsumerGroupMetadata, "cg3", "", map[string]Value{"Epoch": i(1)}),
		modernKV(t, TypeConsumerGroupMemberMetadata, "cg3", "m", nil),
		modernKV(t, TypeConsumerGroupRegularExpression, "cg3", "", map[string]Value{"Topics": {Strs: []string{}}}))
	b.data(modernTombstone(TypeConsumerGroupCurrentMemberAssignment, "cg3", "m"),
		modernTombstone(TypeConsumerGroupMemberMetadata, "cg3", "m"),
		modernTombstone(TypeConsumerGroupTargetAssignmentMetadata, "cg3", ""),
		modernTombstone(TypeConsumerGroupMetadata, "cg3", ""))
	// Share and streams groups.
	b.data(modernKV(t, TypeShareGroupMetadata, "sg", "", map[string]Value{"Epoch": i(2)}),
		modernKV(t, TypeShareGroupMemberMetadata, "sg", "s1", map[string]Value{"ClientId": str("sc")}),
		modernKV(t, TypeShareGroupMetadata, "sg2", "", map[string]Value{"Epoch": i(1)}),
		modernKV(t, TypeStreamsGroupMetadata, "st", "", map[string]Value{"Epoch": i(2)}),
		modernKV(t, TypeStreamsGroupMemberMetadata, "st", "w1", nil),
		// st2: validated topology, target epoch reached, member stable (1).
		modernKV(t, TypeStreamsGroupMetadata, "st2", "", map[string]Value{"Epoch": i(4), "ValidatedTopologyEpoch": i(1)}),
		modernKV(t, TypeStreamsGroupTopology, "st2", "", map[string]Value{"Epoch": i(1), "Subtopologies": {Structs: []*Message{}}}),
		modernKV(t, TypeStreamsGroupMemberMetadata, "st2", "w", nil),
		modernKV(t, TypeStreamsGroupTargetAssignmentMetadata, "st2", "", map[string]Value{"AssignmentEpoch": i(4)}),
		modernKV(t, TypeStreamsGroupCurrentMemberAssignment, "st2", "w", map[string]Value{"MemberEpoch": i(4), "State": i(1)}))
	b.close()

	gs, err := LoadGroups(logDir)
	if err != nil {
		t.Fatal(err)
	}
	if p := gs.Partitions[0]; p.Problem != "" || p.Undecodable != 0 {
		t.Fatalf("load %+v", p)
	}
	var ids []string
	for _, g := range gs.Groups {
		ids = append(ids, g.GroupID+":"+g.Type+":"+g.State)
	}
	want := []string{"cg:consumer:Reconciling", "cg2:consumer:Assigning", "sg:share:Stable", "sg2:share:Empty",
		"st:streams:NotReady", "st2:streams:Stable"}
	if !reflect.DeepEqual(ids, want) {
		t.Fatalf("groups %v, want %v", ids, want)
	}
	cg := gs.Group("cg")
	if cg.ProtocolType != "consumer" || cg.Protocol != "uniform" || cg.Generation != 5 || cg.AssignmentEpoch != 5 ||
		len(cg.Members) != 2 || len(cg.Offsets) != 1 || cg.Offsets[0].Offset != 42 {
		t.Fatalf("cg %+v", cg)
	}
	m1 := cg.Members[0]
	if m1.MemberID != "m1" || m1.ClientID != "c1" || m1.ClientHost != "/h1" || m1.MemberEpoch != 5 || m1.RebalanceTimeoutMs != 30000 ||
		!reflect.DeepEqual(m1.SubscribedTopics, []string{"orders"}) || m1.ServerAssignor != "uniform" ||
		!reflect.DeepEqual(m1.AssignedPartitions, []TopicPartitions{{"orders", []int32{0, 1}}}) ||
		!reflect.DeepEqual(m1.AssignedTopicIDs, []string{topicID.String()}) ||
		!reflect.DeepEqual(m1.TargetPartitions, []TopicPartitions{{"orders", []int32{0, 1, 2}}}) ||
		!reflect.DeepEqual(m1.TargetTopicIDs, []string{topicID.String()}) {
		t.Fatalf("m1 %+v", m1)
	}
	if m2 := cg.Members[1]; m2.TargetPartitions != nil {
		t.Fatalf("m2 has no target assignment record, got %+v", m2.TargetPartitions)
	}
	if st := gs.Group("st"); len(st.Members) != 1 || st.Members[0].MemberID != "w1" || st.ProtocolType != "streams" {
		t.Fatalf("st %+v", st)
	}
}
