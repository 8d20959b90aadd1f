package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// The zero-copy path hands io.Copy exactly the types Go's sendfile path
// recognises: dst *net.TCPConn, src *io.LimitedReader wrapping the *os.File,
// with N equal to the slice length.
func TestZeroCopyTypes(t *testing.T) {
	s := newTestData(t, false)
	var mu sync.Mutex
	var seen []string
	testHookCopy = func(dst io.Writer, src io.Reader) {
		mu.Lock()
		defer mu.Unlock()
		lr, ok := src.(*io.LimitedReader)
		_, isTCP := dst.(*net.TCPConn)
		if !ok || !isTCP {
			seen = append(seen, fmt.Sprintf("bad types %T → %T", src, dst))
			return
		}
		if _, ok := lr.R.(*os.File); !ok {
			seen = append(seen, fmt.Sprintf("LimitedReader wraps %T", lr.R))
			return
		}
		seen = append(seen, fmt.Sprintf("ok %d", lr.N))
	}
	t.Cleanup(func() { testHookCopy = nil })
	addr := startServer(t, s, Config{})
	rc := dialRaw(t, addr)
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.MaxBytes = 11, 1<<20
	req.Topics = []kmsg.FetchRequestTopic{{Topic: "t-lz4", Partitions: []kmsg.FetchRequestTopicPartition{{PartitionMaxBytes: 1 << 20}}}}
	resp := kmsg.NewPtrFetchResponse()
	rc.do(req, resp)
	mu.Lock()
	defer mu.Unlock()
	want := fmt.Sprintf("ok %d", len(resp.Topics[0].Partitions[0].RecordBatches))
	if len(seen) != 1 || seen[0] != want {
		t.Fatalf("io.Copy calls %v, want [%s]", seen, want)
	}
	testHookCopy = nil
	// NoZeroCopy never reaches io.Copy.
	addr2 := startServer(t, s, Config{NoZeroCopy: true})
	rc2 := dialRaw(t, addr2)
	rc2.do(req, kmsg.NewPtrFetchResponse())
	if len(seen) != 1 {
		t.Fatalf("NoZeroCopy used io.Copy: %v", seen)
	}
}

// TestServeHelper is the server subprocess for TestSendfileStrace; it does
// nothing in a normal run.
func TestServeHelper(t *testing.T) {
	if os.Getenv("KSEG_SERVE_HELPER") == "" {
		t.Skip("subprocess helper")
	}
	s := newMemStore(t, false)
	p := s.addPartition(t, "big", 0)
	fillPartition(t, p, "big", 0, 200, 50)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDR %s SIZE %d\n", ln.Addr(), p.fileSize)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { io.Copy(io.Discard, os.Stdin); cancel() }()
	if err := Serve(ctx, ln, s, Config{NoZeroCopy: os.Getenv("KSEG_SERVE_HELPER") == "copy"}); err != nil {
		t.Fatal(err)
	}
}

var sendfileRe = regexp.MustCompile(`sendfile\(\d+, \d+, (?:NULL|\[\d+\]|\[\d+\] => \[\d+\]), (\d+)\)\s+= (\d+)`)

// TestSendfileStrace proves record bytes leave by sendfile(2) on the default
// path (and never on NoZeroCopy), by running the server under strace.
func TestSendfileStrace(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed")
	}
	for _, mode := range []string{"zerocopy", "copy"} {
		t.Run(mode, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "strace.out")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, strace, "-f", "-e", "trace=sendfile", "-o", log,
				os.Args[0], "-test.run=^TestServeHelper$", "-test.v")
			cmd.Env = append(os.Environ(), "KSEG_SERVE_HELPER="+mode)
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Skipf("strace: %v", err)
			}
			defer cmd.Wait()
			defer stdin.Close()
			sc := bufio.NewScanner(stdout)
			var addr string
			var size int64
			for sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) == 4 && f[0] == "ADDR" {
					addr = f[1]
					size, _ = strconv.ParseInt(f[3], 10, 64)
					break
				}
			}
			if addr == "" {
				t.Fatal("helper did not start (ptrace not permitted?)")
			}
			go io.Copy(io.Discard, stdout)
			recs := consumeAll(t, addr, "big", []int32{0}, 200*50)
			checkGenRecords(t, "big", recs)
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Fatalf("helper: %v", err)
			}
			out, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			var calls int
			var sent int64
			for _, m := range sendfileRe.FindAllStringSubmatch(string(out), -1) {
				calls++
				n, _ := strconv.ParseInt(m[2], 10, 64)
				sent += n
			}
			t.Logf("%s: %d sendfile calls, %d bytes; partition is %d bytes", mode, calls, sent, size)
			if mode == "copy" {
				if calls != 0 {
					t.Fatalf("NoZeroCopy made %d sendfile calls", calls)
				}
				return
			}
			if sent < size {
				t.Fatalf("sendfile moved %d bytes, the partition has %d:\n%s", sent, size, out)
			}
		})
	}
}
