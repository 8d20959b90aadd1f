package segment_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// TestLogStartOffset: the log start offset is max(first segment's base
// offset, log-start-offset-checkpoint entry) (kafka LogLoader.load), never
// the first offset present.
func TestLogStartOffset(t *testing.T) {
	g := genPartition(t, genSpec{magic: 2, segments: 2, batches: 3, records: 10, firstOffset: 0})
	// Compaction leaves 00000000000000000000.log but removes its first
	// records: rewrite the first segment to hold offsets from 1020 only.
	o := format.BatchOptions{Magic: 2, BaseOffset: 1020, TimestampType: format.CreateTime}
	o.NoProducer()
	buf, err := format.AppendBatch(nil, o, []format.Message{{Key: []byte("k"), Value: []byte("v"), Timestamp: 1}})
	must(t, err)
	first := g.path(0, segment.LogSuffix)
	must(t, os.WriteFile(first, buf, 0o644))
	must(t, os.Remove(g.path(0, segment.IndexSuffix)))
	must(t, os.Remove(g.path(0, segment.TimeIndexSuffix)))
	p := g.open(t)
	ls, err := segment.LogStartOffset(p)
	must(t, err)
	if ls.Offset != 0 || ls.FirstSegmentBase != 0 || ls.Checkpoint != -1 {
		t.Fatalf("no checkpoint: got %+v, want offset 0 from the first segment's name", ls)
	}

	cp := filepath.Join(filepath.Dir(g.dir), segment.LogStartOffsetCheckpointFile)
	must(t, os.WriteFile(cp, []byte("0\n2\nother 0 77\ngen 0 5\n"), 0o644))
	ls, err = segment.LogStartOffset(p)
	must(t, err)
	if ls.Offset != 5 || ls.Checkpoint != 5 {
		t.Fatalf("checkpoint 5 above base 0: got %+v, want 5", ls)
	}
	// A checkpoint below the first segment's base: the base wins.
	p.Segments = p.Segments[1:]
	ls, err = segment.LogStartOffset(p)
	must(t, err)
	if ls.Offset != 30 {
		t.Fatalf("checkpoint 5 below base 30: got %+v, want 30", ls)
	}
	// A malformed checkpoint is reported and ignored.
	must(t, os.WriteFile(cp, []byte("garbage"), 0o644))
	ls, err = segment.LogStartOffset(p)
	if err == nil || ls.Offset != 30 {
		t.Fatalf("malformed checkpoint: got %+v, %v; want 30 and an error", ls, err)
	}
	// No segments: the broker would create one at the checkpointed offset.
	must(t, os.WriteFile(cp, []byte("0\n1\ngen 0 42\n"), 0o644))
	p.Segments = nil
	ls, err = segment.LogStartOffset(p)
	must(t, err)
	if ls.Offset != 42 {
		t.Fatalf("no segments: got %+v, want 42", ls)
	}
}
