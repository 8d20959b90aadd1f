package verify_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/verify"
)

// Benchmark log dir: 64 partitions x 16 MiB (two 8 MiB segments each) =
// 1 GiB of uncompressed v2 batches of 50 ~100-byte records.
const (
	benchPartitions   = 64
	benchSegmentBytes = 8 << 20
	benchSegments     = 2
	benchRecords      = 50
)

// benchLogDir generates the log dir once into a cache directory under
// os.TempDir() keyed by its parameters, and reuses it across runs.
func benchLogDir(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("kseg-bench-logdir-p%d-s%dx%d-r%d-v1", benchPartitions, benchSegments, benchSegmentBytes, benchRecords))
	done := filepath.Join(dir, ".complete")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	must(b, os.RemoveAll(dir))
	must(b, os.MkdirAll(dir, 0o755))
	must(b, os.WriteFile(filepath.Join(dir, "meta.properties"), []byte("version=1\n"), 0o644))
	value := bytes.Repeat([]byte("0123456789"), 10)
	var msgs []format.Message
	for i := 0; i < benchRecords; i++ {
		msgs = append(msgs, format.Message{Key: []byte(fmt.Sprintf("key-%04d", i)), Value: value, Timestamp: 1_700_000_000_000 + int64(i)})
	}
	var buf []byte
	for p := 0; p < benchPartitions; p++ {
		pdir := filepath.Join(dir, fmt.Sprintf("bench-%d", p))
		must(b, os.MkdirAll(pdir, 0o755))
		offset := int64(0)
		for s := 0; s < benchSegments; s++ {
			base := offset
			path := filepath.Join(pdir, segment.FileName(base, segment.LogSuffix))
			f, err := os.Create(path)
			must(b, err)
			w := bufio.NewWriterSize(f, 1<<20)
			written := 0
			for written < benchSegmentBytes {
				o := format.BatchOptions{Magic: 2, BaseOffset: offset}
				o.NoProducer()
				buf, err = format.AppendBatch(buf[:0], o, msgs)
				must(b, err)
				_, err = w.Write(buf)
				must(b, err)
				written += len(buf)
				offset += benchRecords
			}
			must(b, w.Flush())
			must(b, f.Close())
			ix, ti, err := verify.BuildIndexes(path, 4096)
			must(b, err)
			must(b, os.WriteFile(filepath.Join(pdir, segment.FileName(base, segment.IndexSuffix)), ix, 0o644))
			must(b, os.WriteFile(filepath.Join(pdir, segment.FileName(base, segment.TimeIndexSuffix)), ti, 0o644))
		}
	}
	must(b, os.WriteFile(done, nil, 0o644))
	return dir
}

func dirBytes(b *testing.B, dir string) int64 {
	var n int64
	must(b, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && filepath.Ext(p) == ".log" {
			n += fi.Size()
		}
		return err
	}))
	return n
}

// BenchmarkVerifyLogDir reports shallow verify throughput (b.SetBytes: .log
// bytes) over the whole 1 GiB log dir with 1 and 2 workers, next to one
// partition with one worker. The data is in the page cache after the first
// iteration, so this measures CPU cost, not the disk.
func BenchmarkVerifyLogDir(b *testing.B) {
	dir := benchLogDir(b)
	one := filepath.Join(dir, "bench-0")
	for _, bc := range []struct {
		name    string
		path    string
		workers int
	}{
		{"partition=1/workers=1", one, 1},
		{"partitions=64/workers=1", dir, 1},
		{"partitions=64/workers=2", dir, 2},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(dirBytes(b, bc.path))
			b.ReportAllocs()
			for b.Loop() {
				sum, err := verify.Verify(context.Background(), []string{bc.path}, verify.Options{Workers: bc.workers})
				if err != nil || sum.Errors+sum.Warnings != 0 {
					b.Fatalf("%v %+v", err, sum)
				}
			}
		})
	}
}

// BenchmarkVerifyPeakRSS builds kseg and runs `kseg verify --json` as a
// subprocess on one partition and on the whole log dir, reporting the
// child's peak RSS (getrusage ru_maxrss): it must not grow with the data.
func BenchmarkVerifyPeakRSS(b *testing.B) {
	dir := benchLogDir(b)
	bin := filepath.Join(b.TempDir(), "kseg")
	build := exec.Command("go", "build", "-o", bin, "github.com/kseg/kseg")
	if out, err := build.CombinedOutput(); err != nil {
		b.Skipf("cannot build kseg: %v\n%s", err, out)
	}
	for _, bc := range []struct{ name, path string }{
		{"partition=1", filepath.Join(dir, "bench-0")},
		{"partitions=64", dir},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var maxKiB int64
			for b.Loop() {
				cmd := exec.Command(bin, "verify", "--json", bc.path)
				cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxKiB {
					maxKiB = ru.Maxrss
				}
			}
			b.ReportMetric(float64(maxKiB)/1024, "MiB-peak-rss")
		})
	}
}
