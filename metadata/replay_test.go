package metadata_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kseg/kseg/metadata"
	"github.com/kseg/kseg/metadata/metadatatest"
)

// genLog writes a scenario log into dir/__cluster_metadata-0 and returns
// that partition directory.
func genLog(t testing.TB, topics int, minBytes int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "__cluster_metadata-0")
	w, err := metadatatest.Create(filepath.Join(dir, "00000000000000000000.log"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := metadatatest.Scenario(w, topics, minBytes); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func load(t *testing.T, path string, o metadata.Options) *metadata.Image {
	t.Helper()
	res, err := metadata.Load(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return res.Image
}

// canonical is the image's snapshot encoding: two images with equal
// canonical forms hold the same cluster state (Raft state is compared apart).
func canonical(t *testing.T, im *metadata.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := im.SnapshotRecords(func(v []byte) error { b.Write(v); return nil }); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sameImage(t *testing.T, what string, a, b *metadata.Image) {
	t.Helper()
	if !bytes.Equal(canonical(t, a), canonical(t, b)) {
		t.Errorf("%s: images differ", what)
	}
	if !reflect.DeepEqual(a.Voters, b.Voters) || a.KRaftVersion != b.KRaftVersion {
		t.Errorf("%s: raft state differs: %+v/%d vs %+v/%d", what, a.Voters, a.KRaftVersion, b.Voters, b.KRaftVersion)
	}
	for name, ta := range a.Topics {
		tb := b.Topics[name]
		if tb == nil || !reflect.DeepEqual(ta, tb) {
			t.Errorf("%s: topic %s differs:\n%s\n%s", what, name, dumpTopic(ta), dumpTopic(tb))
		}
	}
	if !reflect.DeepEqual(a.Brokers, b.Brokers) || !reflect.DeepEqual(a.Configs, b.Configs) || len(a.Topics) != len(b.Topics) {
		t.Errorf("%s: topics, brokers or configs differ", what)
	}
}

// TestSnapshotPlusLogEqualsFullReplay: replaying a snapshot taken at offset
// N and then the log after it gives the same image as replaying the whole
// log from offset 0, at the end and at N itself.
func TestSnapshotPlusLogEqualsFullReplay(t *testing.T) {
	dir := genLog(t, 6, 64<<10)
	noSnap := metadata.DefaultOptions()
	noSnap.NoSnapshot = true
	full := load(t, dir, noSnap)
	if full.Records < 100 || len(full.Topics) != 5 || full.TopicByID(metadatatest.ID(9999)) != nil {
		t.Fatalf("scenario image unexpected: %d records, %d topics", full.Records, len(full.Topics))
	}
	for _, n := range []int64{full.Offset / 3, full.Offset / 2, full.Offset - 3} {
		o := noSnap
		o.AtOffset = n
		at := load(t, dir, o)
		if at.Offset != n {
			t.Fatalf("at-offset %d replayed to %d", n, at.Offset)
		}
		snap, err := metadatatest.WriteSnapshot(dir, at, at.Epoch, at.Timestamp)
		if err != nil {
			t.Fatal(err)
		}
		withSnap := load(t, dir, metadata.DefaultOptions())
		if withSnap.Snapshot != snap || withSnap.Offset != full.Offset {
			t.Fatalf("snapshot %q offset %d, want %q %d", withSnap.Snapshot, withSnap.Offset, snap, full.Offset)
		}
		sameImage(t, "snapshot+log vs full", withSnap, full)
		o = metadata.DefaultOptions()
		o.AtOffset = n
		sameImage(t, "snapshot at N vs replay to N", load(t, dir, o), at)
		sameImage(t, "snapshot file alone vs replay to N", load(t, snap, metadata.DefaultOptions()), at)
		if err := os.Remove(snap); err != nil {
			t.Fatal(err)
		}
	}
}

// TestScenarioImage checks replay semantics on the generated scenario.
func TestScenarioImage(t *testing.T) {
	dir := genLog(t, 4, 0)
	res, err := metadata.Load(dir, metadata.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	im := res.Image
	if _, ok := im.Topics["topic-3"]; ok {
		t.Error("deleted topic-3 still present")
	}
	if _, ok := im.Topics["ghost"]; ok {
		t.Error("topic of an aborted transaction applied")
	}
	if im.TopicConfigs("topic-0")["retention.ms"] != "86400000" || im.TopicConfigs("topic-3") != nil {
		t.Errorf("topic configs wrong: %v %v", im.TopicConfigs("topic-0"), im.TopicConfigs("topic-3"))
	}
	if _, ok := im.Brokers[3]; ok {
		t.Error("unregistered broker 3 present")
	}
	if b := im.Brokers[2]; b == nil || !b.InControlledShutdown || b.Fenced {
		t.Errorf("broker 2: %+v", b)
	}
	p := im.Topics["topic-0"].Partitions[0]
	if !reflect.DeepEqual(p.Replicas, []int32{1, 2, 4}) || len(p.Directories) != 3 {
		t.Errorf("reassigned partition: %+v", p)
	}
	// One PartitionRecord plus one round: a leader change (epoch +1), the two
	// reassignment steps (leader -2: no epoch bump), the ELR change (leader
	// -1) and the recovery (leader 2): leader epoch 3, partition epoch 3.
	p1 := im.Topics["topic-0"].Partitions[1]
	if p1.Leader != 2 || p1.LeaderEpoch != 3 || p1.PartitionEpoch != 3 || p1.ELR != nil {
		t.Errorf("topic-0/1: %+v", p1)
	}
	if p.LeaderEpoch != 1 || p.PartitionEpoch != 3 {
		t.Errorf("topic-0/0 epochs: %+v", p)
	}
	if im.Features["metadata.version"] != 25 || im.ProducerIDs.NextProducerID != 2000 || im.ACLCount() != 1 ||
		im.QuotaEntityCount() != 1 || im.ScramCredentialCount() != 0 || im.DelegationTokenCount() != 0 {
		t.Errorf("features %v pids %+v acls %d quotas %d scram %d tokens %d", im.Features, im.ProducerIDs, im.ACLCount(), im.QuotaEntityCount(), im.ScramCredentialCount(), im.DelegationTokenCount())
	}
	if len(im.Voters) != 1 || im.Voters[0].ID != 100 || len(im.Voters[0].Endpoints) != 1 || im.LeaderID != 100 {
		t.Errorf("voters %+v leader %d", im.Voters, im.LeaderID)
	}
	if _, ok := im.Controllers[101]; ok || len(im.Controllers) != 1 {
		t.Errorf("controllers %v: 101 was unregistered", im.Controllers)
	}
	if im.Configs[metadata.ConfigResource{Type: metadata.ResourceBroker, Name: "2"}] != nil {
		t.Error("deleted broker config still present")
	}

	// History of topic-0 partition 1: created, then the four changes.
	h := metadata.DefaultOptions()
	h.History, _ = metadata.ParseHistoryFilter("partition=topic-0-1")
	hres, err := metadata.Load(dir, h)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(hres.History); n != 5 {
		t.Fatalf("history has %d changes: %+v", n, hres.History)
	}
	if c := hres.History[3]; c.Record != "PARTITION_CHANGE_RECORD" || c.Diff == "" {
		t.Errorf("change: %+v", c)
	}
	h.History, _ = metadata.ParseHistoryFilter("topic=topic-3")
	hres, _ = metadata.Load(dir, h)
	if last := hres.History[len(hres.History)-1]; last.After != "deleted" || last.Record != "REMOVE_TOPIC_RECORD" {
		t.Errorf("last topic-3 change: %+v", last)
	}
}

// TestAtTime: --at-time stops before the first later record.
func TestAtTime(t *testing.T) {
	dir := genLog(t, 3, 0)
	full, err := metadata.Load(dir, metadata.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := metadata.DefaultOptions()
	o.AtTime = full.Image.Timestamp - 1
	res, err := metadata.Load(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Image.Offset >= full.Image.Offset || res.Image.Timestamp > o.AtTime {
		t.Errorf("at-time image at %d (ts %d), full at %d", res.Image.Offset, res.Image.Timestamp, full.Image.Offset)
	}
}

func dumpTopic(t *metadata.Topic) string {
	if t == nil {
		return "<nil>"
	}
	s := t.Name
	for _, id := range t.PartitionIDs() {
		s += fmt.Sprintf("\n  %#v", *t.Partitions[id])
	}
	return s
}

// TestSnapshotOnlyBeforeTarget: a snapshot alone cannot answer for an
// offset before it.
func TestSnapshotOnlyBeforeTarget(t *testing.T) {
	dir := genLog(t, 2, 0)
	o := metadata.DefaultOptions()
	o.AtOffset = 30
	at := load(t, dir, o)
	snap, err := metadatatest.WriteSnapshot(dir, at, at.Epoch, at.Timestamp)
	if err != nil {
		t.Fatal(err)
	}
	o.AtOffset = 10
	if _, err := metadata.Load(snap, o); !errors.Is(err, metadata.ErrNoMetadata) {
		t.Fatalf("err %v", err)
	} else if !strings.Contains(err.Error(), "the earliest image is at offset 30") || strings.Contains(err.Error(), "no __cluster_metadata") {
		// Regression: it said "no __cluster_metadata log or snapshot found".
		t.Errorf("err %q: want the earliest image named", err)
	}
	o.AtOffset = 30
	if got := load(t, snap, o); got.Offset != 30 {
		t.Fatalf("offset %d", got.Offset)
	}
}

// TestSnapshotLogGap: a snapshot ending before the first log segment leaves
// offsets in neither; the image cannot be built and Load says so.
func TestSnapshotLogGap(t *testing.T) {
	src := genLog(t, 2, 0)
	o := metadata.DefaultOptions()
	o.AtOffset = 29
	at := load(t, src, o)
	dir := filepath.Join(t.TempDir(), "__cluster_metadata-0")
	if _, err := metadatatest.WriteSnapshot(dir, at, 1, at.Timestamp); err != nil {
		t.Fatal(err)
	}
	w, err := metadatatest.Create(filepath.Join(dir, "00000000000000000100.log"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Batch(metadatatest.Rec(20, 0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := metadata.Load(dir, metadata.DefaultOptions()); !errors.Is(err, metadata.ErrNoMetadata) {
		t.Fatalf("err %v", err)
	}
	// The snapshot's own point is still answerable.
	if got := load(t, dir, o); got.Offset != 29 {
		t.Fatalf("offset %d", got.Offset)
	}
}
