package analyze

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

func producerSegs() []gseg {
	return []gseg{
		{batches: []gb{data(1, 0, 3), plain(2), {pid: 2, epoch: 5, n: 2}, commit(1, 0)}},     // offsets 0..7
		{batches: []gb{data(1, 0, 2), {pid: 2, epoch: 6, n: 1}, data(3, 1, 1), abort(3, 1)}}, // 8..12
	}
}

func TestProducersFromLog(t *testing.T) {
	dir := writePartition(t, producerSegs())
	before := testutil.HashTree(t, dir)
	rep, err := ReplayProducers(dir)
	if err != nil {
		t.Fatal(err)
	}
	testutil.RequireUnchanged(t, dir, before)
	want := []ProducerState{
		{ProducerID: 1, ProducerEpoch: 0, LastSequence: 1, LastTimestamp: t0 + 8000, CoordinatorEpoch: 3, CurrentTxnStartOffset: 8, LastOffset: 9},
		{ProducerID: 2, ProducerEpoch: 6, LastSequence: 0, LastTimestamp: t0 + 10000, CoordinatorEpoch: -1, CurrentTxnStartOffset: -1, LastOffset: 10},
		{ProducerID: 3, ProducerEpoch: 1, LastSequence: 0, LastTimestamp: t0 + 12000, CoordinatorEpoch: 3, CurrentTxnStartOffset: -1, LastOffset: 11},
	}
	if !reflect.DeepEqual(rep.Producers, want) {
		t.Fatalf("got  %+v\nwant %+v", rep.Producers, want)
	}
	if rep.Snapshot != "" || rep.LogEndOffset != 13 || rep.ReplayedBatches != 7 || len(rep.Problems) != 0 {
		t.Fatalf("report %+v", rep)
	}
}

// TestProducersFromSnapshot: the newest usable snapshot at or below the log
// end is the starting state; the log before it is not replayed.
func TestProducersFromSnapshot(t *testing.T) {
	dir := writePartition(t, producerSegs())
	write := func(offset int64, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, segment.FileName(offset, segment.SnapshotSuffix)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snap := state.AppendProducerSnapshot(nil, []state.ProducerEntry{
		{ProducerID: 1, ProducerEpoch: 0, LastSequence: 2, LastOffset: 2, OffsetDelta: 2, Timestamp: t0 + 7000, CoordinatorEpoch: 7, CurrentTxnFirstOffset: -1},
		{ProducerID: 99, ProducerEpoch: 4, LastSequence: 41, LastOffset: 6, OffsetDelta: 0, Timestamp: 5, CoordinatorEpoch: 2, CurrentTxnFirstOffset: 6},
	})
	write(8, snap)
	bad := append([]byte(nil), snap...)
	bad[len(bad)-1] ^= 1
	write(10, bad)
	write(100, snap)
	rep, err := ReplayProducers(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Snapshot != "00000000000000000008.snapshot" || rep.SnapshotOffset != 8 || rep.ReplayedBatches != 4 || len(rep.Problems) != 2 ||
		!strings.Contains(rep.Problems[0], "beyond the log end") || !strings.Contains(strings.ToLower(rep.Problems[1]), "crc") {
		t.Fatalf("report %+v", rep)
	}
	got := map[int64]ProducerState{}
	for _, p := range rep.Producers {
		got[p.ProducerID] = p
	}
	// pid 1: coordinator epoch from the snapshot (no marker after it), the
	// rest from the batch at 8.
	if p := got[1]; p.CoordinatorEpoch != 7 || p.LastSequence != 1 || p.LastOffset != 9 || p.CurrentTxnStartOffset != 8 {
		t.Fatalf("pid 1 %+v", p)
	}
	if p := got[99]; p.ProducerEpoch != 4 || p.LastSequence != 41 || p.CurrentTxnStartOffset != 6 || p.LastTimestamp != 5 {
		t.Fatalf("pid 99 %+v", p)
	}
	if len(got) != 4 {
		t.Fatalf("%d producers", len(got))
	}
}

// TestProducersCorpus: for real partitions whose log starts at offset 0,
// the newest snapshot plus the log after it gives the same state as
// replaying the whole log (the broker wrote both).
func TestProducersCorpus(t *testing.T) {
	root := "../../shared/corpus"
	if _, err := os.Stat(filepath.Join(root, "MANIFEST.md")); err != nil {
		t.Skip("corpus not available")
	}
	var dirs []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".snapshot") {
			dir := filepath.Dir(p)
			if len(dirs) == 0 || dirs[len(dirs)-1] != dir {
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	compared := 0
	for _, dir := range dirs {
		p, err := segment.OpenPartition(dir)
		if err != nil || len(p.Segments) == 0 || p.Segments[0].BaseOffset != 0 {
			continue
		}
		withSnap, err := replayProducers(dir, true)
		if err != nil {
			t.Fatal(err)
		}
		full, err := replayProducers(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		if withSnap.Snapshot == "" {
			continue
		}
		if !reflect.DeepEqual(withSnap.Producers, full.Producers) {
			t.Errorf("%s: from %s: %+v\nfull log: %+v", dir, withSnap.Snapshot, withSnap.Producers, full.Producers)
		}
		compared++
	}
	if compared < 5 {
		t.Fatalf("only %d partitions compared", compared)
	}
	t.Logf("%d partitions compared", compared)
}
