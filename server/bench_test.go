package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	benchTopic    = "bench"
	benchRecord   = 1024
	benchPerBatch = 100
)

func benchSizeMiB() int {
	if v, err := strconv.Atoi(os.Getenv("KSEG_BENCH_MIB")); err == nil && v > 0 {
		return v
	}
	return 256
}

// loadPartition rebuilds a memPartition's batch table from an existing file.
func loadPartition(t testing.TB, s *memStore, topic string, path string) {
	p := s.addPartitionAt(t, topic, 0, path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var hdr [batchHeaderSize]byte
	var pos int64
	for {
		if _, err := f.ReadAt(hdr[:], pos); err != nil {
			break
		}
		size := int64(int32(binary.BigEndian.Uint32(hdr[8:]))) + logOverhead
		base := int64(binary.BigEndian.Uint64(hdr[0:]))
		last := base + int64(int32(binary.BigEndian.Uint32(hdr[23:])))
		p.batches = append(p.batches, batchMeta{base: base, last: last, pos: pos, size: size})
		p.end = last + 1
		pos += size
	}
	p.fileSize = pos
}

// addPartitionAt registers a partition over an existing file without
// truncating it.
func (s *memStore) addPartitionAt(t testing.TB, topic string, p int32, path string) *memPartition {
	w, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	mp := &memPartition{path: path, w: w, openTxn: map[int64]int64{}}
	s.mu.Lock()
	s.parts[fmt.Sprintf("%s-%d", topic, p)] = mp
	s.mu.Unlock()
	return mp
}

// TestBenchServerHelper is BenchmarkFetch's server subprocess. It serves
// KSEG_BENCH_FILE and answers "R" on stdin with its own CPU time, so the
// benchmark measures server CPU alone.
func TestBenchServerHelper(t *testing.T) {
	path := os.Getenv("KSEG_BENCH_FILE")
	if path == "" {
		t.Skip("subprocess helper")
	}
	s := newMemStore(t, false)
	loadPartition(t, s, benchTopic, path)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			fmt.Printf("CPU %d\n", cpuTime().Nanoseconds())
		}
		cancel()
	}()
	if err := Serve(ctx, ln, s, Config{NoZeroCopy: os.Getenv("KSEG_BENCH_MODE") == "copy"}); err != nil {
		t.Fatal(err)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFetch reads a page-cached partition (256 MiB; KSEG_BENCH_MIB
// overrides) over loopback with a raw Fetch v11 loop, from a server
// subprocess, with sendfile and with NoZeroCopy, at 1 MiB per request (the
// librdkafka and franz-go max.partition.fetch.bytes default) and 16 MiB. It reports throughput (MB/s) and server and client CPU
// seconds per GiB.
func BenchmarkFetch(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "00000000000000000000.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	val := make([]byte, benchRecord)
	for i := range val {
		val[i] = byte('a' + i%26)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var offset, size int64
	for size < int64(benchSizeMiB())<<20 {
		tb := testBatch{BaseOffset: offset, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}
		for i := 0; i < benchPerBatch; i++ {
			tb.Records = append(tb.Records, testRecord{Value: val, Timestamp: 1e12 + offset + int64(i)})
		}
		raw := encodeBatch(tb)
		w.Write(raw)
		size += int64(len(raw))
		offset += benchPerBatch
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	for _, pmax := range []int32{1 << 20, 16 << 20} {
		for _, mode := range []string{"zerocopy", "copy"} {
			b.Run(fmt.Sprintf("pmax=%dMiB/%s", pmax>>20, mode), func(b *testing.B) { benchFetchMode(b, path, mode, size, offset, pmax) })
		}
	}
}

func benchFetchMode(b *testing.B, path, mode string, size, endOffset int64, pmax int32) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchServerHelper$")
	cmd.Env = append(os.Environ(), "KSEG_BENCH_FILE="+path, "KSEG_BENCH_MODE="+mode)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	sc := bufio.NewScanner(stdout)
	var addr string
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "ADDR" {
			addr = f[1]
			break
		}
	}
	serverCPU := func() time.Duration {
		fmt.Fprintln(stdin, "R")
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "CPU" {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return time.Duration(n)
			}
		}
		b.Fatal("helper gone")
		return 0
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	cl := &fetchLoop{c: c, pmax: pmax, buf: make([]byte, 2*pmax)}
	cl.readAll(b, endOffset) // warm up: page cache, TCP window
	b.SetBytes(size)
	s0, c0 := serverCPU(), cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n := cl.readAll(b, endOffset); n != size {
			b.Fatalf("read %d of %d bytes", n, size)
		}
	}
	b.StopTimer()
	s1, c1 := serverCPU(), cpuTime()
	gib := float64(b.N) * float64(size) / (1 << 30)
	b.ReportMetric((s1-s0).Seconds()/gib, "server-cpu-s/GiB")
	b.ReportMetric((c1-c0).Seconds()/gib, "client-cpu-s/GiB")
}

// fetchLoop is a minimal consumer: Fetch v11 for one partition, read the
// whole response into a reused buffer, walk the batch headers to find the
// next offset.
type fetchLoop struct {
	c    net.Conn
	pmax int32
	buf  []byte
	corr int32
}

func (l *fetchLoop) readAll(b *testing.B, end int64) int64 {
	var offset, total int64
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.MaxWaitMillis, req.MaxBytes = 11, 500, 50<<20
	req.SessionEpoch = -1
	for offset < end {
		req.Topics = []kmsg.FetchRequestTopic{{Topic: benchTopic, Partitions: []kmsg.FetchRequestTopicPartition{{FetchOffset: offset, PartitionMaxBytes: l.pmax, CurrentLeaderEpoch: -1, LogStartOffset: -1}}}}
		l.corr++
		frame := binary.BigEndian.AppendUint32(nil, 0)
		frame = binary.BigEndian.AppendUint16(frame, 1)
		frame = binary.BigEndian.AppendUint16(frame, 11)
		frame = binary.BigEndian.AppendUint32(frame, uint32(l.corr))
		frame = binary.BigEndian.AppendUint16(frame, 0xffff)
		frame = req.AppendTo(frame)
		binary.BigEndian.PutUint32(frame, uint32(len(frame)-4))
		if _, err := l.c.Write(frame); err != nil {
			b.Fatal(err)
		}
		var hdr [4]byte
		if _, err := io.ReadFull(l.c, hdr[:]); err != nil {
			b.Fatal(err)
		}
		n := int(binary.BigEndian.Uint32(hdr[:]))
		if n > len(l.buf) {
			l.buf = make([]byte, n)
		}
		resp := l.buf[:n]
		if _, err := io.ReadFull(l.c, resp); err != nil {
			b.Fatal(err)
		}
		// corr(4) throttle(4) err(2) session(4) topics(4) name(2+len)
		// parts(4) index(4) err(2) hw(8) lso(8) start(8) aborted(4)
		// preferred(4) records(4)
		p := 4 + 4 + 2 + 4 + 4 + 2 + len(benchTopic) + 4 + 4
		if code := binary.BigEndian.Uint16(resp[p:]); code != 0 {
			b.Fatalf("fetch error %d at %d", code, offset)
		}
		p += 2 + 8 + 8 + 8 + 4 + 4
		recLen := int(int32(binary.BigEndian.Uint32(resp[p:])))
		recs := resp[p+4 : p+4+recLen]
		total += int64(recLen)
		for len(recs) >= batchHeaderSize {
			last := int64(binary.BigEndian.Uint64(recs)) + int64(int32(binary.BigEndian.Uint32(recs[23:])))
			offset = last + 1
			recs = recs[12+int(binary.BigEndian.Uint32(recs[8:])):]
		}
	}
	return total
}
