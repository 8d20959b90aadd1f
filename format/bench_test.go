package format_test

import (
	"bytes"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/benchdata"
)

// benchMiB is the generated segment size (KSEG_BENCH_MB, default 256).
func benchMiB() int64 {
	if v, err := strconv.Atoi(os.Getenv("KSEG_BENCH_MB")); err == nil && v > 0 {
		return int64(v)
	}
	return 256
}

func openSeg(b *testing.B, spec benchdata.Spec) (*os.File, int64, int64) {
	b.Helper()
	path, recs, err := benchdata.Segment(spec)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	st, _ := f.Stat()
	// Warm the page cache.
	io.Copy(io.Discard, io.NewSectionReader(f, 0, st.Size()))
	return f, st.Size(), recs
}

var smallRecords = benchdata.Spec{RecordSize: 90, RecordsPerBatch: 100}

// BenchmarkShallowVerify compares kseg's shallow pass (framing + CRC of
// every batch, no decompression) with a bare CRC-32C read of the same file
// through the same 1 MiB ReadAt window: the ceiling for any verifier.
func BenchmarkShallowVerify(b *testing.B) {
	spec := smallRecords
	spec.Bytes = benchMiB() << 20
	f, size, _ := openSeg(b, spec)
	tab := crc32.MakeTable(crc32.Castagnoli)
	b.Run("bare-crc32c-read", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		buf := make([]byte, format.DefaultWindowSize)
		var sink uint32
		for b.Loop() {
			var crc uint32
			for pos := int64(0); pos < size; pos += int64(len(buf)) {
				n, _ := f.ReadAt(buf, pos)
				crc = crc32.Update(crc, tab, buf[:n])
			}
			sink += crc
		}
		_ = sink
	})
	b.Run("kseg-shallow", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		var batches int64
		for b.Loop() {
			r := format.NewBatchReader(f, size, format.ReaderOptions{})
			batches = 0
			for {
				bt, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil || !bt.Valid {
					b.Fatalf("%v", err)
				}
				batches++
			}
		}
		b.ReportMetric(float64(batches), "batches")
	})
}

// BenchmarkDeepIteration decodes every record (per codec) and reports
// records/s.
func BenchmarkDeepIteration(b *testing.B) {
	for _, c := range []format.Compression{format.CompressionNone, format.CompressionGzip, format.CompressionSnappy, format.CompressionLZ4, format.CompressionZstd} {
		b.Run(c.String(), func(b *testing.B) {
			spec := smallRecords
			spec.Compression = c
			spec.Bytes = benchMiB() << 20
			if c != format.CompressionNone {
				spec.Bytes = benchMiB() << 18 // compressed files: a quarter of the size
			}
			f, size, recs := openSeg(b, spec)
			b.SetBytes(size)
			b.ReportAllocs()
			d := format.NewRecordDecoder(format.DecoderOptions{})
			for b.Loop() {
				r := format.NewBatchReader(f, size, format.ReaderOptions{})
				var n int64
				for {
					bt, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := d.Reset(bt); err != nil {
						b.Fatal(err)
					}
					for {
						_, err := d.Next()
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						n++
					}
				}
				if n != recs {
					b.Fatalf("%d records, want %d", n, recs)
				}
			}
			b.ReportMetric(float64(recs)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// TestShallowNoAllocsPerBatch asserts the shallow path allocates nothing per
// batch once the reader's window exists.
func TestShallowNoAllocsPerBatch(t *testing.T) {
	var data []byte
	for i := 0; i < 300; i++ {
		o := format.BatchOptions{Magic: 2, BaseOffset: int64(i * 10)}
		o.NoProducer()
		msgs := make([]format.Message, 10)
		for j := range msgs {
			msgs[j] = format.Message{Value: []byte("0123456789abcdef0123456789")}
		}
		data, _ = format.AppendBatch(data, o, msgs)
	}
	r := format.NewBatchReader(bytes.NewReader(data), int64(len(data)), format.ReaderOptions{WindowSize: 4096})
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per batch on the shallow path", allocs)
	}
}
