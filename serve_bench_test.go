package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kseg/kseg/internal/benchdata"
	"github.com/kseg/kseg/segment"
	"github.com/twmb/franz-go/pkg/kgo"
)

// serveLogDir returns a cached log dir holding one indexed 1 GiB partition
// "bench-0" (hard link to the benchdata segment plus rebuilt indexes).
func serveLogDir(b *testing.B) (string, int64) {
	spec := benchdata.Spec{Bytes: 1 << 30, RecordSize: 1000, RecordsPerBatch: 16}
	seg, recs, err := benchdata.Segment(spec)
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(benchdata.Dir(), "serve-logdir-1GiB")
	part := filepath.Join(dir, "bench-0")
	log := filepath.Join(part, "00000000000000000000.log")
	if _, err := os.Stat(filepath.Join(part, "00000000000000000000.index")); err == nil {
		return dir, recs
	}
	if err := os.MkdirAll(part, 0o755); err != nil {
		b.Fatal(err)
	}
	os.Remove(log)
	if err := os.Link(seg, log); err != nil {
		b.Fatal(err)
	}
	s, err := segment.SegmentForFile(log)
	if err != nil {
		b.Fatal(err)
	}
	rb, err := segment.RebuildIndexes(s, segment.DefaultIndexIntervalBytes)
	if err != nil || rb.LogErr != nil {
		b.Fatal(err, rb.LogErr)
	}
	if err := os.WriteFile(filepath.Join(part, "00000000000000000000.timeindex"), rb.TimeIdx, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(part, "00000000000000000000.index"), rb.OffsetIdx, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir, recs
}

// cpuSeconds reads a process's user+system CPU time from /proc.
func cpuSeconds(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// BenchmarkServeConsume runs `kseg serve` over a 1 GiB partition (page
// cache) and consumes it all with an in-process franz-go client over
// loopback, sendfile (default) vs --no-zero-copy in the same run, reporting
// MB/s and the server's CPU-seconds per GiB.
func BenchmarkServeConsume(b *testing.B) {
	bin := buildKseg(b)
	dir, recs := serveLogDir(b)
	st, _ := os.Stat(filepath.Join(dir, "bench-0", "00000000000000000000.log"))
	for _, mode := range []string{"zerocopy", "copy"} {
		b.Run(mode, func(b *testing.B) {
			ln, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := ln.Addr().String()
			ln.Close()
			args := []string{"serve", dir, "--listen", addr}
			if mode == "copy" {
				args = append(args, "--no-zero-copy")
			}
			cmd := exec.Command(bin, args...)
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			defer func() { cmd.Process.Kill(); cmd.Wait() }()
			for i := 0; i < 100; i++ {
				if c, err := net.Dial("tcp", addr); err == nil {
					c.Close()
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			b.SetBytes(st.Size())
			var cpu float64
			for b.Loop() {
				cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.FetchMaxBytes(64<<20), kgo.FetchMaxPartitionBytes(16<<20),
					kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"bench": {0: kgo.NewOffset().AtStart()}}))
				if err != nil {
					b.Fatal(err)
				}
				c0 := cpuSeconds(b, cmd.Process.Pid)
				var n int64
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				for n < recs {
					fs := cl.PollFetches(ctx)
					if err := fs.Err0(); err != nil {
						b.Fatal(err)
					}
					n += int64(fs.NumRecords())
				}
				cancel()
				cpu += cpuSeconds(b, cmd.Process.Pid) - c0
				cl.Close()
			}
			b.ReportMetric(cpu/float64(b.N)/(float64(st.Size())/(1<<30)), "server-cpu-s/GiB")
		})
	}
}
