package index

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

const fullOffsetEntries = DefaultMaxIndexSize / OffsetIndexEntrySize // 1,310,720

// fullOffsetIndexFile writes a full 10 MiB .index (no zero tail) to a temp file and returns it
// open, so reads go through *os.File.ReadAt and the page cache, plus its entries.
func fullOffsetIndexFile(b *testing.B) (*os.File, []OffsetPosition) {
	b.Helper()
	const base = 1 << 32
	es := randomOffsetEntries(rand.New(rand.NewPCG(42, 42)), base, fullOffsetEntries)
	path := filepath.Join(b.TempDir(), "00000000004294967296.index")
	if err := os.WriteFile(path, encodeOffsetIndex(base, es), 0o644); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f, es
}

// lookupTargets is a fixed pseudo-random set of targets spread over the whole index.
func lookupTargets(es []OffsetPosition) []int64 {
	r := rand.New(rand.NewPCG(7, 7))
	ts := make([]int64, 4096)
	lo, hi := es[0].Offset, es[len(es)-1].Offset
	for i := range ts {
		ts[i] = lo + r.Int64N(hi-lo+1)
	}
	return ts
}

// BenchmarkOffsetIndexLookup looks up pseudo-random targets in a full 10 MiB index (1,310,720
// entries). path=fences is the sorted-index path (one 4 KiB ReadAt); path=kafka-probes forces
// the path unsorted indexes take, Kafka's warm-section search with one ReadAt per probe.
// reader=file reads through *os.File (page cache); reader=memory through bytes.Reader, which
// isolates the CPU cost from the pread.
func BenchmarkOffsetIndexLookup(b *testing.B) {
	f, es := fullOffsetIndexFile(b)
	mem := bytes.NewReader(encodeOffsetIndex(1<<32, es))
	targets := lookupTargets(es)
	for _, bc := range []struct {
		name   string
		r      io.ReaderAt
		sorted bool
	}{
		{"reader=file/path=fences", f, true},
		{"reader=file/path=kafka-probes", f, false},
		{"reader=memory/path=fences", mem, true},
		{"reader=memory/path=kafka-probes", mem, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := &countingReaderAt{r: bc.r}
			x := NewOffsetIndex(c, DefaultMaxIndexSize, 1<<32)
			if _, _, err := x.ValidEntries(); err != nil { // the one-off chunked pass, untimed
				b.Fatal(err)
			}
			x.f.sorted = bc.sorted
			c.reads.Store(0)
			b.ReportAllocs()
			ops := 0
			for b.Loop() {
				if _, err := x.Lookup(targets[ops%len(targets)]); err != nil {
					b.Fatal(err)
				}
				ops++
			}
			b.ReportMetric(float64(c.reads.Load())/float64(ops), "reads/op")
		})
	}
}

// BenchmarkOffsetIndexLinearScan finds the same targets by scanning the same file from the
// start in 64 KiB chunks: the best a lookup can do without binary search.
func BenchmarkOffsetIndexLinearScan(b *testing.B) {
	f, es := fullOffsetIndexFile(b)
	c := &countingReaderAt{r: f}
	x := NewOffsetIndex(c, DefaultMaxIndexSize, 1<<32)
	n, _, err := x.ValidEntries()
	if err != nil {
		b.Fatal(err)
	}
	targets := lookupTargets(es)
	c.reads.Store(0)
	b.ReportAllocs()
	ops := 0
	for b.Loop() {
		target := targets[ops%len(targets)]
		var got OffsetPosition
		err := x.f.scan(0, n, func(_ int, e []byte) bool {
			p := x.decode(e)
			if p.Offset > target {
				return false
			}
			got = p
			return true
		})
		if err != nil || got.Offset > target {
			b.Fatal(err)
		}
		ops++
	}
	b.ReportMetric(float64(c.reads.Load())/float64(ops), "reads/op")
}

// BenchmarkOffsetIndexValidEntries is the first-use cost on a preallocated 10 MiB index: one
// chunked pass to find the end of the entries and prove the tail zero.
func BenchmarkOffsetIndexValidEntries(b *testing.B) {
	f, _ := fullOffsetIndexFile(b)
	b.SetBytes(DefaultMaxIndexSize)
	b.ReportAllocs()
	for b.Loop() {
		x := NewOffsetIndex(f, DefaultMaxIndexSize, 1<<32)
		if _, _, err := x.ValidEntries(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOffsetIndexSanityCheck(b *testing.B) {
	f, _ := fullOffsetIndexFile(b)
	b.SetBytes(DefaultMaxIndexSize)
	b.ReportAllocs()
	for b.Loop() {
		x := NewOffsetIndex(f, DefaultMaxIndexSize, 1<<32)
		if _, err := x.SanityCheck(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuilder(b *testing.B) {
	// A 1 GiB segment of 1 KiB batches at the default interval: 262,144 offset entries.
	const batches = 1 << 20
	b.SetBytes(batches * 1024)
	b.ReportAllocs()
	for b.Loop() {
		bl := NewBuilder(0, 4096)
		for i := range int64(batches) {
			bl.Add(i*1024, i, 1_700_000_000_000+i, 1024)
		}
		bl.Finish()
	}
}
