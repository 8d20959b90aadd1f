package metadata_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kseg/kseg/metadata"
	"github.com/kseg/kseg/metadata/metadatatest"
)

// benchLog returns a generated metadata log dir of about mib MiB, cached
// under $TMPDIR/kseg-bench like internal/benchdata's segments.
func benchLog(b *testing.B, mib int64) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "kseg-bench", fmt.Sprintf("kraft-%dMiB", mib), "__cluster_metadata-0")
	done := filepath.Join(filepath.Dir(dir), "done")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	w, err := metadatatest.Create(filepath.Join(dir, "00000000000000000000.log"), 0)
	if err != nil {
		b.Fatal(err)
	}
	// 200 topics × 3 partitions: every round is 604 partition changes.
	if err := metadatatest.Scenario(w, 200, mib<<20); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkReplay replays a large metadata log into an image. The size is
// KSEG_BENCH_KRAFT_MIB (default 1024: the 1 GiB); run it with
// -benchtime 1x. Reported: records/s, MB/s, the peak RSS of the process and
// the live heap after the replay — memory bounded by the image (200 topics),
// not by the log.
func BenchmarkReplay(b *testing.B) {
	mib := int64(1024)
	if s := os.Getenv("KSEG_BENCH_KRAFT_MIB"); s != "" {
		mib, _ = strconv.ParseInt(s, 10, 64)
	}
	dir := benchLog(b, mib)
	fi, err := os.Stat(filepath.Join(dir, "00000000000000000000.log"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	runtime.GC()
	var records int64
	var res *metadata.Result
	start := time.Now()
	for b.Loop() {
		res, err = metadata.Load(dir, metadata.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		records += res.Image.Records
		if len(res.Image.Topics) != 199 {
			b.Fatalf("%d topics", len(res.Image.Topics))
		}
	}
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(records)/el, "records/s")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "image-heap-MiB") // the last image is still live
	runtime.KeepAlive(res)
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MiB")
	}
}
