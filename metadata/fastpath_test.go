package metadata_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kseg/kseg/internal/kbin"
	"github.com/kseg/kseg/metadata"
	"github.com/kseg/kseg/metadata/metadatatest"
)

// genericLoad is Load with the typed fast paths off: every record through
// DecodeRecord + Apply, the replay as it was before them.
func genericLoad(t testing.TB, path string, o metadata.Options) *metadata.Image {
	t.Helper()
	defer metadata.SetFastReplay(metadata.SetFastReplay(false))
	res, err := metadata.Load(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return res.Image
}

// sameAsGeneric fails unless Load gives exactly (reflect.DeepEqual: every
// field, nil and empty slices told apart, unexported state included) the
// image of the generic replay.
func sameAsGeneric(t *testing.T, what, path string, o metadata.Options) *metadata.Image {
	t.Helper()
	fast := load(t, path, o)
	slow := genericLoad(t, path, o)
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("%s: fast replay differs from the generic replay", what)
		for name, ta := range fast.Topics {
			if !reflect.DeepEqual(ta, slow.Topics[name]) {
				t.Errorf("topic %s:\n%s\n%s", name, dumpTopic(ta), dumpTopic(slow.Topics[name]))
			}
		}
	}
	return fast
}

// withTags returns s with unknown tagged fields added.
func withTags(s *metadata.Struct, tags ...uint32) *metadata.Struct {
	for _, tag := range tags {
		s.Unknown = append(s.Unknown, kbin.TaggedField{Tag: tag, Data: []byte{1, 2, 3}})
	}
	return s
}

