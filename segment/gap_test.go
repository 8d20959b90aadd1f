package segment_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/segment"
)

// writeSegment writes one segment of the given batches (each [base, count])
// with the indexes recovery would build.
func writeSegment(t *testing.T, dir string, base int64, magic int8, codec format.Compression, batches [][2]int64) {
	t.Helper()
	var buf []byte
	b := index.NewBuilder(base, 0)
	for _, bt := range batches {
		o := format.BatchOptions{Magic: magic, Compression: codec, BaseOffset: bt[0], TimestampType: format.CreateTime}
		o.NoProducer()
		msgs := make([]format.Message, bt[1])
		for i := range msgs {
			msgs[i] = format.Message{Key: []byte("k"), Value: []byte("v"), Timestamp: 1000 + bt[0] + int64(i)}
		}
		start := len(buf)
		var err error
		buf, err = format.AppendBatch(buf, o, msgs)
		must(t, err)
		for pos := start; pos < len(buf); {
			e, err := format.DecodeBatch(buf[pos:])
			must(t, err)
			b.Add(int64(pos), e.LastOffset(), e.MaxTimestamp, e.Size())
			pos += int(e.Size())
		}
	}
	oi, ti := b.Finish()
	must(t, os.WriteFile(filepath.Join(dir, segment.FileName(base, segment.LogSuffix)), buf, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, segment.FileName(base, segment.IndexSuffix)), oi, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, segment.FileName(base, segment.TimeIndexSuffix)), ti, 0o644))
}

// TestLookupOffsetCompactionGap: an offset compaction removed answers the
// first batch whose last offset is >= it, in the next segment when its own
// segment ends below it (kafka LocalLog.read continues with
// segments.higherSegment), and later in the same segment for a gap inside
// one (LogSegment.translateOffset).
func TestLookupOffsetCompactionGap(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "compacted-0")
	must(t, os.MkdirAll(dir, 0o755))
	writeSegment(t, dir, 0, 2, format.CompressionNone, [][2]int64{{0, 10}, {60, 13}})     // 0..9, 60..72
	writeSegment(t, dir, 400, 2, format.CompressionNone, [][2]int64{{808, 5}, {900, 10}}) // 808..812, 900..909
	p, err := segment.OpenPartition(dir)
	must(t, err)
	for _, c := range []struct{ offset, base, segBase int64 }{
		{5, 0, 0}, {10, 60, 0}, {59, 60, 0}, {72, 60, 0},
		{73, 808, 400}, {500, 808, 400}, {807, 808, 400}, {813, 900, 400}, {909, 900, 400},
	} {
		res, err := p.LookupOffset(c.offset)
		if err != nil {
			t.Fatalf("LookupOffset(%d): %v", c.offset, err)
		}
		if res.Batch.BaseOffset != c.base || res.Segment.BaseOffset != c.segBase {
			t.Errorf("LookupOffset(%d) = batch %d in segment %d, want batch %d in segment %d",
				c.offset, res.Batch.BaseOffset, res.Segment.BaseOffset, c.base, c.segBase)
		}
	}
	if _, err := p.LookupOffset(910); !errors.Is(err, segment.ErrOffsetOutOfRange) {
		t.Errorf("LookupOffset(910): %v, want out of range", err)
	}
	// A log-start-offset-checkpoint above the first base moves the start.
	must(t, os.WriteFile(filepath.Join(filepath.Dir(dir), segment.LogStartOffsetCheckpointFile), []byte("0\n1\ncompacted 0 8\n"), 0o644))
	if _, err := p.LookupOffset(7); !errors.Is(err, segment.ErrOffsetOutOfRange) {
		t.Errorf("LookupOffset(7) below a checkpointed log start 8: %v, want out of range", err)
	}
	if res, err := p.LookupOffset(8); err != nil || res.Batch.BaseOffset != 0 {
		t.Errorf("LookupOffset(8): %+v, %v", res, err)
	}
}

// TestLookupOffsetLegacyWrapper: a lookup in a magic 0/1 compressed wrapper
// answers the inner range (first offset 0 for the wrapper holding 0..99),
// not the wrapper's stored offset 99.
func TestLookupOffsetLegacyWrapper(t *testing.T) {
	for _, magic := range []int8{0, 1} {
		dir := filepath.Join(t.TempDir(), "legacy-0")
		must(t, os.MkdirAll(dir, 0o755))
		writeSegment(t, dir, 0, magic, format.CompressionGzip, [][2]int64{{0, 100}, {100, 100}})
		p, err := segment.OpenPartition(dir)
		must(t, err)
		for _, c := range []struct{ offset, base, last int64 }{{0, 0, 99}, {99, 0, 99}, {100, 100, 199}, {150, 100, 199}} {
			res, err := p.LookupOffset(c.offset)
			if err != nil {
				t.Fatalf("v%d LookupOffset(%d): %v", magic, c.offset, err)
			}
			if res.Batch.BaseOffset != c.base || res.Batch.LastOffset != c.last || res.Batch.NumRecords != 100 || !res.Batch.Exact {
				t.Errorf("v%d LookupOffset(%d) = %d..%d (%d records, exact %v), want %d..%d (100)", magic, c.offset,
					res.Batch.BaseOffset, res.Batch.LastOffset, res.Batch.NumRecords, res.Batch.Exact, c.base, c.last)
			}
		}
	}
}
