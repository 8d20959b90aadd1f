package segment_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/benchdata"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/segment"
)

// TestRebuildIndexesRoundTrip: for every magic and codec, RebuildIndexes
// reproduces byte for byte the indexes index.NewBuilder made while the
// segments were written, and Diff calls them identical.
func TestRebuildIndexesRoundTrip(t *testing.T) {
	forEachMagicCodec(t, func(t *testing.T, magic int8, codec format.Compression) {
		g := genPartition(t, lookupSpec(magic, codec))
		for _, s := range g.open(t).Segments {
			r, err := segment.RebuildIndexes(s, g.spec.indexInterval)
			must(t, err)
			if r.LogErr != nil || r.ValidBytes != s.LogSize {
				t.Fatalf("segment %d: log error %v, valid %d of %d bytes", s.BaseOffset, r.LogErr, r.ValidBytes, s.LogSize)
			}
			want := g.built[s.BaseOffset]
			if len(want[0]) == 0 {
				t.Fatalf("segment %d: the generator built an empty index; the test would prove nothing", s.BaseOffset)
			}
			if !bytes.Equal(r.OffsetIdx, want[0]) || !bytes.Equal(r.TimeIdx, want[1]) {
				t.Errorf("segment %d: rebuilt %d/%d index bytes, built %d/%d", s.BaseOffset, len(r.OffsetIdx), len(r.TimeIdx), len(want[0]), len(want[1]))
			}
			changes, err := r.Diff()
			must(t, err)
			for _, c := range changes {
				if !c.Identical || c.Added != 0 || c.Removed != 0 {
					t.Errorf("segment %d: %+v", s.BaseOffset, c)
				}
			}
		}
	})
}

// TestRebuildStopsAtCorruption: like LogSegment.recover, the rebuild stops at
// the first invalid batch and says why.
func TestRebuildStopsAtCorruption(t *testing.T) {
	g := genPartition(t, genSpec{magic: 2, codec: format.CompressionNone, segments: 1, batches: 10, records: 5, indexInterval: 1})
	s := g.open(t).Segments[0]
	testutil.MustFlipBit(t, s.Log, g.batches[6].position+70, 2)
	r, err := segment.RebuildIndexes(s, 1)
	must(t, err)
	if r.LogErr == nil || r.ValidBytes != g.batches[6].position {
		t.Fatalf("log error %v, valid bytes %d (want %d)", r.LogErr, r.ValidBytes, g.batches[6].position)
	}
	if n := len(r.OffsetIdx) / 8; n != 5 { // batches 1..5 (the first batch gets no entry)
		t.Errorf("%d offset entries, want 5", n)
	}
}

func corruptIndexes(t *testing.T, s *segment.Segment) {
	t.Helper()
	testutil.MustFlipBit(t, s.Index, 3, 4)
	must(t, os.Remove(s.TimeIndex))
}

// TestRebuiltWriteOutputDir: with OutputDir, the rebuilt files go there and
// nothing in the partition changes.
func TestRebuiltWriteOutputDir(t *testing.T) {
	g := genPartition(t, lookupSpec(2, format.CompressionGzip))
	corruptIndexes(t, g.open(t).Segments[1])
	s := g.open(t).Segments[1]
	before := testutil.HashTree(t, g.dir)
	r, err := segment.RebuildIndexes(s, g.spec.indexInterval)
	must(t, err)
	changes, err := r.Diff()
	must(t, err)
	if len(changes) != 2 || changes[0].Identical || changes[1].Exists {
		t.Fatalf("changes %+v", changes)
	}
	out := t.TempDir()
	written, err := r.Write(changes, segment.WriteOptions{OutputDir: out})
	must(t, err)
	testutil.RequireUnchanged(t, g.dir, before)
	if len(written) != 2 {
		t.Fatalf("written %v", written)
	}
	for i, want := range [][]byte{r.OffsetIdx, r.TimeIdx} {
		got, err := os.ReadFile(written[i])
		must(t, err)
		if filepath.Dir(written[i]) != out || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, want %d in %s", written[i], len(got), len(want), out)
		}
	}
}