func rec(t *testing.T, typ, v int16, s *metadata.Struct) []byte {
	t.Helper()
	b, err := metadata.EncodeRecord(nil, typ, v, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edgeLog writes, after a small scenario, records that exercise the fast
// paths' corners: every version of the hot types, null, empty and absent
// arrays, unknown tagged fields, tags in the wrong version, trailing bytes
// (the generic path applies such a record, the fast path refuses it and
// hands it over), a truncated body, an unknown partition or topic, hot
// records inside a committed and an aborted transaction.
func edgeLog(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "__cluster_metadata-0")
	w, err := metadatatest.Create(filepath.Join(dir, "00000000000000000000.log"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := metadatatest.Scenario(w, 4, 0); err != nil {
		t.Fatal(err)
	}
	id := metadatatest.ID
	pc := func(v int16, kv ...any) *metadata.Struct { return metadata.NewStruct(kv...) }
	trailing := func(b []byte) []byte { return append(b, 0) }
	vals := [][]byte{
		rec(t, 5, 0, pc(0, "partitionId", 0, "topicId", id(1), "isr", []int32{}, "leader", -1)),
		rec(t, 5, 0, pc(0, "partitionId", 1, "topicId", id(1), "replicas", []int32{3, 2, 1, 4, 5}, "removingReplicas", []int32{5}, "addingReplicas", []int32{4}, "leaderRecoveryState", 1)),
		rec(t, 5, 1, pc(1, "partitionId", 1, "topicId", id(1), "directories", []kbin.UUID{}, "leaderRecoveryState", 0)),
		rec(t, 5, 1, pc(1, "partitionId", 2, "topicId", id(1), "directories", []kbin.UUID{id(1), id(2)}, "isr", []int32{1})),
		rec(t, 5, 2, pc(2, "partitionId", 2, "topicId", id(1), "eligibleLeaderReplicas", []int32{}, "lastKnownElr", []int32{2, 3, 1})),
		rec(t, 5, 2, withTags(pc(2, "partitionId", 0, "topicId", id(2), "leader", 3), 9, 100)),
		// Tags 6-8 in v0 are unknown there: kept out of the image.
		rec(t, 5, 0, withTags(pc(0, "partitionId", 0, "topicId", id(2)), 6, 7, 8)),
		rec(t, 5, 0, pc(0, "partitionId", 7, "topicId", id(2), "leader", 1)),   // no such partition
		rec(t, 5, 0, pc(0, "partitionId", 0, "topicId", id(777), "leader", 1)), // no such topic
		trailing(rec(t, 5, 0, pc(0, "partitionId", 1, "topicId", id(2), "leader", 2))),
		rec(t, 5, 0, pc(0, "partitionId", 1, "topicId", id(2), "leader", 2))[:12],
		rec(t, 3, 0, metadata.NewStruct("partitionId", 5, "topicId", id(0), "replicas", []int32{1}, "isr", []int32{1}, "removingReplicas", []int32{}, "addingReplicas", []int32{}, "leader", 1, "leaderEpoch", 4, "partitionEpoch", 9)),
		rec(t, 3, 2, metadata.NewStruct("partitionId", 6, "topicId", id(0), "replicas", []int32{1, 2}, "isr", []int32{2}, "removingReplicas", []int32{1}, "addingReplicas", []int32{}, "leader", 2,
			"leaderEpoch", 4, "partitionEpoch", 9, "directories", []kbin.UUID{}, "eligibleLeaderReplicas", []int32{1}, "lastKnownElr", []int32{}, "leaderRecoveryState", 1)),
		rec(t, 5, 0, pc(0, "partitionId", 6, "topicId", id(0), "isr", []int32{2, 1}, "eligibleLeaderReplicas", nil)),
		trailing(rec(t, 2, 0, metadata.NewStruct("name", "trailing", "topicId", id(300)))),
		rec(t, 2, 0, metadata.NewStruct("name", "topic-1", "topicId", id(301))), // a name re-created with a new id
		rec(t, 7, 0, metadata.NewStruct("id", 2, "epoch", int64(12))),
		rec(t, 8, 0, metadata.NewStruct("id", 9, "epoch", int64(12))),
		rec(t, 12, 0, metadata.NewStruct("name", "group.version", "featureLevel", 1)),
		rec(t, 12, 0, metadata.NewStruct("name", "kraft.version", "featureLevel", 0)),
		rec(t, 15, 0, withTags(metadata.NewStruct("brokerId", 2, "brokerEpoch", int64(12), "nextProducerId", int64(5000)), 3)),
		rec(t, 4, 0, metadata.NewStruct("resourceType", 2, "resourceName", "topic-1", "name", "cleanup.policy", "value", "compact")),
		rec(t, 4, 0, metadata.NewStruct("resourceType", 2, "resourceName", "topic-1", "name", "retention.ms", "value", nil)),
		rec(t, 4, 0, metadata.NewStruct("resourceType", 2, "resourceName", "nothing", "name", "retention.ms", "value", nil)),
		trailing(rec(t, 20, 0, metadata.NewStruct())),
	}
	if err := w.Batch(vals...); err != nil {
		t.Fatal(err)
	}
	begin := rec(t, 23, 0, metadata.NewStruct("name", "txn"))
	inTxn := rec(t, 5, 0, pc(0, "partitionId", 0, "topicId", id(0), "leader", 2))
	if err := w.Batch(begin, inTxn, rec(t, 2, 0, metadata.NewStruct("name", "in-txn", "topicId", id(400))), rec(t, 24, 0, metadata.NewStruct())); err != nil {
		t.Fatal(err)
	}
	if err := w.Batch(begin, inTxn, rec(t, 25, 0, metadata.NewStruct("reason", "x"))); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestFastReplayMatchesGeneric: the typed fast paths build exactly the
// image of the generic replay — on the generated scenario at several
// offsets, from a snapshot, on the edge cases above and on every KRaft log
// of the real-broker corpus.
func TestFastReplayMatchesGeneric(t *testing.T) {
	dir := genLog(t, 6, 64<<10)
	full := sameAsGeneric(t, "scenario", dir, metadata.DefaultOptions())
	for _, n := range []int64{3, 40, full.Offset / 2, full.Offset - 5} {
		o := metadata.DefaultOptions()
		o.AtOffset = n
		at := sameAsGeneric(t, "scenario at offset", dir, o)
		if _, err := metadatatest.WriteSnapshot(dir, at, at.Epoch, at.Timestamp); err != nil {
			t.Fatal(err)
		}
	}
	sameAsGeneric(t, "snapshot + log", dir, metadata.DefaultOptions())
	o := metadata.DefaultOptions()
	o.AtOffset = full.Offset / 2
	sameAsGeneric(t, "snapshot at N", dir, o)

	edges := edgeLog(t)
	im := sameAsGeneric(t, "edge cases", edges, metadata.DefaultOptions())
	if p := im.Topics["topic-0"].Partitions[6]; p == nil || !reflect.DeepEqual(p.ISR, []int32{2, 1}) || !reflect.DeepEqual(p.ELR, []int32{1}) {
		t.Errorf("edge cases: topic-0 partition 6 = %+v", p)
	}
	if im.Topics["trailing"] == nil || im.Topics["in-txn"] == nil || im.Features["group.version"] != 1 {
		t.Errorf("edge cases: records not applied: %v %v", im.TopicNames(), im.Features)
	}

	if _, err := os.Stat("../../shared/corpus"); err != nil {
		t.Log("corpus not present")
		return
	}
	for _, d := range []string{"LDI-POC", "Backend_labs/kafka-data", "patient-admissions/kafka-data"} {
		sameAsGeneric(t, d, filepath.Join("../../shared/corpus", d), metadata.DefaultOptions())
		o := metadata.DefaultOptions()
		o.NoSnapshot = true
		if fi, err := metadata.FindFiles(filepath.Join("../../shared/corpus", d)); err == nil && len(fi.Segments) > 0 && filepath.Base(fi.Segments[0]) == "00000000000000000000.log" {
			sameAsGeneric(t, d+" without snapshot", filepath.Join("../../shared/corpus", d), o)
		}
	}
}

// FuzzFastReplay: on any record value, a fast path either refuses it and
// leaves the image untouched, or applies a record the generic decoder
// decodes (Data set) and leaves exactly the image the generic Apply does.
func FuzzFastReplay(f *testing.F) {
	dir := filepath.Join(f.TempDir(), "__cluster_metadata-0")
	w, err := metadatatest.Create(filepath.Join(dir, "00000000000000000000.log"), 0)
	if err != nil {
		f.Fatal(err)
	}
	if err := metadatatest.Scenario(w, 3, 0); err != nil {
		f.Fatal(err)
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	id := metadatatest.ID
	for _, v := range [][]byte{
		metadatatest.Rec(5, 0, "partitionId", 0, "topicId", id(1), "isr", []int32{1}, "leader", 1),
		metadatatest.Rec(5, 1, "partitionId", 1, "topicId", id(0), "replicas", []int32{1, 2}, "directories", []kbin.UUID{id(1), id(2)}, "leaderRecoveryState", 1),
		metadatatest.Rec(5, 2, "partitionId", 2, "topicId", id(0), "eligibleLeaderReplicas", []int32{1}, "lastKnownElr", []int32{}, "removingReplicas", []int32{3}, "addingReplicas", []int32{}),
		metadatatest.Rec(3, 0, "partitionId", 4, "topicId", id(1), "replicas", []int32{1}, "isr", []int32{1}, "removingReplicas", []int32{}, "addingReplicas", []int32{}, "leader", 1),
		metadatatest.Rec(3, 2, "partitionId", 4, "topicId", id(1), "replicas", []int32{1}, "isr", []int32{1}, "removingReplicas", []int32{}, "addingReplicas", []int32{}, "leader", 1,
			"directories", []kbin.UUID{id(3)}, "eligibleLeaderReplicas", []int32{2}, "leaderRecoveryState", 1),
		metadatatest.Rec(2, 0, "name", "new", "topicId", id(50)),
		metadatatest.Rec(2, 0, "name", "", "topicId", id(51)),
		metadatatest.Rec(7, 0, "id", 1, "epoch", int64(1)),
		metadatatest.Rec(8, 0, "id", 2, "epoch", int64(1)),
		metadatatest.Rec(12, 0, "name", "metadata.version", "featureLevel", 0),
		metadatatest.Rec(15, 0, "brokerId", 1, "brokerEpoch", int64(1), "nextProducerId", int64(9)),
		metadatatest.Rec(4, 0, "resourceType", 2, "resourceName", "topic-0", "name", "retention.ms", "value", nil),
		metadatatest.Rec(20, 0),
	} {
		f.Add(v)
	}
	loadFuzz := func(t *testing.T) *metadata.Image {
		res, err := metadata.Load(dir, metadata.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		return res.Image
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fast, slow := loadFuzz(t), loadFuzz(t)
		if !fast.ApplyFast(in) {
			if !reflect.DeepEqual(fast, slow) {
				t.Fatal("a refused record changed the image")
			}
			return
		}
		rec, _ := metadata.DecodeRecord(in)
		if rec.Data == nil {
			t.Fatalf("fast path applied a record the generic decoder refuses: %v", rec.Err)
		}
		slow.Apply(&metadata.Entry{Offset: slow.Offset + 1, Timestamp: slow.Timestamp, LeaderEpoch: slow.Epoch, Record: rec})
		fast.Offset, fast.Records = slow.Offset, slow.Records
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%s: fast and generic images differ", rec.Name)
		}
	})
}

// TestReplayAllocsPerRecord: in steady state — partition changes on known
// partitions — the replay allocates nothing per record or per batch: a
// log four times longer costs no more allocations per Load (allowed:
// 1 per 1000 extra records, far below the old 6 per record).
func TestReplayAllocsPerRecord(t *testing.T) {
	small, big := genLog(t, 20, 256<<10), genLog(t, 20, 1<<20)
	var rs, rb int64
	as := testing.AllocsPerRun(3, func() { rs = load(t, small, metadata.DefaultOptions()).Records })
	ab := testing.AllocsPerRun(3, func() { rb = load(t, big, metadata.DefaultOptions()).Records })
	per := (ab - as) / float64(rb-rs)
	t.Logf("%d records: %.0f allocs; %d records: %.0f allocs; %.5f per extra record", rs, as, rb, ab, per)
	if rb-rs < 10000 || per > 0.001 {
		t.Errorf("%.5f allocations per record in steady state (%d extra records)", per, rb-rs)
	}
}
