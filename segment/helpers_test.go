package segment_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/internal/fixtures"
	"github.com/kseg/kseg/segment"
)

// genSpec describes a generated partition: segments of batches of records,
// offsets starting at firstOffset (not 0, so that "before the first
// segment" is a real offset).
type genSpec struct {
	magic         int8
	codec         format.Compression
	segments      int
	batches       int // AppendBatch calls per segment (a legacy uncompressed call writes one entry per record)
	records       int
	firstOffset   int64
	indexInterval int
}

// genBatch is one entry as written.
type genBatch struct {
	segBase   int64
	position  int64
	lastOff   int64
	maxTs     int64
	size      int64
	entryBase int64 // Batch.BaseOffset as stored
}

// genRecord is one record as written.
type genRecord struct {
	offset, timestamp int64
}

type genPart struct {
	dir     string
	spec    genSpec
	batches []genBatch
	records []genRecord
	// built[base] holds the .index and .timeindex an index.Builder made
	// while the segment was written.
	built map[int64][2][]byte
}

func (g *genPart) path(base int64, suffix string) string {
	return filepath.Join(g.dir, segment.FileName(base, suffix))
}

func (g *genPart) open(t testing.TB) *segment.Partition {
	t.Helper()
	p, err := segment.OpenPartition(g.dir)
	must(t, err)
	return p
}

// genPartition writes <tmp>/gen-0 with the spec's segments and the indexes
// index.NewBuilder (the LogSegment.recover rule) produced during writing.
// Timestamps are fixtures.BaseTime + offset*1000: increasing.
func genPartition(t testing.TB, spec genSpec) *genPart {
	t.Helper()
	g := &genPart{dir: filepath.Join(t.TempDir(), "gen-0"), spec: spec, built: map[int64][2][]byte{}}
	must(t, os.MkdirAll(g.dir, 0o755))
	next := spec.firstOffset
	for s := 0; s < spec.segments; s++ {
		base := next
		b := index.NewBuilder(base, spec.indexInterval)
		var buf []byte
		for i := 0; i < spec.batches; i++ {
			o := format.BatchOptions{Magic: spec.magic, Compression: spec.codec, BaseOffset: next, TimestampType: format.CreateTime}
			o.NoProducer()
			msgs := fixtures.Messages("gen", int(next), spec.records)
			for j := range msgs {
				msgs[j].Timestamp = fixtures.BaseTime + (next+int64(j))*1000
				if spec.magic < 2 {
					msgs[j].Headers = nil
				}
				ts := msgs[j].Timestamp
				if spec.magic == 0 {
					ts = format.NoTimestamp
				}
				g.records = append(g.records, genRecord{offset: next + int64(j), timestamp: ts})
			}
			start := len(buf)
			var err error
			buf, err = format.AppendBatch(buf, o, msgs)
			must(t, err)
			// One call may append several entries (legacy uncompressed):
			// index each as a broker appends it.
			for pos := start; pos < len(buf); {
				bt, err := format.DecodeBatch(buf[pos:])
				must(t, err)
				b.Add(int64(pos), bt.LastOffset(), bt.MaxTimestamp, bt.Size())
				g.batches = append(g.batches, genBatch{segBase: base, position: int64(pos), lastOff: bt.LastOffset(),
					maxTs: bt.MaxTimestamp, size: bt.Size(), entryBase: bt.BaseOffset})
				pos += int(bt.Size())
			}
			next += int64(spec.records)
		}
		oi, ti := b.Finish()
		must(t, b.Err())
		g.built[base] = [2][]byte{oi, ti}
		must(t, os.WriteFile(g.path(base, segment.LogSuffix), buf, 0o644))
		must(t, os.WriteFile(g.path(base, segment.IndexSuffix), oi, 0o644))
		must(t, os.WriteFile(g.path(base, segment.TimeIndexSuffix), ti, 0o644))
	}
	return g
}

// expectBatch is the linear-scan answer to an offset lookup: the first
// entry whose last offset is >= offset.
func (g *genPart) expectBatch(offset int64) (genBatch, bool) {
	for _, b := range g.batches {
		if b.lastOff >= offset {
			return b, true
		}
	}
	return genBatch{}, false
}

// expectRecord is the linear-scan answer to a timestamp lookup: the first
// record (in offset order) whose timestamp is >= ts.
func (g *genPart) expectRecord(ts int64) (genRecord, bool) {
	for _, r := range g.records {
		if r.timestamp >= ts {
			return r, true
		}
	}
	return genRecord{}, false
}

func (g *genPart) lastOffset() int64 { return g.batches[len(g.batches)-1].lastOff }

// codecsFor lists the codecs a magic supports (zstd needs v2).
func codecsFor(magic int8) []format.Compression {
	cs := []format.Compression{format.CompressionNone, format.CompressionGzip, format.CompressionSnappy, format.CompressionLZ4}
	if magic == 2 {
		cs = append(cs, format.CompressionZstd)
	}
	return cs
}

// forEachMagicCodec runs fn for every magic × codec the format supports.
func forEachMagicCodec(t *testing.T, fn func(t *testing.T, magic int8, codec format.Compression)) {
	for _, magic := range []int8{0, 1, 2} {
		for _, codec := range codecsFor(magic) {
			t.Run(fmt.Sprintf("v%d-%s", magic, codec), func(t *testing.T) { fn(t, magic, codec) })
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