// TestRebuiltWriteQuarantine: in place, an existing index is replaced only
// after the quarantine holds its old bytes; a missing one is created.
func TestRebuiltWriteQuarantine(t *testing.T) {
	g := genPartition(t, lookupSpec(2, format.CompressionSnappy))
	corruptIndexes(t, g.open(t).Segments[1])
	s := g.open(t).Segments[1]
	oldIndex, err := os.ReadFile(s.Index)
	must(t, err)
	r, err := segment.RebuildIndexes(s, g.spec.indexInterval)
	must(t, err)
	changes, err := r.Diff()
	must(t, err)
	if _, err := r.Write(changes, segment.WriteOptions{}); err == nil {
		t.Fatal("replacing an index without a quarantine must be refused")
	}
	q, err := fsutil.NewQuarantine(fsutil.OSFS{}, t.TempDir(), []string{filepath.Dir(g.dir)})
	must(t, err)
	written, err := r.Write(changes, segment.WriteOptions{Quarantine: q})
	must(t, err)
	must(t, q.Close())
	if len(written) != 2 {
		t.Fatalf("written %v", written)
	}
	for path, want := range map[string][]byte{s.Index: r.OffsetIdx, g.path(s.BaseOffset, segment.TimeIndexSuffix): r.TimeIdx} {
		if changes[1].Exists {
			t.Fatal("the time index was removed: Diff must say so")
		}
		got, err := os.ReadFile(path)
		must(t, err)
		if !bytes.Equal(got, want) {
			t.Errorf("%s not replaced", filepath.Base(path))
		}
	}
	entries := q.Entries()
	if len(entries) != 1 || entries[0].Source != mustAbs(t, s.Index) {
		t.Fatalf("quarantine entries %+v", entries)
	}
	saved, err := os.ReadFile(filepath.Join(q.Dir(), filepath.FromSlash(entries[0].Stored)))
	must(t, err)
	if !bytes.Equal(saved, oldIndex) {
		t.Error("the quarantine does not hold the old index bytes")
	}
	// Idempotent: a second rebuild finds nothing to write.
	r, err = segment.RebuildIndexes(s, g.spec.indexInterval)
	must(t, err)
	changes, err = r.Diff()
	must(t, err)
	if written, err := r.Write(changes, segment.WriteOptions{}); err != nil || len(written) != 0 {
		t.Errorf("second write: %v, %v", written, err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	must(t, err)
	return a
}

// benchSegment is a 256 MiB v2 segment of 100-record batches of 90-byte
// values, generated once under $TMPDIR/kseg-bench.
func benchSegment(b *testing.B) *segment.Segment {
	b.Helper()
	path, _, err := benchdata.Segment(benchdata.Spec{Bytes: 256 << 20, RecordSize: 90, RecordsPerBatch: 100})
	must(b, err)
	s, err := segment.SegmentForFile(path)
	must(b, err)
	return s
}

// BenchmarkShallowVerify is the baseline for BenchmarkRebuildIndexes: a
// plain shallow read of the same segment (headers and CRC of every batch),
// which is the work a rebuild cannot avoid.
func BenchmarkShallowVerify(b *testing.B) {
	s := benchSegment(b)
	f, err := s.Open()
	must(b, err)
	defer f.Close()
	b.SetBytes(s.LogSize)
	b.ReportAllocs()
	for b.Loop() {
		r := format.NewBatchReader(f.Log, f.LogSize, format.ReaderOptions{File: s.Name()})
		for {
			bt, err := r.Next()
			if err == io.EOF {
				break
			}
			must(b, err)
			if !bt.Valid {
				b.Fatal("invalid batch")
			}
		}
	}
}

// BenchmarkRebuildIndexes rebuilds the segment's indexes with Kafka's
// default index.interval.bytes; MB/s are of log read. Target: at least 70%
// of BenchmarkShallowVerify.
func BenchmarkRebuildIndexes(b *testing.B) {
	s := benchSegment(b)
	b.SetBytes(s.LogSize)
	b.ReportAllocs()
	for b.Loop() {
		r, err := segment.RebuildIndexes(s, segment.DefaultIndexIntervalBytes)
		must(b, err)
		if r.LogErr != nil {
			b.Fatal(r.LogErr)
		}
	}
}
