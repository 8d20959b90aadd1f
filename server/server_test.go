package server

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// startServer serves store on 127.0.0.1:0 until the test ends.
func startServer(t testing.TB, store Store, cfg Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logf == nil {
		var mu sync.Mutex
		cfg.Logf = func(f string, a ...any) {
			mu.Lock()
			defer mu.Unlock()
			if testing.Verbose() {
				t.Logf(f, a...)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, store, cfg) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("Serve did not stop")
		}
	})
	return ln.Addr().String()
}

func needKcat(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat not on PATH (CI installs it)")
		}
		t.Skip("kcat not on PATH")
	}
	return p
}

// kcat runs kcat with a timeout and returns stdout; stdin may be nil.
func kcat(t testing.TB, stdin []byte, args ...string) string {
	t.Helper()
	bin := needKcat(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %s: %v\nstderr:\n%s\nstdout:\n%s", strings.Join(args, " "), err, errb.String(), out.String())
	}
	if testing.Verbose() && errb.Len() > 0 {
		t.Logf("kcat %s stderr:\n%s", strings.Join(args, " "), errb.String())
	}
	return out.String()
}

const (
	genBatches  = 6
	genPerBatch = 7
)

// newTestData builds topics "t-none", "t-gzip", … (one partition each) and
// "multi" with three partitions, all uncompressed except by name.
func newTestData(t testing.TB, writable bool) *memStore {
	s := newMemStore(t, writable)
	for codec, name := range codecNames {
		topic := "t-" + name
		p := s.addPartition(t, topic, 0)
		fillPartition(t, p, topic, codec, genBatches, genPerBatch)
	}
	for i := int32(0); i < 3; i++ {
		p := s.addPartition(t, "multi", i)
		fillPartition(t, p, "multi", 0, 2+int(i), 3)
	}
	return s
}

func expectedLines(topic string, from, to int64) string {
	var b strings.Builder
	for o := from; o < to; o++ {
		fmt.Fprintf(&b, "%d k%d v%d-%s h=%d\n", o, o, o, topic, o)
	}
	return b.String()
}

func TestKcatList(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	out := kcat(t, nil, "-L", "-b", addr)
	for _, want := range []string{
		`topic "t-none" with 1 partitions`,
		`topic "t-zstd" with 1 partitions`,
		`topic "multi" with 3 partitions`,
		"partition 2, leader 0, replicas: 0, isrs: 0",
		"1 brokers:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kcat -L output lacks %q:\n%s", want, out)
		}
	}
}

func TestKcatConsumeAllCodecs(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	total := int64(genBatches * genPerBatch)
	for _, name := range codecNames {
		topic := "t-" + name
		t.Run(name, func(t *testing.T) {
			out := kcat(t, nil, "-C", "-b", addr, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", `%o %k %s %h\n`)
			if want := expectedLines(topic, 0, total); out != want {
				t.Errorf("got:\n%s\nwant:\n%s", out, want)
			}
			out = kcat(t, nil, "-C", "-b", addr, "-t", topic, "-p", "0", "-o", "-5", "-e", "-f", `%o %k %s %h\n`)
			if want := expectedLines(topic, total-5, total); out != want {
				t.Errorf("-o -5: got:\n%s\nwant:\n%s", out, want)
			}
		})
	}
}

func TestKcatOffsetsEndAndTimestamp(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	out := kcat(t, nil, "-C", "-b", addr, "-t", "t-none", "-p", "0", "-o", "end", "-e", "-f", `%o\n`)
	if out != "" {
		t.Errorf("-o end returned records: %q", out)
	}
	// -Q: offset of the first record with timestamp >= ts.
	ts := genTs(17) - 500
	out = kcat(t, nil, "-Q", "-b", addr, "-t", fmt.Sprintf("t-none:0:%d", ts))
	if !strings.Contains(out, "offset 17") {
		t.Errorf("-Q: %q", out)
	}
	out = kcat(t, nil, "-Q", "-b", addr, "-t", fmt.Sprintf("t-none:0:%d", genTs(1000)))
	if !strings.Contains(out, "offset -1") {
		t.Errorf("-Q past end: %q", out)
	}
}
