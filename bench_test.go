package main

import (
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kseg/kseg/internal/benchdata"
)

// buildKseg builds the kseg binary once per benchmark run.
func buildKseg(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "kseg")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runMeasured runs the command with stdout to /dev/null and returns its wall
// time and peak RSS (MiB).
func runMeasured(b *testing.B, bin string, args ...string) (time.Duration, float64) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	devnull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	defer devnull.Close()
	cmd.Stdout = devnull
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%v: %v", args, err)
	}
	el := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return el, float64(ru.Maxrss) / 1024 // Linux: KiB
}

// BenchmarkDumpDeep runs `kseg dump --deep-iteration` (and --print-data-log)
// as a subprocess over generated segments of 512 MiB (~4.8 M small records,
// the size Kafka's DumpLogSegments is measured on) and 1 GiB, reporting wall
// time, records/s and peak RSS. The target: a 1 GiB deep dump in
// under 64 MiB RSS.
func BenchmarkDumpDeep(b *testing.B) {
	bin := buildKseg(b)
	for _, mib := range []int64{512, 1024} {
		spec := benchdata.Spec{Bytes: mib << 20, RecordSize: 90, RecordsPerBatch: 100}
		path, recs, err := benchdata.Segment(spec)
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"--deep-iteration", "--print-data-log"} {
			b.Run(filepath.Base(filepath.Dir(path))+mode, func(b *testing.B) {
				st, _ := os.Stat(path)
				b.SetBytes(st.Size())
				var rss float64
				for b.Loop() {
					_, r := runMeasured(b, bin, "dump", mode, path)
					rss = max(rss, r)
				}
				b.ReportMetric(rss, "maxrss-MiB")
				b.ReportMetric(float64(recs)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}

// BenchmarkDumpDeepParallel compares `kseg dump --print-data-log` on the
// 512 MiB segment with one worker (the serial path) and with the default
// (one per CPU): same bytes out, wall time and peak RSS.
func BenchmarkDumpDeepParallel(b *testing.B) {
	bin := buildKseg(b)
	spec := benchdata.Spec{Bytes: 512 << 20, RecordSize: 90, RecordsPerBatch: 100}
	path, recs, err := benchdata.Segment(spec)
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []string{"1", "0"} {
		b.Run("workers="+workers, func(b *testing.B) {
			st, _ := os.Stat(path)
			b.SetBytes(st.Size())
			var rss float64
			for b.Loop() {
				_, r := runMeasured(b, bin, "dump", "--print-data-log", "--workers", workers, path)
				rss = max(rss, r)
			}
			b.ReportMetric(rss, "maxrss-MiB")
			b.ReportMetric(float64(recs)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkFind runs `kseg find` over a 1 GiB log dir of 64 partitions (4
// segments each, with indexes): a selective key (MB/s is over all the
// bytes), the raw CRC-32C read of the same files for comparison, and time
// ranges selecting 1 % of the records. The bytes a time range reads are
// asserted in search's TestTimeRangeSkipsBytes, not here.
func BenchmarkFind(b *testing.B) {
	bin := buildKseg(b)
	info, err := benchdata.LogDir(benchdata.LogDirSpec{Partitions: 64, PartitionBytes: 16 << 20, SegmentBytes: 4 << 20, RecordSize: 90, RecordsPerBatch: 100})
	if err != nil {
		b.Fatal(err)
	}
	logs, _ := filepath.Glob(filepath.Join(info.Dir, "*", "*.log"))
	b.Run("crc32c-read", func(b *testing.B) {
		b.SetBytes(info.Bytes)
		buf := make([]byte, 1<<20)
		tab := crc32.MakeTable(crc32.Castagnoli)
		for b.Loop() {
			for _, p := range logs {
				f, err := os.Open(p)
				if err != nil {
					b.Fatal(err)
				}
				var c uint32
				for {
					n, err := f.Read(buf)
					c = crc32.Update(c, tab, buf[:n])
					if err != nil {
						break
					}
				}
				f.Close()
			}
		}
	})
	span := info.LastTimestamp - info.FirstTimestamp
	pct := span / 100
	mid := info.FirstTimestamp + span/2
	cases := []struct {
		name string
		args []string
	}{
		{"key", []string{"--key", "key-17-4711"}},
		{"key-1worker", []string{"--key", "key-17-4711", "--workers", "1"}},
		{"time-last-1pct", []string{"--from-time", fmt.Sprint(info.LastTimestamp - pct)}},
		{"time-mid-1pct-ordered", []string{"--from-time", fmt.Sprint(mid), "--to-time", fmt.Sprint(mid + pct), "--time-ordered"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(info.Bytes)
			var rss float64
			for b.Loop() {
				_, r := runMeasured(b, bin, append(append([]string{"find", "--count"}, c.args...), info.Dir)...)
				rss = max(rss, r)
			}
			b.ReportMetric(rss, "maxrss-MiB")
		})
	}
}
