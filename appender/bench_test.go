package appender

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
)

// benchSegmentBytes makes segments roll (and, with FsyncSegment, fsync)
// inside the timed loop.
const benchSegmentBytes = 128 << 20

// benchBatch encodes 100 records of 100 bytes (half random, half text, so
// zstd has something to do) as one v2 batch.
func benchBatch(b *testing.B, c format.Compression) []byte {
	rng := rand.New(rand.NewPCG(7, 7))
	msgs := make([]format.Message, 100)
	for i := range msgs {
		v := make([]byte, 100)
		for j := 0; j < 50; j++ {
			v[j] = byte(rng.Uint32())
		}
		copy(v[50:], fmt.Sprintf("record %06d of the benchmark batch, padded......", i))
		msgs[i] = format.Message{Value: v, Timestamp: 1_700_000_000_000 + int64(i)}
	}
	return encodeV2(b, msgs, c)
}

// BenchmarkAppend measures Writer.Append per batch next to a plain
// sequential os.File.Write of the same bytes into the same kind of
// directory. MB/s counts batch bytes; records/s counts the 100 records.
func BenchmarkAppend(b *testing.B) {
	for _, c := range []format.Compression{format.CompressionNone, format.CompressionZstd} {
		batch := benchBatch(b, c)
		for _, p := range []FsyncPolicy{FsyncNever, FsyncSegment} {
			b.Run(fmt.Sprintf("codec=%s/fsync=%s", c, p), func(b *testing.B) {
				dir := filepath.Join(b.TempDir(), "bench-0")
				w, err := Open(dir, Options{Fsync: p, SegmentBytes: benchSegmentBytes})
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(batch)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := w.Append(batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "records/s")
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			})
		}
		for _, p := range []FsyncPolicy{FsyncNever, FsyncSegment} {
			b.Run(fmt.Sprintf("codec=%s/plain-write/fsync=%s", c, p), func(b *testing.B) {
				dir := b.TempDir()
				var f *os.File
				var size int64
				next := 0
				open := func() {
					var err error
					f, err = os.OpenFile(filepath.Join(dir, fmt.Sprintf("%020d.log", next)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
					if err != nil {
						b.Fatal(err)
					}
					next++
					size = 0
				}
				open()
				b.SetBytes(int64(len(batch)))
				b.ReportAllocs()
				for b.Loop() {
					if size+int64(len(batch)) > benchSegmentBytes {
						if p == FsyncSegment {
							if err := f.Sync(); err != nil {
								b.Fatal(err)
							}
						}
						f.Close()
						open()
					}
					if _, err := f.Write(batch); err != nil {
						b.Fatal(err)
					}
					size += int64(len(batch))
				}
				b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "records/s")
				f.Close()
			})
		}
	}
}
