package main

import (
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
