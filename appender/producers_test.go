package appender

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
	"github.com/kseg/kseg/verify"
)

// readSnapshots decodes every .snapshot in dir, by offset.
func readSnapshots(t *testing.T, dir string) map[int64][]state.ProducerEntry {
	t.Helper()
	p, err := segment.OpenPartition(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64][]state.ProducerEntry{}
	for _, path := range p.Snapshots {
		off, _, ok := segment.ParseFileName(filepath.Base(path))
		if !ok {
			t.Fatalf("snapshot name %s", path)
		}
		s, err := state.DecodeProducerSnapshot(mustRead(t, path))
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		out[off] = s.Entries
	}
	return out
}

func requireEntries(t *testing.T, what string, got, want []state.ProducerEntry) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d entries %+v, want %+v", what, len(got), got, want)
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: entry %d\n got %+v\nwant %+v", what, i, got[i], want[i])
		}
	}
}

// requireVerifyClean runs kseg's verify on the partition's log dir: no
// error and no snapshot finding of any severity.
func requireVerifyClean(t *testing.T, dir string) {
	t.Helper()
	var bad []verify.Finding
	sum, err := verify.Verify(context.Background(), []string{filepath.Dir(dir)}, verify.Options{OnFinding: func(f verify.Finding) {
		if f.Severity == verify.SeverityError || f.Reason == verify.ReasonSnapshotProducer || f.Reason == verify.ReasonSnapshotProducerMissing ||
			f.Reason == verify.ReasonStraySnapshot || f.Reason == verify.ReasonSnapshotCRCMismatch || f.Reason == verify.ReasonSnapshotMalformed {
			bad = append(bad, f)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 || sum.Errors > 0 {
		t.Errorf("verify: %d errors: %+v", sum.Errors, bad)
	}
}

// TestProducerSnapshots: the Writer takes producer snapshots on roll (named
// by the new segment's base offset) and on close (the log end offset), with
// the fields ProducerStateManager records for each idempotent or
// transactional producer, an empty one when only producers without an id
// wrote, and continues from them when reopened (issue 11 item 14).
func TestProducerSnapshots(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	w := mustOpen(t, dir, Options{SegmentBytes: 1 << 20})
	type appended struct{ base, last, maxTs int64 }
	add := func(o format.BatchOptions, n int, ts int64) appended {
		t.Helper()
		o.Magic, o.PartitionLeaderEpoch = 2, -1
		b, err := format.AppendBatch(nil, o, messages(n, 20, ts))
		if err != nil {
			t.Fatal(err)
		}
		d, err := format.DecodeBatch(b)
		if err != nil {
			t.Fatal(err)
		}
		base := mustAppend(t, w, b)
		return appended{base, base + int64(n) - 1, d.MaxTimestamp}
	}
	marker := func(pid int64, epoch int16, ct format.ControlType, coordEpoch int32, ts int64) int64 {
		t.Helper()
		b, err := format.AppendEndTxnMarker(nil, format.BatchOptions{ProducerID: pid, ProducerEpoch: epoch, PartitionLeaderEpoch: -1}, ct, coordEpoch, ts)
		if err != nil {
			t.Fatal(err)
		}
		return mustAppend(t, w, b)
	}
	plain := format.BatchOptions{}
	plain.NoProducer()

	add(plain, 4, 1000) // 0..3, no producer id
	if err := w.roll(); err != nil {
		t.Fatal(err)
	}
	// Only producers without an id wrote: the broker's snapshot is empty.
	snaps := readSnapshots(t, dir)
	if e, ok := snaps[4]; !ok || len(e) != 0 {
		t.Fatalf("after the first roll: snapshots %v", snaps)
	}

	idem := func(seq int32) format.BatchOptions {
		return format.BatchOptions{ProducerID: 1000, ProducerEpoch: 2, BaseSequence: seq}
	}
	txn := func(pid int64, epoch int16, seq int32) format.BatchOptions {
		return format.BatchOptions{ProducerID: pid, ProducerEpoch: epoch, BaseSequence: seq, Transactional: true}
	}
	i1 := add(idem(0), 3, 2000)                          // 4..6
	t1 := add(txn(2000, 3, 0), 2, 3000)                  // 7..8: opens a transaction
	i2 := add(idem(3), 5, 2100)                          // 9..13
	t2 := add(txn(2000, 3, 2), 1, 3100)                  // 14
	c1 := marker(2000, 3, format.ControlCommit, 5, 3200) // 15
	t3 := add(txn(3000, 0, 0), 2, 4000)                  // 16..17: stays open across the roll
	if err := w.roll(); err != nil {
		t.Fatal(err)
	}
	leo := t3.last + 1
	wantAtRoll := []state.ProducerEntry{
		{ProducerID: 1000, ProducerEpoch: 2, LastSequence: 7, LastOffset: i2.last, OffsetDelta: 4, Timestamp: i2.maxTs, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1},
		{ProducerID: 2000, ProducerEpoch: 3, LastSequence: 2, LastOffset: t2.last, OffsetDelta: 0, Timestamp: 3200, CoordinatorEpoch: 5, CurrentTxnFirstOffset: -1},
		{ProducerID: 3000, ProducerEpoch: 0, LastSequence: 1, LastOffset: t3.last, OffsetDelta: 1, Timestamp: t3.maxTs, CoordinatorEpoch: -1, CurrentTxnFirstOffset: t3.base},
	}
	requireEntries(t, "snapshot at the second roll", readSnapshots(t, dir)[leo], wantAtRoll)
	_, _, _ = i1, t1, c1

	// A fenced abort: the coordinator bumps the epoch, which forgets the
	// batch metadata of the old epoch (ProducerStateEntry.maybeUpdateProducerEpoch).
	a1 := marker(3000, 1, format.ControlAbort, 7, 4500) // 18
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wantAtClose := append([]state.ProducerEntry(nil), wantAtRoll...)
	wantAtClose[2] = state.ProducerEntry{ProducerID: 3000, ProducerEpoch: 1, LastSequence: -1, LastOffset: -1, OffsetDelta: 0, Timestamp: 4500, CoordinatorEpoch: 7, CurrentTxnFirstOffset: -1}
	snaps = readSnapshots(t, dir)
	requireEntries(t, "snapshot at close", snaps[a1+1], wantAtClose)
	if len(snaps) != 3 {
		t.Errorf("snapshots at %v, want 4, %d, %d", snaps, leo, a1+1)
	}
	requireVerifyClean(t, dir)

	// Reopened: the state comes from the snapshot; a close without appends
	// writes nothing; after an append the next snapshot carries both.
	w = mustOpen(t, dir, Options{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(readSnapshots(t, dir)); n != 3 {
		t.Errorf("a close without appends wrote a snapshot (%d files)", n)
	}
	w = mustOpen(t, dir, Options{})
	i3 := add(idem(8), 2, 2200)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := append([]state.ProducerEntry(nil), wantAtClose...)
	want[0] = state.ProducerEntry{ProducerID: 1000, ProducerEpoch: 2, LastSequence: 9, LastOffset: i3.last, OffsetDelta: 1, Timestamp: i3.maxTs, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1}
	requireEntries(t, "snapshot after reopening", readSnapshots(t, dir)[i3.last+1], want)
	requireVerifyClean(t, dir)

	// Without any snapshot, reopening rebuilds the state from the log.
	for off := range readSnapshots(t, dir) {
		if err := os.Remove(filepath.Join(dir, segment.FileName(off, segment.SnapshotSuffix))); err != nil {
			t.Fatal(err)
		}
	}
	w = mustOpen(t, dir, Options{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	requireEntries(t, "snapshot rebuilt from the log", readSnapshots(t, dir)[i3.last+1], want)
}
