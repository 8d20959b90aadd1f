package segment_test

import (
	"errors"
	"os"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// lookupSpec: three segments, small index interval so that lookups start
// from index entries in the middle of segments.
func lookupSpec(magic int8, codec format.Compression) genSpec {
	return genSpec{magic: magic, codec: codec, segments: 3, batches: 8, records: 5, firstOffset: 100, indexInterval: 200}
}

// checkLookups compares every offset and timestamp lookup with a linear scan.
func checkLookups(t *testing.T, g *genPart, p *segment.Partition) {
	t.Helper()
	first, last := g.spec.firstOffset, g.lastOffset()
	for o := first; o <= last; o++ {
		want, _ := g.expectBatch(o)
		res, err := p.LookupOffset(o)
		if err != nil {
			t.Fatalf("LookupOffset(%d): %v", o, err)
		}
		if res.Segment.BaseOffset != want.segBase || res.Batch.Position != want.position || res.Batch.LastOffset != want.lastOff {
			t.Fatalf("LookupOffset(%d): segment %d position %d last %d; linear scan: segment %d position %d last %d",
				o, res.Segment.BaseOffset, res.Batch.Position, res.Batch.LastOffset, want.segBase, want.position, want.lastOff)
		}
		if int64(res.IndexEntry.Position) > res.Batch.Position || res.BytesScanned <= 0 {
			t.Fatalf("LookupOffset(%d): index entry %+v after the batch at %d", o, res.IndexEntry, res.Batch.Position)
		}
	}
	for _, o := range []int64{0, first - 1, last + 1, last + 1000} {
		if _, err := p.LookupOffset(o); !errors.Is(err, segment.ErrOffsetOutOfRange) {
			t.Errorf("LookupOffset(%d): %v, want ErrOffsetOutOfRange", o, err)
		}
	}
	if g.spec.magic == 0 {
		// v0 has no timestamps: Kafka's ListOffsets answers
		// UNSUPPORTED_FOR_MESSAGE_FORMAT (UnifiedLog.fetchOffsetByTimestamp).
		if _, err := p.LookupTimestamp(0); !errors.Is(err, segment.ErrUnsupportedForMessageFormat) {
			t.Errorf("v0 LookupTimestamp: %v, want ErrUnsupportedForMessageFormat", err)
		}
		return
	}
	maxTs := g.records[len(g.records)-1].timestamp
	for _, r := range g.records {
		for _, ts := range []int64{r.timestamp, r.timestamp - 1} {
			want, _ := g.expectRecord(ts)
			res, err := p.LookupTimestamp(ts)
			if err != nil {
				t.Fatalf("LookupTimestamp(%d): %v", ts, err)
			}
			if res.Offset != want.offset || res.Timestamp != want.timestamp {
				t.Fatalf("LookupTimestamp(%d): offset %d ts %d; linear scan: offset %d ts %d", ts, res.Offset, res.Timestamp, want.offset, want.timestamp)
			}
		}
	}
	if res, err := p.LookupTimestamp(0); err != nil || res.Offset != first {
		t.Errorf("LookupTimestamp(0): %+v, %v; want offset %d", res, err, first)
	}
	if _, err := p.LookupTimestamp(maxTs + 1); !errors.Is(err, segment.ErrOffsetOutOfRange) {
		t.Errorf("LookupTimestamp(max+1): %v, want ErrOffsetOutOfRange", err)
	}
}

// TestLookup: offset and timestamp lookups agree with a linear scan on
// partitions of several segments, for every magic and codec.
func TestLookup(t *testing.T) {
	forEachMagicCodec(t, func(t *testing.T, magic int8, codec format.Compression) {
		g := genPartition(t, lookupSpec(magic, codec))
		checkLookups(t, g, g.open(t))
	})
}

// TestLookupWithoutIndexes: with the indexes gone, lookups scan from the
// segment start and still agree (LogLoader would rebuild them).
func TestLookupWithoutIndexes(t *testing.T) {
	g := genPartition(t, lookupSpec(2, format.CompressionLZ4))
	for base := range g.built {
		must(t, os.Remove(g.path(base, segment.IndexSuffix)))
		must(t, os.Remove(g.path(base, segment.TimeIndexSuffix)))
	}
	p := g.open(t)
	checkLookups(t, g, p)
	res, err := p.LookupOffset(g.spec.firstOffset + 50)
	must(t, err)
	if res.IndexUsed {
		t.Error("IndexUsed without an index")
	}
}

// TestLookupPreallocatedActiveIndexes: the active segment's indexes at
// their preallocated size (10 MiB, and 10 MiB rounded down to whole 12-byte
// time-index entries), zero-tailed as a running broker leaves them, are a
// benign ZeroedTail: no findings, and lookups still work.
func TestLookupPreallocatedActiveIndexes(t *testing.T) {
	g := genPartition(t, lookupSpec(2, format.CompressionNone))
	p := g.open(t)
	active := p.ActiveSegment()
	must(t, os.Truncate(active.Index, 10485760))
	must(t, os.Truncate(active.TimeIndex, 10485756))
	for _, s := range p.Segments {
		ix, err := segment.VerifyOffsetIndex(s)
		must(t, err)
		ti, err := segment.VerifyTimeIndex(s)
		must(t, err)
		if len(ix)+len(ti) != 0 {
			t.Errorf("segment %d: findings %+v %+v", s.BaseOffset, ix, ti)
		}
	}
	f, err := active.Open()
	must(t, err)
	defer f.Close()
	n, tail, err := f.Index.ValidEntries()
	must(t, err)
	if want := len(g.built[active.BaseOffset][0]) / 8; n != want || tail.Bytes != 10485760-int64(want*8) {
		t.Errorf("offset index: %d entries (want %d), tail %+v", n, want, tail)
	}
	checkLookups(t, g, p)
}
