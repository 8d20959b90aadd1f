package analyze

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/benchdata"
	"github.com/kseg/kseg/internal/testutil"
)

// statsContent is a partition with known content: every v2 codec, an
// idempotent producer, a committed transaction, leader epochs 0 and 2, and
// one batch whose max timestamp goes backwards.
func statsContent() []gseg {
	idem := plain(4)
	idem.pid, idem.epoch = 11, 0
	gz := plain(4)
	gz.codec = format.CompressionGzip
	sn := plain(3)
	sn.codec = format.CompressionSnappy
	lz := plain(2)
	lz.codec, lz.lepo = format.CompressionLZ4, 2
	zs := plain(40)
	zs.codec, zs.lepo = format.CompressionZstd, 2
	late := plain(1)
	late.ts, late.lepo = t0-5000, 2 // earlier than everything before it
	return []gseg{
		{batches: []gb{plain(5), plain(5), gz, idem, data(12, 0, 2), commit(12, 0)}},
		{batches: []gb{sn, lz, zs, late}},
	}
}

func TestStatsKnownContent(t *testing.T) {
	segs := statsContent()
	// Expected byte counts: encode every batch again, on its own.
	var want [numCodecs]GroupStats
	var wantBytes int64
	var sizes []int64
	offset := int64(0)
	for _, s := range segs {
		for _, b := range s.batches {
			raw, next := b.encode(t, nil, offset)
			n := next - offset
			offset = next
			g := &want[b.codec]
			g.Batches++
			g.Records += n
			g.Bytes += int64(len(raw))
			wantBytes += int64(len(raw))
			sizes = append(sizes, int64(len(raw)))
		}
	}
	dir := writePartition(t, segs)
	before := testutil.HashTree(t, dir)
	s, err := StatsPartition(dir, StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testutil.RequireUnchanged(t, dir, before)
	for i := range want {
		if s.Codecs[i] != want[i] {
			t.Errorf("codec %s: got %+v want %+v", CodecName(i), s.Codecs[i], want[i])
		}
	}
	if s.Segments != 2 || s.Batches != 10 || s.Records != 67 || s.Bytes != wantBytes {
		t.Errorf("segments %d batches %d records %d bytes %d (want 2 10 67 %d)", s.Segments, s.Batches, s.Records, s.Bytes, wantBytes)
	}
	if s.Magics[2] != (GroupStats{Batches: 10, Records: 67, Bytes: wantBytes}) || s.Magics[0].Batches+s.Magics[1].Batches != 0 {
		t.Errorf("magics %+v", s.Magics)
	}
	if s.ControlBatches != 1 || s.TransactionalBatches != 1 || s.IdempotentBatches != 3 {
		t.Errorf("control %d transactional %d idempotent %d", s.ControlBatches, s.TransactionalBatches, s.IdempotentBatches)
	}
	if n, exact := s.Producers(); n != 2 || !exact {
		t.Errorf("producers %d exact %v", n, exact)
	}
	if len(s.LeaderEpochs) != 2 || s.LeaderEpochs[0] != 0 || s.LeaderEpochs[1] != 2 {
		t.Errorf("leader epochs %v", s.LeaderEpochs)
	}
	// Batch max timestamps are t0 + baseOffset*1000; the zstd batch (base
	// offset 26) is the latest, the late batch is at t0−5000.
	if s.MinTimestamp != t0-5000 || s.MaxTimestamp != t0+26000 || s.OutOfOrderBatches != 1 || s.SkewMs() != 31000 {
		t.Errorf("timestamps min %d max %d skew %d out of order %d", s.MinTimestamp-t0, s.MaxTimestamp-t0, s.SkewMs(), s.OutOfOrderBatches)
	}
	rpb := s.RecordsPerBatch.Summary()
	if rpb != (Summary{Count: 10, Min: 1, P50: 3, P90: 5, P99: 40, Max: 40}) {
		t.Errorf("records per batch %+v", rpb)
	}
	bb := s.BatchBytes.Summary()
	minSize, maxSize := sizes[0], sizes[0]
	for _, v := range sizes {
		minSize, maxSize = min(minSize, v), max(maxSize, v)
	}
	if bb.Count != 10 || bb.Min != minSize || bb.Max != maxSize {
		t.Errorf("batch bytes %+v, sizes %v", bb, sizes)
	}
	// The JSON object carries the same numbers.
	var js struct {
		Batches int64 `json:"batches"`
		Codecs  []struct {
			Codec string `json:"codec"`
			Bytes int64  `json:"bytes"`
		} `json:"codecs"`
		Producers int `json:"producers"`
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatal(err)
	}
	if js.Batches != 10 || len(js.Codecs) != 5 || js.Codecs[4].Codec != "zstd" || js.Codecs[4].Bytes != want[format.CompressionZstd].Bytes || js.Producers != 2 {
		t.Errorf("json %s", b)
	}
}

func TestStatsDeep(t *testing.T) {
	dir := writePartition(t, statsContent())
	s, err := StatsPartition(dir, StatsOptions{Deep: true})
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := StatsPartition(dir, StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != hdr.Records || s.Bytes != hdr.Bytes || s.ProblemCount != 0 {
		t.Errorf("deep records %d bytes %d, header-only %d %d; problems %v", s.Records, s.Bytes, hdr.Records, hdr.Bytes, s.Problems)
	}
	none := s.Codecs[format.CompressionNone]
	if none.StoredBytes != none.Bytes-none.Batches*format.RecordBatchOverhead || none.DecompressedBytes != none.StoredBytes || none.Ratio() != 1 {
		t.Errorf("none %+v", none)
	}
	// 40 near-identical records compress well.
	if r := s.Codecs[format.CompressionZstd].Ratio(); r < 2 {
		t.Errorf("zstd ratio %.2f", r)
	}
	if hdr.Codecs[format.CompressionZstd].Ratio() != 0 {
		t.Error("header-only stats claim a ratio")
	}
}

// countingReaderAt counts the bytes a reader asks for.
type countingReaderAt struct {
	r     io.ReaderAt
	bytes atomic.Int64
	calls atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.bytes.Add(int64(len(p)))
	c.calls.Add(1)
	return c.r.ReadAt(p, off)
}

// TestStatsHeaderOnly proves that stats reads batch headers and nothing
// else: with a one-header window, every read is one 61-byte v2 header.
func TestStatsHeaderOnly(t *testing.T) {
	// Incompressible 64 KiB values make the bodies dominate the file.
	rng := rand.New(rand.NewPCG(3, 4))
	var log []byte
	offset := int64(0)
	for i := 0; i < 20; i++ {
		msgs := make([]format.Message, 4)
		for j := range msgs {
			v := make([]byte, 64<<10)
			for k := range v {
				v[k] = byte(rng.Uint32())
			}
			msgs[j] = format.Message{Value: v, Timestamp: t0 + offset}
		}
		o := format.BatchOptions{Magic: 2, Compression: format.Compression(i % 5), BaseOffset: offset}
		o.NoProducer()
		var err error
		log, err = format.AppendBatch(log, o, msgs)
		if err != nil {
			t.Fatal(err)
		}
		offset += 4
	}
	path := filepath.Join(t.TempDir(), "00000000000000000000.log")
	if err := os.WriteFile(path, log, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := &countingReaderAt{r: f}
	s := NewStats("t-0", StatsOptions{WindowSize: format.RecordBatchOverhead})
	if err := s.ScanSegment(cr, int64(len(log)), "00000000000000000000.log"); err != nil {
		t.Fatal(err)
	}
	if s.Batches != 20 || s.Records != 80 || s.Bytes != int64(len(log)) || s.ProblemCount != 0 {
		t.Fatalf("batches %d records %d bytes %d/%d problems %v", s.Batches, s.Records, s.Bytes, len(log), s.Problems)
	}
	if got, max := cr.bytes.Load(), int64(20*format.RecordBatchOverhead); got > max {
		t.Errorf("read %d bytes of a %d-byte segment, want at most %d (headers only)", got, len(log), max)
	}
	if cr.calls.Load() != 20 {
		t.Errorf("%d ReadAt calls for 20 batches", cr.calls.Load())
	}
	// With the default window, bodies larger than the window are never read
	// either: at most one window per batch.
	cr2 := &countingReaderAt{r: f}
	s2 := NewStats("t-0", StatsOptions{})
	if err := s2.ScanSegment(cr2, int64(len(log)), "00000000000000000000.log"); err != nil {
		t.Fatal(err)
	}
	if s2.Bytes != s.Bytes || cr2.bytes.Load() > int64(len(log)) {
		t.Errorf("default window: read %d of %d", cr2.bytes.Load(), len(log))
	}
}

func TestStatsProblemsAndMerge(t *testing.T) {
	dir := writePartition(t, statsContent())
	log := filepath.Join(dir, "00000000000000000000.log")
	fi, _ := os.Stat(log)
	testutil.MustTruncate(t, log, fi.Size()-3)
	s, err := StatsPartition(dir, StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.ProblemCount != 1 || s.Batches != 9 {
		t.Errorf("problems %v batches %d", s.Problems, s.Batches)
	}
	total := NewStats("total", StatsOptions{MaxProducers: 1})
	total.Merge(s)
	total.Merge(s)
	if total.Batches != 18 || total.ProblemCount != 2 || total.RecordsPerBatch.Count() != 18 {
		t.Errorf("merged %+v", total)
	}
	if n, exact := total.Producers(); n != 1 || exact {
		t.Errorf("capped producers %d exact %v", n, exact)
	}
}

func TestStatsSample(t *testing.T) {
	const sample = "../testdata/sample"
	before := testutil.HashTree(t, sample)
	dirs, err := ResolvePartitions([]string{sample})
	if err != nil {
		t.Fatal(err)
	}
	total := NewStats("total", StatsOptions{Deep: true})
	for _, d := range dirs {
		s, err := StatsPartition(d, StatsOptions{Deep: true})
		if err != nil {
			t.Fatal(err)
		}
		total.Merge(s)
	}
	testutil.RequireUnchanged(t, sample, before)
	// fixtures.SamplePartitions: orders-0 holds 33 records (offsets 0..32), each legacy
	// partition 12 messages; deep iteration counts the wrappers' inner messages.
	if total.Records != 33+12+12 || total.ProblemCount != 0 {
		t.Errorf("records %d problems %v", total.Records, total.Problems)
	}
}

// BenchmarkStats measures the header-only pass over a 256 MiB segment of
// 100-record batches (~9 KiB each).
func BenchmarkStats(b *testing.B) {
	path, _, err := benchdata.Segment(benchdata.Spec{Bytes: 256 << 20, RecordSize: 90, RecordsPerBatch: 100})
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []struct {
		name string
		size int
	}{{"window=header", format.RecordBatchOverhead}, {"window=default", 0}} {
		b.Run(w.name, func(b *testing.B) {
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			for b.Loop() {
				s := NewStats("bench-0", StatsOptions{WindowSize: w.size})
				if err := s.ScanSegment(f, fi.Size(), "00000000000000000000.log"); err != nil {
					b.Fatal(err)
				}
				if s.Bytes != fi.Size() {
					b.Fatalf("scanned %d of %d bytes", s.Bytes, fi.Size())
				}
			}
			b.ReportMetric(float64(fi.Size())*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
